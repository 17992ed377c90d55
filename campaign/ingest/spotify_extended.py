"""Spotify's extended streaming history: `Streaming_History_Audio_*.json`, `endsong_*.json`.

A JSON array of plays. `ts` is when the play *ended* (UTC), so `played_at = ts - ms_played`.
Podcast episodes and audiobook chapters carry no track URI: they are counted as rejected with the
reason "podcast episode" / "audiobook", never dropped silently. Owners' own CSV conversions with the
same field names are read the same way. Fields not listed here (ip_addr, username, user_agent …)
are never read.
"""

from __future__ import annotations

from campaign.ingest.engine import (
    Context,
    Source,
    Stage,
    clean_sql,
    csv_scan,
    header_columns,
    json_array_scan,
    market_sql,
    pick,
    start_sql,
)
from campaign.ingest.identity import single_user_id
from campaign.ingest.sql_text import lit
from campaign.schema import track_id_from_names_sql

FIELDS = [
    "ts",
    "platform",
    "ms_played",
    "conn_country",
    "master_metadata_track_name",
    "master_metadata_album_artist_name",
    "master_metadata_album_album_name",
    "spotify_track_uri",
    "episode_name",
    "spotify_episode_uri",
    "audiobook_title",
    "audiobook_uri",
    "audiobook_chapter_uri",
    "skipped",
]


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    user_id = single_user_id(src.path, ctx.user, ctx.secret)
    csv_rejects = None
    line_offset = None
    if dialect == "csv":
        cols = header_columns(src.sniff.header)
        scan, csv_rejects = csv_scan(
            src, ctx, len(src.sniff.header), header=True, delim=src.sniff.delimiter
        )
        picks = ", ".join(f"{pick(cols, f)} AS {f}" for f in FIELDS)
        raw = f"SELECT {picks} FROM {scan}"
        line_offset = 1
    else:
        raw = f"SELECT * FROM {json_array_scan(src, FIELDS)}"
    fallback = lit(ctx.market)
    artist = clean_sql("master_metadata_album_artist_name")
    title = clean_sql("master_metadata_track_name")
    sql = f"""
    WITH raw AS ({raw}),
    t AS (
        SELECT *,
            TRY_CAST(ts AS TIMESTAMPTZ) AS _end,
            TRY_CAST(ms_played AS BIGINT) AS _ms,
            {clean_sql("spotify_track_uri")} AS _uri,
            {artist} AS _artist,
            {title} AS _title,
            coalesce({market_sql("conn_country")}, {fallback}) AS _market
        FROM raw
    )
    SELECT
        {lit(user_id)} AS user_id,
        {start_sql("_end", "_ms")} AS played_at,
        coalesce(_uri, {track_id_from_names_sql("_artist", "_title")}) AS track_id,
        _title AS track_name,
        _artist AS artist_name,
        {clean_sql("master_metadata_album_album_name")} AS album_name,
        _market AS market,
        CAST(NULL AS VARCHAR) AS city,
        CAST(_ms AS INTEGER) AS ms_played,
        TRY_CAST(skipped AS BOOLEAN) AS skipped,
        {clean_sql("platform")} AS platform,
        CASE
            WHEN _uri IS NULL AND (episode_name IS NOT NULL OR spotify_episode_uri IS NOT NULL)
                THEN 'podcast episode'
            WHEN _uri IS NULL AND (audiobook_title IS NOT NULL OR audiobook_uri IS NOT NULL
                OR audiobook_chapter_uri IS NOT NULL) THEN 'audiobook'
            WHEN ts IS NULL THEN 'no ts'
            WHEN _end IS NULL THEN 'ts is not a timestamp'
            WHEN ms_played IS NOT NULL AND _ms IS NULL THEN 'ms_played is not a number'
            WHEN _ms < 0 OR _ms > 2147483647 THEN 'ms_played out of range'
            WHEN _title IS NULL OR _artist IS NULL THEN 'no track name or artist'
            WHEN _market IS NULL THEN 'no conn_country (pass --market)'
        END AS _reason,
        false AS _skip
    FROM t
    """
    return [Stage("listens", sql, csv_rejects=csv_rejects, line_offset=line_offset)]
