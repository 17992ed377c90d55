"""The whole path on synthetic data: planted anomalies found, privacy held, output safe."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from campaign import run as publish
from campaign.run import find_facts, run_campaign
from tests.plant_recall import recall_failures


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_planted_anomaly_ranks_in_the_top_20_of_its_pack(
    synth_data, small_campaign, seed: int
) -> None:
    files, truth = synth_data(seed)
    result = find_facts(replace(small_campaign, data=files))
    assert recall_failures(result, truth) == []


def all_user_ids(files: tuple[Path, ...]) -> set[str]:
    """Every user id in the data files (listens, users, playlists)."""
    ids: set[str] = set()
    with duckdb.connect() as con:
        for path in files:
            columns = [
                r[0]
                for r in con.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
                ).fetchall()
            ]
            if "user_id" in columns:
                ids |= {
                    r[0]
                    for r in con.execute(
                        "SELECT DISTINCT user_id FROM read_parquet(?)", [str(path)]
                    ).fetchall()
                }
    return ids


def readable_text(path: Path) -> str:
    """What a file says, decoded: compressed bytes would hide an id (or fake one by chance)."""
    if path.suffix == ".parquet":
        with duckdb.connect() as con:
            rows = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        return "\n".join(" ".join(map(str, row)) for row in rows)
    if path.suffix in {".png", ".webp"}:  # the text chunks, not the pixels
        with Image.open(path) as image:
            return " ".join(f"{k}={v}" for k, v in image.info.items() if isinstance(v, str))
    return path.read_text(encoding="utf-8")


def test_no_user_id_reaches_any_output_file(synth_data, small_campaign) -> None:
    files, _ = synth_data(0)
    run = run_campaign(small_campaign, workers=1)
    ids = all_user_ids(files)
    files = [p for p in run.out_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"manifest.json", "facts.parquet", "index.html"}
    assert any(p.suffix == ".png" for p in files)
    for path in files:
        text = readable_text(path)
        found = set(re.findall(r"\bu\d+\b", text)) & ids  # whole tokens: u12 is not in u123
        assert not found, f"{path.name} holds user ids {sorted(found)[:3]}"
        assert "user_id" not in text, f"{path.name} mentions user_id"


def test_manifest_lists_every_candidate_with_scores_privacy_and_copy(small_campaign) -> None:
    run = run_campaign(small_campaign, workers=1)
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    assert len(manifest["candidates"]) == len(run.facts.candidates) > 0
    for record in manifest["candidates"]:
        expected = {"surprise", "story", "privacy", "total"} | (
            {"fit"} if record["images"] else set()
        )
        assert set(record["scores"]) == expected
        for score in record["scores"].values():
            assert 0 <= score["value"] <= 1 and "inputs" in score
        assert record["privacy"]["reasons"]
        assert record["copy"]["en"]["headline"]
        assert record["query"].endswith(".sql") and isinstance(record["params"], dict)
    shortlisted = [r for r in manifest["candidates"] if r["images"]]
    assert len(shortlisted) == small_campaign.shortlist
    for record in shortlisted:
        assert (run.out_dir / record["images"]["square"]["en"]).is_file()
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT count(*) FROM read_parquet(?)", [str(run.out_dir / "facts.parquet")]
        ).fetchone()
    assert rows[0] == len(manifest["candidates"])


def test_an_interrupted_run_leaves_the_previous_output_intact(small_campaign, monkeypatch) -> None:
    first = run_campaign(small_campaign, workers=1)
    (first.out_dir / "review.json").write_text(
        '{"campaign": "t", "decisions": {"x": {"decision": "approved"}}}'
    )
    before = {
        p.relative_to(first.out_dir): p.read_bytes()
        for p in first.out_dir.rglob("*")
        if p.is_file()
    }

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "write_gallery", crash)
    with pytest.raises(KeyboardInterrupt):
        run_campaign(small_campaign, workers=1)
    after = {
        p.relative_to(first.out_dir): p.read_bytes()
        for p in first.out_dir.rglob("*")
        if p.is_file()
    }
    assert after == before
    assert not list(first.out_dir.parent.glob(".t.stage-*"))


def test_review_decisions_survive_a_rerun(small_campaign) -> None:
    first = run_campaign(small_campaign, workers=1)
    review = {
        "campaign": "t",
        "decisions": {
            first.facts.candidates[0].id: {
                "decision": "approved",
                "note": "",
                "time": "2024-01-01T00:00:00Z",
            }
        },
    }
    (first.out_dir / "review.json").write_text(json.dumps(review))
    second = run_campaign(small_campaign, workers=1)
    assert json.loads((second.out_dir / "review.json").read_text()) == review
    assert first.facts.candidates[0].id in (second.out_dir / "index.html").read_text()


def test_decisions_saved_during_a_run_are_kept(small_campaign, monkeypatch) -> None:
    """`campaign serve` may save a decision while a re-run is working: the swap must keep it."""
    first = run_campaign(small_campaign, workers=1)
    saved = {"campaign": "t", "decisions": {first.facts.candidates[0].id: {"decision": "approved"}}}
    original = publish.write_gallery

    def save_then_write(*args, **kwargs):
        (first.out_dir / "review.json").write_text(json.dumps(saved))
        return original(*args, **kwargs)

    monkeypatch.setattr(publish, "write_gallery", save_then_write)
    second = run_campaign(small_campaign, workers=1)
    assert json.loads((second.out_dir / "review.json").read_text()) == saved
