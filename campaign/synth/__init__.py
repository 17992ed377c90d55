"""`campaign synth`: synthetic listening logs with planted anomalies and a truth file.

    generate(SynthSpec(plants_per_kind=5, seed=0), Path("data/listens.parquet"))

writes `listens.parquet` (schema.LISTENS), `listens.users.parquet` (schema.USERS) and
`listens.truth.json`: one entry per planted fact, `{"kind", "market", "day", "track_name",
"value", "role"}`, where `kind` is the pack that must find it and `role` is `anomaly`, `decoy`
(a pack could be fooled by it), `opted_out` or `under_age` (must never surface). No user ids.

The data looks like listening: Zipf-like popularity per market over one shared catalogue with
local favourites, Zipf-like activity per user, sessions of consecutive plays, weekly and daily
rhythm in each market's local time (stored as UTC), new releases ramping up from their release
day, skips, devices, cities. The same spec and seed give the same bytes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from campaign.events import build_calendar
from campaign.markets import market_timezone
from campaign.synth import kinds as _kinds  # noqa: F401  (registers the built-in plant kinds)
from campaign.synth.output import (
    aside,
    listens_table,
    measure,
    swap_in,
    truth_entries,
    users_table,
    write_json,
    write_parquet,
)
from campaign.synth.plants import REGISTRY, Plant, PlantContext, plant_all, prepare_all, register
from campaign.synth.plays import Plays, natural_plays
from campaign.synth.population import make_catalogue, make_users
from campaign.synth.rhythm import day_of, day_types, day_weights, local_to_utc_us, utc_offsets_us
from campaign.synth.spec import SynthResult, SynthSpec

__all__ = [
    "REGISTRY",
    "Plant",
    "PlantContext",
    "SynthResult",
    "SynthSpec",
    "generate",
    "output_paths",
    "register",
]


def output_paths(out: Path) -> tuple[Path, Path, Path]:
    """(listens, truth, users) for `--out FILE.parquet`: FILE.parquet, FILE.truth.json,
    FILE.users.parquet."""
    out = Path(out)
    return out, out.with_suffix(".truth.json"), out.with_name(f"{out.stem}.users.parquet")


def generate(spec: SynthSpec, out: Path) -> SynthResult:
    """Generate the dataset `spec` describes and write it beside `out` (see output_paths)."""
    started = time.perf_counter()
    listens_path, truth_path, users_path = output_paths(out)
    listens_path.parent.mkdir(parents=True, exist_ok=True)

    calendar = build_calendar(spec.markets, [spec.year], ("en",))
    events = [
        [(day_of(spec, e.day), e) for e in calendar if e.market == code and e.day.year == spec.year]
        for code in spec.markets
    ]
    users = make_users(spec, spec.rng(1))
    catalogue = make_catalogue(spec, spec.rng(2))
    prepared = prepare_all(spec, catalogue, events)
    weights = [
        day_weights(spec, [e for _, e in events[m]], spec.rng(3, m)) for m in range(len(events))
    ]
    types = [day_types(spec, [d for d, e in days if e.kind == "holiday"]) for days in events]
    natural = natural_plays(spec, users, catalogue, weights, types, spec.rng(4))

    ctx = PlantContext(spec, users, catalogue, natural, events, types, prepared)
    plants = plant_all(ctx)
    keep = np.ones(len(natural), dtype=bool)
    for plant in plants:
        if plant.drop is not None:
            keep[plant.drop] = False
    planted = [p.rows for p in plants if p.rows is not None]
    plays = Plays.concat([natural.take(np.flatnonzero(keep)), *planted])

    offsets = [utc_offsets_us(market_timezone(code), spec) for code in spec.markets]
    utc_us = local_to_utc_us(plays.local_us, plays.market, offsets, spec)
    partial = [aside(p) for p in (listens_path, truth_path, users_path)]
    write_parquet(listens_table(spec, plays, utc_us, users, catalogue), partial[0])
    write_parquet(users_table(spec, users), partial[2])
    values = measure(spec, plants, partial[0], users, catalogue)
    entries = truth_entries(spec, plants, values, catalogue)
    write_json(entries, partial[1])
    swap_in(list(zip(partial, (listens_path, truth_path, users_path), strict=True)))

    anomalies = sum(e["role"] == "anomaly" for e in entries)
    return SynthResult(
        listens=listens_path,
        truth=truth_path,
        users=users_path,
        plays=len(plays),
        planted_plays=sum(len(p) for p in planted),
        user_count=len(users.ids),
        track_count=len(catalogue),
        anomalies=anomalies,
        decoys=len(entries) - anomalies,
        seconds=time.perf_counter() - started,
    )
