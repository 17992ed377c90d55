"""Running packs on Spark: the `--engine spark` path of `campaign facts` and `campaign run`.

The DuckDB workspace is built as always, its statements recorded and replayed on Spark
(campaign.spark.workspace). Each pack is transpiled with its parameters bound and run there; its
rows (few: they are facts) come back as Arrow into the workspace's `pack_output` table, where the
same column and privacy checks as on DuckDB run, so scoring, copy and billboards are unchanged.
A pack that cannot be transpiled or fails on Spark is skipped, named with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from campaign.config import CampaignConfig
from campaign.packguard import check_output, check_query
from campaign.packs import OUTPUT_TABLE, Pack, PackSkipped, check_columns
from campaign.spark.rewrites import TranspileError
from campaign.spark.session import start_session
from campaign.spark.transpile import parse_duckdb, rewrite, spark_sql
from campaign.spark.workspace import RecordingConnection, SparkWorkspace
from campaign.workspace import INDIVIDUAL_SCOPE, Workspace, open_workspace

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
        self.spark.session.stop()


def open_spark_workspace(
    config: CampaignConfig, data: Sequence[Path | str]
) -> tuple[Workspace, SparkEngine]:
    """The workspace (DuckDB, for the stages after the packs) and the same views on Spark."""
    recorder: list[RecordingConnection] = []

    def record(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        recorder.append(RecordingConnection(con))
        return recorder[0]  # type: ignore[return-value]  # records, then forwards

    ws = open_workspace(config, data, wrap=record)
    ws.con = recorder[0].inner  # stop recording: what runs later is not the workspace's
    session = start_session(config.spark)
    try:
        spark = SparkWorkspace(session)
        spark.replay(recorder[0].statements, ws.con)
    except BaseException:
        session.stop()
        ws.close()
        raise
    return ws, SparkEngine(spark)
