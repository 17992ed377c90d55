"""Differential privacy for a campaign's release (DESIGN.md, privacy; docs/privacy.md).

Under `noise = "dp"` (the default) every count a fact publishes is replaced, before anything is
scored, written or rendered, by a noisy count drawn once through OpenDP (mechanism.py) and stored
in the noise ledger (ledger.py). The budget `epsilon_total` at `delta` is converted to zCDP's ρ;
a tenth goes to the data summary and each fact is given a share of the rest, `1 / max_facts`
of it, best-ranked first, until the budget is spent
(a population another fact already paid for costs nothing, so a few more than `max_facts` may
fit); a fact the budget cannot cover, or whose noise drowns its number, is not published, and
the release says how many. Facts from public charts alone carry no
listener-level data and spend nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from campaign.config import CampaignConfig
from campaign.facts import Fact, PackRun
from campaign.noise.counts import Count, fact_counts, is_public_source, unsupported
from campaign.noise.differencing import drop_differencing, reason_kind
from campaign.noise.ledger import Ledger, ledger_dir

__all__ = ["PUBLIC_SOURCE", "PrivateRelease", "ledger_dir"]
from campaign.noise.mechanism import Draw, Release, rho_for, scale_for, threshold_margin

MECHANISM = (
    "OpenDP 0.16 discrete Gaussian (make_gaussian on integer counts), zCDP, composed by an "
    "OpenDP privacy filter (fully adaptive composition), one fact's counts per query"
)
SUMMARY_SHARE = 0.1
OVER_BUDGET = "over budget: epsilon_total is spent"
TOO_NOISY = "too noisy to print"
PUBLIC_SOURCE = "public source, no listener-level data"


def _is_statistic(value: Any) -> bool:
    """A number computed from the data (labels and flags such as `pii` or `sensitive` stay)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _blocked(fact: Fact) -> bool:
    """A fact the gate fails on its subject alone (personal data, sensitive): ranked last."""
    return bool(fact.detail.get("pii") or fact.detail.get("sensitive"))


