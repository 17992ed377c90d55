"""An empty run says why in one sentence (gallery and terminal): on small data under DP that is
the privacy policy at work, which a marketer must not take for a broken tool."""

from __future__ import annotations

from typing import Any

from campaign.config import CampaignConfig
from campaign.output.manifest import why_empty
from campaign.scoring import FactsResult


def _result(privacy: dict[str, Any], candidates: list[Any] | None = None) -> FactsResult:
    return FactsResult(CampaignConfig(), [], candidates or [], {"privacy": privacy})


def test_a_dp_release_that_withheld_every_fact_names_each_reason_and_count() -> None:
    withheld = {"over budget: epsilon_total is spent": 7, "too noisy to print": 12}
    sentence = why_empty(_result({"noise": "dp", "epsilon_total": 1.0, "withheld": withheld}))
    assert sentence is not None and sentence.startswith("No candidates: the packs found 19 facts")
    assert "ε 1.0" in sentence
    # the commonest reason first
    assert sentence.index("12 too noisy") < sentence.index("7 over budget")
    assert "\n" not in sentence


def test_without_dp_the_withheld_facts_are_still_counted() -> None:
    sentence = why_empty(_result({"noise": "none", "withheld": {"title withheld: holds x": 2}}))
    assert sentence == (
        "No candidates: the packs found 2 facts and every one was withheld "
        "(2 title withheld: holds x)."
    )


def test_a_run_whose_packs_found_nothing_says_so() -> None:
    assert why_empty(_result({"noise": "dp", "withheld": {}})).startswith(
        "No candidates: no pack found a fact"
    )
    assert why_empty(_result({})).startswith("No candidates: no pack found a fact")


def test_a_run_with_candidates_needs_no_reason() -> None:
    assert why_empty(_result({"noise": "dp", "withheld": {"x": 3}}, [object()])) is None
