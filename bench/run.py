"""`campaign facts` against a bare DuckDB scan of the same plays, side by side in one run.

    .venv/bin/python bench/run.py --plays 10M
    .venv/bin/python bench/run.py --plays 100M --memory-limit 3GB

Synthetic data from `campaign synth` is generated once per size and seed (in a child process)
and cached under bench/results/data-<plays>-s<seed>/. Then, each in a fresh child process so
every peak RSS is its own: the bare scan (every column of every play decoded once), a first
`find_facts` with the workspace rebuilt (`fresh`), and a second on the unchanged data (the
persisted workspace is reused); both runs' facts are written to bench/results/facts-*.json and
compared. Each facts run prints its stages (workspace, every pack, scoring)
with wall time and rows per second, and the ratio of its wall time to the scan's. The workspace
cache of the bench lives in the data folder (`.workspace/`), never in output/.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_count(text: str) -> int:
    """10M, 250k, 1000000: a play count as people write it."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count like 10M, 250k or 1000000")
    return int(float(match.group(1)) * SUFFIXES[match.group(2).lower()])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_synth(plays: int, users: int, seed: int, folder: Path) -> dict:
    from campaign.synth import SynthSpec, generate

    started = time.perf_counter()
    result = generate(SynthSpec(plays=plays, users=users, seed=seed), folder / "listens.parquet")
    return {"seconds": time.perf_counter() - started, "rows": result.plays}


def child_scan(folder: Path) -> dict:
    """Every column of every play decoded once, nothing kept: the floor any pack run stands on."""
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    rows = con.execute(
        "SELECT count(*), min(COLUMNS(*)) FROM read_parquet(?)", [str(folder / "listens.parquet")]
    ).fetchone()[0]
    return {"seconds": time.perf_counter() - started, "rows": rows}


class StageClock:
    """A progress reporter that records when each stage and each pack ends."""

    def __init__(self, pack_names: list[str]) -> None:
        self.pack_names = pack_names
        self.marks: list[tuple[str, float]] = []
        self._current = "start"
        self._packs_done = 0
        self._since = time.perf_counter()

    def _close(self, label: str) -> None:
        now = time.perf_counter()
        self.marks.append((label, now - self._since))
        self._since = now

    def stage(self, name: str, total: int | None = None) -> None:
        if self._current != "start" and self._current != "Running query packs":
            self._close(self._current)
        self._current = name

    def advance(self, steps: int = 1) -> None:
        self._close(f"pack {self.pack_names[self._packs_done]}")
        self._packs_done += steps

    def count(self, items: int, unit: str) -> None:
        pass

    def finish(self) -> None:
        self._close(self._current)

    def running(self) -> AbstractContextManager[StageClock]:
        return nullcontext(self)


def child_facts(folder: Path, memory_limit: str | None, fresh: bool, dump: Path) -> dict:
    """One `find_facts` as `campaign facts` runs it, its cache beside the data; every fact it
    found is written to `dump` (sorted), so two runs or two branches can be compared."""
    from campaign.config import CampaignConfig
    from campaign.duckdb_settings import DuckDBSettings
    from campaign.packs import discover_packs, pack_dirs
    from campaign.run import find_facts

    settings = DuckDBSettings(
        memory_limit=memory_limit or DuckDBSettings().memory_limit,
        cache_dir=folder / ".workspace",
    )
    config = CampaignConfig(name="bench", year=2024, data=(folder,), duckdb=settings)
    names = [p.name for p in discover_packs(pack_dirs(config.packs, config.root))]
    clock = StageClock(names)
    started = time.perf_counter()
    result = find_facts(config, reporter=clock, fresh=fresh)
    clock.finish()
    facts = sorted(
        [f.pack, f.id, json.dumps(f.columns(), default=str, sort_keys=True)]
        for run in result.runs
        for f in run.facts
    )
    dump.write_text(json.dumps(facts, indent=0), encoding="utf-8")
    return {
        "seconds": time.perf_counter() - started,
        "stages": clock.marks,
        "candidates": len(result.candidates),
        "rows": result.data_summary["rows"].get("listens", 0),
    }


def in_child(*argv: str) -> dict:
    """Run one measurement in a fresh interpreter and read its JSON line and peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        sys.exit(f"bench child {' '.join(argv[:1])} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_child(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "synth":
        report = child_synth(int(rest[0]), int(rest[1]), int(rest[2]), Path(rest[3]))
    elif kind == "scan":
        report = child_scan(Path(rest[0]))
    else:
        report = child_facts(Path(rest[0]), rest[1] or None, rest[2] == "fresh", Path(rest[3]))
    print(json.dumps({**report, "peak_rss_mb": peak_rss_mb()}))


def print_facts(title: str, report: dict, scan_seconds: float) -> None:
    rows = report["rows"]
    print(
        f"\n{title}: {report['seconds']:.2f} s, {report['seconds'] / scan_seconds:.1f}x the scan, "
    )
    print(f"  peak RSS {report['peak_rss_mb']:,.0f} MB, {report['candidates']} candidates")
    print(f"  {'stage':<40} {'seconds':>8} {'rows/s':>14}")
    for label, seconds in report["stages"]:
        rate = f"{rows / seconds:,.0f}" if seconds > 0 else "-"
        print(f"  {label:<40} {seconds:>8.2f} {rate:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plays", type=parse_count, default=parse_count("1M"))
    parser.add_argument("--users", type=parse_count, help="default: one per 20 plays")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit, e.g. 3GB")
    parser.add_argument("--data", type=Path, help="a folder of canonical data to use instead")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return

    users = args.users or max(args.plays // 20, 1000)
    folder = args.data or RESULTS / f"data-{args.plays}-{users}-s{args.seed}"
    if not (folder / "listens.parquet").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        made = in_child("synth", str(args.plays), str(users), str(args.seed), str(folder))
        print(f"synth: {made['seconds']:.1f} s, peak RSS {made['peak_rss_mb']:,.0f} MB")
    scan = in_child("scan", str(folder))
    RESULTS.mkdir(parents=True, exist_ok=True)  # with `--data` elsewhere the dumps still land here
    dumps = [RESULTS / f"facts-{folder.name}-{run}.json" for run in ("fresh", "cached")]
    first = in_child("facts", str(folder), args.memory_limit, "fresh", str(dumps[0]))
    second = in_child("facts", str(folder), args.memory_limit, "cached", str(dumps[1]))
    same = dumps[0].read_text(encoding="utf-8") == dumps[1].read_text(encoding="utf-8")
    made_here = "" if args.data else f"{users:,} users, seed {args.seed}, "
    print(f"{scan['rows']:,} plays, {made_here}data in {folder}")
    print(
        f"bare scan of every column: {scan['seconds']:.2f} s "
        f"({scan['rows'] / scan['seconds']:,.0f} rows/s), peak RSS {scan['peak_rss_mb']:,.0f} MB"
    )
    print_facts("campaign facts, workspace rebuilt (--fresh)", first, scan["seconds"])
    print_facts("campaign facts again, data unchanged", second, scan["seconds"])
    # the released facts: under the DP defaults few or none clear the print rule, and the count
    # says when the comparison holds nothing
    released = len(json.loads(dumps[0].read_text(encoding="utf-8")))
    print(
        f"\nfacts of the two runs identical: {same}, {released:,} released facts "
        f"({dumps[0].name}, {dumps[1].name})"
    )


if __name__ == "__main__":
    main()
