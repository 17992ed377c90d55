"""How long the variety re-rank takes on a large candidate list (issue 7: it was quadratic).

    python bench/bench_rerank.py --candidates 20000 --markets 20 --events 200

The candidates look like a spike pack's over a multi-market year: one pack, many markets and
event days, songs and artists repeating. Each figure is one run in one process; the machine is
noisy, so re-run and compare side by side.
"""

from __future__ import annotations

import argparse
import random
import time

import checkout  # noqa: F401  (first: the campaign package of this checkout)

from campaign.scoring import rerank_for_variety


def candidates(n: int, markets: int, events: int, packs: int, seed: int):
    """`n` candidates with keys drawn like a campaign's: few markets, packs and events."""
    rng = random.Random(seed)
    return [
        (
            f"f{i:07d}",
            {
                "subject": f"track:song {rng.randrange(n // 4 + 1)}",
                "market": f"M{rng.randrange(markets)}",
                "pack": f"pack{rng.randrange(packs)}",
                "event": f"e{rng.randrange(events)}" if rng.random() < 0.3 else "",
                "artist": f"artist {rng.randrange(n // 12 + 1)}",
            },
            rng.random(),
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--markets", type=int, default=20)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--packs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for n in args.candidates:
        items = candidates(n, args.markets, args.events, args.packs, args.seed)
        started = time.perf_counter()
        rerank_for_variety(items)
        print(f"{n:>9,} candidates, {args.packs} pack(s): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
