"""Scheduled portfolio runs: plan, render what changed in long-lived workers, record, report.

The path of one run::

    lock OUT -> assess every record (cheap) -> render key per record
      -> skip unchanged -> render the rest on an executor (local processes or Dask)
      -> ledger + run log + summary.json/csv -> portfolio dossier (index.html)

Nothing here imports papermill or nbconvert: a run where nothing changed pays
for hashing and assessment only. Rendering happens in workers that import
them once and keep them for every dossier they write.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from workbook import __version__
from workbook.errors import UsageError, WorkbookError
from workbook.model.assess import Assessment
from workbook.model.catalogue import Catalogue, load_catalogue
from workbook.model.yamlio import atomic_write_text
from workbook.paths import FAILED_FOLDER, NOTEBOOKS, PORTFOLIO_NOTEBOOK, TEMPLATES
from workbook.pipeline import check_paths, display_path
from workbook.present.chapters import CHAPTERS

LOCK_NAME = ".workbook-batch.lock"
STATE_NAME = ".batch-state.json"
RUN_LOG = "run.jsonl"
CSV_COLUMNS = (
    "id",
    "name",
    "path",
    "claimed_stage",
    "supported_stage",
    "overclaimed",
    "weakest_area",
    "blockers",
    "outcome",
    "dossier",
    "error",
)


# --- the unit of work, shared by every executor ------------------------------------------


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to render one dossier (picklable, paths as text)."""

    record: str
    record_id: str
    out_dir: str
    as_of: str | None
    gates: str | None
    notebooks: str
    timeout: float | None
    ledger: str | None = None
    reuse_kernel: bool = False


@dataclass(frozen=True)
class Rendered:
    """What came back from a worker."""

    record: str
    record_id: str
    ok: bool
    duration: float
    output: str | None = None
    error: str | None = None
    attempts: int = 1


def warm_worker() -> None:
    """Import the heavy parts once per worker process, not once per dossier."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    import workbook.render.dossier
    import workbook.render.export  # noqa: F401


def _kernel_never_started(exc: WorkbookError) -> bool:
    """No cell ran: the kernel did not come up (worth one more try)."""
    return getattr(exc, "cell", None) == "kernel"


def render(task: Task) -> Rendered:
    """Write one dossier; retry once when the kernel failed to start. Never raises."""
    from workbook.render.dossier import write_dossier

    start = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        try:
            target = write_dossier(
                Path(task.record),
                Path(task.out_dir),
                as_of=dt.date.fromisoformat(task.as_of) if task.as_of else None,
                gates=Path(task.gates) if task.gates else None,
                notebooks=Path(task.notebooks),
                timeout=task.timeout,
                ledger=Path(task.ledger) if task.ledger else None,
                reuse_kernel=task.reuse_kernel,
                prestart_kernel=not task.reuse_kernel,  # a worker writes many: boot the next early
            )
        except WorkbookError as exc:
            if attempts < 2 and _kernel_never_started(exc):
                continue  # a kernel that never came up is worth one more try
            return Rendered(
                task.record,
                task.record_id,
                False,
                time.perf_counter() - start,
                error=exc.line(),
                attempts=attempts,
            )
        except Exception as exc:  # a bug must not take the other dossiers down
            return Rendered(
                task.record,
                task.record_id,
                False,
                time.perf_counter() - start,
                error=f"{task.record}: {type(exc).__name__}: {exc}",
                attempts=attempts,
            )
        return Rendered(
            task.record,
            task.record_id,
            True,
            time.perf_counter() - start,
            output=target.name,
            attempts=attempts,
        )


def render_portfolio(
    summary: str, out_dir: str, notebooks: str, timeout: float | None, reuse_kernel: bool
) -> tuple[str | None, str | None]:
    """Write index.html in a worker: (path, None) or (None, the one-line error). Never raises."""
    from workbook.render.dossier import write_portfolio

    try:
        target = write_portfolio(
            Path(summary),
            Path(out_dir),
            notebooks=Path(notebooks),
            timeout=timeout,
            reuse_kernel=reuse_kernel,
        )
    except WorkbookError as exc:
        return None, exc.line()
    except Exception as exc:  # a bug in the portfolio must not lose the run's other results
        return None, f"{summary}: {type(exc).__name__}: {exc}"
    return str(target), None


# --- executors: where tasks run ---------------------------------------------------------


class Executor:
    """Runs functions in worker processes; the pool starts on first use and lives until close.

    Subclasses fill in ``_submit``, ``_completed`` and ``close``. The same
    task function, ``render``, runs on every executor.
    """

    name: ClassVar[str] = ""

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        raise NotImplementedError

    def _completed(self, futures: list[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def results(self, tasks: list[Task]) -> Iterator[Rendered]:
        """Render every task; yield results as they complete, a dead worker as a failure."""
        futures = {self._submit(render, t): t for t in tasks}
        for future in self._completed(list(futures)):
            task = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # the worker process itself died
                yield Rendered(
                    task.record,
                    task.record_id,
                    False,
                    0.0,
                    error=f"{task.record}: worker died: {type(exc).__name__}",
                )

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one function in a (warm) worker and wait for it."""
        return self._submit(fn, *args).result()


