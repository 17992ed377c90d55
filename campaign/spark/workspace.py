"""The workspace on Spark: the statements the DuckDB workspace is built with, replayed there.

`open_workspace` is given a connection that records every statement it executes. Each recorded
view or `CREATE TABLE AS` is transpiled (campaign.spark.transpile) and created on Spark as a temp
view (a table is persisted, as DuckDB materialises it); `read_parquet([...])` becomes the same
Parquet files read by Spark; a table DuckDB fills from Python (market_tz, events) is copied over,
it is small; table macros are kept for expansion into the packs; DuckDB's `individual` schema
becomes views named `individual__<view>`. A statement Spark refuses is remembered with its
reason, so a pack that reads its table is skipped naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from campaign.spark.rewrites import TranspileError
from campaign.spark.transpile import (
    TableMacro,
    TranspileContext,
    parse_duckdb,
    parse_table_macro,
    rewrite,
    spark_sql,
    table_names,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SCOPE_PREFIX = "{schema}__"


class RecordingConnection:
    """A DuckDB connection that keeps every statement executed on it, in order."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.inner = con
        self.statements: list[str] = []

    def execute(self, sql: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        self.statements.append(sql)
        return self.inner.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        self.statements.append(sql)
        return self.inner.executemany(sql, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class SparkWorkspace:
    """The Spark side of a workspace: which DuckDB table is which Spark view, what failed."""

    session: SparkSession
    macros: dict[str, TableMacro] = field(default_factory=dict)
    date_columns: frozenset[str] = frozenset()
    scoped: dict[str, set[str]] = field(default_factory=dict)  # schema -> its views
    failed: dict[str, str] = field(default_factory=dict)  # table -> why Spark lacks it
    _files: int = 0

    def context(self, params: dict[str, Any], scope: str | None = None) -> TranspileContext:
        """How a query is transpiled here: a pack of a scope reads that scope's views first."""
        return TranspileContext(
            params=params,
            macros=self.macros,
            date_columns=self.date_columns,
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

    def replay(self, statements: list[str], con: duckdb.DuckDBPyConnection) -> None:
        """Build on Spark what the statements built on DuckDB (`con`, already built)."""
        self.date_columns = frozenset(
            name
            for (name,) in con.execute(
                "SELECT DISTINCT column_name FROM duckdb_columns() WHERE data_type = 'DATE'"
            ).fetchall()
        )
        for sql in statements:
            macro = _table_macro(sql)
            if macro is not None:
                self.macros[macro.name] = macro
                continue
            try:
                tree = parse_duckdb(sql)
            except TranspileError:
                continue  # a DuckDB-only statement (a pragma): nothing to build
            if isinstance(tree, exp.Create) and tree.kind in {"VIEW", "TABLE"}:
                self._create(tree, con)
            elif isinstance(tree, exp.Drop):
                dropped = tree.find(exp.Table)
                if dropped is not None:
                    self.session.catalog.dropTempView(_spark_name(dropped))

    def _create(self, tree: exp.Create, con: duckdb.DuckDBPyConnection) -> None:
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        name, schema = target.name, target.db
        if schema and schema != "main":
            self.scoped.setdefault(schema, set()).add(name)
        spark_name = _spark_name(target)
        query = tree.expression
        if query is not None and (reason := self.missing_reason(query)):
            self.failed[name] = reason  # the table that failed first, and why
            return
        try:
            if query is None:  # filled from Python: copy DuckDB's rows over
                rows = con.table(_duckdb_name(target)).fetch_arrow_table()
                frame = self.session.createDataFrame(rows)
            else:
                query = query.copy()
                query = self._union_by_name(self._read_parquet(query))
                frame = self.session.sql(spark_sql(rewrite(query, self.context({}))))
                if tree.kind == "TABLE":
                    frame = frame.persist()
            frame.createOrReplaceTempView(spark_name)
        except Exception as exc:  # a TranspileError, or Spark's analysis errors (many classes)
            self.failed[name] = f"workspace table {name} could not be built on Spark: " + (
                _first_line(exc)
            )

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


def _table_macro(sql: str) -> TableMacro | None:
    try:
        return parse_table_macro(sql)
    except TranspileError:
        return None


def _spark_name(table: exp.Expression) -> str:
    schema = table.args.get("db")
    prefix = SCOPE_PREFIX.format(schema=schema.name) if schema and schema.name != "main" else ""
    return prefix + table.name


def _duckdb_name(table: exp.Expression) -> str:
    return f"{table.db}.{table.name}" if table.db else table.name


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
