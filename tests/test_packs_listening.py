"""The listening fact library: repeat_in_year, long_session, off_season, streak, skip_point and
hook_point (docs/fact-kinds.md). Their own tests run in `packs lint`; here: the contract each
pack promises, that each test's opted-out listener really would surface if not removed, and
every copy variant in every locale."""

from __future__ import annotations

import re
import tempfile
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from campaign.config import CampaignConfig, PrivacySettings
from campaign.copywriter import EM_CLOSE, EM_OPEN, RESPECTFUL, Copywriter, _strip_emphasis
from campaign.events import Event
from campaign.facts import Fact, collect_facts
from campaign.packlint import _write_given, run_pack_test
from campaign.packs import Pack, parse_pack, resolve_params
from campaign.privacy import judge
from campaign.resources import bundled_dir
from campaign.typography import literal_text
from campaign.workspace import open_workspace
from tests.conftest import valentines_day

CORE = bundled_dir("queries") / "core"
PACKS = ("repeat_in_year", "long_session", "off_season", "streak", "skip_point", "hook_point")
LOCALES = ("en", "nl", "fr", "fi")
# 3,749 as each locale writes it (CLDR: a narrow no-break space in French, a no-break space in
# Finnish).
NUMBERS = {"en": "3,749", "nl": "3.749", "fr": "3\u202f749", "fi": "3\xa0749"}
# The subject the opted-out listeners of each pack's test would make a fact about.
OPTED_OUT_SUBJECTS = {
    "repeat_in_year": "Hidden",
    "long_session": "Hidden Artist",
    "streak": "Hidden",
    "skip_point": "Hidden",
    "hook_point": "Hidden",
}


def pack(name: str) -> Pack:
    return parse_pack(CORE / f"{name}.sql")


def run_test_data(name: str, *, ignore_opt_outs: bool = False) -> list[Fact]:
    """The pack run on its own test's data, as `packs lint` runs it (optionally as if no listener
    had opted out: birth years stay, since individual facts need a known age)."""
    p = pack(name)
    spec = tomllib.loads(p.test_path.read_text(encoding="utf-8"))
    settings = dict(spec.get("campaign", {}))
    privacy = PrivacySettings(**settings.pop("privacy", {}))
    config = CampaignConfig(**settings, privacy=privacy)
    given = dict(spec["given"])
    if ignore_opt_outs:
        users = given["users"]["sql"]
        given["users"] = {
            "sql": f"SELECT user_id, market, birth_year, false AS opted_out FROM ({users})"
        }
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        files = [_write_given(con, t, g, Path(tmp), p.test_path) for t, g in given.items()]
        ws = open_workspace(config, files)
        try:
            return collect_facts(
                ws, p, resolve_params(p, spec.get("params", {})), config.year
            ).facts
        finally:
            ws.close()


# ---- the packs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PACKS)
def test_pack_passes_its_own_test(name: str) -> None:
    run_pack_test(pack(name))


@pytest.mark.parametrize(
    ("name", "audience", "defaults"),
    [
        ("repeat_in_year", "individual", {"min_plays": 200}),
        ("long_session", "individual", {"min_minutes": 240, "max_gap_minutes": 30}),
        ("off_season", "cohort", {"season_start_month": 11, "season_end_month": 1}),
        ("streak", "cohort", {"min_days": 14}),
        ("skip_point", "cohort", {"bucket_seconds": 5, "min_skippers": 50}),
        ("hook_point", "cohort", {"min_streams": 20, "binge_day_streams": 3}),
    ],
)
def test_header_and_defaults(name: str, audience: str, defaults: dict[str, Any]) -> None:
    p = pack(name)
    assert (p.name, p.audience, p.copy) == (name, audience, name)
    assert p.description
    assert {k: p.params[k] for k in defaults} == defaults


def test_off_season_pattern_is_a_word_match() -> None:
    pattern = pack("off_season").params["title_pattern"]
    con = duckdb.connect()
    titles = {
        "Last Christmas": True,
        "Christmastime Is Here": True,
        "Jingle Bell Rock": True,
        "Let It Snow! Let It Snow! Let It Snow!": True,
        "A Holly Jolly Christmas": True,
        "Santa Baby": True,
        "Here Comes Santa": True,
        "Santa, Can’t You Hear Me": True,
        "The Holly and the Ivy": True,
        "Feliz Navidad": True,
        "Joululaulu": True,
        "Hollywood": False,
        "Holly": False,
        "Snowboarding": False,
        "Santa Monica": False,
        "Santa Fe Reflection": False,
        "Snowchild": False,
        "Santana Medley": False,
    }
    hits = {
        title: con.execute("SELECT regexp_matches(?, ?, 'i')", [title, pattern]).fetchone()[0]
        for title in titles
    }
    assert hits == titles


