"""Progress: a long stage says how much it got through and how fast; `--quiet` says nothing."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import campaign.cli
from campaign.progress import RichReporter, Silent, rate_text


@given(st.integers(0, 10**12), st.floats(0.001, 1e6))
def test_a_rate_is_the_tally_over_the_seconds(items: int, seconds: float) -> None:
    text = rate_text(items, "plays", seconds)
    assert text.startswith(f"{items:,} plays, ")
    assert text.endswith(" plays/s")
    shown = float(text.split(", ", 1)[1].split(" ")[0].replace(",", ""))
    assert shown == pytest.approx(items / seconds, abs=0.5)


def test_no_rate_before_any_time_has_passed() -> None:
    assert rate_text(5, "facts", 0.0) == "5 facts"
    assert rate_text(5, "facts", None) == "5 facts"


def test_the_bar_shows_the_tally_and_its_rate() -> None:
    out = io.StringIO()
    reporter = RichReporter(Console(file=out, force_terminal=False, width=200))
    with reporter.running():
        reporter.stage("Running query packs", 2)
        reporter.count(3, "facts")
        reporter.advance()
        reporter.count(4, "facts")
        reporter.advance()
    assert "7 facts" in out.getvalue()
    assert "facts/s" in out.getvalue()


def test_quiet_silences_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign.cli.sys.stderr, "isatty", lambda: True, raising=False)
    assert isinstance(campaign.cli._reporter(quiet=True), Silent)
    assert isinstance(campaign.cli._reporter(quiet=False), RichReporter)
