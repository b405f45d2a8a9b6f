"""Issue 13, class 5 (file-system part): faults that printed a traceback instead of one line.

Each: exit 2 (or one message in a form), one line naming the path and what to do, and
nothing lost (the previous file byte for byte).

A read-only folder: root ignores permission bits (CAP_DAC_OVERRIDE), and CI runs as root.
There the kernel's own answer to a non-root writer, EACCES, is given to every write the
workbook tries inside that folder (``denied_writes``); as any other user the folder is
really made read-only. Both branches assert the same line.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import AS_OF
from samples import example_folder, run_batch
from workbook.cli import main
from workbook.errors import LedgerError, UsageError
from workbook.files import atomic_write_text
from workbook.ledger import Ledger
from workbook.model.catalogue import load_catalogue
from workbook.model.scaffold import create_record
from workbook.present.forms import ChapterForm

RECORD = "claims-triage"
DENIED = "cannot write here: permission denied (expected a folder you can write; check its owner and permissions)"
#: A ledger row a person edited by hand: what the one line tells them to do.
RESTORE = (
    "expected a row as workbook batch wrote it; restore the ledger from a backup, or move it"
    " aside to start a new one"
)


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for this process: by its mode, or (as root) by the kernel's answer."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(stat.S_IMODE(mode))
        return
    with pytest.MonkeyPatch.context() as mp, denied_writes(folder, mp):
        yield


@contextmanager
def denied_writes(folder: Path, mp: pytest.MonkeyPatch) -> Iterator[None]:
    """EACCES for creating, renaming, removing or opening for writing inside ``folder``."""
    inside = os.path.realpath(folder)
    real_open, real_mkdir, real_replace, real_unlink = os.open, os.mkdir, os.replace, os.unlink
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def where(path: object, dir_fd: int | None) -> str:
        base = os.readlink(f"/proc/self/fd/{dir_fd}") if dir_fd is not None else ""
        return os.path.realpath(os.path.join(base, os.fsdecode(path)))  # type: ignore[arg-type]

    def denied(path: object, dir_fd: int | None) -> bool:
        full = where(path, dir_fd)
        return full == inside or full.startswith(inside + os.sep)

    def refuse(path: object) -> PermissionError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))  # type: ignore[arg-type]

    def fake_open(path, flags, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        if flags & writes and denied(path, dir_fd):
            raise refuse(path)
        return real_open(path, flags, mode, dir_fd=dir_fd)

    def fake_mkdir(path, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        if denied(path, dir_fd) and not os.path.isdir(where(path, dir_fd)):
            raise refuse(path)
        return real_mkdir(path, mode, dir_fd=dir_fd)

    def fake_replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None):  # type: ignore[no-untyped-def]
        if denied(dst, dst_dir_fd):
            raise refuse(dst)
        return real_replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def fake_unlink(path, *, dir_fd=None):  # type: ignore[no-untyped-def]
        if denied(path, dir_fd):
            raise refuse(path)
        return real_unlink(path, dir_fd=dir_fd)

    mp.setattr(os, "open", fake_open)
    mp.setattr(os, "mkdir", fake_mkdir)
    mp.setattr(os, "replace", fake_replace)
    mp.setattr(os, "unlink", fake_unlink)
    yield


@pytest.fixture
def records(tmp_path: Path) -> Path:
    return example_folder(tmp_path, RECORD)


# --- the output folder -------------------------------------------------------------------


def test_a_read_only_output_folder_is_one_line_and_keeps_the_last_summary(records, tmp_path):
    """Class 5: a read-only OUT was a PermissionError traceback from the lock file."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_bytes(b'{"from": "the last run"}\n')
    with read_only(out):
        result = run_batch(records, out)
    assert result.exit_code == 2
    assert result.stderr == f"{out}: {DENIED}\n"
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert (out / "summary.json").read_bytes() == b'{"from": "the last run"}\n'


