"""The gallery with 1,000 candidates, in Chromium: it opens fast, loads images lazily, does not
jump while it loads or scrolls (the browser's own layout-shift entries), answers keys at once,
and every card's chart is drawn from the manifest's numbers, for every chart kind."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from campaign.output.gallery import write_gallery
from tests.test_gallery import _candidate, make_manifest

CARDS = 1000
SHORTLIST_EVERY = 4  # one card in four has a billboard (a shortlist of 250)
KINDS = ("daily", "distribution", "bars", None)  # None: a fact without a picture


def daily(rng: random.Random, day: str = "2017-06-15") -> dict[str, Any]:
    """57 days around the fact's day, a few of them below a chart floor."""
    from datetime import date, timedelta

    centre = date.fromisoformat(day)
    points = []
    for offset in range(-28, 29):
        below = offset != 0 and rng.random() < 0.1
        value = rng.uniform(900, 1500) * (4 if offset == 0 else 1)
        points.append(
            {
                "day": (centre + timedelta(days=offset)).isoformat(),
                "value": None if below else round(value, 1),
                "floor": 800.0 if below else None,
            }
        )
    return {"kind": "daily", "measure": "streams", "day": day, "baseline": 1200.0, "points": points}


def distribution(rng: random.Random) -> dict[str, Any]:
    values = sorted(rng.randint(1, 30) for _ in range(5))
    return {
        "kind": "distribution",
        "measure": "plays",
        "unit": "a listener's plays of one track in a day",
        "cells": rng.randint(10_000, 90_000),
        "quantiles": [
            {"q": q, "value": float(v)}
            for q, v in zip((0.5, 0.75, 0.9, 0.99, 0.999), values, strict=True)
        ],
        "value": float(rng.randint(40, 400)),
        "value_label": "this listener",
        "tail_share": 1e-5,
    }


def bars(rng: random.Random) -> dict[str, Any]:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return {
        "kind": "bars",
        "measure": "listeners",
        "unit": "listeners of the theme in each month of the year",
        "bars": [
            {"label": m, "value": float(rng.randint(0, 90)), "expected": float(rng.randint(1, 40))}
            for m in months
        ],
        "highlight": rng.choice(months),
        "baseline": 12.5,
    }


SERIES = {"daily": daily, "distribution": distribution, "bars": bars}


def big_manifest() -> dict[str, Any]:
    """1,000 candidates: every chart kind and none, a quarter of them with a billboard."""
    manifest = make_manifest()
    template = manifest["candidates"][0]
    rng = random.Random(2024)
    candidates = []
    for i in range(CARDS):
        cid = f"{i:016x}"
        kind = KINDS[i % len(KINDS)]
        shortlisted = i % SHORTLIST_EVERY == 0
        candidates.append(
            _candidate(
                cid,
                rank=i + 1,
                market=("NL", "BE", "GB")[i % 3],
                subject_name=f"Song {i}",
                copy=copy.deepcopy(template["copy"]),
                scores=copy.deepcopy(template["scores"]),
                series=SERIES[kind](rng) if kind else None,
                images={"dooh-landscape": {"en": f"billboards/{cid}-en.png"}}
                if shortlisted
                else {},
            )
        )
    manifest["candidates"] = candidates
    return manifest


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("big")
    manifest = big_manifest()
    for c in manifest["candidates"]:
        for rel in c["images"].get("dooh-landscape", {}).values():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (400, 225), "#4100f4").save(out / rel)
    return write_gallery(out, copy.deepcopy(manifest), []), manifest


# Records every layout shift and every slow event from the first byte on (before any script of
# the page runs), as the browser reports them.
OBSERVE = """
window.__shifts = []; window.__events = []; window.__firstCard = null;
(function watch() {  // the first frame with a card on screen
  const card = document.querySelector(".card:not(.hidden)");
  if (card && card.getBoundingClientRect().top < innerHeight) {
    requestAnimationFrame(() => { window.__firstCard = performance.now(); });
  } else requestAnimationFrame(watch);
})();
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__shifts.push(
  {value: e.value, recent: e.hadRecentInput, time: e.startTime}); })
  .observe({type: "layout-shift", buffered: true});
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__events.push(
  {name: e.name, duration: e.duration}); })
  .observe({type: "event", buffered: true, durationThreshold: 16});
"""


