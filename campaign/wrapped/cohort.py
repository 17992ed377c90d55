"""The listeners told in one pass: whose year, which year, in which time zone, for all at once.

One listener's story and the service batch are the same code: the listeners to tell are a table
(`listeners`: user_id, market, tz, tz_source, year), and every later query (the recap cards, the
market card, the packs) groups by its user_id, so one listener is a cohort of one. The cohort's
plays, and nobody else's, are copied into one Parquet file sorted by listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from campaign.errors import CampaignError, ConfigError, InputError
from campaign.markets import GLOBAL_MARKET, normalise_market
from campaign.wrapped.select import Dataset, Listener, listens_files, sql_list, time_zone

# A year is "full" when the listener's history starts by its first week and ends no earlier than
# its last (and the year holds enough streams to tell).
FULL_YEAR_SLACK_DAYS = 7
# Without a full year, the latest year with at least this many streams is told.
MIN_YEAR_STREAMS = 100
# The told year is flagged partial when its plays start or end further than this from 1 January
# or 31 December, or stop for this long in between: "your year" would overstate what was counted.
PARTIAL_EDGE_DAYS = 31
PARTIAL_GAP_DAYS = 60

# The market of each listener to tell: the `users` table's, else that of most of their plays.
MARKETS_SQL = """
WITH named AS (
    SELECT user_id, any_value(market) AS market FROM all_users
    WHERE market IS NOT NULL GROUP BY user_id
),
played AS (
    SELECT user_id, mode(market) AS market FROM all_listens
    SEMI JOIN story_users USING (user_id) GROUP BY user_id
)
SELECT s.user_id, coalesce(n.market, p.market) AS market
FROM story_users s LEFT JOIN named n USING (user_id) LEFT JOIN played p USING (user_id)
ORDER BY s.user_id
"""

# Per listener and year of their history (on their own clock): the first and last day with a
# play, the streams, and the longest stretch without a play inside the year.
YEARS_SQL = """
WITH days AS (
    SELECT l.user_id, CAST(timezone(z.tz, l.played_at) AS DATE) AS day,
           count(*) FILTER (coalesce(l.ms_played >= $min_ms, true)) AS streams
    FROM all_listens l JOIN listener_zones z USING (user_id)
    GROUP BY ALL
),
gaps AS (
    SELECT *, lag(day) OVER (PARTITION BY user_id, year(day) ORDER BY day) AS previous
    FROM days
)
SELECT user_id, year(day) AS year, min(day) AS first_day, max(day) AS last_day,
       sum(streams) AS streams,
       arg_max([previous, day], day - previous) FILTER (previous IS NOT NULL) AS gap
FROM gaps GROUP BY ALL ORDER BY user_id, year
"""


@dataclass(frozen=True)
class YearRow:
    """One year of one listener's history, as YEARS_SQL counts it."""

    year: int
    first_day: date
    last_day: date
    streams: int
    gap: tuple[date, date] | None  # the longest stretch without a play: last day before, next


def choose_year(rows: list[YearRow], year: int | None, min_ms: int) -> int:
    """`--year`, else the last full year of the history, else the latest with enough streams."""
    streams = {r.year: r.streams for r in rows}
    if year is not None:
        if streams.get(year, 0) == 0:
            known = ", ".join(str(y) for y in streams if streams[y]) or "none"
            raise ConfigError(f"--year {year} has no streams (years with streams: {known})")
        return year
    # A year the history spans from its first week to its last: a quiet January (no plays in
    # its first week) does not make the year unfit to tell, an export that ends in May does.
    started = min(r.first_day for r in rows)
    ended = max(r.last_day for r in rows)
    full = [
        r.year
        for r in rows
        if r.streams >= MIN_YEAR_STREAMS
        and (started - date(r.year, 1, 1)).days < FULL_YEAR_SLACK_DAYS
        and (date(r.year, 12, 31) - ended).days < FULL_YEAR_SLACK_DAYS
    ]
    if full:
        return full[-1]
    enough = [y for y, n in streams.items() if n >= MIN_YEAR_STREAMS]
    if not enough:
        raise InputError(
            f"no year holds {MIN_YEAR_STREAMS} streams (plays of at least {min_ms // 1000} s)"
        )
    return enough[-1]


