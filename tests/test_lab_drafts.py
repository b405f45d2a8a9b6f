"""Issue 15's acceptance in a real JupyterLab: edits are never lost, on disk or across chapters.

One record, served by JupyterLab on 127.0.0.1 only, is opened in chapters 4 and 5 in the
same Lab page, each notebook with its own kernel; headless Chromium types into the forms
as an analyst would. The tests prove that

- editing chapter 4 and then chapter 5 without saving in between, then saving both, puts
  both edits on disk (the chapters' drafts and saves do not overwrite each other);
- an unsaved edit survives a kernel restart: the chapter's form offers its own draft
  (not the draft of the chapter edited last), Restore puts the typed text back in the
  field and Save writes it;
- a save merges with a change made on disk meanwhile to another field, and refuses a
  change to the same field, showing both values and leaving the file as it was.

Expected values are the texts typed here and the texts written into the YAML by a plain
text replacement (as another analyst's editor would), read back with `load_record`.
The committed notebooks stay byte-identical; screenshots go to test-artifacts/lab-drafts-*.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from ruamel.yaml import YAML

from browser import LabSession, lab_session, origin_of
from conftest import REPO
from lab_server import (
    KERNEL_IDLE,
    NOTEBOOK_PANEL,
    PAGE_TIMEOUT_MS,
    Lab,
    run_all_cells,
    workbook_open,
)
from workbook.model.records import load_record

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
RECORD_NAME = "Lab drafts probe"
RECORD_FILE = "lab-drafts-probe.yaml"  # what `workbook new "Lab drafts probe"` names it
CH4 = "04-logging-and-observability.ipynb"
CH5 = "05-promotion-verdict.ipynb"
# Each chapter's form has a class of its own: with both
# notebooks open in one page, every selector is scoped to one of them.
FORM4 = ".wb-form-observability"
FORM5 = ".wb-form-verdict"

EVALUATION = "Every release replays 200 labelled claims; a reviewer grades each answer."
POLICY = "Claims staff only; customer data stays in the EU tenant; no automated refusals."
REVIEW_PATH = "Flagged answers go to the claims team lead's review queue the same day."
THEIRS = "A weekly sample of 50 answers is graded by the quality team."


# --- serving the record -------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    lab: Lab
    record: Path
    # The folder the chapter notebooks run in (their kernels' working folder).
    folder: Path
    # The chapter notebooks as the Lab names them (paths from its root folder).
    notebooks: dict[str, str]


def notebooks_digest() -> dict[str, str]:
    """sha256 of every file under the repository's notebooks/ (the committed walk-through)."""
    folder = REPO / "notebooks"
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _new_record(folder: Path) -> Path:
    """A fresh record made by the CLI, as an analyst starts one."""
    subprocess.run(
        [sys.executable, "-c", "from workbook.cli import main; main()", "new", RECORD_NAME,
         "--dir", str(folder)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    record = folder / RECORD_FILE
    assert record.is_file()
    return record


@contextlib.contextmanager
def served(tmp_path: Path) -> Iterator[Served]:
    """A fresh record opened with `workbook open`, as an analyst opens one.

    The committed notebooks must be byte-identical afterwards, whatever JupyterLab saved.
    """
    before = notebooks_digest()
    record = _new_record(tmp_path / "team" / "records")
    copy = tmp_path / "copy"
    with workbook_open(record, tmp_path / "home", copy) as lab:
        yield Served(lab, record, copy, {"4": CH4, "5": CH5})
    assert notebooks_digest() == before, "the committed notebooks changed"


def lab_page(srv: Served, chapter: str) -> contextlib.AbstractContextManager[LabSession]:
    """Chromium on the Lab, a chapter's notebook opened; only the Lab's origin reachable."""
    url = srv.lab.url(f"lab/tree/{srv.notebooks[chapter]}")
    return lab_session(url, timeout_ms=PAGE_TIMEOUT_MS)


# --- in the page (on the browser harness thread) ------------------------------------------


def open_notebook(page: Page, path: str) -> None:
    """Open (or bring to the front) a notebook of the Lab, as a click in the file browser does."""
    page.wait_for_function("() => !!window.jupyterapp")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    page.evaluate(
        "(p) => { window.jupyterapp.commands.execute('docmanager:open', {path: p}); }", path
    )
    page.wait_for_function(
        "(p) => { const w = window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.context && w.context.path === p); }",
        arg=path,
    )


def restart_kernel(page: Page) -> None:
    """JupyterLab's "Restart Kernel and Clear Outputs of All Cells", confirmed in its dialog."""
    page.evaluate(
        """() => {
            window.__restarted = false;
            const id = window.jupyterapp.shell.currentWidget.id;
            window.jupyterapp.commands.execute('notebook:restart-clear-output', {widgetId: id})
                .then(() => { window.__restarted = true; });
        }"""
    )
    page.locator(".jp-Dialog button.jp-mod-accept").click()
    page.wait_for_function("() => window.__restarted === true")
    page.wait_for_function(KERNEL_IDLE)


def open_tab(page: Page, form: str, title: str) -> None:
    """Open a sub-section (tab) of a form by its title."""
    tab = page.locator(f"{form} .wb-sections .lm-TabBar-tab", has_text=title)
    tab.scroll_into_view_if_needed()
    tab.click()


def field(page: Page, form: str, path: str) -> Locator:
    """The text box of a long-text field (record path with dots)."""
    return page.locator(f"{form} .wb-field-{path.replace('.', '-')} textarea")


def type_into(page: Page, form: str, path: str, text: str) -> None:
    """Type a value and leave the box, as a person would: leaving it sends the value."""
    box = field(page, form, path)
    box.scroll_into_view_if_needed()
    box.fill(text)
    box.press("Tab")


def message(page: Page, form: str) -> str:
    return page.locator(f"{form} .wb-message").inner_text().strip()


def wait_for_message(page: Page, form: str, pattern: str) -> str:
    """Wait until the form's message matches `pattern` (a JS regular expression)."""
    page.wait_for_function(
        "([sel, pat]) => { const m = document.querySelector(sel);"
        " return !!m && new RegExp(pat).test(m.textContent.trim()); }",
        arg=[f"{form} .wb-message", pattern],
    )
    return message(page, form)


def save(page: Page, form: str) -> str:
    """Press Save and wait for its answer: Saved... or Not saved..."""
    before = message(page, form)
    assert not before.startswith(("Saved", "Not saved")), before
    button = page.locator(f"{form} button.wb-save")
    button.scroll_into_view_if_needed()
    button.click()
    return wait_for_message(page, form, r"^(Saved|Not saved)")


def shot(s: LabSession, page_locator: str, name: str) -> Path:
    """A screenshot of the viewport with `page_locator` scrolled into view."""
    s.run(lambda page: page.locator(page_locator).first.scroll_into_view_if_needed())
    return s.screenshot(ARTIFACTS / f"lab-drafts-{name}.png")


@contextlib.contextmanager
def failure_shot(s: LabSession, name: str) -> Iterator[None]:
    """On a failure, what the page showed (a dialog, a traceback...) before it is closed."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            s.screenshot(ARTIFACTS / f"lab-drafts-{name}-failure.png")
        raise


def draft_values(record: Path, chapter: str) -> dict | None:
    """The values of a chapter's draft beside the record (the design's file), or None."""
    path = record.with_name(f".{record.name}.{chapter}.draft.json")
    return json.loads(path.read_text())["values"] if path.exists() else None


def wait_for_form(page: Page, form: str) -> None:
    """The form's Save button shows; if not, the failure says what the form's cell shows."""
    try:
        page.wait_for_selector(f"{form} button.wb-save", state="visible")
    except PlaywrightTimeout:
        shown = page.evaluate(FORM_CELL_OUTPUT)
        raise AssertionError(
            f"the form did not show; its cell's output: {str(shown)[:1500]}"
        ) from None


# What the form cell of the notebook in front shows (text), for a failure's message.
FORM_CELL_OUTPUT = f"""() => {{
    const cells = {NOTEBOOK_PANEL}.content.widgets.filter(c => c.model.sharedModel
        .getSource().includes('wb.form('));
    return cells.map(c => c.node.querySelector('.jp-OutputArea')?.innerText ?? '<none>');
}}"""


def start(s: LabSession, served_: Served, chapter: str) -> None:
    """Open a chapter's notebook and run it; its form is ready."""
    form = FORM4 if chapter == "4" else FORM5
    s.run(lambda page: open_notebook(page, served_.notebooks[chapter]))
    errors = s.run(run_all_cells, timeout_s=180)
    assert errors == [], f"chapter {chapter}'s cells failed: {errors}\n{served_.lab.log_tail()}"
    s.run(lambda page: wait_for_form(page, form))


def assert_local_only(s: LabSession, lab: Lab) -> None:
    """Nothing but the Lab was asked for anything; no alert, no error in the console."""
    report = s.report()
    assert {origin_of(u) for u in report.requests} == {lab.origin}
    assert report.blocked == []
    assert report.dialogs == []
    # JupyterLab's own debugger panel says this when its kernel is restarted under it.
    restart = "Could not restore the debugger state"
    assert [e for e in report.console_errors if not e.startswith(restart)] == []


def editing_line(s: LabSession, form: str, srv: Served) -> Path:
    """The file the form says it edits (its `Editing <path>` line), resolved."""
    text = s.run(lambda page: page.locator(f"{form} .wb-editing").inner_text().strip())
    assert text.startswith("Editing "), text
    # A path relative to the notebook's folder, or absolute.
    return (srv.folder / text.removeprefix("Editing ")).resolve()


# A fresh kernel numbers executions from 1: after one run of N code cells the last is N.
EXECUTIONS = f"""() => {{
    const code = {NOTEBOOK_PANEL}.content.widgets.filter(c => c.model.type === 'code');
    return [code.length, Math.max(...code.map(c => c.model.executionCount || 0))];
}}"""


# --- the tests ------------------------------------------------------------------------------


def test_chapter_4_then_5_unsaved_then_both_saved(tmp_path):
    with (
        served(tmp_path) as srv,
        lab_page(srv, "4") as s,
        failure_shot(s, "a"),
    ):
        record = srv.record
        start(s, srv, "4")
        s.run(lambda page: open_tab(page, FORM4, "Evaluation"))
        s.run(lambda page: type_into(page, FORM4, "trust.evaluation", EVALUATION))
        s.run(lambda page: wait_for_message(page, FORM4, "^Unsaved"))

        # Chapter 5 opens beside it, with a kernel of its own; chapter 4 stays unsaved.
        start(s, srv, "5")
        s.run(lambda page: type_into(page, FORM5, "governance.usage_policy", POLICY))
        s.run(lambda page: wait_for_message(page, FORM5, "^Unsaved"))
        shot(s, f"{FORM5} .wb-field-governance-usage_policy", "a-chapter5-unsaved")
        edits5 = editing_line(s, FORM5, srv)

        # Nothing is on disk yet; each chapter keeps its own draft, neither overwritten.
        assert load_record(record).trust.evaluation is None
        assert load_record(record).governance.usage_policy is None
        assert draft_values(record, "observability")["trust"]["evaluation"] == EVALUATION
        assert draft_values(record, "verdict")["governance"]["usage_policy"] == POLICY

        saved5 = s.run(lambda page: save(page, FORM5))
        s.run(lambda page: open_notebook(page, srv.notebooks["4"]))
        s.run(lambda page: open_tab(page, FORM4, "Evaluation"))
        # Chapter 4's edit is still in its form after chapter 5 saved.
        assert s.run(lambda page: field(page, FORM4, "trust.evaluation").input_value()) == (
            EVALUATION
        )
        saved4 = s.run(lambda page: save(page, FORM4))
        shot(s, f"{FORM4} .wb-message", "a-chapter4-saved")
        edits4 = editing_line(s, FORM4, srv)
        assert_local_only(s, srv.lab)

    # Both forms name the one file they edit.
    assert edits4 == edits5 == record.resolve()
    assert saved5.startswith(f"Saved {RECORD_FILE}"), saved5
    # Chapter 5's save changed the file after chapter 4 loaded it: no conflict, merged.
    assert saved4.startswith(f"Saved {RECORD_FILE}"), saved4
    on_disk = load_record(record)
    assert on_disk.trust.evaluation == EVALUATION
    assert on_disk.governance.usage_policy == POLICY
    assert on_disk.name == RECORD_NAME
    # Saved: no draft of either chapter is left to offer.
    assert draft_values(record, "observability") is None
    assert draft_values(record, "verdict") is None


def test_a_chapter_draft_survives_a_kernel_restart(tmp_path):
    with (
        served(tmp_path) as srv,
        lab_page(srv, "5") as s,
        failure_shot(s, "b"),
    ):
        record = srv.record
        # The loss: unsaved text in chapter 5, then an edit in chapter 4.
        start(s, srv, "5")
        s.run(lambda page: type_into(page, FORM5, "governance.usage_policy", POLICY))
        s.run(lambda page: wait_for_message(page, FORM5, "^Unsaved"))
        start(s, srv, "4")
        s.run(lambda page: open_tab(page, FORM4, "Evaluation"))
        s.run(lambda page: type_into(page, FORM4, "trust.evaluation", EVALUATION))
        s.run(lambda page: wait_for_message(page, FORM4, "^Unsaved"))

        # Chapter 5's kernel restarts (its form and values are gone), and it runs again.
        s.run(lambda page: open_notebook(page, srv.notebooks["5"]))
        s.run(restart_kernel, timeout_s=120)
        start(s, srv, "5")
        cells, last = s.evaluate(EXECUTIONS)
        restore = f"{FORM5} .wb-draft button.wb-restore"
        s.run(lambda page: page.wait_for_selector(restore, state="visible"))
        before = s.run(lambda page: field(page, FORM5, "governance.usage_policy").input_value())
        shot(s, restore, "b-draft-offered")

        s.run(lambda page: page.locator(restore).click())
        restored = s.run(lambda page: wait_for_message(page, FORM5, "^Draft restored"))
        after = s.run(lambda page: field(page, FORM5, "governance.usage_policy").input_value())
        assert load_record(record).governance.usage_policy is None, "restoring does not save"
        saved = s.run(lambda page: save(page, FORM5))
        shot(s, f"{FORM5} .wb-message", "b-restored-saved")
        assert_local_only(s, srv.lab)

    assert last == cells, "the cells ran once in a new kernel"
    # The new kernel's form showed the record (nothing there) and offered the draft.
    assert before == ""
    assert restored.startswith("Draft restored"), restored
    assert after == POLICY
    assert saved.startswith(f"Saved {RECORD_FILE}"), saved
    assert load_record(record).governance.usage_policy == POLICY
    # Chapter 4's draft is its own, untouched by chapter 5's restore and save.
    assert draft_values(record, "observability")["trust"]["evaluation"] == EVALUATION
    assert draft_values(record, "verdict") is None


def _edit_outside(record: Path, key: str, value: str) -> bytes:
    """Set `trust.<key>` in the file as another analyst's editor would; the new bytes.

    ruamel.yaml's round trip (not the workbook's own save path) keeps the comments.
    """
    yaml = YAML()
    data = yaml.load(record.read_text())
    data["trust"][key] = value
    out = io.StringIO()
    yaml.dump(data, out)
    record.write_text(out.getvalue())
    return record.read_bytes()


def test_a_save_merges_a_change_on_disk_and_refuses_a_conflict(tmp_path):
    with (
        served(tmp_path) as srv,
        lab_page(srv, "4") as s,
        failure_shot(s, "c"),
    ):
        record = srv.record
        start(s, srv, "4")
        # Another analyst fills in the review path while this form is open.
        _edit_outside(record, "review_path", REVIEW_PATH)
        s.run(lambda page: open_tab(page, FORM4, "Evaluation"))
        s.run(lambda page: type_into(page, FORM4, "trust.evaluation", EVALUATION))
        merged = s.run(lambda page: save(page, FORM4))
        shot(s, f"{FORM4} .wb-message", "c-merged")
        after_merge = load_record(record)

        # Then both change the evaluation: on disk first, then in the form.
        conflict_on_disk = _edit_outside(record, "evaluation", THEIRS)
        mine = EVALUATION + " Twice a year, also by an outside assessor."
        s.run(lambda page: type_into(page, FORM4, "trust.evaluation", mine))
        s.run(lambda page: wait_for_message(page, FORM4, "^Unsaved"))
        refused = s.run(lambda page: save(page, FORM4))
        conflict = s.run(
            lambda page: page.locator(
                f"{FORM4} .wb-message, {FORM4} .wb-conflict"
            ).all_inner_texts()
        )
        buttons = s.run(
            lambda page: page.locator(
                f"{FORM4} .wb-conflict button.wb-keep-mine, {FORM4} .wb-conflict button.wb-take-theirs"
            ).count()
        )
        shot(s, f"{FORM4} .wb-conflict", "c-conflict")
        assert_local_only(s, srv.lab)

    assert merged.startswith(f"Saved {RECORD_FILE}"), merged
    # Both changes are on disk: the form's and the other analyst's.
    assert after_merge.trust.evaluation == EVALUATION
    assert after_merge.trust.review_path == REVIEW_PATH

    assert refused.startswith("Not saved"), refused
    shown = "\n".join(conflict)
    assert "trust.evaluation" in shown, shown
    assert mine in shown and THEIRS in shown, shown
    assert buttons == 2
    # The file is as the other side left it.
    assert record.read_bytes() == conflict_on_disk
    assert load_record(record).trust.evaluation == THEIRS
