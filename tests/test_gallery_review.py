"""The gallery as a review tool, in Chromium: charts from the manifest's numbers, the keyboard
flow, filters, locale switching, panels, team review through `campaign serve`, hostile input."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from campaign.output.folder import RUN_FOLDER, write_marker
from campaign.output.gallery import write_gallery
from tests.test_gallery import FAILED, HOSTILE, PASSED, SHORT, Page, build, make_manifest
from tests.test_serve import running

DAILY = {
    "kind": "daily",
    "measure": "streams",
    "day": "2017-12-25",
    "baseline": 235944.51,
    "points": [
        {"day": "2017-12-22", "value": 240000.0, "floor": None},
        {"day": "2017-12-23", "value": None, "floor": 200000.0},  # below the chart floor
        {"day": "2017-12-24", "value": 300000.0, "floor": None},
        {"day": "2017-12-25", "value": 768979.0, "floor": None},
        {"day": "2017-12-26", "value": 250000.0, "floor": None},
    ],
}
DISTRIBUTION = {
    "kind": "distribution",
    "measure": "plays",
    "per": "day",
    "cells": 65086,
    "quantiles": [
        {"q": 0.5, "value": 1.0},
        {"q": 0.75, "value": 1.0},
        {"q": 0.9, "value": 2.0},
        {"q": 0.99, "value": 4.0},
        {"q": 0.999, "value": 8.0},
    ],
    "value": 1000.0,
    "tail_share": 1.5e-05,
}
HOSTILE_TEXT = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def review_manifest() -> dict[str, Any]:
    """The gallery tests' manifest with series, a held fact, an unexplained day and locales."""
    manifest = make_manifest()
    by_id = {c["id"]: c for c in manifest["candidates"]}
    by_id[SHORT]["series"] = DAILY
    by_id[HOSTILE]["series"] = DISTRIBUTION
    by_id[PASSED]["missing_copy"] = ["fr"]
    by_id[PASSED]["privacy"] = {
        "passed": True,
        "verdict": "review",
        "reasons": ["tone: a day of mourning; check the copy is respectful"],
    }
    manifest["data"]["unexplained_days"] = [
        {
            "market": "NL",
            "day": "2017-03-08",
            "strength": 0.9,
            "looks_like": "release",
            "subjects": [
                {"kind": "track", "name": HOSTILE_TEXT, "artist": "X", "ratio_lower": 12.5},
                # as campaign.unexplained writes a subject without a bound or an artist
                {
                    "kind": "artist",
                    "name": "Y",
                    "artist": None,
                    "novelty": "spike",
                    "ratio_lower": None,
                },
            ],
            "events_line": "2017-03-08,<name this day>,NL,release",
        }
    ]
    return manifest


