"""campaign wrapped --all: every opted-in listener of a dataset, in a pool of workers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from campaign.cli import app
from campaign.ingest import ingest
from campaign.ingest.dataset_layout import load_secret, pseudonym
from campaign.spark.session import spark_available
from campaign.wrapped.batch import story_folder
from tests.wrapped_export import generate_plays, write_export

PLANTED = {
    "repeat_day": date(2024, 3, 9),
    "repeat_plays": 12,
    "streak_start": date(2024, 6, 1),
    "streak_days": 6,
}
NAMES = ("ana", "bo", "cy")
# Each listener's planted track under a title of their own: no other story may show it.
TITLES = {"ana": "Anas Kettle Waltz", "bo": "Bos Lantern Hymn", "cy": "Cys Quarry Reel"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    data = root / "data"
    for seed, name in enumerate(NAMES):
        plays = generate_plays(seed, 2024, PLANTED)
        export = write_export(root / name, plays, "NL", title=TITLES[name])
        ingest([export], data, user=name)
    secret = load_secret(data, None)
    (data / "users").mkdir()
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT * FROM (VALUES (?, 'NL', 1980, false), (?, 'NL', 1990, true)) "
            "t(user_id, market, birth_year, opted_out)) TO ? (FORMAT parquet)",
            [pseudonym(secret, "ana"), pseudonym(secret, "bo"), str(data / "users" / "u.parquet")],
        )
    return data


@pytest.fixture(scope="module")
def batch(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset's batch, made once: the tests below read the same folder."""
    out = tmp_path_factory.mktemp("batch-out") / "all"
    result = CliRunner().invoke(
        app, ["wrapped", "--data", str(dataset), "--all", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_every_opted_in_listener_gets_a_story(dataset: Path, batch: Path) -> None:
    out = batch
    secret = load_secret(dataset, None)
    made = {story_folder(pseudonym(secret, name)): name for name in ("ana", "cy")}
    listing = json.loads((out / "stories.json").read_text())
    assert listing == {"stories": sorted(made), "opted_out": 1, "not_made": []}
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(made)
    assert not (out / story_folder(pseudonym(secret, "bo"))).exists()
    for folder in made:
        record = json.loads((out / folder / "wrapped.json").read_text())
        assert record["locale"] == "nl" and len(record["cards"]) >= 6
        assert len(list((out / folder / "cards").glob("*.png"))) == len(record["cards"])
    text = "".join(p.read_text() for p in out.rglob("*.json"))
    assert "u:" not in text and "ana" not in text


def test_one_listener_of_a_dataset_by_name(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cy"
    result = CliRunner().invoke(app, ["wrapped", str(dataset), "--user", "cy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["wrapped", str(dataset), "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "pick one with --user" in result.output
    result = CliRunner().invoke(
        app, ["wrapped", str(dataset), "--user", "bo", "--out", str(tmp_path / "y")]
    )
    assert result.exit_code == 1 and "opted out" in result.output


def _rounded(value: object) -> object:
    """Floats to 9 significant digits: a parallel aggregate may differ in its last bits."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_a_story_holds_nothing_of_another_listener(dataset: Path, batch: Path) -> None:
    out = batch
    secret = load_secret(dataset, None)
    for name in ("ana", "cy"):
        folder = out / story_folder(pseudonym(secret, name))
        text = "".join(
            p.read_text(encoding="utf-8") for p in folder.rglob("*.*") if p.suffix != ".png"
        )
        assert TITLES[name] in text
        assert not [t for other, t in TITLES.items() if other != name and t in text]
    assert TITLES["bo"] not in "".join(p.read_text() for p in out.rglob("*.json"))


def test_the_batch_tells_each_listener_as_their_own_story_does(
    dataset: Path, batch: Path, tmp_path: Path
) -> None:
    """One pass over all listeners gives every listener the wrapped.json of their own run."""
    out = batch
    secret = load_secret(dataset, None)
    for name in ("ana", "cy"):
        alone = tmp_path / name
        result = CliRunner().invoke(
            app, ["wrapped", str(dataset), "--user", name, "--out", str(alone)]
        )
        assert result.exit_code == 0, result.output
        batch = json.loads(
            (out / story_folder(pseudonym(secret, name)) / "wrapped.json").read_text()
        )
        own = json.loads((alone / "wrapped.json").read_text())
        assert _rounded(batch) == _rounded(own)


@pytest.mark.slow
@pytest.mark.skipif(spark_available() is not None, reason=str(spark_available()))
def test_spark_batch_tells_every_listener_as_duckdb_does(tmp_path: Path) -> None:
    """`--engine spark` builds the packs' tables on Spark: every listener's wrapped.json is the
    DuckDB batch's, and the opted-out listeners get nothing on either engine."""
    data = tmp_path / "data"
    synth = ["synth", "--out", str(data / "plays.parquet"), "--users", "200", "--plays", "50000"]
    result = CliRunner().invoke(app, [*synth, "--seed", "23", "--markets", "DE,JP"])
    assert result.exit_code == 0, result.output
    outs = {}
    for engine in ("duckdb", "spark"):
        outs[engine] = tmp_path / engine
        args = ["wrapped", "--data", str(data), "--all", "--out", str(outs[engine])]
        result = CliRunner().invoke(app, [*args, "--engine", engine])
        assert result.exit_code == 0, result.output
    listings = {e: json.loads((o / "stories.json").read_text()) for e, o in outs.items()}
    assert listings["spark"] == listings["duckdb"]
    with duckdb.connect() as con:
        opted = con.execute(
            "SELECT user_id FROM read_parquet(?) WHERE opted_out",
            [str(data / "plays.users.parquet")],
        ).fetchall()
    assert opted and listings["duckdb"]["opted_out"] == len(opted)
    made = set(listings["duckdb"]["stories"])
    assert len(made) >= 10 and not made & {story_folder(u) for (u,) in opted}
    for folder in sorted(made):
        records = [json.loads((o / folder / "wrapped.json").read_text()) for o in outs.values()]
        assert _rounded(records[0]) == _rounded(records[1]), folder
