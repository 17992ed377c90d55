"""The engine that runs the packs, and the `[spark]` table: where Spark runs and its extra conf.

`engine = "duckdb"` (the default) runs everything in one process; `engine = "spark"` runs the
packs on PySpark, on `master` (a local[N] thread pool, or a cluster's `spark://host:7077`,
`yarn`, `k8s://…`). With `rollups_only = true` Spark computes only the workspace tables made
from the plays (the plays-sized rollups), writes them as Parquet into `rollup_dir` and the packs
run in DuckDB on them. Read by campaign.config, used by campaign.spark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.errors import ConfigError

ENGINES = ("duckdb", "spark")
DEFAULT_MASTER = "local[2]"


@dataclass(frozen=True)
class SparkSettings:
    master: str = DEFAULT_MASTER
    app_name: str = "campaign"
    conf: dict[str, str] = field(default_factory=dict)  # [spark.conf] "spark.executor.memory" = …
    rollups_only: bool = False  # Spark builds the rollups, the packs run in DuckDB on them
    rollup_dir: Path | None = None  # where Spark writes them; a cluster needs a shared folder


def check_engine(engine: Any, source: Path | str) -> str:
    """The engine's name, or one sentence naming the setting and the engines there are."""
    if engine not in ENGINES:
        raise ConfigError(
            f"setting 'engine' is '{engine}', but must be one of {', '.join(ENGINES)}", source
        )
    return str(engine)


def parse_spark_settings(raw: Any, source: Path | str, root: Path = Path(".")) -> SparkSettings:
    """The `[spark]` table: `master`, `app_name`, `rollups_only`, `rollup_dir` (relative to
    `root`, the campaign file's folder) and a `[spark.conf]` table of strings."""
    if not isinstance(raw, dict):
        raise ConfigError("[spark] must be a table of settings", source)
    known = {"master", "app_name", "conf", "rollups_only", "rollup_dir"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown setting '{unknown[0]}' in [spark] (known: {', '.join(sorted(known))})", source
        )
    for key in ("master", "app_name", "rollup_dir"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ConfigError(f"[spark] {key} must be a non-empty string", source)
    if not isinstance(raw.get("rollups_only", False), bool):
        raise ConfigError("[spark] rollups_only must be true or false", source)
    conf = raw.get("conf", {})
    if not isinstance(conf, dict) or not all(
        isinstance(v, str | int | float | bool) and not isinstance(v, dict) for v in conf.values()
    ):
        raise ConfigError('[spark.conf] holds "spark.some.key" = "value" pairs', source)
    return SparkSettings(
        master=raw.get("master", DEFAULT_MASTER),
        app_name=raw.get("app_name", "campaign"),
        conf={str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in conf.items()},
        rollups_only=raw.get("rollups_only", False),
        rollup_dir=root / raw["rollup_dir"] if "rollup_dir" in raw else None,
    )
