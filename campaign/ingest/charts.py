"""Spotify's public daily chart CSVs → `daily_streams` (listeners NULL).

Dialects (see /work/shared/realdata):
- `spotifycharts`: `Position, Track Name, Artist, Streams` and either `Date`/`date` or
  `Year, Month, Day`, optionally `Region`/`region`, `URL` or `spotify_id`. The header may be
  repeated inside the file (appended downloads): exact repeats are not rows.
- `xmas`: `Date, Rank, Streams, Singer, Song Title, feat, Extras, Christmas`, streams with
  thousands separators and names with title-cased HTML entities (`&Quot;`, `&Ntilde;`).
- `kworb`: kworb.net scrapes with a header (`region, …, chart_date, …, artist_title, …, streams`).
- `kworb-raw`: the same pages as published (BOM, no header, `Artist - Title`); market from the
  file name (`sg_dailytop50_2025-09-07.csv`).

Dates: kworb pages are dated by the day they were scraped, about two days after Spotify's chart
day (its SOURCE.md: a Friday release first shows in files dated Sunday), so the kworb dialects
shift every date back by `SOURCE_DATE_OFFSET` days; the other dialects carry the chart day itself.
`--date-offset N` overrides it for every chart file of an ingest (0 keeps the dates as published).

track_id is `spotify:track:<id>` when the row has a URL or id, else `track_id_from_names_sql`.
The market comes from a region column, else the file name (`gb.csv.gz` → GB, `global` → `*`),
else `--market`. Duplicate (day, market, track) rows keep the most streams; the others are
rejected as "duplicate chart row".
"""

from __future__ import annotations

import re

from campaign.errors import InputError
from campaign.ingest.detect import base_name
from campaign.ingest.engine import (
    Context,
    Source,
    Stage,
    clean_sql,
    csv_scan,
    ensure_html_unescape,
    header_columns,
    market_sql,
    pick,
)
from campaign.ingest.sql_text import lit
from campaign.schema import track_id_from_names_sql

# How many days after the chart day each dialect's dates lie (the default --date-offset).
SOURCE_DATE_OFFSET: dict[str, int] = {"spotifycharts": 0, "xmas": 0, "kworb": 2, "kworb-raw": 2}

_FILE_MARKET = re.compile(r"(?i)^(global|[a-z]{2})(?=$|[_.\- ])")


def market_from_name(name: str) -> str | None:
    """`gb.csv.gz` → GB, `global.csv` → *, `us_data.csv` → US; None when the name says nothing."""
    match = _FILE_MARKET.match(base_name(name))
    if not match:
        return None
    code = match.group(1).upper()
    return "*" if code == "GLOBAL" else ("GB" if code == "UK" else code)


def _number(expr: str) -> str:
    """Streams as BIGINT, accepting thousands separators ("647,983")."""
    return f"TRY_CAST(replace(replace(replace(trim({expr}), ',', ''), '_', ''), ' ', '') AS BIGINT)"


