"""After a save, every view a notebook shows is redrawn in place, in a real kernel.

An IPython kernel runs the cells a chapter notebook runs (``wb.cover()``, ``wb.status(...)``,
charts...), each shown as ``display_data`` with a display id. The record then changes on
disk and ``wb.refresh()`` runs (what a form's save calls): the kernel must send one
``update_display_data`` per shown view, to the same display id, with the new content.
The messages are read from the kernel's iopub channel, as JupyterLab reads them.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup

from workbook.model.scaffold import create_record
from workbook.paths import CHAPTER_NOTEBOOKS
from workbook.render.kernels import shut_down, start_kernel

pytestmark = pytest.mark.slow

AS_OF = "2026-11-23"
#: The cells of a chapter notebook whose views must follow the record (chapter 1's, plus
#: the verdict chapter's tables and charts).
CELLS = [
    "wb.cover()",
    'wb.chapter("stage")',
    'wb.status("stage")',
    "wb.blockers()",
    "wb.signoffs()",
    "wb.readiness_chart()",
    "wb.status_matrix()",
]
WORKFLOW = "Supplier onboarding: a buyer checks a new supplier's bank details and tax documents."
AI_STEP = "The assistant reads the uploaded documents and flags mismatches for the buyer."


class Kernel:
    """One IPython kernel; ``run`` executes a cell and returns its iopub messages."""

    def __init__(self) -> None:
        self.km = start_kernel()
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        reply = self.kc.execute_interactive(code, output_hook=messages.append, timeout=120)
        errors = [m["content"] for m in messages if m["msg_type"] == "error"]
        assert reply["content"]["status"] == "ok", errors
        return messages

    def close(self) -> None:
        self.kc.stop_channels()
        shut_down(self.km)


@pytest.fixture(scope="module")
def kernel():
    k = Kernel()
    yield k
    k.close()


def shown(messages: list[dict[str, Any]], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(display id, data) of each message of ``kind`` that carries a display id."""
    return [
        (m["content"]["transient"]["display_id"], m["content"]["data"])
        for m in messages
        if m["msg_type"] == kind and m["content"].get("transient", {}).get("display_id")
    ]


def workflow_status(html: str) -> str:
    """The status badge of scope.workflow in a status table's HTML."""
    rows = BeautifulSoup(html, "html.parser").select("tr")
    (row,) = [tr for tr in rows if [c.get_text() for c in tr.select("code")] == ["scope.workflow"]]
    return row.select_one(".wb-status").get_text(" ", strip=True)


def unmet(cover: str) -> int:
    """How many conditions the cover's headline says are not yet met."""
    (count,) = re.findall(r"(\d+) conditions? (?:is|are) not yet met", cover)
    return int(count)


def answer_workflow(path: Path) -> None:
    """Write the workflow and the AI step into the record, as a person editing the YAML."""
    text = path.read_text(encoding="utf-8")
    for key, value in (("workflow", WORKFLOW), ("ai_step", AI_STEP)):
        before = f"  {key}: null"
        assert text.count(before) == 1, f"the template writes {before!r} once"
        text = text.replace(before, f"  {key}: {json.dumps(value)}")
    path.write_text(text, encoding="utf-8")


def test_refresh_redraws_every_shown_view_with_the_record_on_disk(kernel, tmp_path):
    record = create_record("Live probe", tmp_path, "mvp")
    kernel.run(
        "from workbook.present.notebook import open_initiative\n"
        f"wb = open_initiative({str(record)!r}, {AS_OF!r})"
    )
    first: dict[str, dict[str, Any]] = {}
    for cell in CELLS:
        messages = kernel.run(cell)
        assert not [m for m in messages if m["msg_type"] == "execute_result"], cell
        (display,) = shown(messages, "display_data")  # one view per cell, under a display id
        first[display[0]] = display[1]
    assert len(first) == len(CELLS), "each view has its own display id"

    # A new record answers nothing: scope.workflow (kind field, fields scope.workflow and
    # scope.ai_step, no evidence asked) is missing; with both answered in five words or
    # more (the catalogue's min_description_words) it is met.
    (status_id,) = [i for i in first if i.endswith("-status-stage")]
    assert workflow_status(first[status_id]["text/html"]) == "✗ missing"

    answer_workflow(record)
    messages = kernel.run("wb.refresh()")
    updates = dict(shown(messages, "update_display_data"))
    assert sorted(updates) == sorted(first), "every shown view is updated, and only those"
    assert not shown(messages, "display_data"), "nothing is shown twice"
    assert workflow_status(updates[status_id]["text/html"]) == "✓ met"

    (cover_id,) = [i for i in first if i.endswith("-cover")]
    # The cover counts the next gate's unmet conditions: one fewer now (scope.workflow met,
    # nothing else changed).
    before = unmet(first[cover_id]["text/plain"])
    assert unmet(updates[cover_id]["text/plain"]) == before - 1
    (chapter_id,) = [i for i in first if i.endswith("-chapter-stage")]
    assert WORKFLOW not in first[chapter_id]["text/html"]
    assert WORKFLOW.split(":")[0] in updates[chapter_id]["text/html"]


def test_a_record_broken_on_disk_is_said_in_every_view(kernel, tmp_path):
    record = create_record("Broken probe", tmp_path, "mvp")
    kernel.run(
        "from workbook.present.notebook import open_initiative\n"
        f"wb = open_initiative({str(record)!r}, {AS_OF!r})"
    )
    ids = [shown(kernel.run(cell), "display_data")[0][0] for cell in CELLS[:3]]
    record.write_text("stage: [not, a, stage\n", encoding="utf-8")  # unreadable YAML
    updates = dict(shown(kernel.run("wb.refresh()"), "update_display_data"))
    assert sorted(updates) == sorted(ids)
    for data in updates.values():
        assert "cannot be assessed" in data["text/plain"], data["text/plain"]
        assert record.name in data["text/plain"]


