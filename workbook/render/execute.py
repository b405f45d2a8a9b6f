"""Run one notebook with papermill, in this process, keeping the failed output."""

from __future__ import annotations

import atexit
import contextlib
import copy
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import run_sync

from workbook.errors import NotebookFailed

KERNEL = "python3"


def describe_cell(nb: nbformat.NotebookNode, index: int) -> str:
    """``cell 12 (chapter 'Data and data gaps')``: where a failure happened, for humans."""
    from workbook.present.chapters import chapter as find

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


def _keep(nb: nbformat.NotebookNode, partial: Path) -> None:
    # The folder is made here, at failure time, and never removed by a worker:
    # another worker may be about to keep its own failure in it.
    partial.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, partial)


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
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            # papermill's own method, plus: a kernel we may have started ahead of
            # time (``km``), which we then also shut down, and saving on failure.
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.log import logger
            from papermill.utils import merge_kwargs, remove_args

            partial = Path(kwargs.pop("partial_path"))
            km = kwargs.pop("km", None)
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, km=km, **final)
            try:
                result = client.execute()
            except BaseException:
                _keep(nb_man.nb, partial)
                raise
            finally:
                if km is not None:  # not owned by nbclient: ours to close
                    if client.kc is not None:
                        client.kc.stop_channels()
                    with contextlib.suppress(Exception):
                        run_sync(km.shutdown_kernel)(now=True)
            if any(c.metadata.get("papermill", {}).get("exception") for c in nb_man.nb.cells):
                _keep(nb_man.nb, partial)
            return result

    papermill_engines.register(_ENGINE, SaveOnFailureEngine)


_SPARE: list[Any] = []
PRELOAD = "import workbook.present.notebook"


def _start_spare(kernel_name: str) -> None:
    """Launch the next kernel now, so it boots while this notebook runs (batch workers)."""
    if _SPARE:
        return
    km = socket_kernel_manager()(kernel_name=kernel_name)
    try:
        # The library is imported while the kernel boots, in otherwise idle time;
        # only the module name is in the namespace, never a record.
        run_sync(km.start_kernel)(extra_arguments=[f"--IPKernelApp.exec_lines={PRELOAD}"])
    except Exception:
        return  # no spare: the next notebook starts its own kernel as usual
    _SPARE.append(km)


def _close_spare() -> None:
    while _SPARE:
        with contextlib.suppress(Exception):
            run_sync(_SPARE.pop().shutdown_kernel)(now=True)


atexit.register(_close_spare)  # a no-op unless a batch worker left a spare kernel


def _take_spare() -> Any:
    while _SPARE:
        km = _SPARE.pop()
        if run_sync(km.is_alive)():
            return km
    return None


def run_notebook(
    nb: nbformat.NotebookNode,
    parameters: dict[str, Any],
    *,
    record: str | Path,
    partial: Path,
    timeout: float | None = None,
    kernel_name: str = KERNEL,
    prestart: bool = False,
) -> nbformat.NotebookNode:
    """Execute ``nb`` with ``parameters``; on failure keep it at ``partial`` and raise.

    With ``prestart`` (batch workers) the kernel for the *next* notebook is
    launched now and boots while this one runs.

    ``partial`` is only left behind when something failed: a raising cell, a
    cell over ``timeout`` seconds, a dead kernel or one that never started.
    """
    import papermill as pm  # 2 s to import: only when a notebook really runs

    # nbclient logs timeouts and kernel deaths itself; our one line says it better.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    _register_engine()
    km = _take_spare() if prestart else None
    if prestart:
        _start_spare(kernel_name)
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
            **({"km": km} if km is not None else {}),
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
    return executed


class ReusedKernel:
    """One kernel kept by a worker process for successive notebooks (opt-in).

    Between notebooks the user namespace is reset (every variable a notebook
    defined is gone), while imported modules stay loaded: that is the saving.
    After any failure the kernel is replaced, so a wedged kernel never serves
    the next record.
    """

    def __init__(self, kernel_name: str = KERNEL) -> None:
        self.kernel_name = kernel_name
        self.km: Any = None
        self.kc: Any = None

    def ensure(self) -> None:
        if self.km is not None and run_sync(self.km.is_alive)():
            return
        self.close()
        self.km = socket_kernel_manager()(kernel_name=self.kernel_name)
        run_sync(self.km.start_kernel)()
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=60)

    def reset(self) -> None:
        """Forget every name the previous notebook defined; keep the imports."""
        code = "get_ipython().reset(new_session=False)\nimport gc as _gc\n_gc.collect()\ndel _gc"
        reply = run_sync(self.kc.execute_interactive)(code, timeout=60, store_history=False)
        if reply["content"].get("status") != "ok":
            raise RuntimeError("the kernel could not be reset")

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):  # also removes its socket folder
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = self.kc = None


_REUSED: ReusedKernel | None = None


def reused_kernel() -> ReusedKernel:
    """This process's kernel for reuse, started on first use, closed at exit."""
    global _REUSED
    if _REUSED is None:
        _REUSED = ReusedKernel()
        atexit.register(_REUSED.close)
    return _REUSED


def run_in_reused_kernel(
    nb: nbformat.NotebookNode,
    parameters: dict[str, Any],
    *,
    record: str | Path,
    partial: Path,
    timeout: float | None = None,
) -> nbformat.NotebookNode:
    """Like ``run_notebook``, in this process's reused kernel, reset before the run."""
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    kernel = reused_kernel()
    nb = copy.deepcopy(nb)
    nb.metadata["papermill"] = {"parameters": {}, "environment_variables": {}}
    for cell in nb.cells:  # papermill's loader does this; parameterize relies on it
        cell.metadata.setdefault("tags", [])
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL, language="python")
    current = {"index": -1}

    def started(cell: Any, cell_index: int) -> None:
        current["index"] = cell_index

    try:
        kernel.ensure()
        kernel.reset()
        client = NotebookClient(
            nb, km=kernel.km, kernel_name=KERNEL, timeout=timeout, on_cell_start=started
        )
        client.kc = kernel.kc
        client.execute()
    except Exception as exc:
        kernel.close()  # never hand a kernel that failed to the next record
        _keep(nb, partial)
        where = describe_cell(nb, current["index"]) if current["index"] >= 0 else "kernel"
        name = getattr(exc, "ename", None) or type(exc).__name__
        value = getattr(exc, "evalue", None) or (str(exc).strip().splitlines() or [name])[0]
        raise NotebookFailed(f"{name}: {value}", path=record, cell=where, partial=partial) from None
    return nb
