"""Tell a source file's format from its name and its first few kilobytes.

`sniff` reads the head of a file (through gzip when the name ends in `.gz`) once; `detect` and
`dialect_for` decide from it. A *dialect* names the variant of a format a reader must handle
(e.g. charts: `spotifycharts`, `xmas`, `kworb`, `kworb-raw`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from campaign.errors import InputError
from campaign.schema import DAILY_STREAMS, LISTENS, TRACKS, USERS, Table

HEAD_BYTES = 64 * 1024

FORMATS: tuple[str, ...] = (
    "canonical",
    "spotify-extended",
    "spotify-account",
    "lastfm",
    "listenbrainz",
    "charts",
)

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".7z", ".rar")
DOC_SUFFIXES = (".md", ".txt", ".html", ".pdf", ".py", ".r", ".ipynb", ".png", ".jpg")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LASTFM_DATE = re.compile(r"^\d{1,2} [A-Za-z]{3} \d{4},? \d{1,2}:\d{2}$")
_ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_JSON_KEY = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:')


@dataclass
class Sniff:
    """The head of a file, decoded once."""

    compressed: bool
    ext: str  # the suffix under any .gz: .json, .jsonl, .csv, .tsv, .parquet, ...
    kind: str  # json-array | json-lines | json-object | csv | parquet | empty | binary
    encoding: str = "utf-8"  # utf-8 | latin-1 | utf-16 (what DuckDB's CSV reader is told)
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    delimiter: str = ","
    keys: list[str] = field(default_factory=list)

    @property
    def header_lower(self) -> list[str]:
        return [h.strip().lower() for h in self.header]


def base_name(path: Path | str) -> str:
    """The file name without a trailing `.gz`."""
    name = path.name if isinstance(path, Path) else path
    return name[:-3] if name.lower().endswith(".gz") else name


def read_head(path: Path, size: int = HEAD_BYTES) -> tuple[bytes, bool]:
    compressed = path.name.lower().endswith(".gz")
    try:
        if compressed:
            with gzip.open(path, "rb") as handle:
                return handle.read(size), True
        with path.open("rb") as handle:
            return handle.read(size), False
    except (OSError, EOFError, zlib.error) as exc:
        if compressed:
            raise InputError("not a readable gzip file", path) from exc
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from exc


def _decode(head: bytes) -> tuple[str, str]:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace"), "utf-16"
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the head is not an encoding problem.
        if exc.start >= len(body) - 4:
            return body[: exc.start].decode("utf-8"), "utf-8"
        return body.decode("latin-1"), "latin-1"


def sniff(path: Path) -> Sniff:
    head, compressed = read_head(path)
    ext = Path(base_name(path)).suffix.lower()
    if head.startswith(b"PAR1"):
        return Sniff(compressed, ext, "parquet")
    if not head.strip():
        return Sniff(compressed, ext, "empty")
    if b"\0" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Sniff(compressed, ext, "binary")
    text, encoding = _decode(head)
    out = Sniff(compressed, ext, "csv", encoding=encoding, text=text)
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return Sniff(compressed, ext, "empty", encoding=encoding)
    if stripped[0] in "[{":
        out.keys = list(dict.fromkeys(_JSON_KEY.findall(text[:HEAD_BYTES])))
        if stripped[0] == "[":
            out.kind = "json-array"
        elif ext in (".jsonl", ".ndjson") or _first_line_is_object(stripped):
            out.kind = "json-lines"
        else:
            out.kind = "json-object"
        return out
    lines = text.splitlines()
    if len(head) == HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    lines = lines[:20]
    out.delimiter = _delimiter(lines[0] if lines else "", ext)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=out.delimiter))
    rows = [r for r in rows if r]
    if rows:
        out.header = [h.lstrip("\ufeff").strip() for h in rows[0]]
        out.rows = rows[1:]
    return out


def _first_line_is_object(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _delimiter(line: str, ext: str) -> str:
    if ext == ".tsv":
        return "\t"
    counts = {d: len(next(csv.reader([line], delimiter=d), [])) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


# --- what each format looks like ------------------------------------------------------------


CANONICAL_TABLES = (LISTENS, DAILY_STREAMS, USERS, TRACKS)


def closest_canonical(columns: list[str]) -> Table:
    """The canonical table sharing the most columns with a file (ties: more required columns)."""
    cols = {c.strip().lower() for c in columns}
    return max(CANONICAL_TABLES, key=lambda t: (len(cols & set(t.names)), len(t.required)))


def canonical_table(columns: list[str], hint: str = "") -> str | None:
    """The canonical table a file's columns hold (every required column present), or None.

    A file named after a table (`users.csv`, `listens-2024.parquet`) is that table when it can
    be; otherwise the table sharing the most columns, so a listens file that lacks `track_id` is
    not mistaken for a users file.
    """
    cols = {c.strip().lower() for c in columns}
    for table in CANONICAL_TABLES:
        named = hint == table.name or hint.startswith((table.name + "-", table.name + "_"))
        if named and set(table.required) <= cols:
            return table.name
    table = closest_canonical(columns)
    return table.name if set(table.required) <= cols else None


def looks_canonical(columns: list[str]) -> bool:
    """Most of some table's required columns are there (so a missing one deserves a message)."""
    cols = {c.strip().lower() for c in columns}
    return any(
        len(cols & set(t.required)) * 2 >= len(t.required) and len(cols & set(t.required)) >= 2
        for t in CANONICAL_TABLES
    )


