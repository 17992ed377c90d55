"""One listener's Wrapped, end to end: the only place that calls the stages in order."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from campaign import __version__
from campaign.errors import ConfigError
from campaign.facts import PackRunner
from campaign.output.folder import WRAPPED_FOLDER, check_replaceable, staged
from campaign.packs import run_pack
from campaign.spark.settings import SparkSettings
from campaign.wrapped.anomalies import best_anomalies, find_anomalies
from campaign.wrapped.card import Card
from campaign.wrapped.cards import recap_cards
from campaign.wrapped.cohort import create_listeners, create_sources, write_story_plays
from campaign.wrapped.copy import WrappedCopy, locale_for
from campaign.wrapped.draw import draw_card
from campaign.wrapped.market import create_crowd, market_cards
from campaign.wrapped.plays import MIN_MS, PLAYS_VIEW, create_plays_view, view_params
from campaign.wrapped.select import (
    Dataset,
    Listener,
    connection,
    dataset_for,
    is_canonical,
    opted_out,
    resolve_user,
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


# Per told listener: the first and last day of their plays, and whether the year's plays have a
# length (scrobbles have none: every one counts, and the cards say so).
HISTORY_SQL = """
SELECT user_id, min(day), max(day), count(ms_played) FILTER (year(day) = $year) > 0
FROM my_plays GROUP BY user_id
"""


@dataclass
class Told:
    """One listener's story, worded, ready to draw: everything `write_story` needs."""

    listener: Listener
    locale: str
    story: dict[str, Any]
    cards: list[Card]


def tell(
    con: duckdb.DuckDBPyConnection,
    listeners: list[Listener],
    covered: dict[str, dict[str, Any]],
    locale: str | None,
    scratch: Path,
    min_ms: int = MIN_MS,
    run: PackRunner = run_pack,
    spark: SparkSettings | None = None,
) -> Iterator[Told]:
    """The stories of `listeners` (the connection's `listeners` table, with `all_listens` and
    the market's `crowd`): each query, each pack, once for all of them; `run` runs a pack on the
    chosen engine, and with `spark` the packs' tables made from the plays are built on Spark.
    The story settings say which language of the market had no template."""
    create_plays_view(con, write_story_plays(con, scratch / "cohort"), min_ms)
    choices = {x.user_id: locale_for(x.market, locale) for x in listeners}
    locales = {user: choice.locale for user, choice in choices.items()}
    writers: dict[str, WrappedCopy] = {}
    for year in sorted({x.year for x in listeners}):
        told = [x for x in listeners if x.year == year]
        users = [x.user_id for x in told]
        recap = recap_cards(con, year, min_ms, users)
        history = {str(u): rest for u, *rest in con.execute(HISTORY_SQL, {"year": year}).fetchall()}
        market = market_cards(con, year, min_ms)
        found = find_anomalies(con, told, locales, min_ms, scratch / f"year-{year}", run, spark)
        for listener in told:
            user = listener.user_id
            first, last, timed = history[user]
            cards = recap[user]
            mine = found.get(user, []) + ([market[user]] if user in market else [])
            cards += best_anomalies(mine)
            story = {
                "year": year,
                "tz": listener.tz,
                "tz_source": listener.tz_source,
                "market": listener.market,
                "first_day": first,
                "last_day": last,
                "min_s": min_ms // 1000,
                "timed": bool(timed),
                "missing_translation": choices[user].missing,
                "coverage": covered[user],
            }
            if locales[user] not in writers:  # one template environment per locale
                writers[locales[user]] = WrappedCopy(locales[user])
            copy = writers[locales[user]]
            copy.write_all(cards, story)
            yield Told(listener, locales[user], story, cards)


def write_story(stage: Path, told: Told) -> dict[str, list[str]]:
    """cards/*.png, index.html and wrapped.json into the stage folder; returns the characters
    the font lacked, per image."""
    listener, locale, story, cards = told.listener, told.locale, told.story, told.cards
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
        # the told year's data, in days only: partial when it misses much of the year
        "partial": story["coverage"]["partial"],
        "covered": story["coverage"],
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
    """One listener of `dataset` told into `folder` (a stage: nothing is swapped here): the
    cohort of one, through the same queries as the batch."""
    with connection(scratch) as con:
        create_sources(con, dataset)
        user_id = resolve_user(con, dataset, user)
        if opted_out(con, user_id):
            raise ConfigError("this listener opted out of personalised marketing", "--user")
        con.execute(
            "CREATE TEMP TABLE story_users AS SELECT CAST(? AS VARCHAR) AS user_id", [user_id]
        )
        listeners, refused, covered = create_listeners(con, year, MIN_MS, market, tz)
        if refused:
            raise refused[user_id]
        create_crowd(con, dataset, MIN_MS)
        (told,) = tell(con, listeners, covered, locale, scratch)
    missing = write_story(folder, told)
    return WrappedResult(
        folder,
        told.listener.year,
        told.locale,
        told.cards,
        missing,
        told.story["missing_translation"],
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
