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
    -- one sort of the plays: each play's silence since the previous one ended, the running
    -- total of the listener's minutes and plays, and whether it is the listener's last play,
    -- all in one window pass (no second frame over the whole listener for their totals)
    SELECT market, user_id, played_at, coalesce(ms_played, 0) AS ms,
           lag(played_at + to_milliseconds(coalesce(ms_played, 0))) OVER listener AS previous_end,
           lead(played_at) OVER listener IS NULL AS last,
           sum(coalesce(ms_played, 0)) OVER running - coalesce(ms_played, 0) AS ms_before,
           row_number() OVER listener AS play
    FROM streams
    -- (plays that start at the same instant, as exports hold, in one order: the shorter first;
    -- the running total's frame is a window of its own over the same sort, as Spark refuses a
    -- frame on lag and lead)
    WINDOW listener AS (PARTITION BY market, user_id ORDER BY played_at, coalesce(ms_played, 0)),
           running AS (PARTITION BY market, user_id ORDER BY played_at, coalesce(ms_played, 0)
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
bounds AS (
    -- the plays that open a session, and each listener's last play, whose running totals
    -- (with its own minutes and play) are the listener's totals that close the last session
    SELECT *
    FROM (
        SELECT market, user_id, played_at, ms, ms_before, play, last,
               -- (a timestamp compared, not an interval subtracted and normalised, on every play)
               previous_end IS NULL
                   OR played_at >= previous_end + to_minutes($max_gap_minutes) AS start
        FROM ordered
    )
    WHERE start OR last
),
closed AS (
    -- each bound's next one closes its session: a start at its running totals, the last play
    -- past its own; so no play is grouped by session
    SELECT market, user_id, played_at AS started, start,
           lead(CASE WHEN start THEN played_at END) OVER next_bound AS ended,
           CAST(floor((coalesce(lead(CASE WHEN start THEN ms_before ELSE ms_before + ms END)
                                     OVER next_bound, ms_before + ms) - ms_before)
                      / 60000) AS INTEGER) AS length,
           coalesce(lead(CASE WHEN start THEN play ELSE play + 1 END) OVER next_bound, play + 1)
               - play AS plays
    FROM bounds
    WINDOW next_bound AS (PARTITION BY market, user_id ORDER BY play)
),
sessions AS MATERIALIZED (
    SELECT c.market, c.user_id, c.started, c.ended,
           CAST(timezone(tz.tz, c.started) AS DATE) AS day, c.length, c.plays
    FROM closed c
    JOIN market_tz tz USING (market)
    WHERE c.start
),
tail AS (
    SELECT part AS market, value AS length, at_least, total AS total_sessions, p999
    FROM tail_rank(sessions, market, length)
),
long_sessions AS (
    SELECT * FROM sessions WHERE length >= $min_minutes
),
artists AS (
    -- names only for the few long sessions: their listeners' plays again, each in the session
    -- whose span holds it, and the session's main artist's share of them
    SELECT l.market, l.user_id, l.started, n.artist_name, count(*) AS plays
    FROM long_sessions l
    JOIN streams p ON p.market = l.market AND p.user_id = l.user_id
                  AND p.played_at >= l.started AND (l.ended IS NULL OR p.played_at < l.ended)
    JOIN track_names n USING (track_id)
    GROUP BY ALL
),
main_artist AS (
    -- (of two artists with as many plays, the first by name: the same one on every run)
    SELECT market, user_id, started, artist_name, plays AS artist_plays
    FROM artists
    QUALIFY row_number() OVER (PARTITION BY market, user_id, started
                               ORDER BY plays DESC, artist_name) = 1
),
candidates AS (
    SELECT l.market, l.day, a.artist_name, l.length, l.plays,
           a.artist_plays / l.plays AS artist_share
    FROM long_sessions l
    JOIN main_artist a USING (market, user_id, started)
    WHERE a.artist_plays >= $min_artist_share * l.plays
),
extremes AS (
    -- the longest session per market, day and artist (of two as long, the one of more plays)
    SELECT market, day, artist_name, length, plays, artist_share
    FROM candidates
    QUALIFY row_number() OVER (PARTITION BY market, day, artist_name
                               ORDER BY length DESC, plays DESC, artist_share DESC) = 1
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
