"""What every series builder needs: the open workspace, the privacy mode, the packs' parameters,
and a cache of the market-wide figures several facts of one market share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from campaign.workspace import Workspace

T = TypeVar("T")


def as_date(value: Any) -> date | None:
    """A fact's period bound as a date (None when it is not one)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass
class SeriesQuery:
    ws: Workspace
    public_only: bool  # under DP: only published chart numbers may be charted
    params: Mapping[str, Mapping[str, Any]]
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def has(self, *tables: str) -> bool:
        return all(t in self.ws.tables for t in tables)

    def param(self, pack: str, name: str, default: Any) -> Any:
        """A pack parameter as the run bound it, else the pack's default."""
        return self.params.get(pack, {}).get(name, default)

    def rows(self, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        return self.ws.con.execute(sql, args).fetchall()

    def cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """One computation per market-wide figure, however many of the market's facts need it."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]  # type: ignore[no-any-return]

    def is_public(self, market: str | None) -> bool:
        """Whether the market's daily counts (every market's, for None) are all chart rows."""
        where, args = ("WHERE market = ?", [market]) if market else ("", [])
        rows = self.cached(
            ("public", market),
            lambda: self.rows(
                f"SELECT coalesce(bool_and(listeners IS NULL), false) FROM daily_streams {where}",
                args,
            ),
        )
        return bool(rows and rows[0][0])
