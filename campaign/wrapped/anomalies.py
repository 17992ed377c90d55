"""The listener's own odd days: the packs that find them in a crowd, run on this one listener.

The workspace holds the listener's plays alone, so every pack's distribution (the tail of
plays per track-day, of session lengths) is the listener's own: "the day you played one song 42
times" is ranked against all their other days. The crowd thresholds (k_min, population floors,
"at least 50 listeners on a streak") are for billboards; here `WRAPPED_PARAMS` sets them for one
person. Each finding is scored for surprise by the billboards' own scoring, and the best few,
one per kind, make the story.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from campaign.config import CampaignConfig, PrivacySettings
from campaign.duckdb_settings import DuckDBSettings
from campaign.events import Event, build_calendar, calendar_order
from campaign.facts import Fact, PackRunner, collect_facts
from campaign.pack_views import create_event_tables
from campaign.packs import discover_packs, resolve_params, run_pack
from campaign.resources import bundled_dir
from campaign.scoring import count_surprise, surprise
from campaign.spark.settings import SparkSettings
from campaign.workspace import CalendarMaker, Workspace, open_workspace
from campaign.wrapped.card import Card
from campaign.wrapped.select import Listener

# The packs run on one listener, with their crowd thresholds set for one person.
WRAPPED_PARAMS: dict[str, dict[str, Any]] = {
    "repeat_on_day": {"min_plays": 5},
    "long_session": {"min_minutes": 60},
    "off_season": {"min_excess": 1, "min_months": 3},
    "streak": {"min_days": 5, "min_listeners": 1},
}
MAX_ANOMALIES = 3
MIN_SURPRISE = 0.1  # below this a finding is ordinary (a single off-season play), whatever its pack
MIN_EVENT_RATIO = 1.5  # an event day's streams over the listener's mean day
# The packs' workspace shares the process with the cohort's connection: together within 4 GB.
WORKSPACE_MEMORY = "1GB"
# What OFF_SEASON_PLAYS_SQL states about the fact's month.
OFF_SEASON_FACTS = ("plays", "mean", "variance", "track")

EVENT_DAY_SQL = """
WITH daily AS (
    SELECT market, day, count(*) AS streams FROM streams WHERE year(day) = $year GROUP BY ALL
),
typical AS (
    SELECT market, avg(streams) AS mean, count_variance(streams) AS variance FROM daily GROUP BY ALL
),
top_tracks AS (
    SELECT s.market, s.day, n.track_name AS track, n.artist_name AS artist, s.plays,
           row_number() OVER (PARTITION BY s.market, s.day
                              ORDER BY s.plays DESC, n.track_name, n.artist_name) AS rank
    FROM listener_track_days s JOIN track_names n USING (track_id)
    WHERE year(s.day) = $year
)
SELECT d.market, d.day, d.streams, round(t.mean, 2) AS mean, round(t.variance, 2) AS variance,
       e.event_id, k.track, k.artist, k.plays
