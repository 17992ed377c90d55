"""Plant recall of `campaign synth` at a size and seeds: how many planted anomalies find_facts
ranks where they must (tests/plant_recall.py), per kind, for one or more checkouts.

.venv/bin/python bench/synth_recall.py --plays 1000000 --users 50000 --seeds 41,73
.venv/bin/python bench/synth_recall.py --seeds 41 --code /tmp/base --code .   # before/after

Raw counts and individual facts, as the recall tests count them (no noise). Each run is a
fresh process whose working folder is the checkout, so that checkout's code is imported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import collections, json, sys
from pathlib import Path
from campaign.config import CampaignConfig, PrivacySettings
from campaign.run import find_facts
from campaign.synth import SynthSpec, generate
from tests.plant_recall import recall_failures
spec, out = SynthSpec(**json.loads(sys.argv[1])), Path(sys.argv[2])
result = generate(spec, out / "listens.parquet")
truth = json.loads(result.truth.read_text())
config = CampaignConfig(name="recall", year=spec.year, data=tuple(result.data_files),
                        formats=("square",), shortlist=4, output=out / "output", root=out,
                        privacy=PrivacySettings(noise="none", individual=True))
failures = recall_failures(find_facts(config), truth)
planted = collections.Counter(p["kind"] for p in truth if p["role"] == "anomaly")
missed = collections.Counter(f.split("'kind': '")[1].split("'")[0] for f in failures)
print("RECALL " + json.dumps({"planted": planted, "missed": missed, "failures": failures}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--seeds", default="41,73")
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run")
    args = parser.parse_args()
    roots = [p.resolve() for p in args.code or [Path(__file__).resolve().parent.parent]]
    for seed in [int(s) for s in args.seeds.split(",")]:
        spec = json.dumps({"plays": args.plays, "users": args.users, "seed": seed})
        for root in roots:
            with tempfile.TemporaryDirectory() as tmp:
                argv = [sys.executable, "-c", CHILD, spec, tmp]
                out = subprocess.run(argv, capture_output=True, text=True, cwd=root)
            if out.returncode:
                print(f"{root} seed {seed}: failed\n{out.stderr[-2000:]}")
                continue
            # after the last marker: DuckDB's progress bars may share its line
            report = json.loads(out.stdout.rsplit("RECALL ", 1)[1].splitlines()[0])
            total = sum(report["planted"].values())
            missed = sum(report["missed"].values())
            print(f"{root} {args.plays:,} plays seed {seed}: {total - missed} of {total} "
                  f"anomalies where they must be; missed by kind {report['missed']}")  # fmt: skip
            for failure in report["failures"]:
                print(f"    {failure}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
