"""The one place that calls the stages in order: packs, noise, scores, copy, billboards, output.

`find_facts` is `campaign facts` (data to ranked candidates); `run_campaign` is `campaign run`
(candidates to the output folder: copy, billboards, manifest, gallery). The CLI and a notebook call
these the same way; each stage they call lives in its own module and knows nothing of the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from campaign.config import CampaignConfig
from campaign.copywriter import Copywriter
from campaign.errors import ConfigError
from campaign.facts import Fact, PackRun, PackRunner, collect_facts
from campaign.locales import locales_for
from campaign.noise import PrivateRelease, ledger_dir
from campaign.output.folder import RUN_FOLDER, check_replaceable, drop_stale_billboards, staged
from campaign.output.gallery import write_gallery
from campaign.output.manifest import build_manifest, write_facts_parquet, write_manifest
from campaign.packs import discover_packs, pack_dirs, resolve_params, run_pack
from campaign.progress import Reporter, Silent
from campaign.render import (
    BILLBOARD_FORMATS,
    RenderCrash,
    Theme,
    load_theme,
    render_all,
    theme_name_for,
    thumb_path,
)
from campaign.resources import find_template_files, template_search_path
from campaign.scoring import (
    Candidate,
    FactsResult,
    fit_score,
    load_themes,
    score_candidates,
    surprise,
)
from campaign.series import attach_series
from campaign.tone import mark_tone
from campaign.unexplained import unexplained_days
from campaign.workspace import Workspace, open_workspace
from campaign.workspace_cache import pack_key


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
    fresh: bool = False,
) -> FactsResult:
    """Run every pack on the data, judge privacy, score and rank the candidates (`fresh`:
    rebuild the workspace cache rather than read it)."""
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
    sources = list(data or config.data)
    ws, run, stop = open_engine(config, sources, fresh)
    try:
        reporter.count(ws.plays, "plays")
        reporter.stage("Running query packs", len(packs))
        runs = []
        for pack in packs:
            runs.append(collect_facts(ws, pack, params[pack.name], config.year, run))
            reporter.count(len(runs[-1].facts), "facts")
            reporter.advance()
        reporter.stage("Scoring candidates", None)
        release = PrivateRelease(config, ws.files, ledger_dir(config, sources))
        summary = summarise(ws, release)  # first: the summary's share of the budget is reserved
        release.apply(runs, lambda fact: surprise(fact).value, ws.market_population)
        candidates = rank_candidates(ws, config, runs)
        attach_series(ws, candidates, config.privacy.noise, {r.pack.name: r.params for r in runs})
        summary["privacy"] = release.report()
        summary["unexplained_days"] = [d.to_json() for d in unexplained_days(candidates)]
    finally:
        ws.close()
        stop()
    return FactsResult(config, runs, candidates, summary)


def open_engine(
    config: CampaignConfig, data: list[Path | str], fresh: bool = False
) -> tuple[Workspace, PackRunner, Callable[[], None]]:
    """The workspace, the pack runner of the campaign's engine and how to stop that engine:
    DuckDB runs the packs in the workspace (`fresh`: rebuilt, not read from its cache); Spark
    on the same views mirrored there, or (`[spark] rollups_only`) DuckDB on the rollups Spark
    built."""
    if config.engine != "spark":
        return open_workspace(config, data, fresh=fresh), run_pack, lambda: None
    from campaign.spark.runner import open_spark_rollups, open_spark_workspace

    if config.spark.rollups_only:
        return open_spark_rollups(config, data), run_pack, lambda: None
    ws, engine = open_spark_workspace(config, data)
    return ws, engine.run_pack, engine.stop


def rank_candidates(ws: Workspace, config: CampaignConfig, runs: list[PackRun]) -> list[Candidate]:
    """Hand the scorer what it needs from the workspace and the campaign's story themes."""
    facts = [fact for run in runs for fact in run.facts]
    events = {e.event_id: e for e in ws.events}
    themes = load_themes(find_template_files(config.root, "story_themes.toml"))
    mark_tone(facts, events, themes)
    return score_candidates(
        config, runs, events, ws.market_population, track_popularity(ws, facts), themes
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
            "(SELECT sum(plays) AS n FROM listener_markets GROUP BY user_id)"
            if release.dp
            else "SELECT coalesce(sum(plays), 0) FROM listener_markets"
        )
        counts["listens"] = release.summary_count("listens", _count(ws, sql), cap, items)
    table = "raw_daily_streams" if release.dp else "daily_streams"
    counts["daily_streams"] = _count(ws, f"SELECT count(*) FROM {table}")

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


