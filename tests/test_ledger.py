"""The ledger: schema, round trips, history queries, interruption, WAL readers, errors.

What changed between two stored assessments is ``model.history.compare`` (tests/test_history.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import AS_OF, findings, make_record
from workbook.errors import LedgerError, WorkbookError
from workbook.ledger import LEDGER_NAME, Ledger
from workbook.model.assess import Assessment, assess
from workbook.model.goalposts import catalogue_from_body
from workbook.model.history import Changes, HistoryRow, compare

EVAL = {"kind": "evaluation", "path": "e.csv", "date": "2026-10-01"}
# Answers the mvp gate of the tiny catalogue: supported stage mvp, next blocker t.logs.
# (Answers of five words or more: shorter ones are too short for a description.)
WORKFLOW = "Motor claims intake, from first notice to a queue"
AT_MVP = {
    "scope.workflow": WORKFLOW,
    "trust.evaluation": "Three hundred labelled claims, re-scored after each change",
    "evidence": [EVAL],
}
# A waiver reason of eight words or more, approved by someone who neither sponsors nor builds it.
REASON = "The pilot runs on twenty handlers only until the evaluation lands"
WAIVED_EVAL = {
    "scope.workflow": WORKFLOW,
    "waivers": [
        {"criterion": "t.eval", "reason": REASON, "approver": "CRO", "expires": "2026-12-01"}
    ],
}


@pytest.fixture
def make(tiny):
    """Assess a record (dotted-path changes on the minimal one) against the tiny catalogue."""

    def _make(changes: dict | None = None, as_of: dt.date = AS_OF) -> Assessment:
        record = make_record(changes)
        return assess(record, tiny, as_of, findings(record))

    return _make


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / LEDGER_NAME) as opened:
        yield opened


def one_run(ledger: Ledger, *assessments: Assessment, finish: bool = True) -> int:
    run = ledger.start_run({"as_of": AS_OF.isoformat()})
    for a in assessments:
        ledger.record(run, a, "rendered")
    if finish:
        ledger.finish_run(run, {"rendered": len(assessments)}, "ok")
    return run


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# --- schema -------------------------------------------------------------------


def test_new_ledger_is_created_in_wal_mode_with_schema_version_2(tmp_path):
    path = tmp_path / LEDGER_NAME
    Ledger(path).close()
    con = raw(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 2
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert {"runs", "assessments", "assessments_by_initiative", "catalogues"} <= names
    finally:
        con.close()


#: The version 1 schema exactly as workbook 0.x created it (no catalogues).
V1_SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT,
    options TEXT NOT NULL, counts TEXT, status TEXT);
CREATE TABLE assessments (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),
    initiative TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, as_of TEXT NOT NULL,
    claimed TEXT NOT NULL, supported TEXT NOT NULL, overclaimed INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('rendered', 'skipped', 'failed', 'invalid')),
    dossier TEXT, duration REAL, error TEXT, statuses TEXT NOT NULL, blockers TEXT NOT NULL,
    recorded_at TEXT NOT NULL);
CREATE INDEX assessments_by_initiative ON assessments (initiative, run_id);
INSERT INTO runs VALUES (1, '2026-11-01T02:00:00+00:00', '2026-11-01T02:05:00+00:00', '{}',
    '{"rendered": 1}', 'ok');
INSERT INTO assessments VALUES (1, 1, 'r', 'R', 'abc', '2026-11-01', 'mvp', 'prototype', 1,
    'rendered', 'r.html', 1.0, NULL, '{"t.workflow": "missing"}', '["t.workflow"]',
    '2026-11-01T02:04:00+00:00');
PRAGMA application_id = 1463962695;
PRAGMA user_version = 1;
"""


