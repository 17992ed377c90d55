"""The privacy gate: may this fact be published, and why (DESIGN.md, "Privacy")."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from campaign.config import PrivacySettings
from campaign.facts import Fact
from campaign.pii import describe

# Detail finer than the market that an individual fact must never carry.
_FINER_THAN_MARKET = ("city", "hour", "time", "minute", "user", "age", "birth", "gender", "device")


@dataclass(frozen=True)
class PrivacyVerdict:
    passed: bool
    score: float  # 0 when the gate fails; towards 1 the further a fact is from every threshold
    reasons: tuple[str, ...] = field(default_factory=tuple)
    inputs: dict[str, float | int | None] = field(default_factory=dict)
    # passes the gate, but stays out of the shortlist until a reviewer approves it
    needs_review: bool = False

    @property
    def status(self) -> str:
        """`pass`, `review` (waits for a reviewer) or `fail`."""
        if not self.passed:
            return "fail"
        return "review" if self.needs_review else "pass"


def _margin(value: float, threshold: float) -> float:
    """How far above a threshold, on a log scale: 0 at the threshold, 1 at ten times it."""
    if threshold <= 0 or value < threshold:
        return 0.0
    return min(1.0, math.log10(value / threshold))


def judge(fact: Fact, settings: PrivacySettings, market_population: int | None) -> PrivacyVerdict:
    """Apply the gate for the fact's audience; every verdict says why. A fact that passes but
    carries `detail.review` reasons (campaign/tone.py) gets the `review` verdict."""
    verdict = _gate(fact, settings, market_population)
    review = tuple(fact.detail.get("review") or ())
    if verdict.passed and review:
        return replace(verdict, reasons=verdict.reasons + review, needs_review=True)
    return verdict


def _gate(fact: Fact, settings: PrivacySettings, market_population: int | None) -> PrivacyVerdict:
    reasons: list[str] = []
    inputs: dict[str, float | int | None] = {"k_min": settings.k_min}
    blocked = [f"title withheld: holds {describe(kind)}" for kind in fact.detail.get("pii") or ()]
    if fact.detail.get("sensitive"):
        blocked.append("sensitive subject: needs legal review")
    if fact.detail.get("artefact"):
        blocked.append(str(fact.detail["artefact"]))
    if fact.detail.get("differencing"):  # noise/differencing.py: a near twin of a stronger fact
        blocked.append(str(fact.detail["differencing"]))
    if blocked:
        return PrivacyVerdict(False, 0.0, tuple(blocked), inputs)
    if fact.audience == "individual":
        floor = settings.individual_min_population
        inputs |= {"market_population": market_population, "individual_min_population": floor}
        finer = sorted(
            k for k in fact.detail if any(word in k.lower() for word in _FINER_THAN_MARKET)
        )
        failures = []
        if not settings.individual:
            failures.append("individual facts are switched off (privacy.individual = false)")
        if market_population is None or market_population < floor:
            failures.append(
                f"the market has {market_population or 0:,} listeners, fewer than "
                f"individual_min_population {floor:,}"
            )
        if finer:
            failures.append(f"carries detail finer than the market ({', '.join(finer)})")
        if failures:
            return PrivacyVerdict(False, 0.0, tuple(failures), inputs)
        reasons.append(f"one listener among {market_population:,} in the market (floor {floor:,})")
        return PrivacyVerdict(True, _margin(market_population, floor), tuple(reasons), inputs)

    inputs["cohort_size"] = fact.cohort_size
    if fact.cohort_size is None:
        # Pre-aggregated sources (public charts) carry no listener-level data at all.
        if fact.value >= settings.k_min:
            source = fact.detail.get("noise") or "pre-aggregated counts, no listener-level data"
            reasons.append(f"{source}; {fact.value:,} {fact.measure}")
            return PrivacyVerdict(True, _margin(fact.value, settings.k_min), tuple(reasons), inputs)
        return PrivacyVerdict(
            False, 0.0, (f"{fact.value:,} {fact.measure} is below k_min {settings.k_min}",), inputs
        )
    # Under DP the cohort is noisy and must clear k_min plus a margin (noise/mechanism.py: noisy
    # thresholding); a pack cannot lower the threshold below k_min through its detail.
    threshold = max(settings.k_min, int(fact.detail.get("dp_threshold") or 0))
    inputs["threshold"] = threshold
    bar = f"k_min {settings.k_min}"
    if threshold > settings.k_min:
        bar += f" + noise margin {threshold - settings.k_min} (delta {settings.delta:g})"
    kind = "noisy cohort" if "dp_threshold" in fact.detail else "cohort"
    if fact.cohort_size < threshold:
        return PrivacyVerdict(
            False, 0.0, (f"{kind} of {fact.cohort_size:,} listeners is below {bar}",), inputs
        )
    reasons.append(f"{kind} of {fact.cohort_size:,} listeners ≥ {bar}")
    if "dp_rho" in fact.detail:
        reasons.append(f"counts noised with {fact.detail['noise']}")
    return PrivacyVerdict(True, _margin(fact.cohort_size, threshold), tuple(reasons), inputs)
