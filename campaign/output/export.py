"""`campaign export`: the approved set, ready for print and for legal and translation review.

It reads the reviewers' decisions (review.json) and writes, aside and then swapped in whole:

    <dest>/billboards/     every approved fact × format × locale, rendered if the run had not
    <dest>/copy-sheet.csv  one row per approved fact × locale: the words, the fact, the verdict
    <dest>/approved.json   the approved candidates as the manifest has them
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.billboard_copy import BillboardCopy
from campaign.errors import InputError
from campaign.output.folder import (
    EXPORT_FOLDER,
    check_replaceable,
    drop_stale_billboards,
    staged,
)
from campaign.output.manifest import Manifest, load_manifest
from campaign.output.review import REVIEW_FILE, load_decisions
from campaign.output.safe_text import sheet_cell
from campaign.render import Theme, load_theme, render_all

SHEET_COLUMNS = (
    "id", "pack", "market", "period_start", "period_end", "event", "locale", "variant",
    "headline", "signoff", "subject_name", "artist_name", "measure", "value", "baseline",
    "privacy", "reviewer_note",
)  # fmt: skip


@dataclass
class ExportResult:
    dest: Path
    approved: int
    billboards: int
    rendered: int  # of those, drawn now because the run had not shortlisted them


def _copy_of(record: dict[str, Any], locale: str) -> BillboardCopy:
    words = record["copy"][locale]
    spans = tuple(tuple(span) for span in words["emphasis"])
    return BillboardCopy(words["headline"], words["signoff"], locale, spans, words["variant"])


def run_theme(manifest: Manifest, name: str | None = None) -> Theme:
    """The theme the run drew a candidate with (`name`, default the campaign's): the file it
    recorded, so a campaign's own theme is kept.

    A manifest written before the path was recorded names only the theme, looked up as a built-in.
    """
    name = name or manifest.theme
    path = manifest.theme_paths.get(name) or (
        manifest.theme_path if name == manifest.theme else None
    )
    if path is None:
        return load_theme(name)
    if not path.is_file():
        raise InputError(
            f"the theme file this run was drawn with, {path}, is gone; "
            "restore it or re-run the campaign",
            manifest.path,
        )
    return load_theme(path)


def export_approved(out_dir: Path, dest: Path, workers: int = 2) -> ExportResult:
    """Export every approved candidate of a campaign output folder to `dest`."""
    check_replaceable(dest, EXPORT_FOLDER)  # refused before any work, not after it
    manifest = load_manifest(out_dir)
    decisions = load_decisions(out_dir)
    approved_ids = [i for i, d in decisions.items() if d["decision"] == "approved"]
    if not approved_ids:
        raise InputError("holds no approved candidate; approve some in the gallery first", out_dir)
    by_id = {c["id"]: c for c in manifest.candidates}
    unknown = [i for i in approved_ids if i not in by_id]
    if unknown:
        raise InputError(
            f"review.json approves {unknown[0]}, which this run did not find (re-run or re-review)",
            out_dir / "review.json",
        )
    approved = [by_id[i] for i in approved_ids]
    blocked = [c["id"] for c in approved if not c["privacy"]["passed"]]
    if blocked:
        raise InputError(
            f"review.json approves {blocked[0]}, which failed the privacy gate; it cannot be "
            "exported",
            out_dir / "review.json",
        )
    themes = {name: run_theme(manifest, name) for name in {c.get("theme") for c in approved}}
    formats = manifest.formats
    with staged(dest, EXPORT_FOLDER) as stage:
        (stage / "billboards").mkdir(exist_ok=True)
        jobs, keep, copied = [], set(), 0
        for record in approved:
            for locale in record["copy"]:
                for fmt in formats:
                    name = f"{record['id']}-{fmt}-{locale}.png"
                    keep.add(name)
                    existing = record["images"].get(fmt, {}).get(locale)
                    if existing and (out_dir / existing).is_file():
                        shutil.copyfile(out_dir / existing, stage / "billboards" / name)
                        copied += 1
                    else:
                        jobs.append(
                            (
                                _copy_of(record, locale),
                                fmt,
                                themes[record.get("theme")],
                                stage / "billboards" / name,
                            )
                        )
        failed = [r for r in render_all(jobs, workers=workers) if r.status == "failed"]
        if failed:
            raise InputError(f"an approved billboard cannot be drawn: {failed[0].error}", out_dir)
        drop_stale_billboards(stage, keep)
        settings = manifest.data.get("privacy") or {}
        privacy = manifest.data.get("privacy_summary") or {"noise": settings.get("noise")}
        _write_sheet(stage / "copy-sheet.csv", approved, decisions, noise_label(privacy))
        shutil.copyfile(out_dir / REVIEW_FILE, stage / REVIEW_FILE)  # decisions and their log
        (stage / "approved.json").write_text(
            json.dumps({"campaign": manifest.campaign, "privacy": privacy,
                        "candidates": approved}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )  # fmt: skip
    return ExportResult(dest, len(approved), copied + len(jobs), len(jobs))


def noise_label(privacy: dict[str, Any]) -> str:
    """How the numbers were published, for legal: raw counts are an explicit choice, said so."""
    if privacy.get("noise") == "dp":
        return (
            f"differential privacy (noise = dp, epsilon {privacy.get('epsilon_total')}, "
            f"delta {privacy.get('delta')})"
        )
    return "raw counts: no differential privacy (noise = none)"


def _write_sheet(
    path: Path, approved: list[dict[str, Any]], decisions: dict[str, Any], noise: str
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        for record in approved:
            event = record.get("event") or {}
            for locale, words in record["copy"].items():
                row = {
                    **{k: record.get(k) for k in SHEET_COLUMNS if k in record},
                    "event": (event.get("name") or {}).get(locale)
                    or (event.get("name") or {}).get("en", ""),
                    "locale": locale,
                    "variant": words["variant"],
                    "headline": words["headline"],
                    "signoff": words["signoff"],
                    "privacy": "; ".join([noise, *record["privacy"]["reasons"]]),
                    "reviewer_note": decisions[record["id"]].get("note", ""),
                }
                writer.writerow({k: sheet_cell(v) for k, v in row.items()})
