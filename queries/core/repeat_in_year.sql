-- /// pack
-- name = "repeat_in_year"
-- title = "One listener played one track an extreme number of times in a year"
-- audience = "individual"
-- needs = ["listener_track_years_plays", "track_names", "market_years"]
-- copy = "repeat_in_year"
--
-- [params]
-- min_plays = 200          # streams of one track by one listener in one calendar year
-- ///
-- Counts each listener's streams of each track per calendar year (the market's local days), then
-- keeps the extreme cells. The baseline is the market's 99.9th percentile of plays per
-- listener-track-year, and `tail_share` is the share of all the market's listener-track-years
-- with at least as many plays (read from a histogram, not a sort): the tail rank the surprise
-- score uses. Only the most extreme listener per market, year and track is reported, and nothing
-- about who they are leaves the query.
WITH cells AS (
    SELECT market, year, track_id, user_id, plays FROM listener_track_years_plays
),
tail AS (
    SELECT part.market, part.year, value AS plays, at_least, total AS total_cells, p999
    FROM tail_rank(cells, {'market': market, 'year': year}, plays)
),
extremes AS (
    SELECT market, year, track_id, max(plays) AS plays
    FROM cells
    WHERE plays >= $min_plays
    GROUP BY ALL
)
SELECT
    x.market,
    make_date(x.year, 1, 1) AS period_start,
    make_date(x.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    x.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'plays' AS measure,
    x.plays AS value,
    t.p999 AS baseline,
    1 AS cohort_size,
    pop.listeners AS population,
    {
        'tail_share': t.at_least / t.total_cells,
        'listener_tracks': t.total_cells
    } AS detail
FROM extremes x
JOIN tail t ON t.market = x.market AND t.year = x.year AND t.plays = x.plays
JOIN market_years pop ON pop.market = x.market AND pop.year = x.year
JOIN track_names n ON n.track_id = x.track_id
ORDER BY x.plays DESC
