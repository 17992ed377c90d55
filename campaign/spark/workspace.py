"""The workspace on Spark: each statement the DuckDB workspace is built with, mirrored there.

The workspace is built on a connection (campaign.spark.build) that hands every statement here as
it runs. A view or `CREATE TABLE AS` is transpiled (campaign.spark.transpile) and created on Spark
as a temp view; a table made from the plays is computed once by `materialise`, written as Parquet
and read back from it by both engines, so no pack recomputes it and DuckDB never builds it too.
`read_parquet([...])` becomes the same Parquet files read by Spark; a table DuckDB fills from
Python (market_tz, events) is copied over before Spark next reads; macros are kept for
expansion into the packs; DuckDB's `individual` schema becomes views named `individual__<view>`.
A statement Spark refuses is remembered with its reason, so a pack that reads its table is
skipped naming it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from campaign.spark.rewrites import TranspileError
from campaign.spark.transpile import (
    Macro,
    TranspileContext,
    parse_duckdb,
    parse_macro,
    rewrite,
    spark_sql,
    table_names,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SCOPE_PREFIX = "{schema}__"
PLAYS = "raw_listens"


@dataclass
class SparkWorkspace:
    """The Spark side of a workspace: which DuckDB table is which Spark view, which were made
    from the plays, what failed."""

    session: SparkSession
    folder: Path | None = None  # where the tables made from the plays are written as Parquet
    from_plays: set[str] = field(default_factory=lambda: {PLAYS})  # relations read from them
    macros: dict[str, Macro] = field(default_factory=dict)
    date_columns: frozenset[str] = frozenset()
    list_columns: frozenset[str] = frozenset()
    scoped: dict[str, set[str]] = field(default_factory=dict)  # schema -> its views
    failed: dict[str, str] = field(default_factory=dict)  # table -> why Spark lacks it
    _from_python: dict[str, str] = field(default_factory=dict)  # Spark view -> DuckDB table
    _copies: set[str] = field(default_factory=set)  # those of them changed since Spark read them
    _files: int = 0

    def context(self, params: dict[str, Any], scope: str | None = None) -> TranspileContext:
        """How a query is transpiled here: a pack of a scope reads that scope's views first."""
        return TranspileContext(
            params=params,
            macros=self.macros,
            date_columns=self.date_columns,
            list_columns=self.list_columns,
            table_name=lambda table: self._resolve(table, scope),
        )

    def missing_reason(self, sql_tree: exp.Expression) -> str | None:
        """Why a query cannot run: one of the tables it reads failed to build on Spark."""
        return next((self.failed[n] for n in table_names(sql_tree) if n in self.failed), None)

    def _resolve(self, table: exp.Table, scope: str | None) -> exp.Expression:
        name = table.name
        schema = table.db or (scope if scope and name in self.scoped.get(scope, set()) else "")
        spark_name = name if schema in {"", "main"} else SCOPE_PREFIX.format(schema=schema) + name
        resolved = exp.to_table(spark_name)
        if table.args.get("alias"):
            resolved.set("alias", table.args["alias"].copy())
        return resolved

    def build(
        self, sql: str, parameters: Any, con: duckdb.DuckDBPyConnection
    ) -> duckdb.DuckDBPyConnection:
        """Run one workspace statement: a table made from the plays on Spark, read back by
        DuckDB from Spark's Parquet; anything else on DuckDB, then mirrored on Spark."""
        macro = _macro(sql)
        if macro is not None:
            self.macros[macro.name] = macro
            return con.execute(sql, parameters)
        try:
            tree = parse_duckdb(sql)
        except TranspileError:
            return con.execute(sql, parameters)  # a DuckDB-only statement (a pragma)
        if isinstance(tree, exp.Drop):
            dropped = tree.find(exp.Table)
            if dropped is not None:
                self.session.catalog.dropTempView(_spark_name(dropped))
        if isinstance(tree, exp.Insert):
            self.filled(tree)
        if not (isinstance(tree, exp.Create) and tree.kind in {"VIEW", "TABLE"}):
            return con.execute(sql, parameters)
        target, query = _target(tree), tree.expression
        if query is not None and set(table_names(query)) & self.from_plays:
            self.from_plays.add(target.name)
            if tree.kind == "TABLE" and parameters is None and self.folder is not None:
                path = self._materialise(tree, con)
                if path is not None:
                    files = "'" + str(path / "*.parquet").replace("'", "''") + "'"
                    loaded = tree.copy()
                    loaded.set("expression", parse_duckdb(f"SELECT * FROM read_parquet({files})"))
                    result = con.execute(loaded.sql(dialect="duckdb"))
                    self._learn_kinds(con, target)
                    return result
        result = con.execute(sql, parameters)
        self._learn_kinds(con, target)
        self._create(tree, con)
        return result

    def _materialise(self, tree: exp.Create, con: duckdb.DuckDBPyConnection) -> Path | None:
        """Compute a `CREATE TABLE AS` on Spark once, written as Parquet into `folder`; the
        table's Spark view then reads those files. None (the reason kept) when Spark cannot."""
        target = _target(tree)
        if reason := self.missing_reason(tree.expression):
            self.failed[target.name] = reason
            return None
        path = self.folder / _spark_name(target)  # type: ignore[operator]  # build checked it
        try:
            self._query(tree.expression, con).write.parquet(str(path))
            self.session.read.parquet(str(path)).createOrReplaceTempView(_spark_name(target))
        except Exception as exc:  # a TranspileError, or Spark's errors (many classes)
            self.failed[target.name] = (
                f"workspace table {target.name} could not be built on Spark: {_first_line(exc)}"
            )
            return None
        return path

    def filled(self, insert: exp.Expression) -> None:
        """An INSERT into a table DuckDB fills from Python: Spark's copy is stale until the
        next refresh."""
        target = insert.find(exp.Table)
        if target is not None and _spark_name(target) in self._from_python:
            self._copies.add(_spark_name(target))

    def refresh(self, con: duckdb.DuckDBPyConnection) -> None:
        """Catch up with DuckDB: copy over the tables it filled from Python since Spark last
        read (small ones)."""
        for spark_name in sorted(self._copies):
            rows = con.table(self._from_python[spark_name]).to_arrow_table()
            self.session.createDataFrame(rows).createOrReplaceTempView(spark_name)
        self._copies.clear()

    def _learn_kinds(self, con: duckdb.DuckDBPyConnection, target: exp.Table) -> None:
        """The date and list columns of a relation DuckDB has just made, added to those known
        (one DESCRIBE: the whole catalog's columns, asked at every statement, grew with it)."""
        for name, kind, *_ in con.execute(f"DESCRIBE {_duckdb_name(target)}").fetchall():
            if kind == "DATE":
                self.date_columns |= {name}
            elif kind.endswith("[]"):
                self.list_columns |= {name}

    def _create(self, tree: exp.Create, con: duckdb.DuckDBPyConnection) -> None:
        """The statement's view or table as a Spark view (a table persisted, as DuckDB keeps
        it); a table DuckDB fills from Python is copied over before Spark next reads."""
        target = _target(tree)
        name, schema = target.name, target.db
        if schema and schema != "main":
            self.scoped.setdefault(schema, set()).add(name)
        spark_name = _spark_name(target)
        query = tree.expression
        if query is None:  # filled from Python next: copied over before Spark reads it
            self._from_python[spark_name] = _duckdb_name(target)
            self._copies.add(spark_name)
            return
        if reason := self.missing_reason(query):
            self.failed[name] = reason  # the table that failed first, and why
            return
        try:
            frame = self._query(query, con)
            if tree.kind == "TABLE":
                frame = frame.persist()
            frame.createOrReplaceTempView(spark_name)
        except Exception as exc:  # a TranspileError, or Spark's analysis errors (many classes)
            self.failed[name] = f"workspace table {name} could not be built on Spark: " + (
                _first_line(exc)
            )

    def _query(self, query: exp.Expression, con: duckdb.DuckDBPyConnection) -> DataFrame:
        """A workspace query as a Spark DataFrame, against the workspace as it is now."""
        self.refresh(con)
        query = self._union_by_name(self._read_parquet(query.copy()))
        return self.session.sql(spark_sql(rewrite(query, self.context({}))))

    def _read_parquet(self, query: exp.Expression) -> exp.Expression:
        """`read_parquet([files], union_by_name = true)`: the files read by Spark, as a view."""
        for table in list(query.find_all(exp.Table)):
            call = table.this
            if not (isinstance(call, exp.Func) and call.sql_name().lower() == "read_parquet"):
                continue
            paths = [lit.name for lit in call.find_all(exp.Literal) if lit.is_string]
            self._files += 1
            view = f"parquet_files_{self._files}"
            reader = self.session.read.option("mergeSchema", "true")
            reader.parquet(*paths).createOrReplaceTempView(view)
            replacement = exp.to_table(view)
            if table.args.get("alias"):
                replacement.set("alias", table.args["alias"].copy())
            table.replace(replacement)
        return query

    def _union_by_name(self, query: exp.Expression) -> exp.Expression:
        """`a UNION ALL BY NAME b`: Spark SQL has no BY NAME, so each side selects the union of
        both sides' columns by name, in the left side's order, NULL where a side lacks one."""
        for union in reversed(list(query.find_all(exp.Union))):
            if not union.args.get("by_name"):
                continue
            left, right = union.this, union.expression
            columns = [self._columns(side) for side in (left, right)]
            names = columns[0] + [c for c in columns[1] if c not in columns[0]]
            for key, side, present in (
                ("this", left, columns[0]),
                ("expression", right, columns[1]),
            ):
                picked = [
                    exp.column(n) if n in present else exp.alias_(exp.null(), n) for n in names
                ]
                union.set(
                    "this" if key == "this" else "expression",
                    exp.select(*picked).from_(exp.Subquery(this=side.copy(), alias="side")),
                )
            union.set("by_name", None)
        return query

    def _columns(self, query: exp.Expression) -> list[str]:
        return self.session.sql(spark_sql(rewrite(query.copy(), self.context({})))).columns


def _macro(sql: str) -> Macro | None:
    try:
        return parse_macro(sql)
    except TranspileError:
        return None


def _target(tree: exp.Create) -> exp.Table:
    """The table or view a CREATE statement makes (its column list left aside)."""
    return tree.this.this if isinstance(tree.this, exp.Schema) else tree.this


def _spark_name(table: exp.Expression) -> str:
    schema = table.args.get("db")
    prefix = SCOPE_PREFIX.format(schema=schema.name) if schema and schema.name != "main" else ""
    return prefix + table.name


def _duckdb_name(table: exp.Expression) -> str:
    return f"{table.db}.{table.name}" if table.db else table.name


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


class SparkBuildConnection:
    """The DuckDB connection a workspace is built on with the Spark engine: each statement goes
    through `SparkWorkspace.build`; everything else is the connection's own."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spark: SparkWorkspace) -> None:
        self.inner = con
        self.spark = spark

    def execute(self, sql: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        return self.spark.build(sql, parameters, self.inner)

    def executemany(self, sql: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        result = self.inner.executemany(sql, parameters)
        with contextlib.suppress(TranspileError):
            self.spark.filled(parse_duckdb(sql))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
