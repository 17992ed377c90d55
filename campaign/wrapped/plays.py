"""`my_plays`: the listener's own plays on their local clock, the one view every card reads."""

from __future__ import annotations

import duckdb

from campaign.wrapped.select import Listener

MIN_MS = 30000  # a stream: a play of at least this long, as the billboards count it (DESIGN.md)

# The view's definition as wrapped.json shows it; $tz and $min_ms are the listener's settings.
PLAYS_VIEW = """
SELECT track_id, track_name, artist_name, nullif(trim(album_name), '') AS album_name,
       ms_played, skipped,
       timezone($tz, played_at) AS local_at,
       CAST(timezone($tz, played_at) AS DATE) AS day,
       coalesce(ms_played >= $min_ms, true) AS is_stream
FROM listens
""".strip()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_plays_view(con: duckdb.DuckDBPyConnection, listener: Listener, min_ms: int) -> None:
    """Register `my_plays` over the listener's file (a view cannot bind, so the zone, checked
    against the zone database before, is quoted as a literal)."""
    body = PLAYS_VIEW.replace("$tz", _literal(listener.tz)).replace("$min_ms", str(int(min_ms)))
    body = body.replace("FROM listens", f"FROM read_parquet({_literal(str(listener.plays))})")
    con.execute(f"CREATE OR REPLACE VIEW my_plays AS {body}")


def view_params(listener: Listener, min_ms: int) -> dict[str, object]:
    return {"tz": listener.tz, "min_ms": min_ms}
