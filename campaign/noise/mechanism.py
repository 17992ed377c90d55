"""The mechanism and the accounting, both from OpenDP: nothing here draws noise by hand.

Every published count is one OpenDP measurement: a user-defined transformation (the workspace's
count, whose stability map is the contribution bound: one listener moves it by at most
`sensitivity`) chained with OpenDP's Gaussian mechanism on integers (the discrete Gaussian,
zero-concentrated DP). The release is an OpenDP privacy filter: it composes its queries under zCDP
(fully adaptive composition) and refuses any query that would take it past its budget ρ. Each
query to it is a batch (one fact's counts), itself a privacy filter of exactly the batch's ρ
through which the batch's counts are drawn.

Why batches: on every query, the filter re-evaluates the privacy map of every query before it, so
a release of n counts queried one by one costs n² calls into Python (a stability map is Python):
0.2 s a draw after a thousand. A batch's map is OpenDP's own (its fixed ρ), and the adjacency is a
built-in metric (the symmetric distance: listeners added or removed), so those re-evaluations stay
inside OpenDP's native code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scipy import stats

# The adjacency the whole release is accounted at: one listener added or removed.
LISTENER = 1
# A batch's budget is its counts' ρ summed in Python; OpenDP sums them again, rounding up, so the
# batch is given this relative hair more (charged to the release, never spent by anyone else).
BATCH_SLACK = 1e-9


@lru_cache(maxsize=1)
def _opendp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib", "honest-but-curious")
    return dp


def _release_space() -> tuple[Any, Any]:
    """The release's input: the workspace's raw counts by key, one listener apart at distance 1
    (the symmetric distance: the number of listeners added or removed)."""
    dp = _opendp()
    domain = dp.user_domain("campaign raw counts by key", member=lambda x: isinstance(x, dict))
    return domain, dp.symmetric_distance()


def _privacy_filter(rho: float) -> Any:
    """An OpenDP privacy filter of budget ρ over the release's input, composing under zCDP."""
    dp = _opendp()
    domain, metric = _release_space()
    odometer = dp.c.make_fully_adaptive_composition(
        domain, metric, dp.zero_concentrated_divergence()
    )
    return dp.c.make_privacy_filter(odometer, d_in=LISTENER, d_out=rho)


@lru_cache(maxsize=256)
def rho_for(epsilon: float, delta: float) -> float:
    """The zCDP budget ρ whose (ε, δ) conversion (OpenDP's, Canonne-Kamath-Steinke) is ε at δ."""
    dp = _opendp()

    def loss(scale: float) -> Any:
        gaussian = dp.m.make_gaussian(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale)
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gaussian), delta)

    scale = dp.binary_search_param(loss, d_in=LISTENER, d_out=(epsilon, delta), T=float)
    return float(
        dp.m.make_gaussian(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale).map(1)
    )


def scale_for(sensitivity: int, rho: float) -> float:
    """The Gaussian scale σ that spends `rho` on a count of this sensitivity: ρ = Δ² / (2σ²)."""
    return sensitivity / math.sqrt(2 * rho)


def threshold_margin(scale: float, delta: float) -> int:
    """How far above k_min a noisy cohort must be: a raw cohort below k_min clears the margin
    with probability at most δ (the Gaussian's tail), which is the noisy-threshold guarantee."""
    return math.ceil(scale * float(stats.norm.isf(delta)))


@dataclass(frozen=True)
class Draw:
    """One count to draw: its ledger key, raw value, sensitivity and the noise scale σ."""

    key: str
    raw: int
    sensitivity: int
    scale: float


class Release:
    """One release's privacy filter: every count is queried through it, so OpenDP accounts all."""

    def __init__(self, rho_total: float):
        self.rho_total = rho_total
        self._counts: dict[str, int] = {}
        # The ρ the filter has charged so far, tallied as it charges: asking the filter (`spent`)
        # re-evaluates every earlier batch's map.
        self._charged = 0.0
        self._queryable = _privacy_filter(rho_total)(self._counts)

    @property
    def spent(self) -> float:
        """The filter's own account of the ρ spent (for the report: one call per release)."""
        return float(self._queryable.privacy_loss(LISTENER))

    def measurement(self, key: str, sensitivity: int, scale: float) -> Any:
        """The count at `key` with discrete Gaussian noise of scale σ, as one OpenDP measurement."""
        dp = _opendp()
        domain, metric = _release_space()
        count = dp.t.make_user_transformation(
            domain,
            metric,
            dp.atom_domain(T=int),
            dp.absolute_distance(T=int),
            function=lambda counts: int(counts[key]),
            stability_map=lambda d_in: int(d_in) * int(sensitivity),
        )
        return count >> dp.m.make_gaussian(
            dp.atom_domain(T=int), dp.absolute_distance(T=int), scale
        )

    def affordable(self, rho: float) -> bool:
        """Whether the filter would take a query of this ρ (kept a hair inside the budget: a
        refused query exhausts an OpenDP filter for good). Composition under zCDP adds the ρ of
        each query, so the tally is the filter's loss; the filter still refuses any overdraft."""
        return self._charged + rho <= self.rho_total * (1 - 1e-9)

    def draw_batch(self, draws: list[Draw]) -> list[tuple[int, float]] | None:
        """Each count's noisy value and ρ, drawn through one batch filter of exactly their ρ
        (plus BATCH_SLACK); None, and nothing charged, when the release cannot pay for them all."""
        if not draws:  # every count already paid for this run: no query
            return []
        measurements = [self.measurement(d.key, d.sensitivity, d.scale) for d in draws]
        charges = [float(m.map(LISTENER)) for m in measurements]
        batch_rho = sum(charges) * (1 + BATCH_SLACK)
        if not self.affordable(batch_rho):
            return None
        batch = self._queryable(_privacy_filter(batch_rho))
        self._charged += batch_rho
        noisy = []
        for draw, measurement in zip(draws, measurements, strict=True):
            self._counts[draw.key] = int(draw.raw)
            noisy.append(int(batch(measurement)))
            del self._counts[draw.key]
        return list(zip(noisy, charges, strict=True))
