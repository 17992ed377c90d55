-- /// pack
-- name = "playlist_title_count"
-- title = "How many people gave a playlist the same title this year"
-- audience = "cohort"
-- needs = ["playlists", "user_markets", "market_tz"]
-- copy = "playlist_title_count"
--
-- [params]
-- min_owners = 50           # distinct owners who created a playlist of the title that year
-- min_peak_share = 0.5       # a title that trended: this share of its owners made it within 4 weeks
-- ///
-- For every market, year and title (trimmed, case-folded, white space folded): the distinct
-- owners who created a playlist of that title that year (the market's local days; playlists
-- without a creation time are left out). The baseline is the mean count of the market's titles
-- used by at least two owners that year, `level_variance` their variance, so only a title far
-- out in that heavy tail is a surprise. The subject is the normalised title; `spelling` is its
-- most common spelling, for copy. `next_title` and `next_count` name the title just below it in
-- the market's ranking, when that one has `min_owners` too ("3,754 'Laurel' playlists vs 1,059
-- 'Yanny' playlists"). Only titles that trended count: at least `min_peak_share` of their owners
-- made them within four consecutive weeks (a meme), not all year round ("workout", "chill").
-- The owner's market is
-- `user_markets`; opted-out and under-age owners are gone before the query runs; every title
-- passes the PII screen before any output (campaign/pii.py).
WITH listeners AS MATERIALIZED (
    SELECT user_id, market FROM user_markets WHERE market IS NOT NULL
),
population AS (
    SELECT market, count(*) AS listeners FROM listeners GROUP BY ALL
),
created AS (
    SELECT m.market, p.user_id,
           year(CAST(timezone(tz.tz, p.created_at) AS DATE)) AS year,
           CAST(timezone(tz.tz, p.created_at) AS DATE) AS day,
           regexp_replace(trim(p.name), '\s+', ' ', 'g') AS name,
           lower(regexp_replace(trim(p.name), '\s+', ' ', 'g')) AS title
    FROM playlists p
    JOIN listeners m USING (user_id)
    JOIN market_tz tz ON tz.market = m.market
    WHERE p.created_at IS NOT NULL AND trim(p.name) <> ''
),
spellings AS (
    SELECT market, year, title, name, count(DISTINCT user_id) AS owners
    FROM created
    GROUP BY ALL
),
titles AS (
    SELECT market, year, title, count(DISTINCT user_id) AS owners FROM created GROUP BY ALL
),
peaks AS (
    -- the most owners who made the title within four consecutive weeks: memes trend in a burst,
    -- everyday titles ("workout", "chill") are made all year round
    SELECT market, year, title, max(in_window) AS peak_owners
    FROM (
        SELECT market, year, title,
               sum(owners) OVER (PARTITION BY market, year, title ORDER BY week
                                 RANGE BETWEEN INTERVAL 21 DAY PRECEDING AND CURRENT ROW) AS in_window
        FROM (SELECT market, year, title, date_trunc('week', day) AS week,
                     count(DISTINCT user_id) AS owners
              FROM created GROUP BY ALL)
    )
    GROUP BY ALL
),
shared AS (
    SELECT market, year, avg(owners) AS mean_owners, coalesce(count_variance(owners), 0) AS variance,
           count(*) AS shared_titles
    FROM titles
    WHERE owners >= 2
    GROUP BY ALL
),
ranked AS (
    SELECT t.*, k.peak_owners, d.name,
           lead(d.name) OVER ranking AS next_name,
           lead(t.owners) OVER ranking AS next_owners
    FROM titles t
    JOIN peaks k USING (market, year, title)
    JOIN (SELECT market, year, title, first(name ORDER BY owners DESC, name) AS name
          FROM spellings GROUP BY ALL) d USING (market, year, title)
    WHERE t.owners >= $min_owners AND k.peak_owners >= $min_peak_share * t.owners
    WINDOW ranking AS (PARTITION BY t.market, t.year ORDER BY t.owners DESC, t.title)
)
SELECT
    r.market,
    make_date(r.year, 1, 1) AS period_start,
    make_date(r.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'playlist_title' AS subject_kind,
    md5('playlist-title:' || r.title) AS subject_id,
    r.title AS subject_name,
    NULL::VARCHAR AS artist_name,
    'playlists' AS measure,
    r.owners AS value,
    round(s.mean_owners, 2) AS baseline,
    r.owners AS cohort_size,
    n.listeners AS population,
    {
        'level_variance': round(s.variance, 2),
        'shared_titles': s.shared_titles,
        'spelling': r.name,
        'next_title': r.next_name,
        'next_count': r.next_owners,
        'peak_share': round(r.peak_owners / r.owners, 3)
    } AS detail
FROM ranked r
JOIN shared s USING (market, year)
JOIN population n USING (market)
ORDER BY r.owners DESC
