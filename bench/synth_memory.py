"""Where `campaign synth`'s memory goes: peak RSS inside each of its stages, sampled.

.venv/bin/python bench/synth_memory.py --plays 3000000 --users 150000

Each stage function that `campaign.synth.generate` calls is wrapped to record the highest
resident set size (sampled every 20 ms from /proc) seen while it ran, and the RSS it left
behind; the table that prints says which stage sets the peak, and (run at two sizes) which
grow with plays or listeners.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

import campaign.synth as synth

STAGES = (
    "natural_sessions",
    "natural_chunks",
    "natural_playlists",
    "plant_all",
    "write_listens",
    "write_playlists",
    "write_parquet",
    "measure",
)
PAGE = resource.getpagesize()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


class Sampler(threading.Thread):
    """Keeps the highest RSS seen since the last reset."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def reset(self) -> float:
        self.peak = rss_mb()
        return self.peak


def wrap(name: str, sampler: Sampler, table: dict[str, list[float]]) -> None:
    """Record (start, peak, end) RSS of each call of synth.<name>; a generator's whole run."""
    original = getattr(synth, name)

    def record(start: float) -> None:
        row = table.setdefault(name, [start, 0.0, 0.0])
        row[1] = max(row[1], sampler.peak, rss_mb())
        row[2] = rss_mb()

    if name == "natural_chunks":

        @functools.wraps(original)
        def gen(*args, **kwargs):
            start = sampler.reset()
            yield from original(*args, **kwargs)
            record(start)

        setattr(synth, name, gen)
        return

    @functools.wraps(original)
    def call(*args, **kwargs):
        start = sampler.reset()
        result = original(*args, **kwargs)
        record(start)
        return result

    setattr(synth, name, call)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sampler = Sampler()
    sampler.start()
    table: dict[str, list[float]] = {}
    for name in STAGES:
        wrap(name, sampler, table)
    spec = synth.SynthSpec(plays=args.plays, users=args.users, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = synth.generate(spec, Path(tmp) / "l.parquet")
        wall = time.perf_counter() - started
    sampler.running = False
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{result.plays:,} plays, {result.user_count:,} users, {result.playlist_count:,} "
          f"playlists; {wall:.0f} s; peak RSS {peak:.0f} MB")  # fmt: skip
    print(f"{'stage':<20}{'start MB':>10}{'peak MB':>10}{'end MB':>10}")
    for name, (start, top, end) in table.items():
        print(f"{name:<20}{start:>10.0f}{top:>10.0f}{end:>10.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
