"""Differencing: two published facts whose groups differ by a few people single those people out.

Facts about the same market, subject and period (one pack's day of a track and another's, one a
superset of the other) are compared by raw cohort size; so is a fact against the same fact in an
earlier release the ledger knows (another `min_age`, another data cut). When the groups differ by
fewer than `k_min` people, the weaker fact (later in the ranking) is dropped, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from campaign.facts import Fact

# The fact or release a reason points at, "(market_contrast 1a2b3c4d)": one per dropped fact.
_REFERENCE = re.compile(r" \((?:\w+ )?[0-9a-f]{8}\)$")


def reason_kind(reason: str) -> str:
    """A reason without the fact it points at, so the reasons of one kind count together."""
    return _REFERENCE.sub("", reason)


def subject_period(fact: Fact) -> tuple[str, ...]:
    return (
        fact.market,
        fact.subject_kind,
        fact.subject_id,
        str(fact.period_start),
        str(fact.period_end),
    )


def drop_differencing(
    ranked: list[Fact],
    k_min: int,
    earlier: Callable[[Fact], dict[str, int]] | None = None,
) -> tuple[list[Fact], dict[str, str]]:
    """The facts to keep (in order), and each dropped fact's id with the reason.

    `earlier(fact)` gives the raw cohort the same fact had in each earlier release.
    """
    kept: list[Fact] = []
    by_group: dict[tuple[str, ...], list[Fact]] = {}
    dropped: dict[str, str] = {}
    for fact in ranked:
        if fact.cohort_size is None:
            kept.append(fact)
            continue
        twin = next(
            (
                other
                for other in by_group.get(subject_period(fact), [])
                if abs(other.cohort_size - fact.cohort_size) < k_min
            ),
            None,
        )
        if twin is not None:
            dropped[fact.id] = (
                f"its group differs by fewer than k_min {k_min} people from a stronger fact "
                f"about the same subject and period ({twin.pack} {twin.id[:8]})"
            )
            continue
        releases = earlier(fact) if earlier else {}
        near = sorted(r for r, n in releases.items() if 0 < abs(n - fact.cohort_size) < k_min)
        if near:
            dropped[fact.id] = (
                f"its group differs by fewer than k_min {k_min} people from the same fact in an "
                f"earlier release ({near[0][:8]})"
            )
            continue
        kept.append(fact)
        by_group.setdefault(subject_period(fact), []).append(fact)
    return kept, dropped
