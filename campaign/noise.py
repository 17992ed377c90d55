"""Differential privacy for published counts (DESIGN.md: privacy `noise = "dp"`).

With `noise = "dp"`, every count a fact publishes — its value, baseline, cohort size and
population — is replaced by a noisy one before anything is scored, written or rendered, so raw
counts never leave the workspace. The noise is OpenDP's discrete Laplace mechanism, calibrated to
each count's sensitivity and to the fact's `epsilon` (split across the counts it publishes).

Only counts of distinct listeners (or playlist owners) have a bounded sensitivity: one person
changes them by at most one. Facts about plays, streams or minutes, where one person can move the
count without bound, and facts about one listener cannot be made differentially private this way:
under `noise = "dp"` they fail the privacy gate with that reason.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from campaign.config import CampaignConfig
from campaign.facts import Fact, PackRun

# Measures where each person contributes at most one to the count.
PERSON_COUNTS = frozenset({"listeners", "owners"})
# How a fact's epsilon is shared between the counts it publishes.
BUDGET_SHARES = {"value": 0.5, "baseline": 0.25, "population": 0.25}


def unsupported(fact: Fact) -> str | None:
    """Why a fact cannot carry differential privacy, or None if it can."""
    if fact.audience == "individual":
        return "a fact about one listener cannot be made differentially private"
    if fact.measure not in PERSON_COUNTS:
        return (
            f"a count of {fact.measure} is unbounded per listener; differential privacy needs "
            "counts of listeners"
        )
    return None


@lru_cache(maxsize=64)
def _mechanism(scale: float) -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)


def noisy_count(count: float | None, epsilon: float, sensitivity: float = 1.0) -> int | None:
    """A count plus discrete Laplace noise of scale sensitivity / epsilon, never below zero."""
    if count is None:
        return None
    mechanism = _mechanism(sensitivity / epsilon)
    return max(0, int(mechanism(round(count))))


def _is_statistic(value: Any) -> bool:
    """A number computed from the data (labels and flags such as `pii` or `sensitive` stay)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def privatise(fact: Fact, epsilon: float) -> Fact:
    """The fact as it may be published: noisy counts, and no raw statistics in its detail."""
    value = noisy_count(fact.value, epsilon * BUDGET_SHARES["value"])
    return replace(
        fact,
        value=value,
        cohort_size=value if fact.cohort_size is not None else None,
        # a mean of daily listener counts: one listener moves it by at most one
        baseline=noisy_count(fact.baseline, epsilon * BUDGET_SHARES["baseline"]),
        population=noisy_count(fact.population, epsilon * BUDGET_SHARES["population"]),
        detail={k: v for k, v in fact.detail.items() if not _is_statistic(v)}
        | {"noise": f"discrete Laplace, epsilon {epsilon:g}"},
    )


def apply_noise(runs: list[PackRun], config: CampaignConfig) -> dict[str, dict[str, Any]]:
    """With `noise = "dp"`, replace every fact by its noisy version before anything sees it.

    Facts that cannot be made differentially private are withheld from every output; what was
    withheld, and why, is returned per pack for the manifest.
    """
    withheld: dict[str, dict[str, Any]] = {}
    if config.privacy.noise != "dp":
        return withheld
    for run in runs:
        published = []
        for fact in run.facts:
            reason = unsupported(fact)
            if reason:
                entry = withheld.setdefault(run.pack.name, {"facts": 0, "reason": reason})
                entry["facts"] += 1
            else:
                published.append(privatise(fact, config.privacy.epsilon))
        run.facts = published
    return withheld
