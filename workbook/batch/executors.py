"""Where tasks run: long-lived local worker processes, or a Dask cluster.

An executor is a small registry entry (``@register``) filling in four methods:
``_start`` (bring the workers up, once, on first use), ``_submit``,
``_as_completed`` and ``_stop``. The base class does the rest: start on first
use (a run with nothing to render starts no worker), render a list of tasks
yielding each result as it completes, turn a dead worker into a failed result,
and close.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from workbook.batch.options import CONNECT_TIMEOUT
from workbook.batch.tasks import Rendered, Task, render_dossier, warm_worker
from workbook.errors import UsageError
from workbook.model.yamlio import shown
from workbook.terminal import Escaping


def start_worker() -> None:
    """A worker's start: its own output escaped like the CLI's, then ``warm_worker``.

    Workers write to the same terminal as the run (a library's warning about a record's
    evidence, say); what they write must not drive it either.
    """
    import sys

    if not isinstance(sys.stderr, Escaping):
        sys.stdout, sys.stderr = Escaping(sys.stdout), Escaping(sys.stderr)
    warm_worker()


class Executor:
    """Runs functions in warm worker processes; the workers start on first use."""

    name: ClassVar[str] = ""

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self._started = False

    # -- the four methods an executor fills in --

    def _start(self) -> None:
        """Bring the workers up (each runs ``warm_worker`` once)."""
        raise NotImplementedError

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Schedule ``fn(*args)``; return a future with ``.result()``."""
        raise NotImplementedError

    def _as_completed(self, futures: list[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def _stop(self) -> None:
        """Stop the workers, also when ``_start`` failed half-way."""
        raise NotImplementedError

    # -- the bookkeeping, the same for every executor --

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if not self._started:
            self._started = True  # from here on close() stops whatever part came up
            self._start()
        return self._submit(fn, *args)

    def results(self, tasks: list[Task]) -> Iterator[Rendered]:
        """Render every task; yield results as they complete, a dead worker as a failure."""
        futures = {self.submit(render_dossier, t): t for t in tasks}
        for future in self._as_completed(list(futures)):
            task = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # the worker process itself died
                error = f"{task.path}: worker died: {type(exc).__name__}"
                yield Rendered(task.record_id, False, 0.0, error=error)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one function in a (warm) worker and wait for it."""
        return self.submit(fn, *args).result()

    def close(self) -> None:
        if self._started:
            self._stop()
            self._started = False

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


EXECUTORS: dict[str, type[Executor]] = {}
E = TypeVar("E", bound=type[Executor])


def register(cls: E) -> E:
    """Make an executor available by its ``name`` (``--executor NAME``)."""
    EXECUTORS[cls.name] = cls
    return cls


def make_executor(name: str, workers: int, scheduler: str | None = None) -> Executor:
    """The registered executor called ``name``; an unknown name lists the known ones."""
    if name not in EXECUTORS:
        raise UsageError(
            f"unknown executor {name!r}",
            field="--executor",
            expected=f"one of {', '.join(EXECUTORS)}",
        )
    return EXECUTORS[name](workers, scheduler)


@register
class LocalExecutor(Executor):
    """One long-lived process per worker (spawned, so no inherited threads or sockets)."""

    name = "local"
    _pool: Any = None

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=start_worker)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args)

    def _as_completed(self, futures: list[Any]) -> Iterator[Any]:
        from concurrent.futures import as_completed

        return as_completed(futures)

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@register
class DaskExecutor(Executor):
    """The same task function on a Dask cluster (``--scheduler ADDRESS``) or a LocalCluster."""

    name = "dask"
    _client: Any = None
    _stack: Any = None

    def _start(self) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(
                "the dask executor needs Dask",
                field="--executor",
                expected="pip install 'workbook[dask]'",
            ) from None
        self._stack = contextlib.ExitStack()
        if self.scheduler:
            self._client = self._stack.enter_context(self._connect(Client))
        else:
            cluster = self._stack.enter_context(
                LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            )
            self._client = self._stack.enter_context(Client(cluster))
        self._client.run(start_worker)

    def _connect(self, client: Any) -> Any:
        """A client of the scheduler at ``--scheduler``, or one line saying why not.

        Dask waits 30 s by default (``distributed.comm.timeouts.connect``) and retries a
        refused connection until then; a nightly run should say much sooner that nobody
        answers.
        """
        try:
            return client(self.scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:  # refused, unknown host, nobody answered
            raise UsageError(
                f"no Dask scheduler answered at {shown(self.scheduler)} within "
                f"{CONNECT_TIMEOUT} s ({type(exc).__name__})",
                field="--scheduler",
                expected="the address of a running scheduler, e.g. tcp://10.0.0.5:8786; "
                "start one with dask-scheduler, or leave --scheduler out for a local cluster",
            ) from None
        except ValueError as exc:  # an address Dask cannot parse
            raise UsageError(
                f"{shown(self.scheduler)} is not a Dask scheduler address ({shown(str(exc))})",
                field="--scheduler",
                expected="tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786",
            ) from None

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def _as_completed(self, futures: list[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        return iter(as_completed(futures))

    def _stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = self._client = None
