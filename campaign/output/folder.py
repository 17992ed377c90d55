"""The output folder (DESIGN.md, "Outputs"): written aside, then swapped in whole.

An interrupted run leaves the previous output intact; the reviewers' `review.json` is carried over.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from campaign.output.review import REVIEW_FILE


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A staging folder beside `out_dir` that replaces it only when the block completes.

    The previous billboards are hard-linked into the stage so unchanged ones need not be redrawn;
    the renderer replaces files by rename, so the old output's files are never written through.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.parent.glob(f".{out_dir.name}.stage-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from an interrupted run
    stage = out_dir.parent / f".{out_dir.name}.stage-{os.getpid()}"
    stage.mkdir()
    try:
        if (out_dir / "billboards").is_dir():
            shutil.copytree(out_dir / "billboards", stage / "billboards", copy_function=os.link)
        if (out_dir / REVIEW_FILE).is_file():
            shutil.copy2(out_dir / REVIEW_FILE, stage / REVIEW_FILE)
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if (out_dir / REVIEW_FILE).is_file():
        # reviewers may have saved decisions (campaign serve) while this run was working
        shutil.copy2(out_dir / REVIEW_FILE, stage / REVIEW_FILE)
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    stage.rename(out_dir)
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
