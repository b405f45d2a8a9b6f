"""Issue 13, class 6: a stale dossier after a race.

The attack: a record (or a file it cites, or the catalogue) is edited while a batch
runs, after the plan computed its render key and before, or while, the dossier is
rendered; the edit is reverted afterwards. Before the fix the state remembered the
plan's key beside a dossier made from the edited bytes, so once reverted the record
matched the stored key again and every later run called the stale dossier
"unchanged". The rule: the key stored with a page is vouched for by the worker, from
the files it read; a page made while they moved is not remembered.

Each test runs a real batch (real kernels, real HTML) on a copy of one example record,
on an executor that runs the real worker functions in this process, so that a hook
can edit a file at the chosen moment. Markers are hand-picked strings: text that the
edit puts into the record or catalogue, or a reason the evidence list prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from workbook.batch import EXECUTORS, STATE_NAME, BatchOptions, Executor, register, run_batch
from workbook.batch import run as run_module
from workbook.batch.actions import PORTFOLIO_STATE
from workbook.batch.result import BatchResult
from workbook.model.catalogue import DEFAULT_CATALOGUE
from workbook.render import dossier as dossier_module

pytestmark = pytest.mark.slow  # real kernels

AS_OF = dt.date(2026, 11, 23)
RID = "claims-triage"
#: In the record's summary, which the dossier's cover shows (data/examples/claims-triage.yaml).
ORIGINAL_TEXT = "Reads the first notice of loss"
EDITED_TEXT = "Reads the racing notice of loss"
#: A document the record cites; emptied, the evidence list says "file is empty".
EVIDENCE = "evidence/claims-triage/usage-policy.md"
EMPTY_NOTE = "file is empty"
#: A question of the shipped catalogue (templates/gates/default.yaml, line 191) that the
#: dossier's status table shows; the edit rewords it (wording only: not in the digest).
QUESTION = "Is the business workflow written down, with the step the AI takes in it?"
REWORDED = "Is the racing workflow written down, with the step the AI takes in it?"


class Here(Executor):
    """The real worker functions, run in this process so that a test's hook reaches them."""

    name = "here-race-test"

    def _start(self) -> None:
        pass

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def _as_completed(self, futures: list[Any]) -> Iterator[Any]:
        return iter(futures)

    def _stop(self) -> None:
        pass


@pytest.fixture
def here() -> Iterator[type[Here]]:
    register(Here)
    yield Here
    del EXECUTORS[Here.name]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """One example record with its evidence, and a copy of the shipped catalogue."""
    records = tmp_path / "records"
    (records / "evidence").mkdir(parents=True)
    shutil.copy2(EXAMPLES / f"{RID}.yaml", records)
    shutil.copytree(EXAMPLES / "evidence" / RID, records / "evidence" / RID)
    shutil.copy2(DEFAULT_CATALOGUE, tmp_path / "gates.yaml")
    return tmp_path


def batch(folder: Path, *, force: bool = False) -> BatchResult:
    options = BatchOptions(
        paths=[folder / "records"],
        out_dir=folder / "out",
        as_of=AS_OF,
        gates=folder / "gates.yaml",
        workers=1,
        executor=Here.name,
        force=force,
    )
    result = run_batch(options)
    assert result.exit_code == 0, [e.error for e in result.entries]
    return result


def outcome(result: BatchResult) -> str:
    (entry,) = result.entries
    return entry.outcome


def dossier(folder: Path) -> str:
    return (folder / "out" / f"{RID}.html").read_text(encoding="utf-8")


def remembered(folder: Path) -> set[str]:
    path = folder / "out" / STATE_NAME
    return set(json.loads(path.read_text())) if path.exists() else set()


class Edit:
    """One hostile edit of a file, and its revert to the very bytes it had."""

    def __init__(self, path: Path, change: Callable[[bytes], bytes]) -> None:
        self.path, self.change = path, change
        self.original = path.read_bytes()
        st = path.stat()
        self.times = (st.st_atime_ns, st.st_mtime_ns)

    def apply(self) -> None:
        edited = self.change(self.original)
        assert edited != self.original, "the edit must change the file"
        self.path.write_bytes(edited)

    def revert(self) -> None:
        """The old bytes and the old modification time: a careful editor hides the edit."""
        self.path.write_bytes(self.original)
        os.utime(self.path, ns=self.times)


def replace(old: str, new: str) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(old.encode(), new.encode())


def edits(folder: Path) -> dict[str, tuple[Edit, str | None, str]]:
    """Per input: the edit, a marker only the original shows, a marker only the edit shows."""
    return {
        "record": (
            Edit(folder / "records" / f"{RID}.yaml", replace(ORIGINAL_TEXT, EDITED_TEXT)),
            ORIGINAL_TEXT,
            EDITED_TEXT,
        ),
        "evidence": (
            Edit(folder / "records" / EVIDENCE, lambda data: b""),
            None,  # the original document is read: nothing but the reason's absence shows it
            EMPTY_NOTE,
        ),
        "catalogue": (
            Edit(folder / "gates.yaml", replace(QUESTION, REWORDED)),
            QUESTION,
            REWORDED,
        ),
    }


WHAT = ["record", "evidence", "catalogue"]


