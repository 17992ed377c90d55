"""Ingest throughput and memory on generated input of a chosen size.

    python bench/bench_ingest.py --mb 200        # ~200 MB of each input
    python bench/bench_ingest.py --mb 1000       # ~1 GB

Generates (with DuckDB, fast) a Spotify extended-history JSON array and a canonical listens CSV
of about `--mb` megabytes each into a temporary folder, then ingests each in a fresh process and
prints rows/s, MB/s and the child's peak RSS (getrusage), so the figures are per format and do
not include the generator.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import checkout  # noqa: F401  (first: the campaign package of this checkout)

# Bytes per generated row, measured, to size the inputs.
BYTES_PER_ROW = {"spotify-extended": 640, "canonical": 120}


def generate_extended(path: Path, rows: int) -> None:
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT
                strftime(TIMESTAMP '2024-01-01' + to_seconds(i * 13), '%Y-%m-%dT%H:%M:%SZ') AS ts,
                ['android', 'ios', 'windows', 'web'][1 + i % 4] AS platform,
                (hash(i) % 300000)::INTEGER AS ms_played,
                ['GB', 'NL', 'FR', 'FI', 'US'][1 + (i // 1000) % 5] AS conn_country,
                'REDACTED' AS ip_addr,
                CASE WHEN i % 50 <> 0 THEN 'Track ' || (hash(i) % 50000) END
                    AS master_metadata_track_name,
                CASE WHEN i % 50 <> 0 THEN 'Artist ' || (hash(i) % 50000 // 7) END
                    AS master_metadata_album_artist_name,
                CASE WHEN i % 50 <> 0 THEN 'Album ' || (hash(i) % 50000 // 11) END
                    AS master_metadata_album_album_name,
                CASE WHEN i % 50 <> 0
                    THEN 'spotify:track:' || lpad(CAST(hash(i) % 50000 AS VARCHAR), 22, 'x') END
                    AS spotify_track_uri,
                CASE WHEN i % 50 = 0 THEN 'Episode ' || i END AS episode_name,
                CASE WHEN i % 50 = 0 THEN 'A Show' END AS episode_show_name,
                CASE WHEN i % 50 = 0
                    THEN 'spotify:episode:' || lpad(CAST(i AS VARCHAR), 22, 'y') END
                    AS spotify_episode_uri,
                NULL::VARCHAR AS audiobook_title,
                NULL::VARCHAR AS audiobook_uri,
                NULL::VARCHAR AS audiobook_chapter_uri,
                NULL::VARCHAR AS audiobook_chapter_title,
                'trackdone' AS reason_start,
                'trackdone' AS reason_end,
                i % 3 = 0 AS shuffle,
                i % 7 = 0 AS skipped,
                false AS offline,
                1700000000 + i AS offline_timestamp,
                false AS incognito_mode
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT json, ARRAY true)
        """
    )
    con.close()


def generate_canonical(path: Path, rows: int) -> None:
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"""
        COPY (
            SELECT
                'u:' || lpad(CAST(hash(i // 200) % 1000000 AS VARCHAR), 16, '0') AS user_id,
                strftime(TIMESTAMP '2024-01-01' + to_seconds(i // 10), '%Y-%m-%dT%H:%M:%SZ')
                    AS played_at,
                'spotify:track:' || lpad(CAST(hash(i) % 50000 AS VARCHAR), 22, 'x') AS track_id,
                'Track ' || (hash(i) % 50000) AS track_name,
                'Artist ' || (hash(i) % 50000 // 7) AS artist_name,
                NULL::VARCHAR AS album_name,
                ['GB', 'NL', 'FR', 'FI', 'US', 'DE', 'SE', 'NO', 'ES', 'IT'][1 + i % 10] AS market,
                NULL::VARCHAR AS city,
                (hash(i) % 300000)::INTEGER AS ms_played,
                i % 7 = 0 AS skipped,
                NULL::VARCHAR AS platform
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT csv, HEADER true)
        """
    )
    con.close()


def run_child(fmt: str, src: Path, out: Path) -> dict:
    """Ingest in this process and report time and peak memory."""
    from campaign.ingest import ingest

    start = time.perf_counter()
    report = ingest([src], out, fmt=fmt, secret=b"bench")
    elapsed = time.perf_counter() - start
    counts = report.tables["listens"]
    return {
        "format": fmt,
        "seconds": elapsed,
        "rows_read": counts.rows_read,
        "rows_loaded": counts.rows_loaded,
        "rows_rejected": counts.rows_rejected,
        "input_mb": src.stat().st_size / 1e6,
        "output_mb": sum(p.stat().st_size for p in (out / "listens").glob("*.parquet")) / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="size of each input (MB)")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--formats", default="spotify-extended,canonical", help="comma-separated formats"
    )
    parser.add_argument("--child", nargs=3, metavar=("FMT", "SRC", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fmt, src, out = args.child
        print(json.dumps(run_child(fmt, Path(src), Path(out))))
        return

    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        for fmt in args.formats.split(","):
            rows = int(args.mb * 1e6 / BYTES_PER_ROW[fmt])
            if fmt == "spotify-extended":
                src = work / "benchuser" / "Streaming_History_Audio_bench.json"
                make = generate_extended
            else:
                src = work / "listens.csv"
                make = generate_canonical
            started = time.perf_counter()
            make(src, rows)
            print(
                f"generated {fmt}: {src.stat().st_size / 1e6:,.0f} MB, {rows:,} rows "
                f"in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            out = work / f"out-{fmt}"
            shutil.rmtree(out, ignore_errors=True)
            child = subprocess.run(
                [sys.executable, __file__, "--child", fmt, str(src), str(out)],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                raise SystemExit(f"ingest of {fmt} failed")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            results.append(result)
            if not args.keep:
                src.unlink()
                shutil.rmtree(out, ignore_errors=True)
        print()
        print(
            f"{'format':<18}{'input MB':>10}{'rows':>13}{'seconds':>9}{'rows/s':>12}"
            f"{'MB/s':>8}{'peak RSS MB':>13}{'parquet MB':>12}"
        )
        for r in results:
            print(
                f"{r['format']:<18}{r['input_mb']:>10,.0f}{r['rows_read']:>13,}"
                f"{r['seconds']:>9.1f}{r['rows_read'] / r['seconds']:>12,.0f}"
                f"{r['input_mb'] / r['seconds']:>8.1f}{r['peak_rss_mb']:>13,.0f}"
                f"{r['output_mb']:>12,.1f}"
            )
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
