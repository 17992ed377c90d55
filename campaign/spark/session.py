"""The Spark session the packs run on: UTC, ANSI off, quiet, pointed at `[spark] master`.

The session zone is UTC so a timestamp read from Parquet is the UTC instant DuckDB sees, and
`from_utc_timestamp` gives the market's wall clock as DuckDB's `timezone()` does. ANSI mode is
off so a bad cast is NULL as in DuckDB's TRY; division by zero is rewritten in the SQL itself
(campaign.spark.rewrites) because DuckDB answers infinity where Spark answers NULL.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from campaign.errors import ConfigError
from campaign.spark.settings import SparkSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BASE_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
    "spark.sql.shuffle.partitions": "8",
    # the rollups DuckDB reads back: instants (DuckDB's TIMESTAMPTZ), not INT96 wall clocks
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # event_spike's plan (every workspace view inlined) outgrows the 1 GB default driver heap
    "spark.driver.memory": "4g",
}


def spark_available() -> str | None:
    """None when Spark can run here, else one sentence saying what is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install 'campaign[spark]'"
    if shutil.which("java") is None:
        return (
            "Spark needs a Java runtime and none is on PATH (apt-get install default-jre-headless)"
        )
    return None


def start_session(settings: SparkSettings) -> SparkSession:
    """A Spark session for one run, on the configured master; stop it with `session.stop()`."""
    missing = spark_available()
    if missing:
        raise ConfigError(missing, "engine")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    for key, value in {**BASE_CONF, **settings.conf}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j and pyspark raise many kinds; all mean "no session"
        raise ConfigError(
            f"Spark did not start on master '{settings.master}' ({str(exc).splitlines()[0]})",
            "[spark] master",
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session
