"""The command-line options of the engine (`--engine`, `--master`) and its warnings, kept
beside the engine so `campaign.cli` stays a thin layer of commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

EngineOption = Annotated[
    str | None,
    typer.Option("--engine", help="Run the packs on duckdb (default) or spark (campaign[spark])."),
]
MasterOption = Annotated[
    str | None,
    typer.Option("--master", help="With --engine spark: local[N] or a cluster, spark://host:7077."),
]


def with_engine(config: Any, engine: str | None, master: str | None) -> Any:
    """The campaign with --engine and --master applied (they override campaign.toml)."""
    from dataclasses import replace

    from campaign.spark.settings import check_engine

    if engine is not None:
        config = config.with_overrides(engine=check_engine(engine, "--engine"))
    if master is not None:
        config = config.with_overrides(spark=replace(config.spark, master=master))
    return config


def warn_skipped(facts: Any) -> None:
    """On Spark, name each pack that did not run there and why (the manifest records it too)."""
    if facts.config.engine != "spark":
        return
    for run in facts.runs:
        if run.skipped:
            typer.secho(f"Warning: {run.skipped}", fg=typer.colors.YELLOW, err=True)
