"""The output folder, written aside and swapped in: only ever replacing a folder this tool made.

A folder the tool makes carries `MARKER`; an existing folder without it is refused, so a mistyped
`--out ~/Documents` can never be deleted.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from campaign.errors import ConfigError

MARKER = ".campaign-output"


def check_replaceable(out: Path) -> None:
    """Refuse, before any work, an --out that exists and was not made by campaign."""
    if out.exists() and not (out.is_dir() and (out / MARKER).is_file()):
        raise ConfigError(
            f"{out} exists and was not made by campaign (it has no {MARKER}); "
            "choose a new --out folder",
            "--out",
        )


@contextmanager
def write_aside(out: Path) -> Iterator[Path]:
    """A stage beside `out`, swapped in when the block completes and removed if it fails."""
    out = out.absolute()
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage = out.parent / f".{out.name}.stage-{token}"
    stage.mkdir()
    (stage / MARKER).write_text("made by campaign wrapped; campaign may replace this folder\n")
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    check_replaceable(out)  # nobody put a folder of their own there meanwhile
    if out.exists():
        old = out.parent / f".{out.name}.old-{token}"
        out.rename(old)
        stage.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        stage.rename(out)
