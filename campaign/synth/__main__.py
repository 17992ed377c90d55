"""`python -m campaign.synth --events 5 --seed 0 --out data/listens.parquet`: `campaign synth`."""

from __future__ import annotations

import argparse
from pathlib import Path

from campaign.synth import SynthSpec, generate


def main(argv: list[str] | None = None) -> int:
    defaults = SynthSpec()
    parser = argparse.ArgumentParser(prog="python -m campaign.synth", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="listens Parquet to write")
    parser.add_argument(
        "--events", type=int, default=defaults.plants_per_kind, help="plants per kind"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--plays", type=int, default=defaults.plays)
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--tracks", type=int, default=defaults.tracks)
    parser.add_argument("--markets", default=",".join(defaults.markets))
    parser.add_argument("--year", type=int, default=defaults.year)
    args = parser.parse_args(argv)
    spec = SynthSpec(
        plays=args.plays,
        users=args.users,
        tracks=args.tracks,
        markets=tuple(m.strip().upper() for m in args.markets.split(",") if m.strip()),
        year=args.year,
        plants_per_kind=args.events,
        seed=args.seed,
    )
    result = generate(spec, args.out)
    print(
        f"{result.plays:,} plays ({result.planted_plays:,} planted), {result.user_count:,} users, "
        f"{result.playlist_count:,} playlists, {result.anomalies} anomalies + {result.decoys} "
        f"decoys in {result.seconds:.1f} s"
    )
    for path in (*result.data_files, result.truth):
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
