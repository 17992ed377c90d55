"""Issue 10's acceptance on whole runs: the ledger beside the data, re-runs that publish the same
numbers, and no two published facts (in one release or across two) that differ by a few people."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from campaign.config import CampaignConfig, PrivacySettings
from campaign.errors import InputError
from campaign.facts import Fact
from campaign.noise import PrivateRelease, ledger_dir
from campaign.noise.differencing import subject_period
from campaign.noise.ledger import LEDGER_FILE
from campaign.run import find_facts, run_campaign
from campaign.scoring import FactsResult

K_MIN = PrivacySettings().k_min
LOOSE = {"epsilon_total": 10.0, "acknowledge_below_policy": True}


def _config(files: tuple[Path, ...], root: Path, **privacy: object) -> CampaignConfig:
    # These tests are about which groups are published (thresholds, differencing hold at any
    # epsilon), not how precisely: at the policy's epsilon 1 the test data's 8,000 listeners
    # publish nothing (docs/privacy.md, "How big a campaign DP needs"), so the budget is 10.
    privacy = LOOSE | privacy
    settings = replace(PrivacySettings(), ledger=str(root / "ledger"), **privacy)
    return CampaignConfig(
        name="dp", year=2024, data=files, output=root / "out", root=root, privacy=settings
    )


def _published(result: FactsResult) -> dict[str, Fact]:
    return {c.id: c.fact for c in result.candidates if c.verdict.passed}


def _raw_cohorts(config: CampaignConfig) -> dict[str, int]:
    """Every candidate's raw cohort, from a run without noise (the ground truth)."""
    raw = find_facts(replace(config, privacy=replace(config.privacy, noise="none")))
    return {c.id: c.fact.cohort_size for c in raw.candidates if c.fact.cohort_size is not None}


@pytest.fixture(scope="module")
def ages(synth_data, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The issue's differencing case: one campaign at min_age 18, then 19, one ledger."""
    files, _ = synth_data(0)
    root = tmp_path_factory.mktemp("ages")
    at18, at19 = _config(files, root), _config(files, root, min_age=19)
    return {
        "root": root,
        "dp18": find_facts(at18),
        "dp19": find_facts(at19),
        "raw18": _raw_cohorts(at18),
        "raw19": _raw_cohorts(at19),
    }


def test_the_age_case_holds_near_twins_to_catch(ages) -> None:
    """Without the check, 18-year-olds would be singled out: some facts' raw groups at 18 and 19
    differ by a few people (else the next test could not fail)."""
    raw18, raw19 = ages["raw18"], ages["raw19"]
    near = [i for i in raw18.keys() & raw19.keys() if 0 < abs(raw18[i] - raw19[i]) < K_MIN]
    assert near


def test_no_fact_published_at_18_and_19_differs_by_fewer_than_k_min(ages) -> None:
    raw18, raw19 = ages["raw18"], ages["raw19"]
    both = _published(ages["dp18"]).keys() & _published(ages["dp19"]).keys()
    for fact_id in both & raw18.keys() & raw19.keys():
        gap = abs(raw18[fact_id] - raw19[fact_id])
        assert gap == 0 or gap >= K_MIN, fact_id
    withheld = ages["dp19"].data_summary["privacy"]["withheld"]
    assert any("earlier release" in reason for reason in withheld), withheld


def test_no_two_facts_of_one_release_differ_by_fewer_than_k_min(ages) -> None:
    """Within each release, by the raw cohorts the ledger kept for the facts it published."""
    ledger = json.loads((ages["root"] / "ledger" / LEDGER_FILE).read_text())
    for result in (ages["dp18"], ages["dp19"]):
        items = ledger[result.data_summary["privacy"]["release"]]
        groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for fact_id, fact in _published(result).items():
            if f"raw_cohort:{fact_id}" in items:
                groups[subject_period(fact)].append(items[f"raw_cohort:{fact_id}"]["raw"])
        assert groups
        for cohorts in groups.values():
            cohorts.sort()
            assert all(b - a >= K_MIN for a, b in pairwise(cohorts))


def test_published_cohorts_clear_k_min_raw_and_noisy(ages) -> None:
    """The gate decides on the noisy cohort, and no published fact's raw group is below k_min."""
    for result, raw in ((ages["dp18"], ages["raw18"]), (ages["dp19"], ages["raw19"])):
        published = _published(result)
        assert published
        for fact_id, fact in published.items():
            if fact.cohort_size is not None:
                assert fact.cohort_size >= fact.detail["dp_threshold"] > K_MIN
                assert raw[fact_id] >= K_MIN


def test_the_default_ledger_sits_beside_the_data_and_outlives_the_output(
    synth_data, tmp_path: Path
) -> None:
    """Two runs (at LOOSE's budget): the output folder is replaced, the
    ledger beside the data is not, and both runs publish the same numbers."""
    files, _ = synth_data(0)
    data = tmp_path / "data"
    data.mkdir()
    copies = []
    for path in files:  # a data folder of the test's own, so no other test shares its ledger
        copy = data / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    config = CampaignConfig(
        name="dp",
        year=2024,
        data=(data,),
        formats=("square",),
        shortlist=2,
        output=tmp_path / "out",
        root=tmp_path,
        privacy=PrivacySettings(**LOOSE),
    )
    assert ledger_dir(config, config.data) == data / ".privacy"
    manifests = []
    for _ in range(2):
        run = run_campaign(config, workers=1)
        manifests.append(json.loads((run.out_dir / "manifest.json").read_text()))
    assert (data / ".privacy" / LEDGER_FILE).is_file()
    assert (data / ".privacy" / ".secret").stat().st_mode & 0o077 == 0
    assert (data / ".privacy" / LEDGER_FILE).stat().st_mode & 0o077 == 0
    assert not (tmp_path / "out" / ".privacy").exists()
    numbers = [
        {c["id"]: (c["value"], c["cohort_size"]) for c in m["candidates"]} for m in manifests
    ]
    assert numbers[0] and numbers[0] == numbers[1]
    summary = manifests[1]["privacy_summary"]
    assert summary["noise"] == "dp" and summary["epsilon_total"] == LOOSE["epsilon_total"]
    assert summary["releases_in_ledger"] == 1  # the second run reused the first's draws
    assert summary["rho_spent_all_releases"] <= summary["rho_total"] * (1 + 1e-9)
    assert manifests[1]["data"]["rows"] == manifests[0]["data"]["rows"]


def test_the_ledger_folder_follows_the_data_or_the_setting(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    (folder / "listens").mkdir(parents=True)
    config = CampaignConfig(root=tmp_path)
    assert ledger_dir(config, [folder]) == folder / ".privacy"
    assert ledger_dir(config, [folder / "listens" / "a.parquet"]) == folder / "listens/.privacy"
    assert ledger_dir(config, [str(folder / "*.parquet")]) == folder / ".privacy"
    assert ledger_dir(config, ["d"]) == folder / ".privacy"  # relative to campaign.toml
    kept = replace(config, privacy=replace(config.privacy, ledger="vault"))
    assert ledger_dir(kept, [folder]) == tmp_path / "vault"


def test_an_unwritable_ledger_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    config = CampaignConfig(output=tmp_path)
    release = PrivateRelease(config, {}, blocker / ".privacy")  # a file where a folder must go
    release.summary_count("listens", 1000, 1, 1)
    with pytest.raises(InputError, match=r"cannot write the noise ledger.*privacy\.ledger"):
        release.report()
