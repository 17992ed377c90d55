"""What a billboard costs: per-image ms to render, to save as PNG and as a WebP thumbnail (and,
for comparison, as a full-size WebP), per format; and a batch with 1 and 2 workers.

    python bench/bench_render.py            # every format, 3 repeats, a 20-job batch
    python bench/bench_render.py --repeats 1 --batch 10

The machine is shared and noisy: each figure is the median of the repeats; compare side by side.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from campaign.billboard_copy import BillboardCopy
from campaign.render import (
    BILLBOARD_FORMATS,
    load_theme,
    render_all,
    render_billboard,
    save_billboard,
    save_thumbnail,
)

HEADLINE = "Dear 3,749 people who streamed “Hang On” the day of the big vote,"
COPY = BillboardCopy(HEADLINE, "Hang in there.", "en", ((5, 10), (31, 40)))


def median_ms(fn, repeats: int) -> float:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        per_format(args.repeats, Path(tmp))
        batch(args.batch, Path(tmp))


if __name__ == "__main__":
    main()