def coverage(row: YearRow) -> dict[str, object]:
    """What the told year's data covers, in days only: `partial` when it starts or ends far from
    the year's ends or stops for long in between (the longest such stretch is named)."""
    gap = None
    if row.gap is not None and (row.gap[1] - row.gap[0]).days > PARTIAL_GAP_DAYS:
        gap = {
            "first_day": row.gap[0] + timedelta(days=1),
            "last_day": row.gap[1] - timedelta(days=1),
        }
    partial = (
        (row.first_day - date(row.year, 1, 1)).days > PARTIAL_EDGE_DAYS
        or (date(row.year, 12, 31) - row.last_day).days > PARTIAL_EDGE_DAYS
        or gap is not None
    )
    return {"partial": partial, "first_day": row.first_day, "last_day": row.last_day, "gap": gap}


def create_sources(con: duckdb.DuckDBPyConnection, dataset: Dataset, where: str = "") -> None:
    """`all_listens` and `all_users` over the dataset (`where` narrows the plays read, e.g. to a
    range of listeners of a sorted copy, so that a chunk reads its own row groups only)."""
    con.execute(
        f"CREATE OR REPLACE VIEW all_listens AS SELECT * FROM read_parquet("
        f"{sql_list(listens_files(dataset))}, union_by_name = true) {where}"
    )
    users = dataset.files("users")
    con.execute(
        f"CREATE OR REPLACE VIEW all_users AS SELECT user_id, market, opted_out FROM read_parquet("
        f"{sql_list(users)}, union_by_name = true)"
        if users
        else "CREATE OR REPLACE VIEW all_users AS "
        "SELECT NULL::VARCHAR AS user_id, NULL::VARCHAR AS market, NULL::BOOLEAN AS opted_out "
        "LIMIT 0"
    )


def _zones(
    con: duckdb.DuckDBPyConnection, market: str | None, tz: str | None
) -> dict[str, tuple[str, str, str]]:
    """Each story listener's (market, zone, where the zone came from)."""
    given = normalise_market(market) if market is not None else None
    zones: dict[str, tuple[str, str]] = {}
    found = {}
    for user_id, home in con.execute(MARKETS_SQL).fetchall():
        home = given or home or GLOBAL_MARKET
        if home not in zones:
            zones[home] = time_zone(tz, home)
        found[str(user_id)] = (home, *zones[home])
    return found


def create_listeners(
    con: duckdb.DuckDBPyConnection,
    year: int | None,
    min_ms: int,
    market: str | None = None,
    tz: str | None = None,
) -> tuple[list[Listener], dict[str, CampaignError], dict[str, dict[str, object]]]:
    """The `listeners` table for the users of `story_users`: (the listeners, why each other one
    cannot be told, each listener's coverage of their year)."""
    zones = _zones(con, market, tz)
    con.execute("CREATE OR REPLACE TEMP TABLE listener_zones (user_id VARCHAR, tz VARCHAR)")
    if zones:
        con.executemany(
            "INSERT INTO listener_zones VALUES (?, ?)", [[u, z[1]] for u, z in zones.items()]
        )
    years: dict[str, list[YearRow]] = {}
    for user_id, *row in con.execute(YEARS_SQL, {"min_ms": min_ms}).fetchall():
        gap = tuple(row[4]) if row[4] is not None else None
        years.setdefault(str(user_id), []).append(YearRow(*row[:4], gap))
    listeners: list[Listener] = []
    refused: dict[str, CampaignError] = {}
    covered: dict[str, dict[str, object]] = {}
    for user_id, (home, zone, source) in zones.items():
        try:
            chosen = choose_year(years.get(user_id, []), year, min_ms) if user_id in years else None
        except CampaignError as exc:
            refused[user_id] = exc
            continue
        if chosen is None:
            refused[user_id] = InputError("the listener has no plays")
            continue
        listeners.append(Listener(user_id, home, zone, source, chosen))
        covered[user_id] = coverage(next(r for r in years[user_id] if r.year == chosen))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE listeners "
        "(user_id VARCHAR, market VARCHAR, tz VARCHAR, tz_source VARCHAR, year INTEGER)"
    )
    if listeners:
        con.executemany(
            "INSERT INTO listeners VALUES (?, ?, ?, ?, ?)",
            [[x.user_id, x.market, x.tz, x.tz_source, x.year] for x in listeners],
        )
    return listeners, refused, covered


def write_story_plays(con: duckdb.DuckDBPyConnection, folder: Path) -> Path:
    """The told listeners' plays, every one of them (the history), each on their home market,
    sorted by listener, into `folder/listens/plays.parquet`: nobody else's plays are in it."""
    plays = folder / "listens" / "plays.parquet"
    plays.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        "COPY (SELECT l.* REPLACE (s.market AS market) FROM all_listens l "
        "JOIN listeners s USING (user_id) ORDER BY l.user_id, l.played_at) "
        f"TO '{str(plays).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
    )
    return plays
