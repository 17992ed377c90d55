"""The gallery of a big run in Chromium: 2,000 candidates, 1,000 of them shortlisted with
billboards in 2 formats × 2 locales (4,000 billboards and their thumbnails). Its page weight
stays bounded per card; it loads only thumbnails, lazily, and never a full-size PNG until asked;
only the cards near the screen are laid out; it does not jump while it loads or scrolls (the
browser's own layout-shift entries); a key press touches one card, not a thousand; and every
card's chart is drawn from the manifest's numbers, for every chart kind. Everything asserted is
counted, not timed: the times are printed as measurements only."""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from campaign.output.gallery import write_gallery
from tests.test_gallery import _candidate, make_manifest

CARDS = 2000
SHORTLIST_EVERY = 2  # one card in two has billboards (a shortlist of 1,000)
SHORTLIST = CARDS // SHORTLIST_EVERY
FORMATS = ("dooh-landscape", "48-sheet")
LOCALES = ("en", "nl")  # the locales of the test manifest's copy
KINDS = ("daily", "distribution", "bars", None)  # None: a fact without a picture
MAX_CARD_BYTES = 12_000  # HTML per card, its chart and every billboard link included
NEAR_SCREEN = 60  # cards the browser may lay out or fetch images for on opening (3 columns)


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


def billboards(cid: str, kind: str) -> dict[str, dict[str, str]]:
    """The billboards of a shortlisted card (`kind="images"`) or their thumbnails ("thumbs")."""
    folder, ext = ("billboards", "png") if kind == "images" else ("billboards/thumbs", "webp")
    return {f: {loc: f"{folder}/{cid}-{f}-{loc}.{ext}" for loc in LOCALES} for f in FORMATS}


def big_manifest() -> dict[str, Any]:
    """2,000 candidates: every chart kind and none, half of them with billboards."""
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
                images=billboards(cid, "images") if shortlisted else {},
                thumbs=billboards(cid, "thumbs") if shortlisted else {},
            )
        )
    manifest["candidates"] = candidates
    return manifest


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("big")
    manifest = big_manifest()
    (out / "billboards" / "thumbs").mkdir(parents=True)
    Image.new("RGB", (48, 27), "#4100f4").save(out / "one.png")
    Image.new("RGB", (48, 27), "#4100f4").save(out / "one.webp")
    png, webp = (out / "one.png").read_bytes(), (out / "one.webp").read_bytes()
    for c in manifest["candidates"]:
        for kind, data in (("images", png), ("thumbs", webp)):
            for by_locale in c[kind].values():
                for rel in by_locale.values():
                    (out / rel).write_bytes(data)
    return write_gallery(out, copy.deepcopy(manifest), []), manifest


# Records every layout shift and every slow event from the first byte on (before any script of
# the page runs), as the browser reports them.
OBSERVE = """
window.__shifts = []; window.__firstCard = null;
(function watch() {  // the first frame with a card on screen
  const card = document.querySelector(".card:not(.hidden)");
  if (card && card.getBoundingClientRect().top < innerHeight) {
    requestAnimationFrame(() => { window.__firstCard = performance.now(); });
  } else requestAnimationFrame(watch);
})();
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__shifts.push(
  {value: e.value, recent: e.hadRecentInput, time: e.startTime}); })
  .observe({type: "layout-shift", buffered: true});
"""

# The cards whose content the browser lays out and paints (not skipped by content-visibility).
LAID_OUT = """() => [...document.querySelectorAll(".card")].filter(
  card => card.querySelector(".body").checkVisibility({contentVisibilityAuto: true})).length"""


class Gallery:
    """The big gallery in a fresh browser context that records shifts, errors and every image
    the page asks for."""

    def __init__(self, browser, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.add_init_script(OBSERVE)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requested: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request", lambda r: r.resource_type == "image" and self.requested.append(r.url)
        )
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


def test_page_weight_stays_bounded_per_card(big) -> None:
    """No browser: the page's bytes grow with the cards, not with their billboards, and every
    card's picture is its lazy thumbnail, never an eager or a full-size image."""
    path, _ = big
    html = path.read_text(encoding="utf-8")
    size = len(html.encode("utf-8"))
    print(
        f"\n{CARDS:,} cards, {SHORTLIST * len(FORMATS) * len(LOCALES):,} billboards: "
        f"{size / 1e6:.1f} MB of HTML, {size // CARDS:,} bytes per card"
    )
    assert size < CARDS * MAX_CARD_BYTES
    images = re.findall(r"<img\b[^>]*>", html)
    cards = [tag for tag in images if 'loading="lazy"' in tag]
    assert len(cards) == SHORTLIST  # one picture per shortlisted card, and nothing else
    assert all(re.search(r'src="billboards/thumbs/[^"]+\.webp"', tag) for tag in cards)
    assert len(images) - len(cards) == 1  # the lightbox's, empty until a billboard is opened
    assert re.search(r"<img alt=\"\">", html)


