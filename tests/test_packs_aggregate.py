"""The fact library's aggregate and playlist packs: their behaviour on chart data (no listeners,
only a chart's top tracks), on the real public charts, and their copy in every locale.

Each pack's own test (`queries/core/<pack>.test.toml`, run by `campaign packs lint`) holds the
ordinary rows that must not make a fact and the planted one that must; this file covers what a
pack test cannot say (NULLs, parameters, real data) and renders every copy variant.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from campaign.config import CampaignConfig, PrivacySettings
from campaign.copywriter import EM_CLOSE, EM_OPEN, RESPECTFUL, Copywriter
from campaign.events import Event
from campaign.facts import Fact, collect_facts
from campaign.packlint import run_pack_test
from campaign.packs import parse_pack, resolve_params
from campaign.privacy import judge
from campaign.resources import bundled_dir
from campaign.scoring import surprise
from campaign.typography import quote
from campaign.workspace import open_workspace
from tests.conftest import REALDATA, valentines_day, write_tables

CORE = bundled_dir("queries") / "core"
LOCALES = ("en", "nl", "fr", "fi")
AGGREGATE = ("market_total", "market_contrast", "weekday_affinity")
PLAYLIST = ("playlist_title", "playlist_title_count", "playlist_context")
PACKS = AGGREGATE + PLAYLIST


def run(name: str, data: list[Path] | list[str], year: int | None = 2024, **params) -> list[Fact]:
    config = CampaignConfig(year=year)
    pack = parse_pack(CORE / f"{name}.sql")
    ws = open_workspace(config, data)
    try:
        result = collect_facts(ws, pack, resolve_params(pack, params), config.year)
    finally:
        ws.close()
    assert result.skipped is None
    return result.facts


# ---------------------------------------------------------------------------------------------
# headers and own tests


@pytest.mark.parametrize("name", PACKS)
def test_pack_header_follows_the_contract(name: str) -> None:
    pack = parse_pack(CORE / f"{name}.sql")
    assert pack.copy == name and pack.description and pack.test_path.is_file()
    expected = {
        "market_total": "aggregate",
        "market_contrast": "aggregate",
        "weekday_affinity": "aggregate",
        "playlist_title": "individual",
        "playlist_title_count": "cohort",
        "playlist_context": "cohort",
    }
    assert pack.audience == expected[name]
    if name in AGGREGATE:
        assert pack.needs == ("daily_streams",)  # so they run on public charts too
    run_pack_test(pack)


# ---------------------------------------------------------------------------------------------
# chart data: listeners unknown, only the top of each chart listed

# Four chart markets, 70 days from Monday 1 January 2024. Every day 20 filler tracks chart at
# 1,000 streams and a floor track at 500 (each chart's floor). 'Lokaal' charts only in NL, at 2,000
# a day; 'Vrijdag' charts in GB on Fridays only, at 1,000.
CHARTS = """
WITH days AS (SELECT DATE '2024-01-01' + INTERVAL (d) DAY AS day FROM range(70) AS r(d)),
markets AS (SELECT * FROM (VALUES ('GB'), ('FR'), ('NL'), ('FI')) AS m(market)),
rows AS (
    SELECT day, market, 'filler-' || k AS track, 1000 AS streams
    FROM days, markets, range(20) AS r(k)
    UNION ALL SELECT day, market, 'floor', 500 FROM days, markets
    UNION ALL SELECT day, 'NL', 'Lokaal', 2000 FROM days
    UNION ALL SELECT day, 'GB', 'Vrijdag', 1000 FROM days WHERE isodow(day) = 5
)
SELECT day, market, 'id-' || track AS track_id, track AS track_name, 'Artist' AS artist_name,
       streams, NULL AS listeners
