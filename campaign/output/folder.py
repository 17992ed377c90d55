"""The folders the tool writes (DESIGN.md, "Outputs"): written aside, then swapped in whole.

An interrupted run leaves the previous output intact; the reviewers' `review.json` is carried over.
The tool only ever replaces a folder that it made: each one carries `MARKER`, a small file naming
the tool and the kind of folder ("run", "export", …). A destination that exists is replaced only
when it carries the marker of the same kind, or is an empty folder (adopted, since nothing can be
lost); anything else is refused with one sentence, so a mistyped name or `--to` can never delete a
campaign's own files or a folder of the user's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from campaign.errors import ConfigError
from campaign.output.review import REVIEW_FILE

MARKER = ".campaign-output"
TOOL = "campaign"
# The kinds of folder the tool writes: `campaign run` (and the demo's), `campaign export` and
# `campaign wrapped`.
RUN_FOLDER = "run"
EXPORT_FOLDER = "export"
WRAPPED_FOLDER = "wrapped"


def write_marker(folder: Path, kind: str) -> None:
    """Mark `folder` as made by this tool, as a folder of `kind`."""
    (folder / MARKER).write_text(f'made_by = "{TOOL}"\nkind = "{kind}"\n', encoding="utf-8")


def marker_kind(folder: Path) -> str | None:
    """The kind a marked folder was made as; "" when its marker names none; None when unmarked.

    A marker written by another part of the tool in free text (no `kind`) still marks the folder
    as the tool's own.
    """
    path = folder / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ""
    kind = data.get("kind")
    return kind if isinstance(kind, str) else ""


def check_replaceable(dest: Path, kind: str) -> None:
    """Refuse, before any work, a destination that the tool may not replace with a `kind` folder."""
    if not os.path.lexists(dest):
        return
    if dest.is_symlink() or not dest.is_dir():
        raise ConfigError(
            f"{dest} exists and is not a folder that campaign made; choose another destination"
        )
    found = marker_kind(dest)
    if found is None:
        if not any(dest.iterdir()):
            return  # an empty folder is adopted: replacing it loses nothing
        raise ConfigError(
            f"{dest} already exists and was not made by campaign (it has no {MARKER} file); "
            "choose another destination or empty that folder yourself"
        )
    if found and found != kind:
        raise ConfigError(
            f"{dest} holds a campaign {found} folder, not {kind} output; choose another destination"
        )


def _remove_leftovers(parent: Path, pattern: str) -> None:
    """Stages of interrupted runs: removed only when they carry the tool's marker."""
    for leftover in parent.glob(pattern):
        if leftover.is_dir() and not leftover.is_symlink() and marker_kind(leftover) is not None:
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def staged(dest: Path, kind: str) -> Iterator[Path]:
    """A marked staging folder beside `dest` that replaces it only when the block completes.

    `dest` is checked with `check_replaceable` before the block and again before the swap. The
    previous billboards are hard-linked into the stage so unchanged ones need not be redrawn; the
    renderer replaces files by rename, so the old output's files are never written through.
    """
    dest = Path(os.path.abspath(dest))
    check_replaceable(dest, kind)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(dest.parent, f".{dest.name}.stage-*")
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage = dest.parent / f".{dest.name}.stage-{token}"
    stage.mkdir()
    try:
        write_marker(stage, kind)
        if (dest / "billboards").is_dir():
            shutil.copytree(dest / "billboards", stage / "billboards", copy_function=os.link)
        if (dest / REVIEW_FILE).is_file():
            shutil.copy2(dest / REVIEW_FILE, stage / REVIEW_FILE)
        yield stage
        check_replaceable(dest, kind)  # nobody put a folder of their own there meanwhile
        if (dest / REVIEW_FILE).is_file():
            # reviewers may have saved decisions (campaign serve) while this run was working
            shutil.copy2(dest / REVIEW_FILE, stage / REVIEW_FILE)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    replace_folder(stage, dest)


def replace_folder(stage: Path, dest: Path) -> None:
    """Swap the finished `stage` in at `dest`, removing the folder it replaces.

    The caller has checked `dest` with `check_replaceable`; the stage sits beside `dest`, so both
    renames stay on one file system.
    """
    old = dest.parent / f".{dest.name}.old-{secrets.token_hex(4)}"
    if os.path.lexists(dest):
        dest.rename(old)
    stage.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def drop_stale_billboards(stage: Path, keep: set[str]) -> None:
    """Billboards (and their thumbnails) carried over from the last run that are no longer
    wanted: drop them. `keep` names the PNGs; a thumbnail is kept with its PNG."""
    folder = stage / "billboards"
    if folder.is_dir():
        for path in folder.glob("*.png"):
            if path.name not in keep:
                path.unlink()
        for path in folder.glob("thumbs/*.webp"):
            if f"{path.stem}.png" not in keep:
                path.unlink()
