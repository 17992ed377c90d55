"""Ingest: listening logs and charts in many formats → the canonical Parquet dataset.

```python
report = ingest([Path("my_spotify_data")], Path("data/ds"), market="GB")
print(report.to_json())          # rows read / loaded / rejected per table, files
describe_dataset(Path("data/ds"))  # what `campaign ingest --list DIR` shows
```

See `dataset_layout` for the folder written, `detect` for how formats are recognised, and one
module per format. Every error a user can cause is an `InputError` / `ConfigError` naming the file
or option; DuckDB's own errors are translated at this boundary.
"""

from __future__ import annotations

import os
import secrets as _secrets
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from campaign.errors import ConfigError, InputError
from campaign.ingest import (
    canonical,
    chart_floors,
    charts,
    lastfm,
    listenbrainz,
    spotify_account,
    spotify_extended,
)
from campaign.ingest.dataset_layout import (
    LOG_VERSION,
    file_sha256,
    load_secret,
    now_iso,
    read_log,
    source_key,
    write_log,
)
from campaign.ingest.describe import describe_dataset
from campaign.ingest.detect import (
    ARCHIVE_SUFFIXES,
    EXPECTED,
    FORMATS,
    Sniff,
    detect,
    dialect_for,
    ignore_reason,
    sniff,
)
from campaign.ingest.engine import Context, Source, cleanup, connect, run_stages
from campaign.ingest.read_errors import translate
from campaign.ingest.report import DatasetSummary, FileResult, IngestReport, TableCounts
from campaign.markets import normalise_market

__all__ = [
    "FORMATS",
    "DatasetSummary",
    "FileResult",
    "IngestReport",
    "TableCounts",
    "describe_dataset",
    "ingest",
]

READERS: dict[str, ModuleType] = {
    "canonical": canonical,
    "spotify-extended": spotify_extended,
    "spotify-account": spotify_account,
    "lastfm": lastfm,
    "listenbrainz": listenbrainz,
    "charts": charts,
}
assert set(READERS) == set(FORMATS)

_GLOB_CHARS = set("*?[]{}")
LOG_EVERY = 2.0  # seconds between rewrites of ingest.json during a long ingest
MAX_DATE_OFFSET = 31  # days: a date offset beyond a month is a typo, not a source's lag


