"""What the client ships to a Dask worker without the portfolio's disk, and what comes back."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from workbook import __version__
from workbook.batch import shipping
from workbook.batch.shipping import Packer, client_words, ledger_extract, render_parcel
from workbook.batch.tasks import Task
from workbook.ledger import Ledger
from workbook.model.records import load_record

RECORD = """\
schema_version: 1
id: ship-me
name: Ship me
stage: prototype
evidence:
  - {kind: log_sample, path: evidence/logs.jsonl, date: 2026-11-01}
  - {kind: evaluation, path: ./evidence/../evidence/eval.csv, date: 2026-11-01}
  - {kind: policy, path: evidence/missing.md, date: 2026-11-01}
  - {kind: user_notice, path: evidence/linked.md, date: 2026-11-01}
  - {kind: security_review, url: "https://example.org/review", date: 2026-11-01}
"""


@pytest.fixture
def portfolio(tmp_path, monkeypatch):
    """A record in the working folder citing a log, an eval, a missing file and a link."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "records"
    (folder / "evidence").mkdir(parents=True)
    (folder / "ship-me.yaml").write_text(RECORD)
    (folder / "evidence" / "logs.jsonl").write_bytes(b'{"a": 1}\n')
    (folder / "evidence" / "eval.csv").write_bytes(b"id,passed\n1,true\n")
    (folder / "evidence" / "linked.md").symlink_to(tmp_path / "elsewhere.md")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "01-stage-and-boundaries.ipynb").write_text("{}")
    return folder


def task_for(folder: Path, **changes) -> Task:
    record = load_record(folder / "ship-me.yaml")
    return Task(
        path=str(folder / "ship-me.yaml"),
        record=record,
        out_dir=str(folder.parent / "out"),
        as_of="2026-11-23",
        gates=None,
        notebooks=str(folder.parent / "notebooks"),
        timeout=60,
        **changes,
    )


def test_the_parcel_holds_the_files_as_the_working_folder_holds_them(portfolio):
    parcel = Packer(portfolio.parent / "notebooks", "t").dossier(task_for(portfolio))
    # Every path relative to the worker's private folder: cwd/ mirrors the working folder.
    assert parcel.task is not None
    assert parcel.task.path == "cwd/records/ship-me.yaml"
    assert parcel.task.out_dir == "out" and parcel.task.notebooks == "notebooks"
    assert parcel.files["cwd/records/ship-me.yaml"] == RECORD.encode()
    assert parcel.files["cwd/records/evidence/logs.jsonl"] == b'{"a": 1}\n'
    # Cited as ./evidence/../evidence/eval.csv: shipped once, where the reader looks.
    assert parcel.files["cwd/records/evidence/eval.csv"] == b"id,passed\n1,true\n"
    assert parcel.files["notebooks/01-stage-and-boundaries.ipynb"] == b"{}"
    # A missing file is not made up; a link is re-made (leading nowhere), never followed.
    assert "cwd/records/evidence/missing.md" not in parcel.files
    assert parcel.links == ("cwd/records/evidence/linked.md",)
    assert len(parcel.files) == 4


def test_a_record_outside_the_working_folder_is_shown_by_its_name(portfolio, tmp_path):
    os.chdir(tmp_path / "notebooks")
    parcel = Packer(tmp_path / "notebooks", "t").dossier(task_for(portfolio))
    assert parcel.task is not None
    assert parcel.task.path == "outside/0/ship-me.yaml"
    assert "outside/0/evidence/logs.jsonl" in parcel.files


def test_the_ledger_extract_holds_every_run_and_only_this_initiatives_rows(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    con = sqlite3.connect(path)
    with con:
        for run in (1, 2):
            con.execute(
                "INSERT INTO runs (id, started_at, options) VALUES (?, ?, '{}')",
                (run, f"2026-11-2{run}T00:00:00"),
            )
            for who in ("ship-me", "other"):
                con.execute(
                    "INSERT INTO assessments (run_id, initiative, name, digest, as_of, claimed,"
                    " supported, overclaimed, outcome, statuses, blockers, recorded_at)"
                    " VALUES (?, ?, 'n', 'd', '2026-11-23', 'mvp', 'prototype', 1, 'rendered',"
                    " '{}', '[]', '2026-11-23T00:00:00')",
                    (run, who),
                )
    con.close()
    extract = tmp_path / "extract.sqlite"
    extract.write_bytes(ledger_extract(path, "ship-me"))
    with Ledger(extract) as opened:
        # Two runs, each with one assessment of ship-me (written above by hand), none of other.
        assert [r.run_id for r in opened.history("ship-me")] == [1, 2]
        assert opened.history("other") == []
        assert [r.id for r in opened.runs()] == [2, 1]


def test_error_lines_come_back_in_the_clients_words():
    worker = "/srv/dask/home/workbook-worker-ab12/"
    line = (
        f"{worker}cwd/records/x.yaml: cell 4: NameError; partial notebook kept at "
        f"{worker}out/failed/x.ipynb; templates in /srv/dask/venv/share/jupyter"
    )
    assert client_words(line, Path("build/out")) == (
        "records/x.yaml: cell 4: NameError; partial notebook kept at "
        f"build/out{os.sep}failed/x.ipynb; templates in jupyter"
    )


def test_a_worker_with_another_workbook_refuses_with_one_line(portfolio):
    parcel = Packer(portfolio.parent / "notebooks", "t").dossier(task_for(portfolio))
    older = shipping.Parcel(parcel.task, parcel.files, version="0.0.1")
    returned = render_parcel(older, {})
    assert not returned.rendered.ok and returned.page is None
    assert returned.rendered.error.endswith(
        f"the worker runs workbook {__version__}, the client 0.0.1"
    )
    assert shipping.SHOWN_FROM not in os.environ  # refused before anything was laid out


def test_a_large_file_travels_once_however_many_records_cite_it(tmp_path):
    from workbook.batch.executors import DaskExecutor
    from workbook.batch.shipping import INLINE_BYTES, Parcel

    big = os.urandom(INLINE_BYTES + 1)
    small = b"x" * INLINE_BYTES  # at the limit: travels inside the parcel
    with DaskExecutor(1) as pool:
        first, blobs1 = pool._ship(Parcel(None, {"a/log": big, "a/small": small}))
        second, blobs2 = pool._ship(Parcel(None, {"b/log": big}))
        assert first.files["a/small"] == small
        name = first.files["a/log"]
        assert second.files["b/log"] == name and list(blobs1) == list(blobs2) == [name]
        assert len(pool._sent) == 1
        # The worker receives the bytes themselves.
        sizes = pool._client.submit(lambda b: {k: len(v) for k, v in b.items()}, blobs2).result()
        assert sizes == {name: INLINE_BYTES + 1}


def test_as_of_and_the_record_travel_unchanged(portfolio):
    parcel = Packer(portfolio.parent / "notebooks", "t").dossier(task_for(portfolio))
    assert parcel.task is not None
    assert dt.date.fromisoformat(parcel.task.as_of) == dt.date(2026, 11, 23)
    assert parcel.task.record.id == "ship-me"
