"""review.json: the reviewers' decisions (fact id → approved | rejected, note, time).

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
