"""`campaign explain`: why a candidate ranks where it does, read back from a run's manifest.

A library call, so a notebook can explain a fact the way the CLI does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from campaign.output.manifest import load_manifest
from campaign.output.review import load_decisions


def _inline(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def explain(out_dir: Path, id_prefix: str) -> list[str]:
    """The lines that explain one candidate: its fact, copy, scores with inputs, privacy, query."""
    c = load_manifest(out_dir).candidate(id_prefix)
    event = f" · {c['event']['name']['en']}" if c["event"] else ""
    lines = [f"#{c['rank']} {c['id']}  {c['pack']} · {c['market']} · {c['period_start']}{event}"]
    lines += [f"  {loc}: {w['headline']} / {w['signoff']}" for loc, w in c["copy"].items()]
    lines.append(
        f"  {c['subject_name']}: {c['value']:,} {c['measure']} vs {c['baseline']} expected;"
        f" cohort {c['cohort_size']}, population {c['population']}"
    )
    lines += [
        f"  {name} {score['value']:.3f} {_inline(score['inputs'])}"
        for name, score in c["scores"].items()
    ]
    verdict = "passes" if c["privacy"]["passed"] else "fails"
    lines.append(f"  privacy {verdict}: " + "; ".join(c["privacy"]["reasons"]))
    lines.append(f"  query {c['query']} with {_inline(c['params'])}")
    decision = load_decisions(out_dir).get(c["id"])
    lines.append(f"  review: {decision['decision'] if decision else 'not reviewed yet'}")
    return lines
