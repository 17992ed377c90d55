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
from campaign.output import build_manifest, staged, write_facts_parquet, write_manifest
from campaign.pipeline import FactsResult, find_facts, template_dirs
from campaign.progress import Reporter, Silent
from campaign.render import FORMATS, load_theme, render_all


@dataclass
class RunResult:
    out_dir: Path
    facts: FactsResult
    billboards: int
    failed_renders: list[str]

    @property
    def gallery(self) -> Path:
        return self.out_dir / "index.html"


def write_copy(result: FactsResult, locales: Sequence[str]) -> None:
    """Give every candidate its copy in every locale of the campaign."""
    writer = Copywriter(template_dirs(result.config))
    for candidate in result.candidates:
        for locale in locales:
            candidate.copy[locale] = writer.write(candidate.fact, candidate.event, locale)


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
    write_copy(result, config.locales)
    shortlist = result.shortlist()
    failed: list[str] = []
    with staged(config.out_dir) as stage:
        jobs = []
        for candidate in shortlist:
            for fmt in config.formats:
                for locale in config.locales:
                    relative = f"billboards/{candidate.id}-{fmt}-{locale}.png"
                    candidate.images.setdefault(fmt, {})[locale] = relative
                    jobs.append((candidate.copy[locale], fmt, theme, stage / relative))
        reporter.stage("Rendering billboards", len(jobs))
        results = render_all(jobs, workers=workers)
        reporter.advance(len(jobs))
        for job, outcome in zip(jobs, results, strict=True):
            if outcome.status == "failed":
                failed.append(f"{job[3].name}: {outcome.error}")
        _drop_stale_billboards(stage, {job[3].name for job in jobs})
        reporter.stage("Writing manifest and gallery", None)
        manifest = build_manifest(result)
        write_manifest(stage, manifest)
        write_facts_parquet(stage, manifest)
        write_gallery(stage, manifest, template_dirs(config))
    return RunResult(config.out_dir, result, len(jobs) - len(failed), failed)


def _drop_stale_billboards(stage: Path, keep: set[str]) -> None:
    """Billboards of facts no longer shortlisted were carried over from the last run: drop them."""
    folder = stage / "billboards"
    if folder.is_dir():
        for path in folder.glob("*.png"):
            if path.name not in keep:
                path.unlink()
