"""A notebook run in this process's own IPython shell: a kernel without the messages.

A batch worker renders dossier after dossier from one long-lived process. Through a
Jupyter kernel each of a dossier's 54 cells costs a request, a reply and a stream of
output messages (about half a second a dossier, four times what its cells compute);
here the worker's own IPython shell runs them, as ipykernel's shell would, and what
they display becomes the cells' outputs directly.

It is a papermill engine (``workbook-inprocess``): papermill still parameterises the
notebook, stamps every cell's timing and status, and raises for a failed cell, so a
notebook run here reads exactly like one run on a kernel (tests/test_inprocess.py
compares the two pages). Before each notebook the shell forgets every name the last
one defined; after any failure it is replaced. Imported modules stay loaded: that is
the saving, as with a kept kernel.

Used only where it can honour a cell timeout (the main thread: a timer signal stops a
cell) and where no other IPython shell lives in the process (inside Jupyter the
caller's own shell is left alone); anywhere else a kernel runs the notebook.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_default
from nbclient.exceptions import CellTimeoutError
from nbformat.v4 import new_output
from papermill.engines import Engine, NotebookExecutionManager, papermill_engines
from traitlets import Any as AnyTrait
from traitlets.config import Config

INPROCESS_ENGINE = "workbook-inprocess"


def _as_json(value: Any) -> Any:
    """What a value looks like after a kernel's message carried it (JSON, as jupyter_client
    packs it): an in-process output holds the same plain types as a kernel's."""
    return json.loads(json.dumps(value, default=json_default, ensure_ascii=False))


class _Sink:
    """The outputs of the cell being run, as nbclient would have built them."""

    def __init__(self) -> None:
        self.outputs: list[nbformat.NotebookNode] = []
        # display_id -> the outputs showing it, for update_display (across cells too).
        self.displays: dict[str, list[nbformat.NotebookNode]] = {}

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text  # nbclient's coalescing: one output per run of one stream
        else:
            self.outputs.append(new_output("stream", name=name, text=text))

    def display(self, data: dict, metadata: dict, transient: dict, update: bool) -> None:
        data, metadata = _as_json(data), _as_json(metadata)
        display_id = transient.get("display_id")
        if update:
            for shown in self.displays.get(display_id, []) if display_id else []:
                shown.data, shown.metadata = data, metadata
            return
        output = new_output("display_data", data=data, metadata=metadata)
        self.outputs.append(output)
        if display_id:
            self.displays.setdefault(display_id, []).append(output)

    def result(self, count: int, data: dict, metadata: dict) -> None:
        self.outputs.append(
            new_output(
                "execute_result",
                data=_as_json(data),
                metadata=_as_json(metadata),
                execution_count=count,
            )
        )

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        self.outputs.append(new_output("error", ename=ename, evalue=evalue, traceback=traceback))


class _Stream(io.TextIOBase):
    """sys.stdout or sys.stderr while a cell runs: its text becomes stream outputs."""

    def __init__(self, sink: _Sink, name: str) -> None:
        self.sink, self.name = sink, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.sink.stream(self.name, text)
        return len(text)