FROM daily d
JOIN event_days e ON e.market = d.market AND e.day = d.day
JOIN top_tracks k ON k.market = d.market AND k.day = d.day AND k.rank = 1
JOIN typical t ON t.market = d.market
WHERE d.streams >= $min_ratio * t.mean
QUALIFY row_number() OVER (PARTITION BY d.market ORDER BY d.streams / t.mean DESC, d.day) = 1
"""

# A streak is told against the listener's usual run of one track on consecutive days.
RUNS_SQL = """
WITH islands AS (
    SELECT market, track_id,
           day - CAST(row_number() OVER (PARTITION BY market, track_id ORDER BY day) AS INTEGER)
           AS island
    FROM listener_track_days WHERE year(day) = $year
),
runs AS (SELECT market, count(*) AS days FROM islands GROUP BY market, track_id, island)
SELECT market, avg(days) AS mean, count_variance(days) AS variance FROM runs GROUP BY market
"""


# The theme's plays in the month off_season found, against the other off-season months; the
# season is the pack's own test (the workspace's `in_season` macro).
OFF_SEASON_PLAYS_SQL = """
WITH theme AS (
    SELECT track_id, track_name FROM track_names
    WHERE regexp_matches(track_name, $title_pattern, 'i')
),
months AS (
    SELECT s.market, date_trunc('month', s.day)::DATE AS month, count(t.track_id) AS plays
    FROM streams s LEFT JOIN theme t USING (track_id)
    WHERE NOT in_season(month(s.day), $season_start_month, $season_end_month)
    GROUP BY ALL
),
tracks AS (
    SELECT s.market, date_trunc('month', s.day)::DATE AS month, t.track_name, count(*) AS plays
    FROM streams s JOIN theme t USING (track_id) GROUP BY ALL
)
SELECT m.market, m.month, m.plays,
       (SELECT round(avg(o.plays), 2) FROM months o WHERE o.market = m.market
        AND year(o.month) = year(m.month) AND o.month <> m.month) AS mean,
       (SELECT round(count_variance(o.plays), 2) FROM months o WHERE o.market = m.market
        AND year(o.month) = year(m.month) AND o.month <> m.month) AS variance,
       (SELECT k.track_name FROM tracks k WHERE k.market = m.market AND k.month = m.month
        ORDER BY k.plays DESC, k.track_name LIMIT 1) AS track
FROM months m
"""


def _alias(n: int) -> str:
    """A told listener's market inside the packs' workspace: never a real market's code."""
    return f"listener-{n}"


def cohort_workspace(
    con: duckdb.DuckDBPyConnection,
    listeners: list[Listener],
    locales: dict[str, str],
    min_ms: int,
    scratch: Path,
    spark: SparkSettings | None = None,
) -> tuple[Workspace, dict[str, Listener]]:
    """A workspace over the plays of `listeners` (all told in one year), each listener as a
    market of their own, on their own clock, with their home market's calendar: every pack's
    per-market distribution is then one listener's own. Returns it and who each market is.
    With `spark`, Spark builds its tables made from the plays and DuckDB reads them."""
    year = listeners[0].year
    who = {_alias(n): x for n, x in enumerate(listeners)}
    con.execute("CREATE OR REPLACE TEMP TABLE aliases (user_id VARCHAR, alias VARCHAR)")
    con.executemany("INSERT INTO aliases VALUES (?, ?)", [[x.user_id, a] for a, x in who.items()])
    plays = scratch / f"packs-{year}" / "listens" / "plays.parquet"
    plays.parent.mkdir(parents=True)
    con.execute(
        # the track ids too are the listener's own: a title is named from their plays alone
        "COPY (SELECT l.* REPLACE (a.alias AS market, a.alias || '/' || l.track_id AS track_id) "
        "FROM all_listens l "
        "JOIN aliases a USING (user_id) ORDER BY a.alias, l.played_at) "
        f"TO '{str(plays).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
    )
    config = CampaignConfig(
        year=year,
        markets=tuple(who),
        locales=tuple(dict.fromkeys(locales.values())),
        timezones={a: x.tz for a, x in who.items()},
        privacy=replace(PrivacySettings(), min_ms_played=min_ms, min_age=0, noise="none"),
        duckdb=replace(DuckDBSettings(), memory_limit=WORKSPACE_MEMORY),
    )
    calendar = home_calendar(who, config.locales)
    data = [plays.parent.parent]
    if spark is None:
        return open_workspace(config, data, calendar=calendar), who
    from campaign.spark.runner import open_spark_rollups

    # the rollups' Parquet holds listener ids: beside the batch's other scratch files
    on_spark = replace(spark, rollups_only=True, rollup_dir=spark.rollup_dir or scratch)
    config = replace(config, engine="spark", spark=on_spark)
    return open_spark_rollups(config, data, calendar), who


