"""What a billboard costs: per-image ms to render, to save as PNG and as a WebP thumbnail (and,
for comparison, as a full-size WebP), per format; and a batch with 1 and 2 workers.

    python bench/bench_render.py            # every format, 3 repeats, a 20-job batch
    python bench/bench_render.py --repeats 1 --batch 10

`--stage` drives the render stage as `campaign run` calls it (`render_shortlist`, then the
manifest and `write_gallery`) on real candidates: the facts that
`find_facts` finds in a synthetic dataset, varied (subject and value) up to `--candidates`, with
their copy written by the copywriter in every `--locales` locale:

    python bench/bench_render.py --stage --candidates 1000 --formats dooh-landscape,48-sheet \\
        --locales en,ja --workers 1,2

It prints the per-image rate on one core (median of `--repeats` over a sample of the jobs), then
per worker count the batch wall time and rate, the parallel efficiency (batch rate / (workers ×
per-core rate)), the peak RSS of the parent and of the largest worker, and the time to write the
gallery with its page weight. The machine is shared and noisy: compare figures of one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import checkout  # noqa: F401  (first: the campaign package of this checkout)

from campaign.billboard_copy import BillboardCopy
from campaign.render import (
    BILLBOARD_FORMATS,
    load_theme,
    render_all,
    render_billboard,
    save_billboard,
    save_thumbnail,
)

if TYPE_CHECKING:  # imported where used, so the per-format bench does not load DuckDB
    from campaign.config import CampaignConfig
    from campaign.render import Theme
    from campaign.scoring import Candidate, FactsResult

HEADLINE = "Dear 3,749 people who streamed “Hang On” the day of the big vote,"
COPY = BillboardCopy(HEADLINE, "Hang in there.", "en", ((5, 10), (31, 40)))
BENCH_DATA = Path("/work/benchdata/render4")


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def per_format(repeats: int, folder: Path) -> None:
    theme = load_theme("coral")
    print(f"{'format':<16}{'render':>9}{'PNG':>9}{'thumb':>9}{'WebP q75':>10}  (ms per image)")
    for name in BILLBOARD_FORMATS:
        image = render_billboard(COPY, name, theme)
        render = median_ms(lambda n=name: render_billboard(COPY, n, theme), repeats)
        png = median_ms(lambda i=image, n=name: save_billboard(i, folder / "a.png", fmt=n), repeats)
        thumb = median_ms(lambda i=image: save_thumbnail(i, folder / "a.webp"), repeats)
        webp = median_ms(lambda i=image: i.save(folder / "b.webp", quality=75, method=4), repeats)
        print(f"{name:<16}{render:>9.0f}{png:>9.0f}{thumb:>9.0f}{webp:>10.0f}")


def batch(jobs_n: int, folder: Path) -> None:
    theme = load_theme("coral")
    formats = list(BILLBOARD_FORMATS)
    for workers in (1, 2):
        out = folder / f"w{workers}"
        jobs = [
            (COPY, formats[i % len(formats)], theme, out / f"{i}-{formats[i % len(formats)]}.png")
            for i in range(jobs_n)
        ]
        started = time.perf_counter()
        results = render_all(jobs, workers=workers, skip_unchanged=False)
        wall = time.perf_counter() - started
        assert all(r.status == "written" for r in results)
        print(
            f"batch of {jobs_n} (all formats), {workers} worker(s): {wall:.1f} s wall, "
            f"{wall * 1000 / jobs_n:.0f} ms per billboard"
        )


# --- the render stage on real candidates ---------------------------------------------------


def _status_kb(pid: int | str, field: str) -> int:
    """A field of /proc/<pid>/status in kB (VmHWM: the process's peak RSS), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class PeakRSS:
    """The peak RSS of this process (its high-water mark reset on entry) and the largest peak of
    any of its child processes (the pool's workers), sampled until the block ends."""

    def __init__(self) -> None:
        self.parent_mb = 0.0
        self.worker_mb = 0.0
        self._stop = threading.Event()

    def _children(self) -> list[str]:
        """The pool's workers: children already running `spawn_main` (a child caught between
        its fork and its exec still reports this process's memory)."""
        pids: list[str] = []
        for task in Path("/proc/self/task").iterdir():
            try:
                pids += (task / "children").read_text().split()
            except OSError:
                continue
        return [pid for pid in pids if b"spawn_main" in _cmdline(pid)]

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for pid in self._children():
                self.worker_mb = max(self.worker_mb, _status_kb(pid, "VmHWM") / 1024)

    def __enter__(self) -> PeakRSS:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.parent_mb = _status_kb("self", "VmHWM") / 1024


def bench_config(args: argparse.Namespace, out: Path) -> CampaignConfig:
    """The campaign the stage runs: the demo's synthetic data and privacy, the bench's formats
    and locales, and a shortlist as long as the candidates."""
    from campaign.config import CampaignConfig
    from campaign.demo import DEMO_MARKETS, DEMO_YEAR, demo_data
    from campaign.progress import Silent

    files = demo_data(BENCH_DATA, args.plays, args.users, args.seed, Silent())
    base = CampaignConfig()
    return CampaignConfig(
        name="bench-render",
        year=DEMO_YEAR,
        markets=DEMO_MARKETS,
        data=tuple(files),
        locales=tuple(args.locales.split(",")),
        formats=tuple(args.formats.split(",")),
        shortlist=args.candidates,
        output=out,
        root=Path.cwd(),
        privacy=replace(base.privacy, individual=True, noise="none", acknowledge_below_policy=True),
    )


def varied(value: float, i: int) -> float:
    """A fact's value, changed a little for its i-th copy so each copy's words differ."""
    if value >= 10:
        return float(round(value * (1 + (i % 89) / 100)))
    return value


def real_candidates(config: CampaignConfig, n: int) -> tuple[FactsResult, dict[str, Theme]]:
    """`n` candidates with copy in every locale: the facts found in the data, then each of them
    again with another subject id and value (its copy rewritten) until there are `n`."""
    from campaign.copywriter import Copywriter
    from campaign.resources import template_search_path
    from campaign.run import assign_themes, find_facts, load_run_themes, write_copy

    themes = load_run_themes(config)
    result = find_facts(config)
    assign_themes(result, themes)
    write_copy(result)
    base = [c for c in result.candidates if c.eligible and len(c.copy) == len(config.locales)]
    writer = Copywriter(template_search_path(config.root))
    candidates = []
    for i in range(n):
        c = base[i % len(base)]
        if i >= len(base):
            fact = replace(
                c.fact, subject_id=f"{c.fact.subject_id}~{i}", value=varied(c.fact.value, i)
            )
            words, missing = writer.write_locales(fact, c.event, config.locales)
            c = replace(c, fact=fact, copy=words, missing_copy=missing)
        candidates.append(replace(c, rank=i + 1, images={}, thumbs={}))
    result.candidates = candidates
    print(f"{len(base)} distinct facts found, varied into {n} candidates")
    return result, themes


def sample_of(candidates: list[Candidate], size: int) -> list[Candidate]:
    """Candidates spread evenly over the list (each with all its formats and locales)."""
    step = max(1, len(candidates) // max(1, size))
    return candidates[::step][:size]


def stage_bench(args: argparse.Namespace, folder: Path) -> None:
    from campaign.output.gallery import write_gallery
    from campaign.output.manifest import build_manifest
    from campaign.resources import template_search_path
    from campaign.run import render_shortlist

    config = bench_config(args, folder / "out")
    result, themes = real_candidates(config, args.candidates)
    candidates = result.candidates
    per_candidate = len(config.formats) * len(config.locales)
    images = len(candidates) * per_candidate

    sample = sample_of(candidates, args.sample)
    times = []
    for r in range(-1, args.repeats):  # round -1 warms the font caches, untimed
        trial = [replace(c, images={}, thumbs={}) for c in sample]
        started = time.perf_counter()
        render_shortlist(trial, config.formats, themes, folder / f"core-{r}", workers=1)
        if r >= 0:
            times.append(time.perf_counter() - started)
    per_core = len(sample) * per_candidate / statistics.median(times)
    print(
        f"one core: {per_core:.2f} images/s ({1000 / per_core:.0f} ms per image; median of "
        f"{args.repeats} over {len(sample) * per_candidate} images: "
        f"{', '.join(config.formats)} × {', '.join(config.locales)})"
    )
    for workers in [int(w) for w in args.workers.split(",")]:
        trial = [replace(c, images={}, thumbs={}) for c in candidates]
        stage = folder / f"stage-{workers}"
        with PeakRSS() as rss:
            started = time.perf_counter()
            failed = render_shortlist(trial, config.formats, themes, stage, workers)
            wall = time.perf_counter() - started
        rate = images / wall
        print(
            f"{workers} worker(s): {images} images in {wall:.1f} s, {rate:.2f} images/s, "
            f"efficiency {rate / (workers * per_core):.0%}; peak RSS parent "
            f"{rss.parent_mb:.0f} MB, worker {rss.worker_mb:.0f} MB; {len(failed)} not set"
        )
    result.candidates = trial
    started = time.perf_counter()
    manifest = build_manifest(result, {name: t.source for name, t in themes.items()})
    page = write_gallery(stage, manifest, template_search_path(config.root))
    html = page.read_text(encoding="utf-8")
    lazy = html.count('loading="lazy"')
    print(
        f"gallery: {len(candidates)} cards written in {time.perf_counter() - started:.1f} s, "
        f"{len(html) / 1e6:.1f} MB of HTML, {html.count('<img')} <img> "
        f"({lazy} lazy)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--stage", action="store_true", help="the render stage, real candidates")
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--formats", default="dooh-landscape,48-sheet")
    parser.add_argument("--locales", default="en,ja")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--sample", type=int, default=6, help="candidates timed on one core")
    parser.add_argument("--plays", type=int, default=300_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tmp", type=Path, default=None, help="where the images go (a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        if args.stage:
            stage_bench(args, Path(tmp))
        else:
            per_format(args.repeats, Path(tmp))
            batch(args.batch, Path(tmp))


if __name__ == "__main__":
    main()