def _count(ws: Workspace, sql: str) -> int:
    """One count over the data, kept in the workspace cache beside the packs' rows: it changes
    only with the data (a group by listener over every play took 11 s of each run at 10 M)."""
    if ws.cache is None:
        return int(ws.con.execute(sql).fetchall()[0][0])
    rows = ws.cache.pack_rows(pack_key(sql, "summary", {}, ""), lambda: ws.con.sql(sql))
    return int(rows.fetchall()[0][0])


def track_popularity(ws: Workspace, facts: list[Fact]) -> dict[tuple[str, str], tuple[int, int]]:
    """Rank of each fact's track among its market's tracks, or of an artist moment's artist
    among its market's artists, handed to the story score: an album day told as one artist
    fact is as recognisable as the artist, not an unknown."""
    keys = sorted(
        {(f.market, f.subject_id) for f in facts if f.subject_kind in ("track", "artist")}
    )
    if not keys:
        return {}
    ws.con.execute("CREATE OR REPLACE TEMP TABLE wanted (market VARCHAR, subject_id VARCHAR)")
    ws.con.executemany("INSERT INTO wanted VALUES (?, ?)", keys)
    rows = ws.con.execute(
        """
        WITH subjects AS (
            SELECT market, track_id AS subject_id, coalesce(listeners, streams) AS n
            FROM daily_streams
            UNION ALL
            SELECT market, 'artist:' || lower(trim(artist_name)), coalesce(listeners, streams)
            FROM daily_streams WHERE artist_name IS NOT NULL
        ),
        ranked AS (
            SELECT market, subject_id,
                   rank() OVER (PARTITION BY market, subject_id LIKE 'artist:%'
                                ORDER BY sum(n) DESC) AS r,
                   count(*) OVER (PARTITION BY market, subject_id LIKE 'artist:%') AS n
            FROM subjects GROUP BY market, subject_id
        )
        SELECT market, subject_id, r, n FROM ranked JOIN wanted USING (market, subject_id)
        """
    ).fetchall()
    return {(m, t): (int(r), int(n)) for m, t, r, n in rows}


def write_copy(result: FactsResult) -> None:
    """Give every candidate its copy in each locale of its market; record those it lacks."""
    writer = Copywriter(template_search_path(result.config.root))
    for candidate in result.candidates:
        locales = locales_for(result.config, candidate.fact.market)
        candidate.copy, candidate.missing_copy = writer.write_locales(
            candidate.fact, candidate.event, locales
        )


def load_run_themes(config: CampaignConfig) -> dict[str, Theme]:
    """Every theme the campaign names (`theme`, `[themes]`, `[themes.packs]`), loaded up front so
    a misspelt name stops the run before any query, with the setting that names it."""
    search_path = template_search_path(config.root)
    named = [("theme", config.theme)]
    named += [(f"[themes] {m}", name) for m, name in config.market_themes.items()]
    named += [(f"[themes.packs] {p}", name) for p, name in config.pack_themes.items()]
    themes: dict[str, Theme] = {}
    for setting, name in named:
        if name not in themes:
            try:
                themes[name] = load_theme(name, search_path, root=config.root)
            except ConfigError as exc:
                raise ConfigError(f"{setting}: {exc.describe()}", "campaign.toml") from None
    return themes


def assign_themes(result: FactsResult, themes: dict[str, Theme]) -> None:
    """Name each candidate's theme (its market's, its pack's or the campaign's); a pack named
    in [themes.packs] that the campaign does not run is a setting error, not silently unused."""
    config = result.config
    packs = {run.pack.name for run in result.runs}
    unknown = sorted(set(config.pack_themes) - packs)
    if unknown:
        raise ConfigError(
            f"[themes.packs] names pack '{unknown[0]}', which is not among the packs "
            f"({', '.join(sorted(packs))})",
            "campaign.toml",
        )
    for candidate in result.candidates:
        fact = candidate.fact
        candidate.theme = theme_name_for(
            config.theme, config.market_themes, config.pack_themes, fact.market, fact.pack
        )


