"""What `campaign wrapped --data DATASET --all` costs: listeners per second and peak memory.

    .venv/bin/python bench/bench_wrapped.py                      # 1,000 listeners, 2 workers
    .venv/bin/python bench/bench_wrapped.py --users 100 --plays 40000 --base /tmp/main-checkout

The listens come from `campaign synth` (same seed, same data); the batch runs in a fresh process
so its peak RSS (the largest of the command and its workers, from getrusage) is its own. Then
the cards of a few stories are drawn again, one after another in one fresh process, for the
time one card takes. With `--base FOLDER` (a checkout of another version, e.g.
`git worktree add --detach FOLDER main`) every figure is measured for both versions on the same
data in the same run, run by this Python from each version's folder: the machine is shared, so
compare them side by side, not against a number written down elsewhere.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
# The campaign CLI of the version whose folder the command runs in (it comes first on sys.path).
CAMPAIGN = [sys.executable, "-c", "import sys; from campaign.cli import app; app()"]
# Runs a command and prints the peak RSS (KiB) of its process tree: the largest of them.
PEAK = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""
# Draws every card of the given stories' wrapped.json again and prints seconds per card.
DRAW = """
import json, sys, tempfile, time
from pathlib import Path
from campaign.wrapped.card import Card
from campaign.wrapped.draw import draw_card
cards = []
for folder in sys.argv[1:]:
    record = json.loads((Path(folder) / "wrapped.json").read_text())
    for n, c in enumerate(record["cards"]):
        card = Card(c["kind"], c["facts"], "", {}, c["counted"], copy=c["copy"])
        cards.append((card, f"{record['year']} · Wrapped", n, record["locale"]))
with tempfile.TemporaryDirectory() as tmp:
    draw_card(*cards[0][:3], Path(tmp) / "first.png", cards[0][3])  # fonts loaded once
    started = time.perf_counter()
    for k, (card, tag, n, locale) in enumerate(cards):
        draw_card(card, tag, n, Path(tmp) / f"{k}.png", locale)
    print(len(cards), (time.perf_counter() - started) / len(cards))
"""


def run(args: list[str], cwd: Path = HERE) -> tuple[float, float]:
    """Seconds the command took and its peak RSS in MB; a failure stops the bench with its
    own message."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *args], capture_output=True, text=True, cwd=cwd
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[3:6])} failed in {cwd}: {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - started, int(done.stdout.split()[-1]) / 1024


def measure(root: Path, data: Path, out: Path, engine: str, args: argparse.Namespace) -> dict:
    """One version's batch over `data` into `out` on `engine`, and its time per card."""
    batch = [*CAMPAIGN, "wrapped", "--data", str(data), "--all", "--out", str(out)]
    seconds, peak_mb = run([*batch, "--workers", str(args.workers), "--engine", engine], root)
    listing = json.loads((out / "stories.json").read_text())
    made = len(listing["stories"])
    cards = sum(len(list((out / s / "cards").glob("*.png"))) for s in listing["stories"])
    drawn = [str(out / s) for s in listing["stories"][: args.draw_stories]]
    timed = subprocess.run(
        [sys.executable, "-c", DRAW, *drawn], capture_output=True, text=True, cwd=root, check=True
    )
    redrawn, per_card = timed.stdout.split()
    return {
        "version": str(root),
        "engine": engine,
        "listeners": made,
        "not_made": len(listing["not_made"]),
        "cards": cards,
        "seconds": round(seconds, 1),
        "listeners_per_s": round(made / seconds, 3),
        "peak_rss_mb": round(peak_mb, 1),
        "cards_redrawn": int(redrawn),
        "seconds_per_card": round(float(per_card), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--plays", type=int, default=400_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="this version's (base: duckdb)",
    )
    parser.add_argument("--draw-stories", type=int, default=10, help="stories redrawn per card")
    parser.add_argument("--base", type=Path, help="a checkout of the version to compare with")
    args = parser.parse_args()
    if args.base is not None and not (args.base / "campaign" / "cli.py").is_file():
        parser.error(f"--base {args.base} is not a checkout of campaign (no campaign/cli.py)")
    versions = [HERE] + ([args.base.resolve()] if args.base else [])
    # stopped (kill PID), the bench still removes its data and stories: they hold listener ids
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench_wrapped stopped"))
    with tempfile.TemporaryDirectory(prefix="bench-wrapped-") as tmp:
        # synth writes its users (with opt-outs) and playlists beside the listens: one folder
        listens = Path(tmp) / "data" / "plays.parquet"
        listens.parent.mkdir()
        synth = [*CAMPAIGN, "synth", "--out", str(listens), "--users", str(args.users)]
        run([*synth, "--plays", str(args.plays), "--seed", str(args.seed), "--markets", "GB"])
        common = {"users": args.users, "plays": args.plays, "workers": args.workers}
        figures = []
        for n, root in enumerate(versions):  # each printed once measured: a long run keeps it
            engine = args.engine if n == 0 else "duckdb"
            figures.append(measure(root, listens.parent, Path(tmp) / f"out-{n}", engine, args))
            print(json.dumps({**common, **figures[-1]}), flush=True)
    if len(figures) == 2:
        this, base = figures
        print(
            json.dumps(
                {
                    "speedup_listeners_per_s": round(
                        this["listeners_per_s"] / base["listeners_per_s"], 2
                    ),
                    "speedup_per_card": round(
                        base["seconds_per_card"] / this["seconds_per_card"], 2
                    ),
                }
            )
        )


if __name__ == "__main__":
    main()
