"""Scores: why a fact deserves a billboard, each in [0, 1] and stored with the inputs behind it.

- surprise: how unlikely the value is under its baseline, combined with how big the effect is, so a
  big market's tiny p-values don't swamp everything;
- story: a named day, a recognisable subject, a title that speaks to the day;
- privacy: the gate's margin (see `privacy.py`);
- fit: how comfortably the copy sets in every format (measured by the renderer, scored here);
- the ranking mixes them and is re-ranked for variety.

Every score is made here; `score_candidates` is handed what it needs from the workspace (events,
market populations, track popularity), so it runs without a database.
"""

from __future__ import annotations

import heapq
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from campaign.billboard_copy import BillboardCopy
from campaign.config import CampaignConfig
from campaign.events import Event
from campaign.facts import Fact, PackRun
from campaign.privacy import PrivacyVerdict, judge

WEIGHTS = {"surprise": 0.55, "story": 0.30, "privacy": 0.15}
# -log10(p) at which significance saturates, and the ratio at which the effect does.
SIGNIFICANCE_SATURATION = 12.0
EFFECT_SATURATION_RATIO = 16.0
# Variety: each earlier pick of the same subject / market / pack multiplies the score by these.
# An artist's album day or revival brings many of their tracks at once: "artist" spreads them.
VARIETY_PENALTY = {"subject": 0.5, "market": 0.9, "pack": 0.7, "event": 0.85, "artist": 0.6}


@dataclass
class Score:
    value: float
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"value": round(self.value, 4), "inputs": self.inputs}


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _effect(value: float, expected: float) -> float:
    if expected <= 0 or value <= expected:
        return 0.0
    return _clip(math.log(value / expected) / math.log(EFFECT_SATURATION_RATIO))


def _significance(p_value: float) -> float:
    if p_value <= 0:
        return 1.0
    return _clip(-math.log10(p_value) / SIGNIFICANCE_SATURATION)


def count_surprise(value: float, expected: float, variance: float | None) -> Score:
    """Tail of a count under its baseline: negative binomial when the history is over-dispersed."""
    expected = max(float(expected), 0.5)
    observed = round(value)
    if variance is not None and variance > expected:
        dispersion = expected**2 / (variance - expected)  # the negative binomial's r
        p_value = float(
            stats.nbinom.sf(observed - 1, dispersion, dispersion / (dispersion + expected))
        )
        model = "negative binomial"
    else:
        p_value = float(stats.poisson.sf(observed - 1, expected))
        model = "poisson"
    significance, effect = _significance(p_value), _effect(value, expected)
    return Score(
        math.sqrt(significance * effect),
        {
            "model": model,
            "expected": round(expected, 2),
            "variance": None if variance is None else round(variance, 2),
            "p_value": p_value,
            "significance": round(significance, 4),
            "ratio": round(value / expected, 3),
            "effect": round(effect, 4),
        },
    )


def tail_surprise(value: float, typical: float | None, tail_share: float | None) -> Score:
    """Rank of an individual extreme in its market's distribution, combined with its size."""
    significance = _significance(tail_share) if tail_share is not None else 0.0
    effect = _effect(value, typical) if typical else 0.0
    return Score(
        math.sqrt(significance * effect),
        {
            "model": "tail rank",
            "tail_share": tail_share,
            "significance": round(significance, 4),
            "typical": typical,
            "ratio": round(value / typical, 3) if typical else None,
            "effect": round(effect, 4),
        },
    )