@lru_cache(maxsize=256)
def _market_calendar(
    market: str, years: tuple[int, ...], locales: tuple[str, ...]
) -> tuple[Event, ...]:
    """One home market's events, built once per run: every chunk of a batch reads them again."""
    return tuple(build_calendar([market], years, locales))


def home_calendar(who: dict[str, Listener], locales: tuple[str, ...]) -> CalendarMaker:
    """The packs' calendar for the workspace of `who`: each listener's market gets the events of
    their home market, copied to their listeners in SQL; the events returned are the homes'."""

    def create(con: duckdb.DuckDBPyConnection, years: range) -> list[Event]:
        homes = sorted({x.market for x in who.values()})
        events = sorted(
            (e for m in homes for e in _market_calendar(m, tuple(years), locales)),
            key=calendar_order,
        )
        create_event_tables(con, events)
        con.execute("CREATE TEMP TABLE listener_homes (alias VARCHAR, home VARCHAR)")
        con.executemany(
            "INSERT INTO listener_homes VALUES (?, ?)", [[a, x.market] for a, x in who.items()]
        )
        # refilled in place, never renamed: a Spark build copies `events` after an INSERT
        con.execute("CREATE TEMP TABLE home_events AS SELECT * FROM events")
        con.execute("DELETE FROM events")
        con.execute(
            "INSERT INTO events SELECT e.* REPLACE (h.alias AS market) "
            "FROM home_events e JOIN listener_homes h ON h.home = e.market"
        )
        return events  # by event_id, which the copies keep

    return create


def _event(events: dict[str, Event], event_id: str | None, locale: str) -> dict[str, str] | None:
    event = events.get(event_id) if event_id is not None else None
    return None if event is None else {"name": event.name(locale), "kind": event.kind}


def _theme_params(params: dict[str, Any]) -> dict[str, Any]:
    keys = ("title_pattern", "season_start_month", "season_end_month")
    return {k: params[k] for k in keys}


def _by_market(ws: Workspace, sql: str, params: dict[str, Any], *keys: str) -> dict[tuple, dict]:
    """The query's rows keyed by market (and `keys`), the market taken out of each row."""
    found = {}
    for row in _rows(ws, sql, params):
        found[(row.pop("market"), *(row.pop(k) for k in keys))] = row
    return found


def _fact_card(
    events: dict[str, Event],
    fact: Fact,
    locale: str,
    runs: dict[str, float | None],
    off_season: dict[tuple, dict],
) -> Card:
    facts: dict[str, Any] = {
        "subject": fact.subject_name,
        "artist": fact.artist_name,
        "value": fact.value,
        "measure": fact.measure,
        "first_day": fact.period_start,
        "last_day": fact.period_end,
        "event": _event(events, fact.event_id, locale),
    }
    if fact.pack == "streak":
        facts["value"] = fact.detail["days"]
        facts["measure"] = "days"
        score = count_surprise(fact.detail["days"], runs["mean"] or 1.0, runs["variance"])
    elif fact.pack == "off_season":
        # one listener is 1 or 0 listeners a month: their plays of the theme tell it instead
        month = off_season.get((fact.market, fact.period_start), dict.fromkeys(OFF_SEASON_FACTS))
        facts.update(month)
        facts["value"] = facts["plays"]
        score = count_surprise(facts["plays"], facts["mean"] or 0.0, facts["variance"])
    else:
        score = surprise(fact)
    facts["surprise_inputs"] = score.inputs
    return Card(
        kind=fact.pack,
        facts=facts,
        sql="",
        params={},
        counted="pack",
        source=fact.pack,
        surprise=score.value,
    )


