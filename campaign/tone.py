"""Tone: which facts need respectful copy, and which wait for a reviewer before they can print.

A fact on a day whose event carries `tone = respectful` (an obituary) gets respectful copy. A
revival of several of one artist's tracks with no release behind it (event_spike marks it
`revival`) is how an artist's death or a tragedy shows in the data: unless a holiday or its own
seasonal titles explain it, the fact and its tracks are marked for review, respectful copy only.
"""

from __future__ import annotations

from collections.abc import Iterable

from campaign.events import RESPECTFUL, Event
from campaign.facts import Fact
from campaign.scoring import StoryTheme

REVIVAL_REVIEW = (
    "needs review: possibly a death or a tragedy (several of one artist's tracks revived "
    "together, with no release behind them)"
)
# Days on which music of the day explains a revival (Christmas songs on Christmas Eve).
SEASONAL_KINDS = frozenset({"holiday", "cultural"})


def _seasonal(titles: Iterable[str], themes: list[StoryTheme]) -> bool:
    """Every title speaks to a theme (holiday music coming back in its season)."""
    titles = list(titles)
    return bool(titles) and all(
        any(theme.title_pattern.search(title) for theme in themes) for title in titles
    )


def _cluster_titles(facts: list[Fact]) -> dict[tuple[str, object, str], list[str]]:
    """The tracks of each artist moment, keyed by market, day and cluster."""
    return {
        (f.market, f.period_start, f.subject_id): [t["track"] for t in f.detail.get("tracks") or []]
        for f in facts
        if f.subject_kind == "artist" and f.detail.get("cluster")
    }


def mark_tone(facts: list[Fact], events: dict[str, Event], themes: list[StoryTheme]) -> None:
    """Set `detail.tone` (and `detail.review`, the reasons) on the facts that need them."""
    clusters = _cluster_titles(facts)
    for fact in facts:
        event = events.get(fact.event_id) if fact.event_id else None
        if event is not None and event.tone == RESPECTFUL:
            fact.detail["tone"] = RESPECTFUL
            continue
        if not fact.detail.get("revival"):
            continue
        if event is not None and event.kind in SEASONAL_KINDS:
            continue
        titles = clusters.get((fact.market, fact.period_start, fact.detail.get("cluster")), [])
        if _seasonal(titles, themes):
            continue
        fact.detail["tone"] = RESPECTFUL
        fact.detail["review"] = [REVIVAL_REVIEW]
