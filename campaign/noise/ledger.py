"""The noise ledger: every noisy count of a release, drawn once and reused on every run.

OpenDP's samplers cannot be seeded, so instead of re-deriving noise from a seed the ledger stores
each draw, keyed by the release key (a hash of the campaign secret, the data files' fingerprints
and the privacy settings) and the count's key. Re-running on the same data therefore publishes the
same numbers and cannot average the noise away; new data, a new secret or new settings are a new
release, which spends new budget. The ledger also keeps each published fact's raw cohort size, so
a later release can tell that a fact differs from one already published by a few people: it holds
raw counts and must be kept like the data itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from campaign.config import CampaignConfig
from campaign.errors import InputError

LEDGER_FILE = "ledger.json"
LEDGER_FOLDER = ".privacy"
SECRET_FILE = ".secret"


def ledger_dir(config: CampaignConfig, data: Sequence[Path | str]) -> Path:
    """`privacy.ledger` (relative to campaign.toml), else `.privacy/` beside the data: in the
    first data folder, or the folder of the first data file or glob. The ledger holds raw cohort
    sizes and the secret, so it lives where the data is kept, not in the output that is shared,
    and it outlives the atomic replacement of `<output>/<name>/`."""
    if config.privacy.ledger:
        return config.root / config.privacy.ledger
    if not data:
        return config.root / LEDGER_FOLDER
    folder = Path(data[0])
    if not folder.is_absolute():
        folder = config.root / folder
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder / LEDGER_FOLDER


def _read_secret(folder: Path) -> str | None:
    path = folder / SECRET_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def _write_secret(folder: Path, secret: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)


def fingerprint(files: dict[str, list[Path]]) -> list[str]:
    """Each data file by table, name, size and modification time: a change is a new release."""
    out = []
    for table in sorted(files):
        for path in sorted(files[table]):
            st = path.stat()
            out.append(f"{table}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}")
    return out


class Ledger:
    """The stored draws of every release made from one ledger folder."""

    def __init__(self, folder: Path, config: CampaignConfig, files: dict[str, list[Path]]):
        self.path = folder / LEDGER_FILE
        existing = _read_secret(folder)
        # a new secret is written with the first draw (save), so a run that draws nothing
        # (public charts only) leaves nothing behind
        self._new_secret = None if existing else secrets.token_hex(32)
        settings = json.dumps(asdict(config.privacy) | {"ledger": ""}, sort_keys=True)
        secret = existing or self._new_secret
        material = "\n".join([str(secret), settings, *fingerprint(files)])
        self.release = hashlib.sha256(material.encode()).hexdigest()[:16]
        self._all = self._read()
        self.items: dict[str, dict[str, Any]] = self._all.setdefault(self.release, {})

    def _read(self) -> dict[str, dict[str, dict[str, Any]]]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                f"cannot read the noise ledger ({exc}); restore it", self.path
            ) from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise InputError("the noise ledger is not a table of releases; restore it", self.path)
        return data

    def other_cohorts(self, fact_id: str) -> dict[str, int]:
        """The raw cohort size the same fact had in every other release of this ledger."""
        found = {}
        for release, items in self._all.items():
            entry = items.get(f"raw_cohort:{fact_id}")
            if release != self.release and entry and entry.get("raw") is not None:
                found[release] = int(entry["raw"])
        return found

    def spent_by_all_releases(self) -> tuple[int, float]:
        """How many releases this ledger holds and the ρ they spent together: publishing the
        same listeners in k releases costs k budgets (sequential composition)."""
        rho = sum(
            float(item.get("rho") or 0.0) for items in self._all.values() for item in items.values()
        )
        return len([r for r, items in self._all.items() if items]), rho

    def save(self) -> None:
        """Write the ledger (and a new secret) when this release drew anything."""
        if not self.items:
            return
        try:
            if self._new_secret:
                _write_secret(self.path.parent, self._new_secret)
                self._new_secret = None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            aside = self.path.with_suffix(".tmp")
            text = json.dumps(self._all, indent=1, sort_keys=True) + "\n"
            # raw cohort sizes: readable by the owner only, like the secret
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(aside, self.path)
        except OSError as exc:
            raise InputError(
                f"cannot write the noise ledger ({exc.strerror}); set privacy.ledger to a "
                "writable folder kept as safely as the data",
                self.path,
            ) from None
