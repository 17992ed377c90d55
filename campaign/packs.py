"""Query packs: plain DuckDB SQL files opened by a TOML header (DESIGN.md, "Query packs").

A pack is data, not code: this module reads its header, binds its parameters (never formats them
into SQL), runs it against a workspace and checks that it returns the candidate-fact columns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from campaign.config import CampaignConfig, load_config
from campaign.errors import ConfigError, PackError
from campaign.packguard import check_output, check_query
from campaign.resources import bundled_dir
from campaign.schema import FACT_COLUMNS, FORBIDDEN_OUTPUT_COLUMNS, OPTIONAL_FACT_COLUMNS

AUDIENCES = ("cohort", "individual", "aggregate")
HEADER_KEYS = {"name", "title", "audience", "needs", "copy", "params"}
REQUIRED_HEADER_KEYS = ("name", "title", "audience", "needs", "copy")
_FENCE_OPEN = re.compile(r"^--\s*///\s*pack\s*$")
_FENCE_CLOSE = re.compile(r"^--\s*///\s*$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Pack:
    name: str
    title: str
    audience: str
    needs: tuple[str, ...]
    copy: str
    params: dict[str, Any] = field(hash=False)
    description: str
    sql: str
    path: Path
    sql_line: int  # the file line where the query starts, for error messages

    @property
    def test_path(self) -> Path:
        """The pack's own test (rows given → rows expected), beside it."""
        return self.path.with_suffix(".test.toml")


def parse_pack(path: Path) -> Pack:
    """Read a pack file; any header problem is a PackError naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot be read ({exc})", path) from None
    start = next((i for i, line in enumerate(lines) if _FENCE_OPEN.match(line.strip())), None)
    if start is None:
        raise PackError("has no header (a '-- /// pack' ... '-- ///' comment block)", path, 1)
    end = next(
        (i for i in range(start + 1, len(lines)) if _FENCE_CLOSE.match(lines[i].strip())), None
    )
    if end is None:
        raise PackError("the header is not closed by a '-- ///' line", path, start + 1)
    header_lines = []
    for number in range(start + 1, end):
        line = lines[number]
        if not line.startswith("--"):
            raise PackError("a header line must start with '--'", path, number + 1)
        header_lines.append(line[3:] if line.startswith("-- ") else line[2:])
    try:
        header = tomllib.loads("\n".join(header_lines))
    except tomllib.TOMLDecodeError as exc:
        line_match = re.search(r"line (\d+)", str(exc))
        line = start + 1 + int(line_match.group(1)) if line_match else start + 1
        raise PackError(f"the header is not valid TOML ({exc})", path, line) from None

    unknown = sorted(set(header) - HEADER_KEYS)
    if unknown:
        raise PackError(f"unknown header key '{unknown[0]}'", path, start + 2)
    missing = [k for k in REQUIRED_HEADER_KEYS if k not in header]
    if missing:
        raise PackError(f"the header lacks '{missing[0]}'", path, start + 1)
    if header["audience"] not in AUDIENCES:
        raise PackError(
            f"audience '{header['audience']}' is not one of {', '.join(AUDIENCES)}", path, start + 1
        )
    if header["name"] != path.stem:
        raise PackError(f"name '{header['name']}' differs from the file name '{path.stem}'", path)
    needs = header["needs"]
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise PackError("'needs' must be a list of table names", path, start + 1)
    params = header.get("params", {})
    if not isinstance(params, dict):
        raise PackError("[params] must be a table of name = default", path, start + 1)

    body = lines[end + 1 :]
    description_lines = []
    for line in body:
        if not line.startswith("--"):
            break
        description_lines.append(line[2:].strip())
    sql_start = end + 1 + len(description_lines)
    sql = "\n".join(lines[sql_start:]).strip().rstrip(";").strip()
    if not sql:
        raise PackError("has no query under its header", path, sql_start + 1)
    pack = Pack(
        name=header["name"],
        title=header["title"],
        audience=header["audience"],
        needs=tuple(needs),
        copy=header["copy"],
        params=dict(params),
        description=" ".join(description_lines).strip(),
        sql=sql,
        path=path,
        sql_line=sql_start + 1,
    )
    _check_parameters(pack)
    return pack


def _check_parameters(pack: Pack) -> None:
    used = set(_PARAM_USE.findall(pack.sql))
    undeclared = sorted(used - set(pack.params))
    if undeclared:
        raise PackError(
            f"the query uses ${undeclared[0]}, which [params] does not declare",
            pack.path,
            pack.sql_line,
        )
    unused = sorted(set(pack.params) - used)
    if unused:
        raise PackError(f"parameter '{unused[0]}' is declared but never used", pack.path)


def pack_dirs(sources: tuple[str, ...] | list[str], root: Path) -> list[Path]:
    """Folders of packs: a bare name is a built-in folder under queries/, anything else a path."""
    builtin = bundled_dir("queries")
    dirs = []
    for source in sources:
        candidate = root / source
        path = candidate if candidate.is_dir() else builtin / source
        if not path.is_dir():
            raise ConfigError(
                f"pack folder '{source}' is neither a folder nor a built-in pack set "
                f"({', '.join(sorted(p.name for p in builtin.iterdir() if p.is_dir()))})",
                "packs",
            )
        dirs.append(path)
    return dirs


def discover_packs(dirs: list[Path]) -> list[Pack]:
    """Every pack of the folders; two packs of one name are an error, not a silent override."""
    packs: dict[str, Pack] = {}
    for folder in dirs:
        for path in sorted(folder.glob("*.sql")):
            pack = parse_pack(path)
            if pack.name in packs:
                raise PackError(
                    f"pack '{pack.name}' is defined twice (also in {packs[pack.name].path})", path
                )
            packs[pack.name] = pack
    return list(packs.values())


def load_campaign(path: Path) -> CampaignConfig:
    """A campaign file read and validated, its `[params]` checked against its packs too."""
    config = load_config(path)
    if config.params:
        check_param_tables(config, path)
    return config


def check_param_tables(config: CampaignConfig, source: Path) -> None:
    """Every `[params.<pack>]` of a campaign file names one of its packs, and every parameter in
    it one of that pack's: a typo is an error naming the known ones, never silently ignored.
    Packs that do not parse are left to the commands that run or lint them."""
    try:
        packs = {p.name: p for p in discover_packs(pack_dirs(config.packs, config.root))}
    except PackError:
        return
    for name, values in config.params.items():
        if name not in packs:
            raise ConfigError(
                f"[params.{name}] names no pack (the packs are: {', '.join(sorted(packs))})",
                source,
            )
        for key, value in values.items():
            try:
                coerce_param(packs[name], key, value)
            except ConfigError as exc:
                raise ConfigError(f"[params.{name}]: {exc.message}", source) from None


def coerce_param(pack: Pack, name: str, raw: Any) -> Any:
    """A parameter override, converted to the type of the pack's default."""
    if name not in pack.params:
        known = ", ".join(sorted(pack.params)) or "none"
        raise ConfigError(f"pack '{pack.name}' has no parameter '{name}' (it has: {known})")
    default = pack.params[name]
    if isinstance(raw, str) and not isinstance(default, str):
        try:
            if isinstance(default, bool):
                if raw.lower() not in {"true", "false"}:
                    raise ValueError
                return raw.lower() == "true"
            return type(default)(raw)
        except ValueError:
            raise ConfigError(
                f"parameter {pack.name}.{name} must be {type(default).__name__}, not '{raw}'"
            ) from None
    if isinstance(default, float) and isinstance(raw, int):
        return float(raw)
    if type(raw) is not type(default):
        raise ConfigError(f"parameter {pack.name}.{name} must be {type(default).__name__}")
    return raw