@pytest.mark.parametrize("name", sorted(OPTED_OUT_SUBJECTS))
def test_opted_out_listeners_never_surface(name: str) -> None:
    """Without their opt-out the test's opted-out listeners make a fact; with it, never."""
    hidden = OPTED_OUT_SUBJECTS[name]
    assert hidden in {f.subject_name for f in run_test_data(name, ignore_opt_outs=True)}
    assert hidden not in {f.subject_name for f in run_test_data(name)}


def test_off_season_opted_out_listeners_never_count() -> None:
    def months(facts: list[Fact]) -> set[int]:
        return {f.period_start.month for f in facts}

    assert 8 in months(run_test_data("off_season", ignore_opt_outs=True))
    assert months(run_test_data("off_season")) == {6}


@pytest.mark.parametrize("name", ["repeat_in_year", "long_session"])
def test_individual_facts_carry_a_tail_share_and_nothing_finer_than_the_market(name: str) -> None:
    (fact,) = run_test_data(name)
    assert fact.cohort_size == 1
    assert 0 < fact.detail["tail_share"] < 0.01
    assert fact.baseline is not None and fact.baseline < fact.value
    verdict = judge(fact, PrivacySettings(individual=True, individual_min_population=1), 100)
    assert verdict.passed, verdict.reasons


@pytest.mark.parametrize("name", PACKS)
def test_facts_say_nothing_finer_than_market_and_day(name: str) -> None:
    for fact in run_test_data(name):
        assert fact.period_start <= fact.period_end
        text = repr(fact.detail).lower()
        assert not any(word in text for word in ("user", "city", "u-out", "'out"))


# ---- copy --------------------------------------------------------------------------------------

VALENTINE = valentines_day(2024)
TITLE = "It's the End of the World"
ARTIST = "Forever Alone"
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


def sample(name: str, detail: dict[str, Any], **changes: Any) -> Fact:
    audience = "individual" if name in {"repeat_in_year", "long_session"} else "cohort"
    fields: dict[str, Any] = {
        "pack": name,
        "audience": audience,
        "copy_family": name,
        "market": "GB",
        "period_start": YEAR[0],
        "period_end": YEAR[1],
        "event_id": None,
        "subject_kind": "track",
        "subject_id": "t1",
        "subject_name": TITLE,
        "artist_name": "Artist",
        "measure": "listeners",
        "value": 3749,
        "baseline": 10.0,
        "cohort_size": 1 if audience == "individual" else 3749,
        "population": 100_000,
        "detail": detail,
    }
    return Fact(**(fields | changes))


DAY = date(2024, 3, 9)
NOISY = {"noise": "discrete Laplace, epsilon 0.5"}
CASES: list[tuple[Fact, Event | None]] = [
    (sample("repeat_in_year", {"tail_share": 1e-6}, measure="plays"), None),
    (
        sample(
            "long_session",
            {"tail_share": 1e-5},
            subject_kind="artist",
            subject_name=ARTIST,
            measure="minutes",
            period_start=VALENTINE.day,
            period_end=VALENTINE.day,
        ),
        VALENTINE,
    ),
    (
        sample(
            "long_session",
            {},
            subject_kind="artist",
            subject_name=ARTIST,
            measure="minutes",
            period_start=DAY,
            period_end=DAY,
        ),
        None,
    ),
    (
        sample(
            "off_season",
            {},
            subject_kind="theme",
            subject_name="holiday music",
            period_start=date(2024, 6, 1),
            period_end=date(2024, 6, 30),
        ),
        None,
    ),
    (
        sample(
            "off_season",
            {},
            subject_kind="theme",
            subject_name="yacht rock",
            period_start=date(2024, 6, 1),
            period_end=date(2024, 6, 30),
        ),
        None,
    ),
    (
        sample("streak", {"days": 18}, period_start=date(2024, 3, 1), period_end=date(2024, 3, 18)),
        None,
    ),
    (sample("skip_point", {"second": 85}), None),
    (sample("hook_point", {"plays": 3}), None),
    (sample("hook_point", {"plays": 0}), None),
    (sample("hook_point", {"plays": 1}), None),
    # with `noise = "dp"` a fact keeps only noisy counts: no days, second or hook play
    (sample("streak", NOISY), None),
    (sample("skip_point", NOISY), None),
    (sample("hook_point", NOISY), None),
]
# What the title becomes in the copy, where a locale translates it.
LOCAL_TITLES = {
    ("holiday music", "nl"): "kerstmuziek",
    ("holiday music", "fr"): "musique de Noël",
    ("holiday music", "fi"): "joulumusiikkia",
}


