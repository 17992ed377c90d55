"""The PII screen for playlist titles, its hooks in the fact stage and the privacy gate, and the
gate's sensitive-subject check: DESIGN.md, "Privacy"."""

from __future__ import annotations

import json
import shutil
import string
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.config import CampaignConfig, PrivacySettings
from campaign.facts import Fact, collect_facts
from campaign.packs import parse_pack, resolve_params
from campaign.pii import DIGITS, EMAIL, HANDLE, KINDS, PHONE, URL, describe, find_pii, placeholder
from campaign.privacy import judge
from campaign.resources import bundled_dir
from campaign.run import run_campaign
from campaign.workspace import open_workspace
from tests.conftest import write_tables

CORE = bundled_dir("queries") / "core"

# ---------------------------------------------------------------------------------------------
# find_pii: examples


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("jane.doe@example.com", [EMAIL]),
        ("mail me: Jane_Doe+music@mail.example.co.uk please", [EMAIL]),
        ("jane (at) example (dot) com", [EMAIL]),
        ("jane at example dot com", [EMAIL]),
        ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", [EMAIL]),  # full-width look-alikes
        ("ja\u200bne@exam\u200bple.com", [EMAIL]),  # zero-width spaces
        ("call me 06 12 34 56 78", [PHONE]),
        ("+31 6 12345678", [PHONE]),
        ("+442079460958", [PHONE]),
        ("(020) 7946-0958 bangers", [PHONE]),
        ("555-1234", [PHONE]),
        ("0044 20 7946 0958", [PHONE]),
        ("follow @jane_doe", [HANDLE]),
        ("@djkhaled.fan vibes", [HANDLE]),
        ("https://open.spotify.com/user/jane", [URL]),
        ("www.janedoe.nl", [URL]),
        ("linktr.ee/janedoe", [URL]),
        ("bit.ly/3xYz", [URL]),
        ("my number 0612345678", [DIGITS]),
        ("12345678901234", [DIGITS]),
        ("jane@example.com or 06-12345678", [EMAIL, PHONE]),
    ],
)
def test_finds_personal_data(text: str, kinds: list[str]) -> None:
    assert find_pii(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Summer 2024",
        "Top 50",
        "22",
        "Top 100 2019",
        "Best of 2019 2020",
        "1999-2024",
        "2010 - 2019 throwbacks",
        "Wedding 15.06.2024",
        "road trip 2023-07-01",
        "Daddy Pence Come Dance",
        "Mr. Brightside on repeat",
        "vol.2",
        "rock @ home",
        "C++ coding",
        "Songs 4 U",
        "007 mix",
        "90s + 00s",
        "chill 🌙",
        "Ünïcödé 123",
        "",
    ],
)
def test_ordinary_titles_pass(text: str) -> None:
    assert find_pii(text) == []


def test_reasons_read_as_sentences() -> None:
    assert [describe(k) for k in KINDS] == [
        "an e-mail address",
        "a phone number",
        "a social media handle",
        "a web address",
        "a long number",
    ]
    assert placeholder([EMAIL]) == "[title withheld: e-mail address]"
    assert find_pii(placeholder(list(KINDS))) == []  # the placeholder itself passes the screen


# ---------------------------------------------------------------------------------------------
# find_pii: properties

_WORDS = st.text(alphabet=string.ascii_letters + "ÄÖÜäöüéèçñ'&!?", min_size=1, max_size=10)
# numbers an ordinary title holds: small counts, years, "90s", "No. 1"
_NUMBERS = st.one_of(
    st.integers(0, 999).map(str),
    st.integers(1950, 2030).map(str),
    st.sampled_from(["90s", "00s", "No. 1", "#3", "vol. 2", "Top 40", "24/7", "4ever"]),
)
# a title: words with at most one number between them (two numbers side by side are not ordinary)
_ORDINARY = st.lists(st.tuples(_WORDS, st.one_of(st.none(), _NUMBERS)), min_size=1, max_size=6).map(
    lambda parts: " ".join(w if n is None else f"{w} {n}" for w, n in parts)
)