def candidates(path: Path, s: Sniff) -> list[tuple[str, str]]:
    """(format, dialect) pairs that fit the file, most likely first."""
    name = base_name(path)
    out: list[tuple[str, str]] = []
    keys = set(s.keys)
    if re.match(r"(?i)^(streaming_history_audio_|endsong).*\.json$", name):
        out.append(("spotify-extended", "json"))
    if re.match(r"^StreamingHistory(_music_)?\d*\.json$", name):
        out.append(("spotify-account", "history"))
    if re.match(r"^Playlist\d*\.json$", name):
        out.append(("spotify-account", "playlists"))
    if s.kind in ("json-array", "json-lines", "json-object"):
        if {"ts", "ms_played"} <= keys:
            out.append(("spotify-extended", "json"))
        if {"endTime", "msPlayed"} <= keys:
            out.append(("spotify-account", "history"))
        if "playlists" in keys and "items" in keys:
            out.append(("spotify-account", "playlists"))
        if "listened_at" in keys:
            out.append(("listenbrainz", "lines" if s.kind == "json-lines" else "array"))
        if s.kind == "json-lines" and (canonical_table(s.keys) or looks_canonical(s.keys)):
            out.append(("canonical", "jsonl"))
    elif s.kind == "parquet":
        out.append(("canonical", "parquet"))
    elif s.kind == "csv" and s.header:
        out += _csv_candidates(name, s)
    return list(dict.fromkeys(out))


def _csv_candidates(name: str, s: Sniff) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    h = set(s.header_lower)
    first = s.header
    if {"ts", "ms_played"} <= h and ("spotify_track_uri" in h or "episode_name" in h):
        out.append(("spotify-extended", "csv"))
    if {"position", "track name", "artist", "streams"} <= h:
        out.append(("charts", "spotifycharts"))
    if {"date", "rank", "streams", "singer", "song title"} <= h:
        out.append(("charts", "xmas"))
    if {"chart_date", "artist_title", "streams"} <= h:
        out.append(("charts", "kworb"))
    if len(first) == 12 and _DATE.match(first[0]) and " - " in first[3]:
        out.append(("charts", "kworb-raw"))
    if {"uts", "artist", "track"} <= h:
        out.append(("lastfm", "uts"))
    elif {"date", "artist", "track"} <= h:
        out.append(("lastfm", "dated"))
    lfm1k_header = h >= {"timestamp", "artist"}
    lfm1k_row = len(first) >= 2 and first[0].startswith("user_") and _ISO_TS.match(first[1])
    if s.delimiter == "\t" and len(first) >= 6 and (lfm1k_header or lfm1k_row):
        out.append(("lastfm", "1k"))
    if len(first) == 4 and _LASTFM_DATE.match(first[3].strip()):
        out.append(("lastfm", "headerless"))
    if canonical_table(s.header, name.split(".")[0].lower()) or looks_canonical(s.header):
        out.append(("canonical", "csv"))
    return out


def ignore_reason(path: Path) -> str | None:
    """Why a file met while walking a folder is not even looked at, or None."""
    name = path.name
    lower = name.lower()
    if name.startswith("."):
        return "hidden file"
    if lower.endswith(ARCHIVE_SUFFIXES):
        return "an archive; unpack it and ingest the folder"
    if lower.endswith(DOC_SUFFIXES) or lower in ("license", "readme"):
        return "not a data file"
    if re.match(r"(?i)^streaminghistory_podcast", name):
        return "podcast history is not ingested"
    if re.match(r"(?i)^streaming_history_video", name):
        return "video history is not ingested"
    return None


def detect(path: Path, s: Sniff) -> tuple[str, str] | None:
    found = candidates(path, s)
    return found[0] if found else None


def dialect_for(fmt: str, path: Path, s: Sniff) -> str | None:
    """The dialect of `fmt` that fits the file; canonical always answers by container."""
    for f, dialect in candidates(path, s):
        if f == fmt:
            return dialect
    if fmt == "canonical":
        return {
            "parquet": "parquet",
            "json-lines": "jsonl",
            "json-array": "json",
            "json-object": "jsonl",
            "csv": "csv",
            "empty": "csv",
        }.get(s.kind)
    return None


EXPECTED = {
    "spotify-extended": "a JSON array (or CSV) of plays with ts, ms_played, spotify_track_uri",
    "spotify-account": "a JSON array of plays with endTime, artistName, trackName, msPlayed",
    "lastfm": "a scrobble CSV (uts/date, artist, track, album) or the Last.fm-1K TSV",
    "listenbrainz": "a JSON (lines) listen export with listened_at and track_metadata",
    "charts": "a Spotify chart CSV (Position, Track Name, Artist, Streams, date ...)",
    "canonical": "Parquet, CSV or JSON lines with a canonical table's columns",
}
