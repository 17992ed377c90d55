"""ListenBrainz listen exports: a JSON array of listens, or JSON lines (one listen a line).

Each listen: `listened_at` (epoch seconds, or an ISO time), `user_name` (older exports), and
`track_metadata` with `artist_name`, `track_name`, `release_name` and `additional_info`
(`spotify_id`, `media_player`, `submission_client`, `music_service`, …). The listener is
`--user` if given, else `user_name`, else the export's folder name: always pseudonymised.
track_id is `spotify:track:<id>` when `spotify_id` names one, else derived from the names.
A listen does not say how long it played (`ms_played` NULL) nor where (`--market` required).
"""

from __future__ import annotations

from campaign.ingest.engine import (
    Context,
    Source,
    Stage,
    clean_sql,
    lines_scan,
)
from campaign.ingest.identity import single_user_id
from campaign.ingest.spotify_account import require_market
from campaign.ingest.sql_text import lit
from campaign.schema import track_id_from_names_sql

PATHS = [
    "$.listened_at",
    "$.user_name",
    "$.track_metadata.artist_name",
    "$.track_metadata.track_name",
    "$.track_metadata.release_name",
    "$.track_metadata.additional_info.spotify_id",
    "$.track_metadata.additional_info.media_player",
    "$.track_metadata.additional_info.submission_client",
    "$.track_metadata.additional_info.music_service",
]


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    market = require_market(src, ctx, "a ListenBrainz export")
    csv_rejects = None
    if dialect == "lines":
        scan, csv_rejects = lines_scan(src, ctx)
        base = f"SELECT line, TRY_CAST(line AS JSON) AS _j FROM {scan}"
        skip = "line IS NULL OR trim(line) = ''"
        line_offset: int | None = 0
    else:
        base = (
            f"SELECT CAST(NULL AS VARCHAR) AS line, j AS _j FROM read_json({lit(src.scan_path)}, "
            "format = 'array', records = false, columns = {'j': 'JSON'}, "
            "maximum_object_size = 67108864)"
        )
        skip = "false"
        line_offset = None
    if ctx.user:
        user = lit(single_user_id(src.path, ctx.user, ctx.secret))
    else:
        folder_user = lit(single_user_id(src.path, None, ctx.secret))
        user = f"coalesce(pseudonym(nullif(trim(_v[2]), '')), {folder_user})"
    paths = ", ".join(lit(p) for p in PATHS)
    sql = f"""
    WITH v AS (SELECT *, json_extract_string(_j, [{paths}]) AS _v FROM ({base})),
    t AS (
        SELECT *,
            coalesce(TRY(to_timestamp(TRY_CAST(trim(_v[1]) AS BIGINT))),
                     TRY_CAST(trim(_v[1]) AS TIMESTAMPTZ)) AS _at,
            {clean_sql("_v[3]")} AS _artist,
            {clean_sql("_v[4]")} AS _title,
            nullif(regexp_extract(_v[6], 'track[/:]([A-Za-z0-9]{{22}})', 1), '') AS _sid
        FROM v
    )
    SELECT
        {user} AS user_id,
        _at AS played_at,
        coalesce('spotify:track:' || _sid, {track_id_from_names_sql("_artist", "_title")})
            AS track_id,
        _title AS track_name,
        _artist AS artist_name,
        {clean_sql("_v[5]")} AS album_name,
        {lit(market)} AS market,
        CAST(NULL AS VARCHAR) AS city,
        CAST(NULL AS INTEGER) AS ms_played,
        CAST(NULL AS BOOLEAN) AS skipped,
        coalesce({clean_sql("_v[7]")}, {clean_sql("_v[8]")}, {clean_sql("_v[9]")}) AS platform,
        CASE
            WHEN _j IS NULL THEN 'not valid JSON'
            WHEN json_type(_j) <> 'OBJECT' THEN 'not a JSON object'
            WHEN _v[1] IS NULL THEN 'no listened_at'
            WHEN _at IS NULL THEN 'listened_at is not a time'
            WHEN _title IS NULL OR _artist IS NULL THEN 'no track name or artist'
        END AS _reason,
        coalesce({skip}, false) AS _skip
    FROM t
    """
    return [Stage("listens", sql, csv_rejects=csv_rejects, line_offset=line_offset)]
