"""Run one notebook with papermill, in this process, keeping the failed output."""

from __future__ import annotations

import shutil
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
    tags = nb.cells[index].get("metadata", {}).get("tags", []) if 0 <= index < len(nb.cells) else []
    from workbook.chapters import chapter as find

    key = next((t.removeprefix("chapter:") for t in tags if t.startswith("chapter:")), None)
    return f"cell {index + 1}" + (f" (chapter '{find(key).title}')" if key else "")


def _socket_kernel_manager() -> type:
    """An nbclient kernel manager speaking over Unix sockets in a private folder.

    Sockets need no free TCP port (no races between parallel workers), keep
    the kernel's traffic off the network, and the folder goes with the kernel.
    nbclient creates and so also cleans up the manager and its channels.
    """
    from jupyter_client.manager import AsyncKernelManager

    class SocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._folder = tempfile.mkdtemp(prefix="workbook-kernel-")
            self.transport = "ipc"
            self.ip = str(Path(self._folder) / "k")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart)
            if not restart:
                shutil.rmtree(self._folder, ignore_errors=True)

        cleanup_resources = run_sync(_async_cleanup_resources)

    return SocketKernelManager


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

    ``partial`` is only left behind when something failed.
    """
    import papermill as pm  # 2 s to import: only when a notebook really runs

    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        executed = pm.execute_notebook(
            nb,
            str(partial),
            parameters=parameters,
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            kernel_manager_class=_socket_kernel_manager(),
        )
    except pm.PapermillExecutionError as exc:
        # papermill saved the notebook with the error; point at the failing cell.
        failed = nbformat.read(partial, as_version=4)
        cell = describe_cell(failed, exc.cell_index)
        raise NotebookFailed(
            f"{exc.ename}: {exc.evalue}", path=record, cell=cell, partial=partial
        ) from None
    except Exception as exc:  # timeouts, dead kernels, kernels that never started
        kind = type(exc).__name__
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        raise NotebookFailed(
            f"{kind}: {message}",
            path=record,
            cell="kernel",
            partial=partial if partial.exists() else None,
        ) from None
    partial.unlink(missing_ok=True)
    return executed
