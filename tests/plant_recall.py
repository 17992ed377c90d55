"""Did find_facts rank each planted fact where it must? One check for every recall test."""

from __future__ import annotations

from campaign.run import FactsResult

TOP = 20  # a planted anomaly must rank in the top 20 of its pack


def recall_failures(result: FactsResult, truth: list[dict], top: int = TOP) -> list[str]:
    """One sentence per plant that find_facts got wrong: an anomaly outside the top `top` of its
    pack or with another value, a removed listener's fact surfaced, a decoy ranked as a spike."""
    by_pack: dict[str, list] = {}
    for candidate in result.candidates:  # already in rank order
        by_pack.setdefault(candidate.fact.pack, []).append(candidate)
    failures = []
    for plant in truth:
        found = [
            c
            for c in by_pack.get(plant["kind"], [])[:top]
            if c.fact.market == plant["market"]
            and c.fact.period_start.isoformat() == plant["day"]
            and c.fact.subject_name == plant["track_name"]
        ]
        if plant["role"] == "anomaly":
            if not found:
                failures.append(f"planted {plant} is not in the top {top} of {plant['kind']}")
            elif found[0].fact.value != plant["value"]:
                failures.append(f"planted {plant} was found as {found[0].fact.value}")
            # eligible, unless the differencing check caught it: the synthetic hook plants'
            # hooked listeners are nearly all of the track's listeners of the year, which a
            # second fact (market_contrast's cohort) publishes, singling out the few others
            elif not found[0].eligible and "differs by fewer than k_min" not in " ".join(
                found[0].verdict.reasons
            ):
                failures.append(f"planted {plant} is not eligible: {found[0].verdict.reasons}")
        elif plant["role"] in {"opted_out", "under_age"}:
            if any(
                c.fact.subject_name == plant["track_name"]
                and c.fact.period_start.isoformat() == plant["day"]
                for c in result.candidates
            ):
                failures.append(f"{plant['role']} listener surfaced: {plant}")
        elif any(c.fact.detail.get("novelty") != "release" for c in found):
            failures.append(f"decoy {plant} ranks as an anomaly")  # a release is told apart
    return failures
