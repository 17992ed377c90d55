"""What a fact publishes, and by how much one listener can move each count (its sensitivity).

The bound comes from the data: `listener_track_days` clips each listener's plays of a track on a
day to `max_plays_per_track_day` (workspace.py), so a count of plays or streams of one track over
a period of D days moves by at most that bound times D when one listener is added or removed. A
count of distinct listeners (or playlist owners) moves by at most one, and so does a mean of daily
listener counts (a baseline) or a market's population. Anything else has no bound per listener and
cannot be published under differential privacy.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaign.facts import Fact

PERSON_COUNTS = frozenset({"listeners", "owners"})
PLAY_COUNTS = frozenset({"plays", "streams"})
# Tables holding one row per play, before listener_track_days clips them.
UNCLIPPED_PLAYS = frozenset({"listens", "streams"})
# Tables that hold or derive from one listener's rows: a pack that reads none of them in a market
# without listeners reads only public, pre-aggregated charts.
LISTENER_TABLES = frozenset(
    {
        "listens",
        "streams",
        "listener_track_days",
        "market_years",
        "listener_track_years",
        "users",
        "playlists",
        "playlist_tracks",
        "user_markets",
    }
)


@dataclass(frozen=True)
class Count:
    """One number a fact publishes: its field, raw value, sensitivity and ledger key."""

    field: str
    raw: int
    sensitivity: int
    key: str


def is_public_source(fact: Fact, needs: tuple[str, ...], market_listeners: int) -> bool:
    """A fact read only from published charts: no listener-level row stands behind it."""
    return market_listeners == 0 and not (set(needs) & LISTENER_TABLES)


def unsupported(fact: Fact, needs: tuple[str, ...] = ()) -> str | None:
    """Why a fact's counts have no per-listener bound, or None if they have one. `needs` are the
    tables its pack reads: plays read from unclipped rows have no bound."""
    if fact.audience == "individual":
        return "a fact about one listener cannot be made differentially private"
    if fact.measure in PLAY_COUNTS and set(needs) & UNCLIPPED_PLAYS:
        return (
            f"a count of {fact.measure} read from {', '.join(sorted(set(needs) & UNCLIPPED_PLAYS))}"
            " has no per-listener bound (plays are clipped in listener_track_days)"
        )
    if fact.measure in PLAY_COUNTS and fact.subject_kind != "track":
        return (
            f"a count of {fact.measure} over many tracks has no per-listener bound "
            "(plays are bounded per track and day)"
        )
    if fact.measure not in PERSON_COUNTS | PLAY_COUNTS:
        return f"a count of {fact.measure} has no per-listener bound"
    return None


def fact_counts(fact: Fact, max_plays_per_track_day: int) -> list[Count]:
    """The counts a supported fact publishes, each with its sensitivity.

    The cohort is the value itself when the value counts listeners; the population is keyed by
    market, period and value, so the same population is drawn once and reused by every fact.
    """
    days = (fact.period_end - fact.period_start).days + 1
    plays = fact.measure in PLAY_COUNTS
    counts = [
        Count(
            "value",
            round(fact.value),
            max_plays_per_track_day * days if plays else 1,
            f"value:{fact.id}",
        )
    ]
    if fact.cohort_size is not None and plays:
        counts.append(Count("cohort_size", round(fact.cohort_size), 1, f"cohort:{fact.id}"))
    if fact.baseline is not None:
        bound = max_plays_per_track_day if plays else 1
        counts.append(Count("baseline", round(fact.baseline), bound, f"baseline:{fact.id}"))
    if fact.population is not None:
        key = f"population:{fact.market}:{fact.period_start}:{fact.period_end}:{fact.population}"
        counts.append(Count("population", round(fact.population), 1, key))
    return counts
