"""DuckDB pack SQL to Spark SQL: sqlglot's transpiler plus rewrites of the parsed tree.

sqlglot translates most of DuckDB's dialect, but some of what it emits fails on Spark and some
runs and is silently wrong (issue 11 measured both). Each rewrite below fixes one of those on the
tree, never on the text. Parameters are bound into the tree before anything else, because a
window frame bound must be a literal on Spark. Macros (`tail_rank`, `in_season`) are expanded in
place.
A query that cannot be expressed on Spark raises `TranspileError` with one sentence saying why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.simplify import simplify
from sqlglot.tokens import TokenType

from campaign.spark.rewrites import REWRITES, ColumnKinds, TranspileError, infer_kinds


@dataclass(frozen=True)
class TableMacro:
    """A DuckDB table macro: `CREATE MACRO name(params) AS TABLE body`; `query_table(p)` in the
    body reads the table named by parameter p."""

    name: str
    params: tuple[str, ...]
    body: exp.Query


@dataclass(frozen=True)
class ScalarMacro:
    """A DuckDB scalar macro: `CREATE MACRO name(params) AS expression` (`in_season`)."""

    name: str
    params: tuple[str, ...]
    body: exp.Expression


Macro = TableMacro | ScalarMacro


@dataclass(frozen=True)
class TranspileContext:
    """What the rewrites need to know beyond the query: its parameters, the table macros, the
    columns that hold dates and lists (from the workspace's schema) and how a table name is
    resolved."""

    params: dict[str, Any] = field(default_factory=dict)
    macros: dict[str, Macro] = field(default_factory=dict)
    date_columns: frozenset[str] = frozenset()
    list_columns: frozenset[str] = frozenset()
    table_name: Callable[[exp.Table], exp.Expression] | None = None


def parse_duckdb(sql: str) -> exp.Expression:
    """Parse DuckDB SQL; DuckDB's trailing comma after the last CTE is dropped at token level."""
    dialect = sqlglot.Dialect.get_or_raise("duckdb")
    try:
        tokens = dialect.tokenize(sql)
        tokens = [
            t
            for i, t in enumerate(tokens)
            if not (
                t.token_type == TokenType.COMMA
                and 0 < i < len(tokens) - 1
                and tokens[i - 1].token_type == TokenType.R_PAREN
                and tokens[i + 1].token_type == TokenType.SELECT
            )
        ]
        trees = dialect.parser().parse(tokens, sql)
    except SqlglotError as exc:
        raise TranspileError(f"sqlglot cannot parse it ({_first_line(exc)})") from None
    if len(trees) != 1 or trees[0] is None:
        raise TranspileError("it is not one SQL statement")
    return trees[0]


def parse_macro(sql: str) -> Macro | None:
    """The macro a `CREATE MACRO` statement defines (`AS TABLE query` or `AS expression`),
    else None."""
    match = re.match(
        r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+"
        r"(TABLE\s)?",
        sql,
        re.IGNORECASE,
    )
    if match is None:
        return None
    name, rest = match.group(1), sql[match.end() :]
    params = tuple(p.strip() for p in match.group(2).split(",") if p.strip())
    if match.group(3) is None:
        select = parse_duckdb(f"SELECT {rest}")
        if not isinstance(select, exp.Select) or len(select.expressions) != 1:
            raise TranspileError(f"macro {name} does not define one expression")
        return ScalarMacro(name, params, select.expressions[0])
    body = parse_duckdb(rest)
    if not isinstance(body, exp.Query):
        raise TranspileError(f"table macro {name} does not define a query")
    return TableMacro(name, params, body)


def to_spark(sql: str, context: TranspileContext | None = None) -> str:
    """The Spark SQL of one DuckDB query, parameters bound and every rewrite applied."""
    return spark_sql(rewrite(parse_duckdb(sql), context or TranspileContext()))


def spark_sql(tree: exp.Expression) -> str:
    try:
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise TranspileError(f"sqlglot cannot write it for Spark ({_first_line(exc)})") from None


def rewrite(tree: exp.Expression, context: TranspileContext) -> exp.Expression:
    """Apply every rewrite, in order: binding first (later ones fold the bound literals)."""
    tree = bind_params(tree, context.params)
    tree = expand_macros(tree, context.macros)
    kinds = infer_kinds(tree, ColumnKinds(context.date_columns, context.list_columns))
    for step in REWRITES:
        tree = _bottom_up(tree, step, kinds)
    if context.table_name is not None:
        tree = rename_tables(tree, context.table_name)
    return tree


def _bottom_up(
    tree: exp.Expression,
    step: Callable[[exp.Expression, ColumnKinds], exp.Expression],
    kinds: ColumnKinds,
) -> exp.Expression:
    """Apply a rewrite to every node, children before parents, so a rewritten node's parts are
    rewritten too (sqlglot's `transform` does not revisit what it replaced)."""
    for node in reversed(list(tree.dfs())):
        new = step(node, kinds)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def bind_params(tree: exp.Expression, params: dict[str, Any]) -> exp.Expression:
    """Replace each `$name` by its value as a literal, then fold constant arithmetic inside
    intervals and frame bounds (`INTERVAL ($weeks * 7) DAY` becomes `INTERVAL 35 DAY`)."""

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in params:
                raise TranspileError(f"parameter ${node.name} has no value")
            return exp.convert(params[node.name])
        return node

    tree = tree.transform(bind)
    for interval in list(tree.find_all(exp.Interval)):
        value = fold_constants(interval.this.copy())
        if not (isinstance(value, exp.Literal) and re.fullmatch(r"-?\d+(\.\d+)?", value.name)):
            raise TranspileError(f"interval {interval.sql('duckdb')} is not a constant")
        interval.set("this", exp.Literal.string(value.name))
    for spec in list(tree.find_all(exp.WindowSpec)):
        for side in ("start", "end"):
            bound = spec.args.get(side)
            if isinstance(bound, exp.Expression) and not isinstance(bound, exp.Interval):
                spec.set(side, fold_constants(bound.copy()))
    return tree


def fold_constants(node: exp.Expression) -> exp.Expression:
    """Constant arithmetic and `least`/`greatest` of numbers folded to one literal (a frame
    bound must be a literal in Spark: `LEAST(8, $n * 7) PRECEDING` becomes `8 PRECEDING`)."""

    def fold(part: exp.Expression) -> exp.Expression:
        if isinstance(part, exp.Least | exp.Greatest):
            args = [simplify(a) for a in (part.this, *part.expressions)]
            if all(isinstance(a, exp.Literal) and not a.is_string for a in args):
                values = [a.to_py() for a in args]
                return exp.convert(min(values) if isinstance(part, exp.Least) else max(values))
        return part

    return simplify(simplify(node).transform(fold))


def expand_macros(tree: exp.Expression, macros: dict[str, Macro]) -> exp.Expression:
    """Every macro call expanded in place: scalar macros first, then table macros."""
    scalars = {n: m for n, m in macros.items() if isinstance(m, ScalarMacro)}
    tables = {n: m for n, m in macros.items() if isinstance(m, TableMacro)}
    return expand_table_macros(expand_scalar_macros(tree, scalars), tables)


def _arguments(call: exp.Anonymous, macro: Macro) -> dict[str, exp.Expression]:
    """Each of the macro's parameters with its argument in the call."""
    if len(call.expressions) != len(macro.params):
        raise TranspileError(f"{macro.name} takes {len(macro.params)} arguments")
    return dict(zip(macro.params, call.expressions, strict=True))


def expand_scalar_macros(tree: exp.Expression, macros: dict[str, ScalarMacro]) -> exp.Expression:
    """`in_season(month(day), 11, 1)` becomes the macro's expression, each parameter replaced
    by its argument (in brackets, so `m` in `m >= first` keeps its precedence), and any macro
    that expression calls expanded in turn."""

    def expand(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Anonymous) or node.name.lower() not in macros:
            return node
        macro = macros[node.name.lower()]
        args = _arguments(node, macro)

        def substitute(inner: exp.Expression) -> exp.Expression:
            if isinstance(inner, exp.Column) and not inner.table and inner.name in args:
                return exp.Paren(this=args[inner.name].copy())
            return inner

        body = macro.body.copy().transform(substitute)
        return exp.Paren(this=expand_scalar_macros(body, macros))

    return tree.transform(expand)


def expand_table_macros(tree: exp.Expression, macros: dict[str, TableMacro]) -> exp.Expression:
    """`FROM tail_rank(cells, market, plays)` becomes the macro's query as a subquery, with
    `query_table(cells)` reading `cells` and each other parameter replaced by its argument. The
    macro's own CTEs get a name per expansion: Spark lifts CTEs to one WITH, where two of one
    name (or one the pack also uses) are an error."""
    expansions = 0

    def expand(node: exp.Expression) -> exp.Expression:
        nonlocal expansions
        call = node.this if isinstance(node, exp.Table) else None
        if not isinstance(call, exp.Anonymous) or call.name.lower() not in macros:
            return node
        macro = macros[call.name.lower()]
        args = _arguments(call, macro)
        expansions += 1
        own = {cte.alias_or_name for cte in macro.body.find_all(exp.CTE)}
        renamed = {name: f"{macro.name}_{expansions}_{name}" for name in own}

        def substitute(inner: exp.Expression) -> exp.Expression:
            if isinstance(inner, exp.Anonymous) and inner.name.lower() == "query_table":
                return exp.to_table(args[inner.expressions[0].name].name)
            if isinstance(inner, exp.Column) and not inner.table and inner.name in args:
                return args[inner.name].copy()
            if isinstance(inner, exp.Table) and not inner.db and inner.name in renamed:
                return exp.to_table(renamed[inner.name])
            cte_name = isinstance(inner, exp.TableAlias) and isinstance(inner.parent, exp.CTE)
            if cte_name and inner.name in renamed:
                return exp.TableAlias(this=exp.to_identifier(renamed[inner.name]))
            return inner

        body = macro.body.copy().transform(substitute)
        alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(macro.name))
        return exp.Subquery(this=body, alias=alias.copy())

    return tree.transform(expand)


def rename_tables(
    tree: exp.Expression, resolve: Callable[[exp.Table], exp.Expression]
) -> exp.Expression:
    """Resolve every table the query reads that is not one of its own CTEs."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}

    def rename(node: exp.Expression) -> exp.Expression:
        is_table = isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier)
        if is_table and (node.db or node.name not in ctes):
            return resolve(node)
        return node

    return tree.transform(rename)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def table_names(tree: exp.Expression) -> Iterable[str]:
    """The tables a query reads, its own CTEs left out."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes})
