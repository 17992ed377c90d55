"""Copy in every locale: golden lines, the copy lint, typography, plurals, auto locales, missing
translations and respectful variants."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.config import CampaignConfig, load_config
from campaign.copylint import golden_copy, lint_copy, specimens
from campaign.copywriter import Copywriter
from campaign.errors import ConfigError
from campaign.events import RESPECTFUL, WINDOWS, cultural_days, public_holidays
from campaign.facts import Fact
from campaign.grammar import contract, german_on
from campaign.locales import country_locales, locales_for, template_locales
from campaign.typography import (
    NARROW_NBSP,
    NBSP,
    bind_last_words,
    bind_numbers,
    literal_text,
    quote,
)

GOLDEN = Path(__file__).parent / "golden" / "copy"
LOCALES = template_locales()
UNPLURAL = ("ja", "ko", "zh-Hant", "zh-Hans", "th", "id", "ms")  # CLDR: no plural forms


def test_every_issue_locale_ships() -> None:
    wanted = [
        "en",
        "nl",
        "fr",
        "fi",
        "de",
        "sv",
        "nb",
        "da",
        "es",
        "pt",
        "it",
        "tr",
        "id",
        "ms",
        "th",
        "vi",
        "ko",
        "ja",
        "zh-Hant",
    ]
    assert set(wanted) <= set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_golden_copy(locale: str) -> None:
    """Every variant of every family for the specimen facts, as marketers wrote it.

    After an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
    """
    actual = golden_copy(locale)
    path = GOLDEN / f"{locale}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_the_lint_passes_on_the_shipped_copy() -> None:
    assert lint_copy(CampaignConfig(formats=("square",))) == []  # the tightest budget


def _campaign_with(tmp_path: Path, family: str, locale: str, text: str, **settings: str) -> Path:
    folder = tmp_path / "templates" / "copy" / family
    folder.mkdir(parents=True)
    (folder / f"{locale}.j2").write_text(text, encoding="utf-8")
    lines = [f"{k} = {v}" for k, v in settings.items()]
    (tmp_path / "campaign.toml").write_text("[campaign]\n" + "\n".join(lines) + "\n")
    return tmp_path / "campaign.toml"


def test_the_lint_reports_a_missing_translation(tmp_path: Path) -> None:
    toml = _campaign_with(tmp_path, "streak", "xh", "## a\nMholweni {{ value }}\n")
    problems = lint_copy(load_config(toml))
    assert any("event_spike/xh.j2: missing" in p for p in problems)
    assert not any("streak/xh.j2" in p for p in problems)


def test_the_lint_reports_copy_too_long_and_a_broken_branch(tmp_path: Path) -> None:
    long = "## wordy\n" + "Dear {{ value|number }} " + "very " * 40 + "people\n"
    toml = _campaign_with(tmp_path, "event_spike", "en", long, formats='["square"]')
    problems = lint_copy(load_config(toml))
    assert any("variant 'wordy'" in p and "square budget" in p for p in problems)
    broken = "## a\n{% if detail.plays > 1 %}x{% endif %}\n"  # no `plays` in most facts
    toml = _campaign_with(tmp_path / "b", "hook_point", "en", broken)
    assert any("hook_point/en.j2: template failed" in p for p in lint_copy(load_config(toml)))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "“x”"),
        ("de", "„x“"),
        ("fr", f"«{NARROW_NBSP}x{NARROW_NBSP}»"),
        ("fi", "”x”"),
        ("sv", "”x”"),
        ("ja", "「x」"),
        ("zh-Hant", "「x」"),
        ("zh-Hans", "“x”"),
        ("nb", "«x»"),
        ("pt-PT", "«x»"),
        ("de-CH", "«x»"),
    ],
)
def test_quotation_marks_follow_cldr(locale: str, expected: str) -> None:
    assert quote("x", locale) == expected


def test_literal_text_is_typographic() -> None:
    assert literal_text("You're not alone. It's been weird.", None) == (
        "You’re not alone. It’s been weird."
    )
    assert literal_text('Un titre "x" ? Oui !', "fr") == (
        f"Un titre «{NARROW_NBSP}x{NARROW_NBSP}»{NARROW_NBSP}? Oui{NARROW_NBSP}!"
    )
    assert literal_text("Ratio 3:1, done!", "en") == "Ratio 3:1, done!"


def test_titles_keep_their_own_characters_while_the_copy_is_typographic() -> None:
    writer = Copywriter()
    for locale in LOCALES:
        for specimen in specimens("event_spike", locale):
            for variant in writer.variants(specimen.fact, specimen.event, locale):
                text = variant.headline + " ".join(variant.signoffs)
                assert specimen.fact.subject_name in text.replace("\ue000", "").replace(
                    "\ue001", ""
                )
                assert "'" not in text.replace(specimen.fact.subject_name, ""), (locale, text)


@given(st.lists(st.text(alphabet="abcdé,.", min_size=1, max_size=9), min_size=1, max_size=8))
def test_binding_the_last_words_keeps_the_text(words: list[str]) -> None:
    headline = " ".join(words)
    bound = bind_last_words(headline, "en")
    assert len(bound) == len(headline) and bound.replace(NBSP, " ") == headline
    assert bound.count(NBSP) == (
        1
        if len(words) >= 3 and len(words[-2]) + len(words[-1]) + 1 <= 18 and NBSP not in headline
        else 0
    )


def test_no_binding_where_words_have_no_spaces() -> None:
    for locale in ("ja", "th", "zh-Hant", "zh-Hans"):
        assert NBSP not in bind_last_words("给 在 平安夜 听了", locale)
    assert bind_last_words("Liebe 3.749 Menschen, die es hörten", "de").endswith(f"es{NBSP}hörten")


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(LOCALES))
def test_plural_always_returns_one_of_the_forms(count: int, locale: str) -> None:
    writer = Copywriter()
    template = writer.env.from_string('{{ plural(n, "ONE", "OTHER", few="FEW", many="MANY") }}')
    word = template.render(n=count, locale=locale)
    assert word in {"ONE", "OTHER", "FEW", "MANY"}
    if locale in UNPLURAL:
        assert word == "OTHER"
    if locale in ("en", "de", "sv", "nb", "da", "nl", "fi", "tr"):
        assert word == ("ONE" if count == 1 else "OTHER")


def test_plural_categories_beyond_one_and_other() -> None:
    template = Copywriter().env.from_string('{{ plural(n, "osoba", "osób", few="osoby") }}')
    assert [template.render(n=n, locale="pl") for n in (1, 3, 5, 22)] == [
        "osoba",
        "osoby",
        "osób",
        "osoby",
    ]


@pytest.mark.parametrize(
    ("market", "expected"),
    [
        ("CH", ["de", "fr", "it"]),
        ("BE", ["nl", "fr", "de"]),
        ("CA", ["en", "fr"]),
        ("SG", ["en", "zh-Hans", "ms"]),
        ("TH", ["th"]),
        ("JP", ["ja"]),
        ("KR", ["ko"]),
        ("TW", ["zh-Hant"]),
        ("HK", ["zh-Hant", "en"]),
        ("VN", ["vi"]),
        ("ID", ["id"]),
        ("MY", ["ms"]),
        ("NO", ["nb"]),
        ("BR", ["pt"]),
        ("FI", ["fi", "sv"]),
        ("US", ["en"]),
        ("*", ["en"]),
    ],
)
def test_auto_locales_come_from_the_country(market: str, expected: list[str]) -> None:
    assert locales_for(CampaignConfig(locales=("auto",)), market) == expected


def test_a_country_without_templates_is_flagged_not_silently_english() -> None:
    have, lack = country_locales("KH", LOCALES)
    assert have == [] and lack == ["km"]
    assert locales_for(CampaignConfig(locales=("auto",)), "KH") == ["km", "en"]
    assert locales_for(CampaignConfig(locales=("fr", "en")), "TH") == ["fr", "en"]


def test_a_missing_translation_is_reported_and_never_replaced() -> None:
    specimen = specimens("event_spike", "km")[0]
    copies, missing = Copywriter().write_locales(specimen.fact, None, ["km", "th"])
    assert missing == ["km"] and list(copies) == ["th"]


def test_locales_setting_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text('[campaign]\nlocales = "auto"\n')
    assert load_config(path).locales == ("auto",)
    for bad, message in [
        ('["xx-YY-ZZ"]', "unknown locale 'xx-YY-ZZ'"),
        ('["auto", "en"]', "either"),
        ("[]", "empty"),
    ]:
        path.write_text(f"[campaign]\nlocales = {bad}\n")
        with pytest.raises(ConfigError, match=message):
            load_config(path)


def test_campaign_init_defaults_to_auto_locales(tmp_path: Path) -> None:
    from campaign.config import write_template

    write_template(tmp_path / "c" / "campaign.toml", "c")
    assert load_config(tmp_path / "c" / "campaign.toml").locales == ("auto",)


def test_the_respectful_variant_is_only_for_respectful_facts() -> None:
    writer = Copywriter()
    for locale in LOCALES:
        for specimen in specimens("event_spike", locale)[:3]:
            plain = writer.write(specimen.fact, specimen.event, locale)
            mourning = replace(specimen.fact, detail={**specimen.fact.detail, "tone": RESPECTFUL})
            sober = writer.write(mourning, specimen.event, locale)
            assert plain.variant != RESPECTFUL
            assert (sober.variant, sober.signoff) == (RESPECTFUL, ""), locale


def test_every_locale_names_the_calendar_days() -> None:
    named = {e.event_id: e for e in cultural_days([2024])}
    for locale in LOCALES:
        assert all(locale in e.names for e in named.values()), locale
        for _offsets, phrasing in WINDOWS.values():
            assert locale in phrasing, locale


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Valentinstag", "am Valentinstag"),
        ("Erster Weihnachtstag", "am Ersten Weihnachtstag"),
        ("Heiligabend", "am Heiligabend"),
        ("Silvester", "an Silvester"),
        ("Tag der Deutschen Einheit", "am Tag der Deutschen Einheit"),
        ("Neujahr", "an Neujahr"),
    ],
)
def test_german_on(name: str, expected: str) -> None:
    assert german_on(name) == expected


def test_contractions() -> None:
    assert contract("em o Natal", "pt") == "no Natal"
    assert contract("il giorno di il referendum", "it") == "il giorno del referendum"
    assert contract("el día de el referéndum", "es") == "el día del referéndum"
    assert contract("de el", "en") == "de el"
    assert contract("A la Vigilia di Natale", "it") == "Alla Vigilia di Natale"


def test_a_day_after_an_event_reads_in_the_language() -> None:
    specimen = next(s for s in specimens("repeat_on_day", "de") if "day after" in s.label)
    assert "am Tag nach Brexit-Referendum" in Copywriter().write(
        specimen.fact, specimen.event, "de"
    ).headline.replace(NBSP, " ")
    assert date(2016, 6, 24) == specimen.fact.period_start


# The word a locale counts people with, as it follows a number ("3,749 people", "3,749人").
PEOPLE = {
    "en": "people",
    "nl": "mensen",
    "fr": "personnes",
    "fi": "ihmistä",
    "de": "Menschen",
    "sv": "personer",
    "nb": "personer",
    "da": "personer",
    "es": "personas",
    "pt": "pessoas",
    "it": "persone",
    "tr": "kişi",
    "id": "orang",
    "ms": "orang",
    "th": "คน",
    "vi": "người",
    "ko": "명",
    "ja": "人",
    "zh-Hant": "人",
    "zh-Hans": "人",
}


def _event_spike(locale: str, measure: str, subject_kind: str, novelty: str) -> Fact:
    specimen = specimens("event_spike", locale)[0]
    detail = {**specimen.fact.detail, "novelty": novelty, "tone": RESPECTFUL}
    return replace(
        specimen.fact, measure=measure, value=3749, subject_kind=subject_kind, detail=detail
    )


@pytest.mark.parametrize("locale", sorted(PEOPLE))
def test_the_respectful_unit_follows_the_measure(locale: str) -> None:
    """Listeners are counted as people and streams as streams, for tracks, artists and releases."""
    writer = Copywriter()
    counted = re.compile(rf"\d[\d.,\s\u00a0\u202f]*{PEOPLE[locale]}")
    for subject_kind, novelty in [("track", "spike"), ("artist", "spike"), ("track", "release")]:
        for measure in ("listeners", "streams"):
            fact = _event_spike(locale, measure, subject_kind, novelty)
            copy = writer.write(fact, None, locale)
            assert copy.variant == RESPECTFUL
            assert bool(counted.search(copy.headline)) == (measure == "listeners"), copy.headline


def test_every_locale_writes_artist_moments_and_releases_in_their_own_words() -> None:
    """An artist is named, not quoted as a song; a release has variants of its own."""
    writer = Copywriter()
    for locale in LOCALES:
        for measure in ("listeners", "streams"):
            spike = _event_spike(locale, measure, "track", "spike")
            ordinary = {"detail": {"novelty": "spike"}}
            track = writer.variants(replace(spike, **ordinary), None, locale)
            names = {v.name for v in track} - {RESPECTFUL}
            release = replace(spike, detail={"novelty": "release"})
            assert names.isdisjoint(v.name for v in writer.variants(release, None, locale))
            artist = replace(spike, subject_kind="artist", **ordinary)
            for variant in writer.variants(artist, None, locale):
                assert quote(artist.subject_name, locale) not in variant.headline, locale
                assert variant.name not in names, (locale, variant.name)


def test_an_event_named_only_in_english_gives_the_date_not_english() -> None:
    """Singapore's holidays are named in English only: its Chinese and Malay copy say the day."""
    christmas = next(e for e in public_holidays(["SG"], [2025], LOCALES) if e.day.day == 25)
    assert set(christmas.names) <= {"en", "th"}
    writer = Copywriter()
    for locale, day in [("zh-Hans", "12月25日"), ("ms", "25 Disember"), ("en", "Christmas")]:
        specimen = specimens("event_spike", locale)[0]
        fact = replace(specimen.fact, market="SG", period_start=christmas.day)
        for variant in writer.variants(fact, christmas, locale):
            assert day in variant.headline.replace(NBSP, " "), (locale, variant.headline)


@given(st.lists(st.sampled_from(["4", "3,749", "12 480", "2024.", "1:05", "times", "June", "“x”"])))
def test_binding_numbers_keeps_the_text(words: list[str]) -> None:
    headline = " ".join(words)
    bound = bind_numbers(headline)
    assert len(bound) == len(headline) and bound.replace(NBSP, " ") == headline.replace(NBSP, " ")
    for before, after in pairwise(words):
        joined = f"{before}{NBSP}{after}" in bound
        number = re.fullmatch(r"\d(?:[\d.,]*\d)?", before.split(" ")[-1]) is not None
        assert joined == (number and after[0].isalpha()), (before, after, bound)


def test_a_number_stays_with_the_word_it_counts() -> None:
    assert bind_numbers("we stream “Multo” 4 times more, in 2024. You") == (
        f"we stream “Multo” 4{NBSP}times more, in 2024. You"
    )
    assert bind_numbers(f"from 19 June to 31 December 2025: 3{NARROW_NBSP}749 people") == (
        f"from 19{NBSP}June to 31{NBSP}December 2025: 3{NARROW_NBSP}749{NBSP}people"
    )