def _rows(ws: Workspace, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    relation = ws.con.execute(sql, params)
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def event_day_cards(
    ws: Workspace, events: dict[str, Event], year: int, locales: dict[str, str]
) -> dict[str, Card]:
    """Per market (listener): the dated event of their home market on which they listened far
    above their mean day."""
    params = {"year": year, "min_ratio": MIN_EVENT_RATIO}
    cards = {}
    for (market,), row in _by_market(ws, EVENT_DAY_SQL, params).items():
        score = count_surprise(row["streams"], row["mean"], row["variance"])
        facts = {
            "day": row["day"],
            "streams": row["streams"],
            "mean": row["mean"],
            "times": round(row["streams"] / row["mean"], 1),
            "event": _event(events, row["event_id"], locales[market]),
            "track": row["track"],
            "artist": row["artist"],
            "plays": row["plays"],
            "surprise_inputs": score.inputs,
        }
        sql = EVENT_DAY_SQL.strip()
        cards[market] = Card("event_day", facts, sql, params, "event", "calendar", score.value)
    return cards


def _steady(card: Card) -> float:
    """The card's surprise to rank by, to 9 significant digits: DuckDB sums doubles in parallel,
    so their last bits change from run to run, and a near-tie must not flip with them."""
    return float(f"{card.surprise or 0.0:.9g}")


def _rank(card: Card) -> tuple[float, float, str, str]:
    """Most surprising, then biggest; ties broken by name and day, so a run is repeatable."""
    f = card.facts
    return (_steady(card), f["value"], str(f["subject"]), str(f["first_day"]))


def _pack_cards(
    ws: Workspace, events: dict[str, Event], year: int, locales: dict[str, str], run: PackRunner
) -> dict[str, list[Card]]:
    """Per market (listener): the best finding of each pack, one pass of each pack for all."""
    packs = {p.name: p for p in discover_packs([bundled_dir("queries") / "core"])}
    runs = {m: r for (m,), r in _by_market(ws, RUNS_SQL, {"year": year}).items()}
    found: dict[str, list[Card]] = {}
    for name, overrides in WRAPPED_PARAMS.items():
        if name not in packs:
            continue
        pack = packs[name]
        params = resolve_params(pack, overrides)
        off_season = (
            _by_market(ws, OFF_SEASON_PLAYS_SQL, _theme_params(params), "month")
            if name == "off_season"
            else {}
        )
        best: dict[str, Card] = {}
        for fact in collect_facts(ws, pack, params, year, run).facts:
            market_runs = runs.get(fact.market, {"mean": None, "variance": None})
            card = _fact_card(events, fact, locales[fact.market], market_runs, off_season)
            if fact.market not in best or _rank(card) > _rank(best[fact.market]):
                best[fact.market] = card
        for market, card in best.items():
            card.sql, card.params = pack.sql, params
            if name == "off_season":
                card.sql += "\n\n-- then the month's plays of the theme:\n" + OFF_SEASON_PLAYS_SQL
            found.setdefault(market, []).append(card)
    return found


def find_anomalies(
    con: duckdb.DuckDBPyConnection,
    listeners: list[Listener],
    locales: dict[str, str],
    min_ms: int,
    scratch: Path,
    run: PackRunner = run_pack,
    spark: SparkSettings | None = None,
) -> dict[str, list[Card]]:
    """Per listener (all told in one year): the findings of the packs on their plays alone, one
    per kind, each pack run once for all of them; `run` is the engine's pack runner, and with
    `spark` the packs' workspace tables made from the plays are built on Spark."""
    ws, who = cohort_workspace(con, listeners, locales, min_ms, scratch, spark)
    by_market = {a: locales[x.user_id] for a, x in who.items()}
    try:
        events = {e.event_id: e for e in ws.events}  # an id is hashed from the name: once
        found = _pack_cards(ws, events, listeners[0].year, by_market, run)
        for market, card in event_day_cards(ws, events, listeners[0].year, by_market).items():
            found.setdefault(market, []).append(card)
    finally:
        ws.close()
    return {who[m].user_id: cards for m, cards in found.items()}


def best_anomalies(cards: list[Card]) -> list[Card]:
    """The few most surprising of one listener's findings (the packs', the market card)."""
    cards = [c for c in cards if _steady(c) >= MIN_SURPRISE]
    cards.sort(key=lambda c: -_steady(c))
    return cards[:MAX_ANOMALIES]
