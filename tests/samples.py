"""Small evidence files written by tests, and the reference figures they are checked against."""

from __future__ import annotations

import csv
import gzip
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
from click.testing import CliRunner, Result

from conftest import AS_OF, EXAMPLES, make_record
from workbook.cli import main
from workbook.model.records import Record

#: An initiative's `changes` in a summary when nothing changed since the previous run.
NO_CHANGES = {
    "new_blockers": [],
    "resolved": [],
    "regressions": [],
    "stage_from": None,
    "stage_to": None,
    "down": False,
}


def write_jsonl(path: Path, rows: Iterable[Any], gz: bool = False) -> Path:
    """One JSON value per line; gzip-compressed with ``gz``."""
    text = "".join(json.dumps(row) + "\n" for row in rows).encode()
    path.write_bytes(gzip.compress(text, mtime=0) if gz else text)
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """A CSV file; None becomes an empty cell."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(["" if v is None else v for v in row] for row in rows)
    return path


def write_parquet(path: Path, columns: dict[str, str], rows: Iterable[Sequence[Any]]) -> Path:
    """A Parquet file written by DuckDB, with the given SQL column types."""
    con = duckdb.connect(":memory:")
    declared = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    con.execute(f"CREATE TABLE t ({declared})")
    rows = list(rows)
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def cite(kind: str, path: str, date: str = "2026-11-01", **settings: Any) -> Record:
    """A prototype record citing one evidence file, with inspection settings."""
    return make_record({"evidence": [{"kind": kind, "path": path, "date": date, **settings}]})


def workbook_process(
    *args: str | Path, cwd: Path | None = None, timeout: float = 300
) -> tuple[int, bytes, bytes, float]:
    """The CLI as users run it, in its own process: (exit code, stdout, stderr, seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "workbook.cli", *map(str, args)],
        capture_output=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


def example_folder(tmp_path: Path, name: str = "claims-triage") -> Path:
    """A folder holding a copy of one shipped example record."""
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy2(EXAMPLES / f"{name}.yaml", folder)
    return folder


def run_batch(records: Path, out: Path) -> Result:
    """``workbook batch`` on one worker, as of the suite's pinned date."""
    args = ["batch", str(records), "-o", str(out), "--as-of", AS_OF.isoformat(), "--workers", "1"]
    return CliRunner().invoke(main, args)
