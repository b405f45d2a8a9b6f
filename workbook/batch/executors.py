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
import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from workbook.batch.options import CONNECT_TIMEOUT
from workbook.batch.tasks import Rendered, Task, render_dossier, warm_worker
from workbook.errors import UsageError
from workbook.model.yamlio import shown
from workbook.terminal import Escaping

#: Seconds between looks at a Dask cluster while waiting for results.
POLL = 1.0
#: Environment variable: seconds to wait for a Dask worker (to join, or to come back).
WORKER_WAIT = "WORKBOOK_DASK_WORKER_WAIT"


def worker_wait() -> float:
    """How long a run waits for a Dask worker: ``$WORKBOOK_DASK_WORKER_WAIT`` s, default 60."""
    try:
        return max(1.0, float(os.environ.get(WORKER_WAIT, "60")))
    except ValueError:
        return 60.0


def start_worker(keep_kernel: bool = False) -> None:
    """A worker's start: its own output escaped like the CLI's, then ``warm_worker``.

    Workers write to the same terminal as the run (a library's warning about a record's
    evidence, say); what they write must not drive it either.
    """
    import sys

    from workbook.render import lighter_imports

    if not isinstance(sys.stderr, Escaping):
        sys.stdout, sys.stderr = Escaping(sys.stdout), Escaping(sys.stderr)
    lighter_imports()
    warm_worker(keep_kernel)


