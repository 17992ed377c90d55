"""The story page in Chromium: tap through, no console error, a hostile title runs no script."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from campaign.wrapped.build import make_wrapped
from tests.wrapped_export import generate_plays, write_export

HOSTILE = "<img src=x onerror=alert(1)>"
PLANTED = {
    "repeat_day": date(2023, 7, 14),
    "repeat_plays": 30,
    "streak_start": date(2023, 9, 1),
    "streak_days": 9,
}


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A story whose most-repeated track is titled like an injection."""
    folder = tmp_path_factory.mktemp("export") / "hostile"
    write_export(folder, generate_plays(seed=11, year=2023, planted=PLANTED), "FR", HOSTILE)
    out = tmp_path_factory.mktemp("out") / "story"
    make_wrapped([folder], out)
    return out


def test_hostile_title_is_escaped_in_the_page(story: Path) -> None:
    html = (story / "index.html").read_text()
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from a network


@pytest.mark.browser
def test_tap_through_the_story(browser, story: Path) -> None:
    context = browser.new_context(viewport={"width": 540, "height": 960})
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((story / "index.html").as_uri())
    page.wait_for_load_state("load")
    cards = page.locator(".card")
    count = cards.count()
    assert count >= 6
    for n in range(count):
        visible = page.eval_on_selector_all(
            ".card", "els => els.map((e, i) => e.hidden ? null : i).filter(i => i !== null)"
        )
        assert visible == [n]
        image_ok = page.eval_on_selector(
            f".card:nth-of-type({n + 1}) img", "img => img.complete && img.naturalWidth"
        )
        assert image_ok == 1080
        page.mouse.click(500, 480)  # the right two thirds: next
    assert page.evaluate("document.body.dataset.current") == str(count - 1)
    page.mouse.click(20, 480)  # the left third: back
    assert page.evaluate("document.body.dataset.current") == str(count - 2)
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.body.dataset.current") == str(count - 1)
    assert page.locator("img[src='x']").count() == 0
    assert errors == [] and dialogs == []
    context.close()
