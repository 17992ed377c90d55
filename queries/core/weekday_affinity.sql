-- /// pack
-- name = "weekday_affinity"
-- title = "A track streamed far more on one weekday than the market's weekly rhythm predicts"
-- audience = "aggregate"
-- needs = ["daily_streams"]
-- copy = "weekday_affinity"
--
-- [params]
-- min_ratio = 1.8          # favourite weekday's streams / what the market's weekday mix predicts
-- min_streams = 300        # the track's streams on its favourite weekday, over the year
-- min_weeks = 8            # the track's life in the year must hold each weekday this many times
-- chart_floor = 0.5        # charts: a day off the chart counts as this share of the chart's floor
-- ///
-- For every market, year and track: its streams on each weekday over its life in the year (first
-- to last day streamed) against what the market's own weekday mix predicts: the track's total
-- spread over the weekdays the way the market's streams spread over them (each weekday weighted
-- by how often it occurs in the track's life). The favourite weekday is the one furthest above
-- prediction; it is a fact when it is `min_ratio` above and stays so without its single biggest
-- day (so one release day, one holiday or one viral day cannot make a weekday). The counting
-- reads only `daily_streams`. On charts a day the track is missing from the chart lies between
-- zero and the chart's floor and counts as `chart_floor` times the floor (0.5, the midpoint; 1 is
-- the upper bound, the most conservative); on complete data it is a zero. cohort_size is the
-- distinct listeners who streamed it on that weekday, counted from `streams` for the facts found
-- only (empty for charts: NULL; a rollup without plays gives its busiest such day's listeners, a
-- lower bound). `weekday` is the English name, `weekday_number` ISO (1 = Monday) and
-- `sample_day` one date of that weekday, for copy to name it in any language.
WITH day_totals AS (
    SELECT market, day, year(day) AS year, isodow(day) AS weekday, sum(streams) AS total,
           CASE WHEN bool_and(listeners IS NULL) THEN $chart_floor * min(streams) ELSE 0 END
               AS floor
    FROM daily_streams
    GROUP BY ALL
),
market_weekdays AS (
    -- the market's mean day per weekday: its weekly rhythm, and the mean chart floor
    SELECT market, year, weekday, avg(total) AS mean_total, avg(floor) AS mean_floor
    FROM day_totals
    GROUP BY ALL
),
lives AS (
    SELECT market, year(day) AS year, track_id, min(day) AS first_day,
           max(day) - min(day) + 1 AS span_days
    FROM daily_streams
    GROUP BY ALL
    HAVING max(day) - min(day) + 1 >= 7 * $min_weeks
),
listed AS (
    SELECT market, year(day) AS year, track_id, isodow(day) AS weekday,
           sum(streams) AS streams, CAST(count_square_sum(streams) AS DOUBLE) AS squares,
           max(streams) AS biggest,
           count(*) AS days, max(listeners) AS peak_listeners
    FROM daily_streams
    SEMI JOIN lives USING (market, track_id)
    GROUP BY ALL
),
weekdays AS (
    -- one row per track and weekday of its life: how many such days, streams as listed, and
    -- the floor imputed for the days it was missing from a chart
    SELECT l.market, l.year, l.track_id, l.first_day, l.span_days, w.weekday,
           (w.weekday - isodow(l.first_day) + 7) % 7 AS lead_days,
           CASE WHEN lead_days <= l.span_days - 1
                THEN (l.span_days - 1 - lead_days) // 7 + 1 ELSE 0 END AS weekday_days,
           coalesce(s.streams, 0) AS streams,
           coalesce(s.squares, 0) AS squares,
           coalesce(s.biggest, 0) AS biggest,
           coalesce(s.days, 0) AS listed_days,
           s.peak_listeners,
           m.mean_total,
           m.mean_floor
    FROM lives l
    CROSS JOIN (SELECT unnest(range(1, 8)) AS weekday) w
    JOIN market_weekdays m ON m.market = l.market AND m.year = l.year AND m.weekday = w.weekday
    LEFT JOIN listed s
           ON s.market = l.market AND s.year = l.year AND s.track_id = l.track_id
          AND s.weekday = w.weekday
),
imputed AS (
    SELECT *, greatest(weekday_days - listed_days, 0) * mean_floor AS floor_streams,
           greatest(weekday_days - listed_days, 0) * mean_floor ^ 2 AS floor_squares
    FROM weekdays
),
expected AS (
    SELECT *,
           sum(streams + floor_streams) OVER track / sum(weekday_days * mean_total) OVER track
               * weekday_days * mean_total AS expected,
           -- spread of one day of the track over its life, zeros or floors included
           (sum(squares + floor_squares) OVER track / span_days
               - (sum(streams + floor_streams) OVER track / span_days) ^ 2) AS daily_variance
    FROM imputed
    WINDOW track AS (PARTITION BY market, year, track_id)
),
favourites AS (
    SELECT *
    FROM expected
    WHERE expected > 0
    QUALIFY row_number() OVER (PARTITION BY market, year, track_id
                               ORDER BY streams / expected DESC, weekday) = 1
),
affinities AS (
    SELECT *
    FROM favourites
    WHERE streams >= $min_streams
      AND streams >= $min_ratio * expected
      AND streams - biggest >= $min_ratio * expected * (weekday_days - 1) / weekday_days
),
listeners AS (
    SELECT s.market, year(s.day) AS year, s.track_id, count(DISTINCT s.user_id) AS listeners
    FROM listener_track_days s
    SEMI JOIN affinities a
           ON a.market = s.market AND a.track_id = s.track_id AND a.year = year(s.day)
          AND a.weekday = isodow(s.day)
    GROUP BY ALL
)
SELECT
    a.market,
    make_date(a.year, 1, 1) AS period_start,
    make_date(a.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    a.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'streams' AS measure,
    a.streams AS value,
    round(a.expected, 2) AS baseline,
    coalesce(x.listeners, a.peak_listeners) AS cohort_size,
    NULL::BIGINT AS population,
    {
        'weekday': ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday',
                    'Sunday'][a.weekday],
        'weekday_number': a.weekday,
        'sample_day': a.first_day + a.lead_days::INTEGER,
        'level_variance': round(greatest(a.daily_variance, 0) * a.weekday_days, 2),
        'weekday_days': a.weekday_days,
        'ratio': round(a.streams / a.expected, 2),
        'ratio_without_biggest_day': round(
            (a.streams - a.biggest)
                / (a.expected * greatest(a.weekday_days - 1, 1) / a.weekday_days), 2
        )
    } AS detail
FROM affinities a
JOIN market_track_names n USING (market, track_id)
LEFT JOIN listeners x USING (market, year, track_id)
ORDER BY a.streams / a.expected DESC
