"""review.json: the reviewers' decisions (fact id → approved | rejected, note, who, when) and the
decision log (every decision and clearing, in order, never rewritten).

Read by the gallery, `campaign serve`, `explain` and `export`; kept light (no pipeline imports) so
the review server starts at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from campaign.errors import InputError

REVIEW_FILE = "review.json"
DECISIONS = ("approved", "rejected")


def read_review(folder: Path) -> dict[str, Any]:
    """review.json as it is on disk ({} when there is none); one that cannot be read is an error,
    so that nobody's decisions are overwritten by accident."""
    path = folder / REVIEW_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror}); fix or remove it", path) from None
    try:
        review = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"is not valid JSON ({exc}); fix or remove it", path) from None
    if not isinstance(review, dict) or not isinstance(review.get("decisions", {}), dict):
        raise InputError("has no 'decisions' object; fix or remove it", path)
    return review


def load_decisions(folder: Path) -> dict[str, dict[str, Any]]:
    """The well-formed decisions by fact id (empty when nobody has reviewed yet)."""
    return {
        str(k): v
        for k, v in read_review(folder).get("decisions", {}).items()
        if isinstance(v, dict) and v.get("decision") in DECISIONS
    }


MAX_REVIEWER = 80  # characters of a reviewer's name kept


def record_decision(
    review: dict[str, Any],
    fact_id: str,
    decision: str | None,
    note: str,
    reviewer: str,
    time: str,
) -> dict[str, Any] | None:
    """Set (or clear, for None) one fact's decision in `review` and append it to the log.

    Decisions are kept per fact id, so two reviewers deciding different facts never overwrite
    each other, and the log keeps what both did to the same fact. Returns the entry written."""
    decisions = dict(review.get("decisions", {}))
    reviewer = reviewer.strip()[:MAX_REVIEWER]
    entry = None
    if decision is None:
        decisions.pop(fact_id, None)
    else:
        entry = {"decision": decision, "note": note, "time": time, "reviewer": reviewer}
        decisions[fact_id] = entry
    log = review.get("log")
    logged = {"id": fact_id, "decision": decision, "reviewer": reviewer, "time": time}
    review["log"] = [*(log if isinstance(log, list) else []), logged]
    review["decisions"] = dict(sorted(decisions.items()))
    return entry


def stale_decisions(
    decisions: dict[str, dict[str, Any]], fact_ids: set[str]
) -> dict[str, dict[str, Any]]:
    """Decisions about facts this run no longer has: listed for the reviewers, never deleted."""
    return {k: v for k, v in sorted(decisions.items()) if k not in fact_ids}
