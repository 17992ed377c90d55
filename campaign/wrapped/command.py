"""`campaign wrapped`: the typer command, a thin shell over `campaign.wrapped`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from campaign.errors import ConfigError
from campaign.spark.options import EngineOption, MasterOption, with_engine


def wrapped(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(help="The listener's export files or folders, or an ingested dataset."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="The folder to write the story to.")] = None,
    user: Annotated[
        str | None, typer.Option(help="The listener: in a dataset, or to name an export's owner.")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="The year (default: the last full year).")
    ] = None,
    locale: Annotated[
        str | None, typer.Option(help="The language (default: the market's).")
    ] = None,
    tz: Annotated[
        str | None, typer.Option(help="The listener's time zone (default: the market's).")
    ] = None,
    market: Annotated[
        str | None, typer.Option(help="The listener's market, for exports that do not say.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="An ingested dataset (or canonical Parquet), with --all."),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every listener of --data who has not opted out.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Parallel workers for --all.")] = 2,
    campaign_file: Annotated[
        Path | None,
        typer.Option("--campaign", help="campaign.toml whose engine and [spark] --all uses."),
    ] = None,
    engine: EngineOption = None,
    master: MasterOption = None,
) -> None:
    """One listener's own year as a story: DIR/index.html, DIR/cards/*.png, DIR/wrapped.json."""
    if out is None:
        raise ConfigError("give the folder to write with --out DIR", "--out")
    from campaign.config import CampaignConfig
    from campaign.packs import load_campaign

    config = with_engine(
        load_campaign(campaign_file) if campaign_file else CampaignConfig(), engine, master
    )
    spark = config.spark if config.engine == "spark" else None
    if spark is not None and not all_:
        raise ConfigError(
            "engine spark is for the --all batch: one listener's story runs on duckdb", "--engine"
        )
    if all_:
        from campaign.wrapped.batch import make_all

        if data is None or sources:
            raise ConfigError("--all takes one ingested dataset with --data DATASET", "--data")
        if spark is not None:
            typer.echo(
                f"On Spark ({spark.master}): the packs' tables made from the plays; the recap "
                "queries and the packs then run in DuckDB on them (a listener's rows are few).",
                err=True,
            )
        summary = make_all(
            [data], out, year=year, locale=locale, tz=tz, workers=workers, spark=spark
        )
        typer.echo(
            f"{summary.made} stories, {summary.opted_out} listeners opted out, "
            f"{len(summary.failed)} failed",
            err=True,
        )
        for reason in summary.failed:
            typer.secho(f"Warning: {reason}", fg=typer.colors.YELLOW, err=True)
        typer.echo(str(summary.out.resolve()))
        return
    from campaign.wrapped.build import make_wrapped

    given = list(sources or []) + ([data] if data is not None else [])
    if not given:
        raise ConfigError("give the listener's export (SRC...) or a dataset with --user", "SRC")
    result = make_wrapped(given, out, user=user, year=year, locale=locale, tz=tz, market=market)
    typer.echo(f"{len(result.cards)} cards for {result.year} ({result.locale})", err=True)
    if result.missing_translation:
        typer.secho(
            f"Warning: no wrapped copy in '{result.missing_translation}' (the market's language) "
            f"yet: the story is in '{result.locale}'",
            fg=typer.colors.YELLOW,
            err=True,
        )
    for image, chars in result.missing_glyphs.items():
        typer.secho(
            f"Warning: {image} shows boxes for {''.join(chars)}: the bundled font lacks them",
            fg=typer.colors.YELLOW,
            err=True,
        )
    typer.echo(str((result.out / "index.html").resolve()))
