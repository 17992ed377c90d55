"""Shared fixtures: small synthetic datasets, generated once per session."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from campaign.config import CampaignConfig, PrivacySettings
from campaign.events import Event
from campaign.packlint import materialise
from campaign.synth import SynthSpec, generate

# Timing is bench/'s job, not a test's: a property must not fail on a loaded machine's clock
# (hypothesis's default 200 ms deadline did, on a parse that took 290 ms once and 1 ms again).
settings.register_profile("campaign", deadline=None)
settings.load_profile("campaign")

SMALL = {"plays": 150_000, "users": 8_000}
# A campaign.toml's [privacy] for tests of other behaviour: raw counts, acknowledged as below
# policy, since under the DP policy the small test data publishes nothing.
RAW_COUNTS_TOML = '[privacy]\nnoise = "none"\nacknowledge_below_policy = true\n'


def square_campaign_toml(name: str, files: list[Path], shortlist: int, extra: str = "") -> str:
    """A small campaign over these files: square billboards only, raw counts, and `extra`
    settings of [campaign] (one `key = value` line each)."""
    data = ", ".join(json.dumps(str(f)) for f in files)
    return (
        f'[campaign]\nname = "{name}"\nyear = 2024\ndata = [{data}]\nformats = ["square"]\n'
        f"shortlist = {shortlist}\n{extra}{RAW_COUNTS_TOML}"
    )


# The real public datasets sit beside the repository (../shared/realdata), in CI too;
# CAMPAIGN_REALDATA points elsewhere (a git worktree one level deeper).
REALDATA = Path(
    os.environ.get("CAMPAIGN_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata")
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium driven by Playwright; the browser tests skip without it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip("no system chromium")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def write_tables(folder: Path, tables: dict[str, str]) -> list[Path]:
    """Canonical Parquet from SQL, one file per table (as a pack test's `given` does)."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        paths = [folder / f"{table}.parquet" for table in tables]
        for (table, sql), path in zip(tables.items(), paths, strict=True):
            materialise(con, table, sql, path)
    return paths


def valentines_day(year: int) -> Event:
    """Valentine's Day in GB, named in the four shipped locales: the copy tests' event."""
    names = {
        "en": "Valentine's Day",
        "nl": "Valentijnsdag",
        "fr": "la Saint-Valentin",
        "fi": "ystävänpäivä",
    }
    return Event(date(year, 2, 14), "GB", "cultural", names, "x")


@pytest.fixture(scope="session")
def synth_data(tmp_path_factory: pytest.TempPathFactory):
    """A factory: (seed) → (every data file written, truth list), cached per seed."""
    cache: dict[int, tuple[tuple[Path, ...], list[dict]]] = {}

    def make(seed: int = 0) -> tuple[tuple[Path, ...], list[dict]]:
        if seed not in cache:
            folder = tmp_path_factory.mktemp(f"synth{seed}")
            result = generate(SynthSpec(seed=seed, **SMALL), folder / "listens.parquet")
            truth = json.loads(result.truth.read_text())
            cache[seed] = (tuple(result.data_files), truth)
        return cache[seed]

    return make


@pytest.fixture
def small_campaign(synth_data, tmp_path: Path) -> CampaignConfig:
    files, _ = synth_data(0)
    return CampaignConfig(
        name="t",
        year=2024,
        data=files,
        formats=("square",),
        shortlist=4,
        output=tmp_path / "output",
        root=tmp_path,
        # raw counts and individual facts, explicitly: these tests check what the packs find
        # against the planted truth; differential privacy (the default) is tested in test_noise
        privacy=PrivacySettings(noise="none", individual=True),
    )
