"""Where a campaign run spends its time: workspace set-up, each query pack, scoring, copy, render.

    python bench/bench_pipeline.py --plays 1000000 --users 50000
    python bench/bench_pipeline.py --plays 10000000 --users 500000 --no-render

Synthetic data is generated once per size under bench/results/data/ and reused. Each figure is
one run in one process; the machine is noisy, so re-run and compare side by side.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

from campaign.config import CampaignConfig
from campaign.facts import collect_facts
from campaign.packs import discover_packs, pack_dirs, resolve_params
from campaign.render import load_theme, render_all
from campaign.run import rank_candidates, summarise, write_copy
from campaign.scoring import FactsResult
from campaign.synth import SynthSpec, generate
from campaign.workspace import open_workspace


def timed(label: str, results: list[tuple[str, float, str]], fn, *args, note: str = ""):
    started = time.perf_counter()
    value = fn(*args)
    results.append((label, time.perf_counter() - started, note))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 2GB")
    parser.add_argument("--no-render", action="store_true")
    parser.add_argument(
        "--data", nargs="*", type=Path, help="existing canonical files to use instead"
    )
    args = parser.parse_args()

    folder = Path(__file__).parent / "results" / "data"
    listens = folder / f"listens-{args.plays}-{args.users}-s{args.seed}.parquet"
    results: list[tuple[str, float, str]] = []
    if args.data:
        files = list(args.data)
    elif not listens.is_file():
        spec = SynthSpec(plays=args.plays, users=args.users, seed=args.seed)
        generated = timed("synth (generate data)", results, generate, spec, listens)
        files = generated.data_files if hasattr(generated, "data_files") else [listens]
    else:
        files = sorted(folder.glob(f"{listens.stem}*.parquet"))
    config = CampaignConfig(name="bench", year=2024, data=tuple(files), formats=("dooh-landscape",))

    ws = timed(
        "workspace (views, daily rollup, calendar)",
        results,
        open_workspace,
        config,
        files,
        args.memory_limit,
    )
    packs = discover_packs(pack_dirs(config.packs, Path(".")))
    runs = []
    for pack in packs:
        run = timed(
            f"pack {pack.name}", results, collect_facts, ws, pack, resolve_params(pack), config.year
        )
        results[-1] = (
            *results[-1][:2],
            f"{run.rows} rows" + (f", skipped: {run.skipped}" if run.skipped else ""),
        )
        runs.append(run)
    candidates = timed("score and rank", results, rank_candidates, ws, config, runs)
    result = FactsResult(config, runs, candidates, summarise(ws))
    ws.close()
    timed("copy (en)", results, write_copy, result, ["en"])
    if not args.no_render:
        theme = load_theme("default")
        out = Path(__file__).parent / "results" / "render"
        jobs = [
            (c.copy["en"], "dooh-landscape", theme, out / f"{c.id}.png") for c in result.shortlist()
        ]
        timed(f"render {len(jobs)} dooh-landscape", results, render_all, jobs, 2, False)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{args.plays:,} plays, {args.users:,} users, memory_limit={args.memory_limit}")
    print(f"{'stage':<45} {'seconds':>8}  note")
    for label, seconds, note in results:
        print(f"{label:<45} {seconds:>8.2f}  {note}")
    print(f"{'total':<45} {sum(s for _, s, _ in results):>8.2f}")
    print(f"peak RSS of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
