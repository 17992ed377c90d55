"""The workspace cache: the shared rollups and every pack's rows, kept in a DuckDB file between
runs so a second `campaign facts` on unchanged data reads them instead of re-reading the plays.

The file is named by a key over everything that goes into it: each data file's path, size and
modification time, the settings the workspace reads (year, markets, time zones, privacy) and the
code that writes it (this package's SQL modules and DuckDB's version). A pack's rows are keyed
again by its SQL and parameters, so editing one pack re-runs that pack only. `--fresh` rebuilds.

The file holds listener ids (the rollups are per listener), so it lives beside the data, in the
ingested dataset's own `.workspace/` folder (as ingest's `.secret` does), or in the folder the
user names (`[duckdb] cache_dir`); never in the output folder. Without either there is no cache
and the workspace is built in memory, as before. It is written under a temporary name and renamed
when complete, so an interrupted run leaves no half-built cache; the only files ever removed are
older caches in a folder this module made (it leaves a marker there) and matching its own names.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from campaign.config import CampaignConfig
from campaign.errors import ConfigError

SCHEMA = "wscache"
FOLDER_NAME = ".workspace"
# Left in a cache folder this module made: only there are stale caches removed.
MARKER_NAME = ".campaign-workspace-cache"
_CACHE_FILE = re.compile(r"ws-[0-9a-f]{32}\.duckdb(\.wal)?")
# A build in progress (`WorkspaceCache.__init__`): left behind only when its process was killed.
_BUILD_FILE = re.compile(r"\.ws-[0-9a-f]{32}\.duckdb\.tmp-(\d+)-[0-9a-f]{8}(\.wal)?")
# The modules whose SQL builds what the cache holds: a change to any of them is a new key.
_CODE = (
    "workspace.py", "rollups.py", "pack_views.py", "datafiles.py", "safetext.py", "markets.py",
    "packs.py", "packguard.py",
)  # fmt: skip
# What ingest leaves in a dataset folder (campaign.ingest.dataset_layout.SECRET_NAME): the mark
# of a folder that already holds listener-level data of ours.
_DATASET_MARK = ".secret"


def cache_folder(config: CampaignConfig, data: Sequence[Path | str]) -> Path | None:
    """Where this campaign's workspace cache goes, or None for no cache."""
    if not config.duckdb.workspace_cache:
        return None
    if config.duckdb.cache_dir is not None:
        return Path(config.duckdb.cache_dir)
    datasets = [Path(d) for d in data if (Path(d) / _DATASET_MARK).is_file()]
    return datasets[0] / FOLDER_NAME if datasets else None


