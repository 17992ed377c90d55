-- /// pack
-- name = "release_day"
-- title = "A new track's first day drew far more listeners than new tracks usually do"
-- audience = "cohort"
-- needs = ["daily_streams", "market_days", "event_days"]
-- copy = "release_day"
--
-- [params]
-- min_listeners = 50        # on its first day (streams for charts)
-- min_ratio = 3.0           # first day / the market's typical first day of a new track
-- settled_days = 28         # the market's data must start this long before, so "new" is new
-- ///
-- The release counterpart of event_spike: a track with no history cannot spike, but its first day
-- can be remarkable. A track's first day is the first day it has a row in the market; it counts as
-- new only if the market's data began `settled_days` earlier. The baseline is the median first day
-- of all new tracks in the market, its spread the variance of those first days. For charts, the
-- first day is a chart debut.
WITH counts AS (
    SELECT day, market, track_id,
           coalesce(listeners, streams) AS n,
           CASE WHEN listeners IS NULL THEN 'streams' ELSE 'listeners' END AS measure
    FROM daily_streams
),
market_start AS (
    SELECT market, min(day) AS first_data_day FROM counts GROUP BY market
),
debuts AS (
    SELECT c.market, c.track_id, arg_min(c.day, c.day) AS day, arg_min(c.n, c.day) AS n,
           any_value(c.measure) AS measure
    FROM counts c
    GROUP BY c.market, c.track_id
),
new_tracks AS (
    SELECT d.*
    FROM debuts d JOIN market_start s USING (market)
    WHERE d.day >= s.first_data_day + INTERVAL ($settled_days) DAY
),
typical AS (
    SELECT market, median(n) AS typical, var_samp(n) AS spread FROM new_tracks GROUP BY market
)
SELECT
    t.market,
    t.day AS period_start,
    t.day AS period_end,
    e.event_id,
    'track' AS subject_kind,
    t.track_id AS subject_id,
    d.track_name AS subject_name,
    d.artist_name,
    t.measure,
    t.n AS value,
    round(greatest(p.typical, 0.5), 2) AS baseline,
    CASE WHEN t.measure = 'listeners' THEN t.n END AS cohort_size,
    m.listeners AS population,
    {'level_variance': round(coalesce(p.spread, 0), 2), 'novelty': 'release'} AS detail
FROM new_tracks t
JOIN typical p USING (market)
JOIN daily_streams d USING (day, market, track_id)
LEFT JOIN market_days m USING (day, market)
LEFT JOIN event_days e USING (day, market)
WHERE t.n >= $min_listeners
  AND t.n >= $min_ratio * greatest(p.typical, 0.5)
ORDER BY t.n / greatest(p.typical, 0.5) DESC
