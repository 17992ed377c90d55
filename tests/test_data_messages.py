"""Issue 8, defect 8: data that cannot make a campaign is one sentence naming the file, the
table and the column, never a DuckDB message about executemany or a cast."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from campaign.cli import app
from tests.conftest import write_tables

runner = CliRunner()

LISTENS = (
    "SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-03-01 10:00:00+00' AS played_at, 't' AS "
    "track_id, 'Song' AS track_name, 'Band' AS artist_name, NULL AS album_name, 'GB' AS market, "
    "NULL AS city, 200000 AS ms_played, false AS skipped, NULL AS platform FROM range(10) r(i)"
)


def _facts(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["facts", "--json", "-q", *args])
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


def _one_error(code: int, lines: list[str], *needles: str) -> None:
    assert code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert "executemany" not in lines[0] and "Traceback" not in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_a_zero_row_parquet_names_the_file_and_the_table(tmp_path: Path) -> None:
    (path,) = write_tables(tmp_path, {"listens": LISTENS + " LIMIT 0"})
    _one_error(*_facts("--data", str(path)), str(path), "listens", "no rows")


def test_markets_not_in_the_data_name_the_setting_and_what_the_data_holds(tmp_path: Path) -> None:
    (path,) = write_tables(tmp_path / "d", {"listens": LISTENS})
    toml = tmp_path / "campaign.toml"
    toml.write_text(f'[campaign]\nmarkets = ["FR", "SE"]\ndata = ["{path}"]\n')
    _one_error(*_facts(str(toml)), "markets", "FR, SE", "holds only GB")


def test_a_year_without_data_is_one_sentence(tmp_path: Path) -> None:
    (path,) = write_tables(tmp_path / "d", {"listens": LISTENS})
    toml = tmp_path / "campaign.toml"
    toml.write_text(f'[campaign]\nyear = 2019\ndata = ["{path}"]\n')
    _one_error(*_facts(str(toml)), "year 2019", "no plays")


@pytest.mark.parametrize(
    ("column", "wrong", "kind"),
    [
        ("played_at", "'2024-03-01 10:00'", "VARCHAR"),
        ("ms_played", "'long'", "VARCHAR"),
        ("skipped", "1", "INTEGER"),
        ("played_at", "DATE '2024-03-01'", "DATE"),
    ],
)
def test_a_column_of_the_wrong_type_names_file_table_and_column(
    tmp_path: Path, column: str, wrong: str, kind: str
) -> None:
    path = tmp_path / "listens.parquet"
    query = LISTENS.replace(f" AS {column},", f" AS _{column},", 1)
    query = query.replace("SELECT ", f"SELECT {wrong} AS {column}, ", 1)
    with duckdb.connect() as con:
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
    _one_error(*_facts("--data", str(path)), str(path), f"column '{column}'", "listens", kind)


def test_narrower_types_are_read_as_the_canonical_ones(tmp_path: Path) -> None:
    path = tmp_path / "listens.parquet"
    query = LISTENS.replace("'u' || i AS user_id", "i AS user_id").replace(
        "200000 AS ms_played", "200000::BIGINT AS ms_played"
    )
    query = query.replace("TIMESTAMPTZ '2024-03-01 10:00:00+00'", "TIMESTAMP '2024-03-01 10:00'")
    with duckdb.connect() as con:
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
    code, lines = _facts("--data", str(path))
    assert code == 0, lines
