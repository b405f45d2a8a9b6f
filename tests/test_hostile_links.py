"""Issue 13, class 2: symbolic links (and hard links) planted in a shared output folder.

The nightly batch runs from cron, perhaps as root, on an output folder others can
write. Each test plants a link, named like a file the batch or a form writes, that
points at a victim file outside; the victim must come through byte for byte, and the
run must stop with exit 2 and one line naming the link. The first tests drive the CLI
(the check made before any work); the rest reach the write-time defences directly, as
a link planted after that check (the race) would.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from conftest import AS_OF
from samples import example_folder, run_batch
from workbook.batch.lock import output_lock
from workbook.batch.runlog import RunLog
from workbook.errors import LedgerError, UsageError
from workbook.files import atomic_write_text
from workbook.ledger import Ledger
from workbook.model.catalogue import load_catalogue
from workbook.model.roundtrip import RecordFile
from workbook.model.scaffold import create_record
from workbook.present.forms import ChapterForm

VICTIM = b"root:x:0:0:the file a planted link points at\n"
#: The hint every refused link carries (workbook.files.PLANTED), spelled out by hand.
PLANTED = (
    "expected a plain file; remove the link, which anyone who can write this folder could plant"
)
#: ... and a FIFO's, or a hard link's (workbook.files.PUT_THERE).
PUT_THERE = (
    "expected a plain file of its own; move this away, as anyone who can write this folder"
    " could put it"
)
RECORD = "claims-triage"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside every folder the workbook is pointed at."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    path = outside / "victim"
    path.write_bytes(VICTIM)
    return path


@pytest.fixture
def records(tmp_path: Path) -> Path:
    return example_folder(tmp_path, RECORD)


# --- the batch, from the command line ---------------------------------------------------

#: Every name the batch reads or writes in OUT; each refused by the check before any work.
NAMES = [
    "run.jsonl",
    "ledger.sqlite",
    "ledger.sqlite-wal",
    "ledger.sqlite-shm",
    "ledger.sqlite-journal",
    "summary.json",
    "summary.csv",
    ".batch-state.json",
    ".portfolio-key",
    "index.html",
    f"{RECORD}.html",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_link_at_a_name_the_batch_writes_stops_it_before_any_work(
    name, records, tmp_path, victim
):
    """Class 2: a link named like a batch output, pointing outside, is refused; victim intact."""
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(victim)
    result = run_batch(records, out)
    assert result.exit_code == 2
    assert result.stderr == f"{out / name}: is a symbolic link; refusing to use it ({PLANTED})\n"
    assert victim.read_bytes() == VICTIM
    assert (out / name).is_symlink()
    # Nothing was started: no ledger, no run log beside the lock.
    assert sorted(p.name for p in out.iterdir()) == sorted([".workbook-batch.lock", name])


def test_a_link_at_the_lock_file_is_not_truncated(records, tmp_path, victim):
    """Class 2: the lock is opened with O_NOFOLLOW (it was truncated through the link)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / ".workbook-batch.lock").symlink_to(victim)
    result = run_batch(records, out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{out / '.workbook-batch.lock'}: is a symbolic link; refusing to open a file through it"
        f" ({PLANTED})\n"
    )
    assert victim.read_bytes() == VICTIM


