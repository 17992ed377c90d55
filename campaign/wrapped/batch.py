"""`campaign wrapped --data DATASET --all`: every listener's story, in parallel, memory bounded.

One pass over the plays: they are copied once, sorted by listener, into a scratch Parquet file
(DuckDB sorts out of core under `select.MEMORY_LIMIT`), and the market counts every listener's
market card compares with (`market.CROWD_SQL`) are made from that copy once. Each worker then
reads one listener's row groups only, never the whole dataset. Python holds listener ids, never
rows. Listeners who opted out are left out of the copy itself.

The per-listener SQL lives in `cards`, `market` and the packs, over the views `my_plays`,
`others` and the workspace: another engine (Spark) can be handed those queries as they are.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from campaign.errors import CampaignError, ConfigError
from campaign.output.folder import WRAPPED_FOLDER, check_replaceable, staged
from campaign.wrapped.market import CROWD_TABLE, crowd_table
from campaign.wrapped.plays import MIN_MS
from campaign.wrapped.select import Dataset, connect, listens_files, read_dataset, sql_list

ROW_GROUP_SIZE = 20_000


@dataclass
class BatchSummary:
    out: Path
    made: int = 0
    opted_out: int = 0
    failed: list[str] = field(default_factory=list)


def story_folder(user_id: str) -> str:
    """A listener's folder name: a hash of the pseudonym, which itself never leaves the tool."""
    return "wrapped-" + hashlib.sha256(f"wrapped|{user_id}".encode()).hexdigest()[:16]


def _sorted_copy(dataset: Dataset, scratch: Path, min_ms: int) -> tuple[Dataset, list[str], int]:
    """The opted-in listeners' plays sorted by listener, with the market counts made from them
    once; the listeners' ids; how many opted out."""
    copy = scratch / "sorted"
    (copy / "listens").mkdir(parents=True)
    con = connect()
    try:
        con.execute(f"SET temp_directory = '{scratch / 'spill'}'")
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
                f"TO '{copy / 'users' / 'users.parquet'}' (FORMAT parquet)"
            )
        else:
            con.execute("CREATE VIEW opted AS SELECT NULL::VARCHAR AS user_id LIMIT 0")
        opted_out = con.execute(
            "SELECT count(DISTINCT user_id) FROM listens SEMI JOIN opted USING (user_id)"
        ).fetchone()[0]
        con.execute(
            "COPY (SELECT * FROM listens ANTI JOIN opted USING (user_id) ORDER BY user_id) "
            f"TO '{copy / 'listens' / 'plays.parquet'}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        )
        plays = copy / "listens" / "plays.parquet"
        ids = [
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT user_id FROM read_parquet('{plays}') ORDER BY user_id"
            ).fetchall()
        ]
        con.execute(f"CREATE VIEW others AS FROM read_parquet('{plays}')")
        crowd_table(con, None, min_ms, "crowd")
        crowd = scratch / "crowd.parquet"
        con.execute(f"COPY crowd TO '{crowd}' (FORMAT parquet)")
    finally:
        con.close()
    sorted_data = read_dataset([copy])
    tables = {**sorted_data.tables, CROWD_TABLE: [crowd]}
    return Dataset(tables, sorted_data.secret), ids, int(opted_out)


def _one(
    dataset: Dataset,
    folder: Path,
    user_id: str,
    year: int | None,
    locale: str | None,
    tz: str | None,
) -> str | None:
    """One listener, in a worker process: None when made, else why not (one sentence)."""
    from campaign.wrapped.build import story_into

    try:
        with tempfile.TemporaryDirectory(prefix="campaign-wrapped-") as tmp:
            folder.mkdir()
            story_into(folder, dataset, Path(tmp), user_id, year, locale, tz)
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
) -> BatchSummary:
    """Every opted-in listener of the data into OUT/<folder>/; OUT/stories.json lists them."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1", "--workers")
    check_replaceable(out, WRAPPED_FOLDER)
    summary = BatchSummary(out)
    with tempfile.TemporaryDirectory(prefix="campaign-wrapped-all-") as tmp:
        copy, ids, summary.opted_out = _sorted_copy(read_dataset(data), Path(tmp), MIN_MS)
        with (
            staged(out, WRAPPED_FOLDER) as stage,
            ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn")
            ) as pool,
        ):
            jobs = {
                pool.submit(_one, copy, stage / story_folder(uid), uid, year, locale, tz): uid
                for uid in ids
            }
            made = []
            for job in as_completed(jobs):
                failure = job.result()
                if failure is None:
                    made.append(story_folder(jobs[job]))
                else:
                    summary.failed.append(failure)
            summary.made = len(made)
            summary.failed.sort()
            listing = {
                "stories": sorted(made),
                "opted_out": summary.opted_out,
                "not_made": summary.failed,
            }
            (stage / "stories.json").write_text(json.dumps(listing, indent=2) + "\n")
    return summary
