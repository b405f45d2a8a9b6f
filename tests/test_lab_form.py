"""A chapter form in a real JupyterLab: type into it in Chromium, save, see the record change.

A temporary workbook (the notebooks, the data and a fresh record) is served by JupyterLab
on 127.0.0.1 only; headless Chromium opens chapter 1, runs every cell, fills the scope
workflow and AI step of the form, presses Save, and the test checks the file on disk and
the live verdict under the form. Chromium may reach the server and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from browser import lab_session, origin_of
from conftest import AS_OF, REPO
from lab_server import (
    ELSEWHERE,
    PAGE_TIMEOUT_MS,
    PROBE,
    jupyter_lab,
    run_all_cells,
    save,
    type_into,
    verdict,
)
from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.pipeline import assess_file
from workbook.present.notebook import DEFAULT_EXAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
NOTEBOOK = "01-stage-and-boundaries.ipynb"
RECORD_NAME = "Lab form probe"
RECORD = "data/initiatives/lab-form-probe.yaml"

WORKFLOW = "Supplier onboarding: a buyer checks a new supplier's bank details and tax documents."
AI_STEP = "The assistant reads the uploaded documents and flags mismatches for the buyer."


def temporary_workbook(root: Path) -> Path:
    """notebooks/ and data/ of the repository, plus a fresh record chapter 1 points at."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".*.draft.json")
    shutil.copytree(REPO / "notebooks", root / "notebooks", ignore=ignore)
    shutil.copytree(REPO / "data", root / "data", ignore=ignore)
    subprocess.run(
        [sys.executable, "-c", "from workbook.cli import main; main()", "new", RECORD_NAME,
         "--dir", "data/initiatives"],
        cwd=root, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    record = root / RECORD
    assert record.is_file()

    path = root / "notebooks" / NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    (parameters,) = (c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    relative = os.path.relpath(record, path.parent)
    source, count = re.subn(
        r"^initiative_path\s*=.*$",
        f"initiative_path = {json.dumps(relative)}",
        parameters.source,
        flags=re.MULTILINE,
    )
    assert count == 1, "the parameters cell sets initiative_path once"
    parameters.source = source
    # No committed outputs: every widget on the page comes from this run.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assert any("form" in c.metadata.get("tags", []) for c in nb.cells), "no cell tagged form"
    nbformat.write(nb, path)
    return record


def test_stage_form_saves_the_record_and_refreshes_the_verdict(tmp_path):
    root = tmp_path / "workbook"
    record = temporary_workbook(root)
    assert load_record(record).scope.workflow is None
    catalogue = load_catalogue()
    headline_before = assess_file(record, catalogue, AS_OF).headline
    # What chapter 1 opens when initiative_path is empty: it must stay untouched.
    example = DEFAULT_EXAMPLE.read_bytes()
    drafts = set((REPO / "data").rglob(".*.draft.json"))
    shot = ARTIFACTS / "lab-form.png"
    shot.unlink(missing_ok=True)

    with (
        jupyter_lab(root, tmp_path / "home") as lab,
        lab_session(lab.url(f"lab/tree/notebooks/{NOTEBOOK}"), timeout_ms=PAGE_TIMEOUT_MS) as s,
    ):
        try:
            errors = s.run(run_all_cells, timeout_s=120)
            assert errors == [], f"cells failed: {errors}\n{lab.log_tail()}"
            s.run(lambda page: page.wait_for_selector(".wb-form .wb-save", state="visible"))
            before = s.run(lambda page: verdict(page, "scope.workflow"))

            # Each box sends its value as it is left; the click on Save follows them on
            # the same kernel connection, so the kernel sees both values before it.
            s.run(lambda page: type_into(page, "scope-workflow", WORKFLOW))
            s.run(lambda page: type_into(page, "scope-ai_step", AI_STEP))
            message = s.run(save)
            # The verdict is re-assessed after the message is set: it follows a moment later.
            after = s.run(lambda page: verdict(page, "scope.workflow", wait_for="met"))
            s.run(lambda page: page.locator(".wb-form .wb-verdict").scroll_into_view_if_needed())
            s.screenshot(shot)
        except Exception:
            # What the page showed when it went wrong (a dialog, a traceback...).
            with contextlib.suppress(Exception):
                s.screenshot(ARTIFACTS / "lab-form-failure.png")
            raise
        report = s.report()
        # The check below is not vacuous: the same session does record and block.
        probed = s.evaluate(PROBE, ELSEWHERE)
        probe_report = s.report()

    # Saved, and the file on disk holds what was typed.
    assert re.match(rf"Saved {re.escape(record.name)}\b", message), message
    saved = load_record(record)
    assert (saved.scope.workflow, saved.scope.ai_step) == (WORKFLOW, AI_STEP)
    assert saved.name == RECORD_NAME
    assert record.read_text().startswith("# Readiness record"), "the template's comments stay"

    # The live verdict under the form followed the save.
    headline_after = assess_file(record, catalogue, AS_OF).headline
    assert before == {"status": "missing", "headline": headline_before}
    assert after == {"status": "met", "headline": headline_after}
    assert headline_after != headline_before

    # Nothing but the server was asked for anything (WebSockets included).
    assert report.requests, "the session recorded the page's requests"
    assert {origin_of(u) for u in report.requests} == {lab.origin}
    assert report.blocked == []
    assert report.dialogs == []
    assert report.console_errors == []
    assert probed == ["failed", "failed", "closed"]
    assert probe_report.blocked == ELSEWHERE
    assert set(ELSEWHERE) <= set(probe_report.requests)

    # The repository's own records were not touched.
    assert DEFAULT_EXAMPLE.read_bytes() == example
    assert set((REPO / "data").rglob(".*.draft.json")) == drafts
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
