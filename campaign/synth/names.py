"""Readable fake names for the synthetic catalogue and playlists: tracks, artists, albums,
playlist titles, ids.

Names are combined from word lists with the caller's random generator, so a seed gives the same
catalogue. A few titles are event-themed ("Christmas …", "… of Love", "Halloween …") so that
story matching has something to find; most are not. Playlist titles are what people type: mostly
the same few words in many spellings ("chill", "Chill Vibes", "gym"), some personal ones.
"""

from __future__ import annotations

import functools
import re
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

# Titles of the "holiday music" theme (the off_season pack's): Christmas songs, whatever their
# theme index says. Plants other than Christmas-day ones keep away from them.
HOLIDAY_TITLES = r"\b(christmas|xmas|santa|jingle|sleigh|mistletoe|holly|reindeer|snow\w*)\b"


def holiday_titles(titles: list[str]) -> np.ndarray:
    """Which titles are holiday music (HOLIDAY_TITLES)."""
    pattern = re.compile(HOLIDAY_TITLES, re.IGNORECASE)
    return np.array([bool(pattern.search(t)) for t in titles], dtype=bool)


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


def spotify_ids(rng: np.random.Generator, n: int, kind: str = "track") -> list[str]:
    """`spotify:<kind>:<22 base62 chars>` ids, unique."""
    chars = BASE62[rng.integers(0, 62, size=(n, 22))].view("S22").ravel()
    ids = [f"spotify:{kind}:" + c.decode() for c in chars]
    if len(set(ids)) != n:  # astronomically unlikely; keep the contract anyway
        raise RuntimeError(f"duplicate synthetic {kind} id")
    return ids


def track_ids(rng: np.random.Generator, n: int) -> list[str]:
    return spotify_ids(rng, n, "track")


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


# ---- playlist titles ----------------------------------------------------------------------------
# What people call their playlists: (title as typed, relative weight). Case and spacing vary as
# they do in real exports; normalised (trimmed, case-folded) they fall into ~120 titles, none of
# them holding more than MAX_TITLE_SHARE of all playlists (see playlist_titles).
def _weighted(text: str) -> tuple[tuple[str, float], ...]:
    """ "title weight|title weight|…" (over lines) → ((title, weight), …)."""
    items = (item.strip() for line in text.splitlines() for item in line.split("|"))
    pairs = (item.rsplit(" ", 1) for item in items if item)
    return tuple((title, float(weight)) for title, weight in pairs)


GENERIC_PLAYLIST_TITLES = _weighted(
    """
    chill 3|Chill 3|chill vibes 2|Chill Vibes 2|chillin 1|chill mix 1|Chill Out 1|chilled 1
    workout 2|Workout 2|WORKOUT 1|gym 3|Gym 2|GYM 1|gym mix 1|workout mix 1|lifting 1|leg day 1
    cardio 1|running 2|Running 1|running mix 1|Running Playlist 1|long run 1|morning run 1
    sleep 2|Sleep 1|sleepy 1|sleep songs 1|falling asleep 1|study 2|Study 1|study music 1
    studying 1|focus 2|Focus 1|deep focus 1|homework 1|party 2|Party 2|party mix 1
    party playlist 1|pregame 1|predrinks 1|sad songs 2|Sad Songs 1|sad 2|sad girl hours 1
    crying in the car 1|heartbreak 1|wedding 1|Wedding 1|wedding songs 1|first dance 1
    road trip 2|Road Trip 2|roadtrip 1|car songs 1|driving 2|drive 1|car 1|my playlist 2
    My Playlist 2|favs 2|Favs 1|favorites 2|Favorites 1|favourites 1|faves 1|liked 1|bangers 2
    BANGERS 1|Bangers 1|throwbacks 2|Throwback 1|oldies 1|summer 2|Summer 2|summer vibes 1
    winter 1|christmas 1|Christmas 1|halloween 1|90s 1|80s 1|2000s 1|rock 1|Rock 1|rap 1
    hip hop 1|pop 1|indie 1|jazz 1|country 1|r&b 1|dance 1|edm 1|house 1|techno 1|cooking 1
    kitchen 1|shower 1|morning 1|good morning 1|work 1|office 1|commute 1|beach 1|vacation 1
    holiday 1|cleaning 1|dinner 1|sunday 1|Sunday Morning 1|friday night 1|karaoke 1|songs 1
    music 1|new 1|new music 1|mix 1|vibes 2|Vibes 1|mood 1|random 1|stuff 1|main 1|mine 1
    gaming 1|bops 1|feel good 1|happy 1|love songs 1|love 1|hype 1|pump up 1|energy 1|relax 1
    relaxing 1|calm 1|background 1|yoga 1|meditation 1|walking 1|hiking 1|spring 1|autumn 1
    fall 1|late night 1|night drive 1|2am 1|rainy day 1|coffee 1|bbq 1|pool party 1"""
)
JP_PLAYLIST_TITLES: tuple[str, ...] = (
    "作業用", "ドライブ", "お気に入り", "睡眠用", "勉強用", "ランニング", "通勤", "カラオケ",
    "癒し", "テンション上がる曲", "夏", "好きな曲", "朝", "夜", "エモい", "ボカロ", "作業BGM",
    "お風呂", "カフェ", "泣ける曲", "懐メロ", "推し", "アニソン", "J-POP", "夜ドライブ", "朝活",
    "筋トレ", "雨の日",
)  # fmt: skip
# Dated titles: {year}, {month}.
DATED_PLAYLIST_TITLES: tuple[str, ...] = (
    "Summer {year}", "{year}", "best of {year}", "{year} favs", "{month}", "{month} {year}",
    "Wrapped {year}", "new year {year}", "{year} vibes", "{month_lower} {year} mix",
)  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
# Personal titles, combined: "songs for when the cat judges me".
_WHO = (
    "the cat", "my dog", "the landlord", "my boss", "the neighbours", "my plants", "the printer",
    "my sourdough starter", "the group chat", "the pigeons", "my car", "the wifi", "grandma",
    "my flatmate", "the kettle", "my houseplants", "the toddler", "my ex",
)  # fmt: skip
_DOES = (
    "judges me", "is asleep", "isn't looking", "texts back", "stops working", "leaves me on read",
    "starts singing", "is late again", "finally calls", "won't start", "is in a mood",
    "needs a pep talk",
)  # fmt: skip
_ACTIVITIES = (
    "stare at the ceiling", "fold laundry", "pretend I'm in a movie", "walk dramatically",
    "overthink", "wash dishes", "rearrange furniture", "eat cereal at 3am", "ignore emails",
    "assemble flat-pack furniture", "water the plants", "avoid my responsibilities",
    "paint my nails", "do my taxes", "clean the fridge", "feel things",
)  # fmt: skip
_PERSONAL_PATTERNS = (
    "songs for when {who} {does}",
    "music to {activity} to",
    "{activity}",
    "{adj} {noun} energy",
    "{noun} hours",
    "{adj} {noun}s only",
    "for {who}",
    "{who} approved",
    "songs to {activity} to",
)
# Titles planted as one owner's unexpected playlist (playlist_title anomalies): never natural.
ODD_PLAYLIST_TITLES: tuple[str, ...] = (
    "Emotional Support Sea Shanties", "Gerald the Iguana's 40th Birthday",
    "Music for Staring at the Fridge", "Vacuuming the Cat (Remix)",
    "Dramatic Entrance at the Supermarket", "Beef Wellington Cooldown",
    "Songs My Roomba Would Like", "Interpretive Dance for the Postman",
    "Pigeon Funeral Procession", "Hot Dad Summer Grill Anthems",
    "Soundtrack to My Villain Arc at the Council Tip", "Goose Attack Recovery Mix",
)  # fmt: skip
# Titles that hold contact details (an e-mail address on a reserved domain, a phone number from
# a range set aside for fiction): planted as privacy decoys, they must never surface.
PII_PLAYLIST_TITLES: tuple[str, ...] = (
    "text me 07700 900461", "send recs to maya.ellis@example.com", "+1 212-555-0147 for the aux",
    "bookings: dj.neon@example.org", "call 07700 900872 if found", "jordan.hayes@example.net mix",
)  # fmt: skip
# A title many strangers type the same year (a meme): playlist_title_count anomalies.
MEME_PLAYLIST_TITLES: tuple[str, ...] = (
    "laurel", "yanny", "very demure", "delulu", "goblin mode", "girl dinner", "roman empire",
    "hot girl walk", "brat summer", "main character",
)  # fmt: skip


