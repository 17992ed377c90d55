"""Readable fake names for the synthetic catalogue: tracks, artists, albums, ids.

Names are combined from word lists with the caller's random generator, so a seed gives the same
catalogue. A few titles are event-themed ("Christmas …", "… of Love", "Halloween …") so that
story matching has something to find; most are not.
"""

from __future__ import annotations

import functools
import string

import numpy as np


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ADJECTIVES = _words(
    "Golden Silver Electric Broken Quiet Midnight Neon Paper Velvet Wild Lonely Burning Frozen "
    "Hidden Crystal Little Endless Sweet Bitter Restless Northern Southern Purple Scarlet Blue "
    "Wasted Perfect Careless Dangerous Gentle Holy Lucky Open Secret Silent Strange Summer "
    "Tender Violent Wicked Young Faded Crooked Hollow Lazy Loud Magic Modern Naked Painted "
    "Radio Rainy Shallow Simple Slow Sunday Supersonic Twisted Vintage Wandering Weightless "
    "Glass Cosmic Dizzy Fragile Heavy Honest Invisible Lost Shining Stolen Sudden"
)

NOUNS = _words(
    "Heart Night River City Fire Rain Ocean Dream Light Shadow Road Window Mirror Garden Storm "
    "Echo Signal Satellite Horizon Highway Paradise Machine Engine Island Desert Forest Mountain "
    "Thunder Lightning Diamond Feather Ghost Angel Stranger Lover Runaway Kingdom Planet Comet "
    "Galaxy Moon Sun Star Sky Cloud Wave Tide Harbour Station Avenue Boulevard Bridge Tower "
    "Castle Cathedral Carousel Circus Disco Dancefloor Jukebox Cassette Polaroid Postcard Letter "
    "Promise Secret Memory Fever Gravity Velocity Silence Thunderbird Wildfire Sunrise Sunset "
    "Daydream Heartbeat Tonight Tomorrow Yesterday Weekend Summer Winter Autumn Spring Monday "
    "Friday Cherry Honey Sugar Lemonade Champagne Whiskey Coffee Cigarette Motel Hotel Kitchen "
    "Bedroom Rooftop Basement Backseat Headlights Neon Skyline Waterfall Volcano Avalanche"
)

GERUNDS = _words(
    "Chasing Holding Falling Running Dancing Waiting Dreaming Burning Breaking Calling Driving "
    "Fading Flying Hiding Losing Missing Riding Shaking Singing Sinking Spinning Walking "
    "Talking Leaving Coming Floating Drifting Counting Crying Shining"
)

VERBS = _words(
    "Hold Call Take Kiss Save Leave Love Tell Show Find Wake Keep Carry Follow Free Trust"
)

ADVERBS = _words("Closer Slowly Tonight Again Forever Gently Home Now Down Better Higher")

FIRST_NAMES = _words(
    "Olivia Amelia Isla Ava Mia Grace Lily Freya Ella Sophie Jack Oliver Harry George Noah "
    "Leo Arthur Oscar Charlie Theo Emma Madison Chloe Zoe Nora Ruby Maya Luna Aria Hazel "
    "Mason Logan Lucas Ethan Caleb Wyatt Owen Miles Jude Felix Jasmine Tyler Jordan Casey Riley"
)

LAST_NAMES = _words(
    "Smith Jones Taylor Brown Williams Wilson Evans Thomas Johnson Roberts Walker Wright "
    "Robinson Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke "
    "Clark Turner Hill Scott Cooper Morris Ward Moore King Watson Baker Harper Young Allen "
    "Carter Bennett Hayes Reed Brooks Price Foster Ellis Vance Monroe Sterling Blake"
)

JP_FIRST_NAMES = _words(
    "Yui Haruka Aoi Hina Sakura Rin Mio Yuna Riko Miku Kaito Haruto Ren Sota Yuto Daiki "
    "Takumi Sora Kenji Hiroshi Akira Naoko Emi Kana Mei Nanami Ayaka Shun Ryo Yuki"
)

JP_LAST_NAMES = _words(
    "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida "
    "Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Mori Ikeda Hashimoto "
    "Ishikawa Ogawa Fujita Okada Goto Hasegawa Murakami Kondo"
)

BAND_NOUNS = _words(
    "Wolves Lions Strangers Satellites Ghosts Kings Queens Machines Rivers Foxes Ravens Tides "
    "Echoes Comets Pilots Architects Lovers Runaways Dreamers Monsters Saints Sailors Orphans "
    "Electrics Daydreamers Astronauts Cowboys Mirrors Fireflies Sparrows Giants Headlights"
)

TITLE_PATTERNS = (
    "{adj} {noun}",
    "{adj} {noun}",
    "{noun}",
    "{gerund} {noun}s",
    "{gerund} {adv}",
    "The {adj} {noun}",
    "{noun} in the {noun2}",
    "{verb} Me {adv}",
    "{verb} My {noun}",
    "{noun} & {noun2}",
    "{adj} {noun}s",
    "{noun} of the {noun2}",
    "Under the {adj} {noun}",
    "{gerund} the {noun}",
    "{adj}",
    "No More {noun}s",
    "{noun} {noun2}",
)

TITLE_SUFFIXES = (" (Acoustic)", " - Radio Edit", " (Live)", " - Remastered", " (Remix)", " Pt. 2")

ARTIST_PATTERNS = (
    "{first} {last}",
    "{first} {last}",
    "{first} {last}",
    "The {band}",
    "{adj} {band}",
    "{first}",
    "DJ {noun}",
    "{noun} Club",
    "{last} & the {band}",
    "{adj} {noun}",
    "MC {last}",
    "{noun}{noun2}",
)

