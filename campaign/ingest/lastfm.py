"""Last.fm scrobbles: personal CSV exports and the Last.fm-1K TSV.

Dialects:
- `uts`: `uts, utc_time, artist, artist_mbid, album, album_mbid, track, track_mbid`
  (lastfm.ghan.nl); `uts` is epoch seconds.
- `dated`: `"", date, artist, track, album` (R scripts); `date` is `YYYY-MM-DD HH:MM:SS` with no
  zone: read in `--tz`, else in the market's zone, and the report says which.
- `headerless`: `artist, album, track, date` with dates like `31 Jan 2021 12:34` (UTC), as the
  common "lastfm-to-csv" exports write them.
- `1k`: the Last.fm-1K TSV `userid, timestamp, artist id, artist, track id, track`, with or
  without a header; every user id is pseudonymised with the campaign secret.

A scrobble does not say how long it played: `ms_played` is NULL (it counts as a stream). A
scrobble does not say where either: `--market` is required. Track ids are derived from the names.
"""

from __future__ import annotations

from campaign.ingest.engine import (
    Context,
    Source,
    Stage,
    clean_sql,
    csv_scan,
    header_columns,
    pick,
)
from campaign.ingest.identity import single_user_id
from campaign.ingest.spotify_account import require_market
from campaign.ingest.sql_text import lit
from campaign.markets import market_timezone
from campaign.schema import track_id_from_names_sql


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    market = require_market(src, ctx, "a Last.fm scrobble export")
    head = src.sniff
    # Dates without a zone are the listener's local time: --tz, else the market's zone.
    tz = ctx.tz or market_timezone(market)
    if dialect == "1k":
        has_header = bool({"timestamp", "artist"} <= set(head.header_lower))
        scan, rejects = csv_scan(src, ctx, 6, header=has_header, delim="\t", quote="")
        user = "pseudonym(trim(c0))"
        when = "TRY_CAST(trim(c1) AS TIMESTAMPTZ)"
        when_raw = "c1"
        artist, title, album = "c3", "c5", "CAST(NULL AS VARCHAR)"
        line_offset = 1 if has_header else 0
        user_reason = "WHEN nullif(trim(c0), '') IS NULL THEN 'no user id'"
    else:
        has_header = dialect != "headerless"
        ncols = len(head.header)
        scan, rejects = csv_scan(src, ctx, ncols, header=has_header, delim=head.delimiter)
        user = lit(single_user_id(src.path, ctx.user, ctx.secret))
        user_reason = ""
        line_offset = 1 if has_header else 0
        if dialect == "uts":
            cols = header_columns(head.header)
            when_raw = cols["uts"]
            when = f"TRY(to_timestamp(TRY_CAST(trim({when_raw}) AS BIGINT)))"
            artist, title, album = cols["artist"], cols["track"], pick(cols, "album")
        elif dialect == "dated":
            cols = header_columns(head.header)
            when_raw = cols["date"]
            when = f"timezone({lit(tz)}, TRY_CAST(trim({when_raw}) AS TIMESTAMP))"
            artist, title, album = cols["artist"], cols["track"], pick(cols, "album")
            ctx.notes.append(
                f"scrobble dates read as {tz}"
                + ("" if ctx.tz else f" (the export names no zone: {market}'s; --tz changes it)")
            )
        else:  # headerless: artist, album, track, date
            when_raw = "c3"
            when = (
                "timezone('UTC', coalesce(TRY_STRPTIME(trim(c3), '%d %b %Y %H:%M'), "
                "TRY_STRPTIME(trim(c3), '%d %b %Y, %H:%M')))"
            )
            artist, title, album = "c0", "c2", "c1"
    sql = f"""
    WITH t AS (
        SELECT *, {when} AS _at, {clean_sql(artist)} AS _artist, {clean_sql(title)} AS _title
        FROM {scan}
    )
    SELECT
        {user} AS user_id,
        _at AS played_at,
        {track_id_from_names_sql("_artist", "_title")} AS track_id,
        _title AS track_name,
        _artist AS artist_name,
        {clean_sql(album)} AS album_name,
        {lit(market)} AS market,
        CAST(NULL AS VARCHAR) AS city,
        CAST(NULL AS INTEGER) AS ms_played,
        CAST(NULL AS BOOLEAN) AS skipped,
        CAST(NULL AS VARCHAR) AS platform,
        CASE
            {user_reason}
            WHEN nullif(trim({when_raw}), '') IS NULL THEN 'no time'
            WHEN _at IS NULL THEN 'time is not a time'
            WHEN _title IS NULL OR _artist IS NULL THEN 'no track name or artist'
        END AS _reason,
        false AS _skip
    FROM t
    """
    return [Stage("listens", sql, csv_rejects=rejects, line_offset=line_offset)]