_NAME = st.text(
    alphabet=string.ascii_lowercase + string.digits + "._", min_size=1, max_size=12
).map(lambda s: "a" + s.strip("._") if s.strip("._") else "a")
_DOMAIN = st.tuples(
    st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10),
    st.sampled_from(["com", "net", "org", "nl", "fr", "fi", "co.uk", "io"]),
).map(lambda t: f"{t[0]}.{t[1]}")
_EMAILS = st.tuples(_NAME, _DOMAIN).map(lambda t: f"{t[0]}@{t[1]}")
_PHONES = st.one_of(
    # +country code, then groups
    st.tuples(
        st.integers(1, 999),
        st.lists(st.integers(100, 9999), min_size=2, max_size=4),
        st.sampled_from([" ", "-", "."]),
    ).map(lambda t: f"+{t[0]} " + t[2].join(str(g) for g in t[1])),
    # national: a leading 0, 9–10 digits, grouped with a separator
    st.tuples(
        st.text(alphabet=string.digits, min_size=9, max_size=9),
        st.sampled_from([" ", "-", ".", "/"]),
        st.sampled_from([2, 3]),
    ).map(lambda t: t[1].join(("0" + t[0])[i : i + t[2]] for i in range(0, 10, t[2]))),
)
_HANDLES = _NAME.map(lambda n: "@" + n)
_URLS = st.one_of(
    _DOMAIN.map(lambda d: f"https://{d}/x"),
    _DOMAIN.map(lambda d: f"www.{d}"),
    st.tuples(_DOMAIN, _NAME).map(lambda t: f"{t[0]}/{t[1]}"),
)
_RUNS = st.text(alphabet=string.digits, min_size=7, max_size=16)
_PII = {EMAIL: _EMAILS, PHONE: _PHONES, HANDLE: _HANDLES, URL: _URLS, DIGITS: _RUNS}
# what else a planted kind may also be read as (a long digit run after a country code, say)
_ALSO = {PHONE: {DIGITS}, DIGITS: {PHONE}, URL: set(), EMAIL: set(), HANDLE: set()}

_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(title=_ORDINARY)
def test_property_ordinary_titles_pass(title: str) -> None:
    assert find_pii(title) == [], title


@_PROPERTY
@given(data=st.data(), before=_ORDINARY, after=_ORDINARY, kind=st.sampled_from(KINDS))
def test_property_embedded_pii_is_caught(data, before: str, after: str, kind: str) -> None:
    secret = data.draw(_PII[kind])
    title = f"{before} {secret} {after}"
    found = find_pii(title)
    assert kind in found or set(found) & _ALSO[kind], (title, found)


@_PROPERTY
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_property_pii_alone_is_caught(data, kind: str) -> None:
    assert find_pii(data.draw(_PII[kind]))


# ---------------------------------------------------------------------------------------------
# hooks: the fact stage withholds the title, the gate fails the fact


SECRETS = ("jane.doe@example.com", "06 12 34 56 78", "@secret_handle", "secret_handle")
CLEAN_TITLE = "Daddy Pence Come Dance"


def playlist_data(folder: Path, listeners: int = 120) -> list[Path]:
    """`listeners` GB listeners with a 'chill' playlist each; three have a 30-track playlist of a
    title of their own (one clean, one with an e-mail address, one with a phone number), and 60
    share a title with a handle in it."""
    listens = f"""
        SELECT 'u' || i AS user_id,
               TIMESTAMPTZ '2024-03-01 12:00:00+00' + INTERVAL (k) HOUR AS played_at,
               't' || k AS track_id, 'Track ' || k AS track_name, 'Artist' AS artist_name,
               NULL AS album_name, 'GB' AS market, NULL AS city, 200000 AS ms_played,
               false AS skipped, 'ios' AS platform
        FROM range({listeners}) AS r(i), range(5) AS s(k)
    """
    users = f"""
        SELECT 'u' || i AS user_id, 'GB' AS market, 1990 AS birth_year, false AS opted_out
        FROM range({listeners}) AS r(i)
    """
    playlists = f"""
        SELECT 'p-chill-' || i AS playlist_id, 'u' || i AS user_id, 'chill' AS name,
               TIMESTAMPTZ '2024-01-10 10:00:00+00' AS created_at
        FROM range({listeners}) AS r(i)
        UNION ALL VALUES
            ('p-clean', 'u1', '{CLEAN_TITLE}', TIMESTAMPTZ '2024-02-14 12:00:00+00'),
            ('p-mail', 'u2', 'songs for jane.doe@example.com', TIMESTAMPTZ '2024-02-15 12:00Z'),
            ('p-phone', 'u3', 'call me 06 12 34 56 78 xoxo', TIMESTAMPTZ '2024-02-16 12:00Z')
        UNION ALL
        SELECT 'p-handle-' || i, 'u' || i, 'follow @secret_handle',
               TIMESTAMPTZ '2024-05-01 10:00:00+00'
        FROM range(60) AS r(i)
    """
    playlist_tracks = f"""
        SELECT 'p-chill-' || i AS playlist_id, 't' || k AS track_id, NULL AS added_at
        FROM range({listeners}) AS r(i), range(5) AS s(k)
        UNION ALL
        SELECT p, 'x' || k, NULL
        FROM (VALUES ('p-clean'), ('p-mail'), ('p-phone')) AS v(p), range(30) AS s(k)
    """
    return write_tables(
        folder,
        {
            "listens": listens,
            "users": users,
            "playlists": playlists,
            "playlist_tracks": playlist_tracks,
        },
    )


def run_one(name: str, files: list[Path], **params) -> list[Fact]:
    config = CampaignConfig(year=2024)
    pack = parse_pack(CORE / f"{name}.sql")
    ws = open_workspace(config, files)
    try:
        return collect_facts(ws, pack, resolve_params(pack, params), config.year).facts
    finally:
        ws.close()