def ingest(
    sources: list[Path],
    out: Path,
    fmt: str | None = None,
    market: str | None = None,
    user: str | None = None,
    tz: str | None = None,
    secret: bytes | None = None,
    progress: Callable[[str], None] | None = None,
    date_offset: int | None = None,
) -> IngestReport:
    """Read every source (a file, or a folder walked for files in a known format) into `out`.

    A file already in the dataset (same sha256) is skipped; a new one is added beside the others.
    `market` is the fallback market (charts without a region, personal exports without one),
    `user` names the listener of a single-user export (always pseudonymised), `tz` the zone of
    local timestamps (Spotify account-data `endTime`, Last.fm dates without a zone).
    `date_offset` is how many days a chart file's dates lie after its chart day (None: each
    dialect's own, `charts.SOURCE_DATE_OFFSET`; 0: as published). Afterwards `chart_floors` is
    rebuilt over every chart source of the dataset.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"--format '{fmt}' is not a format; use one of: {', '.join(FORMATS)}")
    if market is not None:
        try:
            market = normalise_market(market)
        except ConfigError as exc:
            raise ConfigError(f"--market: {exc.message}") from exc
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"--tz '{tz}' is not a time zone (e.g. Europe/London)") from exc
    if user is not None and not user.strip():
        raise ConfigError("--user is empty")
    if date_offset is not None and abs(date_offset) > MAX_DATE_OFFSET:
        raise ConfigError(
            f"--date-offset {date_offset} is not a plausible shift; give a number of days "
            f"between -{MAX_DATE_OFFSET} and {MAX_DATE_OFFSET} (0 keeps the dates as published)"
        )
    say = progress or (lambda _msg: None)

    report = IngestReport(out=out)
    plan = _plan(sources, fmt, report, out)
    if date_offset is not None and not any(file_fmt == "charts" for _, file_fmt, _, _ in plan):
        raise ConfigError("--date-offset applies to chart files, and none of the sources is one")

    tmp = out / f".ingest-tmp-{os.getpid()}-{_secrets.token_hex(4)}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        key = load_secret(out, secret)
        log = read_log(out)
        tmp.mkdir()
    except OSError as exc:
        raise ConfigError(f"cannot write the dataset here ({exc.strerror or exc})", out) from exc
    log.setdefault("version", LOG_VERSION)
    con = None
    seen: dict[str, Path] = {}
    pending, last_write = False, time.monotonic()
    try:
        con = connect(tmp, key)
        ctx = Context(
            con=con,
            out=out,
            tmp=tmp,
            secret=key,
            market=market,
            user=user,
            tz=tz,
            date_offset=date_offset,
        )
        for path, file_fmt, dialect, head in plan:
            try:
                sha = file_sha256(path)
            except OSError as exc:
                raise InputError(f"cannot be read ({exc.strerror or exc})", path) from exc
            skey = source_key(sha)
            if skey in log["sources"]:
                report.add(FileResult(path, "skipped", file_fmt, skey, "already in the dataset"))
                say(f"skipped {path.name}: already in the dataset")
                continue
            if skey in seen:
                report.add(
                    FileResult(
                        path, "skipped", file_fmt, skey, f"same content as {seen[skey].name}"
                    )
                )
                continue
            seen[skey] = path
            say(f"reading {path.name} ({file_fmt})")
            src = Source(path, _scan_path(path, skey, head, tmp), sha, skey, head)
            result = _ingest_one(src, ctx, file_fmt, dialect)
            report.add(result)
            log["sources"][skey] = _log_entry(src, result)
            pending = True
            # The log is rewritten whole: at most every LOG_EVERY seconds, and at the end. A
            # file written but not yet logged is simply ingested again (same key, same name).
            if time.monotonic() - last_write > LOG_EVERY:
                write_log(out, log)
                pending, last_write = False, time.monotonic()
            say(result.describe())
        report.chart_floors = chart_floors.rebuild(con, out, log)
    finally:
        if pending:
            write_log(out, log)
        if con is not None:
            con.close()
        cleanup(tmp)
    report.check()
    return report


def _ingest_one(src: Source, ctx: Context, fmt: str, dialect: str) -> FileResult:
    notes: list[str] = []
    ctx.notes = notes
    ctx.applied_date_offset = None
    try:
        stages = READERS[fmt].stages(src, ctx, dialect)
        outcome = run_stages(src, ctx, stages)
    except duckdb.Error as exc:
        raise translate(exc, src.path) from None
    except UnicodeDecodeError:  # DuckDB quoting undecodable bytes in its own message
        raise InputError("not valid UTF-8 text; convert it to UTF-8 first", src.path) from None
    return FileResult(
        src.path,
        "ingested",
        fmt,
        src.key,
        tables=outcome.tables,
        rejects=outcome.rejects,
        notes=notes,
        dialect=dialect,
        date_offset=ctx.applied_date_offset,
        first_day=outcome.first_day,
        last_day=outcome.last_day,
        markets=outcome.markets,
        written=[str(p.relative_to(ctx.out)) for p in outcome.written],
    )


def _log_entry(src: Source, result: FileResult) -> dict[str, Any]:
    return {
        "sha256": src.sha256,
        "name": src.name,
        "format": result.format,
        "dialect": result.dialect,
        "ingested_at": now_iso(),
        "tables": {t: c.to_json() for t, c in sorted(result.tables.items())},
        "first_day": result.first_day,
        "last_day": result.last_day,
        "markets": result.markets,
        "rejects": result.rejects,
        "notes": result.notes,
        "date_offset": result.date_offset,
        "files": result.written,
    }


def _plan(
    sources: list[Path], fmt: str | None, report: IngestReport, out: Path
) -> list[tuple[Path, str, str, Sniff]]:
    """Every file to read with its format and dialect; ignored files go to the report."""
    if not sources:
        raise ConfigError("no sources given: name at least one file or folder to ingest")
    plan: list[tuple[Path, str, str, Sniff]] = []
    for raw in sources:
        source = Path(raw)
        if not source.exists():
            raise InputError("no such file or folder", source)
        if source.is_file():
            if source.name.lower().endswith(ARCHIVE_SUFFIXES):
                raise InputError("is an archive; unpack it and ingest the folder", source)
            head = sniff(source)
            if fmt:
                dialect = dialect_for(fmt, source, head)
                if dialect is None:
                    raise InputError(
                        f"does not look like --format {fmt} (expected {EXPECTED[fmt]})", source
                    )
                plan.append((source, fmt, dialect, head))
            else:
                found = detect(source, head)
                if found is None:
                    raise InputError(
                        "could not tell the format of this file; pass --format", source
                    )
                plan.append((source, *found, head))
            continue
        dataset = out.resolve()
        planned, ignored = len(plan), len(report.files)
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            rel = path.relative_to(source)
            if path.resolve().is_relative_to(dataset):
                continue  # the dataset being written, inside a source folder
            if any(part.startswith(".") for part in rel.parts):
                report.add(FileResult(path, "ignored", reason="hidden file"))
                continue
            reason = ignore_reason(path)
            if reason:
                report.add(FileResult(path, "ignored", reason=reason))
                continue
            try:
                head = sniff(path)
            except InputError as exc:
                report.add(FileResult(path, "ignored", reason=exc.message))
                continue
            found = detect(path, head)
            if fmt:
                dialect = dialect_for(fmt, path, head)
                if found and found[0] != fmt:
                    report.add(
                        FileResult(path, "ignored", reason=f"looks like {found[0]}, not {fmt}")
                    )
                elif dialect is None:
                    report.add(FileResult(path, "ignored", reason=f"not a {fmt} file"))
                else:
                    plan.append((path, fmt, dialect, head))
            elif found is None:
                report.add(FileResult(path, "ignored", reason="format not recognised"))
            else:
                plan.append((path, *found, head))
        if len(plan) == planned:
            passed = report.files[ignored:]
            why = (
                f"holds no file in a format ingest reads ({len(passed)} ignored, e.g. "
                f"{passed[0].path.name}: {passed[0].reason})"
                if passed
                else "holds no files"
            )
            raise InputError(why, source)
    return plan


def _scan_path(path: Path, key: str, head: Sniff, tmp: Path) -> str:
    """A path DuckDB reads literally: names with glob characters get a plain-named link."""
    if not (_GLOB_CHARS & set(str(path))):
        return str(path)
    link = tmp / (f"src-{key}" + (".gz" if head.compressed else ""))
    if not link.exists():
        link.symlink_to(path.resolve())
    return str(link)
