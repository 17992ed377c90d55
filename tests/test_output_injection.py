"""Data that attacks where it is shown (issue 8, defect 5): spreadsheet formulas, rich markup,
terminal escapes. Titles, artists and playlist names are rewritten with hostile prefixes, then
every printer and writer of data is driven and its output checked.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from campaign.cli import app
from campaign.config import CampaignConfig, PrivacySettings
from campaign.output.export import export_approved
from campaign.output.review import REVIEW_FILE
from campaign.output.safe_text import sheet_cell, terminal_text
from campaign.run import run_campaign
from tests.conftest import RAW_COUNTS_TOML

HOSTILE = (
    "[/bold]",
    "[link=https://evil.example/]click[/link]",
    "=1+2",
    "@SUM(A1)",
    "-2+3",
    "+cmd",
    "\x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\",
    "\x1b[2J\x07",
    "\tTab",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_data(synth_data, tmp_path_factory) -> tuple[Path, ...]:
    """The small synthetic dataset with every title, artist and playlist name made hostile."""
    files, _ = synth_data(0)
    folder = tmp_path_factory.mktemp("hostile")
    choices = "[" + ", ".join("'" + h.replace("'", "''") + "'" for h in HOSTILE) + "]"
    pick = f"{choices}[(1 + hash({{key}}) % {len(HOSTILE)})::BIGINT]"
    rewrites = {
        "track_name": pick.format(key="track_id") + " || track_name",
        "artist_name": pick.format(key="artist_name") + " || artist_name",
        "name": pick.format(key="playlist_id") + " || name",
    }
    out = []
    with duckdb.connect() as con:
        for path in files:
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
            select = ", ".join(f"{rewrites.get(c, c)} AS {c}" for c in columns)
            target = folder / path.name
            con.execute(f"COPY (SELECT {select} FROM '{path}') TO '{target}' (FORMAT parquet)")
            out.append(target)
    return tuple(out)


def cli(*args: str):
    # FORCE_COLOR makes rich write for a terminal, where a [link] becomes an OSC 8 hyperlink
    return CliRunner().invoke(app, list(args), env={"FORCE_COLOR": "1", "COLUMNS": "200"})


def assert_inert(output: str) -> None:
    assert "Traceback" not in output and "MarkupError" not in output
    assert "\x1b]8" not in output, "a clickable link was printed"
    assert "\x1b[2J" not in output and "\x07" not in output and "\x00" not in output


def test_facts_prints_hostile_titles_as_text(hostile_data, tmp_path: Path) -> None:
    args = [a for f in hostile_data for a in ("--data", str(f))]
    campaign = tmp_path / "campaign.toml"
    campaign.write_text('[campaign]\nname = "h"\n' + RAW_COUNTS_TOML)
    result = cli("facts", str(campaign), *args, "--top", "40", "--quiet")
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    assert "[/bold]" in result.output or "[link=" in result.output  # shown, not interpreted


@pytest.fixture(scope="module")
def hostile_run(hostile_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-run")
    config = CampaignConfig(
        name="h", year=2024, data=hostile_data, formats=("square",), shortlist=3,
        output=root / "output", root=root,
        # raw counts, acknowledged: under the DP policy the small test data publishes nothing
        privacy=PrivacySettings(noise="none", acknowledge_below_policy=True),
    )  # fmt: skip
    run = run_campaign(config, workers=1)
    approved = [c for c in run.facts.candidates if c.eligible][:3]
    notes = ['=HYPERLINK("https://evil.example","x")', "@cmd\x00\x1b[31m", "\r+1"]
    (run.out_dir / REVIEW_FILE).write_text(
        json.dumps(
            {
                "campaign": "h",
                "decisions": {
                    c.id: {"decision": "approved", "note": note}
                    for c, note in zip(approved, notes, strict=True)
                },
            }
        ),
        encoding="utf-8",
    )
    return run


def test_explain_prints_hostile_titles_as_text(hostile_run) -> None:
    for candidate in hostile_run.facts.candidates[:10]:
        result = cli("explain", str(hostile_run.out_dir), candidate.id)
        assert result.exit_code == 0, result.output
        assert_inert(result.output)


def test_the_copy_sheet_holds_no_formula_and_no_control(hostile_run, tmp_path: Path) -> None:
    export_approved(hostile_run.out_dir, tmp_path / "print", workers=1)
    raw = (tmp_path / "print" / "copy-sheet.csv").read_text(encoding="utf-8")
    assert "\x00" not in raw and "\x1b" not in raw
    with (tmp_path / "print" / "copy-sheet.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    notes = {row["reviewer_note"] for row in rows}
    assert '\'=HYPERLINK("https://evil.example","x")' in notes  # kept, shown as text
    assert "'@cmd[31m" in notes and "'\r+1" in notes
    names = [row["subject_name"] for row in rows]
    assert any(name.startswith("'") for name in names) or not any(
        name.lstrip("'").startswith(("=", "+", "-", "@")) for name in names
    )


def is_control(ch: str) -> bool:
    return (ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F


@given(st.text())
def test_a_sheet_cell_never_starts_a_formula_nor_holds_a_control(text: str) -> None:
    cell = sheet_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert not any(is_control(ch) for ch in cell)
    kept = "".join(ch for ch in text if not is_control(ch))  # only controls are ever lost
    assert cell == kept or (
        cell == "'" + kept and kept.startswith(FORMULA_STARTS + tuple("\uff1d\uff0b\uff0d\uff20"))
    )


@given(st.one_of(st.integers(), st.floats(allow_nan=False)))
def test_numbers_stay_numbers_in_the_sheet(number: float) -> None:
    assert sheet_cell(number) == number


@given(st.text())
def test_terminal_text_is_one_line_without_escapes(text: str) -> None:
    line = terminal_text(text)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert not any(0x80 <= ord(ch) <= 0x9F or ord(ch) < 32 or ord(ch) == 0x7F for ch in line)


def test_calendar_prints_an_editors_hostile_event_name_as_text(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    name = "\x1b]8;;https://evil.example/\x1b\\Brexit vote\x1b]8;;\x1b\\ [/bold]"
    events.write_text(f"date,name,markets\n2016-06-23,{name},GB\n", encoding="utf-8")
    result = cli("calendar", "--markets", "GB", "--year", "2016", "--events", str(events))
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    assert "Brexit vote" in result.output
