"""An empty run says why (gallery and terminal): on small data under DP that is the privacy
policy at work, which a marketer must not take for a broken tool."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from campaign.config import CampaignConfig
from campaign.noise import OVER_BUDGET, TOO_NOISY
from campaign.output.manifest import why_empty
from campaign.scoring import FactsResult

ONE_LISTENER = "a fact about one listener cannot be made differentially private"


def _result(withheld: dict[str, int], candidates: list[Any] | None = None, runs=()) -> FactsResult:
    summary = {"privacy": {"noise": "dp", "withheld": withheld}}
    return FactsResult(CampaignConfig(), list(runs), candidates or [], summary)


def test_every_reason_is_counted_the_commonest_first() -> None:
    sentence = why_empty(_result({OVER_BUDGET: 7, f"{TOO_NOISY}: the noise is big": 12}))
    assert sentence is not None
    assert sentence.startswith("No candidates: the DP release withheld all 19 facts found (")
    assert sentence.index(f"12 {TOO_NOISY}") < sentence.index(f"7 {OVER_BUDGET}")
    assert "\n" not in sentence


def test_the_advice_fits_the_reasons() -> None:
    noisy = why_empty(_result({f"{TOO_NOISY}: the noise is big": 3}))
    assert "more listeners" in noisy and "budget" not in noisy
    spent = why_empty(_result({OVER_BUDGET: 3}))
    assert "budget (epsilon_total) ran out" in spent and "more listeners" not in spent
    # more data does not make a one-listener fact private: no advice to get more
    assert "more listeners" not in why_empty(_result({ONE_LISTENER: 4}))


def test_a_run_whose_packs_found_nothing_says_so_and_names_what_did_not_run() -> None:
    assert why_empty(_result({})) == "No candidates: no pack that ran found a fact in this data."
    runs = [SimpleNamespace(skipped="pack x: no Spark"), SimpleNamespace(skipped=None)]
    assert "(1 did not run on Spark: see the warnings)" in why_empty(_result({}, runs=runs))


def test_a_run_with_candidates_needs_no_reason() -> None:
    assert why_empty(_result({OVER_BUDGET: 3}, [object()])) is None