@pytest.mark.parametrize("what", WHAT)
def test_an_edit_between_plan_and_render_then_reverted_is_rendered_again(
    here: type[Here], folder: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """The edit lands after the plan computed the key, before the worker renders."""
    edit, original, edited = edits(folder)[what]
    real_plan = run_module.plan

    def plan_then_edit(*args: Any, **kwargs: Any) -> Any:
        planned = real_plan(*args, **kwargs)
        edit.apply()
        return planned

    monkeypatch.setattr(run_module, "plan", plan_then_edit)
    assert outcome(batch(folder)) == "rendered"
    assert edited in dossier(folder), "the race happened: the dossier shows the edit"
    assert RID not in remembered(folder), "a page made from moved files is not remembered"

    monkeypatch.setattr(run_module, "plan", real_plan)
    edit.revert()
    assert outcome(batch(folder)) == "rendered", "reverted: not 'unchanged'"
    page = dossier(folder)
    assert original is None or original in page
    assert edited not in page
    assert RID in remembered(folder)
    assert outcome(batch(folder)) == "skipped", "nothing moved: now it is unchanged"


@pytest.mark.parametrize("what", ["record", "evidence"])
def test_an_edit_made_and_reverted_during_the_render_is_rendered_again(
    here: type[Here], folder: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """The edit lands while the kernel runs and is undone before it ends: the same bytes
    before and after, yet the dossier shows the edit."""
    edit, original, edited = edits(folder)[what]
    real_run = edited_during(monkeypatch, "run_notebook", edit)
    assert outcome(batch(folder)) == "rendered"
    assert edited in dossier(folder), "the race happened: the dossier shows the edit"
    assert edit.path.read_bytes() == edit.original
    assert RID not in remembered(folder)

    monkeypatch.setattr(dossier_module, "run_notebook", real_run)
    assert outcome(batch(folder)) == "rendered", "same bytes as planned, yet not 'unchanged'"
    page = dossier(folder)
    assert original is None or original in page
    assert edited not in page


def test_an_old_key_is_forgotten_when_a_raced_dossier_replaces_its_page(
    here: type[Here], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clean run is remembered; a later raced run must drop that memory, or reverting
    to the first run's bytes would make the raced page look current."""
    edit, original, edited = edits(folder)["record"]
    assert outcome(batch(folder)) == "rendered"
    assert RID in remembered(folder)
    real_run = edited_during(monkeypatch, "run_notebook", edit)
    batch(folder, force=True)
    assert edited in dossier(folder)
    assert RID not in remembered(folder)

    monkeypatch.setattr(dossier_module, "run_notebook", real_run)
    assert outcome(batch(folder)) == "rendered"
    assert original is not None and original in dossier(folder)


#: What the forged summary calls the example initiative while the page is drawn.
FORGED_NAME = "Forged Portfolio Name"


def edited_during(
    monkeypatch: pytest.MonkeyPatch, step: str, edit: Edit | Callable[..., Edit]
) -> Callable[..., Any]:
    """Make ``edit`` while the dossier module's ``step`` runs, undone when it returns;
    gives back the real step. ``edit`` may be made from the step's arguments."""
    real = getattr(dossier_module, step)

    def edited_while_running(*args: Any, **kwargs: Any) -> Any:
        edit_now = edit if isinstance(edit, Edit) else edit(*args, **kwargs)
        edit_now.apply()
        try:
            return real(*args, **kwargs)
        finally:
            edit_now.revert()

    monkeypatch.setattr(dossier_module, step, edited_while_running)
    return real


def forge_summary_while_drawn(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Make the portfolio page draw from a forged summary.json, restored once it is drawn."""

    def forgery(summary: Path, *args: Any, **kwargs: Any) -> Edit:
        return Edit(summary, replace("Motor and home claims triage", FORGED_NAME))

    return edited_during(monkeypatch, "write_portfolio", forgery)


def test_a_summary_edited_while_the_portfolio_page_renders_is_rendered_again(
    here: type[Here], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portfolio page is drawn from summary.json; an edit to it during the render,
    undone afterwards, must not leave the page remembered as current."""
    real_write = forge_summary_while_drawn(monkeypatch)
    forged = FORGED_NAME
    batch(folder)
    page = folder / "out" / "index.html"
    assert forged in page.read_text(encoding="utf-8"), "the race happened"
    assert not (folder / "out" / PORTFOLIO_STATE).exists()

    monkeypatch.setattr(dossier_module, "write_portfolio", real_write)
    batch(folder)
    text = page.read_text(encoding="utf-8")
    assert "Motor and home claims triage" in text
    assert forged not in text
    assert (folder / "out" / PORTFOLIO_STATE).exists()


def test_an_old_portfolio_key_is_forgotten_when_a_raced_page_replaces_it(
    here: type[Here], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run 1 is clean and remembered; run 2 (``--force``) draws the page from a summary
    forged while it renders: run 1's key, which the facts still give, must not vouch for
    that page, or run 3 would call it unchanged."""
    batch(folder)
    assert (folder / "out" / PORTFOLIO_STATE).exists()
    real_write = forge_summary_while_drawn(monkeypatch)
    forged = FORGED_NAME
    batch(folder, force=True)
    page = folder / "out" / "index.html"
    assert forged in page.read_text(encoding="utf-8"), "the race happened"

    monkeypatch.setattr(dossier_module, "write_portfolio", real_write)
    batch(folder)
    text = page.read_text(encoding="utf-8")
    assert forged not in text
    assert "Motor and home claims triage" in text
