"""Where a notebook's kernel comes from: started for it, started ahead, or kept and reset.

The execution path is the same for every run (``execute.run_notebook``); only the
source of its kernel differs. A source hands out a started kernel (``take``) and
gets it back afterwards (``give_back``), told whether the run failed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Protocol

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

KERNEL = "python3"
#: Imported while a kernel boots, in otherwise idle time; only the module name lands
#: in the namespace, never a record.
PRELOAD = "import workbook.present.notebook"
# History in memory, as nbclient asks of the kernels it starts itself: parallel
# kernels then never contend for the user's IPython history database.
KERNEL_ARGUMENTS = ("--HistoryManager.hist_file=:memory:", f"--IPKernelApp.exec_lines={PRELOAD}")
# Every name a notebook defined goes; imported modules stay loaded (the saving).
RESET = "get_ipython().reset(new_session=False)\nimport gc as _gc\n_gc.collect()\ndel _gc"


class SocketKernelManager(AsyncKernelManager):
    """A kernel speaking over Unix sockets in a private folder, which goes with the kernel.

    Sockets need no free TCP port (no races between parallel workers) and keep
    the kernel's traffic off the network. The kernel's own stderr (shutdown
    chatter, tracebacks already in the notebook) is kept off the terminal. The
    manager remembers the clients made for it, so whoever gets the kernel back
    can close them: nbclient leaves open the client of a kernel it was handed.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = tempfile.mkdtemp(prefix="workbook-kernel-")
        self._clients: list[AsyncKernelClient] = []
        if os.name != "nt":  # Windows has no Unix sockets: stay on loopback TCP
            self.transport = "ipc"
            self.ip = str(Path(self.folder) / "k")

    def client(self, **kwargs: Any) -> AsyncKernelClient:  # type: ignore[override]
        kc = super().client(**kwargs)
        self._clients.append(kc)
        return kc

    def close_clients(self) -> None:
        """Stop the channels of every client made for this kernel; the kernel runs on."""
        while self._clients:
            self._clients.pop().stop_channels()

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> Any:
        kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.folder, ignore_errors=True)

    # AsyncKernelManager binds the base class's coroutine to this name, not ours.
    cleanup_resources = _async_cleanup_resources


def start_kernel(kernel_name: str = KERNEL) -> SocketKernelManager:
    """Launch a kernel; it boots on its own while the caller goes on."""
    km = SocketKernelManager(kernel_name=kernel_name)
    try:
        run_sync(km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS))
    except BaseException:
        shutil.rmtree(km.folder, ignore_errors=True)
        raise
    return km


def is_alive(km: SocketKernelManager) -> bool:
    return bool(run_sync(km.is_alive)())


def shut_down(km: SocketKernelManager) -> None:
    """Close the kernel's clients, stop it and remove its socket folder."""
    km.close_clients()
    with contextlib.suppress(Exception):  # a dead kernel has nothing left to stop
        run_sync(km.shutdown_kernel)(now=True)
    shutil.rmtree(km.folder, ignore_errors=True)


class Kernels(Protocol):
    """A source of kernels for notebook runs."""

    def take(self) -> SocketKernelManager:
        """A started kernel, ready for one notebook."""
        ...

    def give_back(self, km: SocketKernelManager, *, failed: bool) -> None:
        """The kernel after its notebook ran; ``failed`` if anything went wrong."""
        ...


class FreshKernels:
    """One kernel started for each notebook and stopped after it (the default)."""

    def take(self) -> SocketKernelManager:
        return start_kernel()

    def give_back(self, km: SocketKernelManager, *, failed: bool) -> None:
        shut_down(km)


class SpareKernels:
    """Batch workers: the next notebook's kernel boots while this one runs."""

    def __init__(self) -> None:
        self.spare: SocketKernelManager | None = None

    def take(self) -> SocketKernelManager:
        km, self.spare = self.spare, None
        if km is not None and not is_alive(km):
            shut_down(km)
            km = None
        if km is None:
            km = start_kernel()
        try:
            self.spare = start_kernel()
        except Exception:
            self.spare = None  # no spare: the next notebook starts its own kernel
        return km

    def give_back(self, km: SocketKernelManager, *, failed: bool) -> None:
        shut_down(km)

    def close(self) -> None:
        if self.spare is not None:
            shut_down(self.spare)
            self.spare = None


class KeptKernel:
    """One kernel kept for successive notebooks (the batch default), reset before each.

    Between notebooks every name a notebook defined is gone, while imported
    modules stay loaded: that is the saving. After any failure the kernel is
    replaced, so a wedged kernel never serves the next record.
    """

    def __init__(self) -> None:
        self.km: SocketKernelManager | None = None

    def take(self) -> SocketKernelManager:
        try:
            if self.km is None or not is_alive(self.km):
                self.close()
                self.km = start_kernel()
            self._reset(self.km)
        except BaseException:
            self.close()
            raise
        return self.km

    def give_back(self, km: SocketKernelManager, *, failed: bool) -> None:
        if failed:
            self.close()
        else:
            km.close_clients()

    def boot(self) -> None:
        """Start the kernel now (a worker warming up while the run plans), not at first use."""
        if self.km is None:
            self.km = start_kernel()

    def close(self) -> None:
        if self.km is not None:
            shut_down(self.km)
        self.km = None

    @staticmethod
    def _reset(km: SocketKernelManager) -> None:
        kc = km.client()
        try:
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=60)
            reply = run_sync(kc.execute_interactive)(RESET, timeout=60, store_history=False)
        finally:
            km.close_clients()
        if reply["content"].get("status") != "ok":
            raise RuntimeError("the kernel could not be reset")


FRESH = FreshKernels()
_SPARE: SpareKernels | None = None
_KEPT: KeptKernel | None = None


def spare_kernels() -> SpareKernels:
    """This process's kernels started ahead, the spare one stopped at exit."""
    global _SPARE
    if _SPARE is None:
        _SPARE = SpareKernels()
        atexit.register(_SPARE.close)
    return _SPARE


def kept_kernel() -> KeptKernel:
    """This process's kernel for reuse, started on first use, stopped at exit."""
    global _KEPT
    if _KEPT is None:
        _KEPT = KeptKernel()
        atexit.register(_KEPT.close)
    return _KEPT
