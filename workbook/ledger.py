"""The ledger: an SQLite history of batch runs and the assessments they made.

The batch writes it (``batch/actions.py``); dossier kernels and ``workbook
history`` read it, at the same time, which is why the file is in WAL mode:
readers see the last committed state and never wait for the writer. Every
write is its own transaction, so a batch killed mid-way leaves a consistent
file in which its run has no ``ended_at`` (an interrupted run) and every
assessment recorded before the kill is kept.

It stores and loads ``model.history.HistoryRow``s; what changed between two
of them is ``model.history.compare``. It also keeps every catalogue a run
assessed with (by fingerprint, with its rules), and which one each assessment
used, so a later run can tell when a gate passes only because the catalogue
changed (``model.goalposts``), and a record can be held to a pinned catalogue.

The output folder may be shared: the ledger is never opened through a link, its own
name or that of the journal files SQLite keeps beside it (``-wal``, ``-shm``,
``-journal``), and a row a person edited by hand into something this module did not
write is refused with one line naming the row, not a traceback.

Schema versions: 1 had no catalogues; a version 1 file is upgraded in place,
in one transaction (all or nothing), the first time this version opens it.

It sits beside ``pipeline.py``, below the presentation layer and the batch,
because both read it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from workbook.errors import LedgerError
from workbook.files import PLANTED, PUT_THERE, refuse_link
from workbook.model.goalposts import catalogue_body
from workbook.model.history import OUTCOMES, HistoryRow
from workbook.model.records import STAGES

if TYPE_CHECKING:
    from workbook.model.assess import Assessment
    from workbook.model.catalogue import Catalogue

LEDGER_NAME = "ledger.sqlite"
SCHEMA_VERSION = 2
#: Written to PRAGMA application_id ("WBLG"), so another program's SQLite file is
#: recognised as such instead of being silently given our tables.
APPLICATION_ID = 0x57424C47
BUSY_TIMEOUT_MS = 10_000
#: The files SQLite opens itself beside the ledger (WAL, its index, a rollback journal).
JOURNALS = ("-wal", "-shm", "-journal")

_SCHEMA = f"""
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    options TEXT NOT NULL,
    counts TEXT,
    status TEXT
);
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    initiative TEXT NOT NULL,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    as_of TEXT NOT NULL,
    claimed TEXT NOT NULL,
    supported TEXT NOT NULL,
    overclaimed INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ({", ".join(f"'{o}'" for o in OUTCOMES)})),
    dossier TEXT,
    duration REAL,
    error TEXT,
    statuses TEXT NOT NULL,
    blockers TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX assessments_by_initiative ON assessments (initiative, run_id);
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = 1
"""
#: Version 1 -> 2: the catalogues a run used, and which one each assessment used (null
#: for the assessments recorded before: which catalogue they used is not known).
_UPGRADE_TO_2 = """
CREATE TABLE catalogues (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
ALTER TABLE assessments ADD COLUMN catalogue TEXT REFERENCES catalogues(fingerprint);
PRAGMA user_version = 2
"""
#: What upgrades a file from each older version to the next.
_UPGRADES = {1: _UPGRADE_TO_2}


@dataclass(frozen=True)
class StoredCatalogue:
    """A catalogue a run assessed with: its fingerprint, name, content and first use."""

    fingerprint: str
    name: str
    #: ``model.goalposts.catalogue_body``: what ``catalogue_from_body`` rebuilds it from.
    body: dict[str, Any]
    #: When a run first recorded it (UTC, ISO).
    first_seen: str


@dataclass(frozen=True)
class RunRow:
    """One batch run; ``ended_at`` and ``status`` are None while running or if interrupted."""

    id: int
    started_at: str
    ended_at: str | None
    options: dict
    counts: dict
    status: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


_HISTORY_SELECT = """
SELECT a.id, a.run_id, r.started_at, a.initiative, a.name, a.digest, a.as_of, a.claimed,
       a.supported, a.overclaimed, a.outcome, a.statuses, a.blockers
FROM assessments AS a JOIN runs AS r ON r.id = a.run_id
"""


class _Row:
    """Where a value read from the ledger came from: its file, table and row id."""

    def __init__(self, path: Path, table: str, row_id: object) -> None:
        self.path, self.table, self.row_id = path, table, row_id

    def refuse(self, column: str, problem: str) -> LedgerError:
        return LedgerError(
            # The row id is the file's text too (a catalogue's is its fingerprint): cut short.
            f"{self.table} row {str(self.row_id)[:40]}: {column} {problem}",
            path=self.path,
            expected="a row as workbook batch wrote it; restore the ledger from a backup, "
            "or move it aside to start a new one",
        )

    def json(self, column: str, text: object, kind: type, default: str | None = None) -> Any:
        """The JSON value of ``column``: a ``kind`` (dict or list), or one line saying why not."""
        if text is None and default is not None:
            text = default
        try:
            value = json.loads(text)  # type: ignore[arg-type]
        except (TypeError, ValueError, RecursionError):  # nesting too deep for Python too
            raise self.refuse(column, "is not valid JSON") from None
        if not isinstance(value, kind):
            raise self.refuse(column, f"is not a JSON {'object' if kind is dict else 'array'}")
        return value

    def text(self, column: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.refuse(column, "is not text")
        return value


def _history_row(path: Path, row: tuple[Any, ...]) -> HistoryRow:
    row_id, run_id, started, initiative, name, digest, as_of, claimed, supported = row[:9]
    overclaimed, outcome, statuses, blockers = row[9:]
    at = _Row(path, "assessments", row_id)
    statuses = at.json("statuses", statuses, dict)
    blockers = at.json("blockers", blockers, list)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in statuses.items()):
        raise at.refuse("statuses", "is not an object of criterion id -> status text")
    if not all(isinstance(b, str) for b in blockers):
        raise at.refuse("blockers", "is not an array of criterion ids")
    for column, value in zip(
        ("initiative", "name", "digest", "as_of", "claimed", "supported"),
        (initiative, name, digest, as_of, claimed, supported),
        strict=True,
    ):
        at.text(column, value)
    for column, value in (("claimed", claimed), ("supported", supported)):
        if value not in STAGES:  # every comparison of stages indexes STAGES
            raise at.refuse(column, f"is not a stage ({', '.join(STAGES)})")
    return HistoryRow(
        run_id,
        started,
        initiative,
        name,
        digest,
        as_of,
        claimed,
        supported,
        overclaimed=bool(overclaimed),
        outcome=outcome,
        statuses=statuses,
        blockers=blockers,
    )


def _run_row(path: Path, row: tuple[Any, ...]) -> RunRow:
    rid, started, ended, options, counts, status = row
    at = _Row(path, "runs", rid)
    return RunRow(
        rid,
        started,
        ended,
        at.json("options", options, dict),
        at.json("counts", counts, dict, default="{}"),
        status,
    )


def _catalogue(path: Path, row: tuple[Any, ...]) -> StoredCatalogue:
    fingerprint, name, body, seen = row
    at = _Row(path, "catalogues", fingerprint)
    return StoredCatalogue(fingerprint, name, at.json("body", body, dict), seen)


class Ledger:
    """The history file of one batch output folder; creates it (and its schema) if missing."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # The batch parent may record from an executor's callback threads; one lock
        # serialises them on the single connection.
        self._lock = threading.Lock()
        for name in (self.path, *(self.path.with_name(self.path.name + j) for j in JOURNALS)):
            refuse_link(name)
        if self.path.is_dir():
            raise LedgerError(
                "a folder sits where the ledger goes",
                path=self.path,
                expected="move the folder away",
            )
        try:
            self._con = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # autocommit: transactions are explicit BEGIN/COMMIT
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open the ledger: {exc}", path=self.path) from None
        try:
            self._check_file()
            self._open()
        except BaseException:
            self._con.close()
            raise

    def _check_file(self) -> None:
        """Refuse a ledger SQLite reached through a link, or that has another name too.

        SQLite resolves a link itself before opening the file, and then opens the resolved
        name (and its -wal, -shm, -journal) with O_NOFOLLOW. So the file it names is the one
        it has open: were it not our name in our folder, a link was followed, even one
        planted after the check in ``__init__``. Nothing has been read or written yet.
        """
        opened = next((f for _, db, f in self._con.execute("PRAGMA database_list") if db == "main"))
        ours = os.path.join(os.path.realpath(self.path.parent), self.path.name)
        if opened != ours:
            raise LedgerError(
                "is a symbolic link; refusing to open the ledger through it",
                path=self.path,
                expected=PLANTED,
            )
        try:
            links = os.stat(self.path, follow_symlinks=False).st_nlink
        except OSError:
            links = 1
        if links > 1:
            raise LedgerError(
                f"has {links} names (a hard link); refusing to write through it",
                path=self.path,
                expected=PUT_THERE,
            )

    def _open(self) -> None:
        con = self._con
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA foreign_keys = ON")
            self._check_identity()
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # Persistent in the file: set once by its creator; readers of a WAL file
                # skip this, as switching modes needs the file to themselves.
                con.execute("PRAGMA journal_mode = WAL")
            if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                with self._transaction():
                    # Re-checked under the write lock: another process may have won the race.
                    version = con.execute("PRAGMA user_version").fetchone()[0]
                    steps = [_SCHEMA] if version == 0 else []
                    steps += [_UPGRADES[v] for v in range(max(version, 1), SCHEMA_VERSION)]
                    # Statement by statement: executescript() would COMMIT first and so
                    # break the transaction that makes creation (or an upgrade) atomic.
                    for script in steps:
                        for statement in script.split(";"):
                            con.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def _check_identity(self) -> None:
        con = self._con
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and (tables or version):
            raise self._not_a_ledger()
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"ledger schema version {version} is newer than this workbook reads "
                f"(version {SCHEMA_VERSION}); upgrade workbook to read it",
                path=self.path,
            )

    def _not_a_ledger(self) -> LedgerError:
        return LedgerError(
            "not a ledger database",
            path=self.path,
            expected="a SQLite file written by workbook batch",
        )

    def _error(self, exc: sqlite3.Error) -> LedgerError:
        if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
            return self._not_a_ledger()
        if "locked" in str(exc) or "busy" in str(exc):
            return LedgerError(
                f"the ledger stayed locked by another writer for over "
                f"{BUSY_TIMEOUT_MS // 1000} s ({exc})",
                path=self.path,
            )
        return LedgerError(f"ledger error: {exc}", path=self.path)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so a busy file fails at BEGIN
        # (after busy_timeout) rather than half-way through the writes.
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield self._con
            self._con.execute("COMMIT")
        except BaseException:
            if self._con.in_transaction:
                self._con.execute("ROLLBACK")
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                with self._transaction() as con:
                    yield con
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
                raise  # the caller's mistake (unknown run id, closed ledger), not the file's
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._con.execute(sql, params).fetchall()
            except sqlite3.ProgrammingError:
                raise  # e.g. used after close(): the caller's mistake, not the file's
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- writing (the batch parent) ------------------------------------------

    def start_run(self, options: dict) -> int:
        """Open a run; returns its id. Non-JSON option values (paths, dates) are kept as text."""
        text = json.dumps(options, default=str, ensure_ascii=False)
        with self._write() as con:
            cur = con.execute(
                "INSERT INTO runs (started_at, options) VALUES (?, ?)", (_now(), text)
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_run(self, run_id: int, counts: dict[str, int], status: str) -> None:
        """Close a run with its outcome counts and overall status."""
        with self._write() as con:
            cur = con.execute(
                "UPDATE runs SET ended_at = ?, counts = ?, status = ? WHERE id = ?",
                (_now(), json.dumps(counts), status, run_id),
            )
        if cur.rowcount == 0:
            raise ValueError(f"no run {run_id} in {self.path}")

    def record(
        self,
        run_id: int,
        assessment: Assessment,
        outcome: str,
        *,
        dossier: str | None = None,
        duration: float | None = None,
        error: str | None = None,
        catalogue: str | None = None,
    ) -> None:
        """Store one assessment made by run ``run_id`` and what became of its dossier.

        ``catalogue``: the fingerprint of the catalogue it used (``keep_catalogue`` first).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        r = HistoryRow.of(assessment, run_id=run_id, outcome=outcome)
        row = (
            run_id,
            r.initiative,
            r.name,
            r.digest,
            r.as_of,
            r.claimed,
            r.supported,
            int(r.overclaimed),
            outcome,
            dossier,
            duration,
            error,
            json.dumps(r.statuses),
            json.dumps(r.blockers),
            _now(),
            catalogue,
        )
        try:
            with self._write() as con:
                con.execute(
                    "INSERT INTO assessments (run_id, initiative, name, digest, as_of, claimed,"
                    " supported, overclaimed, outcome, dossier, duration, error, statuses,"
                    " blockers, recorded_at, catalogue)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.IntegrityError:
            known = catalogue is None or self._read(
                "SELECT 1 FROM catalogues WHERE fingerprint = ?", (catalogue,)
            )
            if not known:
                raise ValueError(f"no catalogue {catalogue} in {self.path}") from None
            raise ValueError(f"no run {run_id} in {self.path}") from None

    def keep_catalogue(self, catalogue: Catalogue) -> str:
        """Store ``catalogue`` (once per fingerprint) and return its fingerprint."""
        fingerprint = catalogue.fingerprint()
        body = json.dumps(catalogue_body(catalogue), ensure_ascii=False, sort_keys=True)
        with self._write() as con:
            con.execute(
                "INSERT OR IGNORE INTO catalogues (fingerprint, name, body, first_seen)"
                " VALUES (?, ?, ?, ?)",
                (fingerprint, catalogue.name, body, _now()),
            )
        return fingerprint

    # --- reading (anyone, while the batch runs) ------------------------------

    def history(self, initiative: str) -> list[HistoryRow]:
        """Every stored assessment of ``initiative``, oldest first."""
        rows = self._read(
            _HISTORY_SELECT + " WHERE a.initiative = ? ORDER BY a.run_id, a.id", (initiative,)
        )
        return [_history_row(self.path, r) for r in rows]

    def in_run(self, initiative: str, run_id: int) -> HistoryRow | None:
        """The assessment of ``initiative`` that run ``run_id`` recorded, if it made one."""
        rows = self._read(
            _HISTORY_SELECT + " WHERE a.initiative = ? AND a.run_id = ? ORDER BY a.id DESC LIMIT 1",
            (initiative, run_id),
        )
        return _history_row(self.path, rows[0]) if rows else None

    def assessments_in(self, run_id: int) -> dict[str, HistoryRow]:
        """Every initiative's assessment in run ``run_id`` (its last, if recorded twice)."""
        rows = self._read(_HISTORY_SELECT + " WHERE a.run_id = ? ORDER BY a.id", (run_id,))
        found = (_history_row(self.path, r) for r in rows)
        return {h.initiative: h for h in found}

    def finished_runs(self, before_run: int, limit: int) -> list[RunRow]:
        """Up to ``limit`` finished runs started before ``before_run``, newest first."""
        rows = self._read(
            "SELECT id, started_at, ended_at, options, counts, status FROM runs"
            " WHERE ended_at IS NOT NULL AND id < ? ORDER BY id DESC LIMIT ?",
            (before_run, limit),
        )
        return [_run_row(self.path, r) for r in rows]

    def runs(self, limit: int = 20) -> list[RunRow]:
        """The last ``limit`` runs, newest first (interrupted ones included)."""
        rows = self._read(
            "SELECT id, started_at, ended_at, options, counts, status FROM runs"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [_run_row(self.path, r) for r in rows]

    def last_finished_run(self, before_run: int | None = None) -> RunRow | None:
        """The latest run that finished (optionally: started before ``before_run``)."""
        sql = "SELECT id, started_at, ended_at, options, counts, status FROM runs"
        sql += " WHERE ended_at IS NOT NULL"
        params: tuple[Any, ...] = ()
        if before_run is not None:
            sql += " AND id < ?"
            params = (before_run,)
        rows = self._read(sql + " ORDER BY id DESC LIMIT 1", params)
        return _run_row(self.path, rows[0]) if rows else None

    def catalogues(self, prefix: str = "") -> list[StoredCatalogue]:
        """Stored catalogues whose fingerprint starts with ``prefix`` (hex), oldest first."""
        if not re.fullmatch(r"[0-9a-f]*", prefix):
            return []  # not a fingerprint prefix: matches nothing (and no LIKE wildcard)
        rows = self._read(
            "SELECT fingerprint, name, body, first_seen FROM catalogues"
            " WHERE fingerprint LIKE ? ORDER BY first_seen, fingerprint",
            (prefix + "%",),
        )
        return [_catalogue(self.path, r) for r in rows]

    def earlier_catalogue(
        self, initiative: str, fingerprint: str
    ) -> tuple[HistoryRow, StoredCatalogue] | None:
        """The initiative's last assessment made with another catalogue, and that catalogue.

        Assessments recorded before catalogues were kept (schema version 1) are not
        considered: which catalogue they used is not known.
        """
        select = _HISTORY_SELECT.replace(
            "a.blockers\n", "a.blockers, c.fingerprint, c.name, c.body, c.first_seen\n"
        )
        rows = self._read(
            select + " JOIN catalogues AS c ON c.fingerprint = a.catalogue"
            " WHERE a.initiative = ? AND a.catalogue != ? ORDER BY a.run_id DESC, a.id DESC"
            " LIMIT 1",
            (initiative, fingerprint),
        )
        if not rows:
            return None
        row = rows[0]
        return _history_row(self.path, row[:-4]), _catalogue(self.path, row[-4:])