def workspace_key(config: CampaignConfig, files: dict[str, list[Path]]) -> str:
    """A digest of the data files (path, size, mtime), the settings and the code."""
    stats = []
    for table in sorted(files):
        for path in sorted(files[table]):
            info = path.stat()
            stats.append([table, str(path.resolve()), info.st_size, info.st_mtime_ns])
    here = Path(__file__).parent
    code = [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in _CODE]
    settings = {
        "year": config.year,
        "markets": list(config.markets),
        "timezones": sorted(config.timezones.items()),
        "privacy": repr(config.privacy),
    }
    text = json.dumps([stats, settings, code, duckdb.__version__], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class WorkspaceCache:
    """The cache file attached to a workspace connection as schema `wscache`, or nothing.

    `hit` says the file was complete and is read as it is; otherwise `table` builds each table
    into a temporary file that `finish` renames into place."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, path: Path | None, fresh: bool = False
    ) -> None:
        self.con = con
        self.path = path
        self.hit = False
        self._building: Path | None = None
        if path is None:
            return
        if path.is_file() and not fresh:
            try:
                con.execute(f"ATTACH {_literal(path)} AS {SCHEMA}")
                self.hit = True
            except duckdb.Error:  # held by another run, or unreadable: this run builds in memory
                self.path = None
            return
        _make_folder(path.parent)
        self._building = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        con.execute(f"ATTACH {_literal(self._building)} AS {SCHEMA}")

    @property
    def active(self) -> bool:
        return self.path is not None

    def table(self, name: str, sql: str, temp: bool = False) -> None:
        """Create table `name` from `sql`: in the cache file (read from it on a hit, the query
        not run at all) with a view of that name, or in memory without a cache."""
        if not self.active:
            self.con.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {name} AS {sql}")
            return
        if not self.hit:
            self.con.execute(f"CREATE TABLE {SCHEMA}.{name} AS {sql}")
        self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM {SCHEMA}.{name}")

    def finish(self) -> None:
        """Rename a complete build into place and remove the older caches of its folder."""
        if self._building is None or self.path is None:
            return
        self.con.execute(f"DETACH {SCHEMA}")
        os.replace(self._building, self.path)
        self._building = None
        self.con.execute(f"ATTACH {_literal(self.path)} AS {SCHEMA}")
        self.hit = True
        _prune(self.path)

    def abandon(self) -> None:
        """Drop a build that failed half-way: its temporary file is ours to remove."""
        if self._building is None:
            return
        with contextlib.suppress(duckdb.Error):
            self.con.execute(f"DETACH {SCHEMA}")
        for leftover in (self._building, Path(f"{self._building}.wal")):
            leftover.unlink(missing_ok=True)
        self._building = None

    def pack_rows(
        self, key: str, run: Callable[[], duckdb.DuckDBPyRelation]
    ) -> duckdb.DuckDBPyRelation:
        """A pack's checked rows: from the cache when this SQL and these parameters ran on this
        workspace before, else from `run`, kept for next time in the order the pack gave them."""
        if not self.active:
            return run()
        table = f"{SCHEMA}.pack_{key}"
        exists = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
            [SCHEMA, f"pack_{key}"],
        ).fetchall()[0][0]
        if not exists:
            relation = run()
            relation.create_view("pack_rows_to_keep", replace=True)
            self.con.execute("SET preserve_insertion_order = true")
            try:
                self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM pack_rows_to_keep")
            finally:
                self.con.execute("SET preserve_insertion_order = false")
                self.con.execute("DROP VIEW pack_rows_to_keep")
        return self.con.table(table)


def pack_key(sql: str, audience: str, params: dict[str, object], calendar: str) -> str:
    """What a pack's rows depend on beyond the workspace: its query, audience and parameters,
    and the calendar (`events`, rebuilt every run from the events files the packs join)."""
    text = json.dumps([sql, audience, sorted(params.items()), calendar], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _make_folder(folder: Path) -> None:
    """The cache folder, made private (it holds listener ids) and marked as ours if we made it."""
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, mode=0o700)
            (folder / MARKER_NAME).write_text(
                "Workspace caches of `campaign` (listener-level: keep private). Safe to delete.\n",
                encoding="utf-8",
            )
    except OSError as exc:
        raise ConfigError(
            f"the workspace cache folder '{folder}' cannot be made ({exc.strerror}); set "
            "[duckdb] cache_dir to a writable folder, or workspace_cache = false",
            "cache_dir",
        ) from None


def _prune(keep: Path) -> None:
    """Remove the other caches in a folder this module made (a cache per key would pile up)."""
    folder = keep.parent
    if not (folder / MARKER_NAME).is_file():
        return
    for path in folder.iterdir():
        build = _BUILD_FILE.fullmatch(path.name)
        if (_CACHE_FILE.fullmatch(path.name) and not path.name.startswith(keep.name)) or (
            build and _process_gone(int(build.group(1)))
        ):
            path.unlink(missing_ok=True)


def _process_gone(pid: int) -> bool:
    """No process has this id: a build file it left is an interrupted build, not a running one."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def cache_path(folder: Path, key: str) -> Path:
    return folder / f"ws-{key}.duckdb"