def _offset_note(dialect: str, offset: int, *, given: bool) -> str:
    """The report's sentence about the dates: which offset was applied, and why."""
    why = "--date-offset" if given else f"the {dialect} default"
    if offset == 0:
        scrape = " (kworb scrape dates, kept as published)" if SOURCE_DATE_OFFSET[dialect] else ""
        return f"date offset 0 days ({why}): dates are stored as published{scrape}"
    direction = "back" if offset > 0 else "forward"
    scrape = ", kworb dates are scrape dates" if SOURCE_DATE_OFFSET[dialect] else ""
    return (
        f"date offset {offset} days ({why}{scrape}): every date moved {direction} "
        f"{abs(offset)} days to the chart day"
    )


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    head = src.sniff
    header = dialect != "kworb-raw"
    ncols = len(head.header)
    scan, rejects = csv_scan(src, ctx, ncols, header=header, delim=head.delimiter)
    cols = header_columns(head.header) if header else {}
    skip = "false"
    extra = ""
    if dialect == "spotifycharts":
        if "date" in cols:
            day = f"TRY_CAST(trim({cols['date']}) AS DATE)"
        elif {"year", "month", "day"} <= cols.keys():
            y, m, d = cols["year"], cols["month"], cols["day"]
            day = f"TRY_CAST(trim({y}) || '-' || trim({m}) || '-' || trim({d}) AS DATE)"
        else:
            raise InputError("a chart CSV without a Date column (or Year, Month, Day)", src.path)
        title = clean_sql(cols["track name"])
        artist = clean_sql(cols["artist"])
        streams_raw = cols["streams"]
        region = pick(cols, "region")
        url = pick(cols, "url", "uri")
        sid = pick(cols, "spotify_id", "track_id", "id")
        track_uri = (
            f"coalesce('spotify:track:' || nullif(regexp_extract({url}, "
            f"'track[/:]([A-Za-z0-9]{{22}})', 1), ''), CASE WHEN regexp_full_match(trim({sid}), "
            f"'[A-Za-z0-9]{{22}}') THEN 'spotify:track:' || trim({sid}) END)"
        )
        # An exact repeat of the header line (appended downloads) is not a row.
        skip = " AND ".join(f"coalesce(c{i}, '') = {lit(h)}" for i, h in enumerate(head.header))
        extra = f"WHEN lower(trim({cols.get('position', 'c0')})) = "
        extra += "'position' THEN 'a header line in another column order'"
    elif dialect == "xmas":
        ensure_html_unescape(ctx.con)
        day = f"TRY_CAST(trim({cols['date']}) AS DATE)"
        song = f"html_unescape({clean_sql(cols['song title'])})"
        feat = f"html_unescape({clean_sql(pick(cols, 'feat'))})"
        extras = f"html_unescape({clean_sql(pick(cols, 'extras'))})"
        # A few rows lost their title into the next columns ("Don't Fear" | "The Reaper").
        title = (
            f"CASE WHEN {song} IS NULL THEN nullif(concat_ws(' ', {feat}, {extras}), '') "
            f"ELSE {song} || coalesce(' (' || {feat} || ')', '') || coalesce(' ' || {extras}, '') "
            "END"
        )
        artist = f"html_unescape({clean_sql(cols['singer'])})"
        streams_raw = cols["streams"]
        region = pick(cols, "region")
        track_uri = "CAST(NULL AS VARCHAR)"
    elif dialect in ("kworb", "kworb-raw"):
        if dialect == "kworb":
            day = f"TRY_CAST(trim({cols['chart_date']}) AS DATE)"
            artist_title = cols["artist_title"]
            streams_raw = cols["streams"]
            region = pick(cols, "region")
        else:
            day = "TRY_CAST(trim(c0) AS DATE)"
            artist_title = "c3"
            streams_raw = "c7"
            region = "CAST(NULL AS VARCHAR)"
        sep = f"strpos({artist_title}, ' - ')"
        artist = f"CASE WHEN {sep} > 0 THEN {clean_sql(f'left({artist_title}, {sep} - 1)')} END"
        title = f"CASE WHEN {sep} > 0 THEN {clean_sql(f'substr({artist_title}, {sep} + 3)')} END"
        extra = f"WHEN {sep} = 0 THEN 'no '' - '' between artist and title'"
        track_uri = "CAST(NULL AS VARCHAR)"
    else:  # pragma: no cover - detect only yields the dialects above
        raise InputError(f"unknown chart dialect {dialect}", src.path)

    offset = SOURCE_DATE_OFFSET[dialect] if ctx.date_offset is None else ctx.date_offset
    ctx.applied_date_offset = offset
    ctx.notes.append(_offset_note(dialect, offset, given=ctx.date_offset is not None))
    if offset:
        day = f"CAST(({day}) - to_days({int(offset)}) AS DATE)"

    fallback = market_from_name(src.name) or ctx.market
    if region == "CAST(NULL AS VARCHAR)" and fallback is None:
        raise InputError(
            "the chart has no region column and its file name names no market; pass --market",
            src.path,
        )
    sql = f"""
    WITH raw AS (SELECT * FROM {scan}),
    t AS (
        SELECT *,
            {day} AS _day,
            {_number(streams_raw)} AS _streams,
            {title} AS _title,
            {artist} AS _artist,
            {market_sql(region)} AS _region,
            {clean_sql(region)} AS _region_raw,
            ({skip}) AS _skip
        FROM raw
    )
    SELECT
        _day AS day,
        coalesce(_region, {lit(fallback)}) AS market,
        coalesce({track_uri}, {track_id_from_names_sql("_artist", "_title")}) AS track_id,
        _title AS track_name,
        _artist AS artist_name,
        _streams AS streams,
        CAST(NULL AS BIGINT) AS listeners,
        CASE
            {extra}
            WHEN _day IS NULL THEN 'date is not a date'
            WHEN _streams IS NULL THEN 'streams is not a number'
            WHEN _streams < 0 THEN 'streams is negative'
            WHEN _title IS NULL OR _artist IS NULL
                THEN 'no track name or artist (blank in the source)'
            WHEN _region_raw IS NOT NULL AND _region IS NULL THEN 'region is not a market code'
            WHEN coalesce(_region, {lit(fallback)}) IS NULL THEN 'no market (pass --market)'
        END AS _reason,
        coalesce(_skip, false) AS _skip
    FROM t
    """
    return [
        Stage(
            "daily_streams",
            sql,
            dedup=("day", "market", "track_id"),
            dedup_order="streams DESC",
            dedup_reason="duplicate chart row",
            csv_rejects=rejects,
            line_offset=1 if header else 0,
            order_by="day, market, streams DESC",
        )
    ]
