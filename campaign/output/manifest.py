"""The output folder (DESIGN.md, "Outputs"): written aside, then swapped in whole.

An interrupted run leaves the previous output intact; the reviewers' `review.json` is carried over.
Nothing written here holds a user id, an exact timestamp or a raw row: only facts, scores, copy.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from campaign import __version__
from campaign.errors import InputError
from campaign.facts import PackRun
from campaign.pipeline import Candidate, FactsResult
from campaign.resources import bundled_dir
from campaign.output.review import REVIEW_FILE


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A staging folder beside `out_dir` that replaces it only when the block completes.

    The previous billboards are hard-linked into the stage so unchanged ones need not be redrawn;
    the renderer replaces files by rename, so the old output's files are never written through.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.parent.glob(f".{out_dir.name}.stage-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from an interrupted run
    stage = out_dir.parent / f".{out_dir.name}.stage-{os.getpid()}"
    stage.mkdir()
    try:
        if (out_dir / "billboards").is_dir():
            shutil.copytree(out_dir / "billboards", stage / "billboards", copy_function=os.link)
        if (out_dir / REVIEW_FILE).is_file():
            shutil.copy2(out_dir / REVIEW_FILE, stage / REVIEW_FILE)
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if (out_dir / REVIEW_FILE).is_file():
        # reviewers may have saved decisions (campaign serve) while this run was working
        shutil.copy2(out_dir / REVIEW_FILE, stage / REVIEW_FILE)
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    stage.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


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
        "images": candidate.images,
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


def build_manifest(result: FactsResult, extra: dict[str, Any] | None = None) -> dict[str, Any]:
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
            "formats": list(config.formats),
            "theme": config.theme,
            "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "tool_version": __version__,
        },
        "privacy": vars(config.privacy),
        "data": result.data_summary,
        "packs": list(packs.values()),
        "candidates": candidates,
        **(extra or {}),
    }


def write_manifest(stage: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=_json_default)
    (stage / "manifest.json").write_text(text + "\n", encoding="utf-8")


def write_facts_parquet(stage: Path, manifest: dict[str, Any]) -> None:
    """facts.parquet: one row per candidate; nested parts (detail, scores, copy) as JSON text."""
    nested = ("detail", "event", "scores", "privacy", "copy", "images", "params")
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


def drop_stale_billboards(stage: Path, keep: set[str]) -> None:
    """Billboards carried over from the last run that are no longer wanted: drop them."""
    folder = stage / "billboards"
    if folder.is_dir():
        for path in folder.glob("*.png"):
            if path.name not in keep:
                path.unlink()


def output_dir(path: Path) -> Path:
    """A campaign's output folder, from its campaign.toml or the folder itself."""
    from campaign.config import load_config

    if path.is_file() and path.suffix == ".toml":
        path = load_config(path).out_dir
    if not (path / "manifest.json").is_file():
        raise InputError("is not a campaign output folder (it has no manifest.json)", path)
    return path


def load_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the manifest ({exc})", out_dir / "manifest.json") from None