class _Publisher(DisplayPublisher):
    """``display()``: a display_data output (ipykernel's publisher, minus the socket)."""

    sink = AnyTrait()

    def publish(
        self,
        data: dict,
        metadata: dict | None = None,
        source: Any = None,
        *,
        transient: dict | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        self.sink.display(data, metadata or {}, transient or {}, update)

    def clear_output(self, wait: bool = False) -> None:
        self.sink.outputs.clear()


class _ResultHook(DisplayHook):
    """A cell's last expression: an execute_result output (ipykernel's display hook)."""

    sink = AnyTrait()

    def start_displayhook(self) -> None:
        self._data: dict = {}
        self._metadata: dict = {}

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
        self._data, self._metadata = format_dict, md_dict or {}

    def finish_displayhook(self) -> None:
        if self._data:
            self.sink.result(self.prompt_count, self._data, self._metadata)


class _Shell(InteractiveShell):
    """The worker's shell: outputs to a sink, history in memory, ``__main__`` left alone."""

    def __init__(self, sink: _Sink, ipython_dir: str) -> None:
        self.sink = sink
        config = Config()
        config.HistoryManager.enabled = False  # no database, no saving thread
        super().__init__(ipython_dir=ipython_dir, config=config)
        self.display_pub = _Publisher(shell=self, parent=self, sink=sink)
        self.displayhook = _ResultHook(shell=self, parent=self, sink=sink, cache_size=0)
        self.display_trap.hook = self.displayhook

    def init_sys_modules(self) -> None:
        # A batch worker's __main__ stays its own: a notebook's names live in user_ns.
        pass

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        # ipykernel's shell sends this as an error message; it becomes the error output.
        self.sink.error(etype.__name__, str(evalue), stb)


class _Stopped(BaseException):
    """Raised into a cell at its timeout; a BaseException, so ``except Exception`` in a
    cell cannot swallow it. The cell's error output names it as nbclient does."""


_Stopped.__name__ = _Stopped.__qualname__ = "CellTimeoutError"


def usable() -> bool:
    """Whether a notebook can run here: the main thread (a timer signal stops a cell)
    and no IPython shell of someone else's in this process."""
    if threading.current_thread() is not threading.main_thread():
        return False
    return not InteractiveShell.initialized() or isinstance(InteractiveShell.instance(), _Shell)


class InProcessShell:
    """This process's shell for successive notebooks; replaced after any failure."""

    engine = INPROCESS_ENGINE

    def __init__(self) -> None:
        self.sink = _Sink()
        self._shell: _Shell | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def take(self) -> _Shell:
        """The shell, every name of the last notebook gone and counting from 1 again."""
        if self._shell is None:
            # Its own IPython folder: a user's profile, config and startup files stay out.
            self._folder = tempfile.TemporaryDirectory(prefix="workbook-ipython-")
            self._shell = _Shell.instance(sink=self.sink, ipython_dir=self._folder.name)
        else:
            self._shell.reset(new_session=True)
        self.sink.displays.clear()
        return self._shell

    def warm(self) -> None:
        """Make the shell and import what every dossier's first cell imports, ahead."""
        from workbook.render.kernels import PRELOAD

        self.take().run_cell(PRELOAD, store_history=False)
        import workbook.present.charts
        import workbook.present.measured  # noqa: F401

    def give_back(self, shell: _Shell, *, failed: bool) -> None:
        if failed:
            self.close()

    def close(self) -> None:
        if self._shell is not None:
            with contextlib.suppress(Exception):
                self._shell.cleanup()  # what a shell keeps open (its history database...)
            _Shell.clear_instance()
            self._shell = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def run_cell(self, shell: _Shell, cell: nbformat.NotebookNode, timeout: int | None) -> bool:
        """Run one code cell into its outputs; False when it raised.

        Raises nbclient's ``CellTimeoutError`` when it ran over ``timeout`` seconds.
        """
        sink = self.sink
        sink.outputs = cell.outputs = []
        cell.execution_count = shell.execution_count
        with _redirected(sink), _stopped_after(timeout) as stopped:
            result = shell.run_cell(cell.source, store_history=True)
        cell.outputs = sink.outputs
        if stopped.is_set():
            raise CellTimeoutError(
                f"A cell timed out while it was being executed, after {timeout} seconds."
            )
        return result.success


@contextlib.contextmanager
def _redirected(sink: _Sink) -> Iterator[None]:
    """A cell's prints become its outputs; it reads an empty stdin, as in a headless run."""
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = _Stream(sink, "stdout"), _Stream(sink, "stderr")
    sys.stdin = io.StringIO()
    try:
        yield
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved


@contextlib.contextmanager
def _stopped_after(timeout: int | None) -> Iterator[threading.Event]:
    """A timer that raises ``_Stopped`` in the cell after ``timeout`` seconds (None: none).

    The event says it fired. A signal is the only thing that interrupts a cell waiting in
    ``time.sleep`` or a socket: this is why only the main thread runs notebooks here.
    """
    fired, armed = threading.Event(), threading.Event()
    if timeout is None:
        yield fired
        return

    def stop(signum: int, frame: Any) -> None:
        if armed.is_set():  # a signal let through after the cell's end is ignored
            fired.set()
            raise _Stopped(f"the cell ran over {timeout} seconds")

    previous = signal.signal(signal.SIGALRM, stop)
    armed.set()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield fired
    except _Stopped:  # fired outside the cell's own code: the cell is stopped all the same
        pass
    finally:
        while True:  # the timer may fire during this very block
            try:
                armed.clear()
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except _Stopped:
                continue
        signal.signal(signal.SIGALRM, previous)


class InProcessEngine(Engine):
    """papermill's engine protocol, the cells run by an ``InProcessShell``."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: NotebookExecutionManager,
        kernel_name: str,
        *,
        kernels: InProcessShell,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> nbformat.NotebookNode:
        from workbook.render.engine import keep

        shell, failed = kernels.take(), True
        try:
            # papermill's PapermillNotebookClient.papermill_execute_cells, cell for cell.
            for index, cell in enumerate(nb_man.nb.cells):
                try:
                    nb_man.cell_start(cell, index)
                    if cell.cell_type == "code" and not kernels.run_cell(
                        shell, cell, execution_timeout
                    ):
                        nb_man.cell_exception(cell, cell_index=index)
                        break
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
            nb_man.nb.metadata["language_info"] = dict(LANGUAGE_INFO)
            failed = bool(nb_man.nb.metadata.papermill.get("exception"))
        except BaseException:
            keep(nb_man.nb, kwargs["partial"])
            raise
        finally:
            kernels.give_back(shell, failed=failed)
        return nb_man.nb


#: What ipykernel answers to kernel_info, which nbclient copies into the notebook.
LANGUAGE_INFO = {
    "name": "python",
    "version": sys.version.split()[0],
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}

papermill_engines.register(INPROCESS_ENGINE, InProcessEngine)

_SHELL: InProcessShell | None = None


def in_process() -> InProcessShell:
    """This process's shell, made on first use."""
    global _SHELL
    if _SHELL is None:
        _SHELL = InProcessShell()
    return _SHELL
