"""The numbers behind each card's chart, computed in SQL while the workspace is open.

Two kinds, both aggregates only (never a listener id, an exact time or a raw row):

- `daily`: a track's daily count in its market in the weeks around a one-day fact, the fact's
  baseline and day, and for chart data each absent day's chart floor (the track was listed below
  it, so the true count is at most the floor);
- `distribution`: for a one-listener fact counted in plays, the market's quantiles of plays per
  listener-track-day (or -year, for a fact over a year), with the fact's value and tail share.

Under differential privacy (`noise = "dp"`) only numbers already public are charted: a daily series
made only of chart rows (published top-N counts); listening data and distributions are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from campaign.scoring import Candidate
from campaign.workspace import Workspace

WINDOW_DAYS = 28  # days charted either side of the fact's day
QUANTILES = (0.5, 0.75, 0.9, 0.99, 0.999)  # the market's distribution; no maximum (one listener)
DAILY_MEASURES = ("streams", "listeners")


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _daily(ws: Workspace, candidate: Candidate, public_only: bool) -> dict[str, Any] | None:
    fact = candidate.fact
    day = _as_date(fact.period_start)
    if (
        fact.subject_kind != "track"
        or fact.measure not in DAILY_MEASURES
        or day is None
        or _as_date(fact.period_end) != day
        or "daily_streams" not in ws.tables
    ):
        return None
    first, last = day - timedelta(days=WINDOW_DAYS), day + timedelta(days=WINDOW_DAYS)
    complete = fact.measure == "listeners"  # listener data: a day without a row is a zero
    if public_only and complete:
        return None
    rows = ws.con.execute(
        f"""
        WITH days AS (
            SELECT unnest(generate_series(?::DATE, ?::DATE, INTERVAL 1 DAY))::DATE AS day
        ),
        own AS (
            SELECT day, sum({fact.measure}) AS value, bool_and(listeners IS NULL) AS public
            FROM daily_streams
            WHERE market = ? AND track_id = ? AND day BETWEEN ? AND ?
            GROUP BY day
        ),
        floors AS (
            SELECT day, min(floor_streams) AS floor FROM chart_floors
            WHERE market = ? AND day BETWEEN ? AND ? GROUP BY day
        )
        SELECT day, own.value, own.public, floors.floor
        FROM days LEFT JOIN own USING (day) LEFT JOIN floors USING (day)
        WHERE own.value IS NOT NULL OR floors.floor IS NOT NULL OR ?
        ORDER BY day
        """,
        [
            max(first, ws.first_day or first),
            min(last, ws.last_day or last),
            fact.market,
            fact.subject_id,
            first,
            last,
            fact.market,
            first,
            last,
            complete,
        ],
    ).fetchall()
    if not rows or (public_only and not all(public is not False for _, _, public, _ in rows)):
        return None
    points = [
        {
            "day": d.isoformat(),
            "value": float(value) if value is not None else (None if floor is not None else 0.0),
            "floor": None if value is not None or floor is None else float(floor),
        }
        for d, value, _, floor in rows
    ]
    if not any(p["value"] is not None for p in points):
        return None
    return {
        "kind": "daily",
        "measure": fact.measure,
        "day": day.isoformat(),
        "baseline": None if fact.baseline is None else float(fact.baseline),
        "points": points,
    }


def _distribution(
    ws: Workspace, candidate: Candidate, cells_seen: dict[tuple[Any, ...], Any]
) -> dict[str, Any] | None:
    """The distribution the fact stands out of; `cells_seen` keeps each market-span's quantiles,
    so the listener-track-days are read once per market and span, not once per candidate."""
    fact = candidate.fact
    start, end = _as_date(fact.period_start), _as_date(fact.period_end)
    if (
        fact.audience != "individual"
        or fact.measure != "plays"
        or start is None
        or end is None
        or "listener_track_days" not in ws.tables
    ):
        return None
    # as the packs rank them: every listener-track-day of the market, or those of the fact's year
    span = "day" if start == end else "year"
    first, last = (
        (ws.first_day or start, ws.last_day or end)
        if span == "day"
        else (date(start.year, 1, 1), date(start.year, 12, 31))
    )
    quantiles = ", ".join(f"quantile_disc(plays, {q})" for q in QUANTILES)
    key = (fact.market, span, first, last)
    if key not in cells_seen:
        cells_seen[key] = ws.con.execute(
            f"""
        WITH cells AS (
            SELECT sum(plays) AS plays FROM listener_track_days
            WHERE market = ? AND day BETWEEN ? AND ?
            GROUP BY user_id, track_id{", day" if span == "day" else ""}
        )
        SELECT count(*), {quantiles} FROM cells
        """,
            [fact.market, first, last],
        ).fetchone()
    row = cells_seen[key]
    if row is None or not row[0]:
        return None
    return {
        "kind": "distribution",
        "measure": fact.measure,
        "per": span,  # one listener's plays of one track in a day, or in the year
        "cells": int(row[0]),
        "quantiles": [{"q": q, "value": float(v)} for q, v in zip(QUANTILES, row[1:], strict=True)],
        "value": float(fact.value),
        "tail_share": fact.detail.get("tail_share"),
    }


def attach_series(ws: Workspace, candidates: Sequence[Candidate], noise: str) -> None:
    """Give each candidate whose fact has a picture its `series` (None otherwise)."""
    public_only = noise == "dp"
    cells_seen: dict[tuple[Any, ...], Any] = {}
    for candidate in candidates:
        candidate.series = _daily(ws, candidate, public_only) or (
            None if public_only else _distribution(ws, candidate, cells_seen)
        )
