"""Themes as data: the bundled duotone themes, and choosing one per market or per pack."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.config import load_config
from campaign.errors import ConfigError
from campaign.render import list_themes, load_theme, theme_name_for
from campaign.run import run_campaign

DUOTONES = ("coral", "sunflower", "mint", "grape", "magenta")


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_at_least_four_duotone_themes_ship() -> None:
    assert set(DUOTONES) <= set(list_themes())


@pytest.mark.parametrize("name", list_themes())
def test_every_bundled_theme_is_legible_from_across_the_street(name: str) -> None:
    """Headline, accent and wordmark each reach WCAG's 3:1 for large text on the field, and the
    accent differs from the headline colour, or the emphasis would not show."""
    theme = load_theme(name)
    for colour in (theme.text, theme.accent, theme.wordmark_color):
        assert contrast(colour, theme.background) >= 3.0, (name, colour)
    assert contrast(theme.text, theme.accent) > 1.2
    assert theme.wordmark.strip()


def test_themes_per_market_and_pack_are_read(tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(
        '[themes]\nuk = "coral"\nJP = "mint"\n[themes.packs]\nevent_spike = "night"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.market_themes == {"GB": "coral", "JP": "mint"}
    assert config.pack_themes == {"event_spike": "night"}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("[themes]\nGB = 3\n", "[themes] GB must be a theme name"),
        ('[themes]\nGB = ""\n', "[themes] GB must be a theme name"),
        ('[themes]\nGreatBritain = "coral"\n', "is not a market code"),
        ('themes = 3\n[campaign]\nname = "t"\n', "[themes] holds"),
        ('[themes]\npacks = "x"\n', "[themes] holds"),
        ('[themes.packs]\nevent_spike = ["a"]\n', "[themes.packs] event_spike must be"),
    ],
)
def test_bad_theme_settings_are_one_sentence(tmp_path: Path, body: str, said: str) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert said in raised.value.describe() and "\n" not in raised.value.describe()


@given(
    st.dictionaries(st.sampled_from(["GB", "US", "JP"]), st.sampled_from(DUOTONES)),
    st.dictionaries(st.sampled_from(["event_spike", "cohort"]), st.sampled_from(DUOTONES)),
    st.sampled_from(["GB", "US", "JP", "FR"]),
    st.sampled_from(["event_spike", "cohort", "other"]),
)
def test_the_market_wins_then_the_pack_then_the_default(
    by_market: dict[str, str], by_pack: dict[str, str], market: str, pack: str
) -> None:
    chosen = theme_name_for("default", by_market, by_pack, market, pack)
    assert chosen == by_market.get(market, by_pack.get(pack, "default"))


def test_an_unknown_theme_names_its_setting(small_campaign) -> None:
    config = replace(small_campaign, market_themes={"GB": "corall"})
    with pytest.raises(ConfigError) as raised:
        run_campaign(config, workers=1)
    message = raised.value.describe()
    assert "[themes] GB" in message and "unknown theme 'corall'" in message and "coral" in message


def test_a_pack_theme_for_a_pack_not_run_is_refused(small_campaign) -> None:
    config = replace(small_campaign, pack_themes={"no_such_pack": "coral"})
    with pytest.raises(ConfigError, match=r"\[themes.packs\] names pack 'no_such_pack'"):
        run_campaign(config, workers=1)


def test_each_billboard_is_drawn_and_recorded_in_its_theme(small_campaign) -> None:
    """Per-market themes reach the pixels and the manifest, and every shortlisted billboard has
    a WebP thumbnail recorded per format and locale."""
    from PIL import Image

    config = replace(
        small_campaign, market_themes={"GB": "coral"}, pack_themes={"event_spike": "mint"}
    )
    run = run_campaign(config, workers=1)
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    assert set(manifest["campaign"]["themes"]) == {"default", "coral", "mint"}
    seen = set()
    for record in manifest["candidates"]:
        expected = theme_name_for(
            "default", config.market_themes, config.pack_themes, record["market"], record["pack"]
        )
        assert record["theme"] == expected
        for fmt, by_locale in record["images"].items():
            for locale, relative in by_locale.items():
                with Image.open(run.out_dir / relative) as image:
                    corner = image.convert("RGB").getpixel((1, 1))
                assert corner == load_theme(expected).background
                thumb = run.out_dir / record["thumbs"][fmt][locale]
                with Image.open(thumb) as small:
                    assert small.format == "WEBP" and small.width == 480
                seen.add(expected)
    assert len(seen) >= 2  # the synthetic data's markets and packs give more than one theme
