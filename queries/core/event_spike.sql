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
-- min_history_days = 7     # days with data in those weeks; a track with fewer is a new release
-- ///
-- For every market, day and track: the distinct listeners that day (streams where the source has
-- no listener counts, as public charts) against what the weeks before predict, scaled by how busy
-- that weekday is in the market. Days without a row in the baseline are unknown (below a chart's
-- floor), not zero, so the expected level errs high. New releases (too little history) are left to
-- a pack of their own. Spikes are found on every day; those on a calendar event carry its id.
WITH counts AS (
    SELECT day, market, track_id,
           coalesce(listeners, streams) AS n,
           CASE WHEN listeners IS NULL THEN 'streams' ELSE 'listeners' END AS measure
    FROM daily_streams
),
market_totals AS (
    SELECT day, market, sum(n) AS total FROM counts GROUP BY ALL
),
weekday_factor AS (
    -- how busy this weekday is compared with an average day, judged on the weeks before
    SELECT day, market,
           avg(total) OVER same_weekday / avg(total) OVER all_days AS factor
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
           avg(n) OVER before AS level,
           var_samp(n) OVER before AS level_variance,
           count(n) OVER before AS history_days
    FROM counts
    WINDOW before AS (PARTITION BY market, track_id ORDER BY day
                      RANGE BETWEEN INTERVAL ($baseline_weeks * 7) DAY PRECEDING
                                AND INTERVAL 1 DAY PRECEDING)
),
spikes AS (
    SELECT h.*, coalesce(w.factor, 1.0) AS factor, h.level * coalesce(w.factor, 1.0) AS expected
    FROM history h LEFT JOIN weekday_factor w USING (day, market)
    WHERE h.history_days >= $min_history_days
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
        'level_variance': round(coalesce(s.level_variance, 0), 2),
        'weekday_factor': round(s.factor, 4),
        'history_days': s.history_days
    } AS detail
FROM spikes s
JOIN daily_streams d USING (day, market, track_id)
LEFT JOIN market_days m USING (day, market)
LEFT JOIN event_days e USING (day, market)
WHERE s.n >= $min_ratio * s.expected
  AND s.n - s.expected >= $min_excess
ORDER BY s.n / s.expected DESC
