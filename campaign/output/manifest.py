"""manifest.json (DESIGN.md, "Outputs"): the one module that writes it and reads it back.

The manifest records every candidate with its query, parameters, scores and their inputs, privacy
verdict, copy and images, and the settings that made them: the score weights and the theme file
the run used, so an export or a gallery of an old run shows what that run did, not today's code.
Nothing written here holds a user id, an exact timestamp or a raw row: only facts, scores, copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from campaign import __version__
from campaign.errors import InputError
from campaign.noise.differencing import reason_kind
from campaign.resources import bundled_dir

if TYPE_CHECKING:  # the writer's inputs; the reader stays light, so `campaign serve` starts at once
    from campaign.facts import PackRun
    from campaign.scoring import Candidate, FactsResult

MANIFEST_FILE = "manifest.json"


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def candidate_record(candidate: Candidate) -> dict[str, Any]:
    """One candidate as the manifest and `campaign facts --json` show it."""
    fact = candidate.fact
    return {
        "id": candidate.id,
        "pack": fact.pack,
        "audience": fact.audience,
        "rank": candidate.rank,
        **fact.columns(),
        "event": None
        if candidate.event is None
        else {
            "id": candidate.event.event_id,
            "name": candidate.event.names,
            "kind": candidate.event.kind,
        },
        "scores": {name: score.to_json() for name, score in candidate.scores.items()},
        "privacy": {
            "passed": candidate.verdict.passed,
            "verdict": candidate.verdict.status,
            "reasons": list(candidate.verdict.reasons),
            "budget_share": fact.detail.get("dp_rho"),
        },
        "copy": {
            locale: {
                "headline": c.headline,
                "signoff": c.signoff,
                "emphasis": [list(span) for span in c.emphasis],
                "variant": c.variant,
            }
            for locale, c in candidate.copy.items()
        },
        "missing_copy": list(candidate.missing_copy),
        "images": candidate.images,
        "series": candidate.series,
        "thumbs": candidate.thumbs,
        "theme": candidate.theme,
    }


def _pack_record(run: PackRun, root: Path) -> dict[str, Any]:
    path = run.pack.path.resolve()
    for base in (root, bundled_dir("queries").parent):
        if path.is_relative_to(base):
            query = str(path.relative_to(base))
            break
    else:
        query = str(path)
    return {
        "name": run.pack.name,
        "title": run.pack.title,
        "audience": run.pack.audience,
        "query": query,
        "params": run.params,
        "rows": run.rows,
        "kept": run.kept,
        "skipped": run.skipped,
    }


def missing_translations(candidates: Sequence[Candidate]) -> list[dict[str, str]]:
    """Each (copy family, locale) some candidate needed and no template offers, once."""
    pairs = {(c.fact.copy_family, locale) for c in candidates for locale in c.missing_copy}
    return [{"family": family, "locale": locale} for family, locale in sorted(pairs)]


def build_manifest(
    result: FactsResult,
    theme_paths: dict[str, Path | None] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a run; `theme_paths` maps each theme the run drew with (the campaign's
    `theme` among them) to its file; each candidate names its own in `theme`."""
    from campaign.scoring import WEIGHTS

    config = result.config
    root = config.root.resolve()
    packs = {run.pack.name: _pack_record(run, root) for run in result.runs}
    candidates = []
    for candidate in result.candidates:
        record = candidate_record(candidate)
        record["query"] = packs[candidate.fact.pack]["query"]
        record["params"] = packs[candidate.fact.pack]["params"]
        candidates.append(record)
    return {
        "campaign": {
            "name": config.name,
            "title": config.title,
            "year": config.year,
            "locales": list(config.locales),
            "missing_translations": missing_translations(result.candidates),
            "formats": list(config.formats),
            "theme": config.theme,
            "theme_path": _path_text((theme_paths or {}).get(config.theme)),
            "themes": {name: _path_text(p) for name, p in (theme_paths or {}).items()},
            "weights": dict(WEIGHTS),
            "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "tool_version": __version__,
        },
        "privacy": vars(config.privacy),
        "privacy_summary": privacy_summary(result),
        "data": result.data_summary,
        "packs": list(packs.values()),
        "candidates": candidates,
        **(extra or {}),
    }


def _path_text(path: Path | None) -> str | None:
    return None if path is None else str(path.resolve())


def privacy_summary(result: FactsResult) -> dict[str, Any]:
    """Candidates by verdict and by reason, with the release's budget and what it withheld."""
    by_status: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for candidate in result.candidates:
        verdict = candidate.verdict
        by_status[verdict.status] = by_status.get(verdict.status, 0) + 1
        if not verdict.passed:
            for reason in verdict.reasons:
                # by kind: "cohort of N listeners …"; a fact's hex id is not a number
                kind = re.sub(r"\b\d[\d,.]*\b", "N", reason_kind(reason))
                by_reason[kind] = by_reason.get(kind, 0) + 1
    return {
        **result.data_summary.get("privacy", {}),
        "below_policy": list(result.config.below_policy),
        "candidates_by_verdict": by_status,
        "rejected_by_reason": by_reason,
        "why_empty": why_empty(result),
    }


