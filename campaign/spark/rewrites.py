"""The rewrites of a parsed DuckDB query that make sqlglot's Spark SQL run, and run right.

One function per difference between the dialects that issue 11 measured; each takes a node and
the query's date and list columns and returns the node or its replacement. `is_date` and
`is_list` are the little type knowledge they need: `date - date` is a day count in DuckDB but an
interval in Spark, `len(list)` a count of items where Spark's `length` takes text only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.simplify import simplify


class TranspileError(Exception):
    """A query that cannot be run on Spark; the message is one sentence saying why."""


_DATE_PRESERVING = (
    exp.Min,
    exp.Max,
    exp.AnyValue,
    exp.ArgMax,
    exp.ArgMin,
    exp.First,
    exp.Last,
    exp.Coalesce,
    exp.Greatest,
    exp.Least,
    exp.Paren,
    exp.Lag,
    exp.Lead,
    exp.Window,
)


def is_date(node: exp.Expression, dates: frozenset[str]) -> bool:
    """Whether an expression is a DATE, judged from its form and the known date columns."""
    if isinstance(node, exp.Column):
        return node.name in dates
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DataType.Type.DATE)
    if isinstance(node, exp.Date | exp.DateFromParts | exp.LastDay | exp.DateAdd | exp.DateSub):
        return True
    if isinstance(node, exp.Add | exp.Sub):
        left, right = node.this, node.expression
        if is_date(left, dates) and not is_date(right, dates):
            return not isinstance(right, exp.Interval) or right.text("unit").upper() in {
                "DAY",
                "WEEK",
                "MONTH",
                "YEAR",
            }
        return isinstance(node, exp.Add) and is_date(right, dates)
    if isinstance(node, exp.Case | exp.If):
        branches = [node.args.get("true"), node.args.get("false")]
        branches += [i.args.get("true") for i in node.args.get("ifs") or []]
        branches.append(node.args.get("default"))
        return any(is_date(b, dates) for b in branches if isinstance(b, exp.Expression))
    if isinstance(node, _DATE_PRESERVING):
        inner = node.this
        while isinstance(inner, exp.Order):
            inner = inner.this
        return isinstance(inner, exp.Expression) and is_date(inner, dates)
    return False


_LIST_FORMS = (exp.Split, exp.Array, exp.ArrayAgg, exp.RegexpSplit)


def is_list(node: exp.Expression, lists: frozenset[str]) -> bool:
    """Whether an expression is a LIST, judged from its form and the known list columns."""
    if isinstance(node, exp.Column):
        return node.name in lists
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DataType.Type.ARRAY)
    if isinstance(node, exp.Paren | exp.Coalesce):
        return is_list(node.this, lists)
    return isinstance(node, _LIST_FORMS)


@dataclass(frozen=True)
class ColumnKinds:
    """The column names of a query known to hold dates and lists: the little type knowledge
    the rewrites need (`date - date`, `len(list)`)."""

    dates: frozenset[str] = frozenset()
    lists: frozenset[str] = frozenset()


def infer_kinds(tree: exp.Expression, known: ColumnKinds) -> ColumnKinds:
    """The known date and list columns and every alias the query defines over a date or a list
    expression."""
    return ColumnKinds(
        dates=_infer_columns(tree, known.dates, is_date),
        lists=_infer_columns(tree, known.lists, is_list),
    )


def _infer_columns(
    tree: exp.Expression,
    known: frozenset[str],
    judge: Callable[[exp.Expression, frozenset[str]], bool],
) -> frozenset[str]:
    """The known columns and every alias the query defines over an expression `judge` accepts,
    until no more are found (an alias over an alias counts)."""
    columns = set(known)
    while True:
        found = {
            alias.alias
            for alias in tree.find_all(exp.Alias)
            if alias.alias not in columns and judge(alias.this, frozenset(columns))
        }
        if not found:
            return frozenset(columns)
        columns |= found


# --- the rewrites --------------------------------------------------------------------------------


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    """A Spark function call, written as named."""
    return exp.Anonymous(this=name, expressions=list(args))


def drop_materialized(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`WITH x AS MATERIALIZED (...)`: Spark has no such hint; the CTE is the same query."""
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


