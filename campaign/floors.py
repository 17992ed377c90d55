"""How a chart's floor, depth and cadence per market-day follow from its listed rows.

One definition for chart ingest, `campaign synth --charts` and the workspace (which derives the
floors of datasets ingested before they were kept), so a chart is described alike everywhere.
"""

from __future__ import annotations

from campaign.schema import CHART_FLOORS

# A market whose chart days lie this many days apart or more (median) is sampled weekly.
WEEKLY_MIN_GAP_DAYS = 6


def floor_sql(rows: str) -> str:
    """SQL over a relation of chart rows (day, market, track_id, streams) → chart_floors.

    A track listed twice on one market-day (two sources) counts once, at its larger count, as
    the ingest's own de-duplication does. Cadence comes from the median spacing of a market's
    chart days: one snapshot a week is 'weekly', anything denser 'daily'.
    """
    cols = ", ".join(f"CAST({c.name} AS {c.type}) AS {c.name}" for c in CHART_FLOORS.columns)
    return f"""
    WITH listed AS (
        SELECT day, market, track_id, max(streams) AS streams
        FROM ({rows}) GROUP BY day, market, track_id
    ),
    per_day AS (
        SELECT day, market, min(streams) AS floor_streams, count(*) AS depth
        FROM listed GROUP BY day, market
    ),
    gaps AS (
        SELECT market, day - lag(day) OVER (PARTITION BY market ORDER BY day) AS gap
        FROM per_day
    ),
    cadence AS (
        SELECT market,
            CASE WHEN coalesce(quantile_disc(gap, 0.5), 1) >= {WEEKLY_MIN_GAP_DAYS}
                THEN 'weekly' ELSE 'daily' END AS cadence
        FROM gaps GROUP BY market
    )
    SELECT {cols}
    FROM per_day JOIN cadence USING (market)
    ORDER BY market, day
    """