def test_a_title_with_pii_is_withheld_and_fails_the_gate(tmp_path: Path) -> None:
    facts = run_one("playlist_title", playlist_data(tmp_path))
    names = sorted(f.subject_name for f in facts)
    assert names == [
        CLEAN_TITLE,
        "[title withheld: e-mail address]",
        "[title withheld: phone number]",
    ]
    settings = PrivacySettings(individual=True, individual_min_population=10)
    for fact in facts:
        verdict = judge(fact, settings, 120)
        text = json.dumps(fact.columns(), default=str)
        assert not any(secret in text for secret in SECRETS)
        if fact.subject_name == CLEAN_TITLE:
            assert verdict.passed and "pii" not in fact.detail
        else:
            assert not verdict.passed
            assert fact.subject_id.startswith("withheld:")
            assert fact.detail["pii"] in ([EMAIL], [PHONE])
            assert verdict.reasons in (
                ("title withheld: holds an e-mail address",),
                ("title withheld: holds a phone number",),
            )


def test_a_shared_title_with_a_handle_is_withheld(tmp_path: Path) -> None:
    facts = run_one("playlist_title_count", playlist_data(tmp_path))
    by_name = {f.subject_name: f for f in facts}
    assert set(by_name) == {"chill", "[title withheld: social media handle]"}
    withheld = by_name["[title withheld: social media handle]"]
    assert withheld.value == 60 and withheld.detail["pii"] == [HANDLE]
    assert judge(withheld, PrivacySettings(), None).reasons == (
        "title withheld: holds a social media handle",
    )
    # 'chill' names the title below it, which is withheld there too
    assert withheld.detail["spelling"] == "[title withheld: social media handle]"
    assert by_name["chill"].detail["next_title"] == "[title withheld: social media handle]"
    assert not judge(by_name["chill"], PrivacySettings(), None).passed


def test_a_sensitive_track_needs_legal_review(tmp_path: Path) -> None:
    files = write_tables(
        tmp_path,
        {
            "daily_streams": """
                SELECT DATE '2024-01-01' + INTERVAL (d) DAY AS day, 'GB' AS market, t AS track_id,
                       t AS track_name, 'Artist' AS artist_name,
                       CASE t WHEN 'hard' THEN 900 ELSE 100 END AS streams, NULL AS listeners
                FROM range(40) AS r(d), (VALUES ('hard'), ('soft')) AS v(t)
            """,
            "tracks": """
                SELECT 'hard' AS track_id, false AS explicit, [] AS genres, true AS sensitive
                UNION ALL SELECT 'soft', false, [], false
            """,
        },
    )
    (fact,) = run_one("market_total", files)
    assert fact.subject_id == "hard" and fact.detail["sensitive"] is True
    verdict = judge(fact, PrivacySettings(), None)
    assert not verdict.passed
    assert verdict.reasons == ("sensitive subject: needs legal review",)
    unflagged = replace(fact, detail={k: v for k, v in fact.detail.items() if k != "sensitive"})
    assert judge(unflagged, PrivacySettings(), None).passed


# ---------------------------------------------------------------------------------------------
# end to end: a planted PII title never reaches any output file


def _texts(path: Path) -> list[str]:
    """What a file says: its bytes as text, and for Parquet every value (pages are compressed)."""
    texts = [path.read_bytes().decode("utf-8", errors="ignore")]
    if path.suffix == ".parquet":
        texts.append(json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False))
    return texts


def test_pii_titles_never_reach_any_output(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    for name in ("playlist_title", "playlist_title_count", "playlist_context"):
        shutil.copy(CORE / f"{name}.sql", packs)
    config = CampaignConfig(
        name="pii",
        year=2024,
        locales=("en", "fr"),
        formats=("square",),
        shortlist=3,
        packs=(str(packs),),
        output=tmp_path / "output",
        root=tmp_path,
        privacy=PrivacySettings(individual=True, individual_min_population=10, noise="none"),
    )
    result = run_campaign(config, playlist_data(tmp_path / "data"), workers=1)
    files = [p for p in result.out_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"manifest.json", "facts.parquet", "index.html"}
    for path in files:
        for text in _texts(path):
            for secret in (*SECRETS, "jane.doe", "example.com", "0612345678"):
                assert secret not in text, f"{secret!r} in {path.name}"
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    withheld = [
        c for c in manifest["candidates"] if c["subject_name"].startswith("[title withheld")
    ]
    assert len(withheld) == 3  # e-mail, phone, handle: present as placeholders, failed, not drawn
    for candidate in withheld:
        assert not candidate["privacy"]["passed"]
        assert candidate["privacy"]["reasons"][0].startswith("title withheld: holds ")
        assert candidate["images"] == {}
    clean = [c for c in manifest["candidates"] if c["subject_name"] == CLEAN_TITLE]
    assert clean and clean[0]["privacy"]["passed"] and clean[0]["images"]
    assert date.fromisoformat(clean[0]["period_start"]) == date(2024, 2, 14)
