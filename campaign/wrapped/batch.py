"""`campaign wrapped --data DATASET --all`: every listener's story, one pass, memory bounded.

The opted-in listeners' plays are copied once, sorted by listener, into a scratch Parquet file
(DuckDB sorts out of core within the campaign's `[duckdb]` memory limit), and the market counts
every listener's market card compares with are made from that copy once. The listeners are then
told in chunks of about `CHUNK_PLAYS` plays: each chunk reads its own row groups of the copy, and
every recap query and pack runs once over the whole chunk, grouped by listener (`build.tell`, the
same code as one listener's story). The worded cards go to a pool of processes that draw them.
Listeners who opted out are left out of the copy itself.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from campaign.errors import CampaignError, ConfigError
from campaign.facts import PackRunner
from campaign.output.folder import WRAPPED_FOLDER, check_replaceable, staged
from campaign.packs import run_pack
from campaign.spark.settings import SparkSettings
from campaign.wrapped.build import Told, tell, write_story
from campaign.wrapped.cohort import create_listeners, create_sources
from campaign.wrapped.market import create_crowd
from campaign.wrapped.plays import MIN_MS
from campaign.wrapped.select import Dataset, connection, listens_files, read_dataset, sql_list

ROW_GROUP_SIZE = 20_000
# The plays told in one pass: bounds the memory of a chunk's cards and of its packs' workspace.
CHUNK_PLAYS = 2_000_000


@dataclass
class BatchSummary:
    out: Path
    made: int = 0
    opted_out: int = 0
    failed: list[str] = field(default_factory=list)


def story_folder(user_id: str) -> str:
    """A listener's folder name: a hash of the pseudonym, which itself never leaves the tool."""
    return "wrapped-" + hashlib.sha256(f"wrapped|{user_id}".encode()).hexdigest()[:16]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sorted_copy(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, scratch: Path
) -> tuple[Dataset, list[tuple[str, int]], int]:
    """The opted-in listeners' plays sorted by listener; each listener's id and plays; how many
    opted out."""
    copy = scratch / "sorted"
    (copy / "listens").mkdir(parents=True)
    con.execute(
        f"CREATE VIEW listens AS SELECT * FROM read_parquet("
        f"{sql_list(listens_files(dataset))}, union_by_name = true)"
    )
    users = dataset.files("users")
    if users:
        con.execute(
            f"CREATE VIEW opted AS SELECT DISTINCT user_id FROM read_parquet("
            f"{sql_list(users)}, union_by_name = true) WHERE coalesce(opted_out, false)"
        )
        (copy / "users").mkdir()
        con.execute(
            f"COPY (SELECT * FROM read_parquet({sql_list(users)}, union_by_name = true)) "
            f"TO {_literal(str(copy / 'users' / 'users.parquet'))} (FORMAT parquet)"
        )
    else:
        con.execute("CREATE VIEW opted AS SELECT NULL::VARCHAR AS user_id LIMIT 0")
    opted_out = con.execute(
        "SELECT count(DISTINCT user_id) FROM listens SEMI JOIN opted USING (user_id)"
    ).fetchone()[0]
    plays = copy / "listens" / "plays.parquet"
    con.execute(
        "COPY (SELECT * FROM listens ANTI JOIN opted USING (user_id) ORDER BY user_id) "
        f"TO {_literal(str(plays))} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
    )
    counts = con.execute(
        f"SELECT user_id, count(*) FROM read_parquet({_literal(str(plays))}) "
        "GROUP BY user_id ORDER BY user_id"
    ).fetchall()
    return read_dataset([copy]), [(str(u), int(n)) for u, n in counts], int(opted_out)


def chunks(counts: list[tuple[str, int]], size: int = CHUNK_PLAYS) -> list[tuple[str, str]]:
    """Ranges (first and last id) of consecutive listeners holding about `size` plays each; a
    listener is never split."""
    ranges, first, held = [], None, 0
    for user_id, plays in counts:
        first = user_id if first is None else first
        held += plays
        if held >= size:
            ranges.append((first, user_id))
            first, held = None, 0
    if first is not None:
        ranges.append((first, counts[-1][0]))
    return ranges


def _draw(folder: Path, told: Told) -> str | None:
    """One listener's cards, page and record, in a worker: None when made, else why not."""
    try:
        folder.mkdir()
        write_story(folder, told)
    except CampaignError as exc:
        shutil.rmtree(folder, ignore_errors=True)  # the half-made folder of this run only
        return f"{folder.name}: {exc.message}"
    return None


def make_all(
    data: list[Path],
    out: Path,
    year: int | None = None,
    locale: str | None = None,
    tz: str | None = None,
    workers: int = 2,
    run: PackRunner = run_pack,
    spark: SparkSettings | None = None,
) -> BatchSummary:
    """Every opted-in listener of the data into OUT/<folder>/; OUT/stories.json lists them.
    `run` runs the packs on the chosen engine; with `spark` the packs' tables made from the
    plays are built on Spark (the packs then run in DuckDB on them)."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1", "--workers")
    check_replaceable(out, WRAPPED_FOLDER)
    summary = BatchSummary(out)
    made: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="campaign-wrapped-all-") as tmp,
        connection(Path(tmp)) as con,
        staged(out, WRAPPED_FOLDER) as stage,
        ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        ) as pool,
    ):
        scratch = Path(tmp)
        copy, counts, summary.opted_out = _sorted_copy(con, read_dataset(data), scratch)
        create_crowd(con, copy, MIN_MS)
        pending: dict[Future, str] = {}
        for n, (first, last) in enumerate(chunks(counts)):
            create_sources(
                con, copy, f"WHERE user_id BETWEEN {_literal(first)} AND {_literal(last)}"
            )
            con.execute(
                "CREATE OR REPLACE TEMP TABLE story_users AS "
                "SELECT DISTINCT user_id FROM all_listens"
            )
            listeners, refused, covered = create_listeners(con, year, MIN_MS, None, tz)
            summary.failed += [f"{story_folder(u)}: {e.message}" for u, e in refused.items()]
            chunk = scratch / f"chunk-{n}"
            for told in tell(con, listeners, covered, locale, chunk, run=run, spark=spark):
                name = story_folder(told.listener.user_id)
                pending[pool.submit(_draw, stage / name, told)] = name
                if len(pending) >= 4 * workers:  # the cards waiting to be drawn stay few
                    first_done = wait(pending, return_when="FIRST_COMPLETED").done
                    _collect(pending, made, summary, first_done)
            shutil.rmtree(chunk, ignore_errors=True)
        _collect(pending, made, summary, wait(pending).done)
        summary.made = len(made)
        summary.failed.sort()
        listing = {
            "stories": sorted(made),
            "opted_out": summary.opted_out,
            "not_made": summary.failed,
        }
        (stage / "stories.json").write_text(json.dumps(listing, indent=2) + "\n")
    return summary


def _collect(
    pending: dict[Future, str], made: list[str], summary: BatchSummary, done: set[Future]
) -> None:
    """Record the finished drawings and forget them."""
    for job in done:
        name = pending.pop(job)
        failure = job.result()
        if failure is None:
            made.append(name)
        else:
            summary.failed.append(failure)
