-- /// pack
-- name = "long_session"
-- title = "One listener spent hours on end with one artist on one day"
-- audience = "individual"
-- needs = ["streams", "market_tz", "market_days", "event_days", "track_names"]
-- copy = "long_session"
--
-- [params]
-- min_minutes = 240        # minutes listened in one session
-- max_gap_minutes = 30     # a new session starts after a silence this long
-- min_artist_share = 0.8   # the artist's share of the session's plays
-- ///
-- Cuts each listener's streams into sessions (a new one starts when a stream begins
-- `max_gap_minutes` or more after the previous one ended) and measures each session's minutes
-- listened. A session counts for an artist when at least `min_artist_share` of its plays are the
-- artist's; its day is the market's local day it started. The baseline is the market's 99.9th
-- percentile of session minutes, and `tail_share` the share of all the market's sessions at least
-- as long (read from a histogram of whole minutes, not a sort). Only the longest session per
-- market, day and artist is reported; no time of day and nothing about the listener leaves the
-- query. Plays without a duration (scrobbles) add no minutes.
WITH ordered AS (
    -- no local day per play: a session's day is read once, from its first play
    SELECT market, user_id, track_id, played_at, coalesce(ms_played, 0) AS ms,
           played_at - lag(played_at + to_milliseconds(coalesce(ms_played, 0)))
               OVER (PARTITION BY market, user_id ORDER BY played_at) AS silence
    FROM streams
),
numbered AS (
    SELECT market, user_id, track_id, played_at, ms,
           sum(CASE WHEN silence IS NULL OR silence >= to_minutes($max_gap_minutes) THEN 1 ELSE 0 END)
               OVER (PARTITION BY market, user_id ORDER BY played_at
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session
    FROM ordered
),
session_tracks AS MATERIALIZED (
    SELECT market, user_id, session, track_id, min(played_at) AS started, sum(ms) AS ms,
           count(*) AS plays
    FROM numbered
    GROUP BY ALL
),
sessions AS MATERIALIZED (
    SELECT s.market, s.user_id, s.session, CAST(timezone(any_value(tz.tz), min(s.started)) AS DATE) AS day,
           CAST(floor(sum(s.ms) / 60000) AS INTEGER) AS length, sum(s.plays) AS plays
    FROM session_tracks s
    JOIN market_tz tz USING (market)
    GROUP BY s.market, s.user_id, s.session
),
tail AS (
    SELECT part AS market, value AS length, at_least, total AS total_sessions, p999
    FROM tail_rank(sessions, market, length)
),
long_sessions AS (
    SELECT * FROM sessions WHERE length >= $min_minutes
),
artists AS (
    -- names only for the few long sessions: each one's main artist and its share of the plays
    SELECT s.market, s.user_id, s.session, n.artist_name, sum(s.plays) AS plays
    FROM session_tracks s
    SEMI JOIN long_sessions USING (market, user_id, session)
    JOIN track_names n USING (track_id)
    GROUP BY ALL
),
main_artist AS (
    SELECT market, user_id, session, arg_max(artist_name, plays) AS artist_name,
           max(plays) AS artist_plays
    FROM artists
    GROUP BY ALL
),
candidates AS (
    SELECT l.market, l.day, a.artist_name, l.length, l.plays,
           a.artist_plays / l.plays AS artist_share
    FROM long_sessions l
    JOIN main_artist a USING (market, user_id, session)
    WHERE a.artist_plays >= $min_artist_share * l.plays
),
extremes AS (
    -- the longest session per market, day and artist
    SELECT market, day, artist_name, max(length) AS length,
           arg_max(plays, length) AS plays, arg_max(artist_share, length) AS artist_share
    FROM candidates
    GROUP BY ALL
)
SELECT
    x.market,
    x.day AS period_start,
    x.day AS period_end,
    e.event_id,
    'artist' AS subject_kind,
    x.artist_name AS subject_id,
    x.artist_name AS subject_name,
    x.artist_name,
    'minutes' AS measure,
    x.length AS value,
    t.p999 AS baseline,
    1 AS cohort_size,
    m.listeners AS population,
    {
        'tail_share': t.at_least / t.total_sessions,
        'sessions': t.total_sessions,
        'plays': x.plays,
        'artist_share': round(x.artist_share, 3)
    } AS detail
FROM extremes x
JOIN tail t ON t.market = x.market AND t.length = x.length
LEFT JOIN market_days m ON m.market = x.market AND m.day = x.day
LEFT JOIN event_days e ON e.market = x.market AND e.day = x.day
ORDER BY x.length DESC
