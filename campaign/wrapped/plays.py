"""`my_plays`: the told listeners' plays, each on their own clock: the view every card reads."""

from __future__ import annotations

from pathlib import Path

import duckdb

from campaign.wrapped.select import Listener

MIN_MS = 30000  # a stream: a play of at least this long, as the billboards count it (DESIGN.md)

# The view's definition as wrapped.json shows it: `listeners` holds the listener's zone ($tz) and
# their year; $min_ms is the stream threshold. Every card groups by user_id.
PLAYS_VIEW = """
SELECT l.user_id, l.track_id, l.track_name, l.artist_name,
       nullif(trim(l.album_name), '') AS album_name, l.ms_played, l.skipped,
       timezone(s.tz, l.played_at) AS local_at,
       CAST(timezone(s.tz, l.played_at) AS DATE) AS day,
       coalesce(l.ms_played >= $min_ms, true) AS is_stream
FROM listens l JOIN listeners s USING (user_id)
""".strip()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_plays_view(con: duckdb.DuckDBPyConnection, plays: Path, min_ms: int) -> None:
    """Register `my_plays` over the cohort's plays file (a view cannot bind, so the threshold is
    written in as a number)."""
    body = PLAYS_VIEW.replace("$min_ms", str(int(min_ms)))
    body = body.replace("FROM listens l", f"FROM read_parquet({_literal(str(plays))}) l")
    con.execute(f"CREATE OR REPLACE VIEW my_plays AS {body}")


def view_params(listener: Listener, min_ms: int) -> dict[str, object]:
    return {"tz": listener.tz, "min_ms": min_ms}
