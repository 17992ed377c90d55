"""From ranked candidates to the output folder: copy, billboards, manifest, gallery."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.config import CampaignConfig
from campaign.copywriter import Copywriter
from campaign.errors import ConfigError
from campaign.gallery import write_gallery
from campaign.locales import locales_for
from campaign.output import (
    build_manifest,
    drop_stale_billboards,
    staged,
    write_facts_parquet,
    write_manifest,
)
from campaign.pipeline import Candidate, FactsResult, find_facts, template_dirs
from campaign.progress import Reporter, Silent
from campaign.render import FORMATS, Theme, layout_billboard, load_theme, render_all
from campaign.scoring import Score
from campaign.textfit import RenderError


@dataclass
class RunResult:
    out_dir: Path
    facts: FactsResult
    billboards: int
    failed_renders: list[str]

    @property
    def gallery(self) -> Path:
        return self.out_dir / "index.html"


def write_copy(result: FactsResult) -> None:
    """Give every candidate its copy in each locale of its market; record those it lacks."""
    writer = Copywriter(template_dirs(result.config))
    for candidate in result.candidates:
        locales = locales_for(result.config, candidate.fact.market)
        candidate.copy, candidate.missing_copy = writer.write_locales(
            candidate.fact, candidate.event, locales
        )


def fit_shortlist(shortlist: list[Candidate], formats: Sequence[str], theme: Theme) -> None:
    """Score how comfortably each shortlisted billboard's copy fits its formats.

    The fit of a format is 1 when the headline is set at the theme's largest size and 0 when it
    is squeezed to the smallest; a candidate's fit is its worst format and locale.
    """
    for candidate in shortlist:
        fits: dict[str, float] = {}
        for locale, copy in candidate.copy.items():
            for fmt in formats:
                try:
                    fits[f"{fmt} {locale}"] = round(layout_billboard(copy, fmt, theme).fit, 3)
                except RenderError:
                    fits[f"{fmt} {locale}"] = 0.0
        candidate.scores["fit"] = Score(min(fits.values(), default=0.0), {"per_format": fits})


def run_campaign(
    config: CampaignConfig,
    data: Sequence[Path | str] | None = None,
    cli_params: dict[str, dict[str, Any]] | None = None,
    reporter: Reporter | None = None,
    workers: int = 2,
) -> RunResult:
    """The whole pipeline: facts, copy, billboards for the shortlist, manifest and gallery."""
    reporter = reporter or Silent()
    unknown = [f for f in config.formats if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown format '{unknown[0]}' (formats: {', '.join(FORMATS)})", "formats"
        )
    theme = load_theme(config.theme, [d / "themes" for d in template_dirs(config)])
    result = find_facts(config, data, cli_params, reporter)
    reporter.stage("Writing copy", None)
    write_copy(result)
    shortlist = result.shortlist()
    fit_shortlist(shortlist, config.formats, theme)
    failed: list[str] = []
    with staged(config.out_dir) as stage:
        jobs, owners = [], []
        for candidate in shortlist:
            for fmt in config.formats:
                for locale, words in candidate.copy.items():
                    relative = f"billboards/{candidate.id}-{fmt}-{locale}.png"
                    jobs.append((words, fmt, theme, stage / relative))
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
        manifest = build_manifest(result)
        write_manifest(stage, manifest)
        write_facts_parquet(stage, manifest)
        write_gallery(stage, manifest, template_dirs(config))
    return RunResult(config.out_dir, result, len(jobs) - len(failed), failed)
