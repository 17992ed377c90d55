-- /// pack
-- name = "market_total"
-- title = "The market's most-streamed track of the year, and how many times it was streamed"
-- audience = "aggregate"
-- needs = ["daily_streams"]
-- copy = "market_total"
--
-- [params]
-- min_days = 28            # days of data the market needs in the year before its total counts
-- ///
-- Sums each track's streams per market over the calendar year (the market's local days) and
-- reports the top track, with the runner-up's streams as the baseline. The counting reads only
-- `daily_streams`, so it runs on public charts too: there a track's total counts only the days it
-- charted (a lower bound) and listeners are unknown (cohort_size NULL). cohort_size is the
-- track's distinct listeners of the year, counted from `streams` for the facts found only (the
-- workspace always has the view; it is empty for charts); a daily rollup without plays gives its
-- busiest day's listeners instead, a lower bound. `level_variance` is the spread of a
-- yearly total built from the runner-up's days, so a narrow lead is not called a surprise.
-- `first_day` and `last_day` say which part of the year the data covers.
WITH coverage AS (
    SELECT market, year(day) AS year, count(DISTINCT day) AS days,
           min(day) AS first_day, max(day) AS last_day
    FROM daily_streams
    GROUP BY ALL
    HAVING count(DISTINCT day) >= $min_days
),
yearly AS (
    SELECT market, year(day) AS year, track_id,
           sum(streams) AS streams,
           max(listeners) AS peak_listeners,
           count(*) AS days_listed,
           coalesce(count_variance(streams), 0) AS daily_variance
    FROM daily_streams
    GROUP BY ALL
),
ranked AS (
    SELECT y.*, c.days, c.first_day, c.last_day,
           row_number() OVER (PARTITION BY y.market, y.year ORDER BY y.streams DESC, y.track_id)
               AS position
    FROM yearly y JOIN coverage c USING (market, year)
),
leaders AS (
    SELECT top.*, runner.streams AS runner_up_streams,
           runner.days_listed * runner.daily_variance AS level_variance
    FROM ranked top
    LEFT JOIN ranked runner
           ON runner.market = top.market AND runner.year = top.year AND runner.position = 2
    WHERE top.position = 1
),
SELECT
    l.market,
    make_date(l.year, 1, 1) AS period_start,
    make_date(l.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    l.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'streams' AS measure,
    l.streams AS value,
    l.runner_up_streams AS baseline,
    coalesce(x.listeners, l.peak_listeners) AS cohort_size,
    NULL::BIGINT AS population,
    {
        'level_variance': round(l.level_variance, 2),
        'days': l.days,
        'days_listed': l.days_listed,
        'first_day': l.first_day,
        'last_day': l.last_day
    } AS detail
FROM leaders l
JOIN market_track_names n USING (market, track_id)
LEFT JOIN listener_track_years x USING (market, year, track_id)
ORDER BY l.streams DESC
