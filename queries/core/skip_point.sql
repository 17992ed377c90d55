-- /// pack
-- name = "skip_point"
-- title = "The second of a song where its listeners skip"
-- audience = "cohort"
-- needs = ["listens", "market_tz", "track_names", "market_years"]
-- copy = "skip_point"
--
-- [params]
-- bucket_seconds = 5       # width of a skip window
-- min_second = 30          # skips before this are passing over a track, not a skip point
-- min_skippers = 50        # listeners who skipped in the window
-- min_ratio = 3.0          # those listeners / the track's skips spread evenly over its windows
-- ///
-- For every market, calendar year (local) and track: the skipped plays, placed in windows of
-- `bucket_seconds` by how far they played, from `min_second` on (skips in the first seconds are
-- listeners passing over a track they did not choose: that is everywhere, not a story). A
-- window's value is the distinct listeners who skipped there. The track's busiest window is its
-- skip point; the baseline is the track's skips spread evenly over its windows, from
-- `min_second` to its last skipped window, and the variance of the other windows feeds the
-- surprise score. `detail.second` is where the window starts. The population is the market-year's
-- active listeners (`market_years`), counted as every other pack counts them: a listener whose
-- plays were all shorter than the privacy `min_ms_played` is not among them.
WITH skips AS (
    SELECT l.market, year(timezone(tz.tz, l.played_at)) AS year, l.track_id, l.user_id,
           l.ms_played // ($bucket_seconds * 1000) * $bucket_seconds AS second
    FROM listens l
    JOIN market_tz tz USING (market)
    WHERE l.skipped AND l.ms_played >= $min_second * 1000
),
windows AS (
    SELECT market, year, track_id, second, count(DISTINCT user_id) AS listeners
    FROM skips
    GROUP BY ALL
),
per_track AS (
    SELECT market, year, track_id,
           sum(listeners) AS skips,
           sum(listeners * listeners) AS squares,
           max(second) AS last_second,
           max(listeners) AS peak,
           arg_max(second, (listeners, -second)) AS peak_second
    FROM windows
    GROUP BY ALL
),
spread AS (
    SELECT *,
           CAST((last_second - ceil($min_second / $bucket_seconds) * $bucket_seconds)
                // $bucket_seconds AS INTEGER) + 1 AS n_windows
    FROM per_track
    WHERE peak >= $min_skippers
),
scored AS (
    -- the evenly spread level, and the variance of the other windows (empty ones are zeros)
    SELECT *,
           skips / n_windows AS level,
           CASE WHEN n_windows > 2 THEN
               greatest((squares - peak * peak) / (n_windows - 1)
                        - ((skips - peak) / (n_windows - 1)) ^ 2, 0)
                   * (n_windows - 1) / (n_windows - 2)
           END AS level_variance
    FROM spread
),
facts AS (
    SELECT * FROM scored WHERE peak >= $min_ratio * level
)
SELECT
    f.market,
    make_date(f.year, 1, 1) AS period_start,
    make_date(f.year, 12, 31) AS period_end,
    NULL::VARCHAR AS event_id,
    'track' AS subject_kind,
    f.track_id AS subject_id,
    n.track_name AS subject_name,
    n.artist_name,
    'listeners' AS measure,
    f.peak AS value,
    round(f.level, 2) AS baseline,
    f.peak AS cohort_size,
    p.listeners AS population,
    {
        'second': f.peak_second,
        'bucket_seconds': $bucket_seconds,
        'skips': f.skips,
        'windows': f.n_windows,
        'level_variance': round(f.level_variance, 2)
    } AS detail
FROM facts f
JOIN track_names n USING (track_id)
LEFT JOIN market_years p USING (market, year)
ORDER BY f.peak / f.level DESC
