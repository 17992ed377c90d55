"""A listener's Spotify extended-history export, generated from a seed with planted habits.

The plays are written as Spotify writes them (`ts` = when the play ended, UTC), and the same
plays are returned as plain rows so the tests can count them without the code under test.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

TRACKS = [(f"Song {n}", f"Artist {n % 7}", f"Album {n % 11}") for n in range(60)]


@dataclass(frozen=True)
class Play:
    start: datetime  # UTC
    ms: int
    track: int
    skipped: bool


def generate_plays(seed: int, year: int, planted: dict[str, object]) -> list[Play]:
    """A year of ordinary listening, plus the planted repeat day and streak."""
    rng = random.Random(seed)
    plays: list[Play] = []
    day = date(year - 1, 11, 1)
    while day <= date(year, 12, 31):
        if rng.random() < 0.8:
            clock = datetime(day.year, day.month, day.day, rng.choice([8, 13, 19, 21]), tzinfo=UTC)
            for _ in range(rng.randint(1, 9)):
                ms = rng.choice([200_000, 185_000, 12_000, 240_000])
                plays.append(Play(clock, ms, rng.randrange(40), ms < 30_000 and rng.random() < 0.9))
                clock += timedelta(milliseconds=ms + 5_000)
        day += timedelta(days=1)
    repeat_day: date = planted["repeat_day"]  # type: ignore[assignment]
    clock = datetime(repeat_day.year, repeat_day.month, repeat_day.day, 15, tzinfo=UTC)
    for _ in range(int(planted["repeat_plays"])):  # type: ignore[arg-type]
        plays.append(Play(clock, 200_000, 55, False))
        clock += timedelta(minutes=4)
    first: date = planted["streak_start"]  # type: ignore[assignment]
    for n in range(int(planted["streak_days"])):  # type: ignore[arg-type]
        d = first + timedelta(days=n)
        plays.append(Play(datetime(d.year, d.month, d.day, 11, tzinfo=UTC), 190_000, 57, False))
    return sorted(plays, key=lambda p: (p.start, p.track))


def write_export(
    folder: Path, plays: list[Play], market: str = "GB", title: str | None = None
) -> Path:
    """Streaming_History_Audio_<year>.json in `folder`; `title` renames track 55 (hostile input)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for p in plays:
        name, artist, album = TRACKS[p.track]
        if title is not None and p.track == 55:
            name = title
        end = p.start + timedelta(milliseconds=p.ms)
        rows.append(
            {
                "ts": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "platform": "android",
                "ms_played": p.ms,
                "conn_country": market,
                "ip_addr": "REDACTED",
                "master_metadata_track_name": name,
                "master_metadata_album_artist_name": artist,
                "master_metadata_album_album_name": album,
                "spotify_track_uri": f"spotify:track:{p.track:022d}",
                "episode_name": None,
                "episode_show_name": None,
                "spotify_episode_uri": None,
                "reason_start": "trackdone",
                "reason_end": "fwdbtn" if p.skipped else "trackdone",
                "shuffle": False,
                "skipped": p.skipped,
                "offline": False,
                "offline_timestamp": None,
                "incognito_mode": False,
            }
        )
    path = folder / "Streaming_History_Audio_all.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path
