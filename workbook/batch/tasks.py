"""The functions that run in worker processes: render one dossier, render the portfolio.

They are plain module-level functions taking picklable arguments, so the same
function runs in a local process pool and on a Dask cluster. They never raise:
a failure comes back as data, so one broken dossier cannot stop the others.
papermill and nbconvert are imported here, in the worker, never in the parent.

Each returns the key its output may be remembered for, computed here, where the
files are read: the plan's key when the files still give it just before the render
and held still until the page was written, else None (``inputs.py``), so a file
edited during a run (and reverted after it) never leaves a stale page behind.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbook.batch import inputs
from workbook.errors import KernelDidNotStart, WorkbookError
from workbook.model.records import Record


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to render one dossier (picklable, paths as text).

    ``record`` is the record as the plan validated and assessed it: the worker
    takes its id and name from it instead of loading and assessing it again
    to render (it does recompute ``key`` from the files, to vouch for it).
    The kernel does assess it again, from the file: a kernel is another process
    that papermill parameterises with source text, and the notebook must give the
    same dossier when an analyst runs it by hand; shipping the Assessment (record,
    evidence measurements) into it would mean unpickling a file in the kernel.
    """

    path: str
    record: Record
    out_dir: str
    #: The run's one as-of date (ISO), the same for the plan, every kernel and the summary.
    as_of: str
    gates: str | None
    notebooks: str
    timeout: float | None
    ledger: str | None = None
    reuse_kernel: bool = False
    #: The record's evidence files (sha256) other initiatives of the run cite too.
    shared: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The plan's render key: the worker vouches for it only if the files still give it.
    key: str | None = None

    @property
    def record_id(self) -> str:
        return self.record.id


@dataclass(frozen=True)
class Rendered:
    """What came back from a worker for one task."""

    record_id: str
    ok: bool
    duration: float
    dossier: str | None = None
    error: str | None = None
    attempts: int = 1
    #: The key the dossier was made for, vouched for here (``inputs.vouched``); None: the
    #: files moved while it was rendered, so it is not remembered and the next run redoes it.
    key: str | None = None


def warm_worker(keep_kernel: bool = False) -> None:
    """Import the heavy parts once per worker process, not once per dossier; with
    ``keep_kernel`` (``--reuse-kernels``), make ready what will run the cells: this
    process's own shell, or (off the main thread) the kernel the worker will keep."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    import workbook.render.dossier  # noqa: F401
    from workbook.render.export import warm_exporter

    warm_exporter()
    if keep_kernel:
        from workbook.render import inprocess
        from workbook.render.kernels import kept_kernel

        if inprocess.usable():
            inprocess.in_process().warm()
        else:
            kept_kernel().boot()


def render_dossier(task: Task) -> Rendered:
    """Write one dossier; retry once when the kernel failed to start. Never raises."""
    from workbook.render.dossier import write_dossier

    start = time.perf_counter()
    path, notebooks = Path(task.path), Path(task.notebooks)
    files = inputs.dossier_inputs(path, task.record, notebooks, task.gates)
    observed = inputs.observe(files, lambda: _key_now(task))
    attempts = 0
    while True:
        attempts += 1
        try:
            target = write_dossier(
                Path(task.path),
                Path(task.out_dir),
                as_of=dt.date.fromisoformat(task.as_of),
                gates=Path(task.gates) if task.gates else None,
                notebooks=Path(task.notebooks),
                timeout=task.timeout,
                ledger=Path(task.ledger) if task.ledger else None,
                reuse_kernel=task.reuse_kernel,
                prestart_kernel=not task.reuse_kernel,  # a worker writes many: boot the next early
                record=task.record,
                shared=task.shared,
            )
        except KernelDidNotStart as exc:
            if attempts < 2:
                continue  # no cell ran: worth one more try
            error = exc.line()
        except WorkbookError as exc:
            error = exc.line()
        except Exception as exc:  # a bug must not take the other dossiers down
            error = f"{task.path}: {type(exc).__name__}: {exc}"
        else:
            key = inputs.vouched(task.key, files, observed)
            took = time.perf_counter() - start
            return Rendered(
                task.record_id, True, took, dossier=target.name, attempts=attempts, key=key
            )
        took = time.perf_counter() - start
        return Rendered(task.record_id, False, took, error=error, attempts=attempts)


def _key_now(task: Task) -> str:
    return inputs.dossier_key(
        Path(task.path),
        as_of=dt.date.fromisoformat(task.as_of),
        gates=task.gates,
        notebooks=Path(task.notebooks),
        ledger=task.ledger,
        shared=task.shared,
    )


def render_portfolio(
    summary: str,
    out_dir: str,
    notebooks: str,
    timeout: float | None,
    reuse_kernel: bool,
    gates: str | None = None,
    key: str | None = None,
) -> tuple[str | None, str | None, str | None]:
    """Write index.html in a worker: (path, None, key) or (None, the one-line error, None).

    ``key``: what the parent expects the page to show (``plan.portfolio_key``); it comes
    back only when summary.json and the environment held still and still give it.
    Never raises.
    """
    from workbook.render.dossier import write_portfolio

    files = inputs.portfolio_inputs(Path(summary), Path(notebooks), gates)
    observed = inputs.observe(
        files, lambda: inputs.summary_key(Path(summary), Path(notebooks), gates)
    )
    try:
        target = write_portfolio(
            Path(summary),
            Path(out_dir),
            notebooks=Path(notebooks),
            timeout=timeout,
            reuse_kernel=reuse_kernel,
        )
    except WorkbookError as exc:
        return None, exc.line(), None
    except Exception as exc:  # a bug in the portfolio must not lose the run's other results
        return None, f"{summary}: {type(exc).__name__}: {exc}", None
    return str(target), None, inputs.vouched(key, files, observed)
