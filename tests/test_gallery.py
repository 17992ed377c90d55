"""The review gallery (DESIGN.md, "Outputs" and "Privacy").

The gallery is built from a small hand-made manifest, so these tests need no other stage. Browser
tests drive the system Chromium through Playwright and skip when either is missing.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from campaign.errors import InputError
from campaign.output.gallery import emphasised_html, fact_words, score_rows, write_gallery

CAMPAIGN = "wrapped-test"
SHORT = "a1b2c3d4e5f60001"  # shortlisted, passes privacy, has billboards
PASSED = "a1b2c3d4e5f60002"  # passes privacy, not shortlisted (no billboard)
FAILED = "a1b2c3d4e5f60003"  # blocked by the privacy gate
HOSTILE = "a1b2c3d4e5f60004"  # shortlisted, HTML in its title and copy

XSS_TITLE = "<script>alert(1)</script>"
XSS_SIGNOFF = '<img src=x onerror="window.__pwned=1">'
PNG_SIZE = (64, 36)
# the weights an older run recorded: the gallery must show these, not the scorer's current ones
RUN_WEIGHTS = {"surprise": 0.5, "story": 0.3, "privacy": 0.2}

SHORT_HEADLINE = "“Silver Bells” was streamed 768,979 times on Christmas Day."
SHORT_EMPHASIS = [[0, 14], [28, 35]]


def _scores(total: float, surprise: float, story: float, privacy: float) -> dict[str, Any]:
    return {
        "surprise": {
            "value": surprise,
            "inputs": {
                "model": "negative binomial",
                "expected": 235944.51,
                "variance": 3171158091.75,
                "p_value": 2.46e-10,
                "significance": 0.8007,
                "ratio": 3.259,
                "effect": 0.4261,
            },
        },
        "story": {
            "value": story,
            "inputs": {
                "event": "Christmas Day",
                "popularity_rank": 545,
                "market_subjects": 1643,
                "recognisable": 0.149,
                "theme": "christmas: 'Bells'",
            },
        },
        "privacy": {"value": privacy, "inputs": {"k_min": 50, "cohort_size": None}},
        "total": {"value": total, "inputs": {"weights": RUN_WEIGHTS}},
    }


def _candidate(cid: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": cid,
        "pack": "event_spike",
        "audience": "cohort",
        "rank": 1,
        "market": "NL",
        "period_start": "2017-12-25",
        "period_end": "2017-12-25",
        "event_id": None,
        "subject_kind": "track",
        "subject_id": "name:" + "0" * 32,
        "subject_name": "A song",
        "artist_name": "An artist",
        "measure": "streams",
        "value": 1000,
        "baseline": 250.0,
        "cohort_size": None,
        "population": None,
        "detail": {"history_days": 28},
        "event": None,
        "scores": _scores(0.5, 0.5, 0.5, 1.0),
        "privacy": {
            "passed": True,
            "verdict": "pass",
            "reasons": ["pre-aggregated counts with no listener-level data; 1,000 streams"],
        },
        "copy": {},
        "images": {},
        "query": "queries/core/event_spike.sql",
        "params": {"min_ratio": 3.0},
    }
    record.update(overrides)
    return record


def make_manifest() -> dict[str, Any]:
    christmas = {"id": "holiday:2017-12-25:NL:christmas", "name": {"en": "Christmas Day"}}
    christmas["kind"] = "holiday"
    candidates = [
        _candidate(
            SHORT,
            rank=1,
            subject_name="Silver Bells",
            artist_name="Dean Martin",
            value=768979,
            baseline=235944.51,
            event_id=christmas["id"],
            event=christmas,
            scores=_scores(0.68, 0.58, 0.70, 1.0),
            copy={
                "en": {
                    "headline": SHORT_HEADLINE,
                    "signoff": "Some days just need the same song.",
                    "emphasis": SHORT_EMPHASIS,
                    "variant": "streamed",
                },
                "nl": {
                    "headline": "“Silver Bells” werd 768.979 keer gestreamd op Kerstmis.",
                    "signoff": "Sommige dagen vragen om hetzelfde nummer.",
                    "emphasis": [[0, 14], [20, 27]],
                    "variant": "streamed",
                },
            },
            images={
                "dooh-landscape": {
                    "en": f"billboards/{SHORT}-dooh-landscape-en.png",
                    "nl": f"billboards/{SHORT}-dooh-landscape-nl.png",
                },
                "square": {"en": f"billboards/{SHORT}-square-en.png"},
            },
        ),
        _candidate(
            PASSED,
            rank=7,
            market="BE",
            subject_name="Feliz Navidad",
            artist_name="José Feliciano",
            copy={
                "en": {
                    "headline": "1,000 streams of “Feliz Navidad”.",
                    "signoff": "That's not a phase.",
                    "emphasis": [[0, 5]],
                    "variant": "times",
                }
            },
        ),
        _candidate(
            FAILED,
            rank=9,
            pack="late_night",
            subject_name="Lonely Tune",
            artist_name="Somebody",
            cohort_size=12,
            scores=_scores(0.2, 0.4, 0.1, 0.0),
            privacy={
                "passed": False,
                "verdict": "fail",
                "reasons": ["cohort of 12 listeners is below k_min 50"],
            },
        ),
        _candidate(
            HOSTILE,
            rank=2,
            market="BE",
            pack="repeat_on_day",
            subject_name=XSS_TITLE,
            artist_name="Mallory",
            copy={
                "en": {
                    "headline": f"“{XSS_TITLE}” 1,000 times.",
                    "signoff": XSS_SIGNOFF,
                    "emphasis": [[0, 27]],
                    "variant": "times",
                }
            },
            images={"dooh-landscape": {"en": f"billboards/{HOSTILE}-dooh-landscape-en.png"}},
        ),
    ]
    packs = [
        {
            "name": name,
            "title": f"The {name} pack",
            "audience": "cohort",
            "query": f"queries/core/{name}.sql",
            "params": {},
            "rows": rows,
            "kept": kept,
            "skipped": None,
        }
        for name, rows, kept in (
            ("event_spike", 5, 2),
            ("late_night", 1, 1),
            ("repeat_on_day", 1, 1),
        )
    ]
    return {
        "campaign": {
            "name": CAMPAIGN,
            "title": "Test campaign",
            "year": 2017,
            "locales": ["en", "nl"],
            "formats": ["dooh-landscape", "square"],
            "generated_at": "2026-01-02T03:04:05+00:00",
            "tool_version": "0.1.0",
        },
        "privacy": {"k_min": 50, "individual": False, "noise": "none"},
        "data": {
            "rows": {"daily_streams": 100},
            "markets": ["BE", "NL"],
            "first_day": "2017-01-01",
            "last_day": "2017-12-31",
            "events": 3,
            "market_listeners": {},
        },
        "packs": packs,
        "candidates": candidates,
    }


def build(out: Path, review: dict[str, Any] | None = None) -> tuple[Path, dict[str, Any]]:
    """Write tiny PNGs, an optional review.json and the gallery into `out`."""
    manifest = make_manifest()
    colours = iter(["#4100f4", "#cdf564", "#ff5a5f", "#1ed760"])
    for c in manifest["candidates"]:
        for by_locale in c["images"].values():
            for rel in by_locale.values():
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", PNG_SIZE, next(colours, "#888888")).save(out / rel)
    if review is not None:
        (out / "review.json").write_text(json.dumps(review), encoding="utf-8")
    return write_gallery(out, copy.deepcopy(manifest), []), manifest


@pytest.fixture
def gallery(tmp_path: Path) -> Path:
    return build(tmp_path)[0]


# --- without a browser -------------------------------------------------------------------------


def test_gallery_holds_no_user_level_data(gallery: Path) -> None:
    html = gallery.read_text(encoding="utf-8")
    for key in ("user_id", "listener_id", "userid", "ts_ms", "birth", "ip_address"):
        assert key not in html.lower()
    # Every 16-hex token is a candidate id; no longer hashes (subject ids, user hashes) at all.
    ids = {c["id"] for c in make_manifest()["candidates"]}
    assert set(re.findall(r"\b[0-9a-f]{16}\b", html)) <= ids
    assert not re.search(r"[0-9a-f]{20,}", html)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", html)  # no uuids
    # The only time of day on the page is when it was generated.
    assert re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html) == ["2026-01-02T03:04"]
    # No rows beyond the manifest's candidates: one card per candidate.
    assert html.count('<article class="card') == len(ids)


def test_gallery_is_self_contained(gallery: Path) -> None:
    html = gallery.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "@font-face" not in html
    assert "<link" not in html


def test_html_in_the_manifest_is_escaped(gallery: Path) -> None:
    html = gallery.read_text(encoding="utf-8")
    assert XSS_TITLE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_emphasis_is_marked_and_escaped() -> None:
    out = emphasised_html("<b>3</b> plays of Song", [[18, 22], [0, 8]])
    assert str(out) == "<mark>&lt;b&gt;3&lt;/b&gt;</mark> plays of <mark>Song</mark>"
    # Overlapping or empty spans never duplicate text.
    assert (
        str(emphasised_html("abcdef", [[0, 4], [2, 5], [5, 5]]))
        == "<mark>abcd</mark><mark>e</mark>f"
    )


def test_scores_and_fact_read_as_words() -> None:
    c = make_manifest()["candidates"][0]
    rows = dict(score_rows("surprise", c["scores"]["surprise"]["inputs"]))
    assert rows["Times expected"] == "3.3×"
    assert rows["Expected"] == "235,945"
    assert "10" in rows["Chance by luck (p)"]
    story = dict(score_rows("story", c["scores"]["story"]["inputs"]))
    assert story["Popularity rank"] == "#545 of 1,643 in the market"
    total = dict(score_rows("total", c["scores"]["total"]["inputs"]))
    assert total["Weighted sum"].startswith("50% surprise + 30% story + 20% privacy")
    assert dict(score_rows("privacy", {"cohort_size": None}))["Cohort size"] == "—"
    words = fact_words(c)
    assert words.startswith("Silver Bells by Dean Martin: 768,979 streams on Monday 25 December")
    assert "(Christmas Day)" in words and "Netherlands" in words
    assert "3.3× the 235,945 expected" in words


def test_unreadable_review_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "review.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="review"):
        write_gallery(tmp_path, make_manifest(), [])


# --- in Chromium -------------------------------------------------------------------------------


class Page:
    """A fresh browser context on a gallery, recording console errors and dialogs."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 1600}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def visible(self) -> set[str]:
        return set(
            self.page.eval_on_selector_all(
                ".card:not(.hidden)", "els => els.map(e => e.dataset.id)"
            )
        )

    def card(self, cid: str):
        return self.page.locator(f'.card[data-id="{cid}"]')

    def filter(self, name: str) -> None:
        self.page.click(f'nav [data-filter="{name}"]')

    def approved(self) -> str:
        return self.page.text_content("#n-approved") or ""