def resolve_params(pack: Pack, *overrides: dict[str, Any]) -> dict[str, Any]:
    """Defaults < campaign.toml < command line (each later mapping wins)."""
    params = dict(pack.params)
    for layer in overrides:
        for name, value in layer.items():
            params[name] = coerce_param(pack, name, value)
    return params


OUTPUT_TABLE = "pack_output"


class PackSkipped(Exception):
    """Raised by a pack runner for a pack its engine cannot run (campaign.spark): the message is
    one sentence saying why, and the run goes on without the pack."""


def run_pack(
    con: duckdb.DuckDBPyConnection, pack: Pack, params: dict[str, Any]
) -> duckdb.DuckDBPyRelation:
    """Run a pack with bound parameters; its output is checked (columns, then every value) before
    it is returned, so nothing a refused pack made reaches anything else."""
    check_query(pack)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {OUTPUT_TABLE} AS {pack.sql}", params)
    except duckdb.Error as exc:
        raise PackError(
            f"the query failed: {str(exc).splitlines()[0]}", pack.path, pack.sql_line
        ) from None
    relation = con.table(OUTPUT_TABLE)
    check_columns(pack, relation.columns)
    check_output(con, pack, OUTPUT_TABLE)
    return relation


def check_columns(pack: Pack, columns: list[str]) -> None:
    forbidden = sorted(FORBIDDEN_OUTPUT_COLUMNS & set(columns))
    if forbidden:
        raise PackError(
            f"returns '{forbidden[0]}', which identifies a listener and must never leave a pack",
            pack.path,
        )
    missing = [c for c in FACT_COLUMNS if c not in columns]
    if missing:
        raise PackError(f"does not return the fact column '{missing[0]}'", pack.path, pack.sql_line)
    extra = sorted(set(columns) - set(FACT_COLUMNS) - set(OPTIONAL_FACT_COLUMNS))
    if extra:
        raise PackError(
            f"returns '{extra[0]}', which is not a fact column (put extras in `detail`)", pack.path
        )
