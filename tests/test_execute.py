"""One execution path (papermill engine, kernel from a source): failures, kernels, sockets."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest
from jupyter_core.utils import run_sync
from nbformat.v4 import new_code_cell, new_notebook

from workbook.errors import KernelDidNotStart, NotebookFailed
from workbook.render.engine import quiet_papermill
from workbook.render.execute import run_notebook
from workbook.render.kernels import SocketKernelManager, SpareKernels, is_alive

pytestmark = pytest.mark.slow
BANNER_TAG = "papermill-error-cell-tag"  # papermill's tag for the cells of its error banner
#: With parameters papermill injects a cell after the one tagged "parameters": the cells run
#: are 1 parameters, 2 injected parameters, then the sources from cell 3 on.
PARAMS = {"greeting": "hello"}


def notebook(*sources: str, chapter: str = "data") -> nbformat.NotebookNode:
    """A parameters cell, then one cell per source, each tagged with ``chapter``."""
    params = new_code_cell("greeting = 'default'")
    params.metadata["tags"] = ["parameters"]
    cells = [params]
    for source in sources:
        cell = new_code_cell(source)
        cell.metadata["tags"] = [f"chapter:{chapter}"]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def outputs(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def pid_shown(nb: nbformat.NotebookNode) -> int:
    return int(outputs(nb).split("pid ")[1].split()[0])


def test_a_run_that_passes_writes_nothing_and_sees_its_parameters(tmp_path):
    partial = tmp_path / "failed" / "r.ipynb"
    done = run_notebook(
        notebook("print('hello', greeting)"),
        {"greeting": "world"},
        record="r.yaml",
        partial=partial,
    )
    assert "hello world" in outputs(done)
    assert not (tmp_path / "failed").exists()


def test_a_raising_cell_is_named_and_kept_with_papermill_banner(tmp_path):
    partial = tmp_path / "failed" / "r.ipynb"
    with pytest.raises(NotebookFailed) as failed:
        run_notebook(
            notebook("x = 1", "raise ValueError('no extract')"),
            PARAMS,
            record="r.yaml",
            partial=partial,
        )
    # Cells as run (see PARAMS): 3 is `x = 1`, 4 the raise.
    assert failed.value.line() == (
        "r.yaml: cell 4 (chapter 'Data and data gaps'): ValueError: no extract; "
        f"partial notebook kept at {partial}"
    )
    kept = nbformat.read(partial, as_version=4)
    # papermill's banner on top, its anchor just before the failed cell.
    assert BANNER_TAG in kept.cells[0].metadata["tags"]
    assert "An Exception was encountered" in kept.cells[0].source
    assert BANNER_TAG in kept.cells[4].metadata["tags"]
    assert kept.cells[5].source == "raise ValueError('no extract')"
    assert kept.cells[5].outputs[0]["ename"] == "ValueError"


def test_a_timeout_names_the_running_cell_and_stops_its_kernel(tmp_path):
    partial = tmp_path / "failed" / "r.ipynb"
    nb = notebook("import os; print('pid', os.getpid())", "import time; time.sleep(60)")
    with pytest.raises(NotebookFailed) as failed:
        run_notebook(nb, PARAMS, record="r.yaml", partial=partial, timeout=2)
    assert failed.value.cell == "cell 4 (chapter 'Data and data gaps')"
    assert not isinstance(failed.value, KernelDidNotStart), "a cell ran: not retried"
    assert "CellTimeoutError: " in failed.value.line()
    kept = nbformat.read(partial, as_version=4)
    with pytest.raises(ProcessLookupError):  # the kernel still sleeping was stopped
        os.kill(pid_shown(kept), 0)


def test_a_dead_kernel_is_named_and_kept(tmp_path):
    partial = tmp_path / "failed" / "r.ipynb"
    with pytest.raises(NotebookFailed) as failed:
        run_notebook(notebook("import os; os._exit(3)"), PARAMS, record="r.yaml", partial=partial)
    assert failed.value.cell == "cell 3 (chapter 'Data and data gaps')"
    assert not isinstance(failed.value, KernelDidNotStart), "a cell ran: not retried"
    assert "DeadKernelError: " in failed.value.line()
    assert failed.value.partial == partial and partial.is_file()


class NeverStarts:
    """A kernel source whose kernel never comes up."""

    def take(self) -> SocketKernelManager:
        raise RuntimeError("Kernel died before replying to kernel_info")

    def give_back(self, km: SocketKernelManager, *, failed: bool) -> None:
        raise AssertionError("nothing was taken")


def test_a_kernel_that_never_started_is_its_own_failure(tmp_path):
    partial = tmp_path / "failed" / "r.ipynb"
    with pytest.raises(KernelDidNotStart) as failed:
        run_notebook(notebook("1"), PARAMS, record="r.yaml", partial=partial, kernels=NeverStarts())
    assert isinstance(failed.value, NotebookFailed), "callers catching NotebookFailed see it"
    assert failed.value.cell == "kernel"
    assert failed.value.line() == (
        "r.yaml: kernel: RuntimeError: Kernel died before replying to kernel_info; "
        f"partial notebook kept at {partial}"
    )


def test_spare_kernel_boots_during_a_run_and_serves_the_next(tmp_path):
    spares = SpareKernels()
    nb = notebook("import os; print('pid', os.getpid())")
    try:
        first = run_notebook(
            nb, PARAMS, record="a.yaml", partial=tmp_path / "a.ipynb", kernels=spares
        )
        spare = spares.spare
        assert spare is not None and is_alive(spare), "started while the first notebook ran"
        second = run_notebook(
            nb, PARAMS, record="b.yaml", partial=tmp_path / "b.ipynb", kernels=spares
        )
        assert pid_shown(second) == spare.provisioner.pid != pid_shown(first)
        with pytest.raises(ProcessLookupError):  # the first kernel was stopped after its run
            os.kill(pid_shown(first), 0)
    finally:
        spares.close()
    assert not Path(spare.folder).exists(), "the socket folder went with the kernel"


def test_kernels_speak_over_unix_sockets_in_a_private_folder():
    spares = SpareKernels()
    km = spares.take()
    try:
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        assert km.transport == "ipc"
        ports = (km.shell_port, km.iopub_port, km.stdin_port, km.hb_port, km.control_port)
        assert sorted(p.name for p in Path(km.folder).iterdir()) == sorted(f"k-{n}" for n in ports)
        assert Path(km.folder).stat().st_mode & 0o777 == 0o700, "private to this user"
        # The channels are the socket files above; any TCP socket stays on loopback.
        inet = psutil.Process(km.provisioner.pid).net_connections(kind="inet")
        assert {c.laddr.ip for c in inet} <= {"127.0.0.1", "::1"}
    finally:
        spares.give_back(km, failed=False)
        spares.close()
    assert not Path(km.folder).exists()


# --- papermill's log: quiet only while our engine runs ----------------------------------


def test_importing_the_engine_leaves_papermills_log_alone():
    # A program that runs its own notebooks with papermill keeps papermill's log after
    # importing workbook's engine (a fresh process: nothing else touched the level).
    code = (
        "import logging; import workbook.render.engine; print(logging.getLogger('papermill').level)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == str(logging.NOTSET)


def test_papermills_log_is_quiet_during_a_run_and_restored_after():
    logger = logging.getLogger("papermill")
    before = logger.level
    logger.setLevel(logging.INFO)
    try:
        with quiet_papermill():
            assert logger.level == logging.CRITICAL
        assert logger.level == logging.INFO
        with pytest.raises(RuntimeError), quiet_papermill():
            raise RuntimeError("a failed run")
        assert logger.level == logging.INFO, "restored after a failure too"
    finally:
        logger.setLevel(before)


def test_a_run_restores_papermills_log_level(tmp_path):
    logger = logging.getLogger("papermill")
    before = logger.level
    logger.setLevel(logging.WARNING)
    try:
        run_notebook(notebook("1"), PARAMS, record="r.yaml", partial=tmp_path / "r.ipynb")
        assert logger.level == logging.WARNING
    finally:
        logger.setLevel(before)
