"""Unexplained days: the market-days whose strongest spikes fall on no calendar event.

Something happened there (an album, a death, a television moment) that the calendar does not
name. Each day is listed with the tracks and artists involved and whether it looks like a release
or a revival, so the marketer can add the event to the campaign's events file and run again.
The result is plain data for the CLI and the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from campaign.events import Event
from campaign.facts import Fact
from campaign.scoring import Score

SPIKE_PACK = "event_spike"


class Scored(Protocol):
    """What this module reads of a pipeline candidate."""

    fact: Fact
    event: Event | None
    scores: dict[str, Score]


@dataclass(frozen=True)
class UnexplainedDay:
    market: str
    day: date
    strength: float  # the surprise score of the day's strongest spike
    looks_like: str  # release | revival | spike
    subjects: tuple[dict[str, Any], ...]  # the strongest spikes: kind, name, artist, novelty, ratio

    def events_line(self) -> str:
        """A line to complete and paste into the campaign's events CSV (date,name,markets,kind)."""
        kind = "release" if self.looks_like == "release" else "news"
        return f"{self.day.isoformat()},<name this day>,{self.market},{kind}"

    def to_json(self) -> dict[str, Any]:
        return {
            "market": self.market,
            "day": self.day.isoformat(),
            "strength": round(self.strength, 4),
            "looks_like": self.looks_like,
            "subjects": list(self.subjects),
            "events_line": self.events_line(),
        }


def _looks_like(facts: list[Fact]) -> str:
    """Release when most of the day's strongest spikes are new tracks, revival when most are
    catalogue tracks coming back (or an artist's catalogue reviving together), else spike."""
    novelties = [f.detail.get("novelty") for f in facts]
    if novelties.count("release") * 2 > len(novelties):
        return "release"
    if any(f.detail.get("revival") for f in facts) or novelties.count("re-entry") * 2 > len(
        novelties
    ):
        return "revival"
    return "spike"


def unexplained_days(
    candidates: Iterable[Scored], limit: int = 5, per_day: int = 3
) -> list[UnexplainedDay]:
    """The `limit` market-days with the strongest spikes and no calendar event, strongest first.

    Artefacts (withheld versions, detail.artefact) explain nothing and are left out.
    """
    by_day: dict[tuple[str, date], list[Scored]] = {}
    for c in candidates:
        if c.fact.pack != SPIKE_PACK or c.fact.event_id or c.fact.detail.get("artefact"):
            continue
        by_day.setdefault((c.fact.market, c.fact.period_start), []).append(c)
    days = []
    for (market, day), found in by_day.items():
        strongest = sorted(found, key=lambda c: (-c.scores["surprise"].value, c.fact.id))[:per_day]
        subjects = tuple(
            {
                "kind": c.fact.subject_kind,
                "name": c.fact.subject_name,
                "artist": c.fact.artist_name,
                "novelty": c.fact.detail.get("novelty"),
                "ratio_lower": c.fact.detail.get("ratio_lower"),
            }
            for c in strongest
        )
        days.append(
            UnexplainedDay(
                market,
                day,
                strongest[0].scores["surprise"].value,
                _looks_like([c.fact for c in strongest]),
                subjects,
            )
        )
    days.sort(key=lambda d: (-d.strength, d.market, d.day))
    return days[:limit]
