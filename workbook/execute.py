"""Run one notebook with papermill, in this process, keeping the failed output."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import run_sync

from workbook.errors import WorkbookError

KERNEL = "python3"


class NotebookFailed(WorkbookError):
    """A cell raised, timed out or the kernel died; the partial notebook was kept."""

    def __init__(self, problem: str, *, path: str | Path, cell: str, partial: Path | None) -> None:
        self.cell = cell
        self.partial = partial
        kept = f"; partial notebook kept at {partial}" if partial else ""
        super().__init__(f"{cell}: {problem}{kept}", path=path)


def describe_cell(nb: nbformat.NotebookNode, index: int) -> str:
    """``cell 12 (chapter 'Data and data gaps')``: where a failure happened, for humans."""
    from workbook.chapters import chapter as find

    tags = nb.cells[index].get("metadata", {}).get("tags", []) if 0 <= index < len(nb.cells) else []
    key = next((t.removeprefix("chapter:") for t in tags if t.startswith("chapter:")), None)
    return f"cell {index + 1}" + (f" (chapter '{find(key).title}')" if key else "")


def running_cell(nb: nbformat.NotebookNode) -> int:
    """Where a run stopped: the last cell papermill started (-1 if none).

    papermill marks every cell completed when it saves after a timeout, but only
    cells that actually ran carry a start time.
    """
    started = [
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return started[-1] if started else -1


def socket_kernel_manager() -> type:
    """An nbclient kernel manager speaking over Unix sockets in a private folder.

    Sockets need no free TCP port (no races between parallel workers) and keep
    the kernel's traffic off the network; the folder goes with the kernel.
    nbclient creates, and so also cleans up, the manager and its channels.
    The kernel's own stderr (shutdown chatter, tracebacks already in the
    notebook) is kept off the terminal.
    """
    from jupyter_client.manager import AsyncKernelManager

    class SocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._folder = tempfile.mkdtemp(prefix="workbook-kernel-")
            if os.name != "nt":  # Windows has no Unix sockets: stay on loopback TCP
                self.transport = "ipc"
                self.ip = str(Path(self._folder) / "k")

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> Any:
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart)
            if not restart:
                shutil.rmtree(self._folder, ignore_errors=True)

        cleanup_resources = run_sync(_async_cleanup_resources)

    return SocketKernelManager


_ENGINE = "workbook"


def _register_engine() -> None:
    """A papermill engine that saves the notebook only when something failed.

    papermill's own engine rewrites the whole notebook at every cell start and
    end when asked to keep a partial copy: a second of CPU per dossier spent on
    JSON. Ours saves once, and only for a failed run (a raising cell, a timeout,
    a dead kernel), so the partial notebook is still there when it matters.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    if _ENGINE in papermill_engines._engines:
        return

    class SaveOnFailureEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            partial = kwargs.pop("partial_path")
            try:
                result = super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except BaseException:
                nbformat.write(nb_man.nb, partial)
                raise
            if any(c.metadata.get("papermill", {}).get("exception") for c in nb_man.nb.cells):
                nbformat.write(nb_man.nb, partial)
            return result

    papermill_engines.register(_ENGINE, SaveOnFailureEngine)


def run_notebook(
    nb: nbformat.NotebookNode,
    parameters: dict[str, Any],
    *,
    record: str | Path,
    partial: Path,
    timeout: float | None = None,
    kernel_name: str = KERNEL,
) -> nbformat.NotebookNode:
    """Execute ``nb`` with ``parameters``; on failure keep it at ``partial`` and raise.

    ``partial`` is only left behind when something failed: a raising cell, a
    cell over ``timeout`` seconds, a dead kernel or one that never started.
    """
    import papermill as pm  # 2 s to import: only when a notebook really runs

    # nbclient logs timeouts and kernel deaths itself; our one line says it better.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    _register_engine()
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        executed = pm.execute_notebook(
            nb,
            None,  # nothing is written on success; the engine keeps failures at `partial`
            parameters=parameters,
            engine_name=_ENGINE,
            partial_path=str(partial),
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            kernel_manager_class=socket_kernel_manager(),
        )
    except pm.PapermillExecutionError as exc:
        failed = nbformat.read(partial, as_version=4)
        cell = describe_cell(failed, exc.cell_index)
        raise NotebookFailed(
            f"{exc.ename}: {exc.evalue}", path=record, cell=cell, partial=partial
        ) from None
    except Exception as exc:  # timeouts, dead kernels, kernels that never started
        kind = type(exc).__name__
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        where = "kernel"
        if partial.exists():
            saved = nbformat.read(partial, as_version=4)
            index = running_cell(saved)
            where = describe_cell(saved, index) if index >= 0 else where
        kept = partial if partial.exists() else None
        raise NotebookFailed(f"{kind}: {first}", path=record, cell=where, partial=kept) from None
    partial.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the folder goes too, unless other failures are in it
        partial.parent.rmdir()
    return executed
