"""What an ingest did, and what a dataset holds: plain dataclasses, safe to print or serialise.

Neither holds a listener id, a user name or a raw row; files are named by their base name only
(a folder name can be a user name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Status = Literal["ingested", "skipped", "ignored"]


@dataclass
class TableCounts:
    """Rows of one table: every row read is either loaded or rejected."""

    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0

    def check(self, where: str) -> None:
        assert self.rows_read == self.rows_loaded + self.rows_rejected, (
            f"{where}: rows_read {self.rows_read} != loaded {self.rows_loaded}"
            f" + rejected {self.rows_rejected}"
        )

    def add(self, other: TableCounts) -> None:
        self.rows_read += other.rows_read
        self.rows_loaded += other.rows_loaded
        self.rows_rejected += other.rows_rejected

    def to_json(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
        }


@dataclass
class FileResult:
    """One file met while ingesting: ingested, skipped (already in the dataset) or ignored."""

    path: Path
    status: Status
    format: str | None = None
    source_key: str | None = None
    reason: str | None = None
    tables: dict[str, TableCounts] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)  # reason -> rows
    notes: list[str] = field(default_factory=list)
    dialect: str | None = None
    first_day: str | None = None
    last_day: str | None = None
    markets: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # paths inside OUT
    date_offset: int | None = None  # days moved back to the chart day (chart files only)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.path.name, "status": self.status}
        if self.format:
            out["format"] = self.format
        if self.source_key:
            out["source_key"] = self.source_key
        if self.reason:
            out["reason"] = self.reason
        if self.tables:
            out["tables"] = {name: c.to_json() for name, c in sorted(self.tables.items())}
        if self.rejects:
            out["rejects"] = dict(sorted(self.rejects.items()))
        if self.first_day:
            out["date_range"] = [self.first_day, self.last_day]
        if self.markets:
            out["markets"] = list(self.markets)
        if self.date_offset is not None:
            out["date_offset"] = self.date_offset
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def describe(self) -> str:
        if self.status != "ingested":
            return f"{self.status} {self.path}: {self.reason}"
        counts = ", ".join(
            f"{name} {c.rows_loaded:,} loaded / {c.rows_rejected:,} rejected"
            for name, c in sorted(self.tables.items())
        )
        dates = "" if self.date_offset is None else f"; date offset {self.date_offset} days"
        return f"ingested {self.path} ({self.format}): {counts}{dates}"


@dataclass
class IngestReport:
    out: Path
    files: list[FileResult] = field(default_factory=list)
    tables: dict[str, TableCounts] = field(default_factory=dict)
    chart_floors: int | None = None  # market-days in the dataset's chart_floors, when it has charts

    def add(self, result: FileResult) -> None:
        self.files.append(result)
        for name, counts in result.tables.items():
            counts.check(f"{result.path.name} / {name}")
            self.tables.setdefault(name, TableCounts()).add(counts)

    def check(self) -> None:
        for name, counts in self.tables.items():
            counts.check(name)

    def by_status(self, status: Status) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def ingested(self) -> list[FileResult]:
        return self.by_status("ingested")

    @property
    def skipped(self) -> list[FileResult]:
        return self.by_status("skipped")

    @property
    def ignored(self) -> list[FileResult]:
        return self.by_status("ignored")

    def to_json(self) -> dict[str, Any]:
        self.check()
        out: dict[str, Any] = {
            "tables": {name: c.to_json() for name, c in sorted(self.tables.items())},
            "files": [f.to_json() for f in self.files],
        }
        if self.chart_floors is not None:
            out["chart_floors"] = {"market_days": self.chart_floors}
        return out

    def lines(self) -> list[str]:
        """Human-readable summary, one line per table then one per file."""
        out = [
            f"{name}: {c.rows_read:,} read, {c.rows_loaded:,} loaded, {c.rows_rejected:,} rejected"
            for name, c in sorted(self.tables.items())
        ]
        if self.chart_floors is not None:
            out.append(f"chart_floors: {self.chart_floors:,} market-days (floor and depth)")
        out += [f.describe() for f in self.files]
        return out


@dataclass
class DatasetSummary:
    """What `campaign ingest --list DIR` shows."""

    out: Path
    files: list[dict[str, Any]]
    tables: dict[str, int]
    first_day: str | None
    last_day: str | None
    markets: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "tables": dict(sorted(self.tables.items())),
            "date_range": [self.first_day, self.last_day],
            "markets": self.markets,
        }

    def lines(self) -> list[str]:
        out = [f"{name}: {rows:,} rows" for name, rows in sorted(self.tables.items())]
        if self.first_day:
            out.append(f"dates: {self.first_day} … {self.last_day}")
        if self.markets:
            out.append("markets: " + ", ".join(self.markets))
        for entry in self.files:
            tables = ", ".join(
                f"{t} {c.get('rows_loaded', 0):,}" for t, c in sorted(entry["tables"].items())
            )
            out.append(f"{entry['source_key']} {entry['name']} ({entry['format']}): {tables}")
        return out
