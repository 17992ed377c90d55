-- /// pack
-- name = "event_spike"
-- title = "A track streamed far above its usual level on a market's day"
-- audience = "cohort"
-- needs = ["daily_streams", "market_days", "event_days"]
-- copy = "event_spike"
--
-- [params]
-- min_ratio = 3.0          # observed / expected
-- min_excess = 50          # observed − expected, at least this many listeners (streams for charts)
-- baseline_weeks = 4       # the weeks before the day that set the expected level
-- min_history_days = 7     # a track first seen fewer days before is a new release
-- ///
-- For every market, day and track: the distinct listeners that day (streams where the source has
-- no listener counts, as public charts) against what the weeks before predict, scaled by how busy
-- that weekday is in the market. Where listeners are counted from plays the data is complete and a
-- day without a row is a zero; a chart lists only its top tracks, so there a missing day is
-- unknown (below the chart's floor) and the level is the mean of the days listed. A track first
-- seen fewer than `min_history_days` before is a new release, left to a pack of its own. Spikes are
-- found on every day; those on a calendar event carry its id.
WITH counts AS (
    SELECT day, market, track_id,
           coalesce(listeners, streams) AS n,
           CASE WHEN listeners IS NULL THEN 'streams' ELSE 'listeners' END AS measure
    FROM daily_streams
),
market_totals AS (
    SELECT day, market, sum(n) AS total FROM counts GROUP BY ALL
),
market_windows AS (
    -- how busy this weekday is compared with an average day, and how many days had data,
    -- both judged on the weeks before
    SELECT day, market,
           avg(total) OVER same_weekday / avg(total) OVER all_days AS factor,
           count(*) OVER all_days AS window_days
    FROM market_totals
    WINDOW
        same_weekday AS (PARTITION BY market, dayofweek(day) ORDER BY day
                         RANGE BETWEEN INTERVAL ($baseline_weeks * 7) DAY PRECEDING
                                   AND INTERVAL 1 DAY PRECEDING),
        all_days AS (PARTITION BY market ORDER BY day
                     RANGE BETWEEN INTERVAL ($baseline_weeks * 7) DAY PRECEDING
                               AND INTERVAL 1 DAY PRECEDING)
),
history AS (
    SELECT day, market, track_id, n, measure,
           sum(n) OVER before AS window_sum,
           sum(n * n) OVER before AS window_sum_squares,
           count(n) OVER before AS listed_days,
           day - min(day) OVER (PARTITION BY market, track_id) AS days_known
    FROM counts
    WINDOW before AS (PARTITION BY market, track_id ORDER BY day
                      RANGE BETWEEN INTERVAL ($baseline_weeks * 7) DAY PRECEDING
                                AND INTERVAL 1 DAY PRECEDING)
),
levels AS (
    SELECT h.*, w.factor, w.window_days,
           -- complete data: missing days are zeros; charts: the mean of the days listed
           CASE WHEN h.measure = 'listeners' THEN w.window_days ELSE h.listed_days END AS days
    FROM history h JOIN market_windows w USING (day, market)
    WHERE h.days_known >= $min_history_days AND h.listed_days > 0
),
spikes AS (
    SELECT *,
           window_sum / days AS level,
           greatest(window_sum_squares / days - (window_sum / days) ^ 2, 0)
               * days / greatest(days - 1, 1) AS level_variance,
           window_sum / days * coalesce(factor, 1.0) AS expected
    FROM levels
)
SELECT
    s.market,
    s.day AS period_start,
    s.day AS period_end,
    e.event_id,
    'track' AS subject_kind,
    s.track_id AS subject_id,
    d.track_name AS subject_name,
    d.artist_name,
    s.measure,
    s.n AS value,
    round(s.expected, 2) AS baseline,
    CASE WHEN s.measure = 'listeners' THEN s.n END AS cohort_size,
    m.listeners AS population,
    {
        'level': round(s.level, 2),
        'level_variance': round(s.level_variance, 2),
        'weekday_factor': round(coalesce(s.factor, 1.0), 4),
        'baseline_days': s.days,
        'days_known': s.days_known
    } AS detail
FROM spikes s
JOIN daily_streams d USING (day, market, track_id)
LEFT JOIN market_days m USING (day, market)
LEFT JOIN event_days e USING (day, market)
WHERE s.n >= $min_ratio * s.expected
  AND s.n - s.expected >= $min_excess
ORDER BY s.n / s.expected DESC
