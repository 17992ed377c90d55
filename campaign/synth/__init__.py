"""`campaign synth`: synthetic listening logs with planted anomalies and a truth file.

    generate(SynthSpec(plants_per_kind=5, seed=0), Path("data/listens.parquet"))

writes `listens.parquet` (schema.LISTENS), `listens.users.parquet` (schema.USERS),
`listens.playlists.parquet` and `listens.playlist_tracks.parquet` (schema.PLAYLISTS,
PLAYLIST_TRACKS) and `listens.truth.json`: one entry per planted fact, `{"kind", "market", "day",
"track_name", "value", "role"}`, where `kind` is the pack that must find it, `day` the fact's
period_start, `track_name` its subject_name (a track, an artist, a theme, a playlist title) and
`role` is `anomaly`, `decoy` (a pack could be fooled by it), `pii` (a playlist title holding
contact details) or `opted_out` / `under_age` (must never surface). No user ids.
With `charts=N` (`--charts N`) it also writes `listens.charts/` (daily_streams, chart_floors,
tracks: the world's top-N daily charts, chart_output.py) and the chart kinds' entries (kind
`chart_*`, kinds_charts.py), which add `artist_name`, `ratio_lower_bound` and `novelty`.
Every kind of docs/fact-kinds.md is planted (kinds*.py), each value measured on the written
files as its pack measures it (measuring.py).

The data looks like listening: Zipf-like popularity per market over one shared catalogue with
local favourites, Zipf-like activity per user, sessions of consecutive plays, weekly and daily
rhythm in each market's local time (stored as UTC), new releases ramping up from their release
day, skips, devices, cities; playlists made mostly of what their owners stream. The same spec and
seed give the same bytes.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from campaign.errors import ConfigError
from campaign.events import build_calendar
from campaign.markets import market_timezone

# The built-in plant kinds register on import, in this order (a kind sees what those before
# planted): single listeners, then cohorts, then playlists, then whole markets.
# isort: off
from campaign.synth import kinds as _kinds  # noqa: F401
from campaign.synth import kinds_individual as _individual  # noqa: F401
from campaign.synth import kinds_cohort as _cohort  # noqa: F401
from campaign.synth import kinds_playlists as _playlists  # noqa: F401
from campaign.synth import kinds_aggregate as _aggregate  # noqa: F401
from campaign.synth import kinds_charts as _charts  # noqa: F401

# isort: on
from campaign.synth.background import CohortBackground
from campaign.synth.chart_output import chart_paths, make_charts, write_charts
from campaign.synth.listens_file import PlayCodes, write_listens
from campaign.synth.measuring import measure
from campaign.synth.names import spotify_ids
from campaign.synth.natural_index import NaturalIndexWriter
from campaign.synth.output import (
    aside,
    sort_entries,
    swap_in,
    truth_entries,
    users_table,
    write_json,
    write_parquet,
    write_playlists,
)
from campaign.synth.plants import (
    MEASURES,
    REGISTRY,
    Plant,
    PlantContext,
    plant_all,
    prepare_all,
    register,
)
from campaign.synth.playlists import natural_playlists
from campaign.synth.plays import Plays, natural_chunks, natural_sessions
from campaign.synth.population import make_catalogue, make_users
from campaign.synth.rhythm import day_of, day_types, day_weights, local_to_utc_us, utc_offsets_us
from campaign.synth.spec import SynthResult, SynthSpec, check_out

__all__ = [
    "MEASURES",
    "REGISTRY",
    "Plant",
    "PlantContext",
    "SynthResult",
    "SynthSpec",
    "generate",
    "output_paths",
    "playlist_paths",
    "register",
]


def output_paths(out: Path) -> tuple[Path, Path, Path]:
    """(listens, truth, users) for `--out FILE.parquet`: FILE.parquet, FILE.truth.json,
    FILE.users.parquet."""
    out = Path(out)
    return out, out.with_suffix(".truth.json"), out.with_name(f"{out.stem}.users.parquet")


def playlist_paths(out: Path) -> tuple[Path, Path]:
    """(playlists, playlist_tracks) for `--out FILE.parquet`: FILE.playlists.parquet,
    FILE.playlist_tracks.parquet."""
    out = Path(out)
    return (
        out.with_name(f"{out.stem}.playlists.parquet"),
        out.with_name(f"{out.stem}.playlist_tracks.parquet"),
    )


def generate(spec: SynthSpec, out: Path) -> SynthResult:
    """Generate the dataset `spec` describes and write it beside `out` (see output_paths and
    playlist_paths)."""
    started = time.perf_counter()
    check_out(Path(out))
    partial: dict[str, Path] = {}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".synth-work-", dir=Path(out).parent))
    try:
        return _generate(spec, Path(out), started, partial, work)
    except MemoryError:
        raise ConfigError(
            f"--plays {spec.plays:,} with --users {spec.users:,} does not fit in memory; "
            "ask for fewer"
        ) from None
    finally:  # whatever happened, no .partial file nor work file of ours stays behind
        for path in partial.values():
            path.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _generate(
    spec: SynthSpec, out: Path, started: float, partial: dict[str, Path], work: Path
) -> SynthResult:
    listens_path, truth_path, users_path = output_paths(out)
    playlists_path, tracks_path = playlist_paths(out)

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
    offsets = [utc_offsets_us(market_timezone(code), spec) for code in spec.markets]

    def to_utc(local_us: np.ndarray, market: np.ndarray) -> np.ndarray:
        return local_to_utc_us(local_us, market, offsets, spec)

    codes = PlayCodes(work / "plays.parquet")
    index = NaturalIndexWriter(
        work, len(users.ids), len(catalogue), len(spec.markets), spec.days + 2
    )
    sessions = natural_sessions(spec, users, weights, types, spec.rng(4))
    background = CohortBackground(users.eligible, users.market, len(spec.markets),
                                  len(catalogue), spec.days)  # fmt: skip
    for chunk in natural_chunks(spec, users, catalogue, sessions):
        index.append(chunk)
        background.add(chunk)
        codes.append(chunk, to_utc(chunk.local_us, chunk.market))
    del sessions
    natural, history = index.finish()
    book = natural_playlists(spec, users, catalogue, history, spec.rng(5))

    ctx = PlantContext(
        spec, users, catalogue, natural, events, types, history, background, prepared,
        day_weights=weights, playlists=book,
    )  # fmt: skip
    plants = plant_all(ctx)
    dropped = np.unique(np.concatenate([np.zeros(0, np.int64)] + [
        natural.seqs(p.drop) for p in plants if p.drop is not None
    ]))  # fmt: skip
    del ctx, natural, history  # the plants are made: memory goes to writing
    planted = [p.rows for p in plants if p.rows is not None]
    if planted:
        rows = Plays.concat(planted)
        codes.append(rows, to_utc(rows.local_us, rows.market))
    codes.close()
    book.finish()
    playlist_ids = spotify_ids(spec.rng(6), len(book), "playlist")

    finals = {
        "listens": listens_path,
        "users": users_path,
        "playlists": playlists_path,
        "playlist_tracks": tracks_path,
    }
    charts = chart_paths(out) if spec.charts is not None else {}
    if charts:
        next(iter(charts.values())).parent.mkdir(exist_ok=True)
        finals |= {f"charts/{name}": path for name, path in charts.items()}
    partial.update({name: aside(path) for name, path in (*finals.items(), ("truth", truth_path))})

    # the playlists first: the book is let go before DuckDB sorts the plays
    write_playlists(book, playlist_ids, to_utc, users, catalogue,
                    (partial["playlists"], partial["playlist_tracks"]))  # fmt: skip
    n_playlists = len(book)
    del book
    n_rows = write_listens(spec, codes.path, dropped, users, catalogue, partial["listens"], work)
    write_parquet(users_table(spec, users), partial["users"])
    values = measure(spec, plants, partial, users, catalogue, playlist_ids, work)
    entries = truth_entries(spec, plants, values, catalogue)
    if charts:
        world, chart_plants = make_charts(spec, catalogue, weights)
        chart_files = {name: partial[f"charts/{name}"] for name in charts}
        entries = sort_entries(
            entries + write_charts(spec, world, chart_plants, catalogue.artists, chart_files)
        )
    write_json(entries, partial["truth"])
    swap_in([(partial[name], path) for name, path in (*finals.items(), ("truth", truth_path))])

    anomalies = sum(e["role"] == "anomaly" for e in entries)
    return SynthResult(
        listens=listens_path,
        truth=truth_path,
        users=users_path,
        playlists=playlists_path,
        playlist_tracks=tracks_path,
        data_files=list(finals.values()),
        plays=n_rows,
        planted_plays=sum(len(p) for p in planted),
        user_count=len(users.ids),
        track_count=len(catalogue),
        playlist_count=n_playlists,
        anomalies=anomalies,
        decoys=len(entries) - anomalies,
        seconds=time.perf_counter() - started,
        charts=next(iter(charts.values())).parent if charts else None,
    )