GENERIC_SHARE, DATED_SHARE = 0.66, 0.05  # of all playlists; the rest are personal
MAX_TITLE_SHARE = 0.006  # of all playlists, for any one generic title once normalised
JAPANESE_SHARE = 0.3  # of a Japanese owner's generic titles


def _generic_weights() -> tuple[tuple[str, ...], np.ndarray]:
    """Generic titles and their probabilities, popular ones capped at MAX_TITLE_SHARE."""
    titles, weights = zip(*GENERIC_PLAYLIST_TITLES, strict=True)
    p = np.array(weights) / sum(weights)
    group = np.unique([t.strip().casefold() for t in titles], return_inverse=True)[1]
    cap = MAX_TITLE_SHARE / GENERIC_SHARE
    for _ in range(20):  # capping one group raises the others: repeat until all fit
        share = np.bincount(group, weights=p)
        over = share > cap
        if not over.any():
            break
        p = np.where(over[group], p * cap / share[group], p)
        p /= p.sum()
    return titles, p


def playlist_titles(
    rng: np.random.Generator, n: int, japanese: np.ndarray, month: np.ndarray, year: int
) -> list[str]:
    """n playlist titles: generic (most), dated, personal; `japanese[i]` makes some of owner i's
    generic ones Japanese, `month[i]` (0-11) is the month playlist i was made."""
    words = _Words(rng)
    generic, p = _generic_weights()
    kind = rng.random(n)
    picks = np.minimum(np.searchsorted(np.cumsum(p), rng.random(n), side="right"), len(p) - 1)
    jp = (rng.random(n) < JAPANESE_SHARE) & japanese
    titles: list[str] = []
    for i, k in enumerate(kind.tolist()):
        if k < GENERIC_SHARE:
            titles.append(words.pick(JP_PLAYLIST_TITLES) if jp[i] else generic[picks[i]])
        elif k < GENERIC_SHARE + DATED_SHARE:
            name = MONTHS[int(month[i])]
            titles.append(
                words.pick(DATED_PLAYLIST_TITLES).format(
                    year=year, month=name, month_lower=name.lower()
                )
            )
        else:
            pattern = words.pick(_PERSONAL_PATTERNS)
            values = {
                "who": words.pick(_WHO),
                "does": words.pick(_DOES),
                "activity": words.pick(_ACTIVITIES),
                "adj": words.pick(ADJECTIVES).lower(),
                "noun": words.pick(NOUNS).lower(),
            }
            titles.append(pattern.format(**values))
    return titles