def why_empty(result: FactsResult) -> str | None:
    """Why a run has no candidate, for the gallery and the terminal; None when it has some. An
    empty gallery is otherwise read as a broken tool, when on small data it is the privacy
    policy at work: the DP release withholds each fact its noise would swamp."""
    from campaign.noise import OVER_BUDGET, TOO_NOISY  # the manifest's reader stays light

    if result.candidates:
        return None
    skipped = sum(1 for run in result.runs if run.skipped)
    withheld = sorted(
        (result.data_summary.get("privacy", {}).get("withheld") or {}).items(),
        key=lambda kv: (-kv[1], kv[0]),
    )
    found = sum(n for _, n in withheld)
    if not found:
        unrun = f" ({skipped} did not run on Spark: see the warnings)" if skipped else ""
        return f"No candidates: no pack that ran found a fact in this data{unrun}."
    reasons = "; ".join(f"{n} {reason}" for reason, n in withheld)
    sentence = f"No candidates: the DP release withheld all {found} facts found ({reasons})."
    if any(reason.startswith(TOO_NOISY) for reason, _ in withheld):
        sentence += (
            " Its noise swamps cohorts this small: more listeners or a longer period give facts"
            " that outlast it."
        )
    if any(reason == OVER_BUDGET for reason, _ in withheld):
        sentence += " Its budget (epsilon_total) ran out before the lower-ranked facts."
    return sentence


def write_manifest(stage: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=_json_default)
    (stage / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def write_facts_parquet(stage: Path, manifest: dict[str, Any]) -> None:
    """facts.parquet: one row per candidate; nested parts (detail, scores, copy) as JSON text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    nested = (
        "detail",
        "event",
        "scores",
        "privacy",
        "copy",
        "images",
        "thumbs",
        "params",
        "series",
    )
    rows = []
    for record in manifest["candidates"]:
        row = {k: v for k, v in record.items() if k not in nested}
        row["value"] = float(record["value"])
        row["baseline"] = None if record["baseline"] is None else float(record["baseline"])
        row["privacy_passed"] = record["privacy"]["passed"]
        row["privacy_reasons"] = "; ".join(record["privacy"]["reasons"])
        for name, score in record["scores"].items():
            row[f"score_{name}"] = score["value"]
        for key in nested:
            row[key] = json.dumps(record[key], ensure_ascii=False, default=_json_default)
        rows.append(row)
    table = pa.Table.from_pylist(rows) if rows else pa.table({"id": pa.array([], pa.string())})
    pq.write_table(table, stage / "facts.parquet", compression="zstd")


def output_dir(path: Path) -> Path:
    """A campaign's output folder, from its campaign.toml or the folder itself."""
    from campaign.config import load_config

    if path.is_file() and path.suffix == ".toml":
        path = load_config(path).out_dir
    if not (path / MANIFEST_FILE).is_file():
        raise InputError(f"is not a campaign output folder (it has no {MANIFEST_FILE})", path)
    return path


@dataclass(frozen=True)
class Manifest:
    """A run's manifest.json as read back: the parts later stages rely on, checked and typed.

    `data` is the whole document as written (the gallery and `approved.json` show it as is).
    """

    path: Path
    data: dict[str, Any]
    name: str
    formats: list[str]
    locales: list[str]
    theme: str
    theme_path: Path | None
    candidates: list[dict[str, Any]]
    theme_paths: dict[str, Path] = field(default_factory=dict)  # every theme the run drew with

    @property
    def campaign(self) -> dict[str, Any]:
        return self.data["campaign"]

    def privacy_passed(self) -> dict[str, bool]:
        """Each candidate's privacy verdict by id: what the review may approve."""
        return {str(c["id"]): bool((c.get("privacy") or {}).get("passed")) for c in self.candidates}

    def candidate(self, id_prefix: str) -> dict[str, Any]:
        """The one candidate whose id starts with `id_prefix`."""
        found = [c for c in self.candidates if str(c["id"]).startswith(id_prefix)]
        if not found:
            raise InputError(f"no candidate has an id starting with '{id_prefix}'", self.path)
        if len(found) > 1:
            raise InputError(
                f"{len(found)} candidates have an id starting with '{id_prefix}'; give more of it",
                self.path,
            )
        return found[0]


def load_manifest(out_dir: Path) -> Manifest:
    """Read `out_dir/manifest.json`; an unreadable or incomplete one is one clear error."""
    path = out_dir / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{MANIFEST_FILE} is missing", path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the manifest ({exc})", path) from None
    try:
        campaign = data["campaign"]
        candidates = list(data["candidates"])
        if not all(isinstance(c, dict) and "id" in c for c in candidates):
            raise InputError("the manifest has a candidate without an id", path)
        theme_path = campaign.get("theme_path")
        return Manifest(
            path=path,
            data=data,
            name=str(campaign["name"]),
            formats=[str(f) for f in campaign.get("formats", [])],
            locales=[str(locale) for locale in campaign.get("locales", [])],
            theme=str(campaign.get("theme", "default")),
            theme_path=None if theme_path is None else Path(theme_path),
            candidates=candidates,
            theme_paths={
                str(k): Path(v) for k, v in (campaign.get("themes") or {}).items() if v is not None
            },
        )
    except (KeyError, TypeError, AttributeError):
        raise InputError("the manifest has no campaign name or candidate list", path) from None


class ManifestWatch:
    """A run's candidate ids and privacy verdicts, re-read whenever its manifest.json changes.

    `campaign serve` keeps one: a re-run swaps a new manifest in while reviewers work.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self._signature: tuple[int, int, int] | None = None
        self.name = ""
        self.passed: dict[str, bool] = {}

    def refresh(self) -> None:
        path = self.out_dir / MANIFEST_FILE
        try:
            st = path.stat()
        except OSError:
            raise InputError(f"{MANIFEST_FILE} is missing", path) from None
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if signature == self._signature:
            return
        manifest = load_manifest(self.out_dir)
        self.name, self.passed = manifest.name, manifest.privacy_passed()
        self._signature = signature
