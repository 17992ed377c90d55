"""The numbers behind each card's chart, computed in SQL while the workspace is open.

Three kinds, all aggregates only (never a listener id, an exact time or a raw row):

- `daily` (campaign.series.daily): a track's or an artist's daily count around a one-day fact,
  with the baseline, the day, and each chart day's floor where the subject was not listed;
- `distribution` (campaign.series.distribution): where a fact stands in its market: the quantiles
  of what the pack ranks (plays per listener-track, streak lengths, playlist sizes, session
  minutes) and the value;
- `bars` (campaign.series.bars): the fact's value beside the values it was judged against (the
  weekdays, the months, the markets, the year's top tracks, a song's skip windows, hook plays,
  a title's weeks, a track's playlist contexts).

Under differential privacy (`noise = "dp"`) only numbers already public are charted: series made
only of chart rows (published top-N counts); anything read from listening data is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from campaign.scoring import Candidate
from campaign.series.bars import BARS
from campaign.series.daily import daily_series
from campaign.series.distribution import DISTRIBUTIONS, plays_distribution
from campaign.series.query import SeriesQuery
from campaign.workspace import Workspace, pack_scope

Builder = Callable[[SeriesQuery, Candidate], dict[str, Any] | None]


def _one_day_or_plays(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """A pack without a picture of its own (a campaign's): a one-day track or artist fact's
    daily series, else a one-listener plays fact's place in its market."""
    return daily_series(query, candidate) or plays_distribution(query, candidate)


def _builder(pack: str) -> Builder:
    """The pack's own picture, else the generic one its fact's shape allows."""
    return BARS.get(pack) or DISTRIBUTIONS.get(pack) or _one_day_or_plays


def attach_series(
    ws: Workspace,
    candidates: Sequence[Candidate],
    noise: str,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Give each candidate whose fact has a picture its `series` (None otherwise).

    `params` are each pack's parameters as the run bound them, so a chart counts as its pack did.
    """
    query = SeriesQuery(ws, public_only=noise == "dp", params=params or {})
    for candidate in candidates:
        with pack_scope(ws.con, candidate.fact.audience):
            candidate.series = _builder(candidate.fact.pack)(query, candidate)
