"""The market comparison: a listener of a dataset against the rest of their market."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from campaign.markets import market_timezone
from campaign.wrapped.build import make_wrapped
from campaign.wrapped.market import MIN_RATIO


def _heaviest_listener(files: tuple[Path, ...]) -> tuple[str, str]:
    listens = next(f for f in files if f.name == "listens.parquet")
    users = next(f for f in files if f.name.endswith("users.parquet"))
    with duckdb.connect() as con:
        return con.execute(
            f"SELECT user_id, any_value(market) FROM '{listens}' "
            f"ANTI JOIN (SELECT user_id FROM '{users}' WHERE opted_out) USING (user_id) "
            "GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1"
        ).fetchone()


def test_a_track_far_bigger_in_your_year_than_in_your_market(synth_data, tmp_path: Path) -> None:
    files, _ = synth_data(0)
    user, market = _heaviest_listener(files)
    out = tmp_path / "story"
    make_wrapped(list(files), out, user=user)
    record = json.loads((out / "wrapped.json").read_text())
    card = next(c for c in record["cards"] if c["kind"] == "market_share")
    assert user not in json.dumps(record)
    year, zone = record["year"], record["time_zone"]["zone"]
    listens = next(f for f in files if f.name == "listens.parquet")
    users = next(f for f in files if f.name.endswith("users.parquet"))
    con = duckdb.connect()
    # everyone else: the market's other listeners who have not opted out
    con.execute(
        f"CREATE TABLE s AS SELECT user_id, market, track_name, played_at FROM '{listens}' "
        f"ANTI JOIN (SELECT user_id FROM '{users}' WHERE opted_out) USING (user_id) "
        "WHERE ms_played >= 30000 OR ms_played IS NULL"
    )
    mine, my_total = con.execute(
        "SELECT count(*) FILTER (track_name = ?), count(*) FROM s "
        "WHERE user_id = ? AND year(timezone(?, played_at)) = ?",
        [card["facts"]["track"], user, zone, year],
    ).fetchone()
    theirs, their_total = con.execute(
        "SELECT count(*) FILTER (track_name = ?), count(*) FROM s "
        "WHERE user_id <> ? AND market = ? AND year(timezone(?, played_at)) = ?",
        [card["facts"]["track"], user, market, market_timezone(market), year],
    ).fetchone()
    assert card["facts"]["streams"] == mine
    ratio = (mine / my_total) / (max(theirs, 1) / their_total)
    assert card["facts"]["times"] == int(ratio) and ratio >= MIN_RATIO
    assert "user" not in card["params"]


def test_no_market_card_without_a_crowd(synth_data, tmp_path: Path) -> None:
    """The listener's plays alone (no one else in the market): nothing to compare with."""
    files, _ = synth_data(0)
    user, _ = _heaviest_listener(files)
    listens = next(f for f in files if f.name == "listens.parquet")
    alone = tmp_path / "alone.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM '{listens}' WHERE user_id = ?) TO '{alone}'", [user])
    make_wrapped([alone], tmp_path / "story")
    record = json.loads((tmp_path / "story" / "wrapped.json").read_text())
    assert "market_share" not in {c["kind"] for c in record["cards"]}
