"""Campaign settings: defaults < campaign.toml < command line, validated with clear messages."""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from campaign.duckdb_settings import DuckDBSettings, check_outside_output, read_duckdb_settings
from campaign.errors import ConfigError
from campaign.locales import check_locales
from campaign.markets import market_timezone, normalise_market
from campaign.spark.settings import SparkSettings, check_engine, parse_spark_settings

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
    max_relative_noise: float = 0.1  # a noisy number is printed only if its σ is at most this share
    ledger: str = ""  # the noise ledger's folder (relative to campaign.toml); "" = beside the data
    acknowledge_below_policy: bool = False

    @property
    def below_policy(self) -> tuple[str, ...]:
        """The settings weaker than the policy (the defaults), one phrase each: a campaign may
        use them only with `acknowledge_below_policy = true`, and the outputs say so."""
        policy = PrivacySettings()
        weaker = []
        if self.k_min < policy.k_min:
            weaker.append(f"k_min = {self.k_min} (policy {policy.k_min})")
        if self.individual and self.individual_min_population < policy.individual_min_population:
            weaker.append(
                f"individual_min_population = {self.individual_min_population} "
                f"(policy {policy.individual_min_population})"
            )
        if self.min_age < policy.min_age:
            weaker.append(f"min_age = {self.min_age} (policy {policy.min_age})")
        if self.noise != policy.noise:
            weaker.append(f'noise = "{self.noise}" (policy "{policy.noise}")')
        if self.noise == "dp" and self.epsilon_total > policy.epsilon_total:
            weaker.append(
                f"epsilon_total = {self.epsilon_total:g} (policy at most {policy.epsilon_total:g})"
            )
        if self.noise == "dp" and self.delta > policy.delta:
            weaker.append(f"delta = {self.delta:g} (policy at most {policy.delta:g})")
        return tuple(weaker)


# The range each number may take: (lowest, highest), inclusive; None = no bound.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "k_min": (2, None),
    "individual_min_population": (1, None),
    "min_age": (13, 120),
    "min_ms_played": (0, 3_600_000),
    "year": (1950, 2100),
    "shortlist": (1, 10_000),
    "candidates_per_pack": (1, 1_000_000),
    "max_facts": (1, 10_000),
    "max_plays_per_track_day": (1, 1_000),
    "max_plays_per_listener": (1, 10_000_000),
}
MAX_EPSILON = 10.0  # beyond this the noise no longer protects anyone
# delta is the chance the guarantee fails outright: well below one in the number of listeners
MIN_DELTA, MAX_DELTA = 1e-12, 1e-3
RENAMED = {"epsilon": "epsilon_total"}  # old [privacy] names, refused with their new name


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
    market_themes: dict[str, str] = field(default_factory=dict)  # [themes] GB = "coral"
    pack_themes: dict[str, str] = field(default_factory=dict)  # [themes.packs] event_spike = …
    shortlist: int = 12
    candidates_per_pack: int = 200
    output: Path = Path("output")
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    timezones: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    duckdb: DuckDBSettings = field(default_factory=DuckDBSettings)
    engine: str = "duckdb"  # which engine runs the packs: "duckdb" or "spark" (campaign.spark)
    spark: SparkSettings = field(default_factory=SparkSettings)
    root: Path = Path(".")  # the folder of campaign.toml: relative paths start here

    @property
    def below_policy(self) -> tuple[str, ...]:
        """The privacy settings weaker than the policy, for the manifest and the gallery."""
        return self.privacy.below_policy

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


def _check_range(key: str, value: float, path: Path) -> None:
    low, high = RANGES[key]
    if (low is not None and value < low) or (high is not None and value > high):
        allowed = (
            f"from {low:,} to {high:,}"
            if low is not None and high is not None
            else f"at least {low:,}"
            if low is not None
            else f"at most {high:,}"
        )
        raise ConfigError(f"setting '{key}' must be {allowed}, not {value!r}", path)


