-- /// pack
-- name = "off_season"
-- title = "Listeners who played a seasonal theme far outside its season"
-- audience = "cohort"
-- needs = ["listener_track_days", "track_names"]
-- copy = "off_season"
--
-- [params]
-- theme = "holiday music"  # the subject, as the copy names it
-- title_pattern = '\b(christmas\w*|x-?mas\b|santa(,|!|$| claus\w*| baby\b| tell me\b)|jingle\b|sleigh\w*|mistletoe\b|holly (jolly|and the ivy)\b|reindeer\b|rudolph\b|snow(man|men|flakes?|fall|ing|in)?\b|deck the halls?\b|no[eë]l\b|navidad\b|joulu\w*|kerst\w*|weihnacht\w*)'
-- season_start_month = 11  # the theme's season, first month (it may wrap over New Year)
-- season_end_month = 1     # … and last month
-- min_ratio = 2.0          # listeners that month / the mean of the other off-season months
-- min_excess = 50          # listeners above that mean, at least
-- min_months = 3           # other off-season months with data that set the mean
-- ///
-- Tracks whose title matches `title_pattern` (case-insensitive, whole words: not "Hollywood",
-- "Snowboarding" or "Santa Monica") make the theme. For every market
-- and calendar month outside the season (local days): the distinct listeners who streamed any of
-- the theme's tracks that month, against the mean of the other off-season months of the same
-- year that have data (a month with data but no theme listener is a zero), with their variance
-- for the surprise score.
WITH theme_tracks AS (
    SELECT track_id FROM track_names WHERE regexp_matches(track_name, $title_pattern, 'i')
),
listener_months AS (
    -- one row per market, month and active listener outside the season: did they play the theme?
    SELECT s.market, date_trunc('month', s.day)::DATE AS month, s.user_id,
           bool_or(t.track_id IS NOT NULL) AS themed
    FROM listener_track_days s
    LEFT JOIN theme_tracks t USING (track_id)
    WHERE NOT in_season(month(s.day), $season_start_month, $season_end_month)
    GROUP BY ALL
),
grid AS (
    -- every market-month with data: its active listeners and the theme's (a month without any is 0)
    SELECT market, month, count(*) AS active, count_if(themed) AS listeners
    FROM listener_months
    GROUP BY ALL
),
levels AS (
    -- the other off-season months of the same year: their mean and variance
    SELECT g.*,
           sum(listeners) OVER year_window - listeners AS others_sum,
           sum(listeners * listeners) OVER year_window - listeners * listeners AS others_squares,
           count(*) OVER year_window - 1 AS others
    FROM grid g
    WINDOW year_window AS (PARTITION BY market, year(month))
),
scored AS (
    SELECT *,
           others_sum / others AS level,
           greatest(others_squares / others - (others_sum / others) ^ 2, 0)
               * others / greatest(others - 1, 1) AS level_variance
    FROM levels
    WHERE others >= $min_months
)
SELECT
    market,
    month AS period_start,
    last_day(month) AS period_end,
    NULL::VARCHAR AS event_id,
    'theme' AS subject_kind,
    $theme AS subject_id,
    $theme AS subject_name,
    NULL::VARCHAR AS artist_name,
    'listeners' AS measure,
    listeners AS value,
    round(level, 2) AS baseline,
    listeners AS cohort_size,
    active AS population,
    {
        'level_variance': round(level_variance, 2),
        'baseline_months': others,
        'season_start_month': $season_start_month,
        'season_end_month': $season_end_month
    } AS detail
FROM scored
WHERE listeners >= $min_ratio * level
  AND listeners - level >= $min_excess
ORDER BY listeners / greatest(level, 1) DESC
