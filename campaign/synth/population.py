"""Who listens (users) and to what (one catalogue shared by every market, with local favourites)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from campaign.synth import names
from campaign.synth.spec import ADULT_AGE, SynthSpec

# Relative number of listeners per market; a market not listed counts 1.
MARKET_SIZE = {"US": 4.0, "GB": 2.0, "JP": 2.0, "DE": 2.0, "BR": 2.5, "MX": 1.6, "FR": 1.5}

CITIES: dict[str, tuple[tuple[str, float], ...]] = {
    "GB": (("London", 0.34), ("Manchester", 0.1), ("Birmingham", 0.1), ("Glasgow", 0.08),
           ("Leeds", 0.07), ("Bristol", 0.07), ("Liverpool", 0.07), ("Edinburgh", 0.06),
           ("Cardiff", 0.05), ("Belfast", 0.04), ("Newcastle", 0.02)),
    "US": (("New York", 0.22), ("Los Angeles", 0.16), ("Chicago", 0.12), ("Houston", 0.09),
           ("Atlanta", 0.08), ("Philadelphia", 0.08), ("Miami", 0.07), ("Seattle", 0.06),
           ("Denver", 0.05), ("Boston", 0.07)),
    "JP": (("Tokyo", 0.38), ("Osaka", 0.17), ("Yokohama", 0.12), ("Nagoya", 0.1),
           ("Sapporo", 0.07), ("Fukuoka", 0.07), ("Kobe", 0.05), ("Kyoto", 0.04)),
}  # fmt: skip
UNKNOWN_CITY_SHARE = 0.04

# Spotify's own platform names (extended streaming history) and their share per market.
PLATFORMS = ("android", "ios", "windows", "osx", "web_player", "cast")
PLATFORM_MIX = {"JP": (0.28, 0.58, 0.06, 0.04, 0.02, 0.02)}
DEFAULT_PLATFORM_MIX = (0.46, 0.37, 0.08, 0.04, 0.02, 0.03)

OPTED_OUT_SHARE = 0.02
UNDER_AGE_SHARE = 0.03
OLDEST_BIRTH_YEAR = 1950
NEW_RELEASE_SHARE = 0.08  # tracks first released during the year, on a Friday
ZIPF_EXPONENT, ZIPF_OFFSET = 1.05, 2.7  # weight of popularity rank r (0-based): (r + 2.7)^-1.05


@dataclass
class Users:
    ids: list[str]
    market: np.ndarray  # int8, index into spec.markets
    birth_year: np.ndarray  # int32
    opted_out: np.ndarray  # bool
    activity: np.ndarray  # float64, relative rate of listening sessions
    platform: np.ndarray  # int8, main device, index into PLATFORMS
    city: np.ndarray  # int16, index into `cities`, -1 = unknown
    cities: list[str]
    adult_born_by: int  # born in or before this year = adult

    @property
    def eligible(self) -> np.ndarray:
        """Listeners the workspace keeps: adults who did not opt out."""
        return ~self.opted_out & (self.birth_year <= self.adult_born_by)


@dataclass
class Catalogue:
    ids: list[str]
    titles: list[str]
    artist: np.ndarray  # int32 per track, index into `artists`
    artists: list[str]
    album: np.ndarray  # int32 per track, index into `albums`
    albums: list[str]
    duration_ms: np.ndarray  # int32
    release_day: np.ndarray  # int32 day index in the year; negative = before 1 January
    theme: np.ndarray  # int8, index into names.THEME_NAMES (0 = none)
    rank: np.ndarray  # (markets, tracks) int32: popularity rank per market, 0 = top
    weight: np.ndarray  # (markets, tracks) float64: Zipf weight of that rank

    def __len__(self) -> int:
        return len(self.ids)


def make_users(spec: SynthSpec, rng: np.random.Generator) -> Users:
    n = spec.users
    sizes = np.array([MARKET_SIZE.get(m, 1.0) for m in spec.markets])
    market = rng.choice(len(spec.markets), size=n, p=sizes / sizes.sum()).astype(np.int8)
    # Zipf-like activity: most listeners light, a few heavy ones (lognormal with a long tail).
    activity = rng.lognormal(0.0, 1.25, n)

    max_age = max(spec.year - OLDEST_BIRTH_YEAR, ADULT_AGE)
    age = ADULT_AGE + np.minimum(rng.gamma(2.0, 9.0, n).astype(np.int32), max_age - ADULT_AGE)
    under_age = rng.random(n) < UNDER_AGE_SHARE
    age[under_age] = rng.integers(13, ADULT_AGE, under_age.sum())
    birth_year = (spec.year - age).astype(np.int32)
    opted_out = rng.random(n) < OPTED_OUT_SHARE

    platform = np.empty(n, dtype=np.int8)
    city = np.full(n, -1, dtype=np.int16)
    cities: list[str] = []
    for m, code in enumerate(spec.markets):
        rows = np.flatnonzero(market == m)
        mix = np.array(PLATFORM_MIX.get(code, DEFAULT_PLATFORM_MIX))
        platform[rows] = rng.choice(len(PLATFORMS), size=rows.size, p=mix / mix.sum())
        if code in CITIES:
            names_, shares = zip(*CITIES[code], strict=True)
            p = np.array(shares) / sum(shares)
            city[rows] = len(cities) + rng.choice(len(names_), size=rows.size, p=p)
            cities.extend(names_)
    city[rng.random(n) < UNKNOWN_CITY_SHARE] = -1
    ids = [f"u{i}" for i in range(1, n + 1)]
    return Users(
        ids, market, birth_year, opted_out, activity, platform, city, cities, spec.adult_born_by
    )


def make_catalogue(spec: SynthSpec, rng: np.random.Generator) -> Catalogue:
    n, n_markets = spec.tracks, len(spec.markets)
    n_artists = max(20, n // 8)
    # An artist is international (-1) or belongs to one market, where their songs do better.
    sizes = np.array([MARKET_SIZE.get(m, 1.0) for m in spec.markets])
    home_p = np.concatenate([[0.5], 0.5 * sizes / sizes.sum()])
    home = rng.choice(n_markets + 1, size=n_artists, p=home_p) - 1
    artist_pop = rng.lognormal(0.0, 1.0, n_artists)
    p_artist = artist_pop**0.7
    artist = rng.choice(n_artists, size=n, p=p_artist / p_artist.sum()).astype(np.int32)

    shares = np.array(list(names.THEME_SHARES.values()))
    theme = np.searchsorted(np.cumsum(shares), rng.random(n), side="right") + 1
    theme[theme > len(shares)] = 0
    theme = theme.astype(np.int8)

    fridays = np.flatnonzero((date(spec.year, 1, 1).weekday() + np.arange(spec.days)) % 7 == 4)
    release_day = -rng.integers(30, 30 * 365, n).astype(np.int32)
    new = rng.random(n) < NEW_RELEASE_SHARE
    release_day[new] = rng.choice(fridays, size=new.sum())
    duration = np.clip(rng.lognormal(np.log(205_000), 0.22, n), 95_000, 480_000)

    score = np.log(artist_pop[artist]) + rng.normal(0.0, 1.0, (n_markets, n))
    for m in range(n_markets):
        score[m] += np.where(home[artist] == m, 1.6, np.where(home[artist] >= 0, -1.2, 0.0))
    rank = np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1).astype(np.int32)
    weight = (rank + ZIPF_OFFSET) ** -ZIPF_EXPONENT

    jp = spec.markets.index("JP") if "JP" in spec.markets else -2
    artists = names.artist_names(rng, home == jp)
    titles = names.track_titles(rng, theme)
    album, albums = _albums(rng, artist, release_day, titles)
    return Catalogue(
        ids=names.track_ids(rng, n),
        titles=titles,
        artist=artist,
        artists=artists,
        album=album,
        albums=albums,
        duration_ms=duration.astype(np.int32),
        release_day=release_day,
        theme=theme,
        rank=rank,
        weight=weight,
    )


def _albums(
    rng: np.random.Generator, artist: np.ndarray, release_day: np.ndarray, titles: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Back-catalogue tracks in albums of about ten per artist; new releases are singles,
    named after the track as Spotify does."""
    n = artist.size
    order = np.lexsort((np.arange(n), artist))
    first = np.r_[True, artist[order][1:] != artist[order][:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n) - group_start
    key = artist.astype(np.int64) * 1_000_000 + position // 10
    _, album = np.unique(key, return_inverse=True)
    albums = names.album_titles(rng, int(album.max()) + 1)
    album = album.astype(np.int32)
    singles = np.flatnonzero(release_day >= 0)
    album[singles] = len(albums) + np.arange(singles.size, dtype=np.int32)
    albums.extend(titles[i] for i in singles.tolist())
    return album, albums


def release_ramp(age_days: np.ndarray) -> np.ndarray:
    """A new release's weight relative to its steady level, by days since release: zero before,
    climbing through the first week, above steady for a month, then settling."""
    age = age_days.astype(np.float64)
    ramp = (1 - np.exp(-(age + 1) / 5)) * (1 + 1.2 * np.exp(-np.maximum(age, 0) / 25))
    return np.where(age < 0, 0.0, ramp)