def _check_privacy(privacy: PrivacySettings, path: Path) -> None:
    """Every privacy setting in its range; a setting weaker than the policy only when the
    campaign acknowledges it."""
    if privacy.noise not in NOISE_MODES:
        raise ConfigError(f"privacy.noise must be one of {', '.join(NOISE_MODES)}", path)
    for key in (
        "k_min",
        "individual_min_population",
        "min_age",
        "min_ms_played",
        "max_facts",
        "max_plays_per_track_day",
        "max_plays_per_listener",
    ):
        _check_range(key, getattr(privacy, key), path)
    if not 0 < privacy.epsilon_total <= MAX_EPSILON:
        raise ConfigError(
            f"setting 'epsilon_total' must be above 0 and at most {MAX_EPSILON:g}, not "
            f"{privacy.epsilon_total!r}",
            path,
        )
    if not 0 < privacy.max_relative_noise <= 1:
        raise ConfigError(
            "setting 'max_relative_noise' must be above 0 and at most 1, not "
            f"{privacy.max_relative_noise!r}",
            path,
        )
    if not MIN_DELTA <= privacy.delta <= MAX_DELTA:
        raise ConfigError(
            f"setting 'delta' must be from {MIN_DELTA:g} to {MAX_DELTA:g}, not {privacy.delta!r}",
            path,
        )
    if privacy.below_policy and not privacy.acknowledge_below_policy:
        raise ConfigError(
            f"[privacy] {'; '.join(privacy.below_policy)} is below the privacy policy; set "
            "acknowledge_below_policy = true in [privacy] to run it anyway",
            path,
        )


def _check_name(name: str, path: Path) -> None:
    """A campaign name is a plain folder name: output goes to <output>/<name>/ and nowhere else."""
    if (
        not name.strip()
        or name in {".", ".."}
        or any(c in name for c in "/\\:")
        or any(ord(c) < 32 for c in name)
        or name != name.strip()
    ):
        raise ConfigError(
            f"setting 'name' must be a plain folder name (letters, digits, '-', '_', no '/', "
            f"'..' or surrounding spaces), not {name!r}",
            path,
        )


def _check_output(output: Path, path: Path) -> None:
    """The output folder exists as a writable folder, or can be made in a writable one."""
    existing = output
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ConfigError(f"setting 'output' is '{output}', but '{existing}' is a file", path)
    try:  # os.access says yes to root even on /proc: make (and remove) a folder of our own
        os.rmdir(tempfile.mkdtemp(prefix=".campaign-probe-", dir=existing))
    except OSError:
        raise ConfigError(
            f"setting 'output' is '{output}', but '{existing}' is not writable", path
        ) from None


