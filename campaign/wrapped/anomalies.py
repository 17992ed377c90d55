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
from typing import Any

from campaign.config import CampaignConfig, PrivacySettings
from campaign.facts import Fact, collect_facts
from campaign.packs import discover_packs, resolve_params
from campaign.resources import bundled_dir
from campaign.scoring import count_surprise, surprise
from campaign.workspace import Workspace, open_workspace
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

EVENT_DAY_SQL = """
WITH daily AS (
    SELECT day, count(*) AS streams FROM streams WHERE year(day) = $year GROUP BY day
),
typical AS (SELECT avg(streams) AS mean, var_samp(streams) AS variance FROM daily),
top_tracks AS (
    SELECT s.day, n.track_name AS track, n.artist_name AS artist, s.plays,
           row_number() OVER (PARTITION BY s.day
                              ORDER BY s.plays DESC, n.track_name, n.artist_name) AS rank
    FROM listener_track_days s JOIN track_names n USING (track_id)
    WHERE year(s.day) = $year
)
SELECT d.day, d.streams, round(t.mean, 2) AS mean, round(t.variance, 2) AS variance,
       e.event_id, k.track, k.artist, k.plays
FROM daily d
JOIN event_days e ON e.day = d.day
JOIN top_tracks k ON k.day = d.day AND k.rank = 1
CROSS JOIN typical t
WHERE d.streams >= $min_ratio * t.mean
ORDER BY d.streams / t.mean DESC, d.day
LIMIT 1
"""

# A streak is told against the listener's usual run of one track on consecutive days.
RUNS_SQL = """
WITH islands AS (
    SELECT track_id, day - CAST(row_number() OVER (PARTITION BY track_id ORDER BY day) AS INTEGER)
           AS island
    FROM listener_track_days WHERE year(day) = $year
),
runs AS (SELECT count(*) AS days FROM islands GROUP BY track_id, island)
SELECT avg(days) AS mean, var_samp(days) AS variance FROM runs
"""


# The theme's plays in the month off_season found, against the other off-season months; the
# season is the pack's own test (the workspace's `in_season` macro).
OFF_SEASON_PLAYS_SQL = """
WITH theme AS (
    SELECT track_id, track_name FROM track_names
    WHERE regexp_matches(track_name, $title_pattern, 'i')
),
months AS (
    SELECT date_trunc('month', s.day)::DATE AS month, count(t.track_id) AS plays
    FROM streams s LEFT JOIN theme t USING (track_id)
    WHERE year(s.day) = year($month)
      AND NOT in_season(month(s.day), $season_start_month, $season_end_month)
    GROUP BY ALL
),
tracks AS (
    SELECT t.track_name, count(*) AS plays FROM streams s JOIN theme t USING (track_id)
    WHERE date_trunc('month', s.day) = $month GROUP BY ALL
)
SELECT (SELECT plays FROM months WHERE month = $month) AS plays,
       (SELECT round(avg(plays), 2) FROM months WHERE month <> $month) AS mean,
       (SELECT round(var_samp(plays), 2) FROM months WHERE month <> $month) AS variance,
       (SELECT track_name FROM tracks ORDER BY plays DESC, track_name LIMIT 1) AS track
"""


def listener_workspace(listener: Listener, locale: str, min_ms: int) -> Workspace:
    """A workspace over the listener's plays only, their zone as the market's."""
    config = CampaignConfig(
        year=listener.year,
        markets=(listener.market,),
        locales=(locale,),
        timezones={listener.market: listener.tz},
        privacy=replace(PrivacySettings(), min_ms_played=min_ms, min_age=0, noise="none"),
    )
    return open_workspace(config, [listener.plays.parent.parent])


def _event(ws: Workspace, event_id: str | None, locale: str) -> dict[str, str] | None:
    for event in ws.events:
        if event.event_id == event_id:
            return {"name": event.name(locale), "kind": event.kind}
    return None


def _theme_params(params: dict[str, Any]) -> dict[str, Any]:
    keys = ("title_pattern", "season_start_month", "season_end_month")
    return {k: params[k] for k in keys}


def _fact_card(
    ws: Workspace,
    fact: Fact,
    locale: str,
    runs: dict[str, float | None],
    params: dict[str, Any],
) -> Card:
    facts: dict[str, Any] = {
        "subject": fact.subject_name,
        "artist": fact.artist_name,
        "value": fact.value,
        "measure": fact.measure,
        "first_day": fact.period_start,
        "last_day": fact.period_end,
        "event": _event(ws, fact.event_id, locale),
    }
    if fact.pack == "streak":
        facts["value"] = fact.detail["days"]
        facts["measure"] = "days"
        score = count_surprise(fact.detail["days"], runs["mean"] or 1.0, runs["variance"])
    elif fact.pack == "off_season":
        # one listener is 1 or 0 listeners a month: their plays of the theme tell it instead
        month = _rows(
            ws, OFF_SEASON_PLAYS_SQL, {**_theme_params(params), "month": fact.period_start}
        )
        facts.update(month[0])
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


def event_day_card(ws: Workspace, year: int, locale: str) -> Card | None:
    """The dated event of the listener's market on which they listened far above their mean."""
    params = {"year": year, "min_ratio": MIN_EVENT_RATIO}
    rows = _rows(ws, EVENT_DAY_SQL, params)
    if not rows:
        return None
    row = rows[0]
    score = count_surprise(row["streams"], row["mean"], row["variance"])
    facts = {
        "day": row["day"],
        "streams": row["streams"],
        "mean": row["mean"],
        "times": round(row["streams"] / row["mean"], 1),
        "event": _event(ws, row["event_id"], locale),
        "track": row["track"],
        "artist": row["artist"],
        "plays": row["plays"],
        "surprise_inputs": score.inputs,
    }
    return Card("event_day", facts, EVENT_DAY_SQL.strip(), params, "event", "calendar", score.value)


def _rank(card: Card) -> tuple[float, float, str, str]:
    """Most surprising, then biggest; ties broken by name and day, so a run is repeatable."""
    f = card.facts
    return (card.surprise or 0.0, f["value"], str(f["subject"]), str(f["first_day"]))


def find_anomalies(
    listener: Listener, locale: str, min_ms: int, others: list[Card] | None = None
) -> list[Card]:
    """The best few findings of the packs on this listener (and `others` found elsewhere, such
    as the market comparison), one per kind, most surprising first."""
    ws = listener_workspace(listener, locale, min_ms)
    try:
        packs = {p.name: p for p in discover_packs([bundled_dir("queries") / "core"])}
        runs = _rows(ws, RUNS_SQL, {"year": listener.year})[0]
        cards: list[Card] = []
        for name, overrides in WRAPPED_PARAMS.items():
            if name not in packs:
                continue
            pack = packs[name]
            params = resolve_params(pack, overrides)
            run = collect_facts(ws, pack, params, listener.year)
            scored = [_fact_card(ws, fact, locale, runs, params) for fact in run.facts]
            if scored:
                best = max(scored, key=_rank)
                best.sql, best.params = pack.sql, params
                if name == "off_season":
                    best.sql += (
                        "\n\n-- then the month's plays of the theme:\n" + OFF_SEASON_PLAYS_SQL
                    )
                cards.append(best)
        event = event_day_card(ws, listener.year, locale)
        if event is not None:
            cards.append(event)
    finally:
        ws.close()
    cards += others or []
    cards = [c for c in cards if (c.surprise or 0.0) >= MIN_SURPRISE]
    cards.sort(key=lambda c: -(c.surprise or 0.0))
    return cards[:MAX_ANOMALIES]