def test_an_output_folder_through_a_file_is_one_line(records, tmp_path):
    """Class 5: -o somefile/sub was a NotADirectoryError traceback."""
    somefile = tmp_path / "somefile"
    somefile.write_bytes(b"kept\n")
    result = run_batch(records, somefile / "sub")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{somefile / 'sub'}: cannot make a folder: part of this path is a file, not a folder"
        " (expected a folder path; check -o)\n"
    )
    # -o naming the file itself is refused by the option's own check (click), in one line.
    result = run_batch(records, somefile)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert f"'{somefile}' is a file" in result.stderr
    assert somefile.read_bytes() == b"kept\n"


@pytest.mark.parametrize(
    "name", ["summary.json", "summary.csv", ".batch-state.json", ".portfolio-key", "x.html"]
)
def test_a_folder_where_the_batch_writes_a_file_is_one_line_before_any_work(
    name, records, tmp_path
):
    """Class 5: a folder at summary.json failed with IsADirectoryError after every dossier."""
    out = tmp_path / "out"
    (out / name).mkdir(parents=True)
    (out / name / "inside").write_bytes(b"kept\n")
    result = run_batch(records, out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{out / name}: a folder sits where the batch writes a file (expected move the folder"
        " away)\n"
    )
    assert (out / name / "inside").read_bytes() == b"kept\n"


@pytest.mark.parametrize("name", ["summary.json", "claims-triage.html", ".batch-state.json"])
def test_a_folder_appearing_at_a_file_name_mid_run_is_one_line(name, tmp_path):
    """Class 5: the same, past the check (a folder made during the run): the write says so."""
    (tmp_path / name).mkdir()
    with pytest.raises(UsageError) as caught:
        atomic_write_text(tmp_path / name, "{}")
    assert caught.value.line() == (
        f"{tmp_path / name}: cannot write: a folder sits where a file goes"
        " (expected a file name; move the folder away)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_write_into_a_read_only_folder_keeps_the_old_file(tmp_path):
    target = tmp_path / "summary.json"
    target.write_bytes(b"old\n")
    with read_only(tmp_path), pytest.raises(UsageError) as caught:
        atomic_write_text(target, "new\n")
    assert caught.value.line() == f"{target}: {DENIED}"
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


# --- a row of the ledger edited by hand ---------------------------------------------------


def corrupt_ledger(path: Path, **columns: str) -> None:
    """A ledger with run 1 and one assessment of RECORD (row 1), some columns as given."""
    Ledger(path).close()
    row = {
        "statuses": json.dumps({"scope.workflow": "met"}),
        "blockers": "[]",
        "options": "{}",
        "body": "{}",
        **columns,
    }
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "INSERT INTO runs (id, started_at, ended_at, options, counts, status)"
            " VALUES (1, '2026-11-23T00:00:00+00:00', '2026-11-23T00:01:00+00:00', ?, '{}', 'ok')",
            (row["options"],),
        )
        con.execute(
            "INSERT INTO catalogues VALUES ('abc', 'Old gates', ?, '2026-11-01T00:00:00+00:00')",
            (row["body"],),
        )
        con.execute(
            "INSERT INTO assessments (id, run_id, initiative, name, digest, as_of, claimed,"
            " supported, overclaimed, outcome, statuses, blockers, recorded_at, catalogue)"
            " VALUES (1, 1, ?, 'Claims triage', 'd', '2026-11-23', 'mvp', 'mvp', 0, 'rendered',"
            " ?, ?, '2026-11-23T00:01:00+00:00', 'abc')",
            (RECORD, row["statuses"], row["blockers"]),
        )
    con.close()


def test_a_hand_edited_ledger_row_is_one_line_for_history(tmp_path):
    """Class 5: a corrupt JSON column was a JSONDecodeError traceback in `workbook history`."""
    ledger = tmp_path / "ledger.sqlite"
    corrupt_ledger(ledger, statuses='{"scope.workflow": "met"')  # the closing brace deleted
    result = CliRunner().invoke(main, ["history", RECORD, "--ledger", str(ledger)])
    assert result.exit_code == 2
    assert result.stderr == f"{ledger}: assessments row 1: statuses is not valid JSON ({RESTORE})\n"


@pytest.mark.parametrize(
    ("column", "text", "problem", "read"),
    [
        ("blockers", '"trust.fallback"', "assessments row 1: blockers is not a JSON array", "history"),
        ("statuses", "[]", "assessments row 1: statuses is not a JSON object", "history"),
        ("statuses", '{"a": 1}', "assessments row 1: statuses is not an object of criterion id -> status text", "history"),
        ("options", "{", "runs row 1: options is not valid JSON", "runs"),
        ("body", "not json", "catalogues row abc: body is not valid JSON", "catalogues"),
        # Deeper than Python's recursion limit (1000): json.loads raised RecursionError.
        ("statuses", "[" * 100_000 + "]" * 100_000, "assessments row 1: statuses is not valid JSON", "history"),
    ],
)  # fmt: skip
def test_every_json_column_of_the_ledger_is_checked_when_read(
    column, text, problem, read, tmp_path
):
    """Class 5: each JSON column, unparseable or of the wrong shape, from each read."""
    ledger = tmp_path / "ledger.sqlite"
    corrupt_ledger(ledger, **{column: text})
    calls = {
        "history": lambda led: led.history(RECORD),
        "runs": lambda led: led.runs(),
        "catalogues": lambda led: led.catalogues(),
    }
    with Ledger(ledger) as led, pytest.raises(LedgerError) as caught:
        calls[read](led)
    assert caught.value.line() == f"{ledger}: {problem} ({RESTORE})"


@pytest.mark.parametrize("column", ["claimed", "supported"])
def test_a_ledger_row_naming_no_stage_is_one_line(column, tmp_path):
    """Class 5: `supported` edited to 'galaxy' was a tuple.index ValueError in the batch."""
    ledger = tmp_path / "ledger.sqlite"
    corrupt_ledger(ledger)
    con = sqlite3.connect(ledger)
    with con:
        con.execute(f"UPDATE assessments SET {column} = 'galaxy' WHERE id = 1")
    con.close()
    result = CliRunner().invoke(main, ["history", RECORD, "--ledger", str(ledger)])
    assert result.exit_code == 2
    # The four stages, in order, as DOMAIN.md names them.
    stages = "prototype, mvp, production_candidate, production"
    assert result.stderr == (
        f"{ledger}: assessments row 1: {column} is not a stage ({stages}) ({RESTORE})\n"
    )


def test_a_hand_edited_ledger_row_stops_the_batch_with_one_line(records, tmp_path):
    """Class 5: the batch reads the ledger while checking records (an earlier catalogue)."""
    out = tmp_path / "out"
    out.mkdir()
    corrupt_ledger(out / "ledger.sqlite", body='{"criteria": [')
    before = (out / "ledger.sqlite").read_bytes()
    result = run_batch(records, out)
    assert result.exit_code == 2
    # The run was opened (row 2) before the records were checked; the bad row is untouched.
    assert result.stderr == (
        f"{out / 'ledger.sqlite'}: catalogues row abc: body is not valid JSON ({RESTORE})\n"
    )
    with Ledger(out / "ledger.sqlite") as led:
        assert [r.id for r in led.runs()] == [2, 1]
    assert len(before) > 0


# --- a form in a read-only folder ------------------------------------------------------------


def test_a_form_in_a_read_only_folder_says_so_once_and_keeps_the_values(tmp_path):
    """Class 5: the draft autosave raised PermissionError at every keystroke, no message."""
    catalogue = load_catalogue()
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    f = ChapterForm(path, "stage", catalogue, AS_OF)
    box = next(x for x in f._all_fields() if x.path == "scope.workflow")
    draft = tmp_path / ".claims-triage.yaml.stage.draft.json"
    with read_only(tmp_path):
        box.input.value = "M"  # a keystroke: the draft cannot be written
        first = f.message.value
        assert first == (
            f"<b>Not saved:</b> no draft kept: {draft}: {DENIED}; your edits stay in this form"
        )
        f.message.value = "(cleared by the test)"
        box.input.value = "Motor claims intake"  # more keystrokes: said once, not again
        assert f.message.value == "(cleared by the test)"
        assert not f.save()
        assert f.message.value == f"<b>Not saved:</b> {path}: {DENIED}"
        assert box.input.value == "Motor claims intake"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims-triage.yaml"]
    assert f.save()  # writable again: the same values are saved
    assert "Motor claims intake" in path.read_text(encoding="utf-8")