def _spans(headline: str) -> tuple[str, list[str]]:
    plain, ranges = _strip_emphasis(headline)
    return plain, [plain[a:b] for a, b in ranges]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("case", "event"), CASES, ids=lambda c: getattr(c, "pack", None))
def test_every_variant_renders(case: Fact, event: Event | None, locale: str) -> None:
    variants = Copywriter().variants(case, event, locale)
    assert len(variants) >= (2 if locale == "en" else 1)
    title = LOCAL_TITLES.get((case.subject_name, locale), case.subject_name)
    hours = str(case.value // 60)
    for variant in variants:
        plain, emphasised = _spans(variant.headline)
        where = f"{case.pack} {locale} {variant.name}: {plain}"
        # the number: the value in the locale's format (a long session may say it in hours)
        numbers = {NUMBERS[locale]} | ({hours} if case.pack == "long_session" else set())
        assert numbers & set(emphasised), where
        # the title, in the locale's quotation marks where it is quoted
        assert any(title in span for span in emphasised), where
        # nothing left over: no Jinja, no markers, no variant syntax, no doubled spaces
        for text in (plain, *variant.signoffs):
            assert not re.search(r"\{\{|\}\}|\{%|%\}|\{#|#\}|##|\bNone\b", text), where
            assert EM_OPEN not in text and EM_CLOSE not in text, where
            assert "  " not in text and text == text.strip(), where
            # no space before punctuation (French spaces its ? ! : ;, the others never do)
            assert not re.search(r"\s[,.]" if locale == "fr" else r"\s[,.:;!?]", text), where
        assert variant.signoffs or variant.name == RESPECTFUL, where  # sober: no joke
        # other locales' number formats never appear
        for other, number in NUMBERS.items():
            if other != locale and number != NUMBERS[locale]:
                assert number not in plain, where


@pytest.mark.parametrize("locale", LOCALES)
def test_event_name_and_dates(locale: str) -> None:
    writer = Copywriter()
    (on_event, _), (plain_day, _) = CASES[1], CASES[2]
    for variant in writer.variants(on_event, VALENTINE, locale):
        # an event's name is copy: it takes the copy's typographic apostrophe
        assert literal_text(VALENTINE.name(locale), None) in variant.headline
    expected_day = {"en": "9 March", "nl": "9 maart", "fr": "9 mars", "fi": "9. maaliskuuta"}
    for variant in writer.variants(plain_day, None, locale):
        assert expected_day[locale] in variant.headline
    month = {"en": "June", "nl": "juni", "fr": "juin", "fi": "kesäkuussa"}
    for variant in writer.variants(CASES[3][0], None, locale):
        assert month[locale] in variant.headline


@pytest.mark.parametrize(
    ("second", "shown"), [(85, "1:25"), (5, "0:05"), (30, "0:30"), (600, "10:00")]
)
def test_skip_point_prints_minutes_and_seconds(second: int, shown: str) -> None:
    fact = sample("skip_point", {"second": second})
    for locale in LOCALES:
        for variant in Copywriter().variants(fact, None, locale):
            assert shown in _spans(variant.headline)[1], (locale, variant.name)


def test_long_session_in_hours_and_minutes() -> None:
    writer = Copywriter()

    def headlines(value: int) -> list[str]:
        fact = sample("long_session", {}, subject_name=ARTIST, measure="minutes", value=value)
        return [_spans(v.headline)[0] for v in writer.variants(fact, None, "en")]

    assert "for 4 hours on" in headlines(240)[0]
    assert "for more than 4 hours on" in headlines(263)[0]
    assert "spent 263 minutes with" in headlines(263)[1]


def test_hook_point_from_the_first_day() -> None:
    fact = sample("hook_point", {"plays": 0})
    headlines = [_spans(v.headline)[0] for v in Copywriter().variants(fact, None, "en")]
    assert "from the very first day" in headlines[0]
    assert "after 0" not in " ".join(headlines)


@pytest.mark.parametrize("name", PACKS)
def test_copy_of_each_pack_test_fact(name: str) -> None:
    """The facts the packs really return render in every locale."""
    writer = Copywriter()
    for fact in run_test_data(name):
        for locale in LOCALES:
            copy = writer.write(fact, None, locale)
            assert len(copy.emphasised()) >= 2