def censored_surprise(value: float, expected: float, censored_days: int) -> Score:
    """A chart fact whose baseline had days below the floor: its size, the ratio's lower bound.

    An absent day counted at the floor carries the chart's spread, not the track's, so the
    floor-filled variance says nothing honest about the tail: a track listed on one or two loud
    days (its own release) gets a huge variance and a weak p-value, a track never listed before a
    tiny one and a certain p-value, whatever their ratios. Within a market-day the lower bound
    on the ratio is the comparable evidence, so it alone sets the score: the count score with its
    significance held at 1, which is what any chart-sized count at 2× its level reaches, so the
    scale stays that of the other facts.
    """
    effect = _effect(value, expected)
    return Score(
        math.sqrt(effect),
        {
            "model": "censored lower bound",
            "expected": round(float(expected), 2),
            "censored_days": censored_days,
            "ratio": round(value / expected, 3) if expected > 0 else None,
            "effect": round(effect, 4),
        },
    )


def surprise(fact: Fact) -> Score:
    if fact.audience == "individual":
        return tail_surprise(fact.value, fact.baseline, fact.detail.get("tail_share"))
    if fact.baseline is None:
        return Score(0.0, {"model": "none", "why": "no baseline to compare with"})
    censored_days = fact.detail.get("censored_days") or 0
    if fact.detail.get("floor") is not None and censored_days > 0:
        return censored_surprise(fact.value, fact.baseline, censored_days)
    variance = fact.detail.get("level_variance")
    factor = fact.detail.get("weekday_factor") or 1.0
    return count_surprise(
        fact.value, fact.baseline, None if variance is None else variance * factor**2
    )


@dataclass(frozen=True)
class StoryTheme:
    """Words of a kind of day and the titles that speak to it (templates/story_themes.toml)."""

    name: str
    event_words: tuple[str, ...]
    title_pattern: re.Pattern[str]


def load_themes(paths: list[Path]) -> list[StoryTheme]:
    """Story themes from the first file that exists (the campaign's, then the built-in one)."""
    for path in paths:
        if path.is_file():
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            return [
                StoryTheme(
                    name,
                    tuple(w.casefold() for w in spec.get("events", [])),
                    re.compile(
                        r"\b(" + "|".join(re.escape(w) for w in spec.get("titles", [])) + r")\b",
                        re.IGNORECASE,
                    ),
                )
                for name, spec in raw.items()
            ]
    return []


def story(
    fact: Fact, event: Event | None, popularity: tuple[int, int] | None, themes: list[StoryTheme]
) -> Score:
    """A named day, a subject people know, a title that speaks to the day."""
    named_day = 1.0 if event else 0.0
    if popularity:
        rank, tracks = popularity
        recognisable = _clip(1 - math.log(rank) / math.log(max(tracks, 2)))
    else:
        rank, tracks, recognisable = None, None, 0.0
    matched = None
    if event:
        event_name = event.name("en").casefold()
        for theme in themes:
            if any(word in event_name for word in theme.event_words):
                hit = theme.title_pattern.search(fact.subject_name or "")
                if hit:
                    matched = f"{theme.name}: '{hit.group(0)}'"
                    break
    value = 0.45 * named_day + 0.35 * recognisable + 0.20 * (1.0 if matched else 0.0)
    return Score(
        value,
        {
            "event": event.name("en") if event else None,
            "popularity_rank": rank,
            "market_subjects": tracks,
            "recognisable": round(recognisable, 4),
            "theme": matched,
        },
    )


def total(scores: dict[str, Score], verdict: PrivacyVerdict) -> float:
    return sum(WEIGHTS[name] * scores[name].value for name in WEIGHTS) if verdict.passed else 0.0


# The variety re-rank nests candidates by these kinds (markets and packs are few; an event is a
# market's day), so one pick lowers a whole group with one factor.
GROUP_LEVELS = (("market", "pack"), ("event",))


def _penalty(
    keys: dict[str, str], kinds: tuple[str, ...], seen: dict[tuple[str, str], int]
) -> float:
    """The factor the earlier picks sharing these keys put on a score."""
    factor = 1.0
    for kind in kinds:
        key = keys.get(kind)
        if key:
            factor *= VARIETY_PENALTY[kind] ** seen.get((kind, key), 0)
    return factor


