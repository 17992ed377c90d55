"""A card's chart (campaign.output.chart): every mark carries the manifest's number, the picture
follows the numbers, and hostile labels stay text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from campaign.output.chart import MAX_SLOT, chart_legend, chart_svg

# text a manifest may carry: anything XML can hold (no control characters or lone surrogates)
LABELS = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=12,
)
NUMBERS = st.floats(min_value=0, max_value=1e9, allow_nan=False)


def parsed(series: dict) -> ET.Element:
    svg = ET.fromstring(str(chart_svg(series)))
    allowed = {"svg", "title", "rect", "line", "text", "polyline", "circle"}
    assert {e.tag for e in svg.iter()} <= allowed  # no script, no foreign element
    return svg


@st.composite
def bar_series(draw) -> dict:
    labels = draw(st.lists(LABELS, min_size=1, max_size=40, unique=True))
    values = draw(st.lists(NUMBERS, min_size=len(labels), max_size=len(labels)))
    expected = draw(st.lists(st.none() | NUMBERS, min_size=len(labels), max_size=len(labels)))
    return {
        "kind": "bars",
        "measure": "listeners",
        "unit": draw(LABELS),
        "bars": [
            {"label": label, "value": value, "expected": e}
            for label, value, e in zip(labels, values, expected, strict=True)
        ],
        "highlight": draw(st.sampled_from(labels)),
        "baseline": draw(st.none() | NUMBERS),
    }


@given(bar_series())
def test_bars_carry_their_numbers_and_labels_stay_text(series) -> None:
    svg = parsed(series)
    rects = svg.findall("rect")
    assert [(r.get("data-label"), float(r.get("data-value"))) for r in rects] == [
        (b["label"], b["value"]) for b in series["bars"]
    ]
    (fact,) = [r for r in rects if "fact" in r.get("class").split()]
    assert fact.get("data-label") == series["highlight"]
    ticks = [float(t.get("data-value")) for t in svg.findall("line[@class='expected']")]
    assert ticks == [b["expected"] for b in series["bars"] if b["expected"] is not None]
    # taller bar, larger number (the fact's label above its bar is the only number written)
    by_value = sorted(rects, key=lambda r: float(r.get("data-value")))
    heights = [float(r.get("height")) for r in by_value]
    assert heights == sorted(heights)
    assert all(float(r.get("width")) <= MAX_SLOT for r in rects)
    assert series["unit"] in chart_legend(series)


@given(st.lists(st.tuples(st.booleans(), NUMBERS), min_size=1, max_size=60))
def test_daily_points_carry_their_numbers(days) -> None:
    points = [
        {
            "day": f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}",
            "value": None if below else value,
            "floor": value if below else None,
        }
        for i, (below, value) in enumerate(days)
    ]
    series = {"kind": "daily", "measure": "streams", "day": points[0]["day"], "baseline": 5.0}
    series["points"] = points
    drawn = parsed(series).findall("circle")
    assert [(c.get("data-day"), float(c.get("data-value"))) for c in drawn] == [
        (p["day"], p["value"] if p["value"] is not None else p["floor"]) for p in points
    ]
    assert [c.get("data-below-floor") == "true" for c in drawn] == [
        p["value"] is None for p in points
    ]


def test_a_distribution_puts_the_fact_last_and_tallest() -> None:
    series = {
        "kind": "distribution",
        "measure": "days",
        "unit": "a listener's longest run of days in a row with one track",
        "cells": 27251,
        "quantiles": [{"q": q, "value": v} for q, v in ((0.5, 1.0), (0.9, 1.0), (0.999, 24.0))],
        "value": 18.0,
        "value_label": "the shortest streak of these 76 listeners",
        "tail_share": 0.00532,
    }
    rects = parsed(series).findall("rect")
    assert [float(r.get("data-value")) for r in rects] == [1.0, 1.0, 24.0, 18.0]
    assert "fact" in rects[-1].get("class")
    legend = chart_legend(series)
    assert "27,251" in legend and "shortest streak" in legend and "0.532%" in legend


def test_an_old_manifests_distribution_still_reads() -> None:
    """Manifests written before `unit` named a repeat fact's cell by `per`."""
    series = {"kind": "distribution", "measure": "plays", "per": "day", "cells": 10}
    series |= {"quantiles": [{"q": 0.5, "value": 1.0}], "value": 9.0, "tail_share": None}
    assert "plays of a track by one listener in a day" in chart_legend(series)
    assert parsed(series).findall("rect")


def test_no_series_no_chart() -> None:
    assert str(chart_svg(None)) == ""
    assert str(chart_svg({"kind": "bars", "bars": []})) == ""
    assert str(chart_svg({"kind": "pie"})) == ""
