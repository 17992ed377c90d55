"""One listener's Wrapped, end to end: the only place that calls the stages in order."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from campaign import __version__
from campaign.output.folder import WRAPPED_FOLDER, check_replaceable, staged
from campaign.wrapped.anomalies import find_anomalies
from campaign.wrapped.card import Card
from campaign.wrapped.cards import recap_cards
from campaign.wrapped.copy import WrappedCopy, locale_for
from campaign.wrapped.draw import draw_card
from campaign.wrapped.market import market_share_card
from campaign.wrapped.plays import MIN_MS, PLAYS_VIEW, create_plays_view, view_params
from campaign.wrapped.select import (
    Dataset,
    Listener,
    connect,
    dataset_for,
    is_canonical,
    select_listener,
)
from campaign.wrapped.story import story_html


@dataclass
class WrappedResult:
    out: Path
    year: int
    locale: str
    cards: list[Card]
    missing_glyphs: dict[str, list[str]]
    missing_translation: str | None = None  # the market's language, told in English instead


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to wrapped.json")


def _history(con: duckdb.DuckDBPyConnection, year: int) -> tuple[date, date, bool]:
    """The first and last day of the listener's plays, and whether the year's plays have a
    length (scrobbles have none: every one counts, and the cards say so)."""
    first, last, timed = con.execute(
        "SELECT min(day), max(day), count(ms_played) FILTER (year(day) = ?) > 0 FROM my_plays",
        [year],
    ).fetchone()
    return first, last, bool(timed)


def tell(
    listener: Listener, dataset: Dataset, locale: str | None, min_ms: int = MIN_MS
) -> tuple[str, dict, list]:
    """The listener's cards, worded: (locale, story settings, cards). The story settings say
    which language of the market had no template (`missing_translation`), if one had none."""
    choice = locale_for(listener.market, locale)
    locale = choice.locale
    con = connect()
    try:
        create_plays_view(con, listener, min_ms)
        cards = recap_cards(con, listener.year, min_ms)
        first, last, timed = _history(con, listener.year)
        market = market_share_card(con, dataset, listener, min_ms)
    finally:
        con.close()
    cards += find_anomalies(listener, locale, min_ms, [market] if market else [])
    story = {
        "year": listener.year,
        "tz": listener.tz,
        "tz_source": listener.tz_source,
        "market": listener.market,
        "first_day": first,
        "last_day": last,
        "min_s": min_ms // 1000,
        "timed": timed,
        "missing_translation": choice.missing,
    }
    copy = WrappedCopy(locale)
    for card in cards:
        card.copy = copy.write(card, story)
    return locale, story, cards


def write_story(
    stage: Path, listener: Listener, locale: str, story: dict, cards: list[Card]
) -> dict[str, list[str]]:
    """cards/*.png, index.html and wrapped.json into the stage folder; returns the characters
    the font lacked, per image."""
    tag = f"{listener.year} · Wrapped"
    missing: dict[str, list[str]] = {}
    for n, card in enumerate(cards, start=1):
        card.image = f"cards/{n:02d}-{card.kind}.png"
        if lacking := draw_card(card, tag, n - 1, stage / card.image, locale):
            missing[card.image] = lacking
    (stage / "index.html").write_text(story_html(tag, locale, cards), encoding="utf-8")
    record = {
        "tool": f"campaign wrapped {__version__}",
        "year": listener.year,
        "locale": locale,
        "missing_translation": story["missing_translation"],
        "market": listener.market,
        "time_zone": {"zone": listener.tz, "from": listener.tz_source},
        "history": {"first_day": story["first_day"], "last_day": story["last_day"]},
        "streams_are": f"plays of at least {MIN_MS // 1000} s, or of unknown length",
        "my_plays": {"sql": PLAYS_VIEW, "params": view_params(listener, MIN_MS)},
        "cards": [card.record() for card in cards],
        # characters the bundled font cannot draw yet (a fallback font chain will): per image
        "missing_glyphs": missing,
    }
    text = json.dumps(record, indent=2, ensure_ascii=False, default=_json_default)
    (stage / "wrapped.json").write_text(text + "\n", encoding="utf-8")
    return missing


def story_into(
    folder: Path,
    dataset: Dataset,
    scratch: Path,
    user: str | None,
    year: int | None = None,
    locale: str | None = None,
    tz: str | None = None,
    market: str | None = None,
) -> WrappedResult:
    """One listener of `dataset` told into `folder` (a stage: nothing is swapped here)."""
    listener = select_listener(dataset, scratch, user=user, year=year, tz=tz, market=market)
    chosen, story, cards = tell(listener, dataset, locale)
    missing = write_story(folder, listener, chosen, story, cards)
    return WrappedResult(
        folder, listener.year, chosen, cards, missing, story["missing_translation"]
    )


def make_wrapped(
    sources: list[Path],
    out: Path,
    user: str | None = None,
    year: int | None = None,
    locale: str | None = None,
    tz: str | None = None,
    market: str | None = None,
) -> WrappedResult:
    """A listener's export (or an ingested dataset and --user) → DIR with the story."""
    check_replaceable(out, WRAPPED_FOLDER)
    with tempfile.TemporaryDirectory(prefix="campaign-wrapped-") as tmp:
        scratch = Path(tmp)
        dataset = dataset_for(sources, scratch, market, user, tz)
        in_dataset = all(is_canonical(s) for s in sources)
        with staged(out, WRAPPED_FOLDER) as stage:
            result = story_into(
                stage, dataset, scratch, user if in_dataset else None, year, locale, tz, market
            )
    result.out = out
    return result
