"""Progress reporting that the library can call and the CLI can show with rich."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console


class Reporter(Protocol):
    def stage(self, name: str, total: int | None = None) -> None: ...
    def advance(self, steps: int = 1) -> None: ...
    def count(self, items: int, unit: str) -> None: ...
    def running(self) -> AbstractContextManager[Reporter]: ...


class Silent:
    """The default for library calls: report nothing."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def count(self, items: int, unit: str) -> None:
        pass

    @contextmanager
    def running(self) -> Iterator[Silent]:
        yield self


class RichReporter:
    """One progress line per stage on stderr; a stage with a total gets a bar, and one that counts
    what it got through (plays read, facts found) shows how many and how many per second, so a
    long run on a big dataset says how far it is and how fast it goes."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: int | None = None

    def _finish_current(self) -> None:
        if self._task is not None:
            total = self._progress.tasks[self._task].total or 1
            self._progress.update(self._task, completed=total, total=total)

    def stage(self, name: str, total: int | None = None) -> None:
        self._finish_current()
        self._task = self._progress.add_task(name, total=total, rate="", items=0)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, steps)

    def count(self, items: int, unit: str) -> None:
        """Add `items` to the current stage's tally and show it with its rate."""
        if self._task is None:
            return
        task = self._progress.tasks[self._task]
        done = task.fields["items"] + items
        self._progress.update(self._task, items=done, rate=rate_text(done, unit, task.elapsed))

    @contextmanager
    def running(self) -> Iterator[RichReporter]:
        with self._progress:
            try:
                yield self
            finally:
                self._finish_current()


def rate_text(items: int, unit: str, seconds: float | None) -> str:
    """ "10,000,000 plays, 812,345 plays/s": a tally and its rate over the stage so far."""
    if not seconds:
        return f"{items:,} {unit}"
    return f"{items:,} {unit}, {items / seconds:,.0f} {unit}/s"
