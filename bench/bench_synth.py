"""Time `campaign synth` at a given size, each run in a fresh process (imports included).

.venv/bin/python bench/bench_synth.py                 # default size: 1M plays, 50k users
.venv/bin/python bench/bench_synth.py --plays 10000000 --users 500000 --runs 1
.venv/bin/python bench/bench_synth.py --code /tmp/base --code .   # side by side, same seeds

With `--code DIR` (repeatable) each run is made by each checkout in turn (same spec and seed),
so figures of two versions come from the same machine at the same time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

CHILD = """
import json, resource, sys, time
from pathlib import Path
from campaign.synth import SynthSpec, generate
spec = SynthSpec(**json.loads(sys.argv[1]))
result = generate(spec, Path(sys.argv[2]))
print(json.dumps({"generate_s": result.seconds, "rows": result.plays,
                  "bytes": Path(sys.argv[2]).stat().st_size,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run")
    args = parser.parse_args()
    spec = {"plays": args.plays, "users": args.users, "tracks": args.tracks}
    roots = [p.resolve() for p in args.code or [Path(__file__).resolve().parent.parent]]
    walls: dict[Path, list[float]] = {root: [] for root in roots}
    reports: dict[Path, list[dict]] = {root: [] for root in roots}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for root in roots:  # the code is imported from the child's working folder
                started = time.perf_counter()
                argv = [sys.executable, "-c", CHILD, json.dumps({**spec, "seed": run}),
                        f"{tmp}/listens.parquet"]  # fmt: skip
                out = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=root)
                walls[root].append(time.perf_counter() - started)
                reports[root].append(json.loads(out.stdout.strip().splitlines()[-1]))
    for root in roots:
        mine = reports[root]
        rows = mine[0]["rows"]
        print(
            f"{root}: {rows:,} rows, {mine[0]['bytes'] / rows:.1f} bytes/row; "
            f"process wall median {statistics.median(walls[root]):.2f} s "
            f"(generate() {statistics.median(r['generate_s'] for r in mine):.2f} s), "
            f"peak {max(r['peak_mb'] for r in mine):.0f} MB over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
