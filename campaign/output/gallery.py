"""The review gallery: one self-contained index.html that works opened from disk.

It shows every candidate (image, copy, scores with their inputs, privacy verdict and reasons).
Decisions are kept in the browser (localStorage) and saved as review.json with the page's
"Download review.json" button; an existing review.json beside the page is embedded at build time.
Only what the manifest holds reaches the page: no user id, exact timestamp or raw row.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from campaign.errors import TemplateError
from campaign.output.chart import chart_legend, chart_svg
from campaign.output.review import load_decisions, stale_decisions
from campaign.resources import template_search_path

GALLERY_TEMPLATE = "gallery/index.html.j2"

PANEL_OPEN = 5  # a panel of more items than this starts closed

# The card shows one billboard; prefer a landscape format (it matches the card), then the rest.
THUMBNAIL_FORMATS = ("dooh-landscape", "48-sheet", "square", "6-sheet", "dooh-portrait")

_LABELS = {
    "model": "Model",
    "expected": "Expected",
    "variance": "Variance",
    "p_value": "Chance by luck (p)",
    "significance": "Significance",
    "ratio": "Times expected",
    "effect": "Effect size",
    "tail_share": "Share this high",
    "typical": "Typical",
    "why": "Why",
    "event": "Event",
    "popularity_rank": "Popularity rank",
    "market_subjects": "Subjects in market",
    "recognisable": "Recognisable",
    "theme": "Theme match",
    "k_min": "Smallest cohort (k_min)",
    "cohort_size": "Cohort size",
    "market_population": "Market listeners",
    "individual_min_population": "Listener floor",
    "weights": "Weights",
}


def emphasised_html(headline: str, spans: list[list[int]]) -> Markup:
    """The headline with its emphasised spans wrapped in <mark>, everything else escaped."""
    parts: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        start = max(start, cursor)
        if end <= start:
            continue
        parts.append(str(escape(headline[cursor:start])))
        parts.append(f"<mark>{escape(headline[start:end])}</mark>")
        cursor = end
    parts.append(str(escape(headline[cursor:])))
    return Markup("".join(parts))


def format_number(value: Any) -> str:
    """1234567 → 1,234,567; large floats rounded to whole numbers, small ones to 2 decimals."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def _p_value(value: float) -> str:
    if value <= 0:
        return "< 1 in 10³⁰⁰ (practically never)"
    if value >= 0.01:
        return f"{value:.2f}"
    exponent = math.floor(math.log10(value))
    digits = str(-exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"≈ 1 in 10{digits}" if exponent < -6 else f"≈ 1 in {round(1 / value):,}"


def _input_text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "p_value" and isinstance(value, int | float):
        return _p_value(float(value))
    if key == "ratio" and isinstance(value, int | float):
        return f"{value:,.1f}×" if value < 100 else f"{round(value):,}×"
    if key == "tail_share" and isinstance(value, int | float):
        return f"{value:.2%}" if value >= 0.0001 else f"{value:.1e}"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_input_text(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_input_text(key, v) for v in value)
    return str(value)


def score_rows(name: str, inputs: Any) -> list[tuple[str, str]]:
    """A score's inputs as (label, readable value) rows."""
    if not isinstance(inputs, dict):
        return [("Inputs", _input_text(name, inputs))]
    rows: list[tuple[str, str]] = []
    inputs = dict(inputs)
    if "popularity_rank" in inputs and inputs.get("market_subjects"):
        rank, total = inputs.pop("popularity_rank"), inputs.pop("market_subjects")
        rank_text = f"#{format_number(rank)}" if rank is not None else "—"
        rows.append(("Popularity rank", f"{rank_text} of {format_number(total)} in the market"))
    for key, value in inputs.items():
        if key == "weights" and isinstance(value, dict):  # the weights the run used
            text = " + ".join(f"{w:.0%} {n}" for n, w in value.items())
            rows.append(("Weighted sum", f"{text}, then re-ranked for variety"))
            continue
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        rows.append((label, _input_text(key, value)))
    return rows


def market_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        name = Locale("en").territories.get(str(code).upper())
    except Exception:
        name = None
    return f"{name} ({code})" if name and name != code else str(code)


def _day(text: Any) -> str:
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return f"{day:%A} {day.day} {day:%B %Y}"


def fact_words(c: dict[str, Any]) -> str:
    """The fact in one plain sentence: what, how much vs expected, where, when, which event."""
    subject = str(c.get("subject_name") or c.get("subject_kind") or "This")
    if c.get("artist_name"):
        subject += f" by {c['artist_name']}"
    who = "one listener" if c.get("audience") == "individual" else ""
    value = f"{format_number(c.get('value'))} {c.get('measure') or ''}".strip()
    sentence = f"{subject}: {value}" + (f" by {who}" if who else "")
    start, end = c.get("period_start"), c.get("period_end")
    if start and end and start != end:
        sentence += f" from {_day(start)} to {_day(end)}"
    elif start:
        sentence += f" on {_day(start)}"
    event = c.get("event")
    if isinstance(event, dict) and event.get("name"):
        names = event["name"]
        name = names.get("en") or next(iter(names.values()), "") if isinstance(names, dict) else ""
        if name:
            sentence += f" ({name})"
    if c.get("market"):
        sentence += f" in {market_name(c['market'])}"
    sentence += "."
    baseline = c.get("baseline")
    if (
        isinstance(baseline, int | float)
        and baseline > 0
        and isinstance(c.get("value"), int | float)
    ):
        ratio = c["value"] / baseline
        times = f"{ratio:,.1f}×" if ratio < 100 else f"{round(ratio):,}×"
        sentence += f" That is {times} the {format_number(baseline)} expected."
    extras = []
    if c.get("cohort_size") is not None:
        extras.append(f"a cohort of {format_number(c['cohort_size'])} listeners")
    if c.get("population") is not None:
        span = "that day" if c["period_start"] == c["period_end"] else "in the period"
        extras.append(f"{format_number(c['population'])} active listeners {span}")
    if extras:
        sentence += " Based on " + " and ".join(extras) + "."
    return sentence


def _primary(mapping: dict[str, Any], preferred: list[str] | tuple[str, ...]) -> Any:
    for key in preferred:
        if key in mapping:
            return key
    return next(iter(mapping), None)


def thumbnail(
    c: dict[str, Any], locales: list[str] | None = None, kind: str = "images"
) -> str | None:
    """The relative path of the billboard the card shows (a landscape format when there is one):
    its full PNG (`kind="images"`) or its small WebP (`kind="thumbs"`, None when it has none)."""
    images = c.get("images") or {}
    fmt = _primary(images, THUMBNAIL_FORMATS)
    if fmt is None or not images[fmt]:
        return None
    locale = _primary(images[fmt], locales or [])
    chosen: str | None = ((c.get(kind) or {}).get(fmt) or {}).get(locale)
    return chosen


def copy_locales(c: dict[str, Any], locales: list[str] | None = None) -> list[str]:
    """The candidate's copy locales, the campaign's order first."""
    copies = c.get("copy") or {}
    ordered = [loc for loc in locales or [] if loc in copies]
    return ordered + [loc for loc in copies if loc not in ordered]


def _script_json(value: Any) -> Markup:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def _environment(search_path: list[Path]) -> SandboxedEnvironment:
    dirs = search_path or template_search_path(None)
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
    )
    env.filters["emphasised"] = emphasised_html
    env.filters["number"] = format_number
    env.filters["script_json"] = _script_json
    env.filters["market_name"] = market_name
    env.globals.update(
        fact_words=fact_words,
        score_rows=score_rows,
        thumbnail=thumbnail,
        copy_locales=copy_locales,
        chart_svg=chart_svg,
        chart_legend=chart_legend,
        PANEL_OPEN=PANEL_OPEN,
    )
    return env


def write_gallery(stage: Path, manifest: dict[str, Any], search_path: list[Path]) -> Path:
    decisions = load_decisions(stage)
    try:
        template = _environment(search_path).get_template(GALLERY_TEMPLATE)
        html = template.render(
            manifest=manifest,
            campaign=manifest["campaign"],
            candidates=manifest["candidates"],
            packs=manifest["packs"],
            review_json=_script_json(decisions),
            stale=stale_decisions(decisions, {str(c["id"]) for c in manifest["candidates"]}),
        )
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"template syntax error: {exc.message}", exc.filename, exc.lineno
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"the gallery template failed: {exc}", GALLERY_TEMPLATE) from None
    path = stage / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
