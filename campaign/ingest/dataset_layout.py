"""The on-disk dataset that ingest writes and the workspace loader reads (a contract).

```
OUT/
  listens/<source-key>.parquet         canonical rows, one file per ingested source file
  daily_streams/<source-key>.parquet
  users/, tracks/, playlists/, playlist_tracks/   when a source has them
  rejects/<source-key>.csv             file, table, line, record, reason: never the raw row
  ingest.json                          the log: one entry per ingested source file
  .secret                              the key that pseudonymises listener names (0600)
```

`<source-key>` is the first 16 hex digits of the sha256 of the source file's bytes, so the same
file ingested twice is recognised and skipped. Every file is written under a hidden temporary name
and renamed into place, so an interrupted ingest never leaves a half-written file behind; the
temporary names (`.<name>.tmp-<pid>`) never match `*.parquet`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOG_NAME = "ingest.json"
SECRET_NAME = ".secret"
REJECTS_DIR = "rejects"
LOG_VERSION = 1


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks (memory stays flat)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_key(sha256: str) -> str:
    return sha256[:16]


def table_file(out: Path, table: str, key: str) -> Path:
    return out / table / f"{key}.parquet"


def rejects_file(out: Path, key: str) -> Path:
    return out / REJECTS_DIR / f"{key}.csv"


def temp_name(final: Path) -> Path:
    """A hidden sibling of `final` that no `*.parquet` / `*.csv` glob matches."""
    return final.with_name(f".{final.name}.tmp-{os.getpid()}")


def publish(tmp: Path, final: Path) -> None:
    """Move a finished temporary file into place atomically."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)


# --- the campaign secret and pseudonyms -------------------------------------------------------


def load_secret(out: Path, secret: bytes | None) -> bytes:
    """The given secret, else OUT/.secret, created (0600, 32 random bytes) when absent."""
    if secret is not None:
        if not secret:
            from campaign.errors import ConfigError

            raise ConfigError("the pseudonymisation secret is empty")
        return secret
    path = out / SECRET_NAME
    if path.exists():
        data = path.read_bytes()
        if data:
            return data
    out.mkdir(parents=True, exist_ok=True)
    data = os.urandom(32)
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    publish(tmp, path)
    return data


def pseudonym(secret: bytes, name: str) -> str:
    """`'u:' + hmac_sha256(secret, name)[:16]`: the only form in which a listener is stored."""
    return "u:" + hmac.new(secret, name.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def hmac_pads(secret: bytes) -> tuple[str, str]:
    """HMAC-SHA256's inner and outer padded keys as hex, for computing `pseudonym` in SQL."""
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


# --- the log ------------------------------------------------------------------------------------


def read_log(out: Path) -> dict[str, Any]:
    path = out / LOG_NAME
    if not path.exists():
        return {"version": LOG_VERSION, "sources": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        from campaign.errors import InputError

        raise InputError("the ingest log is not valid JSON; restore or delete it", path) from exc
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        from campaign.errors import InputError

        raise InputError("the ingest log has no 'sources' object; restore or delete it", path)
    return data


def write_log(out: Path, log: dict[str, Any]) -> None:
    path = out / LOG_NAME
    tmp = temp_name(path)
    tmp.write_text(json.dumps(log, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    publish(tmp, path)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
