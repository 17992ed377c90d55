-- /// pack
-- name = "event_spike"
-- title = "A track or an artist streamed far above its usual level on a market's day"
-- audience = "cohort"
-- needs = ["daily_streams", "chart_floors", "market_days", "event_days"]
-- copy = "event_spike"
--
-- [params]
-- min_ratio = 2.0            # observed / expected; for charts a lower bound (see below)
-- min_excess = 50            # observed − expected, at least this many listeners (streams for charts)
-- baseline_weeks = 4         # daily data: the days in the weeks before set the expected level
-- baseline_snapshots = 8     # weekly snapshots: the snapshots before set the expected level
-- min_baseline_days = 4      # fewer days of data before the day: no baseline, no fact
-- min_history_days = 7       # complete data: a track first heard fewer days before has no level
-- settled_days = 7           # the market's data must start this long before a shape-judged debut
-- release_window_days = 3    # a debut this many days after the catalogue's release date is a release
-- stay_days = 7              # the days after a debut that tell a release's shape
-- release_peak_share = 0.8   # a release's first day is at least this share of its next days' peak
-- artist_min_tracks = 2      # this many tracks of one artist rising together make an artist moment
-- artist_track_ratio = 2.0   # how far above its level a track must be to count as rising
-- ///
-- One ranking of every spike-like fact of a market-day, whatever its novelty (detail.novelty):
-- `spike` (a track listed the chart day before), `re-entry` (a track coming back from below the
-- chart floor, or first seen here but not shaped like a release) and `release` (a track that did
-- not exist before: the catalogue's release date where `tracks` has one, else a debut that enters
-- at its peak (a returning classic climbs from the floor; a catalogue revived by news that broke
-- during the day peaks the day after) and is either one of several debuts of its artist that day,
-- outnumbering the artist's known tracks listed, or, once the data has settled, stays listed). Complete listener data: a day without a row is a zero. Charts list only their top N:
-- an absent day had at most that day's floor (`chart_floors`), so filling it with the floor gives
-- an upper bound on the level and the ratio stated is a lower bound (detail.ratio_lower,
-- detail.censored_days). Weekly snapshots take their level from the snapshots before, without the
-- weekday factor. When several tracks of one artist rise together, an artist-level fact (combined
-- streams against the combined baseline, the tracks in detail.tracks) joins the ranking; with no
-- release behind it, it and its tracks are marked `revival` for review. A spike matched by the
-- disappearance of a sibling version of the same title (remix, feat., edit) is a chart artefact
-- (detail.artefact says why) and the privacy gate withholds it.
WITH listed AS (
    SELECT day, market, track_id, track_name, artist_name,
           coalesce(listeners, streams) AS n, listeners IS NULL AS charted,
           lower(trim(artist_name)) AS artist_key, lower(trim(track_name)) AS name_key
    FROM daily_streams
),
reissues AS (
    -- charts: one title of one artist listed under several track ids (the album version
    -- replacing the single, a regional id) is one track, so its history carries over to the new
    -- id; listener counts of two ids cannot be added (one listener may play both), so complete
    -- data keeps its ids
    SELECT track_id, artist_key, name_key,
           first_value(track_id) OVER (PARTITION BY artist_key, name_key
                                       ORDER BY total DESC, track_id) AS song_id
    FROM (SELECT track_id, artist_key, name_key, sum(n) AS total
          FROM listed WHERE charted GROUP BY ALL)
),
counts AS (
    SELECT l.day, l.market, coalesce(r.song_id, l.track_id) AS track_id,
           arg_max(l.track_name, l.n) AS track_name, arg_max(l.artist_name, l.n) AS artist_name,
           CAST(sum(l.n) AS BIGINT) AS n,
           CASE WHEN bool_and(l.charted) THEN 'streams' ELSE 'listeners' END AS measure,
           arg_max(l.artist_key, l.n) AS artist_key
    FROM listed l
    LEFT JOIN reissues r ON l.charted AND r.track_id = l.track_id
                        AND r.artist_key = l.artist_key AND r.name_key = l.name_key
    GROUP BY l.day, l.market, coalesce(r.song_id, l.track_id)
),
market_series AS (
    SELECT c.day, c.market, sum(c.n) AS total, any_value(f.floor_streams) AS floor,
           coalesce(any_value(f.cadence), 'daily') AS cadence
    FROM counts c LEFT JOIN chart_floors f USING (day, market)
    GROUP BY c.day, c.market
),
market_windows AS (
    -- per market-day: how busy this weekday is, how many days of data (and what floors) the
    -- baseline window holds, and how many days of data follow (to judge a debut's shape)
    SELECT day, market, floor, cadence,
           row_number() OVER (PARTITION BY market ORDER BY day) AS k,
           min(day) OVER (PARTITION BY market) AS first_data_day,
           CASE WHEN cadence = 'weekly' THEN 1.0
                ELSE avg(total) OVER same_weekday / avg(total) OVER daily END AS factor,
           CASE WHEN cadence = 'weekly' THEN count(*) OVER weekly
                ELSE count(*) OVER daily END AS window_days,
           CASE WHEN cadence = 'weekly' THEN sum(floor) OVER weekly
                ELSE sum(floor) OVER daily END AS window_floor_sum,
           CASE WHEN cadence = 'weekly' THEN sum(floor * floor) OVER weekly
                ELSE sum(floor * floor) OVER daily END AS window_floor_squares,
           CASE WHEN cadence = 'weekly' THEN avg(floor) OVER weekly
                ELSE avg(floor) OVER daily END AS baseline_floor,
           count(*) OVER ahead AS days_ahead
    FROM market_series
    WINDOW
        daily AS (PARTITION BY market ORDER BY day
                  RANGE BETWEEN INTERVAL ($baseline_weeks * 7) DAY PRECEDING
                            AND INTERVAL 1 DAY PRECEDING),
        weekly AS (PARTITION BY market ORDER BY day
                   ROWS BETWEEN $baseline_snapshots PRECEDING AND 1 PRECEDING),
        same_weekday AS (PARTITION BY market, dayofweek(day) ORDER BY day
                         RANGE BETWEEN INTERVAL ($baseline_weeks * 7) DAY PRECEDING
                                   AND INTERVAL 1 DAY PRECEDING),
        ahead AS (PARTITION BY market ORDER BY day
                  ROWS BETWEEN 1 FOLLOWING AND $stay_days FOLLOWING)
),
positioned AS (
    -- one baseline frame for both cadences: a daily chart's days and a weekly one's snapshots
    -- on one integer scale (days × snapshots, snapshots × days), so a frame of
    -- `baseline_weeks` weeks of days is also one of `baseline_snapshots` snapshots, and the
    -- window sums are computed once, not once per cadence; the names stay in `counts` (joined
    -- back for the few rising rows), so the rows sorted and kept here are narrow
    SELECT c.day, c.market, c.track_id, c.n, c.measure, c.artist_key, w.k, w.floor,
           CASE WHEN w.cadence = 'weekly' THEN w.k * ($baseline_weeks * 7)
                ELSE (c.day - DATE '1970-01-01') * $baseline_snapshots END AS position
    FROM counts c JOIN market_windows w USING (day, market)
),
tracked AS (
    -- the one sort of the track rows: each track's history in its market, in time order; the
    -- market-day's own figures (one row per market-day) join after the sort, not through it
    SELECT t.*, w.factor, w.window_days, w.window_floor_sum, w.window_floor_squares,
           w.baseline_floor, w.days_ahead, w.first_data_day
    FROM (
        SELECT *,
               min(day) OVER whole_track AS first_listed,
               sum(n) OVER baseline AS listed_sum,
               sum(n * n) OVER baseline AS listed_squares,
               count(*) OVER baseline AS listed_days,
               sum(floor) OVER baseline AS listed_floor_sum,
               sum(floor * floor) OVER baseline AS listed_floor_squares,
               lag(k) OVER (PARTITION BY market, track_id ORDER BY position) AS previous_k
        FROM positioned
        WINDOW
            baseline AS (PARTITION BY market, track_id ORDER BY position
                         RANGE BETWEEN $baseline_weeks * 7 * $baseline_snapshots PRECEDING
                                   AND least($baseline_snapshots, $baseline_weeks * 7) PRECEDING),
            whole_track AS (PARTITION BY market, track_id ORDER BY position
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ) t
    JOIN market_windows w USING (day, market)
),
debuts AS (
    -- each track's first day in its market: only a debut can be a release
    SELECT market, track_id, day, k, n, artist_key, days_ahead, first_data_day
    FROM tracked WHERE day = first_listed
),
ahead AS (
    -- a debut's next days of market data (to judge its shape): a join with the debuts, not a
    -- second sort of every row
    SELECT d.market, d.track_id, count(*) AS listed_ahead, max(t.n) AS peak_ahead
    FROM debuts d
    JOIN tracked t ON t.market = d.market AND t.track_id = d.track_id
                  AND t.k BETWEEN d.k + 1 AND d.k + $stay_days
    GROUP BY ALL
),
artist_days AS (
    -- per market-day and artist: how many of its tracks debut, how many were listed before
    SELECT market, day, artist_key,
           count(*) FILTER (WHERE day = first_listed) AS artist_debuts,
           count(*) FILTER (WHERE day > first_listed) AS artist_known
    FROM tracked GROUP BY ALL
),
catalogue AS (
    SELECT coalesce(r.song_id, t.track_id) AS track_id, min(t.release_date) AS release_date
    FROM tracks t LEFT JOIN (SELECT DISTINCT track_id, song_id FROM reissues) r USING (track_id)
    GROUP BY ALL
),
released AS (
    SELECT d.market, d.track_id
    FROM debuts d
    LEFT JOIN catalogue r USING (track_id)
    LEFT JOIN ahead x USING (market, track_id)
    JOIN (SELECT track_id, min(day) AS first_anywhere FROM debuts GROUP BY track_id)
        USING (track_id)
    JOIN artist_days a ON a.market = d.market AND a.day = d.day
                      AND a.artist_key IS NOT DISTINCT FROM d.artist_key
    WHERE CASE
              WHEN r.release_date IS NOT NULL
                  THEN d.day - r.release_date BETWEEN 0 AND $release_window_days
              -- a release enters at its peak; a classic coming back, or a catalogue revived by
              -- news breaking during the day, climbs to a bigger day after its first; a track
              -- another market charted before the release window is no new release here
              ELSE d.day - first_anywhere <= $release_window_days
                   AND d.n >= $release_peak_share * coalesce(x.peak_ahead, 0)
                   -- an album: mostly new tracks, where a revival brings back known ones
                   AND ((a.artist_debuts >= 2 AND a.artist_debuts > a.artist_known)
                        OR (d.day >= d.first_data_day + INTERVAL ($settled_days) DAY
                            AND coalesce(x.listed_ahead, 0) * 2 >= d.days_ahead))
          END
),
runs AS (
    -- charts: an absent day counts at its floor (an upper bound); complete data: as a zero.
    -- The first days of a release belong to it: its second day is no spike of a known track
    -- (a join with the few releases, not a window that sorts every row)
    SELECT h.*,
           r.track_id IS NOT NULL AND h.day = h.first_listed AS is_release,
           r.track_id IS NOT NULL AND h.day - h.first_listed <= $release_window_days
               AS release_run,
           h.window_days - coalesce(h.listed_days, 0) AS absent_days,
           coalesce(h.listed_sum, 0) + CASE WHEN h.floor IS NULL THEN 0
               ELSE coalesce(h.window_floor_sum, 0) - coalesce(h.listed_floor_sum, 0) END
               AS filled_sum,
           coalesce(h.listed_squares, 0) + CASE WHEN h.floor IS NULL THEN 0
               ELSE coalesce(h.window_floor_squares, 0) - coalesce(h.listed_floor_squares, 0) END
               AS filled_squares
    FROM tracked h LEFT JOIN released r USING (market, track_id)
),
debut_levels AS (
    -- complete data: a release is compared with the market's typical first day of a new track
    SELECT market, median(n) AS typical, count_variance(n) AS spread
    FROM runs WHERE is_release AND floor IS NULL GROUP BY market
),
rated AS (
    SELECT c.*,
           CASE WHEN c.is_release OR c.release_run THEN 'release'
                WHEN c.previous_k = c.k - 1 THEN 'spike'
                WHEN c.floor IS NOT NULL THEN 're-entry'
                ELSE 'spike' END AS novelty,
           c.filled_sum / c.window_days AS level,
           CASE WHEN c.is_release AND c.floor IS NULL THEN coalesce(p.spread, 0)
                ELSE greatest(c.filled_squares / c.window_days
                              - (c.filled_sum / c.window_days) ^ 2, 0)
                     * c.window_days / greatest(c.window_days - 1, 1) END AS level_variance,
           greatest(CASE WHEN c.is_release AND c.floor IS NULL THEN p.typical
                         ELSE c.filled_sum / c.window_days * coalesce(c.factor, 1.0) END,
                    0.5) AS expected
    FROM runs c LEFT JOIN debut_levels p USING (market)
    -- complete data: a track needs a history of its own unless it is a release
    WHERE c.window_days >= $min_baseline_days
      AND (c.floor IS NOT NULL OR c.is_release
           OR (c.listed_days > 0 AND c.day - c.first_listed >= $min_history_days))
),
rising AS (
    SELECT r.*, n.track_name, n.artist_name, t.release_date
    FROM rated r
    JOIN counts n USING (day, market, track_id)
    LEFT JOIN catalogue t USING (track_id)
    WHERE r.n >= least($min_ratio, $artist_track_ratio) * r.expected
      AND r.n - r.expected >= $min_excess
),
versions AS (
    -- the versions of one title by one artist: the title without its (feat. …), [remix], - edit;
    -- only the artists of a rising track can have a sibling, so only their titles are parsed
    SELECT DISTINCT market, track_id, track_name, artist_key,
           lower(trim(regexp_replace(track_name,
                 '(\s*[\(\[]|\s+-\s+|\s+(feat|ft|featuring)\.?\s).*$', '', 'i'))) AS title_key
    FROM counts
    SEMI JOIN (SELECT DISTINCT market, artist_key FROM rising) r
        ON r.market = counts.market AND r.artist_key IS NOT DISTINCT FROM counts.artist_key
),
sibling_drops AS (
    -- a sibling version listed in the week before, absent this day, whose streams would explain
    -- the jump: the chart booked one version's streams on another
    SELECT r.market, r.day, r.track_id,
           arg_max(o.track_name, o.n) AS sibling, round(avg(o.n)) AS sibling_level
    FROM rising r
    JOIN versions v USING (market, track_id)
    JOIN versions s ON s.market = v.market AND s.artist_key = v.artist_key
                   AND s.title_key = v.title_key AND s.track_id <> v.track_id
    JOIN counts o ON o.market = s.market AND o.track_id = s.track_id
                 AND o.day BETWEEN r.day - 7 AND r.day - 1
    WHERE NOT EXISTS (SELECT 1 FROM counts t
                      WHERE t.market = s.market AND t.track_id = s.track_id AND t.day = r.day)
    GROUP BY r.market, r.day, r.track_id, s.track_id, r.n, r.expected
    HAVING avg(o.n) * 2 >= r.n - r.expected
),
checked AS (
    SELECT r.*,
           CASE WHEN a.sibling IS NOT NULL THEN format(
               'chart artefact: {} by {} (about {:,} a day the week before) is missing from the '
               || 'chart this day, and this version took its streams', a.sibling, r.artist_name,
               CAST(a.sibling_level AS BIGINT)) END AS artefact
    FROM rising r
    LEFT JOIN (SELECT market, day, track_id, arg_max(sibling, sibling_level) AS sibling,
                      max(sibling_level) AS sibling_level
               FROM sibling_drops GROUP BY ALL) a USING (market, day, track_id)
),
artist_releases AS (
    SELECT DISTINCT market, artist_key, day FROM rated WHERE novelty = 'release'
),
artists AS (
    -- several tracks of one artist rising together on a chart day: one artist-level fact
    SELECT c.market, c.day, c.artist_key, arg_max(c.artist_name, c.n) AS artist_name,
           any_value(c.measure) AS measure, sum(c.n) AS n, exact_sum(c.expected) AS expected,
           exact_sum(c.level_variance * coalesce(c.factor, 1.0) ^ 2) AS variance,
           exact_sum(c.filled_sum / c.window_days) AS level,
           any_value(c.floor) AS floor, any_value(c.baseline_floor) AS baseline_floor,
           any_value(c.factor) AS factor, sum(c.absent_days) AS absent_days,
           max(c.window_days) AS window_days, count(*) AS tracks,
           count(*) FILTER (WHERE c.novelty = 'release') AS releases,
           count(*) FILTER (WHERE c.novelty = 're-entry') AS reentries,
           list({'track': c.track_name, 'value': c.n, 'baseline': round(c.expected, 2),
                 'novelty': c.novelty} ORDER BY c.n DESC) AS evidence
    FROM checked c
    WHERE c.artefact IS NULL AND c.measure = 'streams'
      AND c.n >= $artist_track_ratio * c.expected
    GROUP BY c.market, c.day, c.artist_key
    HAVING count(*) >= $artist_min_tracks
),
fresh AS (
    SELECT a.*,
           NOT EXISTS (SELECT 1 FROM artist_releases x
                       WHERE x.market = a.market AND x.artist_key = a.artist_key
                         AND x.day BETWEEN a.day - $release_window_days AND a.day) AS fresh_revival
    FROM artists a
),
moments AS (
    -- a revival goes on for a few days, as deeper cuts of the catalogue surface for the first
    -- time (and so look like an album): it is still the revival of the days before
    SELECT f.*,
           f.fresh_revival OR EXISTS (
               SELECT 1 FROM fresh p
               WHERE p.market = f.market AND p.artist_key = f.artist_key AND p.fresh_revival
                 AND p.day BETWEEN f.day - $release_window_days AND f.day - 1) AS revival
    FROM fresh f
),
facts AS (
    SELECT c.market, c.day, 'track' AS subject_kind, c.track_id AS subject_id,
           c.track_name AS subject_name, c.artist_name, c.measure, c.n, c.expected, c.level,
           c.level_variance, c.factor, c.floor, c.baseline_floor, c.absent_days, c.window_days,
           c.novelty, c.artefact, c.release_date,
           CASE WHEN m.artist_key IS NOT NULL THEN 'artist:' || m.artist_key END AS cluster,
           coalesce(m.revival, false) AS revival,
           NULL::STRUCT(track VARCHAR, value BIGINT, baseline DOUBLE, novelty VARCHAR)[]
               AS evidence
    FROM checked c
    LEFT JOIN moments m USING (market, day, artist_key)
    WHERE c.n >= $min_ratio * c.expected
    UNION ALL
    SELECT market, day, 'artist', 'artist:' || artist_key, artist_name, artist_name, measure,
           n, expected, level, variance / coalesce(factor, 1.0) ^ 2, factor, floor,
           baseline_floor, absent_days, window_days,
           CASE WHEN revival THEN 're-entry'
                WHEN releases * 2 >= tracks THEN 'release'
                WHEN reentries * 2 >= tracks THEN 're-entry' ELSE 'spike' END,
           NULL, NULL, 'artist:' || artist_key, revival, evidence
    FROM moments
    WHERE n >= $min_ratio * expected AND n - expected >= $min_excess
)
SELECT
    f.market,
    f.day AS period_start,
    f.day AS period_end,
    e.event_id,
    f.subject_kind,
    f.subject_id,
    f.subject_name,
    f.artist_name,
    f.measure,
    f.n AS value,
    round(f.expected, 2) AS baseline,
    CASE WHEN f.measure = 'listeners' THEN f.n END AS cohort_size,
    m.listeners AS population,
    {
        'novelty': f.novelty,
        'ratio_lower': round(f.n / f.expected, 3),
        'level': round(f.level, 2),
        'level_variance': round(f.level_variance, 2),
        'weekday_factor': round(coalesce(f.factor, 1.0), 4),
        'baseline_days': f.window_days,
        'censored_days': CASE WHEN f.floor IS NOT NULL THEN f.absent_days ELSE 0 END,
        'floor': f.floor,
        'baseline_floor': round(f.baseline_floor, 2),
        'censoring': CASE
            WHEN f.floor IS NULL
                THEN 'complete data: a day without plays counts as zero'
            WHEN f.absent_days = 0
                THEN format('listed on all {} baseline days: no day below the chart floor',
                            f.window_days)
            WHEN f.evidence IS NOT NULL
                -- an artist moment: the days of each of its tracks
                THEN format('{} of the {} baseline days of its {} tracks ({} days each) below '
                            || 'the chart floor, counted at the floor: the baseline is an upper '
                            || 'bound, the ratio a lower bound', f.absent_days,
                            f.window_days * len(f.evidence), len(f.evidence), f.window_days)
            ELSE format('{} of {} baseline days below the chart floor, counted at the floor: '
                        || 'the baseline is an upper bound, the ratio a lower bound',
                        f.absent_days, f.window_days) END,
        'release_date': strftime(f.release_date, '%Y-%m-%d'),
        'artefact': f.artefact,
        'cluster': f.cluster,
        'revival': f.revival,
        'tracks': f.evidence
    } AS detail
FROM facts f
LEFT JOIN market_days m USING (day, market)
LEFT JOIN event_days e USING (day, market)
WHERE f.n - f.expected >= $min_excess
ORDER BY f.n / f.expected DESC