def _theme_choices(raw: Any, path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """[themes]: a theme per market (GB = "coral") and, in [themes.packs], per pack. Whether the
    named themes exist is checked when the run loads them, against the campaign's theme folders."""
    shape = '[themes] holds MARKET = "theme" and a [themes.packs] table of pack = "theme"'
    if not isinstance(raw, dict):
        raise ConfigError(shape, path)
    packs = raw.get("packs", {})
    markets = {k: v for k, v in raw.items() if k != "packs"}
    if not isinstance(packs, dict):
        raise ConfigError(shape, path)
    for where, table in (("themes", markets), ("themes.packs", packs)):
        for key, value in table.items():
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"[{where}] {key} must be a theme name, not {value!r}", path)
    try:
        by_market = {normalise_market(k): v for k, v in markets.items()}
    except ConfigError as exc:
        raise ConfigError(f"[themes] {exc.message}", path) from None
    return by_market, dict(packs)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError("the campaign file does not exist", path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8", path
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML ({exc})", path) from None


def load_config(path: Path) -> CampaignConfig:
    """Read and validate a campaign.toml."""
    raw = _read_toml(path)
    _check_keys(
        raw,
        {"campaign", "privacy", "timezones", "params", "themes", "duckdb", "spark"},
        "top level",
        path,
    )
    root = path.resolve().parent
    defaults = CampaignConfig()
    main = raw.get("campaign", {})
    simple = {f.name for f in fields(CampaignConfig)} - {
        "privacy",
        "timezones",
        "params",
        "root",
        "market_themes",
        "pack_themes",
        "duckdb",
        "spark",
    }
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
        if key in RANGES:
            _check_range(key, values[key], path)
    _check_name(values.get("name", defaults.name), path)
    check_engine(values.get("engine", defaults.engine), path)
    _check_output(values["output"], path)
    if "markets" in values:
        try:
            values["markets"] = tuple(normalise_market(m) for m in values["markets"])
        except ConfigError as exc:
            raise ConfigError(exc.message, path) from None
    problem = check_locales(values.get("locales", defaults.locales))
    if problem:
        raise ConfigError(problem, path)
    privacy_raw = raw.get("privacy", {})
    if not isinstance(privacy_raw, dict):
        raise ConfigError("[privacy] must be a table of settings", path)
    for old, new in RENAMED.items():
        if old in privacy_raw:
            raise ConfigError(f"setting '{old}' in [privacy] is now called '{new}'", path)
    _check_keys(privacy_raw, {f.name for f in fields(PrivacySettings)}, "privacy", path)
    base = PrivacySettings()
    privacy = replace(
        base, **{k: _typed(v, getattr(base, k), k, path) for k, v in privacy_raw.items()}
    )
    _check_privacy(privacy, path)
    timezones_raw = raw.get("timezones", {})
    if not isinstance(timezones_raw, dict):
        raise ConfigError('[timezones] must be a table of MARKET = "Zone/Name"', path)
    try:
        timezones = {normalise_market(k): str(v) for k, v in timezones_raw.items()}
    except ConfigError as exc:
        raise ConfigError(exc.message, path) from None
    params = raw.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise ConfigError("[params] holds one table per pack, e.g. [params.event_spike]", path)
    market_themes, pack_themes = _theme_choices(raw.get("themes", {}), path)
    config = replace(
        defaults,
        **values,
        privacy=privacy,
        timezones=timezones,
        params=dict(params),
        market_themes=market_themes,
        pack_themes=pack_themes,
        duckdb=read_duckdb_settings(raw.get("duckdb", {}), root, path),
        spark=parse_spark_settings(raw.get("spark", {}), path, root),
    )
    check_outside_output(
        {
            "cache_dir": config.duckdb.cache_dir,
            "temp_directory": config.duckdb.temp_directory,
            "rollup_dir": config.spark.rollup_dir,
        },
        config.output,
        path,
    )
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
locales = "auto"                     # each market's own languages; or pin them: ["en", "fr"]
data = ["data"]                      # folders written by `campaign ingest`, Parquet files or globs
events = []                          # your own events: CSV files with date,name,markets[,kind]
packs = ["core"]                     # built-in pack folders by name, or paths to your own
formats = ["dooh-landscape", "48-sheet"]   # 48-sheet 6-sheet dooh-landscape dooh-portrait square
theme = "default"                    # default coral sunflower mint grape magenta night; or a path
shortlist = 12                       # how many top candidates get billboards
candidates_per_pack = 200            # the best N of each pack are kept for review
output = "output"
engine = "duckdb"                    # "spark": the packs run on PySpark (campaign[spark])

[spark]                              # used with engine = "spark"
master = "local[2]"                  # or a cluster: "spark://host:7077", "yarn", "k8s://…"
rollups_only = false                 # true: Spark builds the rollups, the packs run in DuckDB
# rollup_dir = "spark-rollups"       # where Spark writes them (default: beside the data); on a
                                     # cluster a folder this machine and the cluster both see
# [spark.conf]                       # any Spark setting, e.g.
# "spark.executor.memory" = "8g"

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
max_relative_noise = 0.1             # print a noisy number only if its noise is at most 10% of it
ledger = ""                          # the noise ledger's folder; "" = .privacy/ beside the data
# Settings weaker than the above (k_min < 50, individual_min_population < 1000, min_age < 18,
# noise = "none", epsilon_total > 1, delta > 1e-6) are refused unless acknowledged; the manifest
# and gallery then list them. See docs/privacy.md for what each guarantees.
acknowledge_below_policy = false

[duckdb]
memory_limit = "3GB"                 # DuckDB spills to disk beyond this instead of growing
# temp_directory = "spill"           # where it spills (default: a folder of its own, removed after)
# cache_dir = "cache"                # the workspace cache (default: <dataset>/.workspace/); it
#                                    # holds listener ids: keep it beside the data, never in output
workspace_cache = true               # keep the rollups between runs; `--fresh` rebuilds them

[timezones]                          # the zone whose calendar day is a market's day
# US = "America/Chicago"

[themes]                             # a theme per market; the market's wins over the pack's
# GB = "coral"
# [themes.packs]                     # a theme per kind of fact (pack name)
# event_spike = "night"

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