@pytest.fixture
def open_page(browser):
    opened: list[Page] = []

    def opener(path: Path) -> Page:
        opened.append(Page(browser, path))
        return opened[-1]

    yield opener
    for p in opened:
        p.context.close()


@pytest.mark.browser
def test_loads_without_console_errors(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    assert g.page.title() == f"{CAMPAIGN} — billboard candidates"
    g.filter("all")
    assert g.page.locator(".card").count() == 4
    assert g.errors == []
    assert g.dialogs == []


@pytest.mark.browser
def test_filters(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    assert g.visible() == {SHORT, HOSTILE}  # the shortlist is the default
    assert g.page.is_hidden("#empty")
    g.filter("all")
    assert g.visible() == {SHORT, PASSED, FAILED, HOSTILE}
    g.filter("failed")
    assert g.visible() == {FAILED}
    g.filter("passed")
    assert g.visible() == {SHORT, PASSED, HOSTILE}
    g.filter("all")
    g.page.select_option("#pack", "late_night")
    assert g.visible() == {FAILED}
    g.page.select_option("#pack", "")
    g.page.select_option("#market", "BE")
    assert g.visible() == {PASSED, HOSTILE}
    g.page.select_option("#market", "")
    g.page.fill("#search", "dean MARTIN")
    assert g.visible() == {SHORT}
    g.page.fill("#search", "christmas")  # event names are searchable
    assert g.visible() == {SHORT}
    g.page.fill("#search", "no such song")
    assert g.visible() == set()
    assert g.page.is_visible("#empty")
    g.page.fill("#search", "")
    g.filter("shortlist")
    assert g.visible() == {SHORT, HOSTILE}
    assert g.errors == []


@pytest.mark.browser
def test_images_load_and_open_full_size(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    images = g.page.locator(".card:not(.hidden) .shot img")
    assert images.count() == 2
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        g.page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle()
        )
    # Every format × locale is linked.
    links = g.card(SHORT).locator(".formats a")
    assert sorted(links.all_text_contents()) == [
        "dooh-landscape · en",
        "dooh-landscape · nl",
        "square · en",
    ]
    # Clicking the billboard opens it full size over the page; Escape closes it.
    g.card(SHORT).locator(".shot").click()
    assert g.page.is_visible("#lightbox")
    g.page.wait_for_function("() => document.querySelector('#lightbox img').naturalWidth > 0")
    assert g.page.eval_on_selector("#lightbox img", "i => i.naturalWidth") == PNG_SIZE[0]
    g.page.click("#lightbox .caption a:has-text('square · en')")
    assert g.page.get_attribute("#lightbox img", "src") == f"billboards/{SHORT}-square-en.png"
    g.page.keyboard.press("Escape")
    assert g.page.is_hidden("#lightbox")
    assert g.errors == []


@pytest.mark.browser
def test_approval_is_counted_and_survives_reload(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    assert g.approved() == "0"
    g.card(SHORT).locator(".note").fill("Lead visual for December")
    g.card(SHORT).locator('[data-decision="approved"]').click()
    assert "approved" in (g.card(SHORT).get_attribute("class") or "")
    assert g.approved() == "1"
    g.card(HOSTILE).locator('[data-decision="rejected"]').click()
    assert "rejected" in (g.card(HOSTILE).get_attribute("class") or "")
    assert g.page.text_content("#n-rejected") == "1"
    assert "2 unsaved" in (g.page.text_content("#pending") or "")

    g.page.reload()
    assert "approved" in (g.card(SHORT).get_attribute("class") or "")
    assert g.approved() == "1"
    assert g.card(SHORT).locator(".note").input_value() == "Lead visual for December"
    assert "rejected" in (g.card(HOSTILE).get_attribute("class") or "")

    # Clicking the active decision again clears it, and that too survives a reload.
    g.card(SHORT).locator('[data-decision="approved"]').click()
    assert g.approved() == "0"
    g.page.reload()
    assert g.approved() == "0"
    assert "approved" not in (g.card(SHORT).get_attribute("class") or "")
    assert g.errors == []


@pytest.mark.browser
def test_privacy_failed_card_cannot_be_approved(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    g.filter("failed")
    approve = g.card(FAILED).locator('[data-decision="approved"]')
    assert approve.is_disabled()
    approve.click(force=True)
    assert g.approved() == "0"
    assert "approved" not in (g.card(FAILED).get_attribute("class") or "")
    assert "below k_min 50" in (g.card(FAILED).locator(".privacy").text_content() or "")
    assert g.card(FAILED).locator('[data-decision="rejected"]').is_enabled()


@pytest.mark.browser
def test_download_review_json(open_page, gallery: Path, tmp_path: Path) -> None:
    g = open_page(gallery)
    g.card(SHORT).locator('[data-decision="approved"]').click()
    g.card(SHORT).locator(".note").fill("Great for Amsterdam")
    g.filter("all")
    g.card(PASSED).locator('[data-decision="rejected"]').click()
    with g.page.expect_download() as info:
        g.page.click("#download")
    download = info.value
    assert download.suggested_filename == "review.json"
    target = tmp_path / "downloaded.json"
    download.save_as(target)
    review = json.loads(target.read_text(encoding="utf-8"))
    assert review["campaign"] == CAMPAIGN
    assert set(review["decisions"]) == {SHORT, PASSED}
    assert review["decisions"][SHORT]["decision"] == "approved"
    assert review["decisions"][SHORT]["note"] == "Great for Amsterdam"
    assert review["decisions"][PASSED] == {
        "decision": "rejected",
        "note": "",
        "time": review["decisions"][PASSED]["time"],
        "reviewer": "",
    }
    for d in review["decisions"].values():
        assert set(d) == {"decision", "note", "time", "reviewer"}
        assert datetime.fromisoformat(d["time"].replace("Z", "+00:00")).tzinfo is not None
    assert g.errors == []


@pytest.mark.browser
def test_existing_review_json_is_shown(open_page, tmp_path: Path) -> None:
    note = "</script><script>window.__pwned = 1</script> ok"
    review = {
        "campaign": CAMPAIGN,
        "decisions": {
            SHORT: {"decision": "approved", "note": "", "time": "2026-01-02T10:00:00.000Z"},
            PASSED: {"decision": "rejected", "note": note, "time": "2026-01-02T10:01:00.000Z"},
            "0000000000000000": {
                "decision": "approved",
                "note": "",
                "time": "2026-01-02T10:02:00Z",
            },
        },
    }
    path, _ = build(tmp_path, review)
    g = open_page(path)
    assert "approved" in (g.card(SHORT).get_attribute("class") or "")
    assert "rejected" in (g.card(PASSED).get_attribute("class") or "")
    assert g.approved() == "1"  # decisions about unknown ids are not counted
    assert g.card(PASSED).locator(".note").input_value() == note
    assert g.page.evaluate("window.__pwned") is None
    assert (g.page.text_content("#pending") or "") == ""  # nothing new to save yet
    assert g.errors == []


@pytest.mark.browser
def test_emphasis_is_in_mark(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    marks = g.card(SHORT).locator(".copy .one:not(.hidden) .headline mark").all_text_contents()
    assert marks == [SHORT_HEADLINE[s:e] for s, e in SHORT_EMPHASIS]
    assert (
        g.card(SHORT).locator(".copy .one:not(.hidden) .headline").text_content() == SHORT_HEADLINE
    )
    assert g.card(SHORT).locator('.copies td[lang="nl"] mark').count() == 2


@pytest.mark.browser
def test_html_in_a_title_is_text(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    card = g.card(HOSTILE)
    assert XSS_TITLE in (card.locator(".copy .one:not(.hidden) .headline").text_content() or "")
    assert XSS_SIGNOFF in (card.locator(".signoff").first.text_content() or "")
    assert XSS_TITLE in (card.locator(".fact").text_content() or "")
    assert card.locator(".body script, .body img").count() == 0
    g.filter("all")
    g.page.fill("#search", "<script>")
    assert g.visible() == {HOSTILE}
    assert g.dialogs == []
    assert g.page.evaluate("window.__pwned") is None
    assert g.page.locator("script").count() == 1
    assert g.errors == []


@pytest.mark.browser
def test_why_section_is_readable(open_page, gallery: Path) -> None:
    g = open_page(gallery)
    card = g.card(SHORT)
    card.locator("details.scores-why summary").click()
    why = card.locator(".why").inner_text()
    assert "Times expected" in why and "3.3×" in why
    assert "#545 of 1,643 in the market" in why
    assert "{" not in why  # not raw JSON


def test_a_missing_translation_is_flagged_on_its_card(tmp_path: Path) -> None:
    manifest = make_manifest()
    manifest["candidates"][0]["missing_copy"] = ["km"]
    html = write_gallery(tmp_path, manifest, []).read_text(encoding="utf-8")
    assert html.count("missing translation: km") == 1


@pytest.mark.browser
def test_an_empty_gallery_says_why(open_page, tmp_path: Path) -> None:
    """No candidate at all: the empty state is the run's reason, not 'no match for the filters'."""
    manifest = make_manifest()
    manifest["candidates"] = []
    reason = "No candidates: the packs found 3 facts and every one was withheld (3 too noisy)."
    manifest["privacy_summary"] = {"noise": "none", "why_empty": reason}
    g = open_page(write_gallery(tmp_path, manifest, []))
    empty = g.page.locator("#empty")
    assert empty.is_visible() and empty.inner_text() == reason
    assert g.errors == []
