"""The one place that calls the stages in order: packs, noise, scores, copy, billboards, output.

`find_facts` is `campaign facts` (data to ranked candidates); `run_campaign` is `campaign run`
(candidates to the output folder: copy, billboards, manifest, gallery). The CLI and a notebook call
these the same way; each stage they call lives in its own module and knows nothing of the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from campaign.config import CampaignConfig
from campaign.copywriter import Copywriter
from campaign.errors import ConfigError
from campaign.facts import Fact, PackRun, collect_facts
from campaign.noise import PrivateRelease
from campaign.output.folder import drop_stale_billboards, staged
from campaign.output.gallery import write_gallery
from campaign.output.manifest import build_manifest, write_facts_parquet, write_manifest
from campaign.packs import discover_packs, pack_dirs, resolve_params
from campaign.progress import Reporter, Silent
from campaign.render import BILLBOARD_FORMATS, Theme, layout_billboard, load_theme, render_all
from campaign.render.textfit import RenderError
from campaign.resources import find_template_files, template_search_path
from campaign.scoring import (
    Candidate,
    FactsResult,
    fit_score,
    load_themes,
    score_candidates,
    surprise,
)
from campaign.workspace import Workspace, open_workspace


@dataclass
class RunResult:
    out_dir: Path
    facts: FactsResult
    billboards: int
    failed_renders: list[str]

    @property
    def gallery(self) -> Path:
        return self.out_dir / "index.html"


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
        release = PrivateRelease(config, ws.files)
        summary = summarise(ws, release)  # first: the summary's share of the budget is reserved
        release.apply(runs, lambda fact: surprise(fact).value, ws.market_population)
        candidates = rank_candidates(ws, config, runs)
        summary["privacy"] = release.report()
    finally:
        ws.close()
    return FactsResult(config, runs, candidates, summary)


def rank_candidates(ws: Workspace, config: CampaignConfig, runs: list[PackRun]) -> list[Candidate]:
    """Hand the scorer what it needs from the workspace and the campaign's story themes."""
    return score_candidates(
        config,
        runs,
        {e.event_id: e for e in ws.events},
        ws.market_population,
        track_popularity(ws, [fact for run in runs for fact in run.facts]),
        load_themes(find_template_files(config.root, "story_themes.toml")),
    )


def summarise(ws: Workspace, release: PrivateRelease) -> dict[str, Any]:
    """What the data held, in counts only: no ids, no rows. Under DP the counts are noisy (the
    play count with each listener's plays clipped to `max_plays_per_listener`, its sensitivity),
    public chart rows are counted as published, and the day range is coarsened to months."""
    settings = release.config.privacy
    items = len(ws.market_population) + 1
    counts: dict[str, int | None] = {}
    if "listens" in ws.tables:
        cap = int(settings.max_plays_per_listener)
        sql = (
            f"SELECT coalesce(sum(least(n, {cap})), 0) FROM "
            "(SELECT count(*) AS n FROM listens GROUP BY user_id)"
            if release.dp
            else "SELECT count(*) FROM listens"
        )
        counts["listens"] = release.summary_count(
            "listens", ws.con.execute(sql).fetchone()[0], cap, items
        )
    table = "raw_daily_streams" if release.dp else "daily_streams"
    counts["daily_streams"] = ws.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def day(value: date | None) -> str | None:
        if value is None:
            return None
        return value.strftime("%Y-%m") if release.dp else value.isoformat()

    return {
        "rows": counts,
        "markets": ws.markets,
        "first_day": day(ws.first_day),
        "last_day": day(ws.last_day),
        "events": len(ws.events),
        "market_listeners": {
            m: release.summary_count(f"listeners:{m}", n, 1, items)
            for m, n in ws.market_population.items()
        },
        "noise": settings.noise,
    }


def track_popularity(ws: Workspace, facts: list[Fact]) -> dict[tuple[str, str], tuple[int, int]]:
    """Rank of each fact's track among its market's tracks, handed to the story score."""
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


def write_copy(result: FactsResult, locales: Sequence[str]) -> None:
    """Give every candidate its copy in every locale of the campaign."""
    writer = Copywriter(template_search_path(result.config.root))
    for candidate in result.candidates:
        for locale in locales:
            candidate.copy[locale] = writer.write(candidate.fact, candidate.event, locale)


def fit_shortlist(shortlist: list[Candidate], formats: Sequence[str], theme: Theme) -> None:
    """Measure how comfortably each shortlisted billboard's copy fits its formats.

    The fit of a format is 1 when the headline is set at the theme's largest size and 0 when it
    is squeezed to the smallest (or cannot be set at all).
    """
    for candidate in shortlist:
        fits: dict[str, float] = {}
        for locale, copy in candidate.copy.items():
            for fmt in formats:
                try:
                    fits[f"{fmt} {locale}"] = round(layout_billboard(copy, fmt, theme).fit, 3)
                except RenderError:
                    fits[f"{fmt} {locale}"] = 0.0
        candidate.scores["fit"] = fit_score(fits)


def run_campaign(
    config: CampaignConfig,
    data: Sequence[Path | str] | None = None,
    cli_params: dict[str, dict[str, Any]] | None = None,
    reporter: Reporter | None = None,
    workers: int = 2,
) -> RunResult:
    """The whole pipeline: facts, copy, billboards for the shortlist, manifest and gallery."""
    reporter = reporter or Silent()
    unknown = [f for f in config.formats if f not in BILLBOARD_FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown format '{unknown[0]}' (formats: {', '.join(BILLBOARD_FORMATS)})", "formats"
        )
    search_path = template_search_path(config.root)
    theme = load_theme(config.theme, search_path, root=config.root)
    result = find_facts(config, data, cli_params, reporter)
    reporter.stage("Writing copy", None)
    write_copy(result, config.locales)
    shortlist = result.shortlist()
    fit_shortlist(shortlist, config.formats, theme)
    failed: list[str] = []
    with staged(config.out_dir) as stage:
        jobs, owners = [], []
        for candidate in shortlist:
            for fmt in config.formats:
                for locale in config.locales:
                    relative = f"billboards/{candidate.id}-{fmt}-{locale}.png"
                    jobs.append((candidate.copy[locale], fmt, theme, stage / relative))
                    owners.append((candidate, fmt, locale, relative))
        reporter.stage("Rendering billboards", len(jobs))
        results = render_all(jobs, workers=workers)
        reporter.advance(len(jobs))
        for (candidate, fmt, locale, relative), outcome in zip(owners, results, strict=True):
            if outcome.status == "failed":
                failed.append(f"{Path(relative).name}: {outcome.error}")
            else:
                candidate.images.setdefault(fmt, {})[locale] = relative
        drop_stale_billboards(stage, {job[3].name for job in jobs})
        reporter.stage("Writing manifest and gallery", None)
        manifest = build_manifest(result, theme.source)
        write_manifest(stage, manifest)
        write_facts_parquet(stage, manifest)
        write_gallery(stage, manifest, search_path)
    return RunResult(config.out_dir, result, len(jobs) - len(failed), failed)
