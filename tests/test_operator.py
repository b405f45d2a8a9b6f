"""What a nightly operator reads: timestamped lines, the closing lines, the baseline run."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLES
from workbook.batch.progress import progress_printer
from workbook.batch.result import Entry
from workbook.batch.run import compared_with
from workbook.ledger import Ledger
from workbook.model.history import HistoryRow

BIN = Path(sys.executable).parent


def test_plain_progress_lines_carry_an_iso_utc_timestamp_and_say_unchanged():
    out = io.StringIO()
    # 06:30:12 at UTC+01:00 is 05:30:12 UTC.
    at = dt.datetime(2026, 12, 5, 6, 30, 12, 900_000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    show = progress_printer(out, now=lambda: at)
    show(Entry(Path("r/a.yaml"), "skipped"), 3, 12)
    show(Entry(Path("r/b.yaml"), "rendered", duration=1.25), 4, 12)
    assert out.getvalue().splitlines() == [
        "2026-12-05T05:30:12Z [3/12] unchanged r/a.yaml",
        "2026-12-05T05:30:12Z [4/12] rendered r/b.yaml (1.2 s)",
    ]


def _ledger(path: Path, runs: dict[int, dict[str, list[str]]], unfinished: set[int]) -> None:
    """Runs by id, each with initiative -> blockers (statuses all missing, stage prototype)."""
    import sqlite3

    Ledger(path).close()
    con = sqlite3.connect(path)
    with con:
        for run, assessed in runs.items():
            ended = None if run in unfinished else f"2026-11-2{run}T01:00:00"
            con.execute(
                "INSERT INTO runs (id, started_at, ended_at, options) VALUES (?, ?, ?, '{}')",
                (run, f"2026-11-2{run}T00:00:00", ended),
            )
            for rid, blockers in assessed.items():
                statuses = "{" + ", ".join(f'"{b}": "missing"' for b in blockers) + "}"
                con.execute(
                    "INSERT INTO assessments (run_id, initiative, name, digest, as_of, claimed,"
                    " supported, overclaimed, outcome, statuses, blockers, recorded_at) VALUES"
                    " (?, ?, 'n', 'd', '2026-11-23', 'prototype', 'prototype', 0, 'rendered',"
                    " ?, ?, '2026-11-23T00:00:00')",
                    (run, rid, statuses, "[" + ", ".join(f'"{b}"' for b in blockers) + "]"),
                )
    con.close()


def _now(blockers: list[str]) -> HistoryRow:
    return HistoryRow(
        run_id=9, started_at="2026-11-29T00:00:00", initiative="a", name="n", digest="d",
        as_of=AS_OF, claimed="prototype", supported="prototype", overclaimed=False,
        outcome="skipped", statuses={b: "missing" for b in blockers}, blockers=blockers,
    )  # fmt: skip


def test_an_unchanged_run_still_compares_with_the_run_before_the_last_change(tmp_path):
    # Run 1: a blocked by x and y. Run 2: y resolved. Run 3 (interrupted): y back.
    # Now (run 4): as in run 2. Run 2 differs from now in nothing, run 3 is not finished,
    # so the baseline is run 1, and y is what was resolved since.
    path = tmp_path / "ledger.sqlite"
    _ledger(path, {1: {"a": ["x", "y"]}, 2: {"a": ["x"]}, 3: {"a": ["x", "y"]}}, {3})
    with Ledger(path) as ledger:
        run, changes = compared_with(ledger, 4, {"a": _now(["x"])})
    assert run is not None and run.id == 1
    assert changes["a"].resolved == ["y"] and changes["a"].new_blockers == []


def test_with_nothing_different_in_any_run_the_previous_run_is_named(tmp_path):
    path = tmp_path / "ledger.sqlite"
    _ledger(path, {1: {"a": ["x"]}, 2: {"a": ["x"]}}, set())
    with Ledger(path) as ledger:
        run, changes = compared_with(ledger, 3, {"a": _now(["x"])})
        first, none = compared_with(ledger, 1, {"a": _now(["x"])})
    assert run is not None and run.id == 2 and changes["a"].empty
    assert first is None and none["a"].empty


def batch(folder: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [BIN / "workbook", "batch", "records", "-o", "out", "--as-of", AS_OF.isoformat(), *args],
        cwd=folder, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.slow
def test_the_closing_lines_name_what_changed_and_where_the_digest_is(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    for rid in ("kyc-document-check", "hr-policy-assistant"):
        shutil.copy(EXAMPLES / f"{rid}.yaml", records)
    shutil.copytree(EXAMPLES / "evidence", records / "evidence")
    first = batch(tmp_path)
    assert "  first run: nothing to compare with yet" in first.stdout
    assert first.stdout.rstrip().splitlines()[-2:] == [
        "digest: out/digest.txt",
        "portfolio: out/index.html",
    ]
    # Both claim production candidate; kyc is supported at prototype, hr at mvp (the examples).
    assert "  overclaimed labels (2):" in first.stdout
    assert (
        "    kyc-document-check: claims production candidate, supported prototype" in first.stdout
    )

    # The business owner removed: the mvp gate's ownership.business_owner is a new blocker.
    kyc = records / "kyc-document-check.yaml"
    kyc.write_text(
        kyc.read_text().replace(
            "business_owner: Mehmet Aydin, Head of Client Onboarding", "business_owner: null"
        )
    )
    second = batch(tmp_path)
    assert "  new blockers since run 1 (1):" in second.stdout
    assert re.search(
        r"^    kyc-document-check: ownership\.business_owner \(mvp gate\)$", second.stdout, re.M
    )
    assert "1 rendered, 1 unchanged" in second.stdout
    assert re.search(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[\d/2\] unchanged hr-policy-assistant$",
        second.stderr,
        re.M,
    )

    # Nothing changed since: the change is still what run 3 reports, against run 1.
    third = batch(tmp_path)
    assert "0 rendered, 2 unchanged" in third.stdout
    assert "  new blockers since run 1 (1):" in third.stdout
    assert '"previous_run_id": 1' in (tmp_path / "out" / "summary.json").read_text()
