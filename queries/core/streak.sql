-- /// pack
-- name = "streak"
-- title = "Listeners who played one track every single day for weeks"
-- audience = "cohort"
-- needs = ["listener_track_days", "listener_track_years_plays", "listener_days", "daily_streams", "track_names"]
-- copy = "streak"
--
-- [params]
-- min_days = 14            # consecutive local days with at least one stream of the track
-- min_listeners = 50       # listeners on such a streak
-- ///
-- Finds, per market, listener and track, the runs of consecutive local days with at least one
-- stream of the track (gaps and islands), and keeps each listener's longest run if it lasts
-- `min_days` or more. A fact is a track with at least `min_listeners` such listeners: its period
-- runs from the first day of their streaks to the last, and `detail.days` is the shortest of
-- them, so every one of them played it on each of that many days in a row. The baseline is
-- what an ordinary track has: the market's streakers per track it streamed (next to nothing).
WITH candidates AS (
    -- listener-tracks with at least half a streak's days (or a whole year) in one year: a run of
    -- `min_days` lies in one year, spans two (one holds half of it) or covers a whole year, so
    -- no streak is lost; a filter, not a group-by of every listener-track (one row each, mostly)
    SELECT market, track_id, user_id
    FROM listener_track_years_plays
    WHERE days >= least(($min_days + 1) // 2, 365)
),
islands AS (
    SELECT market, track_id, user_id, day,
           day - CAST(row_number() OVER (PARTITION BY market, track_id, user_id ORDER BY day)
                      AS INTEGER) AS island
    FROM listener_track_days
    SEMI JOIN candidates USING (market, track_id, user_id)
),
runs AS (
    SELECT market, track_id, user_id, min(day) AS first_day, max(day) AS last_day,
           count(*) AS days
    FROM islands
    GROUP BY market, track_id, user_id, island
    HAVING count(*) >= $min_days
),
streakers AS (
    -- each listener's longest qualifying run (the earliest of equals)
    SELECT market, track_id, user_id,
           arg_max(first_day, (days, -epoch(first_day))) AS first_day,
           arg_max(last_day, (days, -epoch(first_day))) AS last_day,
           max(days) AS days
    FROM runs
    GROUP BY ALL
),
per_track AS (
    SELECT market, track_id, count(*) AS listeners, min(days) AS shortest, max(days) AS longest,
           min(first_day) AS first_day, max(last_day) AS last_day
    FROM streakers
    GROUP BY ALL
),
typical AS (
    -- an ordinary track's streakers: all streakers of the market over the tracks it streamed
    SELECT t.market, coalesce(s.streakers, 0) / t.tracks AS level
    FROM (SELECT market, count(DISTINCT track_id) AS tracks FROM daily_streams GROUP BY ALL) t
    LEFT JOIN (SELECT market, sum(listeners) AS streakers FROM per_track GROUP BY ALL) s
        USING (market)
),
facts AS (
    SELECT * FROM per_track WHERE listeners >= $min_listeners
),
population AS (
    -- distinct active listeners of the market over each fact's period
    SELECT f.market, f.track_id, count(DISTINCT d.user_id) AS listeners
    FROM facts f
    JOIN listener_days d ON d.market = f.market AND d.day BETWEEN f.first_day AND f.last_day
    GROUP BY ALL
)
SELECT
    f.market,
    f.first_day AS period_start,
    f.last_day AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    f.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'listeners' AS measure,
    f.listeners AS value,
    round(t.level, 4) AS baseline,
    f.listeners AS cohort_size,
    p.listeners AS population,
    {'days': f.shortest, 'longest_days': f.longest} AS detail
FROM facts f
JOIN typical t USING (market)
JOIN track_names n USING (track_id)
LEFT JOIN population p USING (market, track_id)
ORDER BY f.listeners DESC