class LocalExecutor(Executor):
    """One long-lived process per worker (spawned, so no inherited threads or sockets)."""

    name = "local"
    _pool: Any = None

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=warm_worker
            )
        return self._pool.submit(fn, *args)

    def _completed(self, futures: list[Any]) -> Iterator[Any]:
        from concurrent.futures import as_completed

        return as_completed(futures)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """The same task function on a Dask cluster (``--scheduler ADDRESS``) or a LocalCluster."""

    name = "dask"
    _client: Any = None
    _stack: Any = None

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._client is None:
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
                self._client = self._stack.enter_context(Client(self.scheduler))
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
            self._client.run(warm_worker)
        return self._client.submit(fn, *args, pure=False)

    def _completed(self, futures: list[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        return iter(as_completed(futures))

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = self._client = None


EXECUTORS: dict[str, type[Executor]] = {e.name: e for e in (LocalExecutor, DaskExecutor)}


def executor(name: str, workers: int, scheduler: str | None = None) -> Executor:
    if name not in EXECUTORS:
        raise UsageError(
            f"unknown executor {name!r}",
            field="--executor",
            expected=f"one of {', '.join(EXECUTORS)}",
        )
    return EXECUTORS[name](workers, scheduler)


# --- planning: what must be rendered ---------------------------------------------------------


def _files_fingerprint(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def environment_key(notebooks: Path) -> str:
    """What shapes every dossier besides the record: notebooks, template, library version."""
    chapter_files = [notebooks / c.notebook for c in CHAPTERS]
    template_files = [p for p in (TEMPLATES / "dossier").rglob("*") if p.is_file()]
    return hashlib.sha256(
        f"{_files_fingerprint(chapter_files)}:{_files_fingerprint(template_files)}:{__version__}".encode()
    ).hexdigest()


def render_key(a: Assessment, environment: str) -> str:
    """Inputs (digest) plus verdict: the as-of date counts only through what it changes."""
    verdict = {
        "statuses": [(r.criterion.id, r.status, r.detail) for r in a.results],
        "supported": a.supported_stage,
        "waivers": [(w.waiver.criterion, w.expired) for w in a.waivers],
        "signoffs": [(s.signoff.digest, s.current) for s in a.signoffs],
    }
    blob = json.dumps([a.digest, verdict, environment], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# --- the lock: one scheduled run per output folder at a time -------------------------------


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on OUT; a second run on the same folder stops with exit 2."""
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UsageError(
                f"another batch is writing here ({holder})",
                path=out_dir,
                expected="one run per output folder at a time; try again when it finishes",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"pid {os.getpid()}, started {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC\n"
        )
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process is killed


# --- the run ------------------------------------------------------------------------------


@dataclass
class BatchOptions:
    paths: list[Path]
    out_dir: Path
    as_of: dt.date | None = None
    gates: Path | None = None
    notebooks: Path = NOTEBOOKS
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    executor: str = "local"
    scheduler: str | None = None
    force: bool = False
    timeout: float | None = 600.0
    log: Path | None = None
    reuse_kernels: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "paths": [str(p) for p in self.paths],
            "as_of": str(self.as_of or ""),
            "workers": self.workers,
            "executor": self.executor,
            "force": self.force,
            "timeout": self.timeout,
            "reuse_kernels": self.reuse_kernels,
        }


@dataclass
class Entry:
    """One record's fate in this run."""

    path: Path
    assessment: Assessment | None
    outcome: str  # rendered | skipped | failed | invalid
    key: str | None = None
    dossier: str | None = None
    error: str | None = None
    duration: float | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchResult:
    entries: list[Entry]
    run_id: int
    portfolio: Path | None
    portfolio_error: str | None = None

    def count(self, outcome: str) -> int:
        return sum(e.outcome == outcome for e in self.entries)

    @property
    def exit_code(self) -> int:
        failed = self.count("failed") + self.count("invalid") + bool(self.portfolio_error)
        return 1 if failed else 0


class RunLog:
    """One JSON object per line: an event per initiative and per run, flushed as they happen."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("a", encoding="utf-8")

    def event(self, kind: str, **fields: Any) -> None:
        record = {
            "event": kind,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **fields,
        }
        self.handle.write(json.dumps(record, default=str) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def _load_state(out_dir: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((out_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def run_batch(
    options: BatchOptions, progress: Callable[[Entry, int, int], None] | None = None
) -> BatchResult:
    """Run the portfolio: render what changed, skip the rest, record everything."""
    from workbook.batch.ledger import LEDGER_NAME, Ledger, compare

    out = options.out_dir
    catalogue = load_catalogue(options.gates)
    with output_lock(out):
        log = RunLog(options.log or out / RUN_LOG)
        ledger = Ledger(out / LEDGER_NAME)
        run_id = ledger.start_run(options.describe())
        log.event("run-start", run=run_id, **options.describe())
        pool = executor(options.executor, options.workers, options.scheduler)
        state = _load_state(out)

        def settled(e: Entry) -> None:
            # Recorded the moment it is known, so a run killed mid-way keeps what it finished.
            a = e.assessment
            if a is not None:
                ledger.record(
                    run_id, a, e.outcome, dossier=e.dossier, duration=e.duration, error=e.error
                )
            if e.outcome == "rendered" and a is not None:
                state[a.id] = {"key": e.key or "", "output": e.dossier or ""}
                atomic_write_text(out / STATE_NAME, json.dumps(state, indent=1, sort_keys=True))
            log.event(
                "initiative",
                id=a.id if a else None,
                path=str(e.path),
                status=e.outcome,
                duration=e.duration,
                digest=a.digest if a else None,
                output=e.dossier,
                error=e.error,
            )

        try:
            entries = _plan(options, catalogue, out)
            _render(options, entries, out, out / LEDGER_NAME, progress, pool, settled)
            for e in entries:
                if e.assessment is not None:
                    current = ledger.latest(e.assessment.id)
                    if current is not None:
                        e.changes = asdict(
                            compare(ledger.previous(e.assessment.id, run_id), current)
                        )
            previous_run = ledger.last_finished_run(before_run=run_id)
            summary = _write_summary(
                out, entries, run_id, previous_run.id if previous_run else None, catalogue, options
            )
            portfolio, portfolio_error = _portfolio(options, entries, out, summary, pool)
            result = BatchResult(entries, run_id, portfolio, portfolio_error)
            counts = {k: result.count(k) for k in ("rendered", "skipped", "failed", "invalid")}
            ledger.finish_run(run_id, counts, "ok" if result.exit_code == 0 else "failures")
            log.event("run-end", run=run_id, exit_code=result.exit_code, **counts)
            return result
        finally:
            pool.close()
            log.close()
            ledger.close()
            with contextlib.suppress(OSError):  # an empty failed/ says nothing
                (out / FAILED_FOLDER).rmdir()


def _plan(options: BatchOptions, catalogue: Catalogue, out: Path) -> list[Entry]:
    """Assess every record and decide, by render key, which dossiers must be written."""
    environment = environment_key(options.notebooks)
    state = _load_state(out)
    entries = []
    for checked in check_paths(options.paths, catalogue, options.as_of):
        a = checked.assessment
        if a is None:
            error = checked.error.line() if checked.error else str(checked.path)
            entries.append(Entry(checked.path, None, "invalid", error=error))
            continue
        key = render_key(a, environment)
        seen = state.get(a.id, {})
        unchanged = seen.get("key") == key and (out / seen.get("output", "")).is_file()
        if unchanged and not options.force:
            entries.append(Entry(checked.path, a, "skipped", key, dossier=seen["output"]))
        else:
            entries.append(Entry(checked.path, a, "pending", key))
    return entries


def _render(
    options: BatchOptions,
    entries: list[Entry],
    out: Path,
    ledger_path: Path,
    progress: Callable[[Entry, int, int], None] | None,
    pool: Executor,
    settled: Callable[[Entry], None],
) -> None:
    pending = {e.assessment.id: e for e in entries if e.outcome == "pending" and e.assessment}
    done = [e for e in entries if e.outcome != "pending"]
    total = len(entries)
    for i, e in enumerate(done, 1):
        settled(e)
        if progress:
            progress(e, i, total)
    if not pending:
        return
    tasks = [
        Task(
            record=str(e.path),
            record_id=rid,
            out_dir=str(out),
            as_of=options.as_of.isoformat() if options.as_of else None,
            gates=str(options.gates) if options.gates else None,
            notebooks=str(options.notebooks),
            timeout=options.timeout,
            ledger=str(ledger_path),
            reuse_kernel=options.reuse_kernels,
        )
        for rid, e in pending.items()
    ]
    finished = len(done)
    for r in pool.results(tasks):
        e = pending[r.record_id]
        e.outcome = "rendered" if r.ok else "failed"
        e.dossier, e.error, e.duration = r.output, r.error, round(r.duration, 3)
        settled(e)
        finished += 1
        if progress:
            progress(e, finished, total)


def _write_summary(
    out: Path,
    entries: list[Entry],
    run_id: int,
    previous_run_id: int | None,
    catalogue: Catalogue,
    options: BatchOptions,
) -> Path:
    """summary.json (for the portfolio dossier and dashboards) and summary.csv."""
    initiatives, failed = [], []

    def shareable(error: str | None, path: Path) -> str | None:
        # Error lines name the record and the kept notebook; a shared page shows
        # the first relative and the second relative to the output folder.
        if not error:
            return error
        return error.replace(str(path), display_path(path)).replace(f"{out}{os.sep}", "")

    for e in entries:
        if e.assessment is None:
            failed.append({"path": display_path(e.path), "error": shareable(e.error, e.path)})
            continue
        initiatives.append(
            {
                **e.assessment.to_dict(),
                "path": display_path(e.path),
                "dossier": e.dossier,
                "outcome": e.outcome,
                "error": shareable(e.error, e.path),
                "changes": e.changes,
            }
        )
    as_of = (options.as_of or dt.date.today()).isoformat()
    summary = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": as_of,
        "catalogue": catalogue.name,
        "run_id": run_id,
        "previous_run_id": previous_run_id,
        "initiatives": initiatives,
        "failed": failed,
    }
    path = out / "summary.json"
    atomic_write_text(path, json.dumps(summary, indent=1, default=str))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for i in initiatives:
        writer.writerow(
            [
                i["id"],
                i["name"],
                i["path"],
                i["claimed_stage"],
                i["supported_stage"],
                i["overclaimed"],
                i["weakest_area"] or "",
                len(i["blockers"]),
                i["outcome"],
                i["dossier"] or "",
                i["error"] or "",
            ]
        )
    for f in failed:
        writer.writerow(["", "", f["path"], "", "", "", "", "", "invalid", "", f["error"]])
    atomic_write_text(out / "summary.csv", buf.getvalue())
    return path


PORTFOLIO_STATE = ".portfolio-key"


def portfolio_key(options: BatchOptions, entries: list[Entry]) -> str:
    """What the portfolio page shows: the notebook, template, version and every entry's fate."""
    notebook = options.notebooks / PORTFOLIO_NOTEBOOK
    parts = [
        _files_fingerprint([notebook]) if notebook.is_file() else "missing",
        environment_key(options.notebooks),
        # "rendered" and "skipped" look the same on the page; a failure does not.
        *sorted(f"{display_path(e.path)}:{e.key}:{e.dossier}:{e.error}" for e in entries),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _portfolio(
    options: BatchOptions,
    entries: list[Entry],
    out: Path,
    summary: Path,
    pool: Executor,
) -> tuple[Path | None, str | None]:
    """Write index.html on a warm worker unless what it shows is unchanged since last written."""
    target = out / "index.html"
    key = portfolio_key(options, entries)
    try:
        last = (out / PORTFOLIO_STATE).read_text(encoding="utf-8").strip()
    except OSError:
        last = ""
    if target.exists() and last == key and not options.force:
        return target, None
    written, error = pool.call(
        render_portfolio,
        str(summary),
        str(out),
        str(options.notebooks),
        options.timeout,
        options.reuse_kernels,
    )
    if written:
        # Only a page that was really written counts: a failed one is retried next run.
        atomic_write_text(out / PORTFOLIO_STATE, key + "\n")
    return (Path(written) if written else None), error


def summary_lines(result: BatchResult) -> list[str]:
    """The closing table: counts, then each failure with its reason."""
    lines = [
        f"run {result.run_id}: {result.count('rendered')} rendered, {result.count('skipped')} "
        f"unchanged, {result.count('failed')} failed, {result.count('invalid')} invalid",
    ]
    for e in result.entries:
        if e.outcome in ("failed", "invalid"):
            lines.append(f"  {e.outcome.upper()} {e.error}")
    if result.portfolio_error:
        lines.append(f"  PORTFOLIO FAILED {result.portfolio_error}")
    elif result.portfolio:
        lines.append(f"portfolio: {result.portfolio}")
    return lines


def progress_printer(stream: Any = None) -> Callable[[Entry, int, int], None]:
    """Plain log lines (for cron and CI); the CLI uses a rich bar on a terminal instead."""
    stream = stream or sys.stderr

    def show(e: Entry, done: int, total: int) -> None:
        name = e.assessment.id if e.assessment else e.path
        took = f" ({e.duration:.1f} s)" if e.duration else ""
        print(f"[{done}/{total}] {e.outcome} {name}{took}", file=stream, flush=True)

    return show