@dataclass
class _Group:
    """Candidates sharing the keys of some kinds: a heap of upper bounds on its members' scores
    (negated for heapq), each entry (bound, tie, serial, member)."""

    keys: dict[str, str]
    heap: list[tuple[float, int, int, Any]] = field(default_factory=list)


class _VarietyHeap:
    """Lazy greedy over nested groups: penalties only ever lower a score, so a stale score is an
    upper bound and only the top of each heap needs rescoring."""

    def __init__(self, items: list[tuple[str, dict[str, str], float]]) -> None:
        varied = {
            kind
            for kind in {k for _, keys, _ in items for k, v in keys.items() if v}
            if len({keys.get(kind) or "" for _, keys, _ in items}) > 1
        }
        # a kind with one key for every candidate lowers all alike: it changes no order
        self.levels = [tuple(k for k in level if k in varied) for level in GROUP_LEVELS]
        grouped = {k for level in self.levels for k in level}
        self.own_kinds = tuple(sorted(varied - grouped))
        self.items = items
        self.rank = {item_id: i for i, item_id in enumerate(sorted(i for i, _, _ in items))}
        self.unknown = -len(items) - 1  # the tie of a bound: below every real candidate's
        self.seen: dict[tuple[str, str], int] = {}
        self.serial = 0
        self.root = _Group({})
        nodes: dict[tuple, _Group] = {}
        for index, (item_id, keys, score) in enumerate(items):
            parent, path = self.root, ()
            for kinds in self.levels:
                level_keys = {k: keys.get(k) or "" for k in kinds}
                path += (tuple(level_keys.values()),)
                if path not in nodes:
                    nodes[path] = _Group(level_keys)
                    # no bound known yet: the first look at the group scores it
                    self._push(parent, (-math.inf, self.unknown), nodes[path])
                parent = nodes[path]
            self._push(parent, (-score, -self.rank[item_id]), index)
        for node in [self.root, *nodes.values()]:
            heapq.heapify(node.heap)

    def _push(self, group: _Group, bound: tuple[float, int], member: Any) -> None:
        self.serial += 1
        group.heap.append((*bound, self.serial, member))

    def _exact(self, member: Any) -> tuple[float, int]:
        """A member's present score (negated) and tie: an item's, or its group's best."""
        if isinstance(member, int):
            item_id, keys, score = self.items[member]
            return -score * _penalty(keys, self.own_kinds, self.seen), -self.rank[item_id]
        best, tie = self._top(member)
        return best * _penalty(member.keys, tuple(member.keys), self.seen), tie

    def _top(self, group: _Group) -> tuple[float, int]:
        """Rescore the top of a group until it stays on top: then it is the group's best."""
        while True:
            _, _, serial, member = group.heap[0]
            heapq.heapreplace(group.heap, (*self._exact(member), serial, member))
            if group.heap[0][2] == serial:
                return group.heap[0][0], group.heap[0][1]

    def pop(self) -> str:
        """The best candidate left; the picks after it see its penalties."""
        self._top(self.root)
        path = [self.root]
        while not isinstance(path[-1].heap[0][3], int):
            path.append(path[-1].heap[0][3])
        index = heapq.heappop(path[-1].heap)[3]
        for child, parent in zip(path[:0:-1], path[-2::-1], strict=True):
            if child.heap:
                bound, _, serial, _ = parent.heap[0]
                parent.heap[0] = (bound, self.unknown, serial, child)
            else:
                heapq.heappop(parent.heap)
        item_id, keys, _ = self.items[index]
        for kind, key in keys.items():
            if key:
                self.seen[(kind, key)] = self.seen.get((kind, key), 0) + 1
        return item_id


def rerank_for_variety(items: list[tuple[str, dict[str, str], float]]) -> list[str]:
    """Greedy re-ranking: each pick lowers the score of the rest that share its subject,
    market, pack or event, so a shortlist is not ten lines about one song.

    `items` are (id, {"subject": …, "market": …, "pack": …, "event": …}, score); each pick is
    the best adjusted score left (ties to the larger id), found without rescoring every
    candidate (`_VarietyHeap`): O(n log n), plus per pick the few groups and candidates that
    share its keys.
    """
    ranking = _VarietyHeap(items)
    return [ranking.pop() for _ in items]


