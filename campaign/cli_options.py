"""The options several commands share (`--data`, `--param`, `--fresh`) and how a `--param` is
read, kept apart so `campaign.cli` stays a list of commands."""

from __future__ import annotations

from typing import Annotated

import typer

from campaign.errors import ConfigError

DataOption = Annotated[
    list[str] | None,
    typer.Option("--data", help="An ingested folder, a Parquet file or a glob; repeatable."),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", help="Override a pack parameter: pack.name=value; repeatable."),
]
FreshOption = Annotated[
    bool,
    typer.Option("--fresh", help="Rebuild the workspace cache (rollups) instead of reusing it."),
]


def parse_params(values: list[str] | None) -> dict[str, dict[str, str]]:
    """`--param pack.name=value` options into {pack: {name: value}}."""
    params: dict[str, dict[str, str]] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        pack, dot, name = key.partition(".")
        if not sep or not dot or not pack or not name:
            raise ConfigError(f"--param '{item}' must look like pack.name=value")
        params.setdefault(pack.strip(), {})[name.strip()] = value.strip()
    return params
