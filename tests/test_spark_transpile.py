"""The DuckDB-to-Spark rewrites, checked on sqlglot alone (no Spark): one test per failure that
issue 11 measured when pack SQL is transpiled as it is."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.pack_views import _STATEMENTS, SHARED_MACROS
from campaign.spark.rewrites import TranspileError
from campaign.spark.transpile import (
    TableMacro,
    TranspileContext,
    parse_macro,
    to_spark,
)

MACROS = {m.name: m for m in (parse_macro(s) for s in _STATEMENTS) if m is not None}
CONTEXT = TranspileContext(
    params={"weeks": 5, "gap": 30, "pattern": "xmas", "n": 3},
    macros=MACROS,
    date_columns=frozenset({"day", "release_date"}),
)


def spark(sql: str, context: TranspileContext = CONTEXT) -> str:
    return to_spark(sql, context)


def test_the_table_macros_are_found() -> None:
    assert {n for n, m in MACROS.items() if isinstance(m, TableMacro)} == set(SHARED_MACROS)


def test_a_scalar_macro_is_expanded_with_its_arguments_bracketed() -> None:
    out = spark("SELECT * FROM t WHERE NOT in_season(month(day), $n, 1 + 0)")
    assert out == (
        "SELECT * FROM t WHERE NOT (CASE WHEN (3) <= (1 + 0) THEN (MONTH(day)) BETWEEN (3) AND "
        "(1 + 0) ELSE (MONTH(day)) >= (3) OR (MONTH(day)) <= (1 + 0) END)"
    )
    with pytest.raises(TranspileError, match="in_season takes 3 arguments"):
        spark("SELECT in_season(1, 2) FROM t")


def test_a_macro_that_calls_a_macro_is_expanded_through() -> None:
    out = spark("SELECT count_variance(n) FROM t")
    assert "count_square_sum" not in out.lower() and "count_variance" not in out.lower()
    assert "SUM(CAST(((n)) AS DECIMAL(38, 0)) * CAST(((n)) AS DECIMAL(38, 0)))" in out


def test_a_bound_interval_in_a_window_frame_becomes_a_literal() -> None:
    out = spark(
        "SELECT sum(n) OVER (ORDER BY day RANGE BETWEEN INTERVAL ($weeks * 7) DAY PRECEDING "
        "AND INTERVAL 1 DAY PRECEDING) FROM t"
    )
    assert "INTERVAL '35' DAY PRECEDING" in out and "$" not in out and ":weeks" not in out


def test_a_rows_frame_bound_is_bound_too() -> None:
    out = spark(
        "SELECT sum(n) OVER (ORDER BY day ROWS BETWEEN $n PRECEDING AND 1 PRECEDING) FROM t"
    )
    assert "ROWS BETWEEN 3 PRECEDING" in out


def test_least_and_greatest_in_a_frame_bound_fold_to_a_literal() -> None:
    out = spark(
        "SELECT sum(n) OVER (ORDER BY d RANGE BETWEEN greatest($n * 8, 2) PRECEDING "
        "AND least(8, $weeks * 7) PRECEDING) FROM t"
    )
    assert "RANGE BETWEEN 24 PRECEDING AND 8 PRECEDING" in out


def test_an_unknown_parameter_is_named() -> None:
    with pytest.raises(TranspileError, match=r"\$missing"):
        spark("SELECT $missing FROM t")


def test_date_minus_date_is_a_day_count() -> None:
    out = spark("SELECT a.day - b.release_date AS gap, day - 1 AS before, before - day FROM t")
    assert "DATEDIFF(a.day, b.release_date)" in out
    assert "day - 1 AS before" in out  # a date minus days stays a date
    assert "DATEDIFF(before, day)" in out  # an alias over a date is a date


def test_numbers_are_still_subtracted() -> None:
    assert spark("SELECT a - b FROM t") == "SELECT a - b FROM t"


def test_as_materialized_is_dropped() -> None:
    assert "MATERIALIZED" not in spark("WITH x AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM x")


def test_durations() -> None:
    out = spark("SELECT to_minutes($gap), to_milliseconds(ms) FROM t")
    assert "MAKE_DT_INTERVAL(0, 0, 30, 0)" in out
    assert "MAKE_DT_INTERVAL(0, 0, 0, (CAST((ms) AS DOUBLE) / 1000.0))" in out


def test_a_window_in_arithmetic_is_parenthesised() -> None:
    out = spark("SELECT sum(n) OVER w - x AS y FROM t WINDOW w AS (PARTITION BY m)")
    assert "(SUM(n) OVER w) - x" in out


def test_range_in_from_is_an_exploded_sequence() -> None:
    out = spark("SELECT m FROM range(1, 13) AS months(m)")
    assert out == "SELECT m FROM (SELECT EXPLODE(SEQUENCE(1, 12)) AS m) AS months"


def test_timezone_is_from_utc_timestamp() -> None:
    out = spark("SELECT CAST(timezone(tz.tz, l.played_at) AS DATE) FROM l")
    assert "FROM_UTC_TIMESTAMP(l.played_at, tz.tz)" in out


def test_count_distinct_over_a_window() -> None:
    out = spark("SELECT count(DISTINCT u) OVER (PARTITION BY m) FROM t")
    assert out == "SELECT SIZE(COLLECT_SET(u) OVER (PARTITION BY m)) FROM t"


def test_the_length_of_a_split_is_its_size() -> None:
    assert "SIZE(SPLIT(" in spark("SELECT len(string_split(title, ' ')) FROM t")


def test_the_length_of_a_list_column_is_its_size_and_of_text_its_length() -> None:
    out = spark(
        "WITH f AS (SELECT list(x ORDER BY n) AS evidence, NULL::INT[] AS empty, name FROM t "
        "GROUP BY name) SELECT len(f.evidence), len(empty), len(f.name), len(tags) FROM f"
    )
    assert "SIZE(f.evidence)" in out and "SIZE(empty)" in out
    assert "LENGTH(f.name)" in out  # text keeps its length
    known = TranspileContext(list_columns=frozenset({"tags"}))  # a list in the workspace
    assert "SIZE(tags)" in spark("SELECT len(tags), len(name) FROM t", known)
    assert "LENGTH(name)" in spark("SELECT len(tags), len(name) FROM t", known)


def test_first_with_an_order_sorts_explicitly() -> None:
    out = spark("SELECT first(name ORDER BY owners DESC, name) FROM t")
    assert out.startswith("SELECT ELEMENT_AT(TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(owners AS k0")
    assert "WHEN l.k0 < r.k0 THEN 1" in out  # descending on the first key
    assert "WHEN l.k1 < r.k1 THEN -1" in out  # ascending on the second


def test_an_ordered_list_keeps_its_order() -> None:
    assert "ARRAY_SORT(" in spark("SELECT list(x ORDER BY v) FROM t")


def test_a_case_insensitive_regexp_keeps_its_flag() -> None:
    out = spark("SELECT regexp_matches(track_name, $pattern, 'i') FROM t")
    assert out == "SELECT track_name RLIKE ('(?i)' || 'xmas') FROM t"


def test_regexp_replace_without_g_replaces_the_first_match_only() -> None:
    out = spark(r"SELECT regexp_replace(t, 'a(b)', '\1x', 'i') FROM t")
    assert "'^((?s).*?)(?:'" in out and "'$1$2x'" in out
    assert "REGEXP_REPLACE(t, 'a', '')" in spark("SELECT regexp_replace(t, 'a', '', 'g') FROM t")


def test_an_unknown_regexp_option_is_refused() -> None:
    with pytest.raises(TranspileError, match="option 'x'"):
        spark("SELECT regexp_matches(t, 'a', 'x') FROM t")


def test_a_list_index_by_a_column_stays_one_based() -> None:
    out = spark("SELECT ['Mon', 'Tue'][w.d], l[1] FROM t")
    assert "ELEMENT_AT(ARRAY('Mon', 'Tue'), w.d)" in out and "ELEMENT_AT(l, 1)" in out


def test_a_map_key_is_left_alone() -> None:
    assert "names['en']" in spark("SELECT names['en'] FROM events")


def test_isodow_counts_monday_as_one() -> None:
    assert spark("SELECT isodow(day) FROM t") == "SELECT (WEEKDAY(day) + 1) FROM t"


def test_division_by_zero_is_infinite_as_in_duckdb() -> None:
    out = spark("SELECT a / b, a / 2 FROM t")
    assert (
        "CASE WHEN b = 0 THEN CAST(a AS DOUBLE) * CAST('Infinity' AS DOUBLE) "
        "ELSE CAST(a AS DOUBLE) / b END" in out
    )
    assert "(CAST(a AS DOUBLE) / 2)" in out


def test_a_division_of_decimals_is_a_double_division_as_in_duckdb() -> None:
    # Spark would divide DECIMAL(38, 1) by DECIMAL(38, 0) to 6 places: 3.0 / 2000000 is 0.000002
    out = spark("SELECT sum(1.0 * n) / sum(m) AS share, (x - 1.5) / 1000.0 AS y FROM t")
    assert "ELSE CAST(SUM(1.0 * n) AS DOUBLE) / SUM(m) END" in out
    assert "CAST((x - 1.5) AS DOUBLE) / 1000.0" in out


def test_a_row_compared_is_a_struct() -> None:
    assert "MAX_BY(a, STRUCT(d, -" in spark("SELECT arg_max(a, (d, -epoch(f))) FROM t")


def test_format_placeholders_become_printf() -> None:
    out = spark("SELECT format('{} of {:.1f} (5%)', a, b) FROM t")
    assert "FORMAT_STRING('%s of %.1f (5%%)', a, b)" in out


def test_a_table_macro_is_expanded() -> None:
    out = spark("WITH cells AS (SELECT 1 AS m, 2 AS p) SELECT * FROM tail_rank(cells, m, p)")
    assert "tail_rank(" not in out and "FROM cells GROUP BY ALL" in out
    assert "m AS tail_part, p AS tail_value" in out


def test_a_trailing_comma_after_the_last_cte_is_accepted() -> None:
    assert (
        spark("WITH a AS (SELECT 1 AS x), SELECT x FROM a")
        == "WITH a AS (SELECT 1 AS x) SELECT x FROM a"
    )


def test_unparseable_sql_is_one_sentence() -> None:
    with pytest.raises(TranspileError, match="sqlglot cannot parse it"):
        spark("SELECT FROM WHERE (")


@given(st.one_of(st.integers(-(10**9), 10**9), st.text(max_size=30), st.booleans()))
def test_any_parameter_value_is_bound_as_a_literal(value: object) -> None:
    out = to_spark("SELECT $v AS v", TranspileContext(params={"v": value}))
    assert ":v" not in out and "$v" not in out


@given(st.text(max_size=60))
def test_hostile_sql_raises_only_transpile_errors(sql: str) -> None:
    with contextlib.suppress(TranspileError):
        to_spark(sql, CONTEXT)


def test_each_macro_expansion_gets_its_own_cte_names() -> None:
    out = spark(
        "WITH tail AS (SELECT 1 AS m, 2 AS p) "
        "SELECT * FROM tail_rank(tail, m, p) a JOIN tail_rank(tail, m, p) b USING (part)"
    )
    assert "tail_rank_1_tail AS" in out and "tail_rank_2_tail AS" in out
    assert out.count("WITH ") == 1 and "FROM tail GROUP BY ALL" in out


def test_a_quantile_orders_by_its_column() -> None:
    out = spark("SELECT quantile_disc(gap, 0.5), quantile_cont(gap, 0.25) FROM t")
    assert "PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY gap" in out
    assert "PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY gap" in out


def test_a_format_template_joined_from_literals_is_one_template() -> None:
    out = spark("SELECT format('about {:,} a day ' || 'of {}', CAST(n AS BIGINT), x) FROM t")
    assert "FORMAT_STRING('about %,d a day of %s', CAST(n AS BIGINT), x)" in out
    with pytest.raises(TranspileError, match="computed template"):
        spark("SELECT format(name, x) FROM t")