def run_campaign(
    config: CampaignConfig,
    data: Sequence[Path | str] | None = None,
    cli_params: dict[str, dict[str, Any]] | None = None,
    reporter: Reporter | None = None,
    workers: int = 2,
    fresh: bool = False,
) -> RunResult:
    """The whole pipeline: facts, copy, billboards for the shortlist, manifest and gallery."""
    reporter = reporter or Silent()
    unknown = [f for f in config.formats if f not in BILLBOARD_FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown format '{unknown[0]}' (formats: {', '.join(BILLBOARD_FORMATS)})", "formats"
        )
    check_replaceable(config.out_dir, RUN_FOLDER)  # refused before any work, not after it
    search_path = template_search_path(config.root)
    themes = load_run_themes(config)
    result = find_facts(config, data, cli_params, reporter, fresh)
    assign_themes(result, themes)
    reporter.stage("Writing copy", None)
    write_copy(result)
    shortlist = result.shortlist()
    with staged(config.out_dir, RUN_FOLDER) as stage:
        failed = render_shortlist(shortlist, config.formats, themes, stage, workers, reporter)
        reporter.stage("Writing manifest and gallery", None)
        manifest = build_manifest(result, {name: t.source for name, t in themes.items()})
        write_manifest(stage, manifest)
        write_facts_parquet(stage, manifest)
        write_gallery(stage, manifest, search_path)
    billboards = sum(len(by_locale) for c in shortlist for by_locale in c.images.values())
    return RunResult(config.out_dir, result, billboards, failed)


def render_shortlist(
    shortlist: list[Candidate],
    formats: Sequence[str],
    themes: dict[str, Theme],
    stage: Path,
    workers: int = 2,
    reporter: Reporter | None = None,
) -> list[str]:
    """Draw every shortlisted candidate's billboards (format × locale) into `stage`, record
    their image and thumbnail paths and their fit score on the candidate, drop billboards
    carried over that are no longer wanted, and return the ones that could not be set, each
    with its reason.

    A format's fit is 1 when the headline is set at the theme's largest size and 0 when it is
    squeezed to the smallest (or cannot be set at all); the workers measure it as they lay the
    copy out, so the parent never lays out a billboard itself.
    """
    reporter = reporter or Silent()
    jobs, owners = [], []
    for candidate in shortlist:
        for fmt in formats:
            for locale, words in candidate.copy.items():
                relative = f"billboards/{candidate.id}-{fmt}-{locale}.png"
                jobs.append((words, fmt, themes[candidate.theme or ""], stage / relative))
                owners.append((candidate, fmt, locale, relative))
    reporter.stage("Rendering billboards", len(jobs))
    try:
        results = render_all(jobs, workers=workers)
    except RenderCrash as exc:
        candidate, fmt, locale, _ = owners[exc.job]
        what = f"the {fmt} billboard of candidate {candidate.id} (rank {candidate.rank}, {locale})"
        raise RenderCrash(what, exc.reason, exc.job) from None
    reporter.advance(len(jobs))
    failed: list[str] = []
    fits: dict[str, dict[str, float]] = {c.id: {} for c in shortlist}
    for (candidate, fmt, locale, relative), outcome in zip(owners, results, strict=True):
        fits[candidate.id][f"{fmt} {locale}"] = round(outcome.fit, 3)
        if outcome.status == "failed":
            failed.append(f"{Path(relative).name}: {outcome.error}")
        else:
            candidate.images.setdefault(fmt, {})[locale] = relative
            thumb = thumb_path(Path(relative)).as_posix()
            candidate.thumbs.setdefault(fmt, {})[locale] = thumb
    for candidate in shortlist:
        candidate.scores["fit"] = fit_score(fits[candidate.id])
    drop_stale_billboards(stage, {job[3].name for job in jobs})
    return failed