def test_a_link_at_the_failed_folder_or_a_kept_notebook_is_refused(records, tmp_path, victim):
    """Class 2: failed/ as a link to a folder outside, and failed/<id>.ipynb as a link."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "failed").symlink_to(victim.parent, target_is_directory=True)
    result = run_batch(records, out)
    assert result.exit_code == 2
    assert (
        result.stderr == f"{out / 'failed'}: is a symbolic link; refusing to use it ({PLANTED})\n"
    )

    (out / "failed").unlink()
    (out / "failed").mkdir()
    (out / "failed" / f"{RECORD}.ipynb").symlink_to(victim)
    result = run_batch(records, out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{out / 'failed' / f'{RECORD}.ipynb'}: is a symbolic link; refusing to use it ({PLANTED})\n"
    )
    assert victim.read_bytes() == VICTIM
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim"]


# --- the defences at each open: a link planted after the check ---------------------------


def test_the_run_log_never_appends_through_a_link(tmp_path, victim):
    """Class 2: run.jsonl was opened in append mode through the link."""
    log = tmp_path / "run.jsonl"
    log.symlink_to(victim)
    with pytest.raises(UsageError) as caught:
        RunLog(log)
    assert caught.value.line() == (
        f"{log}: is a symbolic link; refusing to open a file through it ({PLANTED})"
    )
    assert victim.read_bytes() == VICTIM


def test_the_lock_never_truncates_through_a_link(tmp_path, victim):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".workbook-batch.lock").symlink_to(victim)
    with pytest.raises(UsageError, match="is a symbolic link"), output_lock(out):
        pass
    assert victim.read_bytes() == VICTIM


def test_a_hard_link_at_the_lock_or_the_run_log_is_refused(tmp_path, victim):
    """Class 2, variant: a hard link is no link to lstat, but the file then has two names."""
    out = tmp_path / "out"
    out.mkdir()
    os.link(victim, out / ".workbook-batch.lock")
    with pytest.raises(UsageError) as caught, output_lock(out):
        pass
    assert caught.value.line() == (
        f"{out / '.workbook-batch.lock'}: has 2 names (a hard link); refusing to write through it"
        f" ({PUT_THERE})"
    )
    os.link(victim, out / "run.jsonl")
    with pytest.raises(UsageError, match="has 3 names"):
        RunLog(out / "run.jsonl")
    assert victim.read_bytes() == VICTIM


def test_a_fifo_at_the_run_log_neither_hangs_nor_is_written(tmp_path):
    """Class 2, variant: a FIFO would block the open for ever; it is refused at once."""
    fifo = tmp_path / "run.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(UsageError) as caught:
        RunLog(fifo)
    assert caught.value.line() == f"{fifo}: is not a regular file ({PUT_THERE})"


def test_the_ledger_is_never_opened_through_a_link(tmp_path):
    """Class 2: SQLite follows a link at the database name and would write a schema into an
    empty victim. Refused by name first; and when the link wins the race after that check,
    by the name SQLite itself opened (PRAGMA database_list)."""
    victim = tmp_path / "empty-victim"
    victim.write_bytes(b"")  # empty: SQLite would take it for a new database
    ledger = tmp_path / "out" / "ledger.sqlite"
    ledger.parent.mkdir()
    ledger.symlink_to(victim)
    with pytest.raises(UsageError) as caught:
        Ledger(ledger)
    assert caught.value.line() == f"{ledger}: is a symbolic link; refusing to use it ({PLANTED})"

    # The link planted between that check and SQLite's open: the check sees nothing.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("workbook.ledger.refuse_link", lambda path: None)
        with pytest.raises(LedgerError) as caught:
            Ledger(ledger)
    assert caught.value.line() == (
        f"{ledger}: is a symbolic link; refusing to open the ledger through it ({PLANTED})"
    )
    assert victim.read_bytes() == b""


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_link_beside_the_ledger_is_refused(suffix, tmp_path, victim):
    """Class 2: the journal files SQLite opens itself, named like the ledger plus a suffix."""
    ledger = tmp_path / "ledger.sqlite"
    Ledger(ledger).close()
    before = ledger.read_bytes()
    journal = tmp_path / f"ledger.sqlite{suffix}"
    journal.symlink_to(victim)
    with pytest.raises(UsageError) as caught:
        Ledger(ledger)
    assert caught.value.line() == f"{journal}: is a symbolic link; refusing to use it ({PLANTED})"
    assert victim.read_bytes() == VICTIM
    assert ledger.read_bytes() == before


def test_a_hard_link_at_the_ledger_is_refused(tmp_path):
    victim = tmp_path / "victim.sqlite"
    victim.write_bytes(b"")
    ledger = tmp_path / "ledger.sqlite"
    os.link(victim, ledger)
    with pytest.raises(LedgerError, match=r"has 2 names \(a hard link\)"):
        Ledger(ledger)
    assert victim.read_bytes() == b""


@pytest.mark.parametrize("name", ["summary.json", "summary.csv", ".batch-state.json", "x.html"])
def test_an_atomic_write_refuses_a_link_and_leaves_it(name, tmp_path, victim):
    """Class 2: summaries, state and dossiers are replaced by rename; a link at the name is
    refused rather than silently replaced (or, before, written through)."""
    target = tmp_path / name
    target.symlink_to(victim)
    with pytest.raises(UsageError) as caught:
        atomic_write_text(target, "new")
    assert caught.value.line() == (
        f"{target}: is a symbolic link; refusing to write through it ({PLANTED})"
    )
    assert victim.read_bytes() == VICTIM
    assert target.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["elsewhere", name])


def test_a_folder_below_out_swapped_for_a_link_is_not_written_through(tmp_path, victim):
    """Class 2: failed/ replaced by a link after the check; the kept notebook must not land
    in the folder it points at (every folder below OUT is opened with O_NOFOLLOW)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "failed").symlink_to(victim.parent, target_is_directory=True)
    kept = out / "failed" / "claims-triage.ipynb"
    with pytest.raises(UsageError) as caught:
        atomic_write_text(kept, "{}", base=out)
    assert caught.value.line() == (
        f"{out / 'failed'}: is a symbolic link; refusing to write through it (expected a plain"
        " folder; remove the link, which anyone who can write this folder could plant)"
    )
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim"]