def test_a_version_1_ledger_is_upgraded_in_place_keeping_its_history(tmp_path, tiny):
    path = tmp_path / LEDGER_NAME
    con = raw(path)
    con.executescript(V1_SCHEMA)  # 1463962695 is 0x57424C47, "WBLG"
    con.close()
    with Ledger(path) as ledger:
        (row,) = ledger.history("r")
        assert (row.run_id, row.supported, row.blockers) == (1, "prototype", ["t.workflow"])
        # An assessment from before catalogues were kept used an unknown one: never "earlier".
        assert ledger.earlier_catalogue("r", tiny.fingerprint()) is None
        fingerprint = ledger.keep_catalogue(tiny)
        assert [c.name for c in ledger.catalogues(fingerprint[:12])] == ["Tiny"]
    con = raw(path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 2
        columns = [r[1] for r in con.execute("PRAGMA table_info(assessments)")]
        assert columns[-1] == "catalogue"
    finally:
        con.close()


def test_a_failed_upgrade_leaves_the_version_1_file_as_it_was(tmp_path, monkeypatch):
    import workbook.ledger as ledger_module

    path = tmp_path / LEDGER_NAME
    con = raw(path)
    con.executescript(V1_SCHEMA)
    con.close()
    # The second statement of the upgrade fails: the first (CREATE TABLE) must not remain.
    monkeypatch.setitem(
        ledger_module._UPGRADES, 1, "CREATE TABLE catalogues (x TEXT); NOT SQL AT ALL"
    )
    with pytest.raises(LedgerError):
        Ledger(path)
    con = raw(path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert "catalogues" not in names
    finally:
        con.close()


def test_each_assessment_keeps_the_catalogue_it_used(ledger, make, tiny):
    relaxed = dataclasses.replace(tiny, criteria=tiny.criteria[1:], name="Tiny, relaxed")
    first = ledger.keep_catalogue(tiny)
    assert ledger.keep_catalogue(tiny) == first == tiny.fingerprint()  # kept once
    run = ledger.start_run({})
    ledger.record(run, make(), "rendered", catalogue=first)
    second = ledger.keep_catalogue(relaxed)
    ledger.record(ledger.start_run({}), make(), "rendered", catalogue=second)

    found = ledger.earlier_catalogue("r", second)
    assert found is not None
    row, stored = found
    assert (row.run_id, stored.fingerprint, stored.name) == (run, first, "Tiny")
    # Rebuilt from what the ledger holds, it judges exactly as the catalogue it was.
    assert catalogue_from_body(stored.body, "stored").fingerprint() == first
    assert ledger.earlier_catalogue("r", first) is not None  # the other way round too
    assert ledger.earlier_catalogue("someone-else", second) is None
    with pytest.raises(ValueError, match=r"no catalogue 0+ in"):
        ledger.record(run, make(), "rendered", catalogue="0" * 64)


def test_catalogues_are_found_by_fingerprint_prefix_only(ledger, tiny):
    fingerprint = ledger.keep_catalogue(tiny)
    assert [c.fingerprint for c in ledger.catalogues(fingerprint[:12])] == [fingerprint]
    # A LIKE wildcard or anything not hex matches nothing.
    assert ledger.catalogues("%") == ledger.catalogues("_" * 12) == []


def test_foreign_keys_are_enforced(ledger, make):
    with pytest.raises(ValueError, match="no run 99"):
        ledger.record(99, make(), "rendered")
    assert ledger.history("r") == []


def test_reopening_keeps_the_history(tmp_path, make):
    path = tmp_path / LEDGER_NAME
    with Ledger(path) as first:
        one_run(first, make())
    with Ledger(path) as second:
        assert [h.initiative for h in second.history("r")] == ["r"]
        assert len(second.runs()) == 1


# --- round trip -----------------------------------------------------------------


def test_run_and_assessment_round_trip(tmp_path, ledger, make, tiny):
    assessment = make(AT_MVP)
    run = ledger.start_run({"as_of": AS_OF, "workers": 2, "paths": [tmp_path], "force": False})
    ledger.record(run, assessment, "rendered", dossier="out/r.html", duration=1.5)
    ledger.finish_run(run, {"rendered": 1, "failed": 0}, "ok")

    (stored_run,) = ledger.runs()
    assert stored_run.id == run
    # Dates and paths are not JSON; they are kept as their text.
    assert stored_run.options == {
        "as_of": "2026-11-23",
        "workers": 2,
        "paths": [str(tmp_path)],
        "force": False,
    }
    assert stored_run.counts == {"rendered": 1, "failed": 0}
    assert stored_run.status == "ok"
    started = dt.datetime.fromisoformat(stored_run.started_at)
    ended = dt.datetime.fromisoformat(stored_run.ended_at)
    assert started.utcoffset() == dt.timedelta(0)
    assert started <= ended <= dt.datetime.now(dt.UTC)

    (row,) = ledger.history("r")
    assert row == HistoryRow(
        run_id=run,
        started_at=stored_run.started_at,
        initiative="r",
        name="R",
        digest=assessment.digest,
        as_of="2026-11-23",
        claimed="prototype",
        supported="mvp",
        overclaimed=False,
        outcome="rendered",
        statuses={
            "t.workflow": "met",
            "t.eval": "met",
            "t.logs": "missing",
            "t.gaps": "met",
            "t.signoff": "missing",
        },
        blockers=["t.logs"],
    )
    # Every criterion of the catalogue, in catalogue order.
    assert list(row.statuses) == [c.id for c in tiny]


def test_overclaimed_and_dossier_details_are_stored(ledger, make):
    run = ledger.start_run({})
    ledger.record(run, make({"stage": "production"}), "failed", duration=0.25, error="boom")
    row = ledger.in_run("r", run)
    assert (row.claimed, row.supported, row.overclaimed, row.outcome) == (
        "production",
        "prototype",
        True,
        "failed",
    )
    stored = ledger._con.execute("SELECT dossier, duration, error FROM assessments").fetchone()
    assert stored == (None, 0.25, "boom")


@pytest.mark.parametrize("outcome", ["rendered", "skipped", "failed", "invalid"])
def test_every_outcome_is_accepted(ledger, make, outcome):
    run = ledger.start_run({})
    ledger.record(run, make(), outcome)
    assert ledger.in_run("r", run).outcome == outcome


def test_unknown_outcome_is_refused(ledger, make):
    run = ledger.start_run({})
    with pytest.raises(ValueError, match="unknown outcome 'done'"):
        ledger.record(run, make(), "done")
    assert ledger.history("r") == []


def test_finishing_an_unknown_run_is_refused(ledger):
    with pytest.raises(ValueError, match="no run 7"):
        ledger.finish_run(7, {}, "ok")


# --- history queries --------------------------------------------------------------


def test_history_is_oldest_first_and_per_initiative(ledger, make):
    other = make({"id": "other", "name": "Other"})
    first = one_run(ledger, make(), other)
    second = one_run(ledger, make(AT_MVP))
    third = one_run(ledger, make(AT_MVP, as_of=dt.date(2026, 12, 1)), other)

    history = ledger.history("r")
    assert [(h.run_id, h.supported, h.as_of) for h in history] == [
        (first, "prototype", "2026-11-23"),
        (second, "mvp", "2026-11-23"),
        (third, "mvp", "2026-12-01"),
    ]
    assert [h.run_id for h in ledger.history("other")] == [first, third]
    assert ledger.in_run("r", third) == history[-1]
    assert ledger.history("nobody") == []
    assert ledger.in_run("nobody", third) is None


def test_in_run_is_the_assessment_that_run_made_or_none(ledger, make):
    first = one_run(ledger, make())
    second = one_run(ledger, make(AT_MVP))
    third = one_run(ledger, make({"id": "other", "name": "Other"}))  # r not assessed

    assert (ledger.in_run("r", first).run_id, ledger.in_run("r", first).supported) == (
        first,
        "prototype",
    )
    assert (ledger.in_run("r", second).run_id, ledger.in_run("r", second).supported) == (
        second,
        "mvp",
    )
    # Run 3 did not assess r: nothing to compare with in it, not an older run's row.
    assert ledger.in_run("r", third) is None
    assert ledger.in_run("other", first) is None
    assert ledger.in_run("r", 99) is None


def test_runs_are_newest_first_and_limited(ledger):
    ids = [one_run(ledger) for _ in range(4)]
    assert [r.id for r in ledger.runs()] == ids[::-1]
    assert [r.id for r in ledger.runs(limit=2)] == ids[:1:-1]


# --- a waiver expiring between two runs, as stored and compared --------------------------


def test_an_expiring_waiver_shows_as_a_regression_between_runs(ledger, make):
    # The same record, assessed the week the waiver holds and the week after it expired.
    first = one_run(ledger, make(WAIVED_EVAL, as_of=AS_OF))
    second = one_run(ledger, make(WAIVED_EVAL, as_of=dt.date(2026, 12, 2)))
    previous, current = ledger.in_run("r", first), ledger.in_run("r", second)
    assert (previous.statuses["t.eval"], current.statuses["t.eval"]) == (
        "waived",
        "waiver_expired",
    )
    assert compare(previous, current) == Changes(
        new_blockers=["t.eval"],
        resolved=["t.logs"],  # no longer a blocker: the horizon fell back to the mvp gate
        regressions=["t.eval"],
        stage_from="mvp",
        stage_to="prototype",
        down=True,
    )


# --- interruption and concurrent readers ----------------------------------------------


def test_an_interrupted_run_stays_visible_and_does_not_break_later_runs(tmp_path, make):
    path = tmp_path / LEDGER_NAME
    with Ledger(path) as batch:
        interrupted = one_run(batch, make(), finish=False)
    # The process is gone; the next batch opens the same file.
    with Ledger(path) as batch:
        (stale,) = batch.runs()
        assert (stale.id, stale.ended_at, stale.status, stale.counts) == (
            interrupted,
            None,
            None,
            {},
        )
        assert batch.last_finished_run() is None
        later = one_run(batch, make(AT_MVP))
        assert later > interrupted
        assert [r.id for r in batch.runs()] == [later, interrupted]
        assert batch.last_finished_run().id == later
        assert batch.last_finished_run(before_run=later) is None
        # The assessment recorded before the interruption is history all the same.
        assert [h.run_id for h in batch.history("r")] == [interrupted, later]
        assert batch.in_run("r", interrupted).run_id == interrupted


def test_last_finished_run_before_a_run(ledger):
    first = one_run(ledger)
    second = one_run(ledger)
    running = ledger.start_run({})
    assert ledger.last_finished_run().id == second
    assert ledger.last_finished_run(before_run=running).id == second
    assert ledger.last_finished_run(before_run=second).id == first
    assert ledger.last_finished_run(before_run=first) is None


def test_a_reader_sees_each_record_while_the_run_is_still_going(tmp_path, make):
    path = tmp_path / LEDGER_NAME
    with Ledger(path) as batch, Ledger(path) as reader:
        run = batch.start_run({})
        batch.record(run, make(), "rendered")
        # Committed at once: a kill now would not lose it.
        assert [h.run_id for h in reader.history("r")] == [run]
        assert reader.runs()[0].ended_at is None


def test_a_reader_is_not_blocked_by_an_open_write_transaction(tmp_path, make):
    path = tmp_path / LEDGER_NAME
    with Ledger(path) as batch:
        done = one_run(batch, make())
    writer = raw(path)
    try:
        # EXCLUSIVE locks out readers of a rollback-journal file; in WAL they read on.
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("INSERT INTO runs (started_at, options) VALUES ('now', '{}')")
        with Ledger(path) as reader:
            assert [r.id for r in reader.runs()] == [done]
            assert [h.run_id for h in reader.history("r")] == [done]
            writer.execute("COMMIT")
            assert len(reader.runs()) == 2
    finally:
        writer.close()


# --- files that are not (this version's) ledger ------------------------------------------


def _other_sqlite(path: Path) -> None:
    con = raw(path)
    con.execute("CREATE TABLE notes (text TEXT)")
    con.close()


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(lambda p: p.write_text("schema_version: 1\nid: kyc\n"), id="yaml record"),
        pytest.param(lambda p: p.write_bytes(bytes(range(256)) * 16), id="binary garbage"),
        pytest.param(_other_sqlite, id="another program's sqlite"),
    ],
)
def test_a_file_that_is_not_a_ledger_gives_one_line(tmp_path, make_file):
    path = tmp_path / "notes.db"
    make_file(path)
    before = path.read_bytes()
    with pytest.raises(WorkbookError) as caught:
        Ledger(path)
    assert isinstance(caught.value, LedgerError)
    assert str(caught.value) == (
        f"{path}: not a ledger database (expected a SQLite file written by workbook batch)"
    )
    assert path.read_bytes() == before  # not turned into a ledger, not switched to WAL


def test_a_newer_schema_version_is_refused_clearly(tmp_path):
    path = tmp_path / LEDGER_NAME
    Ledger(path).close()
    con = raw(path)
    con.execute("PRAGMA user_version = 3")
    con.close()
    with pytest.raises(LedgerError) as caught:
        Ledger(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ledger schema version 3 is newer than this workbook reads")
    assert "upgrade workbook" in message
    assert "\n" not in message


def test_a_missing_folder_is_a_ledger_error(tmp_path):
    path = tmp_path / "no-such-folder" / LEDGER_NAME
    with pytest.raises(LedgerError, match=f"^{re.escape(str(path))}: "):
        Ledger(path)


def test_closed_by_the_context_manager(tmp_path):
    with Ledger(tmp_path / LEDGER_NAME) as ledger:
        ledger.runs()
    with pytest.raises(sqlite3.ProgrammingError):
        ledger.runs()
