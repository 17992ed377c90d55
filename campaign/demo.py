"""`campaign demo`: synthetic data with planted anomalies through the whole pipeline."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from campaign.config import CampaignConfig
from campaign.progress import Reporter, Silent
from campaign.render import BILLBOARD_FORMATS
from campaign.run import RunResult, run_campaign

DEMO_YEAR = 2024
DEMO_MARKETS = ("GB", "US", "JP")
#: Every billboard of the demo in two scripts, so a new user sees the font fallback at work.
DEMO_LOCALES = ("en", "ja")
#: Fewer than a campaign's default 12: five formats × two locales × 6 = 60 billboards.
DEMO_SHORTLIST = 6


def demo_data(folder: Path, plays: int, users: int, seed: int, reporter: Reporter) -> list[Path]:
    """The synthetic data files for these settings, generated once and reused on the next run."""
    from campaign.synth import SynthSpec, generate, output_paths, playlist_paths

    path = folder / f"listens-{plays}-{users}-s{seed}.parquet"
    paths = (*output_paths(path), *playlist_paths(path))
    if not all(p.is_file() for p in paths):
        reporter.stage("Generating synthetic listens", None)
        spec = SynthSpec(plays=plays, users=users, markets=DEMO_MARKETS, year=DEMO_YEAR, seed=seed)
        return generate(spec, path).data_files
    return [p for p in paths if p.suffix == ".parquet"]


def run_demo(
    out: Path,
    plays: int = 1_000_000,
    users: int = 50_000,
    seed: int = 0,
    reporter: Reporter | None = None,
) -> RunResult:
    """Generate (or reuse) the demo data, run the pipeline into `out/demo`, return the result:
    every format in two locales, so the demo shows the whole range of billboards."""
    reporter = reporter or Silent()
    files = demo_data(out / "demo-data", plays, users, seed, reporter)
    config = CampaignConfig(
        name="demo",
        title=f"Thanks, {DEMO_YEAR}. It's been weird.",
        year=DEMO_YEAR,
        data=tuple(files),
        locales=DEMO_LOCALES,
        formats=tuple(BILLBOARD_FORMATS),
        shortlist=DEMO_SHORTLIST,
        output=out,
        root=Path.cwd(),
        # Below policy, on purpose, and said on the gallery: the demo shows facts about one
        # listener, and raw counts, because at epsilon 1 the noise drowns every count of its
        # 50,000 synthetic listeners (docs/privacy.md, "How big a campaign DP needs").
        privacy=replace(
            CampaignConfig().privacy, individual=True, noise="none", acknowledge_below_policy=True
        ),
    )
    return run_campaign(config, reporter=reporter)