def fit_score(fits: dict[str, float]) -> Score:
    """A candidate's fit is its worst format and locale: a billboard is as good as its tightest."""
    return Score(min(fits.values(), default=0.0), {"per_format": fits})


@dataclass
class Candidate:
    fact: Fact
    event: Event | None
    scores: dict[str, Score]
    verdict: PrivacyVerdict
    rank: int = 0
    copy: dict[str, BillboardCopy] = field(default_factory=dict)
    missing_copy: list[str] = field(default_factory=list)  # locales without a template
    images: dict[str, dict[str, str]] = field(default_factory=dict)  # format → locale → path
    series: dict[str, Any] | None = None  # the card's chart (campaign.series), aggregates only
    thumbs: dict[str, dict[str, str]] = field(default_factory=dict)  # format → locale → WebP
    theme: str | None = None  # the theme its billboards were drawn in

    @property
    def id(self) -> str:
        return self.fact.id

    @property
    def eligible(self) -> bool:
        return self.verdict.passed


@dataclass
class FactsResult:
    config: CampaignConfig
    runs: list[PackRun]
    candidates: list[Candidate]  # ranked: rank 1 first
    data_summary: dict[str, Any]

    def shortlist(self) -> list[Candidate]:
        ready = [c for c in self.candidates if c.eligible and not c.verdict.needs_review]
        return ready[: self.config.shortlist]


def score_candidates(
    config: CampaignConfig,
    runs: list[PackRun],
    events: dict[str, Event],
    market_population: dict[str, int],
    popularity: dict[tuple[str, str], tuple[int, int]],
    themes: list[StoryTheme],
) -> list[Candidate]:
    """Score every fact, keep the best of each pack, and rank them all for variety."""
    facts = [fact for run in runs for fact in run.facts]
    by_pack: dict[str, list[Candidate]] = {}
    for fact in facts:
        event = events.get(fact.event_id) if fact.event_id else None
        verdict = judge(fact, config.privacy, market_population.get(fact.market))
        scores = {
            "surprise": surprise(fact),
            "story": story(fact, event, popularity.get((fact.market, fact.subject_id)), themes),
            "privacy": Score(verdict.score, dict(verdict.inputs)),
        }
        scores["total"] = Score(total(scores, verdict), {"weights": dict(WEIGHTS)})
        by_pack.setdefault(fact.pack, []).append(Candidate(fact, event, scores, verdict))
    kept: list[Candidate] = []
    for run in runs:
        ranked = sorted(
            by_pack.get(run.pack.name, []),
            key=lambda c: (c.eligible, c.scores["total"].value, c.scores["surprise"].value, c.id),
            reverse=True,
        )
        run_kept = ranked[: config.candidates_per_pack]
        run.kept = len(run_kept)
        kept.extend(run_kept)
    by_id = {c.id: c for c in kept}
    eligible = [c for c in kept if c.eligible]
    order = rerank_for_variety(
        [
            (
                c.id,
                {
                    "subject": f"{c.fact.subject_kind}:{c.fact.subject_name}".casefold(),
                    "market": c.fact.market,
                    "pack": c.fact.pack,
                    "event": c.fact.event_id or "",
                    "artist": (c.fact.artist_name or "").casefold(),
                },
                c.scores["total"].value,
            )
            for c in eligible
        ]
    )
    rejected = sorted(
        (c for c in kept if not c.eligible),
        key=lambda c: (c.scores["surprise"].value, c.id),
        reverse=True,
    )
    ranked = [by_id[i] for i in order] + rejected
    for rank, candidate in enumerate(ranked, start=1):
        candidate.rank = rank
    return ranked
