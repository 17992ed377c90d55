-- /// pack
-- name = "hook_point"
-- title = "How many plays it took a track to hook its listeners"
-- audience = "cohort"
-- needs = ["listener_track_days", "listener_track_years_plays", "track_names", "market_years"]
-- copy = "hook_point"
--
-- [params]
-- min_streams = 20         # a listener is hooked with this many streams of the track in the year
-- binge_day_streams = 3    # … and the first local day with this many is the day they got hooked
-- min_listeners = 50       # hooked listeners who share the track's most common hook play
-- ///
-- Netflix's "hooked by episode 3", for songs. A listener is hooked on a track with at least
-- `min_streams` streams of it in a calendar year; their hook play is the number of streams of it
-- before their first local day with `binge_day_streams` or more (0: hooked on the first day).
-- Per market, year and track, the most common hook play (the smaller of equals) and how many
-- hooked listeners share it; the baseline is the market's median of hooked listeners per track
-- (over the tracks that hooked anyone). `detail.plays` is the hook play, `detail.hooked` all the
-- track's hooked listeners.
WITH hooked_pairs AS (
    SELECT market, year, track_id, user_id
    FROM listener_track_years_plays
    WHERE plays >= $min_streams
),
cells AS (
    -- only the hooked listeners' days of the track
    SELECT * FROM (
        SELECT market, year(day) AS year, track_id, user_id, day, plays AS n
        FROM listener_track_days
    ) SEMI JOIN hooked_pairs USING (market, year, track_id, user_id)
),
listener_tracks AS (
    -- the streams of the track before each of them
    SELECT market, year, track_id, user_id, day, n,
           coalesce(sum(n) OVER (PARTITION BY market, year, track_id, user_id ORDER BY day
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM cells
),
hooked AS (
    -- one row per hooked listener and track; hook_play is NULL without a binge day
    SELECT market, year, track_id, user_id,
           min(before) FILTER (WHERE n >= $binge_day_streams) AS hook_play
    FROM listener_tracks
    GROUP BY ALL
),
hook_counts AS (
    SELECT market, year, track_id, hook_play, count(*) AS listeners
    FROM hooked
    WHERE hook_play IS NOT NULL
    GROUP BY ALL
),
per_track AS (
    SELECT h.market, h.year, h.track_id, h.hooked,
           m.listeners, m.hook_play
    FROM (SELECT market, year, track_id, count(*) AS hooked FROM hooked GROUP BY ALL) h
    JOIN (
        SELECT market, year, track_id,
               max(listeners) AS listeners,
               arg_max(hook_play, (listeners, -hook_play)) AS hook_play
        FROM hook_counts
        GROUP BY ALL
    ) m USING (market, year, track_id)
),
typical AS (
    SELECT market, year, median(hooked) AS level, count(*) AS tracks
    FROM (SELECT market, year, track_id, count(*) AS hooked FROM hooked GROUP BY ALL)
    GROUP BY ALL
),
facts AS (
    SELECT * FROM per_track WHERE listeners >= $min_listeners
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
    f.listeners AS value,
    t.level AS baseline,
    f.listeners AS cohort_size,
    p.listeners AS population,
    {
        'plays': f.hook_play,
        'hooked': f.hooked,
        'share': round(f.listeners / f.hooked, 3),
        'tracks_hooking': t.tracks
    } AS detail
FROM facts f
JOIN typical t USING (market, year)
JOIN track_names n USING (track_id)
LEFT JOIN market_years p USING (market, year)
ORDER BY f.listeners DESC
