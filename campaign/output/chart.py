"""A card's chart as inline SVG, drawn from the `series` the manifest carries (campaign.series).

No chart library and no network: the gallery opened from disk or printed shows the same picture.
Every drawn point carries its number (`data-value`, `data-day`, `data-q`) so that a reader, and the
browser tests, can check the picture against the manifest.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 120
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 6, 6, 14, 18
MAX_SLOT = 56  # the widest a bar's slot gets


def _number(value: float) -> str:
    if 0 < abs(value) < 0.01:  # a small share: two significant digits, not a rounded zero
        return f"{value:.2g}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _scale(low: float, high: float, size: float, pad: float, flip: bool) -> Any:
    span = (high - low) or 1.0

    def at(value: float) -> float:
        share = (value - low) / span
        return round(pad + (1 - share if flip else share) * size, 2)

    return at


def _frame(kind: str, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg class="chart" data-kind="{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def daily_svg(series: dict[str, Any]) -> Markup:
    """Daily counts, the baseline dashed, floor days hollow, the fact's day marked."""
    points = series["points"]
    values = [p["value"] if p["value"] is not None else p["floor"] for p in points]
    baseline = series.get("baseline")
    high = max([v for v in values if v is not None] + ([baseline] if baseline else []) + [1.0])
    x = _scale(0, max(len(points) - 1, 1), WIDTH - PAD_LEFT - PAD_RIGHT, PAD_LEFT, False)
    y = _scale(0, high, HEIGHT - PAD_TOP - PAD_BOTTOM, PAD_TOP, True)
    body: list[str] = []
    line = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values) if v is not None)
    body.append(f'<polyline class="line" points="{line}"/>')
    if baseline is not None:
        body.append(
            f'<line class="baseline" data-value="{baseline}" x1="{PAD_LEFT}" '
            f'x2="{WIDTH - PAD_RIGHT}" y1="{y(baseline)}" y2="{y(baseline)}"/>'
        )
    for i, (point, value) in enumerate(zip(points, values, strict=True)):
        if value is None:
            continue
        event = point["day"] == series["day"]
        censored = point["value"] is None
        css = "pt" + (" floor" if censored else "") + (" event" if event else "")
        # 57 points a chart and 1,000 cards: each point carries only its day and number (the
        # size is CSS); a floor day says so in its own tooltip
        tip = (
            f"<title>{escape(point['day'])}: below the chart floor of {_number(value)}</title>"
            if censored
            else ""
        )
        below = ' data-below-floor="true"' if censored else ""
        body.append(
            f'<circle class="{css}" data-day="{escape(point["day"])}" '
            f'data-value="{escape(value)}"{below} cx="{x(i)}" cy="{y(value)}">{tip}</circle>'
        )
        if event:
            body.append(
                f'<line class="day" x1="{x(i)}" x2="{x(i)}" y1="{PAD_TOP - 4}" '
                f'y2="{HEIGHT - PAD_BOTTOM}"/>'
                f'<text class="lbl" x="{min(x(i), WIDTH - 80)}" y="{PAD_TOP - 5}">'
                f"{escape(_number(value))} on the day</text>"
            )
    body.append(
        f'<text class="lbl" x="{PAD_LEFT}" y="{HEIGHT - 4}">{escape(points[0]["day"])}</text>'
        f'<text class="lbl end" x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 4}">'
        f"{escape(points[-1]['day'])}</text>"
    )
    return _frame("daily", body, chart_legend(series))


def distribution_svg(series: dict[str, Any]) -> Markup:
    """The market's quantiles as bars on a log scale, the fact's value as the last, bright bar."""
    quantiles = series["quantiles"]
    value = series["value"]
    high = max([q["value"] for q in quantiles] + [value, 1.0])
    slots = len(quantiles) + 1
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / slots
    # a log scale: a one-listener record is often dozens of times the market's p99.9, and on a
    # linear scale the market's bars would vanish
    linear = _scale(0, math.log10(1 + high), HEIGHT - PAD_TOP - PAD_BOTTOM, PAD_TOP, True)

    def y(number: float) -> float:
        return linear(math.log10(1 + max(number, 0.0)))

    body: list[str] = []
    bars = [(f"p{q['q'] * 100:g}", q["value"], q["q"], "q") for q in quantiles]
    bars.append(("this", value, None, "q fact"))
    for i, (label, number, q, css) in enumerate(bars):
        left = round(PAD_LEFT + i * slot + slot * 0.15, 2)
        top = y(number)
        data_q = "" if q is None else f' data-q="{q}"'
        body.append(
            f'<rect class="{css}"{data_q} data-value="{number}" x="{left}" y="{top}" '
            f'width="{round(slot * 0.7, 2)}" height="{round(HEIGHT - PAD_BOTTOM - top, 2)}">'
            f"<title>{escape(label)}: {escape(_number(number))}</title></rect>"
            f'<text class="lbl mid" x="{round(left + slot * 0.35, 2)}" y="{HEIGHT - 4}">'
            f"{escape(label)}</text>"
            f'<text class="lbl mid" x="{round(left + slot * 0.35, 2)}" y="{max(top - 3, 10)}">'
            f"{escape(_number(number))}</text>"
        )
    return _frame("distribution", body, chart_legend(series))


