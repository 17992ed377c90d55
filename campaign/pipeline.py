"""The library API: the whole path from data to a reviewed gallery, one function per command.

The CLI only parses options and calls these; a notebook can call them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.billboard_copy import BillboardCopy
from campaign.config import CampaignConfig
from campaign.errors import ConfigError
from campaign.events import Event
from campaign.facts import Fact, PackRun, collect_facts
from campaign.noise import noisy_count, privatise, unsupported
from campaign.packs import discover_packs, pack_dirs, resolve_params
from campaign.privacy import PrivacyVerdict, judge
from campaign.progress import Reporter, Silent
from campaign.resources import bundled_dir
from campaign.scoring import Score, load_themes, rerank_for_variety, story, surprise, total
from campaign.tone import mark_tone
from campaign.unexplained import unexplained_days
from campaign.workspace import Workspace, open_workspace


@dataclass
class Candidate:
    fact: Fact
    event: Event | None
    scores: dict[str, Score]
    verdict: PrivacyVerdict
    rank: int = 0
    copy: dict[str, BillboardCopy] = field(default_factory=dict)
    images: dict[str, dict[str, str]] = field(default_factory=dict)  # format → locale → path

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


def template_dirs(config: CampaignConfig) -> list[Path]:
    """The campaign's own templates folder, if it has one; the built-in one comes after it."""
    own = config.root / "templates"
    return [own] if own.is_dir() and own.resolve() != bundled_dir("templates").resolve() else []


def find_facts(
    config: CampaignConfig,
    data: Sequence[Path | str] | None = None,
    cli_params: dict[str, dict[str, Any]] | None = None,
    reporter: Reporter | None = None,
) -> FactsResult:
    """Run every pack on the data, judge privacy, score and rank the candidates."""
    reporter = reporter or Silent()
    packs = discover_packs(pack_dirs(config.packs, config.root))
    params = {
        pack.name: resolve_params(
            pack, config.params.get(pack.name, {}), (cli_params or {}).get(pack.name, {})
        )
        for pack in packs
    }
    unknown = sorted(set(cli_params or {}) - {p.name for p in packs})
    if unknown:
        raise ConfigError(
            f"--param names pack '{unknown[0]}', which is not among the packs", "--param"
        )
    reporter.stage("Reading the data", None)
    ws = open_workspace(config, list(data or config.data))
    try:
        reporter.stage("Running query packs", len(packs))
        runs = []
        for pack in packs:
            runs.append(collect_facts(ws, pack, params[pack.name], config.year))
            reporter.advance()
        reporter.stage("Scoring candidates", None)
        withheld = apply_noise(runs, config)
        candidates = score_candidates(ws, config, runs)
        summary = summarise(ws, noisy=config.privacy.noise == "dp", epsilon=config.privacy.epsilon)
        summary["withheld_by_noise"] = withheld
        summary["unexplained_days"] = [d.to_json() for d in unexplained_days(candidates)]
    finally:
        ws.close()
    return FactsResult(config, runs, candidates, summary)


def summarise(ws: Workspace, noisy: bool = False, epsilon: float = 1.0) -> dict[str, Any]:
    """What the data held, in counts only: no ids, no rows (and noisy counts under DP)."""

    def publish(count: int) -> int | None:
        return noisy_count(count, epsilon) if noisy else count

    counts = {}
    for table in ("listens", "daily_streams"):
        if table in ws.tables:
            counts[table] = publish(ws.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return {
        "rows": counts,
        "markets": ws.markets,
        "first_day": ws.first_day.isoformat() if ws.first_day else None,
        "last_day": ws.last_day.isoformat() if ws.last_day else None,
        "events": len(ws.events),
        "market_listeners": {m: publish(n) for m, n in ws.market_population.items()},
    }


def _popularity(ws: Workspace, facts: list[Fact]) -> dict[tuple[str, str], tuple[int, int]]:
    """Rank of each fact's track among its market's tracks, for the story score."""
    keys = sorted({(f.market, f.subject_id) for f in facts if f.subject_kind == "track"})
    if not keys:
        return {}
    ws.con.execute("CREATE OR REPLACE TEMP TABLE wanted (market VARCHAR, track_id VARCHAR)")
    ws.con.executemany("INSERT INTO wanted VALUES (?, ?)", keys)
    rows = ws.con.execute(
        """
        WITH ranked AS (
            SELECT market, track_id,
                   rank() OVER (PARTITION BY market
                                ORDER BY sum(coalesce(listeners, streams)) DESC) AS r,
                   count(*) OVER (PARTITION BY market) AS n
            FROM daily_streams GROUP BY market, track_id
        )
        SELECT market, track_id, r, n FROM ranked JOIN wanted USING (market, track_id)
        """
    ).fetchall()
    return {(m, t): (int(r), int(n)) for m, t, r, n in rows}


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


def score_candidates(ws: Workspace, config: CampaignConfig, runs: list[PackRun]) -> list[Candidate]:
    """Score every fact, keep the best of each pack, and rank them all for variety."""
    facts = [fact for run in runs for fact in run.facts]
    events = {e.event_id: e for e in ws.events}
    popularity = _popularity(ws, facts)
    themes = load_themes(
        [d / "story_themes.toml" for d in template_dirs(config)]
        + [bundled_dir("templates") / "story_themes.toml"]
    )
    mark_tone(facts, events, themes)
    by_pack: dict[str, list[Candidate]] = {}
    for fact in facts:
        event = events.get(fact.event_id) if fact.event_id else None
        verdict = judge(fact, config.privacy, ws.market_population.get(fact.market))
        scores = {
            "surprise": surprise(fact),
            "story": story(fact, event, popularity.get((fact.market, fact.subject_id)), themes),
            "privacy": Score(verdict.score, dict(verdict.inputs)),
        }
        scores["total"] = Score(total(scores, verdict), {"weights": "see scoring.WEIGHTS"})
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
