"""How long the DP release takes as the facts it draws grow (issue 11: OpenDP's filter re-checks
every earlier query on each new one, so the cost of a draw grew with the draws before it).

    python bench/bench_noise.py --facts 25 100 400

Each fact is a cohort fact with four counts (value, cohort, baseline, population), as a spike
pack makes them; the budget is spread over `max_facts = facts`, so every fact is drawn. One run
per size in one process; the machine is noisy, so compare two checkouts side by side.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

from campaign.config import CampaignConfig, PrivacySettings
from campaign.facts import Fact, PackRun
from campaign.noise import PrivateRelease
from campaign.packs import parse_pack

SPIKE_PACK = Path(__file__).resolve().parent.parent / "queries" / "core" / "event_spike.sql"


def spike_facts(n: int) -> list[Fact]:
    """`n` cohort facts about distinct tracks and days, each with four counts to draw."""
    first = date(2024, 1, 1)
    return [
        Fact(
            "event_spike",
            "cohort",
            "event_spike",
            "GB",
            first + timedelta(days=i % 365),
            first + timedelta(days=i % 365),
            None,
            "track",
            f"t{i}",
            f"Song {i}",
            "Artist",
            "listeners",
            2_000 + i,
            300.0,
            2_000 + i,
            900_000 + i,
            {"novelty": "x"},
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[25, 100, 400])
    args = parser.parse_args()
    pack = parse_pack(SPIKE_PACK)
    print(f"{'facts':>6} {'published':>9} {'seconds':>8} {'ms per fact':>11}")
    for n in args.facts:
        with tempfile.TemporaryDirectory() as folder:
            privacy = replace(PrivacySettings(), max_facts=n, max_relative_noise=1.0)
            release = PrivateRelease(
                CampaignConfig(output=Path(folder), privacy=privacy), {}, Path(folder) / "ledger"
            )
            run = PackRun(pack, {}, spike_facts(n))
            start = time.perf_counter()
            release.apply([run], lambda fact: fact.value, {"GB": 1_000_000})
            seconds = time.perf_counter() - start
        print(f"{n:>6} {len(run.facts):>9} {seconds:>8.2f} {seconds / n * 1000:>11.1f}")


if __name__ == "__main__":
    main()
