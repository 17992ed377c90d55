"""`campaign packs lint`: check every pack before a campaign depends on it.

Each pack must parse (header, parameters), return the candidate-fact columns, and pass its own
test: `<pack>.test.toml` beside it, rows given → rows expected, run through the same workspace
as real data. A test file looks like:

    [given.daily_streams]            # or listens / users: `sql = "SELECT …"` or `csv = "…"`
    sql = "SELECT …"
    [campaign]                       # optional campaign settings (year, markets, privacy …)
    year = 2024
    [params]                         # optional parameter overrides
    min_ratio = 3.0
    [[expect]]                       # the rows expected, on the columns given (order ignored)
    market = "GB"
    period_start = 2024-02-14
    value = 300
"""

from __future__ import annotations

import tempfile
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from campaign.config import CampaignConfig, PrivacySettings
from campaign.errors import CampaignError, PackError
from campaign.facts import collect_facts
from campaign.packs import Pack, discover_packs, pack_dirs, parse_pack, resolve_params
from campaign.schema import TABLES
from campaign.workspace import open_workspace


def _write_given(
    con: duckdb.DuckDBPyConnection, table: str, spec: dict[str, str], folder: Path, test: Path
) -> Path:
    """Materialise one given table as canonical Parquet, cast to the canonical types."""
    if table not in TABLES:
        raise PackError(
            f"given table '{table}' is not a canonical table ({', '.join(TABLES)})", test
        )
    if "csv" in spec:
        source = folder / f"{table}.csv"
        source.write_text(spec["csv"].strip() + "\n", encoding="utf-8")
        query = f"SELECT * FROM read_csv('{source}', header = true, all_varchar = true)"
    elif "sql" in spec:
        query = spec["sql"]
    else:
        raise PackError(f"given.{table} needs `sql` or `csv`", test)
    path = folder / f"{table}.parquet"
    try:
        materialise(con, table, query, path)
    except duckdb.Error as exc:
        raise PackError(f"given.{table} failed: {str(exc).splitlines()[0]}", test) from None
    return path


def materialise(con: duckdb.DuckDBPyConnection, table: str, query: str, path: Path) -> None:
    """Write a query's rows as canonical Parquet of `table`, cast to the canonical types; a
    nullable column the query leaves out is NULL."""
    given = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM ({query})").fetchall()}
    columns = ", ".join(
        f"CAST({c.name} AS {c.type}) AS {c.name}"
        if c.name in given or not c.nullable
        else f"NULL::{c.type} AS {c.name}"
        for c in TABLES[table].columns
    )
    con.execute(f"COPY (SELECT {columns} FROM ({query})) TO '{path}' (FORMAT parquet)")


def _matches(row: dict[str, Any], expected: dict[str, Any]) -> bool:
    for key, want in expected.items():
        got = row.get(key)
        if isinstance(want, float) or isinstance(got, float):
            if got is None or abs(float(got) - float(want)) > 1e-6 * max(1.0, abs(float(want))):
                return False
        elif (isinstance(want, date) and not isinstance(got, date)) or got != want:
            return False
    return True


def run_pack_test(pack: Pack) -> None:
    """Raise PackError if the pack's own test fails."""
    test = pack.test_path
    if not test.is_file():
        raise PackError(
            f"has no test; write {test.name} beside it (rows given → rows expected)", pack.path
        )
    try:
        spec = tomllib.loads(test.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"is not valid TOML ({exc})", test) from None
    settings = dict(spec.get("campaign", {}))
    privacy = PrivacySettings(**settings.pop("privacy", {}))
    config = CampaignConfig(**settings, privacy=privacy)
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        files = [
            _write_given(con, table, given, Path(tmp), test)
            for table, given in spec.get("given", {}).items()
        ]
        try:
            params = resolve_params(pack, spec.get("params", {}))
        except CampaignError as exc:
            raise PackError(exc.message, test) from None
        ws = open_workspace(config, files)
        try:
            run = collect_facts(ws, pack, params, config.year)
        finally:
            ws.close()
    if run.skipped:
        raise PackError(f"the test's data does not suit the pack: it {run.skipped}", test)
    rows = [{**f.columns(), **{f"detail.{k}": v for k, v in f.detail.items()}} for f in run.facts]
    expected = spec.get("expect", [])
    unmatched = list(range(len(rows)))
    for want in expected:
        hit = next((i for i in unmatched if _matches(rows[i], want)), None)
        if hit is None:
            got = [{k: rows[i].get(k) for k in want} for i in range(len(rows))]
            raise PackError(f"expected a row {want}, but the pack returned {got}", test)
        unmatched.remove(hit)
    if unmatched:
        keys = Counter(k for want in expected for k in want) or {"subject_name": 1, "value": 1}
        extra = [{k: rows[i].get(k) for k in keys} for i in unmatched]
        raise PackError(f"the pack returned rows the test does not expect: {extra}", test)


def lint_packs(config: CampaignConfig) -> list[str]:
    """Every problem of every pack, one sentence each (an empty list means all pass)."""
    problems: list[str] = []
    for folder in pack_dirs(config.packs, config.root):
        paths = sorted(folder.glob("*.sql"))
        parsed = []
        for path in paths:
            try:
                parsed.append(parse_pack(path))
            except CampaignError as exc:
                problems.append(exc.describe())
        if len(parsed) == len(paths):
            try:
                discover_packs([folder])  # duplicate names
            except CampaignError as exc:
                problems.append(exc.describe())
        for pack in parsed:
            try:
                run_pack_test(pack)
            except CampaignError as exc:
                problems.append(exc.describe())
    return problems