#: Kernel-side helper: the widget of a CSS class inside a displayed widget tree.
FIND = """
def find(widget, css):
    if css in getattr(widget, "_dom_classes", ()):
        return widget
    for child in getattr(widget, "children", ()):
        found = find(child, css)
        if found is not None:
            return found
    return None
"""
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def create_from_the_form(kernel: Kernel, name: str) -> list[dict[str, Any]]:
    """Type a name into the new-initiative form shown as ``ni`` and press Create."""
    return kernel.run(
        f'find(ni.widget, "wb-new-name").value = {name!r}\n'
        'find(ni.widget, "wb-new-stage").value = "mvp"\n'
        'find(ni.widget, "wb-create").click()'
    )


def test_a_new_initiative_opens_in_the_notebook_views_and_form(kernel, tmp_path):
    records = tmp_path / "records"
    alpha = create_record("Alpha probe", records, "mvp")
    kernel.run(
        f"import os\nos.chdir({str(tmp_path)!r})\n{FIND}\n"
        "from workbook.present.notebook import open_initiative\n"
        f"wb = open_initiative({str(alpha)!r}, {AS_OF!r})"
    )
    first = {}
    for cell in ("wb.cover()", 'wb.status("stage")', 'wb.form("stage")'):
        ((display_id, data),) = shown(kernel.run(cell), "display_data")
        first[cell] = (display_id, data)
    kernel.run("ni = wb.new_initiative()\ndisplay(ni)")

    messages = create_from_the_form(kernel, "Beta probe")
    beta = records / "beta-probe.yaml"  # beside the open record: its folder is the default
    assert beta.is_file()
    updates = dict(shown(messages, "update_display_data"))
    assert sorted(updates) == sorted(i for i, _ in first.values())
    cover_id, cover = first["wb.cover()"]
    assert cover["text/plain"].startswith("Alpha probe (alpha-probe)")
    assert updates[cover_id]["text/plain"].startswith("Beta probe (beta-probe)")
    form_id, form = first['wb.form("stage")']
    # The form is rebuilt on the new record: a new widget where the old one was.
    assert updates[form_id][WIDGET_MIME]["model_id"] != form[WIDGET_MIME]["model_id"]
    said = kernel.run('print(find(ni.widget, "wb-switched").value)')
    text = "".join(m["content"]["text"] for m in said if m["msg_type"] == "stream")
    assert "beta-probe.yaml" in text and "Other notebooks still open" in text, text
    edits = kernel.run('print(wb.path.name, wb.form("stage").form.path.name)')
    assert "beta-probe.yaml beta-probe.yaml" in "".join(
        m["content"]["text"] for m in edits if m["msg_type"] == "stream"
    )


def test_without_ipython_a_view_is_its_content(tmp_path):
    # Plain Python, IPython not importable: a script or a terminal still gets the views'
    # text and HTML, and refresh (nothing was displayed) re-assesses without IPython.
    record = create_record("Plain probe", tmp_path, "mvp")
    answered = tmp_path / "answered.yaml"
    shutil.copy(record, answered)
    answer_workflow(answered)
    script = f"""
import shutil, sys
sys.modules["IPython"] = None  # any import of IPython now fails
from workbook.present.notebook import open_initiative
wb = open_initiative({str(record)!r}, {AS_OF!r})
view = wb.status("stage")
assert view._repr_html_() == view.html and repr(view) == view.text
print(repr(view).splitlines()[0])
shutil.copy({str(answered)!r}, {str(record)!r})
wb.refresh()
print(repr(wb.status("stage")).splitlines()[0])
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    # Chapter 1's first criterion (mvp gate), missing, then met once answered on disk.
    assert [line.split() for line in done.stdout.splitlines()] == [
        ["mvp", "scope.workflow", "missing"],
        ["mvp", "scope.workflow", "met"],
    ]


def initiative_path_of(notebook: Path) -> str:
    """The value the notebook's parameters cell gives ``initiative_path``."""
    nb = nbformat.read(notebook, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    (value,) = [
        ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["initiative_path"]
    ]
    return str(value)


def test_in_a_working_copy_a_new_initiative_opens_in_every_chapter(kernel, tmp_path):
    from workbook.present import lab

    records = tmp_path / "records"
    alpha = create_record("Alpha copy", records, "mvp")
    copy = lab.working_copy(alpha, folder=tmp_path / "copy")
    assert (copy / lab.MARKER).is_file()
    kernel.run(
        f"import os\nos.chdir({str(copy)!r})\n{FIND}\n"
        "from workbook.present.notebook import open_initiative\n"
        f"wb = open_initiative({str(alpha)!r}, {AS_OF!r})\n"
        "ni = wb.new_initiative()\ndisplay(ni)"
    )
    create_from_the_form(kernel, "Gamma probe")
    gamma = records / "gamma-probe.yaml"
    assert gamma.is_file()
    for name in CHAPTER_NOTEBOOKS.values():
        assert Path(initiative_path_of(copy / name)).resolve() == gamma.resolve(), name
    said = kernel.run('print(find(ni.widget, "wb-switched").value)')
    text = "".join(m["content"]["text"] for m in said if m["msg_type"] == "stream")
    assert "the other chapters of this working copy" in text, text
