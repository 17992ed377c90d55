"""`[duckdb]` in campaign.toml: how much memory DuckDB may take, where it spills, where the
workspace cache lives. Kept apart from the campaign's own settings: none of these changes a fact.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import duckdb

from campaign.errors import ConfigError

# DuckDB's own spelling of a size: a number and a unit (decimal or binary).
_SIZE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


@dataclass(frozen=True)
class DuckDBSettings:
    memory_limit: str = "3GB"  # DuckDB spills to disk beyond this rather than growing
    temp_directory: Path | None = None  # where it spills; default: a folder of ours, removed after
    cache_dir: Path | None = None  # where the workspace cache goes; default: beside the dataset
    workspace_cache: bool = True  # keep the rollups between runs (off: rebuilt every run)


def check_memory_limit(value: str, where: str | Path) -> str:
    """A memory limit DuckDB reads, e.g. "3GB" or "512MiB": refused here, not mid-run."""
    if not isinstance(value, str) or not _SIZE.fullmatch(value.strip()):
        raise ConfigError(
            f'setting \'memory_limit\' must be a size such as "3GB" or "512MiB", not {value!r}',
            where,
        )
    return value.strip()


def read_duckdb_settings(raw: Any, root: Path, path: Path) -> DuckDBSettings:
    """The [duckdb] table of a campaign file; paths are relative to the file's folder."""
    if not isinstance(raw, dict):
        raise ConfigError("[duckdb] must be a table of settings", path)
    known = {f.name for f in fields(DuckDBSettings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown setting '{unknown[0]}' in [duckdb] (known: {', '.join(sorted(known))})", path
        )
    values: dict[str, Any] = {}
    if "memory_limit" in raw:
        values["memory_limit"] = check_memory_limit(raw["memory_limit"], path)
    for key in ("temp_directory", "cache_dir"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise ConfigError(f"setting '{key}' must be a folder path", path)
            values[key] = root / raw[key]
    if "workspace_cache" in raw:
        if not isinstance(raw["workspace_cache"], bool):
            raise ConfigError("setting 'workspace_cache' must be true or false", path)
        values["workspace_cache"] = raw["workspace_cache"]
    return DuckDBSettings(**values)


def check_outside_output(folders: dict[str, Path | None], output: Path, path: Path) -> None:
    """The cache, the spill and Spark's rollups (`folders`, by setting) hold listener ids:
    refused inside the output folder, which is published (gallery, export)."""
    for key, folder in folders.items():
        if folder is not None and folder.resolve().is_relative_to(output.resolve()):
            raise ConfigError(
                f"setting '{key}' points inside the output folder '{output}'; it holds listener "
                "ids, so keep it beside the data instead",
                path,
            )


def connect(
    settings: DuckDBSettings, memory_limit: str, spill_beside: Path | None
) -> tuple[duckdb.DuckDBPyConnection, Path | None]:
    """A connection held to `memory_limit` that spills to `settings.temp_directory`, else to a
    folder of its own (inside `spill_beside` when that exists: spilled rows hold listener ids),
    returned second so the caller removes it when done."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET memory_limit = '{check_memory_limit(memory_limit, 'memory_limit')}'")
    scratch = None
    spill = settings.temp_directory
    if spill is None:
        parent = spill_beside if spill_beside is not None and spill_beside.is_dir() else None
        spill = scratch = Path(tempfile.mkdtemp(prefix=".campaign-spill-", dir=parent))
    con.execute("SET temp_directory = '" + str(spill).replace("'", "''") + "'")
    return con, scratch


def release(con: duckdb.DuckDBPyConnection, scratch: Path | None) -> None:
    """Close a connection from `connect` and remove the spill folder it made (nothing else)."""
    con.close()
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
