"""Running packs on Spark: the `--engine spark` path of `campaign facts` and `campaign run`.

The workspace is built on a connection that hands each statement to Spark as it runs
(campaign.spark.workspace): the tables made from the plays (the plays-sized rollups) are computed
on Spark once and written as Parquet, and DuckDB reads them from there instead of building them
itself; the other views are mirrored on Spark. Each pack is transpiled with its parameters bound
and run there; its rows (few: they are facts) come back as Arrow into the workspace's
`pack_output` table, where the same column and privacy checks as on DuckDB run, so scoring, copy
and billboards are unchanged. A pack that cannot be transpiled or fails on Spark is skipped,
named with the reason. With `[spark] rollups_only = true` Spark stops after the rollups and the
packs run in DuckDB on them (`open_spark_rollups`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import duckdb

from campaign.config import CampaignConfig
from campaign.errors import ConfigError
from campaign.packguard import check_output, check_query
from campaign.packs import OUTPUT_TABLE, Pack, PackSkipped, check_columns
from campaign.spark.rewrites import TranspileError
from campaign.spark.session import start_session
from campaign.spark.transpile import parse_duckdb, rewrite, spark_sql
from campaign.spark.workspace import SparkBuildConnection, SparkWorkspace
from campaign.workspace import INDIVIDUAL_SCOPE, CalendarMaker, Workspace, open_workspace
from campaign.workspace_cache import cache_folder

_ROWS_VIEW = "spark_pack_rows"


@dataclass
class SparkEngine:
    """A Spark session holding the workspace's views, and the packs run on it."""

    spark: SparkWorkspace

    def transpile(self, pack: Pack, params: dict[str, Any]) -> str:
        """The pack's Spark SQL, its parameters bound; TranspileError says why there is none."""
        tree = parse_duckdb(pack.sql)
        if reason := self.spark.missing_reason(tree):
            raise TranspileError(reason)
        scope = INDIVIDUAL_SCOPE if pack.audience == "individual" else None
        return spark_sql(rewrite(tree, self.spark.context(params, scope)))

    def run_pack(
        self, con: duckdb.DuckDBPyConnection, pack: Pack, params: dict[str, Any]
    ) -> duckdb.DuckDBPyRelation:
        """Run a pack on Spark, its rows checked in DuckDB as `packs.run_pack` checks them."""
        check_query(pack)
        try:
            sql = self.transpile(pack, params)
        except TranspileError as exc:
            raise PackSkipped(f"pack {pack.name} cannot run on Spark: {exc}") from None
        try:
            rows = self.spark.session.sql(sql).toArrow()
        except Exception as exc:  # Spark's analysis and runtime errors come in many classes
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
            raise PackSkipped(f"pack {pack.name} failed on Spark: {first}") from None
        con.register(_ROWS_VIEW, rows)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {OUTPUT_TABLE} AS FROM {_ROWS_VIEW}")
        finally:
            con.unregister(_ROWS_VIEW)
        relation = con.table(OUTPUT_TABLE)
        check_columns(pack, relation.columns)
        check_output(con, pack, OUTPUT_TABLE)
        return relation

    def stop(self) -> None:
        """Stop the session and remove the Parquet folder the workspace build made."""
        self.spark.session.stop()
        if self.spark.folder is not None:
            shutil.rmtree(self.spark.folder, ignore_errors=True)


def open_spark_workspace(
    config: CampaignConfig, data: Sequence[Path | str], calendar: CalendarMaker | None = None
) -> tuple[Workspace, SparkEngine]:
    """The workspace (DuckDB, for the stages after the packs) built with Spark computing the
    tables made from the plays, and the same views on Spark for the packs; `calendar` as for
    `open_workspace`."""
    folder = _rollup_folder(config, data)
    try:
        session = start_session(config.spark)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    spark = SparkWorkspace(session, folder=folder)
    engine = SparkEngine(spark)

    def build_on(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        return cast(duckdb.DuckDBPyConnection, SparkBuildConnection(con, spark))

    try:
        ws = open_workspace(config, data, wrap=build_on, calendar=calendar)
        ws.con = cast(SparkBuildConnection, ws.con).inner  # what runs later is not the build's
        spark.refresh(ws.con)
    except BaseException:
        engine.stop()
        raise
    return ws, engine


def open_spark_rollups(
    config: CampaignConfig, data: Sequence[Path | str], calendar: CalendarMaker | None = None
) -> Workspace:
    """The workspace with its tables made from the plays computed on Spark, then read by DuckDB
    (`[spark] rollups_only`): the packs run in DuckDB on them. A table Spark could not build is
    an error naming it, never a silent fallback to DuckDB."""
    ws, engine = open_spark_workspace(config, data, calendar)
    try:
        failed = [
            reason
            for name, reason in engine.spark.failed.items()
            if name in engine.spark.from_plays
        ]
    finally:
        engine.stop()
    if failed:
        ws.close()
        raise ConfigError(
            f'{failed[0]} (engine = "duckdb" builds it on this machine)', "[spark] rollups_only"
        )
    return ws


def _rollup_folder(config: CampaignConfig, data: Sequence[Path | str]) -> Path:
    """A private folder of our own for the rollups' Parquet: inside `[spark] rollup_dir`, else
    beside the workspace cache (it holds listener ids), else in the system's temp folder."""
    base = config.spark.rollup_dir
    try:
        if base is not None:
            base.mkdir(parents=True, exist_ok=True)
        else:
            beside = cache_folder(config, data)
            base = beside if beside is not None and beside.is_dir() else None
        return Path(tempfile.mkdtemp(prefix=".campaign-spark-", dir=base))
    except OSError as exc:
        raise ConfigError(
            f"no folder for the rollups could be made in '{base}' ({exc.strerror})",
            "[spark] rollup_dir",
        ) from None