def test_an_output_folder_that_is_itself_a_link_is_the_users_choice(tmp_path):
    """The folder named with -o may be a link (the user named it); writes land in its target."""
    real = tmp_path / "real"
    real.mkdir()
    out = tmp_path / "out"
    out.symlink_to(real, target_is_directory=True)
    with output_lock(out):
        atomic_write_text(out / "summary.json", "{}")
    assert (real / "summary.json").read_text() == "{}"


# --- a record that is a link: a form save keeps the link ---------------------------------


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_a_form_save_on_a_linked_record_edits_the_target_and_keeps_the_link(tmp_path, catalogue):
    """Class 2: os.replace on the link replaced it by a copy, forking the record silently."""
    folder = tmp_path / "records"
    shared = folder / "shared"
    shared.mkdir(parents=True)
    target = create_record("Claims triage", shared)
    link = folder / "claims-triage.yaml"
    link.symlink_to(Path("shared") / "claims-triage.yaml")
    f = ChapterForm(link, "stage", catalogue, AS_OF)
    field = next(x for x in f._all_fields() if x.path == "scope.workflow")
    field.input.value = "Motor claims intake"
    assert f.save()
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("shared") / "claims-triage.yaml")
    assert "Motor claims intake" in target.read_text(encoding="utf-8")
    # The draft beside the link was dropped, and no temporary file is left anywhere.
    assert sorted(p.name for p in folder.iterdir()) == ["claims-triage.yaml", "shared"]
    assert sorted(p.name for p in shared.iterdir()) == ["claims-triage.yaml"]


def test_a_form_save_through_a_link_out_of_its_folder_is_refused(tmp_path, catalogue):
    """Class 2: a record link planted in a shared records folder, pointing elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = create_record("Claims triage", elsewhere)
    before = target.read_bytes()
    folder = tmp_path / "records"
    folder.mkdir()
    link = folder / "claims-triage.yaml"
    link.symlink_to(target)
    with pytest.raises(UsageError) as caught:
        RecordFile(link).save({"stage": "mvp"}, catalogue)
    line = (
        f"{link}: is a symbolic link to {target.resolve()}, outside its folder; refusing to save"
        " through it (expected edit the file it points to, or replace the link with a copy)"
    )
    assert caught.value.line() == line
    f = ChapterForm(link, "stage", catalogue, AS_OF)
    next(x for x in f._all_fields() if x.path == "scope.workflow").input.value = "Motor"
    assert not f.save()
    assert "outside its folder; refusing to save through it" in f.message.value
    assert target.read_bytes() == before
    assert link.is_symlink()
    with contextlib.suppress(FileNotFoundError):
        (folder / ".claims-triage.yaml.stage.draft.json").unlink()
    assert sorted(p.name for p in folder.iterdir()) == ["claims-triage.yaml"]