class Gallery:
    """The big gallery in a fresh browser context that records shifts, slow events, errors and
    the billboard images the page asks for."""

    def __init__(self, browser, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.add_init_script(OBSERVE)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requested: set[str] = set()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: r.url.endswith(".png") and self.requested.add(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def filter(self, name: str) -> None:
        self.page.click(f'nav [data-filter="{name}"]')


@pytest.fixture
def page(browser, big) -> Iterator[Gallery]:
    gallery = Gallery(browser, big[0])
    yield gallery
    gallery.context.close()


def shift_score(page: Gallery) -> float:
    """The layout shifts not caused by the reader's own input (what CLS counts)."""
    return page.page.evaluate(
        "window.__shifts.filter(s => !s.recent).reduce((n, s) => n + s.value, 0)"
    )


@pytest.mark.browser
def test_opens_fast_and_does_not_jump(page: Gallery) -> None:
    timing = page.page.evaluate(
        """() => ({first: window.__firstCard,
          ready: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd})"""
    )
    print(
        f"\n1,000 cards: first card on screen {timing['first']:.0f} ms, "
        f"ready {timing['ready']:.0f} ms"
    )
    # generous bounds: the machine that runs the tests is shared; an unthrottled page is far faster
    assert timing["first"] is not None and timing["first"] < 2500
    assert timing["ready"] < 12000
    assert page.errors == []
    # the shortlist shows from the first paint: cards are not laid out and then hidden
    assert shift_score(page) < 0.01, page.page.evaluate("window.__shifts")
    page.filter("all")
    for _ in range(12):  # read down the page: nothing already on screen moves
        page.page.mouse.wheel(0, 2500)
        page.page.wait_for_timeout(60)
    page.page.wait_for_timeout(300)
    score = shift_score(page)
    print(f"layout shift while scrolling 1,000 cards: {score:.4f}")
    assert score < 0.05, page.page.evaluate("window.__shifts")


@pytest.mark.browser
def test_images_load_lazily(page: Gallery) -> None:
    page.page.wait_for_timeout(300)
    first = len(page.requested)
    print(f"\nimages requested on opening: {first} of {CARDS // SHORTLIST_EVERY}")
    assert 0 < first < CARDS // SHORTLIST_EVERY // 3
    page.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.page.wait_for_timeout(500)
    assert len(page.requested) > first  # the ones scrolled to load then


@pytest.mark.browser
def test_keys_answer_at_once(page: Gallery) -> None:
    page.filter("all")
    page.page.wait_for_timeout(200)
    page.page.evaluate("window.__events.length = 0")
    latencies = []
    for key in ["j"] * 15 + ["a", "j", "r", "j", "a", "k", "k"]:
        latencies.append(
            page.page.evaluate(
                """key => new Promise(done => {
                  const t = performance.now();
                  document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
                  requestAnimationFrame(() => setTimeout(() => done(performance.now() - t), 0));
                })""",
                key,
            )
        )
    print(f"\nper key (ms): {[round(t) for t in latencies]}")
    latencies.sort()
    worst, median = latencies[-1], latencies[len(latencies) // 2]
    print(f"\nkey to next frame over 1,000 cards: median {median:.0f} ms, worst {worst:.0f} ms")
    # generous bounds for a shared, loaded test machine; the printed numbers are the measurement
    assert median < 250 and worst < 1000
    page.page.keyboard.press("j")  # a real key press, timed by the browser (Event Timing)
    page.page.keyboard.press("a")
    page.page.wait_for_timeout(200)
    slow = page.page.evaluate("window.__events.filter(e => e.name.startsWith('key'))")
    assert all(e["duration"] < 1000 for e in slow), slow
    assert page.page.text_content("#n-approved") == "3"


FRAME = """([id, value]) => new Promise(done => {
  const t = performance.now();
  const el = document.getElementById(id);
  el.value = value;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  requestAnimationFrame(() => setTimeout(() => done(performance.now() - t), 0));
})"""


@pytest.mark.browser
def test_search_filter_and_sort_answer_at_once(page: Gallery) -> None:
    page.filter("all")
    timed = {
        "search": page.page.evaluate(FRAME, ["search", "song 99"]),
        "clear": page.page.evaluate(FRAME, ["search", ""]),
        "market": page.page.evaluate(FRAME, ["market", "BE"]),
        "sort": page.page.evaluate(FRAME, ["sort", "date"]),
        "all": page.page.evaluate(FRAME, ["market", ""]),
    }
    print(f"\nfilter and sort over 1,000 cards (ms): { ({k: round(v) for k, v in timed.items()}) }")
    assert max(timed.values()) < 1500
    # (cards move when a filter changes: the reader asked for it, and a real key press marks
    # those shifts as input; these events are synthetic, so shifts are not checked here)
    assert page.page.locator(".card:not(.hidden)").count() == CARDS


def drawn_numbers(page: Gallery) -> dict[str, dict[str, Any]]:
    """Every card's chart as the page drew it: its kind and the numbers on its marks."""
    return page.page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(".card")].map(card => {
          const svg = card.querySelector("svg.chart");
          if (!svg) return [card.dataset.id, null];
          const marks = sel => [...svg.querySelectorAll(sel)].map(
            e => ({...e.dataset, fact: e.classList.contains("fact")}));
          return [card.dataset.id, {kind: svg.dataset.kind, points: marks("circle.pt"),
            quantiles: marks("rect.q"), bars: marks("rect.col"), expected: marks("line.expected"),
            baseline: marks("line.baseline")}];
        }))"""
    )


@pytest.mark.browser
def test_every_chart_matches_the_manifest(page: Gallery, big) -> None:
    drawn = drawn_numbers(page)
    manifest = big[1]
    assert set(drawn) == {c["id"] for c in manifest["candidates"]}
    seen = set()
    for c in manifest["candidates"]:
        s, chart = c.get("series"), drawn[c["id"]]
        assert (chart is None) == (s is None), c["id"]
        if s is None:
            continue
        assert chart["kind"] == s["kind"]
        seen.add(s["kind"])
        baseline = [float(b["value"]) for b in chart["baseline"]]
        assert baseline == ([] if s.get("baseline") is None else [s["baseline"]])
        if s["kind"] == "daily":
            assert [
                (p["day"], float(p["value"]), p.get("belowFloor") == "true")
                for p in chart["points"]
            ] == [
                (p["day"], p["value"] if p["value"] is not None else p["floor"], p["value"] is None)
                for p in s["points"]
            ]
        elif s["kind"] == "distribution":
            assert [(float(q["q"]), float(q["value"])) for q in chart["quantiles"] if "q" in q] == [
                (q["q"], q["value"]) for q in s["quantiles"]
            ]
            assert [float(q["value"]) for q in chart["quantiles"] if "q" not in q] == [s["value"]]
        else:
            assert [(b["label"], float(b["value"]), b["fact"]) for b in chart["bars"]] == [
                (b["label"], b["value"], b["label"] == s["highlight"]) for b in s["bars"]
            ]
            assert [(e["label"], float(e["value"])) for e in chart["expected"]] == [
                (b["label"], b["expected"]) for b in s["bars"] if b["expected"] is not None
            ]
    assert seen == set(SERIES)
