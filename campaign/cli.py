"""The `campaign` command: a thin shell over the library (`campaign.run`, `campaign.output`, …).

Errors a user can fix print one sentence and exit 1; `--debug` shows the traceback instead.
Heavy libraries are imported inside the commands so that `campaign --help` answers at once.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from campaign.cli_options import DataOption, FreshOption, ParamOption, parse_params
from campaign.errors import CampaignError, ConfigError
from campaign.spark.options import EngineOption, MasterOption, warn_skipped, with_engine
from campaign.wrapped.command import wrapped as wrapped_command

app = typer.Typer(
    help="Turn listening logs into a data-storytelling billboard campaign.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would print listeners' rows
    add_completion=False,
)
packs_app = typer.Typer(help="List and check the query packs.", no_args_is_help=True)
app.add_typer(packs_app, name="packs")

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": False}


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    _state["debug"] = debug


def _fail(message: str) -> None:
    from campaign.output.safe_text import terminal_text

    typer.secho(f"Error: {terminal_text(message)}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def friendly_errors(command: F) -> F:
    """Turn errors a user can act on into one sentence and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import duckdb

        try:
            return command(*args, **kwargs)
        except CampaignError as exc:
            if _state["debug"]:
                raise
            _fail(exc.describe())
        except duckdb.Error as exc:
            if _state["debug"]:
                raise
            _fail(f"DuckDB could not read the data: {str(exc).splitlines()[0]}")
        except KeyboardInterrupt:
            _fail("interrupted; the previous output is untouched")

    return wrapper  # type: ignore[return-value]


def _reporter(quiet: bool) -> Any:
    from campaign.progress import RichReporter, Silent

    return Silent() if quiet or not sys.stderr.isatty() else RichReporter()


def _config(campaign_file: Path | None, **overrides: Any) -> Any:
    from campaign.config import CampaignConfig
    from campaign.packs import load_campaign

    config = load_campaign(campaign_file) if campaign_file else CampaignConfig()
    return config.with_overrides(**overrides)


