-- /// pack
-- name = "playlist_title"
-- title = "A playlist with a title no one else in the market used"
-- audience = "individual"
-- needs = ["playlists", "playlist_tracks", "user_markets", "market_tz", "event_days"]
-- copy = "playlist_title"
--
-- [params]
-- min_tracks = 20          # a playlist someone kept adding to, not a name typed and forgotten
-- min_ratio = 6.0          # its tracks / the market's median tracks per playlist
-- min_words = 2            # one-word titles are mostly names, moods or keyboard mashing
-- default_titles = '^(my |new )?playlist( ?#? ?[0-9]+)?$'   # titles the app writes itself
-- ///
-- Every playlist whose title (trimmed, case-folded, white space folded) was used by exactly one
-- owner in the market, with at least `min_tracks` tracks and `min_words` words, not one of the
-- app's default titles, and with a letter in it. The period is the day it was created (the
-- market's local day; the day of its first track when the creation time is unknown), with the
-- day's event if it has one; the value is its tracks, the baseline the market's median tracks
-- per playlist. `tail_share` is the share of the market's playlists at least this unusual (a
-- title of their own and at least as many tracks): the tail rank the surprise score uses. The
-- owner's market is `user_markets`; opted-out and under-age owners are gone before the query
-- runs. Titles are written by users: every title passes the PII screen before any output
-- (campaign/pii.py), and the subject id is a hash, never the playlist's own id.
WITH listeners AS MATERIALIZED (
    SELECT user_id, market FROM user_markets WHERE market IS NOT NULL
),
population AS (
    SELECT market, count(*) AS listeners FROM listeners GROUP BY ALL
),
sizes AS (
    SELECT playlist_id, count(DISTINCT track_id) AS tracks, min(added_at) AS first_added
    FROM playlist_tracks
    GROUP BY ALL
),
owned AS (
    SELECT p.playlist_id, p.user_id, m.market,
           regexp_replace(trim(p.name), '\s+', ' ', 'g') AS name,
           lower(regexp_replace(trim(p.name), '\s+', ' ', 'g')) AS title,
           coalesce(s.tracks, 0) AS tracks,
           CAST(timezone(tz.tz, coalesce(p.created_at, s.first_added)) AS DATE) AS created
    FROM playlists p
    JOIN listeners m USING (user_id)
    JOIN market_tz tz ON tz.market = m.market
    LEFT JOIN sizes s USING (playlist_id)
),
titles AS (
    SELECT market, title, count(DISTINCT user_id) AS owners FROM owned GROUP BY ALL
),
markets AS (
    SELECT market, count(*) AS playlists, median(tracks) AS median_tracks
    FROM owned
    GROUP BY ALL
),
own_titles AS (
    -- playlists with a title of their own, the biggest one if its owner used the title twice
    SELECT o.*
    FROM owned o JOIN titles t USING (market, title)
    WHERE t.owners = 1
    QUALIFY row_number() OVER (PARTITION BY o.market, o.title
                               ORDER BY o.tracks DESC, o.created, o.playlist_id) = 1
),
ranked AS (
    SELECT *, count(*) OVER (PARTITION BY market ORDER BY tracks DESC
                             RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_least
    FROM own_titles
)
SELECT
    r.market,
    r.created AS period_start,
    r.created AS period_end,
    e.event_id,
    'playlist' AS subject_kind,
    md5('playlist:' || r.playlist_id) AS subject_id,
    r.name AS subject_name,
    NULL::VARCHAR AS artist_name,
    'tracks' AS measure,
    r.tracks AS value,
    k.median_tracks AS baseline,
    1 AS cohort_size,
    n.listeners AS population,
    {
        'tail_share': r.at_least / k.playlists,
        'market_playlists': k.playlists
    } AS detail
FROM ranked r
JOIN markets k USING (market)
JOIN population n USING (market)
LEFT JOIN event_days e ON e.market = r.market AND e.day = r.created
WHERE r.created IS NOT NULL
  AND r.tracks >= $min_tracks
  AND r.tracks >= $min_ratio * k.median_tracks
  AND len(string_split(r.title, ' ')) >= $min_words
  AND NOT regexp_matches(r.title, $default_titles)
  AND regexp_matches(r.title, '\pL')
ORDER BY r.tracks DESC
