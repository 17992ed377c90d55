"""Copy: golden lines per family and locale, locale numbers and plurals, template errors."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from campaign.copywriter import Copywriter, display_title
from campaign.errors import TemplateError
from campaign.events import Event
from campaign.facts import Fact
from campaign.resources import template_search_path
from tests.conftest import valentines_day

GOLDEN = Path(__file__).parent / "golden" / "copy.txt"
LOCALES = ("en", "nl", "fr", "fi")


def fact(pack: str, audience: str, value: int, measure: str, title: str, day: date) -> Fact:
    return Fact(
        pack,
        audience,
        pack,
        "GB",
        day,
        day,
        None,
        "track",
        "t1",
        title,
        "Artist",
        measure,
        value,
        10.0,
        1 if audience == "individual" else value,
        100_000,
        {},
    )


BREXIT = Event(
    date(2016, 6, 23), "GB", "news", {"en": "the Brexit vote", "fr": "le vote du Brexit"}, "x"
)
VALENTINE = valentines_day(2016)
CASES = [
    (
        fact(
            "event_spike",
            "cohort",
            3749,
            "listeners",
            "It's the End of the World As We Know It",
            BREXIT.day,
        ),
        BREXIT,
    ),
    (fact("event_spike", "cohort", 1, "listeners", "Lonely", date(2016, 3, 9)), None),
    (
        fact(
            "event_spike",
            "cohort",
            1314442,
            "streams",
            "Christmas Time Is Here - Vocal",
            date(2017, 12, 25),
        ),
        None,
    ),
    (fact("repeat_on_day", "individual", 42, "plays", "Sorry", VALENTINE.day), VALENTINE),
]


def render_all() -> str:
    writer = Copywriter()
    lines = []
    for case, event in CASES:
        for locale in LOCALES:
            for variant in writer.variants(case, event, locale):
                headline = variant.headline.replace("\ue000", "[").replace("\ue001", "]")
                signoffs = " / ".join(variant.signoffs)
                lines.append(f"{case.pack} {locale} {variant.name}: {headline} | {signoffs}")
    return "\n".join(lines) + "\n"


def test_golden_copy() -> None:
    """Every variant of every shipped family and locale, as marketers wrote it.

    After an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
    """
    actual = render_all()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(actual, encoding="utf-8")
    assert actual == GOLDEN.read_text(encoding="utf-8")


def test_locale_numbers_and_emphasis() -> None:
    writer = Copywriter()
    case, event = CASES[0]
    numbers = {loc: writer.write(case, event, loc).emphasised()[0] for loc in LOCALES}
    assert numbers == {"en": "3,749", "nl": "3.749", "fr": "3\u202f749", "fi": "3\xa0749"}
    copy = writer.write(case, event, "en")
    assert copy.emphasised()[1] == "“It's the End of the World As We Know It”"
    assert "\ue000" not in copy.headline and "\ue001" not in copy.headline


def test_plurals_follow_the_locale() -> None:
    writer = Copywriter()
    one, _ = CASES[1]
    assert "1 person who" in writer.variants(one, None, "en")[0].headline.replace(
        "\ue000", ""
    ).replace("\ue001", "")
    assert "personne qui" in writer.variants(one, None, "fr")[0].headline


def test_variant_choice_is_stable() -> None:
    case, event = CASES[0]
    assert Copywriter().write(case, event, "en") == Copywriter().write(case, event, "en")


def test_the_day_after_an_event_reads_right_in_every_locale() -> None:
    after = Event(
        date(2016, 6, 24),
        "GB",
        "window",
        {"en": "the day after the Brexit vote", "fr": "le lendemain du vote du Brexit"},
        "day-after",
    )
    case = replace(CASES[0][0], period_start=after.day, period_end=after.day)
    writer = Copywriter()
    en = writer.variants(case, after, "en")[0].headline
    fr = writer.variants(case, after, "fr")[0].headline
    assert en.endswith("the day after the Brexit vote,")
    assert fr.endswith("le lendemain du vote du Brexit,")


def test_catalogue_clutter_is_dropped_from_titles() -> None:
    assert display_title("Despacito (Featuring Daddy Yankee)") == "Despacito"
    assert display_title("Mistletoe And Holly - 1999 - Remaster") == "Mistletoe And Holly"
    assert display_title("Up - Down") == "Up - Down"


def test_campaign_templates_override_the_built_in_ones(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "copy" / "event_spike"  # beside the campaign.toml
    folder.mkdir(parents=True)
    (folder / "en.j2").write_text("## ours\nHello {{ value|number|em }}\n-- Bye.\n")
    copy = Copywriter(template_search_path(tmp_path)).write(CASES[0][0], None, "en")
    assert (copy.headline, copy.signoff, copy.variant) == ("Hello 3,749", "Bye.", "ours")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("## a\n{{ nope }}\n", "template failed"),
        ("## a\n{% if %}\n", "syntax error"),
        ("## a\n-- only a sign-off\n", "empty headline"),
        ("## a\n{{ ''.__class__.__mro__ }}\n", "template failed"),  # the sandbox holds
    ],
)
def test_template_errors_are_clear(tmp_path: Path, template: str, message: str) -> None:
    folder = tmp_path / "templates" / "copy" / "event_spike"
    folder.mkdir(parents=True)
    (folder / "en.j2").write_text(template)
    with pytest.raises(TemplateError, match=message):
        Copywriter(template_search_path(tmp_path)).write(CASES[0][0], None, "en")


def test_missing_locale() -> None:
    with pytest.raises(
        TemplateError, match="no copy template for family 'event_spike' in locale 'xx'"
    ):
        Copywriter().write(CASES[0][0], None, "xx")