def _distribution_unit(series: dict[str, Any]) -> str:
    """What one counted cell is (`per`: the name older manifests gave a repeat fact's cell)."""
    unit = series.get("unit")
    return (
        str(unit)
        if unit
        else f"{series.get('measure')} of a track by one listener in a {series.get('per')}"
    )


def bars_svg(series: dict[str, Any]) -> Markup:
    """One bar per compared value on a linear scale, the fact's bar bright; a tick on a bar is
    what the pack expected of it, the dashed line one expected level for all."""
    bars = series["bars"]
    baseline = series.get("baseline")
    expected = [b.get("expected") for b in bars]
    high = max(
        [b["value"] for b in bars] + [e for e in expected if e is not None] + [baseline or 0, 1.0]
    )
    # a few bars keep a bar's width and stand in the middle, not stretched over the chart
    slot = min((WIDTH - PAD_LEFT - PAD_RIGHT) / len(bars), MAX_SLOT)
    start = PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT - slot * len(bars)) / 2
    y = _scale(0, high, HEIGHT - PAD_TOP - PAD_BOTTOM, PAD_TOP, True)
    # label every bar while they fit, else every n-th one and the fact's
    every = max(1, math.ceil((max(len(str(b["label"])) for b in bars) * 5 + 4) / slot))
    highlight = next((i for i, b in enumerate(bars) if b["label"] == series.get("highlight")), -1)
    body: list[str] = []
    for i, bar in enumerate(bars):
        left, width = round(start + i * slot + slot * 0.1, 2), round(slot * 0.8, 2)
        top = y(bar["value"])
        fact = i == highlight
        tip = f"{bar['label']}: {_number(bar['value'])}"
        if bar.get("expected") is not None:
            tip += f" (expected {_number(bar['expected'])})"
        body.append(
            f'<rect class="col{" fact" if fact else ""}" data-label="{escape(bar["label"])}" '
            f'data-value="{bar["value"]}" x="{left}" y="{top}" width="{width}" '
            f'height="{round(HEIGHT - PAD_BOTTOM - top, 2)}"><title>{escape(tip)}</title></rect>'
        )
        if bar.get("expected") is not None:
            body.append(
                f'<line class="expected" data-label="{escape(bar["label"])}" '
                f'data-value="{bar["expected"]}" x1="{left}" x2="{round(left + width, 2)}" '
                f'y1="{y(bar["expected"])}" y2="{y(bar["expected"])}"/>'
            )
        middle = round(left + width / 2, 2)
        # the fact's bar always, every n-th bar where its label cannot touch the fact's
        near_fact = highlight >= 0 and abs(i - highlight) < every
        if fact or (i % every == 0 and not near_fact):
            body.append(
                f'<text class="lbl mid" x="{middle}" y="{HEIGHT - 4}">{escape(bar["label"])}</text>'
            )
        if fact:
            body.append(
                f'<text class="lbl mid" x="{min(max(middle, 24), WIDTH - 24)}" '
                f'y="{max(top - 3, 10)}">{escape(_number(bar["value"]))}</text>'
            )
    if baseline is not None:
        body.append(
            f'<line class="baseline" data-value="{baseline}" x1="{PAD_LEFT}" '
            f'x2="{WIDTH - PAD_RIGHT}" y1="{y(baseline)}" y2="{y(baseline)}"/>'
        )
    return _frame("bars", body, chart_legend(series))


def chart_legend(series: dict[str, Any]) -> str:
    """What the chart shows, in words (its caption and its accessible name)."""
    if series.get("kind") == "distribution":
        legend = f"{_distribution_unit(series)}: quantiles of {series['cells']:,} (log scale); "
        legend += f"the bright bar is {series.get('value_label') or 'this fact'}"
        share = series.get("tail_share")
        if isinstance(share, int | float):
            legend += f" (top {share:.3%})"
        return legend
    if series.get("kind") == "bars":
        legend = f"{series['unit']}; the bright bar is this fact"
        if any(b.get("expected") is not None for b in series["bars"]):
            legend += "; ticks: expected"
        if series.get("baseline") is not None:
            legend += f"; dashed: the expected {_number(series['baseline'])}"
        return legend
    baseline = series.get("baseline")
    legend = f"daily {series['measure']} around {series['day']}"
    if baseline is not None:
        legend += f"; dashed: the expected {_number(baseline)}"
    if any(p["value"] is None for p in series["points"]):
        legend += "; hollow: not listed, at most the chart floor"
    return legend


def chart_svg(series: dict[str, Any] | None) -> Markup:
    """The card's chart, or nothing when its fact has no series."""
    if not isinstance(series, dict):
        return Markup("")
    if series.get("kind") == "daily" and series.get("points"):
        return daily_svg(series)
    if series.get("kind") == "distribution" and series.get("quantiles"):
        return distribution_svg(series)
    if series.get("kind") == "bars" and series.get("bars"):
        return bars_svg(series)
    return Markup("")
