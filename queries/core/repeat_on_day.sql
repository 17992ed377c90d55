-- /// pack
-- name = "repeat_on_day"
-- title = "One listener played one track an extreme number of times on one day"
-- audience = "individual"
-- needs = ["listener_track_days", "market_days", "event_days", "track_names"]
-- copy = "repeat_on_day"
--
-- [params]
-- min_plays = 20           # plays of one track by one listener on one local day
-- ///
-- Counts each listener's streams of each track per local day, then keeps the extreme cells. The
-- baseline is the market's 99.9th percentile of plays per listener-track-day, and `tail_share`
-- is the share of all listener-track-days with at least as many plays: the tail rank the
-- surprise score uses. Only the most extreme listener per market, day and track is reported, and
-- nothing about who they are leaves the query.
WITH cells AS (
    SELECT market, day, track_id, user_id, plays FROM listener_track_days
),
tail AS (
    SELECT part AS market, value AS plays, at_least, total AS total_cells, p999
    FROM tail_rank(cells, market, plays)
),
extremes AS (
    SELECT market, day, track_id, max(plays) AS plays
    FROM cells
    WHERE plays >= $min_plays
    GROUP BY ALL
)
SELECT
    x.market,
    x.day AS period_start,
    x.day AS period_end,
    e.event_id,
    'track' AS subject_kind,
    x.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'plays' AS measure,
    x.plays AS value,
    t.p999 AS baseline,
    1 AS cohort_size,
    m.listeners AS population,
    {
        'tail_share': t.at_least / t.total_cells,
        'listener_days': t.total_cells
    } AS detail
FROM extremes x
JOIN tail t ON t.market = x.market AND t.plays = x.plays
JOIN track_names n ON n.track_id = x.track_id
LEFT JOIN market_days m ON m.market = x.market AND m.day = x.day
LEFT JOIN event_days e ON e.market = x.market AND e.day = x.day
ORDER BY x.plays DESC