class Executor:
    """Runs functions in warm worker processes; the workers start on first use."""

    name: ClassVar[str] = ""
    #: Workers keep one kernel for successive dossiers (``--reuse-kernels``): boot it early.
    keep_kernel = False

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

    def prestart(self) -> None:
        """Bring the workers up now, while the run plans, where that is cheap (a run that
        will surely render); by default they start on first use."""

    def close(self) -> None:
        if self._started:
            self._stop()
            self._started = False

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _started() -> None:
    """Nothing: submitted only to have a worker process start (and warm up)."""


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
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(self.keep_kernel,),
        )

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args)

    def prestart(self) -> None:
        """Each worker imports papermill and nbconvert (and boots its kernel) as it starts:
        seconds a small cold run would otherwise wait for after planning."""
        for _ in range(self.workers):
            self.submit(_started)

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

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        super().__init__(workers, scheduler)
        self._sent: dict[str, Any] = {}
        self._stranded_why = {}

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
            self._wait_for_workers()
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
        try:
            self._client.run(start_worker)
        except Exception as exc:  # a worker without workbook, or with a broken install
            raise UsageError(
                f"the Dask workers cannot run workbook ({type(exc).__name__}: {shown(str(exc))})",
                field="--scheduler",
                expected="workers started from an environment with workbook installed "
                "(pip install 'workbook[notebooks,dask]')",
            ) from None

    def _wait_for_workers(self) -> None:
        """At least one worker within ``worker_wait()`` seconds, or one line saying none came."""
        wait = worker_wait()
        try:
            self._client.wait_for_workers(1, timeout=wait)
        except (TimeoutError, OSError):
            raise UsageError(
                f"no Dask worker joined the scheduler at {shown(self.scheduler)} within {wait:g} s",
                field="--scheduler",
                expected="start workers with: dask worker ADDRESS --nthreads 1 (each needs "
                "workbook installed; none needs the portfolio's files)",
            ) from None

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
        """Each future as it settles; those no worker is left to run, failed, within bounds.

        A worker that dies is replaced by another (Dask retries its task elsewhere); when no
        worker is left for ``worker_wait()`` seconds, or the scheduler is gone, the tasks
        still waiting fail with one line each instead of waiting for ever.
        """
        from dask.distributed import wait

        pending, alone = set(futures), 0.0
        while pending:
            try:
                done, pending = wait(pending, timeout=POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            yield from done
            if not pending or done:
                alone = 0.0
                continue
            why = self._stranded()
            alone = alone + POLL if why else 0.0
            if why and alone >= worker_wait():
                for future in pending:
                    future.cancel()
                    self._stranded_why[future.key] = why
                yield from pending
                return

    _stranded_why: dict[Any, str]

    def _stranded(self) -> str | None:
        """Why nothing can run any more (no worker, no scheduler), or None."""
        try:
            if self._client.status != "running":
                return f"the Dask scheduler at {shown(self.scheduler)} went away"
            if not self._client.scheduler_info().get("workers"):
                return "no Dask worker is left to render it"
        except Exception as exc:  # the connection itself failed
            return f"the Dask scheduler stopped answering ({type(exc).__name__})"
        return None

    # -- shipping: the workers need not see the portfolio's disk --

    def results(self, tasks: list[Task]) -> Iterator[Rendered]:
        """Ship each task's files, render on the cluster, write each page back into OUT."""
        from workbook.batch import shipping

        if not tasks:
            return
        packer = self._packer(Path(tasks[0].notebooks))
        out_dir = Path(tasks[0].out_dir)
        futures: dict[Any, Task] = {}
        for task in tasks:
            try:
                parcel, blobs = self._ship(packer.dossier(task))
            except OSError as exc:  # moved or unreadable since the plan read it
                yield Rendered(task.record_id, False, 0.0, error=f"{task.path}: {exc}")
                continue
            futures[self.submit(shipping.render_parcel, parcel, blobs)] = task
        self._stranded_why = {}
        for future in self._as_completed(list(futures)):
            task = futures[future]
            yield self._received(future, task, out_dir)

    def _received(self, future: Any, task: Task, out_dir: Path) -> Rendered:
        from workbook.batch import shipping

        why = self._stranded_why.get(future.key)
        if why is not None:
            return Rendered(task.record_id, False, 0.0, error=f"{task.path}: {why}")
        try:
            returned = future.result()
        except Exception as exc:  # the worker died (Dask gave up retrying), or the task raised
            error = f"{task.path}: worker failed: {type(exc).__name__}: {shown(str(exc))}"
            return Rendered(task.record_id, False, 0.0, error=error)
        return shipping.receive(returned, task, out_dir)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The portfolio page shipped like a dossier; anything else as given."""
        from workbook.batch import shipping
        from workbook.batch.tasks import render_portfolio

        if fn is not render_portfolio:
            return super().call(fn, *args)
        summary, out_dir, notebooks, timeout, reuse_kernel, gates, key = args
        packer = self._packer(Path(notebooks))
        parcel, blobs = self._ship(
            packer.portfolio(Path(summary), gates, timeout, reuse_kernel, key)
        )
        future = self.submit(shipping.render_parcel, parcel, blobs)
        self._stranded_why = {}
        for done in self._as_completed([future]):
            why = self._stranded_why.get(done.key)
            if why is not None:
                return None, f"{summary}: {why}", None
            try:
                returned = done.result()
            except Exception as exc:
                return None, f"{summary}: worker failed: {type(exc).__name__}", None
            r = returned.rendered
            written = shipping.write_portfolio_page(returned, Path(out_dir), "index.html")
            error = shipping.client_words(r.error, Path(out_dir)) if r.error else None
            return written, error, r.key if written else None
        return None, f"{summary}: not rendered", None

    def _packer(self, notebooks: Path) -> Any:
        from workbook.batch import shipping
        from workbook.batch.environment import fingerprint
        from workbook.paths import TEMPLATES

        template = TEMPLATES / "dossier"
        mine = fingerprint(template, (p for p in template.rglob("*") if p.is_file()))
        return shipping.Packer(notebooks, mine)

    def _ship(self, parcel: Any) -> tuple[Any, dict[str, Any]]:
        """The parcel with its large files sent ahead, once per content per run."""
        import hashlib

        from workbook.batch.shipping import INLINE_BYTES

        if not self._started:
            self._started = True
            self._start()
        blobs: dict[str, Any] = {}
        files = dict(parcel.files)
        for rel, data in parcel.files.items():
            if isinstance(data, bytes) and len(data) > INLINE_BYTES:
                name = "workbook-file-" + hashlib.sha256(data).hexdigest()
                if name not in self._sent:
                    self._sent[name] = self._client.scatter({name: data}, broadcast=False)[name]
                files[rel], blobs[name] = name, self._sent[name]
        return dataclasses.replace(parcel, files=files), blobs

    def _stop(self) -> None:
        self._sent.clear()
        if self._stack is not None:
            self._stack.close()
            self._stack = self._client = None
