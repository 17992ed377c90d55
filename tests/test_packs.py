"""Query packs: header parsing, parameter binding, column checks and `packs lint`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from campaign.config import CampaignConfig
from campaign.errors import ConfigError, PackError
from campaign.packlint import lint_packs
from campaign.packs import discover_packs, pack_dirs, parse_pack, resolve_params
from campaign.resources import bundled_dir

CORE = bundled_dir("queries") / "core"


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A private copy of the core packs and their tests, to break on purpose."""
    target = tmp_path / "packs"
    shutil.copytree(CORE, target)
    return target


def lint(folder: Path) -> list[str]:
    return lint_packs(CampaignConfig(packs=(str(folder),), root=folder.parent))


def test_shipped_packs_pass_lint() -> None:
    assert lint_packs(CampaignConfig()) == []


def test_every_shipped_pack_has_a_header_and_a_test() -> None:
    packs = discover_packs(pack_dirs(("core",), Path(".")))
    assert {p.name for p in packs} >= {"event_spike", "repeat_on_day"}
    for pack in packs:
        assert pack.test_path.is_file()
        assert pack.description
        assert pack.audience in {"cohort", "individual", "aggregate"}


def test_broken_header_names_file_and_line(pack_copy: Path) -> None:
    path = pack_copy / "event_spike.sql"
    path.write_text(path.read_text().replace('-- audience = "cohort"', "-- audience = cohort"))
    problems = lint(pack_copy)
    assert any("event_spike.sql, line" in p and "not valid TOML" in p for p in problems)


def test_unclosed_header(pack_copy: Path) -> None:
    path = pack_copy / "event_spike.sql"
    path.write_text(path.read_text().replace("-- ///\n--", "--\n--", 1))
    with pytest.raises(PackError, match="not closed"):
        parse_pack(path)


def test_undeclared_parameter_is_reported_with_line(pack_copy: Path) -> None:
    path = pack_copy / "repeat_on_day.sql"
    path.write_text(
        path.read_text().replace("WHERE plays >= $min_plays", "WHERE plays >= $min_playz")
    )
    with pytest.raises(PackError, match=r"\$min_playz.*does not declare") as info:
        parse_pack(path)
    assert info.value.line is not None and info.value.path == path


def test_unknown_parameter_override() -> None:
    pack = parse_pack(CORE / "event_spike.sql")
    with pytest.raises(ConfigError, match="no parameter 'min_ratoi'"):
        resolve_params(pack, {"min_ratoi": 2})
    assert resolve_params(pack, {"min_ratio": "2.5"})["min_ratio"] == 2.5
    with pytest.raises(ConfigError, match="must be float"):
        resolve_params(pack, {"min_ratio": "lots"})


def test_missing_output_column_fails_lint(pack_copy: Path) -> None:
    path = pack_copy / "event_spike.sql"
    path.write_text(path.read_text().replace("    m.listeners AS population,\n", ""))
    problems = lint(pack_copy)
    assert any("event_spike.sql" in p and "'population'" in p for p in problems)


def test_user_id_in_output_is_refused(pack_copy: Path) -> None:
    path = pack_copy / "repeat_on_day.sql"
    text = path.read_text()
    text = text.replace(
        "SELECT market, day, track_id, max(plays) AS plays",
        "SELECT market, day, track_id, max(plays) AS plays, any_value(user_id) AS user_id",
    )
    text = text.replace("    x.market,\n", "    x.market,\n    x.user_id,\n", 1)
    path.write_text(text)
    problems = lint(pack_copy)
    assert any("user_id" in p and "identifies a listener" in p for p in problems)


def test_failing_pack_test_fails_lint(pack_copy: Path) -> None:
    test = pack_copy / "event_spike.test.toml"
    test.write_text(test.read_text().replace("value = 300", "value = 301"))
    problems = lint(pack_copy)
    assert any("event_spike.test.toml" in p and "expected a row" in p for p in problems)


def test_pack_without_test_fails_lint(pack_copy: Path) -> None:
    (pack_copy / "repeat_on_day.test.toml").unlink()
    assert any("has no test" in p for p in lint(pack_copy))


def test_duplicate_pack_names_are_an_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        shutil.copy(CORE / "event_spike.sql", folder)
    with pytest.raises(PackError, match="defined twice"):
        discover_packs([a, b])


def test_unknown_pack_folder() -> None:
    with pytest.raises(ConfigError, match="neither a folder nor a built-in"):
        pack_dirs(("nope",), Path("."))