def date_difference(node: exp.Expression, kinds: ColumnKinds) -> exp.Expression:
    """`date - date` is a day count in DuckDB and an interval in Spark: `datediff`."""
    dates = kinds.dates
    if isinstance(node, exp.Sub) and is_date(node.this, dates) and is_date(node.expression, dates):
        return _fn("datediff", node.this, node.expression)
    return node


def duration_functions(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`to_minutes(n)`, `to_milliseconds(n)`: Spark's `make_dt_interval`."""
    if isinstance(node, exp.Anonymous) and node.name.lower() in {"to_minutes", "to_milliseconds"}:
        (amount,) = node.expressions
        zero = exp.Literal.number(0)
        if node.name.lower() == "to_minutes":
            return _fn("make_dt_interval", zero, zero, amount, zero)
        seconds = exp.Div(this=exp.Paren(this=amount), expression=exp.Literal.number("1000.0"))
        return _fn("make_dt_interval", zero, zero, zero, seconds)
    return node


def parenthesise_windows(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`sum(n) OVER w - x`: Spark reads `w - x` as the window's name; brackets keep it apart."""
    if isinstance(node, exp.Window) and isinstance(node.parent, exp.Binary):
        return exp.Paren(this=node.copy())
    return node


def range_table(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`FROM range(1, 13) AS t(c)`: a subquery exploding Spark's inclusive `sequence`;
    `unnest(range(a, b))` in a select list likewise."""
    if isinstance(node, exp.GenerateSeries):
        end = node.args["end"]
        if node.args.get("is_end_exclusive"):
            end = simplify(exp.Sub(this=end.copy(), expression=exp.Literal.number(1)))
        args = [node.args["start"], end] + ([node.args["step"]] if node.args.get("step") else [])
        sequence = _fn("sequence", *args)
        parent = node.parent
        if isinstance(parent, exp.Table):
            alias = parent.args.get("alias")
            columns = alias.columns if alias else []
            name = columns[0].name if columns else "range"
            select = exp.select(exp.alias_(_fn("explode", sequence), name))
            return exp.Subquery(this=select)
        return sequence
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Subquery):
        alias = node.args.get("alias")
        return exp.Subquery(
            this=node.this.this, alias=exp.TableAlias(this=alias.this) if alias else None
        )
    return node


def time_zone(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`timezone(tz, ts)`: the wall-clock time in tz; Spark's `from_utc_timestamp` (the session
    zone is UTC, so a timestamp is read as UTC)."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone":
        zone, stamp = node.expressions
        return _fn("from_utc_timestamp", stamp, zone)
    return node


def distinct_window_count(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`count(DISTINCT x) OVER (...)`: Spark has none; `size(collect_set(x) OVER (...))`."""
    if isinstance(node, exp.Window) and isinstance(node.this, exp.Count):
        distinct = node.this.this
        if isinstance(distinct, exp.Distinct):
            if len(distinct.expressions) != 1:
                raise TranspileError("count(DISTINCT a, b) OVER has no Spark form")
            window = node.copy()
            window.set("this", _fn("collect_set", distinct.expressions[0]))
            return _fn("size", window)
    return node


def array_length(node: exp.Expression, kinds: ColumnKinds) -> exp.Expression:
    """`len(list)` counts a list's items: Spark's `size` (its `length` is for text only). A list
    is told by its form (`string_split(…)`, `list(…)`, a cast to `T[]`) or by a column known or
    defined as one (`len(f.evidence)` over `list(…) AS evidence`)."""
    if isinstance(node, exp.Length) and is_list(node.this, kinds.lists):
        return _fn("size", node.this)
    return node


def _ordered_items(value: exp.Expression, order: list[exp.Ordered]) -> exp.Expression:
    """`list(value ORDER BY keys)` on Spark: collect (keys, value) structs, sort them with a
    comparator that honours each key's direction and DuckDB's NULLS LAST, keep the values."""
    keys = [f"k{i}" for i in range(len(order))]
    fields = [exp.alias_(o.this, k) for o, k in zip(order, keys, strict=True)]
    items = _fn("collect_list", _fn("struct", *fields, exp.alias_(value, "v")))
    comparison: exp.Expression = exp.Literal.number(0)
    for ordered, key in reversed(list(zip(order, keys, strict=True))):
        left, right = exp.column(key, "l"), exp.column(key, "r")
        sign = -1 if ordered.args.get("desc") else 1
        nulls = -1 if ordered.args.get("nulls_first") else 1
        comparison = (
            exp.case()
            .when(exp.and_(left.is_(exp.null()), right.is_(exp.null())), comparison)
            .when(left.is_(exp.null()), exp.Literal.number(nulls))
            .when(right.is_(exp.null()), exp.Literal.number(-nulls))
            .when(exp.LT(this=left, expression=right), exp.Literal.number(-sign))
            .when(exp.GT(this=left, expression=right), exp.Literal.number(sign))
            .else_(comparison)
        )
    comparator = exp.Lambda(this=comparison, expressions=[exp.to_identifier(n) for n in "lr"])
    pick = exp.Lambda(this=exp.column("v", "e"), expressions=[exp.to_identifier("e")])
    return _fn("transform", _fn("array_sort", items, comparator), pick)


def ordered_aggregates(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`list(x ORDER BY k)` (Spark's collect_list ignores the order) and `first(x ORDER BY k)`
    (Spark's first takes no order): sorted explicitly, the first item taken for `first`."""
    if isinstance(node, exp.ArrayAgg | exp.First) and isinstance(node.this, exp.Order):
        items = _ordered_items(node.this.this, node.this.expressions)
        return (
            items
            if isinstance(node, exp.ArrayAgg)
            else _fn("element_at", items, exp.Literal.number(1))
        )
    return node


def _with_flags(pattern: exp.Expression, flags: str, what: str) -> exp.Expression:
    """A pattern with DuckDB's option letters as Java inline flags."""
    unknown = set(flags) - set("gics")
    if unknown:
        raise TranspileError(f"{what} option '{sorted(unknown)[0]}' has no Spark form")
    inline = "".join(f for f in flags if f in "is")
    if not inline:
        return pattern
    return exp.Paren(
        this=exp.DPipe(this=exp.Literal.string(f"(?{inline})"), expression=pattern, safe=True)
    )


def regexp_flags(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """DuckDB's regexp options: 'i' (case-insensitive) becomes an inline `(?i)`; Spark drops the
    argument silently. `regexp_replace` without 'g' replaces the first match only, where
    Spark's replaces them all: the first match is isolated by a lazy prefix."""
    if isinstance(node, exp.RegexpLike) and node.args.get("flag") is not None:
        flags = node.args["flag"].name
        return exp.RegexpLike(
            this=node.this, expression=_with_flags(node.expression, flags, "regexp_matches")
        )
    if isinstance(node, exp.RegexpReplace):
        flags = node.args["modifiers"].name if node.args.get("modifiers") else ""
        pattern = _with_flags(node.expression, flags.replace("g", ""), "regexp_replace")
        replacement = node.args["replacement"]
        if not isinstance(replacement, exp.Literal):
            raise TranspileError("regexp_replace with a computed replacement has no Spark form")
        text = re.sub(r"\\(\d)", lambda m: "$" + str(int(m.group(1)) + ("g" not in flags)),
                      replacement.name.replace("$", "\\$"))  # fmt: skip
        if "g" not in flags:
            pattern = exp.DPipe(
                this=exp.Literal.string("^((?s).*?)(?:"),
                expression=exp.DPipe(this=pattern, expression=exp.Literal.string(")"), safe=True),
                safe=True,
            )
            text = "$1" + text
        return _fn("regexp_replace", node.this, pattern, exp.Literal.string(text))
    return node


def regexp_full_match(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`regexp_full_match(s, p)`: the whole text must match: an anchored RLIKE."""
    if isinstance(node, exp.RegexpFullMatch):
        text, pattern = node.this, node.expression
        anchored = exp.Paren(
            this=exp.DPipe(
                this=exp.Literal.string("^(?:"),
                expression=exp.DPipe(this=pattern, expression=exp.Literal.string(")$"), safe=True),
                safe=True,
            )
        )
        return exp.RegexpLike(this=text, expression=anchored)
    return node


def list_index(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`list[i]` is 1-based in DuckDB: Spark's `element_at` is 1-based too (sqlglot shifts only
    literal indexes, a column index silently reads the next item)."""
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and not node.args.get("offset"):
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and index.is_string:
            return node  # a map key or a struct field
        if isinstance(index, exp.Literal):  # sqlglot stores a literal index 0-based
            index = exp.Literal.number(int(index.to_py()) + 1)
        return _fn("element_at", node.this, index)
    return node


def iso_weekday(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`isodow(d)`: Monday 1 … Sunday 7; Spark's `weekday` counts Monday 0."""
    if isinstance(node, exp.DayOfWeekIso):
        return exp.Paren(
            this=exp.Add(this=_fn("weekday", node.this), expression=exp.Literal.number(1))
        )
    return node


def tuples_as_structs(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`(a, b)` compared as a row (`arg_max(x, (a, b))`): Spark's `struct(a, b)`."""
    if isinstance(node, exp.Tuple) and not isinstance(node.parent, exp.In | exp.Values):
        return _fn("struct", *node.expressions)
    return node


_FORMAT_FIELD = re.compile(r"\{(:[^}]*)?\}|%")


def format_placeholders(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """DuckDB's `format('{} of {:.1f}', …)` (fmt syntax): Spark's `format_string` (printf)."""
    if isinstance(node, exp.Format):
        template = _constant_text(node.this)
        if template is None:
            raise TranspileError("format() with a computed template has no Spark form")

        def printf(match: re.Match[str]) -> str:
            if match.group(0) == "%":
                return "%%"
            spec = (match.group(1) or ":")[1:]
            if spec and not re.fullmatch(r"\.\d+f|d|,d?", spec):
                raise TranspileError(f"format field {{:{spec}}} has no Spark form")
            return "%" + {"": "s", ",": ",d"}.get(spec, spec)

        text = _FORMAT_FIELD.sub(printf, template)
        return _fn("format_string", exp.Literal.string(text), *node.expressions)
    return node


def _constant_text(node: exp.Expression) -> str | None:
    """The text of a string literal or of literals joined with ||, else None."""
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name
    if isinstance(node, exp.Paren):
        return _constant_text(node.this)
    if isinstance(node, exp.DPipe):
        left, right = _constant_text(node.this), _constant_text(node.expression)
        return None if left is None or right is None else left + right
    return None


def float_division(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """DuckDB's `/` is a DOUBLE division whatever its operands. Spark divides decimals as
    decimals, its quotient cut to 6 places (`1.0 * a / b`: a share of 1e-6 becomes 0 or 1e-6, and
    market_contrast's expected count, that share times a large total, lost two digits), so the
    dividend is cast to DOUBLE. And `a / 0` is ±infinity (NaN for 0/0) in DuckDB, NULL in Spark
    without ANSI mode."""
    if not isinstance(node, exp.Div):
        return node
    dividend = exp.cast(node.this.copy(), "DOUBLE")
    divided = exp.Div(this=dividend, expression=node.expression, typed=False, safe=False)
    if isinstance(node.expression, exp.Literal) and node.expression.to_py() != 0:
        return exp.Paren(this=divided)
    infinite = exp.Mul(
        this=dividend.copy(), expression=exp.cast(exp.Literal.string("Infinity"), "DOUBLE")
    )
    zero = exp.EQ(this=node.expression.copy(), expression=exp.Literal.number(0))
    return exp.Paren(this=exp.case().when(zero, infinite).else_(divided))


def ordered_quantiles(node: exp.Expression, _: ColumnKinds) -> exp.Expression:
    """`quantile_disc(x, q)` (and `quantile_cont`): Spark takes the fraction and orders by x,
    `percentile_disc(q) WITHIN GROUP (ORDER BY x)`."""
    quantile = isinstance(node, exp.PercentileDisc | exp.PercentileCont)
    if quantile and node.args.get("expression") is not None:
        order = exp.Order(expressions=[exp.Ordered(this=node.this, nulls_first=False)])
        name = "percentile_disc" if isinstance(node, exp.PercentileDisc) else "percentile_cont"
        # as a plain call: sqlglot would write an ordered PercentileDisc as percentile_approx
        return exp.WithinGroup(this=_fn(name, node.expression), expression=order)
    return node


REWRITES: tuple[Callable[[exp.Expression, ColumnKinds], exp.Expression], ...] = (
    drop_materialized,
    date_difference,
    duration_functions,
    range_table,
    time_zone,
    distinct_window_count,
    array_length,
    ordered_aggregates,
    regexp_flags,
    regexp_full_match,
    list_index,
    iso_weekday,
    tuples_as_structs,
    format_placeholders,
    float_division,
    ordered_quantiles,
    parenthesise_windows,
)
