"""Progress reporting that the library can call and the CLI can show with rich."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Reporter(Protocol):
    def stage(self, name: str, total: int | None = None) -> None: ...
    def advance(self, steps: int = 1) -> None: ...
    def running(self) -> AbstractContextManager[Reporter]: ...


class Silent:
    """The default for library calls: report nothing."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    @contextmanager
    def running(self) -> Iterator[Silent]:
        yield self


class RichReporter:
    """One progress line per stage on stderr; a stage with a total gets a bar."""

    def __init__(self) -> None:
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
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: int | None = None

    def _finish_current(self) -> None:
        if self._task is not None:
            total = self._progress.tasks[self._task].total or 1
            self._progress.update(self._task, completed=total, total=total)

    def stage(self, name: str, total: int | None = None) -> None:
        self._finish_current()
        self._task = self._progress.add_task(name, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, steps)

    @contextmanager
    def running(self) -> Iterator[RichReporter]:
        with self._progress:
            try:
                yield self
            finally:
                self._finish_current()