def write(out: Path, manifest: dict[str, Any], review: dict[str, Any] | None = None) -> Path:
    build(out)  # the billboards
    if review is not None:
        (out / "review.json").write_text(json.dumps(review), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return write_gallery(out, copy.deepcopy(manifest), [])


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[Page]:
    p = Page(browser, write(tmp_path, review_manifest()))
    yield p
    p.context.close()


@pytest.mark.browser
def test_every_candidate_is_a_card_and_every_series_a_matching_chart(page: Page) -> None:
    manifest = review_manifest()
    page.filter("all")
    assert page.visible() == {c["id"] for c in manifest["candidates"]}
    for c in manifest["candidates"]:
        charts = page.card(c["id"]).locator("svg.chart")
        assert charts.count() == (1 if c.get("series") else 0)
    daily = page.card(SHORT).locator("svg.chart")
    drawn = daily.locator("circle.pt").evaluate_all(
        "els => els.map(e => [e.dataset.day, +e.dataset.value, e.dataset.belowFloor === 'true'])"
    )
    expected = [
        [p["day"], p["value"] if p["value"] is not None else p["floor"], p["value"] is None]
        for p in DAILY["points"]
    ]
    assert drawn == expected
    assert float(daily.locator("line.baseline").get_attribute("data-value")) == DAILY["baseline"]
    assert daily.locator("circle.pt.event").get_attribute("data-day") == "2017-12-25"
    bars = (
        page.card(HOSTILE)
        .locator("svg.chart rect")
        .evaluate_all("els => els.map(e => [e.dataset.q ? +e.dataset.q : null, +e.dataset.value])")
    )
    assert bars == [[q["q"], q["value"]] for q in DISTRIBUTION["quantiles"]] + [[None, 1000.0]]
    # the bar heights follow the numbers: the fact's bar is the tallest
    heights = (
        page.card(HOSTILE)
        .locator("svg.chart rect")
        .evaluate_all("els => els.map(e => +e.getAttribute('height'))")
    )
    assert heights[-1] == max(heights) and heights == sorted(heights)


@pytest.mark.browser
def test_filters_and_search(page: Page) -> None:
    page.filter("all")
    g = page.page
    g.select_option("#verdict", "review")
    assert page.visible() == {PASSED}
    g.select_option("#verdict", "")
    g.select_option("#locale", "nl")
    assert page.visible() == {SHORT}
    g.select_option("#locale", "fr")  # a missing translation still counts as the card's locale
    assert page.visible() == {PASSED}
    g.select_option("#locale", "")
    g.select_option("#event", "holiday:2017-12-25:NL:christmas")
    assert page.visible() == {SHORT}
    g.select_option("#event", "")
    g.fill("#search", "mallory")
    assert page.visible() == {HOSTILE}
    g.fill("#search", "christmas day")  # events are searched too
    assert page.visible() == {SHORT}
    g.fill("#search", "")
    g.select_option("#sort", "surprise")
    order = g.eval_on_selector_all(  # the order the grid shows them in (CSS order)
        ".card",
        "els => els.sort((a, b) => a.style.order - b.style.order).map(e => +e.dataset.surprise)",
    )
    assert order == sorted(order, reverse=True)


@pytest.mark.browser
def test_keyboard_review_and_status_filter(page: Page) -> None:
    g = page.page
    page.filter("all")
    g.fill("#reviewer", "Ana")
    g.keyboard.press("Escape")  # leaves the field; the name is kept
    assert "j" in (g.text_content("nav .keys") or "") and "approve" in g.text_content("nav .keys")
    first, second = g.eval_on_selector_all(".card", "els => els.map(e => e.dataset.id)")[:2]
    g.keyboard.press("j")
    g.keyboard.press("a")
    g.keyboard.press("j")
    g.keyboard.press("r")
    assert "approved" in page.card(first).get_attribute("class")
    assert "rejected" in page.card(second).get_attribute("class")
    assert page.card(first).locator(".who").text_content() == "by Ana"
    assert (g.text_content("#progress") or "").startswith("reviewed 2 / 4")
    g.keyboard.press("k")
    g.keyboard.press("n")
    assert g.evaluate("document.activeElement.classList.contains('note')")
    g.keyboard.type("j a r")  # keys typed into a note stay there
    assert page.card(first).locator(".note").input_value() == "j a r"
    g.keyboard.press("Escape")
    g.keyboard.press("/")
    assert g.evaluate("document.activeElement.id") == "search"
    g.keyboard.press("Escape")
    g.select_option("#status", "none")
    assert page.visible() == {c["id"] for c in make_manifest()["candidates"]} - {first, second}
    assert not page.dialogs and not page.errors


@pytest.mark.browser
def test_locale_and_format_switch_on_a_card(page: Page) -> None:
    card = page.card(SHORT)
    shown = card.locator(".copy .one:not(.hidden) .headline")
    assert shown.get_attribute("lang") == "en"
    card.locator("select.loc").select_option("nl")
    assert shown.get_attribute("lang") == "nl"
    assert card.locator("a.shot img").get_attribute("src").endswith("dooh-landscape-nl.png")
    card.locator("select.fmt").select_option("square")  # square has no nl: its en stands in
    assert card.locator("a.shot img").get_attribute("src").endswith("square-en.png")
    page.filter("all")
    view = page.card(PASSED).locator("details.copyview")
    view.locator("summary").click()
    assert view.locator("tr.missing").get_attribute("data-loc") == "fr"
    assert "missing translation" in view.locator("tr.missing").text_content()


@pytest.mark.browser
def test_panels_say_what_to_do(page: Page) -> None:
    panel = page.page.locator("#unexplained")
    assert "2017-03-08,<name this day>,NL,release" in panel.locator(".events-line").text_content()
    assert "events file" in panel.locator(".action").text_content()
    assert "by X (at least 12.5×), Y" in panel.text_content()
    held = page.page.locator("#held")
    assert "tone: a day of mourning" in held.text_content()
    held.locator(f'[data-goto="{PASSED}"]').click()  # shows the card whatever the filter
    assert PASSED in page.visible()
    assert "focus" in page.card(PASSED).get_attribute("class")
    assert not page.dialogs and not page.errors


@pytest.mark.browser
def test_hostile_titles_run_no_script(browser, tmp_path: Path) -> None:
    manifest = review_manifest()
    for c in manifest["candidates"]:
        c["subject_name"] = c["artist_name"] = HOSTILE_TEXT
        for words in c["copy"].values():
            words["headline"] = words["signoff"] = HOSTILE_TEXT
    manifest["candidates"][0]["event"]["name"] = {"en": HOSTILE_TEXT}
    gone = {"decision": "approved", "note": HOSTILE_TEXT, "reviewer": HOSTILE_TEXT, "time": "x"}
    review = {"decisions": {"gone0000gone0000": gone}}
    p = Page(browser, write(tmp_path, manifest, review))
    try:
        p.filter("all")
        p.page.fill("#search", "onerror")
        p.page.select_option("#sort", "date")
        assert not p.dialogs and not p.errors
        assert p.page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
        assert HOSTILE_TEXT in (p.page.text_content("#stale") or "")
    finally:
        p.context.close()


def test_a_rerun_lists_decisions_of_facts_that_are_gone(tmp_path: Path) -> None:
    review = {
        "decisions": {
            SHORT: {"decision": "approved", "note": "", "time": "t", "reviewer": "Ana"},
            "0123456789abcdef": {"decision": "rejected", "note": "", "time": "t"},
        }
    }
    html = write(tmp_path, review_manifest(), review).read_text(encoding="utf-8")
    stale = html[html.index('id="stale"') :]
    assert "0123456789abcdef" in stale[: stale.index("</details>")]
    assert SHORT not in stale[: stale.index("</details>")]


# --- two reviewers through `campaign serve` -----------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    out = tmp_path / "output"
    out.mkdir()
    write(out, review_manifest())
    write_marker(out, RUN_FOLDER)
    with running(out) as port:
        yield out, f"http://127.0.0.1:{port}/"


def _reviewer(browser, url: str, name: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('campaign-reviewer', {json.dumps(name)})")
    page.goto(url)
    page.wait_for_selector("#saved[data-state]")
    page.click('nav [data-filter="all"]')
    return context, page


@pytest.mark.browser
def test_two_reviewers_lose_nothing(browser, served) -> None:
    out, url = served
    ana_context, ana = _reviewer(browser, url, "Ana")
    ben_context, ben = _reviewer(browser, url, "Ben")
    try:
        ana.click(f'.card[data-id="{SHORT}"] [data-decision="approved"]')
        ben.click(f'.card[data-id="{FAILED}"] [data-decision="rejected"]')
        ben.click(f'.card[data-id="{HOSTILE}"] [data-decision="rejected"]')
        for page in (ana, ben):
            page.wait_for_selector('#saved[data-state="saved"]')
        review = json.loads((out / "review.json").read_text(encoding="utf-8"))
        assert {k: (v["decision"], v["reviewer"]) for k, v in review["decisions"].items()} == {
            SHORT: ("approved", "Ana"),
            FAILED: ("rejected", "Ben"),
            HOSTILE: ("rejected", "Ben"),
        }
        assert sorted((e["id"], e["reviewer"]) for e in review["log"]) == sorted(
            [(SHORT, "Ana"), (FAILED, "Ben"), (HOSTILE, "Ben")]
        )
        # each browser picks up the other's decisions on its next poll
        ana.wait_for_selector(f'.card.rejected[data-id="{FAILED}"]', timeout=10000)
        assert ana.locator(f'.card[data-id="{FAILED}"] .who').text_content() == "by Ben"
        # the same fact decided twice: the later decision stands, the log keeps both
        ana.click(f'.card[data-id="{HOSTILE}"] [data-decision="approved"]')
        ana.wait_for_selector('#saved[data-state="saved"]')
        review = json.loads((out / "review.json").read_text(encoding="utf-8"))
        assert review["decisions"][HOSTILE]["reviewer"] == "Ana"
        assert [e["reviewer"] for e in review["log"] if e["id"] == HOSTILE] == ["Ben", "Ana"]
    finally:
        ana_context.close()
        ben_context.close()
