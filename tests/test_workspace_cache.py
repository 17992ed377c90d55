"""The persisted workspace: the same facts from the cache as from a fresh build, rebuilt when the
data or a setting changes, never written where it was not asked to be, and it removes only its
own files."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from campaign.config import CampaignConfig, load_config
from campaign.duckdb_settings import DuckDBSettings
from campaign.errors import ConfigError
from campaign.run import find_facts
from campaign.workspace import open_workspace
from campaign.workspace_cache import MARKER_NAME, cache_folder


def _facts(result) -> list[tuple]:
    return sorted(
        (f.pack, f.id, repr(sorted(f.columns().items(), key=lambda kv: kv[0])))
        for run in result.runs
        for f in run.facts
    )


def _cached(config: CampaignConfig, folder: Path) -> CampaignConfig:
    return replace(config, duckdb=DuckDBSettings(cache_dir=folder))


def _cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("ws-*.duckdb"))


def test_cached_run_gives_the_facts_of_an_uncached_one(small_campaign, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    plain = find_facts(replace(small_campaign, duckdb=DuckDBSettings(workspace_cache=False)))
    first = find_facts(_cached(small_campaign, folder))
    assert len(_cache_files(folder)) == 1
    stamp = _cache_files(folder)[0].stat().st_mtime_ns
    second = find_facts(_cached(small_campaign, folder))
    assert _cache_files(folder)[0].stat().st_mtime_ns == stamp  # read, not rebuilt
    assert _facts(plain) == _facts(first) == _facts(second)
    assert [c.fact.id for c in plain.candidates] == [c.fact.id for c in second.candidates]
    assert not list(folder.glob(".*tmp-*")) and not list(folder.glob(".campaign-spill-*"))


def test_a_changed_setting_or_fresh_rebuilds_and_prunes_only_its_own(
    small_campaign, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    config = _cached(small_campaign, folder)
    find_facts(config)
    (old,) = _cache_files(folder)
    stranger = folder / "ws-notours.duckdb"
    stranger.write_bytes(b"someone else's")
    changed = replace(config, privacy=replace(config.privacy, min_ms_played=20_000))
    find_facts(changed)
    (new,) = [p for p in _cache_files(folder) if p != stranger]
    assert not old.exists() and new != old  # the stale cache of ours went
    assert stranger.exists()  # a file this tool did not make stays
    made = new.stat().st_mtime_ns
    find_facts(changed)
    assert new.stat().st_mtime_ns == made  # unchanged: read as it is
    find_facts(changed, fresh=True)
    assert new.stat().st_mtime_ns != made  # --fresh rebuilt it


def test_a_touched_data_file_is_a_new_key(small_campaign, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    copies = []
    for path in small_campaign.data:
        copy = data / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    config = _cached(replace(small_campaign, data=tuple(copies)), tmp_path / "cache")
    find_facts(config)
    (before,) = _cache_files(tmp_path / "cache")
    os.utime(copies[0], ns=(1, 1))
    find_facts(config)
    (after,) = _cache_files(tmp_path / "cache")
    assert after != before


def test_no_cache_beside_data_that_ingest_did_not_write(small_campaign) -> None:
    """Plain Parquet (a synth folder, someone's export) gets no `.workspace/` folder."""
    assert cache_folder(small_campaign, small_campaign.data) is None
    ws = open_workspace(small_campaign, list(small_campaign.data))
    ws.close()
    for path in small_campaign.data:
        assert not (path.parent / ".workspace").exists()


def test_an_ingested_dataset_keeps_its_cache_inside_it(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / ".secret").write_bytes(b"k")
    config = CampaignConfig(output=tmp_path / "output")
    assert cache_folder(config, [dataset]) == dataset / ".workspace"
    assert not str(cache_folder(config, [dataset])).startswith(str(config.output))


def test_the_cache_folder_is_private_and_marked(small_campaign, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    find_facts(_cached(small_campaign, folder))
    assert (folder / MARKER_NAME).is_file()
    assert folder.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('memory_limit = "lots"', "memory_limit"),
        ("memory_limit = 3", "memory_limit"),
        ('cache = "x"', "unknown setting 'cache'"),
        ('workspace_cache = "yes"', "workspace_cache"),
        ('cache_dir = ""', "cache_dir"),
        ('cache_dir = "output/cache"', "inside the output folder"),
        ('temp_directory = "output"', "inside the output folder"),
    ],
)
def test_bad_duckdb_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(f'[campaign]\nname = "t"\n\n[duckdb]\n{text}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_duckdb_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(
        '[campaign]\nname = "t"\n\n[duckdb]\nmemory_limit = "512MiB"\ncache_dir = "c"\n',
        encoding="utf-8",
    )
    settings = load_config(path).duckdb
    assert settings.memory_limit == "512MiB"
    assert settings.cache_dir == tmp_path / "c"


def test_editing_one_pack_reruns_that_pack_only(
    small_campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import campaign.run
    from campaign.resources import bundled_dir

    packs = tmp_path / "mypacks"
    shutil.copytree(bundled_dir("queries") / "core", packs)
    config = replace(_cached(small_campaign, tmp_path / "cache"), packs=(str(packs),))
    find_facts(config)
    ran: list[str] = []
    real = campaign.run.run_pack  # the runner find_facts hands collect_facts
    monkeypatch.setattr(
        campaign.run,
        "run_pack",
        lambda con, pack, params: ran.append(pack.name) or real(con, pack, params),
    )
    find_facts(config)
    assert ran == []  # every pack's rows read from the cache
    edited = packs / "streak.sql"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    find_facts(config)
    assert ran == ["streak"]


def test_an_interrupted_build_is_removed_a_running_one_kept(small_campaign, tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tmp_path / "cache"
    config = _cached(small_campaign, folder)
    find_facts(config)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    key = "0" * 32
    dead = folder / f".ws-{key}.duckdb.tmp-{int(gone.stdout)}-0123abcd"
    alive = folder / f".ws-{key}.duckdb.tmp-{os.getpid()}-0123abcd"
    dead.write_bytes(b"half a build")
    alive.write_bytes(b"a build under way")
    find_facts(replace(config, privacy=replace(config.privacy, min_ms_played=20_000)))
    assert not dead.exists()
    assert alive.exists()


def test_a_changed_calendar_is_a_new_pack_key() -> None:
    """Packs join `events`, rebuilt each run from the events files: new events, new rows."""
    from campaign.workspace_cache import pack_key

    base = pack_key("SELECT 1", "cohort", {"n": 1}, "[]")
    assert pack_key("SELECT 1", "cohort", {"n": 1}, "[]") == base
    assert pack_key("SELECT 1", "cohort", {"n": 1}, "[Event(day=...)]") != base
    assert pack_key("SELECT 1", "cohort", {"n": 2}, "[]") != base
    assert pack_key("SELECT 2", "cohort", {"n": 1}, "[]") != base
