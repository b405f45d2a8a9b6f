"""A notebook run in this process's own shell reads exactly like one run on a Jupyter kernel.

Every expectation here is what a real kernel (ipykernel through nbclient, papermill's own
path) produced for the same notebook, run side by side, or what the issue states.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from test_execute import PARAMS, notebook

from conftest import EXAMPLES
from workbook.errors import KernelDidNotStart, NotebookFailed
from workbook.render import dossier, inprocess
from workbook.render.execute import run_notebook
from workbook.render.kernels import KeptKernel

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 11, 23)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: Cells whose outputs a kernel builds in every way a notebook shows something.
SHOWING = (
    "print('a'); print('b')",  # one stream output, not two
    "import sys\nsys.stderr.write('warn\\n')",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>hi</b>'))",
    "6 * 7",  # an execute_result, numbered like its cell
    "{'a': [1, 2.5, None]}",
    "handle = display(HTML('<i>1</i>'), display_id='d')",
    "handle.update(HTML('<i>2</i>'))",  # changes the output of the cell above
    "x = 1;",  # nothing shown
)


def shown(nb: nbformat.NotebookNode) -> list[tuple]:
    """Per code cell: its number and what it shows (everything but timing metadata)."""
    return [
        (
            cell.execution_count,
            [
                tuple(
                    o.get(k)
                    for k in ("output_type", "name", "text", "data", "metadata", "execution_count")
                )
                for o in cell.outputs
            ],
        )
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def in_process_run(nb: nbformat.NotebookNode, tmp_path: Path, **kw) -> nbformat.NotebookNode:
    return run_notebook(
        nb,
        PARAMS,
        record="r.yaml",
        partial=tmp_path / "r.ipynb",
        kernels=inprocess.in_process(),
        **kw,
    )


def test_every_kind_of_output_is_what_a_kernel_makes(tmp_path):
    nb = notebook(*SHOWING)
    kernel = run_notebook(nb, PARAMS, record="r.yaml", partial=tmp_path / "k.ipynb")
    here = in_process_run(nb, tmp_path)
    assert shown(here) == shown(kernel)
    # And what that is, by hand: cells 1 and 2 are the parameters, 3 on the sources above.
    cells = shown(here)
    assert [n for n, _ in cells] == list(range(1, len(SHOWING) + 3))
    assert cells[2][1] == [("stream", "stdout", "a\nb\n", None, None, None)]
    assert cells[3][1] == [  # write() returns the 5 characters written: the cell's value
        ("stream", "stderr", "warn\n", None, None, None),
        ("execute_result", None, None, {"text/plain": "5"}, {}, 4),
    ]
    assert cells[5][1][0][3] == {"text/plain": "42"} and cells[5][1][0][5] == 6
    assert cells[7][1][0][3]["text/html"] == "<i>2</i>", "updated in place"
    assert cells[8][1] == [] and cells[9][1] == []
    # papermill's stamps on every cell, as on a kernel's run.
    assert all(c.metadata.papermill.status == "completed" for c in here.cells)
    assert here.metadata.language_info == kernel.metadata.language_info


def test_a_raising_cell_fails_as_on_a_kernel(tmp_path):
    nb = notebook("x = 1", "raise ValueError('no extract')")
    lines, kept = [], []
    for where, source in (("k", None), ("p", inprocess.in_process())):
        partial = tmp_path / where / "r.ipynb"
        with pytest.raises(NotebookFailed) as failed:
            run_notebook(nb, PARAMS, record="r.yaml", partial=partial, kernels=source)
        lines.append(failed.value.line().removesuffix(f"; partial notebook kept at {partial}"))
        kept.append(nbformat.read(partial, as_version=4))
    assert lines == ["r.yaml: cell 4 (chapter 'Data and data gaps'): ValueError: no extract"] * 2
    # The kept notebooks: papermill's banner, the error output, cell for cell the same.
    assert [c.source for c in kept[1].cells] == [c.source for c in kept[0].cells]
    errors = [[o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
              for nb in kept]  # fmt: skip
    assert [(e.ename, e.evalue) for e in errors[1]] == [(e.ename, e.evalue) for e in errors[0]]
    traceback = ANSI.sub("", "\n".join(errors[1][0].traceback))
    assert "raise ValueError('no extract')" in traceback


def test_streams_keep_their_order_within_a_cell(tmp_path):
    # A kernel sends each stream in buffered chunks, so how stdout and stderr interleave
    # depends on timing there; here they stay in the order the cell wrote them.
    cell = "import sys\nprint('x'); sys.stderr.write('warn\\n'); print('y'); print('z')"
    ran = in_process_run(notebook(cell), tmp_path).cells[2].outputs
    assert [(o.name, o.text) for o in ran] == [
        ("stdout", "x\n"),
        ("stderr", "warn\n"),
        ("stdout", "y\nz\n"),
    ]


def test_names_are_gone_between_notebooks_and_numbers_start_again(tmp_path):
    in_process_run(notebook("leftover = 1", "import json"), tmp_path)
    after = in_process_run(
        notebook("print(sorted(k for k in ('leftover', 'json', 'greeting') if k in globals()))"),
        tmp_path,
    )
    assert after.cells[2].outputs[0].text == "['greeting']\n"  # the parameter, nothing else
    assert [c.execution_count for c in after.cells] == [1, 2, 3]


def test_a_failure_replaces_the_shell(tmp_path):
    probe = "print(id(get_ipython()))"
    first = in_process_run(notebook(probe), tmp_path).cells[2].outputs[0].text
    with pytest.raises(NotebookFailed):
        in_process_run(notebook("broken = 1", "1 / 0"), tmp_path)
    second = in_process_run(notebook(probe, "print('broken' in globals())"), tmp_path)
    assert second.cells[2].outputs[0].text != first
    assert second.cells[3].outputs[0].text == "False\n"


def test_a_cell_over_the_timeout_is_stopped_even_when_it_catches_everything(tmp_path):
    stubborn = (
        "import time\ntry:\n    time.sleep(60)\nexcept Exception:\n    pass\nprint('went on')"
    )
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(NotebookFailed) as failed:
        in_process_run(notebook("print('ran')", stubborn), tmp_path, timeout=1)
    assert time.monotonic() - start < 10, "stopped after 1 s, not after 60"
    assert not isinstance(failed.value, KernelDidNotStart), "a cell ran: not retried"
    assert failed.value.cell == "cell 4 (chapter 'Data and data gaps')"
    assert "CellTimeoutError: A cell timed out while it was being executed, after 1 seconds" in (
        failed.value.line()
    )
    kept = nbformat.read(tmp_path / "r.ipynb", as_version=4)
    assert "went on" not in str(kept.cells[3].outputs)
    assert (
        signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    # The next notebook runs, in a fresh shell, with time to spare.
    assert in_process_run(notebook("print('next')"), tmp_path, timeout=5).cells[2].outputs


def test_the_process_keeps_its_main_module_streams_and_hooks(tmp_path):
    saved = sys.modules["__main__"], sys.stdout, sys.stderr, sys.stdin, sys.displayhook
    in_process_run(notebook("print('out')", "import sys; sys.stderr.write('err')", "1"), tmp_path)
    assert (sys.modules["__main__"], sys.stdout, sys.stderr, sys.stdin, sys.displayhook) == saved


def test_a_cell_asking_for_input_fails_at_once(tmp_path):
    start = time.monotonic()
    with pytest.raises(NotebookFailed) as failed:
        in_process_run(notebook("input('name? ')"), tmp_path, timeout=30)
    assert "EOFError" in failed.value.line() and time.monotonic() - start < 10


def test_where_it_cannot_stop_a_cell_or_would_share_a_shell_a_kernel_runs_it():
    assert inprocess.usable()
    assert dossier._kernels(reuse=True, prestart=False) is inprocess.in_process()
    seen = []
    thread = threading.Thread(
        target=lambda: seen.append((inprocess.usable(), dossier._kernels(True, False)))
    )
    thread.start()
    thread.join()
    assert seen[0][0] is False and isinstance(seen[0][1], KeptKernel)
    # A process with an IPython shell of its own (a notebook calling write_dossier).
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance()\n"
        "from workbook.render import inprocess\n"
        "print(inprocess.usable())"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


# --- the dossier itself ------------------------------------------------------------------


#: The two things of a page that differ from one run to the next whatever runs it: the
#: time it was made (appendix) and the nonce, which is a digest of the page's content.
def _today() -> str:
    now = dt.datetime.now(dt.UTC)
    days = {now.date(), (now - dt.timedelta(hours=1)).date()}  # a run across midnight
    return "|".join(sorted(d.isoformat() for d in days))


MADE_AT = re.compile(rf"(?:{_today()}) \d\d:\d\d UTC")
NONCE = re.compile(r"nonce-?[=\"]?[A-Za-z0-9_-]{24}")


def comparable(page: Path) -> str:
    return NONCE.sub("nonce", MADE_AT.sub("made", page.read_text()))


@pytest.mark.parametrize("record_id", ["claims-triage", "it-ticket-routing"])
def test_a_dossier_page_is_the_same_as_from_a_kernel(tmp_path, record_id):
    record = EXAMPLES / f"{record_id}.yaml"
    on_kernel = dossier.write_dossier(record, tmp_path / "kernel", as_of=AS_OF)
    here = dossier.write_dossier(record, tmp_path / "here", as_of=AS_OF, reuse_kernel=True)
    assert comparable(here) == comparable(on_kernel)
    assert len(MADE_AT.findall(here.read_text())) == 1, "only the appendix's time was masked"


def test_a_worker_skips_the_optional_iri_grammar_and_still_validates_notebooks():
    # What a worker's start does before its first import of nbformat (executors.start_worker).
    code = (
        "import sys, time\n"
        "from workbook.render import lighter_imports\n"
        "lighter_imports()\n"
        "import nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "bad = nbformat.v4.new_notebook(); bad.cells.append({'cell_type': 'nope'})\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "except nbformat.ValidationError:\n"
        "    print('refused')\n"
        "print(sys.modules.get('rfc3987_syntax'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["refused", "None"]
