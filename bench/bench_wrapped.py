"""What `campaign wrapped --data DATASET --all` costs: listeners per second and peak memory.

    .venv/bin/python bench/bench_wrapped.py                      # 1,000 listeners, 2 workers
    .venv/bin/python bench/bench_wrapped.py --users 50 --plays 20000 --workers 1

The listens come from `campaign synth` (same seed, same data); the batch runs in a fresh process
so its peak RSS (the largest of the command and its workers, from getrusage) is its own. The
machine is shared: compare runs side by side, not against a number written down elsewhere.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

CAMPAIGN = [str(Path(sys.executable).parent / "campaign")]
# Runs a command and prints the peak RSS (KiB) of its process tree: the largest of them.
PEAK = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def run(args: list[str]) -> tuple[float, float]:
    """Seconds the command took and its peak RSS in MB; a failure stops the bench with its
    own message."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[1:3])} failed: {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - started, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--plays", type=int, default=400_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-wrapped-") as tmp:
        # synth writes its users (with opt-outs) and playlists beside the listens: one folder
        listens = Path(tmp) / "data" / "plays.parquet"
        listens.parent.mkdir()
        synth = [*CAMPAIGN, "synth", "--out", str(listens), "--users", str(args.users)]
        run([*synth, "--plays", str(args.plays), "--seed", str(args.seed), "--markets", "GB"])
        out = Path(tmp) / "out"
        batch = [*CAMPAIGN, "wrapped", "--data", str(listens.parent), "--all"]
        seconds, peak_mb = run([*batch, "--out", str(out), "--workers", str(args.workers)])
        listing = json.loads((out / "stories.json").read_text())
    made = len(listing["stories"])
    print(
        json.dumps(
            {
                "listeners": made,
                "not_made": len(listing["not_made"]),
                "plays": args.plays,
                "workers": args.workers,
                "seconds": round(seconds, 1),
                "listeners_per_s": round(made / seconds, 2),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
