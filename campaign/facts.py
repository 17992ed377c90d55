"""Candidate facts: what the packs return, with a stable id, as plain data."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from campaign.packs import Pack, PackSkipped, run_pack
from campaign.pii import KINDS, find_pii, placeholder
from campaign.workspace import Workspace, pack_scope
from campaign.workspace_cache import pack_key

# Subjects a listener wrote: screened for personal data before they can reach any output.
USER_TEXT_KINDS = frozenset({"playlist", "playlist_title"})


@dataclass(frozen=True)
class Fact:
    pack: str
    audience: str
    copy_family: str
    market: str
    period_start: date
    period_end: date
    event_id: str | None
    subject_kind: str
    subject_id: str
    subject_name: str
    artist_name: str | None
    measure: str
    value: float
    baseline: float | None
    cohort_size: int | None
    population: int | None
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def id(self) -> str:
        """A stable hash of pack, market, period, event, subject and measure (DESIGN.md)."""
        key = "|".join(
            str(part)
            for part in (
                self.pack,
                self.market,
                self.period_start,
                self.period_end,
                self.event_id or "",
                self.subject_kind,
                self.subject_id,
                self.measure,
            )
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def columns(self) -> dict[str, Any]:
        """The candidate-fact columns, as a pack returned them."""
        return {
            "market": self.market,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "event_id": self.event_id,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "artist_name": self.artist_name,
            "measure": self.measure,
            "value": self.value,
            "baseline": self.baseline,
            "cohort_size": self.cohort_size,
            "population": self.population,
            "detail": self.detail,
        }


@dataclass
class PackRun:
    """What one pack did: its parameters, how many rows it returned, and why it may have skipped."""

    pack: Pack
    params: dict[str, Any]
    facts: list[Fact]
    rows: int = 0
    kept: int = 0  # how many of its facts survive the per-pack limit
    skipped: str | None = None


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


# Runs a pack and returns its checked output (packs.run_pack, or campaign.spark's runner).
PackRunner = Callable[[duckdb.DuckDBPyConnection, Pack, dict[str, Any]], duckdb.DuckDBPyRelation]


def collect_facts(
    ws: Workspace,
    pack: Pack,
    params: dict[str, Any],
    year: int | None,
    run: PackRunner = run_pack,
) -> PackRun:
    """Run one pack and turn its rows into facts within the campaign period; a pack the engine
    cannot run is skipped with the reason."""
    missing = [t for t in pack.needs if t not in ws.tables]
    if missing:
        return PackRun(
            pack, params, [], skipped=f"needs {', '.join(missing)}, which the data lacks"
        )
    with pack_scope(ws.con, pack.audience):
        try:
            if ws.cache is None:
                relation = run(ws.con, pack, params)
            else:  # the rows of this query and these parameters, run once per workspace
                key = pack_key(pack.sql, pack.audience, params, repr(ws.events))
                relation = ws.cache.pack_rows(key, lambda: run(ws.con, pack, params))
        except PackSkipped as exc:
            return PackRun(pack, params, [], skipped=str(exc))
        columns = relation.columns
        rows = relation.fetchall()
    public = _public_names(ws) if "playlists" in pack.needs else frozenset()
    facts = []
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        if year is not None and not (
            record["period_start"].year == year and record["period_end"].year == year
        ):
            continue
        detail = dict(record.get("detail") or {})
        _screen_user_text(pack, record, detail, public)
        facts.append(
            Fact(
                pack=pack.name,
                audience=pack.audience,
                copy_family=pack.copy,
                market=record["market"],
                period_start=record["period_start"],
                period_end=record["period_end"],
                event_id=record["event_id"],
                subject_kind=record["subject_kind"],
                subject_id=str(record["subject_id"]),
                subject_name=record["subject_name"],
                artist_name=record["artist_name"],
                measure=record["measure"],
                value=_number(record["value"]),
                baseline=_number(record["baseline"]),
                cohort_size=_number(record["cohort_size"]),
                population=_number(record["population"]),
                detail=detail,
            )
        )
    _flag_sensitive(ws, facts)
    return PackRun(pack, params, facts, rows=len(rows))


def _public_names(ws: Workspace) -> frozenset[str]:
    """The catalogue's artist names of two words or more ("Taylor Swift"): a playlist title may
    name them without naming a private person. One-word names stay out, so a first name that is
    also an artist ("Adele") still counts towards a personal name."""
    rows = ws.con.execute(
        "SELECT DISTINCT artist_name FROM track_names WHERE artist_name LIKE '% %'"
    ).fetchall()
    return frozenset(name for (name,) in rows if name)


def _screen_user_text(
    pack: Pack, record: dict[str, Any], detail: dict[str, Any], public: frozenset[str]
) -> None:
    """Withhold a listener's text that holds personal data (campaign/pii): the title becomes a
    placeholder here, before any output sees it, and `detail.pii` makes the privacy gate fail it.
    `public` are the catalogue's artist names, which are not personal data."""
    kinds: list[str] = []
    subject = record["subject_name"]
    if record["subject_kind"] in USER_TEXT_KINDS and (hits := find_pii(subject, public)):
        kinds += hits
        record["subject_name"] = placeholder(hits)
        key = f"{pack.name}|{record['market']}|{record['subject_id']}"
        record["subject_id"] = "withheld:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    if "playlists" in pack.needs:  # extras taken from titles (a context word, a rival title)
        for name, value in detail.items():
            if isinstance(value, str) and (hits := find_pii(value, public)):
                kinds += hits
                detail[name] = placeholder(hits)
    if kinds:
        detail["pii"] = [kind for kind in KINDS if kind in kinds]


def _flag_sensitive(ws: Workspace, facts: list[Fact]) -> None:
    """Mark facts about tracks the catalog flags as sensitive, for the privacy gate."""
    ids = sorted({f.subject_id for f in facts if f.subject_kind == "track"})
    if not ids or "tracks" not in ws.tables:
        return
    flagged = {
        row[0]
        for row in ws.con.execute(
            "SELECT DISTINCT track_id FROM tracks "
            "WHERE sensitive AND track_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
    }
    for fact in facts:
        if fact.subject_kind == "track" and fact.subject_id in flagged:
            fact.detail["sensitive"] = True
