"""The privacy search over every output file, on a seed no pack was tuned on, with a campaign
pack folder of its own: a benign pack runs and leaks nothing; a hostile one stops the run before
anything is written."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from campaign.errors import PackError
from campaign.run import run_campaign
from tests.test_pipeline import all_user_ids, readable_text

HEADER = """-- /// pack
-- name = "{name}"
-- title = "A campaign's own pack"
-- audience = "cohort"
-- needs = ["listener_track_days"]
-- copy = "market_total"
-- ///
SELECT market, min(day) AS period_start, max(day) AS period_end, NULL AS event_id,
       'track' AS subject_kind, track_id AS subject_id, any_value(n.track_name) AS subject_name,
       any_value(n.artist_name) AS artist_name, 'listeners' AS measure,
       count(DISTINCT user_id) AS value, NULL AS baseline,
       count(DISTINCT user_id) AS cohort_size, 1000 AS population, {detail} AS detail
FROM listener_track_days JOIN track_names n USING (track_id)
GROUP BY market, track_id, year(day) HAVING count(DISTINCT user_id) >= 200
"""


def _campaign(small_campaign, tmp_path: Path, detail: str):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "own.sql").write_text(HEADER.format(name="own", detail=detail), encoding="utf-8")
    return replace(small_campaign, packs=("core", str(mine)), root=tmp_path)


@pytest.mark.slow
def test_no_listener_id_or_exact_time_in_any_output_on_an_untuned_seed(
    synth_data, small_campaign, tmp_path: Path
) -> None:
    files, _ = synth_data(23)
    config = _campaign(
        replace(small_campaign, data=files),
        tmp_path,
        "{'top': max(plays), 'days': count(DISTINCT day), 'first_day': min(day), "
        "'last_day': max(day)}",
    )
    run = run_campaign(config, workers=1)
    ids = all_user_ids(files)
    outputs = [p for p in run.out_dir.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in outputs)
    assert '"own"' in (run.out_dir / "manifest.json").read_text(encoding="utf-8")
    for path in outputs:
        text = readable_text(path)
        found = set(re.findall(r"\bu\d+\b", text)) & ids
        assert not found, f"{path.name} holds user ids {sorted(found)[:3]}"
        assert not re.search(r"\b\d{2}:\d{2}:\d{2}\b", text), f"{path.name} holds a time"


def test_a_hostile_campaign_pack_stops_the_run_before_any_output(
    synth_data, small_campaign, tmp_path: Path
) -> None:
    config = _campaign(small_campaign, tmp_path, "{'who': max(md5(user_id))}")
    with pytest.raises(PackError, match=r"own\.sql: column 'detail\.who' holds a listener id"):
        run_campaign(config, workers=1)
    assert not config.out_dir.exists()
