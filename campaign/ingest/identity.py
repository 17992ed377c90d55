"""Who a single-user export belongs to, as a pseudonym: the name itself is never stored."""

from __future__ import annotations

import re
from pathlib import Path

from campaign.ingest.dataset_layout import pseudonym

# Folder names that say what the files are, not whose: skipped when looking for the owner's name.
_GENERIC_WORDS = {
    "my", "spotify", "data", "mydata", "extended", "streaming", "history", "historical", "account",
    "export", "exports", "download", "downloads", "lastfm", "last", "fm", "scrobbles", "scrobble",
    "listenbrainz", "listens", "json", "csv", "raw", "files", "file", "audio", "music", "tmp",
    "temp", "input", "inputs", "source", "sources", "and", "the", "of", "your", "technical", "log",
    "information", "year", "all", "takeout", "zip",
}  # fmt: skip


def _is_generic(name: str) -> bool:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    tokens = [t.lower() for t in re.split(r"[^A-Za-z0-9]+", words) if t]
    return all(t in _GENERIC_WORDS or t.isdigit() for t in tokens)


def owner_name(path: Path) -> str:
    """The name of the folder a personal export sits in, skipping generic folder names."""
    folder = path.resolve().parent
    while _is_generic(folder.name) and folder.parent != folder:
        folder = folder.parent
    return folder.name or "listener"


def single_user_id(path: Path, user: str | None, secret: bytes) -> str:
    """`--user` if given, else the owner's folder name; always through the keyed hash."""
    return pseudonym(secret, user if user else owner_name(path))