FROM rows
"""


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_tables(tmp_path_factory.mktemp("charts"), {"daily_streams": CHARTS})


def test_chart_facts_have_no_cohort_and_pass_as_pre_aggregated(charts: list[Path]) -> None:
    for name in AGGREGATE:
        facts = run(name, charts)
        assert facts, name
        for fact in facts:
            assert fact.cohort_size is None and fact.population is None
            assert (fact.period_start, fact.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
            verdict = judge(fact, PrivacySettings(), None)
            assert verdict.passed and "pre-aggregated" in verdict.reasons[0]


def test_market_total_on_charts(charts: list[Path]) -> None:
    facts = {f.market: f for f in run("market_total", charts)}
    assert facts["NL"].subject_name == "Lokaal" and facts["NL"].value == 140_000
    assert facts["NL"].baseline == 70_000  # the runner-up, a filler track
    assert facts["NL"].detail["days"] == 70
    assert facts["GB"].subject_name.startswith("filler")  # 'Vrijdag' charted 10 days only


def test_market_contrast_counts_a_missing_chart_day_at_the_floor(charts: list[Path]) -> None:
    (fact,) = run("market_contrast", charts)
    assert (fact.market, fact.subject_name, fact.value) == ("NL", "Lokaal", 140_000)
    # elsewhere it is below every chart's floor of 500 a day: at most that share of the streams
    other_floor, other_total = 3 * 70 * 500, 3 * 70 * 20_500 + 10 * 1000  # GB's 'Vrijdag'
    assert fact.baseline == pytest.approx(other_floor / other_total * 70 * 22_500, abs=0.01)
    assert fact.detail["times"] == 3
    assert fact.detail["other_markets"] == 3
    assert surprise(fact).value > 0
    # counted as zeros instead, the rest of the world predicts nothing: no multiple to print
    zeros = {f.subject_name: f for f in run("market_contrast", charts, chart_floor=0.0)}
    assert set(zeros) == {"Lokaal", "Vrijdag"}  # 'Vrijdag' is on no other chart either
    assert zeros["Lokaal"].baseline == 0 and zeros["Lokaal"].detail["times"] is None
    # a single market has no rest of the world
    assert run("market_contrast", charts, min_other_markets=4) == []


def test_weekday_affinity_on_charts(charts: list[Path]) -> None:
    (fact,) = run("weekday_affinity", charts)
    assert (fact.market, fact.subject_name) == ("GB", "Vrijdag")
    assert fact.detail["weekday"] == "Friday" and fact.detail["weekday_number"] == 5
    assert fact.detail["sample_day"] == date(2024, 1, 5)
    assert fact.value == 10 * 1000
    # off-chart days at the full floor (the upper bound) leave it under the threshold
    assert run("weekday_affinity", charts, chart_floor=1.0) == []


def test_weekday_affinity_ignores_one_big_day(tmp_path: Path) -> None:
    files = write_tables(
        tmp_path,
        {
            "daily_streams": """
                SELECT DATE '2024-01-01' + INTERVAL (d) DAY AS day, 'GB' AS market, 'x' AS track_id,
                       'Launch' AS track_name, 'Artist' AS artist_name,
                       CASE WHEN d = 4 THEN 50000 ELSE 1000 END AS streams, 500 AS listeners
                FROM range(70) AS r(d)
            """
        },
    )
    assert run("weekday_affinity", files) == []
    assert run("weekday_affinity", files, min_ratio=1.0)  # its Friday is the favourite, barely


def test_cohort_is_the_distinct_listeners_of_the_year_where_plays_are_at_hand(
    tmp_path: Path,
) -> None:
    """Daily counts cannot give a year's distinct listeners; the plays can, for the facts found.
    Here ten different listeners a day play 'Top' for six days: 60 listeners, never more than
    ten on one day."""
    files = write_tables(
        tmp_path,
        {
            "listens": """
                SELECT 'u' || (d * 10 + i % 10) AS user_id,
                       TIMESTAMPTZ '2024-03-04 12:00:00+00' + INTERVAL (d) DAY AS played_at,
                       t AS track_id, t AS track_name, 'Artist' AS artist_name, NULL AS album_name,
                       'GB' AS market, NULL AS city, 200000 AS ms_played, false AS skipped,
                       NULL AS platform
                FROM range(6) AS r(d), range(20) AS s(i),
                     (VALUES ('Top'), ('Second')) AS v(t)
                WHERE t = 'Top' OR i < 10
            """
        },
    )
    (fact,) = run("market_total", files, min_days=1)
    assert (fact.subject_name, fact.value, fact.cohort_size) == ("Top", 120, 60)


# ---------------------------------------------------------------------------------------------
# the real public charts (ingested once; skipped without them)


@pytest.fixture(scope="module")
def charts2019(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = REALDATA / "charts2019h1_top100_20regions"
    if not source.is_dir():
        pytest.skip("no real charts")
    from campaign.ingest import ingest

    out = tmp_path_factory.mktemp("charts2019")
    ingest([source], out)
    return out


@pytest.mark.slow
def test_real_charts_market_contrast_finds_local_favourites(charts2019: Path) -> None:
    facts = run("market_contrast", [charts2019], year=2019)
    found = {(f.market, f.subject_name) for f in facts}
    # Turkish rap, Aimyon in Japan, Filipino bands, French rap, Lewis Capaldi before the world
    for local in [
        ("TR", "Felaket"),
        ("JP", "マリーゴールド"),
        ("PH", "Sana"),
        ("FR", "Khapta"),
        ("GB", "Someone You Loved"),
    ]:
        assert local in found
    # a worldwide hit is nobody's local favourite
    assert not any(name.startswith("Sunflower") for _, name in found)
    assert all(f.detail["times"] >= 3 and f.cohort_size is None for f in facts)


@pytest.mark.slow
def test_real_charts_totals_and_weekdays(charts2019: Path) -> None:
    totals = {f.market: f for f in run("market_total", [charts2019], year=2019)}
    assert len(totals) == 20
    assert totals["GB"].subject_name == "Someone You Loved"
    assert totals["NO"].subject_name == "Shallow"
    assert totals["GB"].detail["last_day"] == date(2019, 6, 30)
    # 'Det er fredag' ("It's Friday") charts in Norway every Friday, and hardly any other day
    weekdays = run("weekday_affinity", [charts2019], year=2019)
    assert [(f.market, f.subject_name, f.detail["weekday"]) for f in weekdays] == [
        ("NO", "Det er fredag", "Friday")
    ]


# ---------------------------------------------------------------------------------------------
# copy: every variant of every family in every locale

VALENTINE = valentines_day(2024)
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


# audience, subject kind and measure of each family's facts
SHAPES = {
    "market_total": ("aggregate", "track", "streams"),
    "market_contrast": ("aggregate", "track", "streams"),
    "weekday_affinity": ("aggregate", "track", "streams"),
    "playlist_title": ("individual", "playlist", "tracks"),
    "playlist_title_count": ("cohort", "playlist_title", "playlists"),
    "playlist_context": ("cohort", "track", "listeners"),
}


def sample(pack: str, name: str, detail: dict, period: tuple[date, date] = YEAR) -> Fact:
    audience, kind, measure = SHAPES[pack]
    cohort = {"aggregate": None, "individual": 1, "cohort": 3754}[audience]
    return Fact(
        pack, audience, pack, "GB", *period, None, kind, "s1", name, "Artist", measure, 3754,
        10.0, cohort, None, detail,
    )  # fmt: skip


VALENTINES = (VALENTINE.day, VALENTINE.day)
SAMPLES = [
    (sample("market_total", "Too Good at Goodbyes", {"days": 366, "first_day": YEAR[0],
                                                     "last_day": YEAR[1]}), None),
    (sample("market_total", "Shallow", {"days": 181, "first_day": YEAR[0],
                                        "last_day": date(2024, 6, 30)}), None),
    (sample("market_contrast", "Felaket", {"times": 6}), None),
    (sample("market_contrast", "Lokaal", {"times": None}), None),
    (sample("market_contrast", "Alleen hier", {"times": 3104}), None),  # reads as a mistake
    (sample("weekday_affinity", "Friday", {"weekday": "Friday",
                                           "sample_day": date(2024, 1, 5)}), None),
    (sample("weekday_affinity", "Manic Monday", {"weekday": "Wednesday",
                                                 "sample_day": date(2024, 1, 3)}), None),
    (sample("playlist_title", "Daddy Pence Come Dance", {"tail_share": 0.001}, VALENTINES),
     VALENTINE),
    (sample("playlist_title", "Sunday - chill mix", {"tail_share": 0.001},
            (date(2024, 3, 1), date(2024, 3, 1))), None),
    (sample("playlist_title_count", "laurel", {"spelling": "Laurel", "next_title": "Yanny",
                                               "next_count": 1059}), None),
    (sample("playlist_title_count", "chill", {"next_title": None, "next_count": None}), None),
    (sample("playlist_context", "Despacito", {"context": "running"}), None),
    (sample("playlist_context", "Despacito", {"context": "hardlopen"}), None),
]  # fmt: skip
NUMBERS = {"en": "3,754", "nl": "3.754", "fr": "3\u202f754", "fi": "3\xa0754"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("fact", "event"), SAMPLES, ids=[f"{f.pack}-{f.subject_name}" for f, _ in SAMPLES]
)
def test_every_variant_renders_with_number_and_title_emphasised(
    fact: Fact, event: Event | None, locale: str
) -> None:
    variants = Copywriter().variants(fact, event, locale)
    assert variants
    if locale == "en":
        assert len(variants) >= 2
    for variant in variants:
        headline = variant.headline
        spans = [s.split(EM_CLOSE)[0] for s in headline.split(EM_OPEN)[1:]]
        title = fact.detail.get("spelling") or fact.subject_name
        assert quote(title, locale) in spans, (variant.name, headline)
        # the number: the streams, or how many times more (market_contrast)
        assert NUMBERS[locale] in spans or str(fact.detail.get("times")) in spans, headline
        assert variant.signoffs or variant.name == RESPECTFUL, variant.name  # sober: no joke
        for text in (headline, *variant.signoffs):
            assert "None" not in text and "{" not in text and "  " not in text
    assert len({v.name for v in variants}) == len(variants)


def test_copy_names_the_weekday_in_each_language() -> None:
    fact, _ = SAMPLES[5]
    writer = Copywriter()
    headlines = {loc: writer.variants(fact, None, loc)[0].headline for loc in LOCALES}
    assert "most on Fridays" in headlines["en"]
    assert "op vrijdag" in headlines["nl"]
    assert "le vendredi\u202f:" in headlines["fr"]
    assert "perjantaisin" in headlines["fi"]
    assert writer.variants(fact, None, "en")[0].signoffs[0] == "Yes, it’s in the title. We checked."


def test_contrast_copy_never_prints_an_absurd_multiple() -> None:
    fact, _ = SAMPLES[4]
    for locale in LOCALES:
        for variant in Copywriter().variants(fact, None, locale):
            assert "104" not in variant.headline  # 3,104 · 3.104 · 3 104
            assert NUMBERS[locale] in variant.headline  # the streams instead


def test_copy_states_the_part_of_the_year_the_data_covers() -> None:
    fact, _ = SAMPLES[1]
    writer = Copywriter()
    assert "from 1 January to 30 June 2024" in writer.variants(fact, None, "en")[0].headline
    assert "du 1er janvier au 30 juin 2024" in writer.variants(fact, None, "fr")[0].headline
    assert "1.1.–30.6.2024" in writer.variants(fact, None, "fi")[0].headline
    whole, _ = SAMPLES[0]
    assert "here in 2024." in writer.variants(whole, None, "en")[0].headline


def test_playlist_titles_are_printed_as_typed() -> None:
    """A playlist title is not a track title: nothing is trimmed off it ('- chill mix')."""
    fact, _ = SAMPLES[8]
    for locale in LOCALES:
        copy = Copywriter().write(fact, None, locale)
        assert "Sunday - chill mix" in copy.headline


def test_contexts_read_naturally() -> None:
    writer = Copywriter()
    running, _ = SAMPLES[11]
    dutch_word, _ = SAMPLES[12]
    assert "on their running playlists" in writer.variants(running, None, "en")[0].headline
    assert writer.variants(running, None, "en")[0].signoffs[0] == "Pace yourselves."
    assert "on their “hardlopen” playlists" in writer.variants(dutch_word, None, "en")[0].headline
    french = writer.variants(running, None, "fr")[0].headline
    assert "dans leurs playlists «\u202frunning\u202f»" in french
    assert "”running”-soittolistoillenne" in writer.variants(running, None, "fi")[0].headline