ALBUM_PATTERNS = (
    "{adj} {noun}",
    "{noun}",
    "{noun}s",
    "The {noun} Sessions",
    "{adj} {noun} (Deluxe Edition)",
    "{gerund} {noun}s",
    "Songs for the {noun}",
    "{noun} & {noun2}",
    "Live at the {noun}",
    "Greatest Hits",
    "{adj}",
)

# Event-themed titles: theme → patterns. Calendar events map to a theme through EVENT_THEMES.
THEMES: dict[str, tuple[str, ...]] = {
    "christmas": (
        "Christmas {noun}",
        "{adj} Christmas",
        "Christmas in the {noun2}",
        "Mistletoe {noun}",
        "Snow on the {noun}",
        "Last Christmas {noun}",
    ),
    "love": (
        "{noun} of Love",
        "Love {noun}",
        "{adj} Love",
        "Valentine {noun}",
        "Love Me {adv}",
        "My {adj} Valentine",
        "Lovesick {noun}",
    ),
    "halloween": ("Halloween {noun}", "Haunted {noun}", "Ghost of the {noun2}", "{adj} Pumpkin"),
    "new_year": ("New Year {noun}", "Midnight {noun}", "Countdown to {noun}", "Auld {noun}"),
    "fireworks": ("Fireworks {noun}", "{adj} Fireworks", "Independence {noun}"),
    "pancake": ("Pancake {noun}", "Pancakes & {noun2}"),
    "summer": ("Summer {noun}", "{adj} Summer", "Summer in the {noun2}"),
}
THEME_SHARES: dict[str, float] = {
    "christmas": 0.008,
    "love": 0.015,
    "halloween": 0.004,
    "new_year": 0.004,
    "fireworks": 0.002,
    "pancake": 0.001,
    "summer": 0.006,
}
THEME_NAMES: tuple[str, ...] = ("", *THEMES)  # index 0 = no theme

# Lower-case keyword in an event's English name → the theme that speaks to it.
EVENT_THEMES: dict[str, str] = {
    "christmas": "christmas",
    "valentine": "love",
    "halloween": "halloween",
    "new year": "new_year",
    "pancake": "pancake",
    "independence": "fireworks",
}

BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "S1")


def event_theme(event_name: str) -> str | None:
    """The title theme that speaks to an event, e.g. "Christmas Day" → "christmas"."""
    lowered = event_name.casefold()
    return next((theme for key, theme in EVENT_THEMES.items() if key in lowered), None)


class _Words:
    """Draws words with pre-drawn random numbers (a Python call per word, not a numpy call)."""

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._buffer: list[float] = []

    def pick(self, words: tuple[str, ...] | list[str]) -> str:
        if not self._buffer:
            self._buffer = self._rng.random(4096).tolist()
        return words[int(self._buffer.pop() * len(words))]

    def fill(self, pattern: str, first: list[str], last: list[str]) -> str:
        """A pattern with only the fields it names drawn."""
        lists = {
            "adj": ADJECTIVES,
            "noun": NOUNS,
            "noun2": NOUNS,
            "gerund": GERUNDS,
            "verb": VERBS,
            "adv": ADVERBS,
            "first": first,
            "last": last,
            "band": BAND_NOUNS,
        }
        values = {name: self.pick(lists[name]) for name in _fields(pattern)}
        if values.get("noun2") is not None and values["noun2"] == values.get("noun"):
            values["noun2"] = "Sea"
        return pattern.format(**values)


@functools.cache
def _fields(pattern: str) -> tuple[str, ...]:
    return tuple(f for _, f, _, _ in string.Formatter().parse(pattern) if f)


def track_ids(rng: np.random.Generator, n: int) -> list[str]:
    """`spotify:track:<22 base62 chars>` ids, unique."""
    chars = BASE62[rng.integers(0, 62, size=(n, 22))].view("S22").ravel()
    ids = ["spotify:track:" + c.decode() for c in chars]
    if len(set(ids)) != n:  # astronomically unlikely; keep the contract anyway
        raise RuntimeError("duplicate synthetic track id")
    return ids


def track_titles(rng: np.random.Generator, themes: np.ndarray) -> list[str]:
    """One unique title per track; `themes` holds an index into THEME_NAMES (0 = no theme)."""
    words, seen = _Words(rng), set()
    titles: list[str] = []
    for theme_index in themes.tolist():
        patterns = THEMES[THEME_NAMES[theme_index]] if theme_index else TITLE_PATTERNS
        for attempt in range(50):
            title = words.fill(words.pick(patterns), FIRST_NAMES, LAST_NAMES)
            if attempt > 5:
                title += words.pick(TITLE_SUFFIXES)
            if attempt > 20:
                title += f" {attempt}"
            if title not in seen:
                break
        seen.add(title)
        titles.append(title)
    return titles


def artist_names(rng: np.random.Generator, japanese: np.ndarray) -> list[str]:
    """Unique artist names; `japanese[i]` picks Japanese given and family names for artist i."""
    words, seen = _Words(rng), set()
    names: list[str] = []
    for jp in japanese.tolist():
        first, last = (JP_FIRST_NAMES, JP_LAST_NAMES) if jp else (FIRST_NAMES, LAST_NAMES)
        for attempt in range(50):
            name = words.fill(words.pick(ARTIST_PATTERNS), first, last)
            if attempt > 10:
                name += f" {words.pick(('Jr.', 'II', 'III', 'Band', 'Collective', 'Trio'))}"
            if name not in seen:
                break
        seen.add(name)
        names.append(name)
    return names


def album_titles(rng: np.random.Generator, n: int) -> list[str]:
    words = _Words(rng)
    return [words.fill(words.pick(ALBUM_PATTERNS), FIRST_NAMES, LAST_NAMES) for _ in range(n)]
