-- /// pack
-- name = "playlist_context"
-- title = "A track people put on playlists for one occasion far more than chance predicts"
-- audience = "cohort"
-- needs = ["playlists", "playlist_tracks", "user_markets", "market_tz", "track_names"]
-- copy = "playlist_context"
--
-- [params]
-- min_owners = 50          # distinct owners who added the track to playlists of the context
-- min_ratio = 3.0          # those owners / what the context's share of playlists predicts
-- contexts = 'running|workout|gym|cardio|yoga|sleep|study|focus|party|sad|crying|wedding|breakup|road ?trip|cooking|cleaning|shower|dinner|commute|hardlopen|sporten|slapen|studeren|feest|bruiloft|juoksu|treeni|bileet|häät|mariage|soirée|sieste'
-- ///
-- A playlist's context is the first of `contexts` (a regular expression of alternatives, matched
-- as whole words in the case-folded title) its title holds: "running", "Sunday sleep", "wedding
-- dance floor". For every market, year and track: the distinct owners who added the track that
-- year (the market's local day it was added, or the playlist's creation day when the add has no
-- time) to playlists of a context, against the track's owners over all playlists times the
-- context's share of the playlists added to that year. Only the track's strongest context is
-- reported (`detail.context`, the word as people typed it, for copy). The owner's market is
-- `user_markets`; opted-out and under-age owners are gone before the query runs.
WITH listeners AS MATERIALIZED (
    SELECT user_id, market FROM user_markets WHERE market IS NOT NULL
),
population AS (
    SELECT market, count(*) AS listeners FROM listeners GROUP BY ALL
),
owned AS MATERIALIZED (
    -- one title matched per playlist, not per track added to it (inlined, the join ran the
    -- regular expression on every added track)
    SELECT p.playlist_id, p.user_id, p.created_at, m.market, tz.tz,
           nullif(regexp_extract(lower(p.name),
                                 '(^|[^\pL\pN])(' || $contexts || ')($|[^\pL\pN])', 2), '')
               AS context
    FROM playlists p
    JOIN listeners m USING (user_id)
    JOIN market_tz tz ON tz.market = m.market
),
adds AS (
    SELECT DISTINCT o.market, o.playlist_id, o.user_id, o.context, t.track_id,
           year(CAST(timezone(o.tz, coalesce(t.added_at, o.created_at)) AS DATE)) AS year
    FROM playlist_tracks t JOIN owned o USING (playlist_id)
    WHERE coalesce(t.added_at, o.created_at) IS NOT NULL
),
playlist_years AS (
    -- each playlist added to in a market-year, once (its title gives it one context)
    SELECT DISTINCT market, year, playlist_id, context FROM adds
),
context_shares AS (
    -- each context's share of the playlists added to in the market that year
    SELECT p.market, p.year, p.context, count(*) / any_value(a.playlists) AS share
    FROM playlist_years p
    JOIN (SELECT market, year, count(*) AS playlists FROM playlist_years GROUP BY ALL) a
        USING (market, year)
    WHERE p.context IS NOT NULL
    GROUP BY ALL
),
track_owners AS (
    SELECT market, year, track_id, count(DISTINCT user_id) AS owners FROM adds GROUP BY ALL
),
context_owners AS (
    SELECT market, year, track_id, context, count(DISTINCT user_id) AS owners
    FROM adds
    WHERE context IS NOT NULL
    GROUP BY ALL
    HAVING count(DISTINCT user_id) >= $min_owners
),
contexts AS (
    SELECT c.*, t.owners AS all_owners, s.share, t.owners * s.share AS expected
    FROM context_owners c
    JOIN track_owners t USING (market, year, track_id)
    JOIN context_shares s USING (market, year, context)
    WHERE c.owners >= $min_ratio * t.owners * s.share
    QUALIFY row_number() OVER (PARTITION BY c.market, c.year, c.track_id
                               ORDER BY c.owners / (t.owners * s.share) DESC, c.context) = 1
)
SELECT
    c.market,
    make_date(c.year, 1, 1) AS period_start,
    make_date(c.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    c.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'listeners' AS measure,
    c.owners AS value,
    round(c.expected, 2) AS baseline,
    c.owners AS cohort_size,
    p.listeners AS population,
    {
        'context': c.context,
        'all_owners': c.all_owners,
        'context_share': round(c.share, 6)
    } AS detail
FROM contexts c
JOIN track_names n USING (track_id)
JOIN population p USING (market)
ORDER BY c.owners / c.expected DESC
