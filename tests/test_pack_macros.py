"""The shared sum and variance macros give the same bits in whatever order the rows come: a fact
read twice, or on another engine's tables, is the same fact."""

from __future__ import annotations

import random
from fractions import Fraction

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.pack_views import _STATEMENTS

COUNTS = st.lists(st.integers(min_value=0, max_value=10**6), min_size=0, max_size=60)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for statement in _STATEMENTS:
        con.execute(statement)
    return con


def _variance(con: duckdb.DuckDBPyConnection, counts: list[int]) -> float | None:
    """count_variance over `counts`, in the order given."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cells AS SELECT * FROM unnest(?::BIGINT[]) t(n)", [counts]
    )
    return con.execute("SELECT count_variance(n) FROM cells").fetchone()[0]


def test_counts_of_any_integer_type_and_nulls_are_read_as_var_samp_reads_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """daily_streams' streams are HUGEINT sums; a NULL count is no row."""
    got = con.execute(
        "SELECT count_variance(n), count_square_sum(n) FROM "
        "unnest([2, NULL, 4, 9, NULL]::HUGEINT[]) t(n)"
    ).fetchone()
    assert got == (float(_exact_variance([2, 4, 9])), 4 + 16 + 81)


def _exact_variance(counts: list[int]) -> Fraction:
    n = len(counts)
    return Fraction(n * sum(c * c for c in counts) - sum(counts) ** 2, n * (n - 1))


@settings(max_examples=60)
@given(counts=COUNTS, seed=st.integers(0, 2**16))
def test_count_variance_is_the_exact_variance_in_any_order(
    con: duckdb.DuckDBPyConnection, counts: list[int], seed: int
) -> None:
    shuffled = counts[:]
    random.Random(seed).shuffle(shuffled)
    got = _variance(con, counts)
    assert _variance(con, shuffled) == got
    if len(counts) < 2:
        assert got is None  # as var_samp: no variance of one row
    else:
        assert got == float(_exact_variance(counts))


def test_a_variance_on_a_rounding_boundary_rounds_one_way(con: duckdb.DuckDBPyConnection) -> None:
    """A listener's seventeen days whose variance is exactly 469.375: var_samp gives
    469.37499999999994 or 469.37500000000006 by the order of the rows, so its round(·, 2) said
    .37 on one run and .38 on the next (a Wrapped card did, on Spark's tables)."""
    days = [12, 2, 8, 2, 5, 2, 1, 1, 16, 10, 4, 2, 9, 3, 3, 14, 93]
    assert _exact_variance(days) == Fraction(469375, 1000)
    for seed in range(30):
        random.Random(seed).shuffle(days)
        assert _variance(con, days) == 469.375
        assert con.execute("SELECT round(count_variance(n), 2) FROM cells").fetchone()[0] == 469.38


@settings(max_examples=40)
@given(
    shares=st.lists(st.fractions(min_value=0, max_value=1, max_denominator=997), max_size=60),
    seed=st.integers(0, 2**16),
)
def test_exact_sums_do_not_depend_on_the_order_of_rows(
    con: duckdb.DuckDBPyConnection, shares: list[Fraction], seed: int
) -> None:
    values = [float(s) for s in shares]
    shuffled = values[:]
    random.Random(seed).shuffle(shuffled)
    sums = []
    for order in (values, shuffled):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cells AS SELECT * FROM unnest(?::DOUBLE[]) t(x)", [order]
        )
        sums.append(con.execute("SELECT exact_sum(x), exact_share_sum(x) FROM cells").fetchone())
    assert sums[0] == sums[1]
