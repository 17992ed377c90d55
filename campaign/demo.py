"""`campaign demo`: synthetic data with planted anomalies through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

from campaign.config import CampaignConfig
from campaign.progress import Reporter, Silent
from campaign.publish import RunResult, run_campaign

DEMO_YEAR = 2024
DEMO_MARKETS = ("GB", "US", "JP")


def demo_data(folder: Path, plays: int, users: int, seed: int, reporter: Reporter) -> Path:
    """The synthetic listens for these settings, generated once and reused on the next run."""
    from campaign.synth import SynthSpec, generate

    path = folder / f"listens-{plays}-{users}-s{seed}.parquet"
    if not (path.is_file() and path.with_suffix(".truth.json").is_file()):
        reporter.stage("Generating synthetic listens", None)
        spec = SynthSpec(
            plays=plays, users=users, markets=DEMO_MARKETS, year=DEMO_YEAR, seed=seed
        )
        generate(spec, path)
    return path


def run_demo(
    out: Path,
    plays: int = 1_000_000,
    users: int = 50_000,
    seed: int = 0,
    reporter: Reporter | None = None,
) -> RunResult:
    """Generate (or reuse) the demo data, run the pipeline into `out/demo`, return the result."""
    reporter = reporter or Silent()
    listens = demo_data(out / "demo-data", plays, users, seed, reporter)
    users_file = listens.with_name(listens.stem + ".users.parquet")
    config = CampaignConfig(
        name="demo",
        title=f"Thanks, {DEMO_YEAR}. It's been weird.",
        year=DEMO_YEAR,
        data=(listens, users_file),
        output=out,
        root=Path.cwd(),
        privacy=CampaignConfig().privacy,
    )
    return run_campaign(config, reporter=reporter)
