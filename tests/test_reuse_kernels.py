"""--reuse-kernels: one runner serves successive dossiers, and nothing leaks between them.

The runner is the worker's own shell (``inprocess``) on the main thread, or a kernel kept
and reset (a Dask worker's thread): both are checked, the second by marking this thread
unusable for the first.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import EXAMPLES
from workbook.errors import NotebookFailed
from workbook.paths import NOTEBOOKS
from workbook.render import inprocess
from workbook.render.dossier import write_dossier

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 11, 23)
PROBE = (
    "import os\n"
    "print('kernel pid', os.getpid())\n"
    "print('shell', id(get_ipython()))\n"
    "print('left behind:', sorted(k for k in globals() if k.startswith('marker_')))\n"
    "globals()['marker_' + wb.record.id.replace('-', '_')] = 1\n"
    "if wb.record.id == 'sales-forecast-narrative': raise RuntimeError('boom for this record only')"
)


@pytest.fixture(params=["own shell", "kept kernel"])
def runner(request, monkeypatch) -> str:
    if request.param == "kept kernel":
        monkeypatch.setattr(inprocess, "usable", lambda: False)
    return request.param


@pytest.fixture(scope="module")
def probe_notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(NOTEBOOKS, folder, dirs_exist_ok=True)
    chapter = folder / "01-stage-and-boundaries.ipynb"
    nb = nbformat.read(chapter, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    nbformat.write(nb, chapter)
    return folder


def shown(html: Path, label: str) -> str:
    return re.search(rf"{label} ([^\n<]*)", html.read_text()).group(1)


def test_successive_dossiers_share_a_runner_but_no_names(tmp_path, probe_notebooks, runner):
    first, second = (
        write_dossier(
            EXAMPLES / f"{rid}.yaml",
            tmp_path,
            as_of=AS_OF,
            notebooks=probe_notebooks,
            reuse_kernel=True,
        )
        for rid in ("claims-triage", "invoice-coding")
    )
    assert shown(first, "kernel pid") == shown(second, "kernel pid"), "the kernel was reused"
    assert shown(first, "shell") == shown(second, "shell"), "the shell was reused"
    assert shown(second, "left behind:") == "[]", "the first record's names were reset"
    assert "claims-triage" not in second.read_text()


def test_a_failure_replaces_the_runner_and_the_next_record_is_clean(
    tmp_path, probe_notebooks, runner
):
    before = write_dossier(
        EXAMPLES / "it-ticket-routing.yaml",
        tmp_path,
        as_of=AS_OF,
        notebooks=probe_notebooks,
        reuse_kernel=True,
    )
    with pytest.raises(NotebookFailed) as failed:
        write_dossier(
            EXAMPLES / "sales-forecast-narrative.yaml",
            tmp_path,
            as_of=AS_OF,
            notebooks=probe_notebooks,
            reuse_kernel=True,
        )
    assert (
        "(chapter 'Stage and boundaries'): RuntimeError: boom for this record only"
        in failed.value.line()
    )
    assert (tmp_path / "failed" / "sales-forecast-narrative.ipynb").exists()
    after = write_dossier(
        EXAMPLES / "kyc-document-check.yaml",
        tmp_path,
        as_of=AS_OF,
        notebooks=probe_notebooks,
        reuse_kernel=True,
    )
    # A kept kernel is another process, replaced; the own shell is replaced in this one.
    changed = "shell" if runner == "own shell" else "kernel pid"
    assert shown(after, changed) != shown(before, changed), "a failed one never serves the next"
    assert shown(after, "left behind:") == "[]"