@app.command()
@friendly_errors
def demo(
    out: Annotated[Path, typer.Option(help="Where the output folders go.")] = Path("output"),
    plays: Annotated[int, typer.Option(help="Synthetic plays to generate.")] = 1_000_000,
    users: Annotated[int, typer.Option(help="Synthetic listeners.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Generate synthetic listening data, run the whole pipeline and print the gallery path."""
    from campaign.demo import run_demo

    reporter = _reporter(quiet)
    with reporter.running():
        result = run_demo(out, plays=plays, users=users, seed=seed, reporter=reporter)
    _print_run(result)


def _warn(facts: Any) -> None:
    """What a user must know about a run's facts before reading them: the packs Spark skipped,
    and why there are none, if there are none."""
    from campaign.output.manifest import why_empty

    warn_skipped(facts)
    if reason := why_empty(facts):
        typer.secho(reason, fg=typer.colors.YELLOW, err=True)


def _print_run(result: Any) -> None:
    from campaign.output.safe_text import terminal_text

    facts = result.facts
    _warn(facts)
    passed = sum(1 for c in facts.candidates if c.eligible)
    typer.echo(
        f"{len(facts.candidates)} candidates ({passed} pass the privacy gate), "
        f"{result.billboards} billboards rendered.",
        err=True,
    )
    for failure in result.failed_renders:
        typer.secho(
            f"Warning: not rendered: {terminal_text(failure)}", fg=typer.colors.YELLOW, err=True
        )
    typer.echo(str(result.gallery.resolve()))


@app.command()
@friendly_errors
def synth(
    out: Annotated[Path, typer.Option(help="The listens Parquet file to write.")],
    events: Annotated[int, typer.Option(help="Planted anomalies of each kind.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 0,
    plays: Annotated[int, typer.Option(help="Plays to generate.")] = 1_000_000,
    users: Annotated[int, typer.Option(help="Listeners.")] = 50_000,
    year: Annotated[int, typer.Option(help="The calendar year of the data.")] = 2024,
    markets: Annotated[str, typer.Option(help="Comma-separated markets.")] = "GB,US,JP",
    charts: Annotated[
        int | None,
        typer.Option(help="Also write the top-N daily charts, with chart stories planted."),
    ] = None,
) -> None:
    """Write synthetic listens with planted anomalies, and FILE.truth.json listing them."""
    from campaign.markets import normalise_market
    from campaign.synth import SynthSpec, generate

    spec = SynthSpec(
        plays=plays,
        users=users,
        markets=tuple(normalise_market(m) for m in markets.split(",") if m.strip()),
        year=year,
        plants_per_kind=events,
        seed=seed,
        charts=charts,
    )
    result = generate(spec, out)
    summary = {
        "files": [str(p) for p in (*result.data_files, result.truth)],
        "plays": result.plays,
        "planted_plays": result.planted_plays,
        "anomalies": result.anomalies,
        "decoys": result.decoys,
        "seconds": round(result.seconds, 2),
    }
    typer.echo(json.dumps(summary, indent=2))


@app.command()
@friendly_errors
def init(
    name: Annotated[str, typer.Argument(help="The campaign's name; writes NAME/campaign.toml.")],
) -> None:
    """Write a commented campaign.toml to start a campaign from."""
    from campaign.config import write_template

    path = Path(name) / "campaign.toml"
    write_template(path, Path(name).name)
    typer.echo(str(path))


@app.command()
@friendly_errors
def ingest(
    sources: Annotated[list[Path] | None, typer.Argument(help="Export files or folders.")] = None,
    out: Annotated[Path | None, typer.Option(help="The dataset folder to write.")] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="Source format; detected when omitted.")
    ] = None,
    market: Annotated[
        str | None, typer.Option(help="Market of sources that do not say (ISO code).")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Listener name for a single-user export.")
    ] = None,
    tz: Annotated[str | None, typer.Option(help="Time zone of exports with local times.")] = None,
    date_offset: Annotated[
        int | None,
        typer.Option(
            "--date-offset",
            help="Days a chart's dates lie after its chart day (kworb: 2 by default; 0: as is).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the row counts as JSON.")] = False,
    list_: Annotated[
        Path | None, typer.Option("--list", help="Show what a dataset folder holds.")
    ] = None,
) -> None:
    """Turn listening exports into canonical Parquet; rows read = rows loaded + rows rejected."""
    from campaign.ingest import describe_dataset
    from campaign.ingest import ingest as run_ingest

    if list_ is not None:
        summary = describe_dataset(list_)
        typer.echo(
            json.dumps(summary.to_json(), indent=2) if as_json else "\n".join(summary.lines())
        )
        return
    if not sources:
        raise ConfigError("give at least one export file or folder to ingest", "SOURCES")
    if out is None:
        raise ConfigError("give the dataset folder to write with --out DIR", "--out")
    report = run_ingest(
        sources, out, fmt=format, market=market, user=user, tz=tz, date_offset=date_offset
    )
    typer.echo(json.dumps(report.to_json(), indent=2) if as_json else "\n".join(report.lines()))


@app.command()
@friendly_errors
def calendar(
    markets: Annotated[str, typer.Option(help="Comma-separated market codes.")] = "GB,US",
    year: Annotated[int, typer.Option(help="The year to list.")] = 2024,
    locale: Annotated[str, typer.Option(help="The language of event names.")] = "en",
    events: Annotated[
        list[Path] | None, typer.Option("--events", help="Your own events CSV.")
    ] = None,
) -> None:
    """List the dated events per market that facts are tied to."""
    from campaign.events import build_calendar
    from campaign.markets import normalise_market
    from campaign.output.safe_text import terminal_text

    codes = [normalise_market(m) for m in markets.split(",") if m.strip()]
    for event in build_calendar(codes, [year], [locale], events or []):
        name = terminal_text(event.name(locale))  # an editor's CSV: data, not terminal codes
        typer.echo(f"{event.day}  {event.market:<3} {event.kind:<9} {name}")


@app.command()
@friendly_errors
def facts(
    campaign_file: Annotated[Path | None, typer.Argument(help="campaign.toml (optional).")] = None,
    data: DataOption = None,
    param: ParamOption = None,
    top: Annotated[int, typer.Option(help="How many candidates to print.")] = 20,
    unexplained: Annotated[
        int, typer.Option(help="Also print the N strongest spike days with no calendar event.")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for other tools.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    fresh: FreshOption = False,
    engine: EngineOption = None,
    master: MasterOption = None,
) -> None:
    """Print the ranked candidate facts (and, with --unexplained N, the days to name)."""
    from campaign.output.manifest import _json_default, candidate_record
    from campaign.run import find_facts
    from campaign.unexplained import unexplained_days

    config = with_engine(_config(campaign_file), engine, master)
    reporter = _reporter(quiet)
    with reporter.running():
        result = find_facts(config, data or None, parse_params(param), reporter, fresh)
    _warn(result)
    shown = result.candidates[:top]
    days = unexplained_days(result.candidates, limit=unexplained) if unexplained else []
    if as_json:
        records = []
        for candidate in shown:
            record = candidate_record(candidate)
            record.pop("copy")
            record.pop("images")
            records.append(record)
        if unexplained:
            records = {"candidates": records, "unexplained": [d.to_json() for d in days]}
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False, default=_json_default))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from campaign.output.safe_text import terminal_text

    table = Table(title=f"{len(result.candidates)} candidates, top {len(shown)}")
    columns = ("#", "pack", "market", "day", "subject", "value", "expected", "event", "score")
    for column in (*columns, "privacy"):
        table.add_column(column)
    for c in shown:
        f = c.fact
        cells = (
            str(c.rank),
            f.pack,
            f.market,
            str(f.period_start),
            f.subject_name,
            f"{f.value:,}",
            "" if f.baseline is None else f"{f.baseline:,.1f}",
            c.event.name("en") if c.event else "",
            f"{c.scores['total'].value:.2f}",
            c.verdict.status,
        )
        table.add_row(*(Text(terminal_text(cell)) for cell in cells))  # data is never markup
    Console().print(table)
    for d in days:
        named = "; ".join(
            f"{s['name']} ({s['novelty']}, at least {s['ratio_lower']}x)" for s in d.subjects
        )
        typer.echo(
            terminal_text(f"Unexplained: {d.market} {d.day} looks like a {d.looks_like}: {named}")
        )
        typer.echo(terminal_text(f"  name it in the events file: {d.events_line()}"))


@app.command()
@friendly_errors
def run(
    campaign_file: Annotated[Path, typer.Argument(help="The campaign.toml to run.")],
    data: DataOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the campaign's).")
    ] = None,
    param: ParamOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    fresh: FreshOption = False,
    engine: EngineOption = None,
    master: MasterOption = None,
) -> None:
    """Run the whole pipeline: facts, scores, copy, billboards, manifest and gallery."""
    from campaign.run import run_campaign

    config = with_engine(_config(campaign_file, output=out), engine, master)
    reporter = _reporter(quiet)
    with reporter.running():
        result = run_campaign(config, data or None, parse_params(param), reporter, fresh=fresh)
    _print_run(result)


@app.command()
@friendly_errors
def explain(
    path: Annotated[Path, typer.Argument(help="The campaign.toml or its output folder.")],
    fact_id: Annotated[str, typer.Argument(help="A candidate's id (or its first characters).")],
) -> None:
    """Show why a candidate ranks where it does: its fact, scores with their inputs, privacy."""
    from campaign.output.explain import explain as explain_fact
    from campaign.output.manifest import output_dir
    from campaign.output.safe_text import terminal_text

    for line in explain_fact(output_dir(path), fact_id):
        typer.echo(terminal_text(line))


@app.command()
@friendly_errors
def export(
    path: Annotated[Path, typer.Argument(help="The campaign.toml or its output folder.")],
    to: Annotated[
        Path | None, typer.Option(help="Where to write (default: <output>-approved).")
    ] = None,
) -> None:
    """Export the approved billboards for print, and a copy sheet for legal and translation."""
    from campaign.output.export import export_approved
    from campaign.output.manifest import output_dir

    folder = output_dir(path)
    result = export_approved(folder, to or folder.with_name(folder.name + "-approved"))
    typer.echo(
        f"{result.approved} approved facts, {result.billboards} billboards "
        f"({result.rendered} drawn now), copy sheet: {result.dest.resolve() / 'copy-sheet.csv'}",
        err=True,
    )
    typer.echo(str(result.dest.resolve()))


@app.command()
@friendly_errors
def serve(
    path: Annotated[Path, typer.Argument(help="The campaign.toml or its output folder.")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the gallery in a browser.")
    ] = False,
) -> None:
    """Serve the gallery on 127.0.0.1 and save reviewers' decisions straight to review.json."""
    from campaign.output.serve import serve as run_server

    run_server(path, port=port, open_browser=open_browser)


@packs_app.command("list")
@friendly_errors
def packs_list(
    campaign_file: Annotated[Path | None, typer.Argument(help="campaign.toml (optional).")] = None,
) -> None:
    """Show every pack with its title, audience and parameters."""
    from campaign.packs import discover_packs, pack_dirs

    config = _config(campaign_file)
    for pack in discover_packs(pack_dirs(config.packs, config.root)):
        params = ", ".join(f"{k}={v}" for k, v in pack.params.items()) or "no parameters"
        typer.echo(f"{pack.name}  [{pack.audience}]  {pack.title}\n    {params}\n    {pack.path}")


@packs_app.command("lint")
@friendly_errors
def packs_lint(
    campaign_file: Annotated[Path | None, typer.Argument(help="campaign.toml (optional).")] = None,
) -> None:
    """Check every pack's header, parameters, output columns and own test, and its copy in every
    locale (renders for every shape of fact, fits the campaign's formats)."""
    from campaign.copylint import lint_copy
    from campaign.packlint import lint_packs

    config = _config(campaign_file)
    problems = lint_packs(config) + lint_copy(config)
    from campaign.output.safe_text import terminal_text

    for problem in problems:
        typer.secho(terminal_text(problem), fg=typer.colors.RED, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("all packs pass, and so does their copy in every locale")


app.command("wrapped")(friendly_errors(wrapped_command))
