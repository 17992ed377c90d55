"""The mechanism and the accounting, both from OpenDP: nothing here draws noise by hand.

Every published count is one query to an OpenDP privacy filter over the release: a user-defined
transformation (the workspace's count, whose stability map is the contribution bound: one listener
moves it by at most `sensitivity`) chained with OpenDP's Gaussian mechanism on integers (the
discrete Gaussian, zero-concentrated DP). The filter composes the queries under zCDP (fully
adaptive composition) and refuses any query that would take the release past its budget ρ.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from scipy import stats

# The adjacency the whole release is accounted at: one listener added or removed.
LISTENER = 1


@lru_cache(maxsize=1)
def _opendp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib", "honest-but-curious")
    return dp


def _release_space() -> tuple[Any, Any]:
    """The release's input: the workspace's raw counts by key, one listener apart at distance 1."""
    dp = _opendp()
    domain = dp.user_domain("campaign raw counts by key", member=lambda x: isinstance(x, dict))
    return domain, dp.user_distance("listeners added or removed")


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


class Release:
    """One release's privacy filter: every count is queried through it, so OpenDP accounts all."""

    def __init__(self, rho_total: float):
        dp = _opendp()
        self.rho_total = rho_total
        domain, metric = _release_space()
        odometer = dp.c.make_fully_adaptive_composition(
            domain, metric, dp.zero_concentrated_divergence()
        )
        self._counts: dict[str, int] = {}
        # The ρ the filter has charged so far, tallied as it charges: asking the odometer
        # (`spent`) re-evaluates every earlier query's map in Python, so a check per fact
        # grew with the square of the facts (most of the scoring stage at 10 M plays).
        self._charged = 0.0
        self._queryable = dp.c.make_privacy_filter(odometer, d_in=LISTENER, d_out=rho_total)(
            self._counts
        )

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

    def draw(self, key: str, raw: int, sensitivity: int, scale: float) -> tuple[int, float] | None:
        """The noisy count and the ρ the filter charged for it; None when the budget is spent."""
        measurement = self.measurement(key, sensitivity, scale)
        if not self.affordable(float(measurement.map(LISTENER))):
            return None
        self._counts[key] = int(raw)
        noisy = int(self._queryable(measurement))
        del self._counts[key]
        charged = float(measurement.map(LISTENER))
        self._charged += charged
        return noisy, charged