@dataclass
class PrivateRelease:
    """One run's release: its budget, filter, ledger, and what it withheld and why."""

    config: CampaignConfig
    files: dict[str, list[Path]]
    folder: Path  # the noise ledger's folder (ledger_dir)
    withheld: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        settings = self.config.privacy
        self.dp = settings.noise == "dp"
        self.rho_total = rho_for(settings.epsilon_total, settings.delta) if self.dp else 0.0
        self.rho_per_fact = self.rho_total * (1 - SUMMARY_SHARE) / settings.max_facts
        self.filter = Release(self.rho_total) if self.dp else None
        self.ledger = Ledger(self.folder, self.config, self.files) if self.dp else None
        self.published = 0
        self._charged: set[str] = set()

    def noisy(self, shares: list[tuple[Count, float]]) -> list[tuple[int, float, float]] | None:
        """(noisy value, ρ charged, scale) for each count given its share of ρ: drawn once per
        release (the ledger keeps it) and charged once per run, the counts still to charge in one
        batch; None, and nothing charged, when the budget cannot pay for them all."""
        assert self.filter is not None and self.ledger is not None
        results: dict[str, tuple[int, float, float]] = {}
        draws: dict[str, Draw] = {}
        for count, rho in shares:
            item = self.ledger.items.get(count.key)
            if item and count.key in self._charged:
                results[count.key] = (int(item["noisy"]), 0.0, float(item["scale"]))
            else:
                sensitivity = int(item["sensitivity"]) if item else count.sensitivity
                scale = float(item["scale"]) if item else scale_for(count.sensitivity, rho)
                draws[count.key] = Draw(count.key, count.raw, sensitivity, scale)
        drawn = self.filter.draw_batch(list(draws.values()))
        if drawn is None:
            return None
        for draw, (noisy, charged) in zip(draws.values(), drawn, strict=True):
            self._charged.add(draw.key)
            item = self.ledger.items.setdefault(
                draw.key,
                {
                    "noisy": noisy,
                    "scale": draw.scale,
                    "sensitivity": draw.sensitivity,
                    "rho": charged,
                },
            )
            results[draw.key] = (int(item["noisy"]), charged, draw.scale)
        return [results[count.key] for count, _ in shares]

    def privatise(self, fact: Fact) -> Fact | str:
        """The fact with every count noisy, its share of ρ and its noisy threshold; or why it is
        not published (the budget is spent, or the noise drowns the number). Half the fact's
        share goes to its value, half to its other counts (a population another fact already
        paid for is reused and costs nothing)."""
        assert self.filter is not None and self.ledger is not None
        if not self.filter.affordable(self.rho_per_fact):
            return OVER_BUDGET
        value_count, *others = fact_counts(fact, self.config.privacy.max_plays_per_track_day)
        fresh = [c for c in others if c.key not in self._charged]
        shares = {c.key: 0.5 / len(fresh) for c in fresh}
        shares[value_count.key] = 0.5 if fresh else 1.0
        counts = (value_count, *others)
        drawn = self.noisy([(c, shares.get(c.key, 0.5) * self.rho_per_fact) for c in counts])
        if drawn is None:
            return OVER_BUDGET
        values = {c.field: max(0, noisy) for c, (noisy, _, _) in zip(counts, drawn, strict=True)}
        scales = {c.field: scale for c, (_, _, scale) in zip(counts, drawn, strict=True)}
        spent = sum(charged for _, charged, _ in drawn)
        if fact.cohort_size is not None:
            self.ledger.items[f"raw_cohort:{fact.id}"] = {"raw": int(fact.cohort_size)}
        margin = threshold_margin(
            scales.get("cohort_size", scales["value"]), self.config.privacy.delta
        )
        value = values["value"]
        # A number's noise (one σ) may be at most `max_relative_noise` of it: "streamed 545
        # times" for a raw 6,858 is true to the guarantee and useless as copy. Judged on the
        # noisy value and the data-independent σ only: post-processing, no privacy cost.
        share = self.config.privacy.max_relative_noise
        if scales["value"] > share * value:
            return f"{TOO_NOISY}: the noise is more than {share:.0%} of the number"
        self.published += 1
        return replace(
            fact,
            value=value,
            cohort_size=None if fact.cohort_size is None else values.get("cohort_size", value),
            baseline=values.get("baseline"),
            population=values.get("population"),
            # raw statistics are blanked, not removed, so copy that reads them takes its
            # number-free wording
            detail={k: None if _is_statistic(v) else v for k, v in fact.detail.items()}
            | {
                "noise": f"discrete Gaussian (OpenDP), rho {spent:.3g}",
                "dp_rho": round(spent, 8),
                "dp_threshold": self.config.privacy.k_min + margin,
            },
        )

    def apply(
        self, runs: list[PackRun], priority: Callable[[Fact], float], population: dict[str, int]
    ) -> None:
        """Noise every publishable fact, best-ranked first, and drop what cannot be published."""
        needs = {run.pack.name: run.pack.needs for run in runs}
        public, private = [], []
        for run in runs:
            for fact in run.facts:
                if is_public_source(fact, needs[fact.pack], population.get(fact.market, 0)):
                    public.append(fact)
                elif self.dp and (reason := unsupported(fact, needs[fact.pack])):
                    self.withheld[reason] += 1
                else:
                    private.append(fact)
        private.sort(key=lambda f: (_blocked(f), -priority(f), f.id))
        earlier = self.ledger.other_cohorts if self.ledger else None
        kept, dropped = drop_differencing(
            private, self.config.privacy.k_min, (lambda f: earlier(f.id)) if earlier else None
        )
        published: dict[str, Fact] = {}
        for fact in private:
            if fact.id not in dropped:
                continue
            if self.dp:  # withheld before it costs budget; without DP the gate shows why
                self.withheld[reason_kind(dropped[fact.id])] += 1
            else:
                published[fact.id] = replace(
                    fact, detail=fact.detail | {"differencing": dropped[fact.id]}
                )
        for fact in public:
            published[fact.id] = replace(fact, detail=fact.detail | {"noise": PUBLIC_SOURCE})
        for fact in kept:
            noisy = self.privatise(fact) if self.dp else fact
            if isinstance(noisy, str):
                self.withheld[noisy] += 1
            else:
                published[fact.id] = noisy
        for run in runs:
            run.facts = [published[f.id] for f in run.facts if f.id in published]

    def summary_count(self, key: str, raw: int, sensitivity: int, items: int) -> int | None:
        """A data-summary count: raw without DP, else noisy with its share of the summary's ρ."""
        if not self.dp:
            return raw
        share = self.rho_total * SUMMARY_SHARE / max(items, 1)
        drawn = self.noisy([(Count("summary", raw, sensitivity, f"summary:{key}"), share)])
        return None if drawn is None else max(0, drawn[0][0])

    def report(self) -> dict[str, Any]:
        """The release's privacy record for the manifest; saves the ledger."""
        settings = self.config.privacy
        if not self.dp:
            return {
                "noise": "none",
                "mechanism": "none: raw counts (an explicit choice)",
                "withheld": dict(self.withheld),
            }
        assert self.filter is not None and self.ledger is not None
        self.ledger.save()
        releases, rho_all = self.ledger.spent_by_all_releases()
        return {
            "noise": "dp",
            "mechanism": MECHANISM,
            "epsilon_total": settings.epsilon_total,
            "delta": settings.delta,
            "rho_total": round(self.rho_total, 8),
            "rho_spent": round(self.filter.spent, 8),
            "rule": (
                f"{SUMMARY_SHARE:.0%} of rho to the data summary; each fact 1/{settings.max_facts} "
                "of the rest, best-ranked first, until it is spent; "
                "within a fact half to the "
                "value, half shared by its other counts (a shared population is paid once)"
            ),
            "facts_published": self.published,
            "withheld": dict(self.withheld),
            "release": self.ledger.release,
            "releases_in_ledger": releases,
            "rho_spent_all_releases": round(rho_all, 8),
            "ledger": str(self.ledger.path),
        }
