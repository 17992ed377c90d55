"""Many billboards at once: a process pool, and a render key that skips unchanged ones."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

from PIL import Image

from campaign.billboard_copy import BillboardCopy
from campaign.errors import CampaignError
from campaign.fontchain import FALLBACK_FILE
from campaign.render.draw import FIT_CHUNK, KEY_CHUNK, draw_layout, save_billboard, save_thumbnail
from campaign.render.formats import Format, get_format
from campaign.render.layout import layout_billboard
from campaign.render.textfit import RenderError
from campaign.render.theme import Theme

# bump when a layout rule or what a file records changes, so cached billboards are redrawn
RENDER_VERSION = "4"


@lru_cache(maxsize=32)
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def render_key(copy: BillboardCopy, fmt: str | Format, theme: Theme) -> str:
    """A hash of everything that decides the pixels: copy, format, theme and the font files."""
    fonts = {theme.headline_font, theme.signoff_font, theme.wordmark_font or theme.signoff_font}
    parts = [
        RENDER_VERSION,
        repr(copy),
        repr(get_format(fmt)),
        repr({**vars(theme), "source": None}),
    ]
    parts += sorted(_file_digest(p) for p in {*fonts, FALLBACK_FILE})
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def thumb_path(path: Path) -> Path:
    """Where a billboard's gallery thumbnail goes: billboards/thumbs/<name>.webp."""
    return Path(path).parent / "thumbs" / f"{Path(path).stem}.webp"


@dataclass(frozen=True)
class RenderResult:
    """The outcome of one job of `render_all`: written, skipped as unchanged, or failed; with
    how comfortably its copy fits (`Layout.fit`, 0 when it cannot be set), measured by the
    worker that laid it out, so nobody lays the copy out a second time to score it."""

    path: Path
    status: str  # written | unchanged | failed (the copy cannot be set) | crashed (anything else)
    error: str | None = None
    seconds: float = 0.0
    fit: float = 0.0


class RenderCrash(CampaignError):
    """A billboard that could not be drawn for a reason other than its copy (a file that cannot
    be written, a worker killed, a bug). The batch stops, since its output would lack the
    billboard; `job` is the index of the job, so the caller can name what it was."""

    def __init__(self, what: str, reason: str, job: int) -> None:
        super().__init__(f"{what} could not be drawn: {reason}")
        self.reason = reason
        self.job = job


RenderJob = tuple[BillboardCopy, str | Format, Theme, Path]


def _existing_stamp(path: Path) -> tuple[str, float] | None:
    """The render key and fit a billboard written by `_render_job` carries, if it carries both."""
    try:
        with Image.open(path) as image:
            return str(image.info[KEY_CHUNK]), float(image.info[FIT_CHUNK])
    except (OSError, ValueError, KeyError):
        return None


def _pixels(fmt: str | Format) -> int:
    width, height = get_format(fmt).size
    return width * height


def _render_job(job: RenderJob) -> RenderResult:
    copy, fmt, theme, path = job
    started = time.perf_counter()
    key = render_key(copy, fmt, theme)
    try:
        layout = layout_billboard(copy, fmt, theme)
        image = draw_layout(layout, theme)
        save_billboard(image, Path(path), key=key, fmt=fmt, fit=layout.fit)
        save_thumbnail(image, thumb_path(path))
    except RenderError as exc:
        return RenderResult(Path(path), "failed", exc.describe(), time.perf_counter() - started)
    except Exception as exc:  # the parent stops the batch on it and names the billboard
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no message'}"
        return RenderResult(Path(path), "crashed", reason, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return RenderResult(Path(path), "written", None, seconds, layout.fit)


def _checked(index: int, job: RenderJob, result: RenderResult) -> RenderResult:
    if result.status == "crashed":
        raise _crash(index, job, result.error or "")
    return result


def _crash(index: int, job: RenderJob, reason: str) -> RenderCrash:
    name = get_format(job[1]).name
    return RenderCrash(f"the {name} billboard {Path(job[3]).name}", reason, index)


def render_all(
    jobs: Sequence[RenderJob], workers: int = 2, skip_unchanged: bool = True
) -> list[RenderResult]:
    """Render and save many billboards, in a process pool (PNG encoding is CPU-bound).

    Two workers give about 1.8× on two cores; more workers than cores give nothing. A billboard
    whose file already carries the same render key (and has its thumbnail) is skipped. Copy
    that does not fit is reported as `failed` with the reason instead of stopping the batch;
    any other failure of a job (or a worker that dies) stops it with `RenderCrash`, the jobs
    not yet started cancelled. Results follow the order of `jobs`.
    """
    results: dict[int, RenderResult] = {}
    todo: list[tuple[int, RenderJob]] = []
    for i, job in enumerate(jobs):
        copy, fmt, theme, path = job
        stamp = _existing_stamp(Path(path)) if skip_unchanged else None
        if stamp and stamp[0] == render_key(copy, fmt, theme) and thumb_path(path).is_file():
            results[i] = RenderResult(Path(path), "unchanged", fit=stamp[1])
            continue
        todo.append((i, job))
    if workers <= 1 or len(todo) <= 1:
        for i, job in todo:
            results[i] = _checked(i, job, _render_job(job))
    else:
        # the largest first, so a 48-sheet does not start last and leave the other core idle
        todo.sort(key=lambda item: -_pixels(item[1][1]))
        context = get_context("spawn")  # never fork a parent that may hold DuckDB threads
        pool = ProcessPoolExecutor(min(workers, len(todo)), mp_context=context)
        try:
            for (i, job), result in zip(
                todo, pool.map(_render_job, [j for _, j in todo]), strict=True
            ):
                results[i] = _checked(i, job, result)
        except BrokenProcessPool:
            i, job = next((i, job) for i, job in todo if i not in results)
            raise _crash(i, job, "a render worker stopped (killed, or out of memory)") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return [results[i] for i in range(len(jobs))]
