"""Spotify's "Account data" export: `StreamingHistory*.json` (and `Playlist*.json`).

History: a JSON array of `{endTime: "YYYY-MM-DD HH:MM", artistName, trackName, msPlayed}`.
`endTime` is when the play ended; Spotify documents it as UTC (so does realdata's SOURCE.md),
some owners report local time: it is read in `--tz` when given, else as UTC, and the report says
which. `played_at = endTime - msPlayed`. No track URI: the id is derived from artist and title.
The export says nothing about the market, so `--market` is required. Local files ("Unknown Artist
/ Unknown Track") are rejected with that reason.

Playlists: `{"playlists": [{name, lastModifiedDate, items: [{track, episode, localTrack,
addedDate}]}]}` → `playlists` (created_at = the earliest addedDate, the export has no creation
date) and `playlist_tracks`; episodes and local files in a playlist are rejected with the reason.
"""

from __future__ import annotations

from campaign.errors import InputError
from campaign.ingest.engine import (
    Context,
    Source,
    Stage,
    clean_sql,
    json_array_scan,
    start_sql,
)
from campaign.ingest.identity import single_user_id
from campaign.ingest.sql_text import lit
from campaign.schema import track_id_from_names_sql

FIELDS = ["endTime", "artistName", "trackName", "msPlayed"]


def require_market(src: Source, ctx: Context, what: str) -> str:
    if ctx.market is None:
        raise InputError(f"{what} does not say which market it is from; pass --market", src.path)
    return ctx.market


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    if dialect == "playlists":
        return playlist_stages(src, ctx)
    market = require_market(src, ctx, "a Spotify account-data export")
    tz = ctx.tz or "UTC"
    ctx.notes.append(
        f"endTime read as {tz}" + ("" if ctx.tz else " (as Spotify documents; --tz changes it)")
    )
    user_id = single_user_id(src.path, ctx.user, ctx.secret)
    artist = clean_sql('"artistName"')
    title = clean_sql('"trackName"')
    sql = f"""
    WITH t AS (
        SELECT *,
            timezone({lit(tz)}, coalesce(
                TRY_STRPTIME(trim("endTime"), '%Y-%m-%d %H:%M'),
                TRY_CAST(trim("endTime") AS TIMESTAMP))) AS _end,
            TRY_CAST(trim("msPlayed") AS BIGINT) AS _ms,
            {artist} AS _artist,
            {title} AS _title
        FROM {json_array_scan(src, FIELDS)}
    )
    SELECT
        {lit(user_id)} AS user_id,
        {start_sql("_end", "_ms")} AS played_at,
        {track_id_from_names_sql("_artist", "_title")} AS track_id,
        _title AS track_name,
        _artist AS artist_name,
        CAST(NULL AS VARCHAR) AS album_name,
        {lit(market)} AS market,
        CAST(NULL AS VARCHAR) AS city,
        CAST(_ms AS INTEGER) AS ms_played,
        CAST(NULL AS BOOLEAN) AS skipped,
        CAST(NULL AS VARCHAR) AS platform,
        CASE
            WHEN "endTime" IS NULL THEN 'no endTime'
            WHEN _end IS NULL THEN 'endTime is not a time'
            WHEN "msPlayed" IS NOT NULL AND _ms IS NULL THEN 'msPlayed is not a number'
            WHEN _ms < 0 OR _ms > 2147483647 THEN 'msPlayed out of range'
            WHEN _title IS NULL OR _artist IS NULL THEN 'no track name or artist'
            WHEN _artist = 'Unknown Artist' AND _title = 'Unknown Track'
                THEN 'local file (Unknown Artist / Unknown Track)'
        END AS _reason,
        false AS _skip
    FROM t
    """
    return [Stage("listens", sql)]


def playlist_stages(src: Source, ctx: Context) -> list[Stage]:
    user_id = single_user_id(src.path, ctx.user, ctx.secret)
    scan = (
        f"read_json({lit(src.scan_path)}, columns = {{'playlists': 'JSON'}}, "
        "maximum_object_size = 268435456)"
    )
    pl_id = f"'pl:' || substr(sha256({lit(user_id)} || chr(31) || coalesce(_name, '')), 1, 16)"
    playlists = f"""
        WITH p AS (SELECT unnest(json_extract(playlists, '$[*]')) AS pl FROM {scan}),
        n AS (
            SELECT pl, {clean_sql("json_extract_string(pl, '$.name')")} AS _name,
                (SELECT min(TRY_CAST(json_extract_string(i, '$.addedDate') AS TIMESTAMPTZ))
                 FROM (SELECT unnest(json_extract(pl, '$.items[*]')) AS i)) AS _created
            FROM p
        )
    """
    playlist_sql = f"""
        {playlists}
        SELECT {pl_id} AS playlist_id, {lit(user_id)} AS user_id, _name AS name,
            _created AS created_at,
            CASE WHEN _name IS NULL THEN 'playlist without a name' END AS _reason,
            false AS _skip
        FROM n
    """
    uri = "json_extract_string(it, '$.track.trackUri')"
    artist = clean_sql("json_extract_string(it, '$.track.artistName')")
    title = clean_sql("json_extract_string(it, '$.track.trackName')")
    items_sql = f"""
        {playlists},
        i AS (SELECT _name, unnest(json_extract(pl, '$.items[*]')) AS it FROM n)
        SELECT {pl_id} AS playlist_id,
            coalesce({clean_sql(uri)}, {track_id_from_names_sql(artist, title)}) AS track_id,
            TRY_CAST(json_extract_string(it, '$.addedDate') AS TIMESTAMPTZ) AS added_at,
            CASE
                WHEN json_type(it, '$.episode') = 'OBJECT' THEN 'podcast episode'
                WHEN json_type(it, '$.audiobook') = 'OBJECT' THEN 'audiobook'
                WHEN json_type(it, '$.localTrack') = 'OBJECT' THEN 'local file'
                WHEN _name IS NULL THEN 'playlist without a name'
                WHEN {clean_sql(uri)} IS NULL AND ({artist} IS NULL OR {title} IS NULL)
                    THEN 'no track'
            END AS _reason,
            false AS _skip
        FROM i
    """
    return [
        Stage("playlists", playlist_sql, dedup=("playlist_id",), dedup_reason="same playlist name"),
        Stage("playlist_tracks", items_sql),
    ]
