-- /// pack
-- name = "market_contrast"
-- title = "A track one market streamed far more than the rest of the world would predict"
-- audience = "aggregate"
-- needs = ["daily_streams"]
-- copy = "market_contrast"
--
-- [params]
-- min_ratio = 3.0          # the market's streams / what the track's share elsewhere predicts
-- min_streams = 1000       # the track's streams in the market in the year
-- min_days = 28            # days of data a market needs in the year to take part
-- min_other_markets = 2    # "the rest of the world" needs at least this many other markets
-- chart_floor = 1.0        # charts: a day off the chart counts as this share of the chart's floor
-- ///
-- For every market, year and track: the track's streams in the market against what its share of
-- all streams in the other markets predicts for this market (the other markets' pooled share
-- times this market's total). The counting reads only `daily_streams`, so it runs on public
-- charts. A chart lists only its top tracks: on each day a track is missing from another
-- market's chart it counts at that chart's floor (its last entry's streams; `chart_floor` = 1),
-- an upper bound that keeps the claim "far more than the rest of the world" conservative (0.5 is
-- the midpoint); shares are then shares of the charted streams. Complete data (listeners
-- counted) has no floor: a missing day is a zero. `level_variance` is the spread of the
-- prediction from one market to another (how much the other markets disagree), so a track big in
-- a few markets is not called unique to one. cohort_size is the track's distinct listeners in the
-- market that year, counted from `streams` for the facts found only (empty for charts: NULL; a
-- rollup without plays gives its busiest day's listeners, a lower bound); `times` is the ratio
-- rounded down, for copy.
WITH day_totals AS (
    -- a market-day's total, and for charts the floor a missing track stayed under
    SELECT market, day, year(day) AS year, sum(streams) AS total,
           CASE WHEN bool_and(listeners IS NULL) THEN $chart_floor * min(streams) ELSE 0 END
               AS floor
    FROM daily_streams
    GROUP BY ALL
),
markets AS (
    SELECT market, year, sum(total) AS total, sum(floor) AS floor_total,
           sum(floor) / sum(total) AS floor_share
    FROM day_totals
    GROUP BY ALL
    HAVING count(*) >= $min_days
),
world AS (
    SELECT year, count(*) AS markets, sum(total) AS total, sum(floor_total) AS floor_total,
           exact_share_sum(floor_share) AS floor_share_sum,
           exact_share_sum(floor_share ^ 2) AS floor_share_squares
    FROM markets
    GROUP BY year
),
track_markets AS (
    -- per track and market: streams, and the floor of the days it was listed (to be left out
    -- of the floor imputed for the days it was missing)
    SELECT d.market, m.year, d.track_id,
           sum(d.streams) AS streams, sum(m.floor) AS listed_floor,
           max(d.listeners) AS peak_listeners
    FROM daily_streams d JOIN day_totals m USING (market, day)
    GROUP BY ALL
),
shares AS (
    SELECT t.*, k.total AS market_total, k.floor_total, k.floor_share,
           (t.streams + k.floor_total - t.listed_floor) / k.total AS share
    FROM track_markets t JOIN markets k USING (market, year)
),
track_world AS (
    -- sums over every market the track is in; the markets it is not in add their floor share
    SELECT year, track_id, sum(streams) AS streams, sum(listed_floor) AS listed_floor,
           exact_share_sum(share - floor_share) AS share_excess,
           exact_share_sum(share ^ 2 - floor_share ^ 2) AS square_excess
    FROM shares
    GROUP BY ALL
),
predictions AS (
    SELECT s.market, s.year, s.track_id, s.streams, s.peak_listeners, s.market_total,
           w.markets - 1 AS other_markets,
           -- streams elsewhere: as listed, plus the floor on every other market-day it missed
           (tw.streams - s.streams) + (w.floor_total - s.floor_total)
               - (tw.listed_floor - s.listed_floor) AS other_streams,
           w.total - s.market_total AS other_total,
           (w.floor_share_sum - s.floor_share) + (tw.share_excess - (s.share - s.floor_share))
               AS other_share_sum,
           (w.floor_share_squares - s.floor_share ^ 2)
               + (tw.square_excess - (s.share ^ 2 - s.floor_share ^ 2)) AS other_share_squares
    FROM shares s
    JOIN track_world tw USING (year, track_id)
    JOIN world w USING (year)
    WHERE s.streams >= $min_streams AND w.markets - 1 >= $min_other_markets
),
contrasts AS (
    SELECT *,
           other_streams / other_total * market_total AS expected,
           greatest(
               other_share_squares / other_markets - (other_share_sum / other_markets) ^ 2, 0
           ) * other_markets / greatest(other_markets - 1, 1) * market_total ^ 2 AS level_variance
    FROM predictions
    WHERE streams >= $min_ratio * other_streams / other_total * market_total
),
SELECT
    c.market,
    make_date(c.year, 1, 1) AS period_start,
    make_date(c.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    c.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'streams' AS measure,
    c.streams AS value,
    round(c.expected, 2) AS baseline,
    coalesce(x.listeners, c.peak_listeners) AS cohort_size,
    NULL::BIGINT AS population,
    {
        'level_variance': round(c.level_variance, 2),
        'times': CASE WHEN c.expected > 0 THEN floor(c.streams / c.expected)::BIGINT END,
        'share': round(c.streams / c.market_total, 6),
        'other_share': round(c.other_streams / c.other_total, 6),
        'other_markets': c.other_markets
    } AS detail
FROM contrasts c
JOIN market_track_names n USING (market, track_id)
LEFT JOIN listener_track_years x USING (market, year, track_id)
ORDER BY c.streams / greatest(c.expected, 0.5) DESC