@pytest.mark.browser
def test_opens_laying_out_only_the_cards_near_the_screen(page: Gallery) -> None:
    timing = page.page.evaluate(
        """() => ({first: window.__firstCard,
          ready: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd})"""
    )
    print(
        f"\n{CARDS:,} cards: first card on screen {timing['first']:.0f} ms, "
        f"ready {timing['ready']:.0f} ms (measured, not asserted)"
    )
    assert page.errors == []
    laid_out = page.page.evaluate(LAID_OUT)
    print(f"cards laid out on opening: {laid_out} of {SHORTLIST} shown")
    assert 0 < laid_out < NEAR_SCREEN
    # the shortlist shows from the first paint: cards are not laid out and then hidden
    assert shift_score(page) < 0.01, page.page.evaluate("window.__shifts")
    page.filter("all")
    for _ in range(12):  # read down the page: nothing already on screen moves
        page.page.mouse.wheel(0, 2500)
        page.page.wait_for_timeout(60)
    page.page.wait_for_timeout(300)
    score = shift_score(page)
    print(f"layout shift while scrolling {CARDS:,} cards: {score:.4f}")
    assert score < 0.05, page.page.evaluate("window.__shifts")
    assert page.page.evaluate(LAID_OUT) < NEAR_SCREEN  # the cards scrolled past are let go


@pytest.mark.browser
def test_images_load_lazily_and_only_thumbnails(page: Gallery) -> None:
    page.page.wait_for_timeout(300)
    first = len(page.requested)
    print(f"\nimages requested on opening: {first} of {SHORTLIST}")
    assert 0 < first < NEAR_SCREEN
    page.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    for _ in range(50):  # the ones scrolled to load then (a loaded machine may take a while)
        if len(page.requested) > first:
            break
        page.page.wait_for_timeout(200)
    assert len(page.requested) > first
    assert all(url.endswith(".webp") for url in page.requested), page.requested[:3]


@pytest.mark.browser
def test_switching_a_cards_locale_and_format_loads_its_thumbnail(page: Gallery) -> None:
    card = page.page.locator(".card:not(.hidden)").first
    cid = card.get_attribute("data-id")
    card.locator("select.loc").select_option("nl")
    card.locator("select.fmt").select_option("48-sheet")
    page.page.wait_for_timeout(300)
    img = card.locator("a.shot img")
    assert img.get_attribute("src") == f"billboards/thumbs/{cid}-48-sheet-nl.webp"
    assert card.locator("a.shot").get_attribute("href") == f"billboards/{cid}-48-sheet-nl.png"
    assert not [url for url in page.requested if url.endswith(".png")]


# Which cards the page changes (attributes, text, children) from here on.
WATCH = """() => { window.__touched = new Set();
  new MutationObserver(records => { for (const r of records) {
    const card = (r.target.closest ? r.target : r.target.parentElement).closest(".card");
    window.__touched.add(card ? card.dataset.id : "(outside the cards)");
  } }).observe(document.getElementById("cards"),
    {subtree: true, attributes: true, childList: true, characterData: true}); }"""


@pytest.mark.browser
def test_a_key_press_touches_one_card_not_a_thousand(page: Gallery) -> None:
    page.filter("all")
    page.page.wait_for_timeout(200)
    page.page.evaluate(WATCH)
    touched = []
    for key in ["j"] * 15 + ["a", "j", "r", "j", "a", "k", "k"]:
        page.page.keyboard.press(key)
        touched.append(
            page.page.evaluate(
                "() => { const n = window.__touched.size; window.__touched.clear(); return n; }"
            )
        )
    print(f"\ncards changed per key press over {CARDS:,} cards: {touched}")
    assert max(touched) <= 2  # the card the focus leaves and the one it reaches
    assert page.page.text_content("#n-approved") == "2"
    assert page.errors == []


FRAME = """([id, value]) => new Promise(done => {
  const t = performance.now();
  const el = document.getElementById(id);
  el.value = value;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  requestAnimationFrame(() => setTimeout(() => done(performance.now() - t), 0));
})"""


@pytest.mark.browser
def test_search_filter_and_sort_over_every_card(page: Gallery) -> None:
    page.filter("all")
    timed = {
        "search": page.page.evaluate(FRAME, ["search", "song 99"]),
        "clear": page.page.evaluate(FRAME, ["search", ""]),
        "market": page.page.evaluate(FRAME, ["market", "BE"]),
        "sort": page.page.evaluate(FRAME, ["sort", "date"]),
        "all": page.page.evaluate(FRAME, ["market", ""]),
    }
    ms = {k: round(v) for k, v in timed.items()}
    print(f"\nfilter and sort over {CARDS:,} cards (ms, measured, not asserted): {ms}")
    assert page.page.locator(".card:not(.hidden)").count() == CARDS
    page.page.evaluate(FRAME, ["search", "song 99"])
    shown = page.page.locator(".card:not(.hidden)").count()
    assert shown == sum(1 for i in range(CARDS) if f"song {i}".startswith("song 99"))
    assert page.errors == []


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
