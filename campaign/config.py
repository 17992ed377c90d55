"""Campaign settings: defaults < campaign.toml < command line, validated with clear messages."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from campaign.errors import ConfigError
from campaign.markets import market_timezone, normalise_market

NOISE_MODES = ("none", "dp")


@dataclass(frozen=True)
class PrivacySettings:
    k_min: int = 50
    individual: bool = False
    individual_min_population: int = 1000
    min_age: int = 18
    min_ms_played: int = 30000
    noise: str = "dp"
    epsilon_total: float = 1.0  # the whole release's (epsilon, delta), accounted under zCDP
    delta: float = 1e-6
    max_facts: int = 25  # the budget is split evenly over at most this many facts
    max_plays_per_track_day: int = 3  # plays a listener adds to one track's count on one day
    max_plays_per_listener: int = 5000  # plays a listener adds to the data summary's count
    ledger: str = ""  # the noise ledger's folder; empty = the first data folder, else beside this


@dataclass(frozen=True)
class CampaignConfig:
    name: str = "campaign"
    title: str = ""
    year: int | None = None
    markets: tuple[str, ...] = ()
    locales: tuple[str, ...] = ("en",)
    data: tuple[Path, ...] = ()
    events: tuple[Path, ...] = ()
    packs: tuple[str, ...] = ("core",)
    formats: tuple[str, ...] = ("dooh-landscape", "48-sheet")
    theme: str = "default"
    shortlist: int = 12
    candidates_per_pack: int = 200
    output: Path = Path("output")
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    timezones: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    root: Path = Path(".")  # the folder of campaign.toml: relative paths start here

    def timezone(self, market: str) -> str:
        return market_timezone(market, self.timezones)

    @property
    def out_dir(self) -> Path:
        return self.output / self.name

    def with_overrides(self, **changes: Any) -> CampaignConfig:
        """A copy with command-line values applied (None means 'not given')."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_PATH_KEYS = {"data", "events"}
_TUPLE_KEYS = {"markets", "locales", "packs", "formats"}


def _check_keys(section: dict[str, Any], allowed: set[str], where: str, path: Path) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown setting '{unknown[0]}' in [{where}] (known: {', '.join(sorted(allowed))})",
            path,
        )


def _typed(value: Any, default: Any, key: str, path: Path) -> Any:
    """Check a setting against the type of its default, so a typo fails here, not mid-run."""
    expected = type(default)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int) and not isinstance(default, bool):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ConfigError(f"setting '{key}' must be {expected.__name__}, not {value!r}", path)
    return value


def load_config(path: Path) -> CampaignConfig:
    """Read and validate a campaign.toml."""
    if not path.is_file():
        raise ConfigError("the campaign file does not exist", path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML ({exc})", path) from None
    _check_keys(raw, {"campaign", "privacy", "timezones", "params"}, "top level", path)
    root = path.resolve().parent
    defaults = CampaignConfig()
    main = raw.get("campaign", {})
    simple = {f.name for f in fields(CampaignConfig)} - {"privacy", "timezones", "params", "root"}
    _check_keys(main, simple, "campaign", path)
    values: dict[str, Any] = {"root": root, "output": root / "output"}
    for key, value in main.items():
        if key in _PATH_KEYS | _TUPLE_KEYS:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ConfigError(f"setting '{key}' must be a list of strings", path)
            values[key] = tuple(root / i for i in items) if key in _PATH_KEYS else tuple(items)
        elif key == "output":
            values[key] = root / _typed(value, "", key, path)
        elif key == "year":
            values[key] = _typed(value, 0, key, path)
        else:
            values[key] = _typed(value, getattr(defaults, key), key, path)
    if "markets" in values:
        try:
            values["markets"] = tuple(normalise_market(m) for m in values["markets"])
        except ConfigError as exc:
            raise ConfigError(exc.message, path) from None
    privacy_raw = raw.get("privacy", {})
    _check_keys(privacy_raw, {f.name for f in fields(PrivacySettings)}, "privacy", path)
    base = PrivacySettings()
    privacy = replace(
        base, **{k: _typed(v, getattr(base, k), k, path) for k, v in privacy_raw.items()}
    )
    if privacy.noise not in NOISE_MODES:
        raise ConfigError(f"privacy.noise must be one of {', '.join(NOISE_MODES)}", path)
    if privacy.k_min < 2:
        raise ConfigError("privacy.k_min must be at least 2", path)
    if privacy.epsilon_total <= 0 or not 0 < privacy.delta < 1:
        raise ConfigError("privacy.epsilon_total must be above 0 and delta within (0, 1)", path)
    if min(privacy.max_facts, privacy.max_plays_per_track_day, privacy.max_plays_per_listener) < 1:
        raise ConfigError(
            "privacy.max_facts, max_plays_per_track_day and max_plays_per_listener must be "
            "at least 1",
            path,
        )
    timezones = {normalise_market(k): str(v) for k, v in raw.get("timezones", {}).items()}
    params = raw.get("params", {})
    if not all(isinstance(v, dict) for v in params.values()):
        raise ConfigError("[params] holds one table per pack, e.g. [params.event_spike]", path)
    config = replace(defaults, **values, privacy=privacy, timezones=timezones, params=dict(params))
    for market in timezones:
        config.timezone(market)  # validates the zone name
    return config


CAMPAIGN_TEMPLATE = """\
# {name} — a data-storytelling campaign.
# Run it with:  campaign run {file}
# Paths are relative to this file. Every setting below shows its default.

[campaign]
name = "{name}"                      # output goes to <output>/<name>/
title = ""                           # the campaign's line, e.g. "Thanks, 2024. It's been weird."
# year = 2024                        # only facts from this calendar year; omit for all the data
markets = []                         # e.g. ["GB", "US"]; empty = every market in the data
locales = ["en"]                     # copy languages
data = ["data"]                      # folders written by `campaign ingest`, Parquet files or globs
events = []                          # your own events: CSV files with date,name,markets[,kind]
packs = ["core"]                     # built-in pack folders by name, or paths to your own
formats = ["dooh-landscape", "48-sheet"]   # 48-sheet 6-sheet dooh-landscape dooh-portrait square
theme = "default"                    # a theme name or a path to a theme TOML
shortlist = 12                       # how many top candidates get billboards
candidates_per_pack = 200            # the best N of each pack are kept for review
output = "output"

[privacy]
k_min = 50                           # a cohort fact needs at least this many listeners
individual = false                   # allow facts about one listener (never under noise = "dp")
individual_min_population = 1000     # ... only in markets with at least this many listeners
min_age = 18                         # listeners younger than this are removed before any pack runs
min_ms_played = 30000                # a play counts as a stream from 30 s on
noise = "dp"                         # differential privacy on every count; "none" publishes raw
epsilon_total = 1.0                  # the whole release's budget (epsilon, delta) under zCDP
delta = 1e-6
max_facts = 25                       # the budget is split evenly over at most this many facts
max_plays_per_track_day = 3          # a listener adds at most this to a track's day count
max_plays_per_listener = 5000        # ... and at most this to the data summary's play count
ledger = ""                          # where the noise ledger lives; "" = first data folder

[timezones]                          # the zone whose calendar day is a market's day
# US = "America/Chicago"

# Pack parameters override the pack's own defaults; `--param pack.name=value` overrides these.
# [params.event_spike]
# min_ratio = 3.0
"""


def write_template(path: Path, name: str) -> None:
    """Write a commented campaign.toml; never overwrite one that exists."""
    if path.exists():
        raise ConfigError("already exists; remove it or choose another name", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CAMPAIGN_TEMPLATE.format(name=name, file=path.name), encoding="utf-8")
