"""``run_batch``: lock -> plan -> render on an executor -> actions.

The run reads as its steps: fix its as-of date (one day for the plan, every
kernel, the summary and the ledger, even across midnight); take the output
folder's lock; open the ledger, run log and executor; assess every record and
plan (``plan.py``, pure); render what must be rendered on the executor, handing
each settled entry to the actions as it comes; gather the BatchResult; let each
action read it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from workbook.batch.actions import (
    PORTFOLIO_PAGE,
    PORTFOLIO_PDF,
    PORTFOLIO_STATE,
    STATE_NAME,
    Action,
    LogEvents,
    Progress,
    RecordInLedger,
    RememberDossiers,
    ShowProgress,
    WritePdfs,
    WritePortfolio,
    WriteSummaries,
)
from workbook.batch.environment import read_environment
from workbook.batch.executors import Executor, make_executor
from workbook.batch.lock import LOCK_NAME, output_lock
from workbook.batch.options import BatchOptions
from workbook.batch.plan import Planned, parse_state, plan
from workbook.batch.result import BatchResult, Entry
from workbook.batch.runlog import RUN_LOG, RunLog
from workbook.batch.tasks import Task
from workbook.errors import LedgerError, UsageError
from workbook.files import read_nofollow, refuse_link
from workbook.ledger import JOURNALS, LEDGER_NAME, Ledger, RunRow
from workbook.model.catalogue import load_catalogue
from workbook.model.digest import DIGEST_MD, DIGEST_TXT
from workbook.model.history import Changes, HistoryRow, compare
from workbook.model.summary import CSV_NAME, DOSSIER_NAME, SUMMARY_NAME
from workbook.paths import FAILED_FOLDER
from workbook.pipeline import History, check_paths

#: Every name the batch reads or writes in OUT, besides the dossiers (``*.html``) and, with
#: ``--pdf``, their PDFs (``*.pdf``).
OWN_NAMES = (
    LOCK_NAME,
    RUN_LOG,
    LEDGER_NAME,
    *(LEDGER_NAME + suffix for suffix in JOURNALS),
    SUMMARY_NAME,
    CSV_NAME,
    DIGEST_MD,
    DIGEST_TXT,
    STATE_NAME,
    PORTFOLIO_STATE,
    PORTFOLIO_PAGE,
    PORTFOLIO_PDF,
    FAILED_FOLDER,
)


def run_batch(options: BatchOptions, progress: Progress | None = None) -> BatchResult:
    """Run the portfolio: render what changed, skip the rest, record everything."""
    as_of = options.as_of or dt.date.today()
    options = dataclasses.replace(options, as_of=as_of)
    out = options.out_dir
    catalogue = load_catalogue(options.gates)
    with output_lock(out), contextlib.ExitStack() as stack:
        check_names(out, pdf=options.pdf)
        ledger, log, pool = _open(stack, options)
        run_id = ledger.start_run(options.describe())
        log.event("run-start", run=run_id, **options.describe())
        fingerprint = ledger.keep_catalogue(catalogue)

        if options.force or not (out / STATE_NAME).exists():
            pool.prestart()  # every dossier will be rendered: warm the workers meanwhile
        # Every record is assessed here, once; the assessment travels on from here. The
        # ledger's earlier assessments say whether the catalogue moved under a gate.
        history = History(ledger, options.gates)
        checked = check_paths(options.paths, catalogue, as_of, history)
        # A ledger that cannot be read is the output folder's problem, not a record's: stop.
        for c in checked:
            if isinstance(c.error, LedgerError):
                raise c.error
        environment = read_environment(options.notebooks, catalogue)
        state = parse_state(_read(out / STATE_NAME))
        planned = plan(checked, environment, state, _dossiers_in(out), force=options.force)

        actions = [
            WriteSummaries(out),
            WritePortfolio(options, pool, environment),
            *([WritePdfs(options)] if options.pdf else []),
            RecordInLedger(ledger, run_id, fingerprint),
            RememberDossiers(out, state),
            LogEvents(log, run_id),
            *([ShowProgress(progress, len(planned))] if progress else []),
        ]
        entries = _settle(render(planned, pool, options, as_of), actions, planned)
        result = _result(options, as_of, catalogue.name, ledger, run_id, entries)
        for action in actions:
            result = action.finished(result)
        return result


def _open(stack: contextlib.ExitStack, options: BatchOptions) -> tuple[Ledger, RunLog, Executor]:
    """The run's ledger, run log and executor, closed when the run ends, however it ends."""
    stack.callback(_drop_empty_failed_folder, options.out_dir)  # registered first: runs last
    ledger = stack.enter_context(Ledger(options.out_dir / LEDGER_NAME))
    log = stack.enter_context(RunLog(options.log or options.out_dir / RUN_LOG))
    pool = make_executor(options.executor, options.workers, options.scheduler)
    pool.keep_kernel = options.reuse_kernels
    return ledger, log, stack.enter_context(pool)


def _settle(entries: Iterable[Entry], actions: list[Action], planned: list[Planned]) -> list[Entry]:
    """Hand each entry to every action as it settles; return them in record order."""
    settled = {}
    for entry in entries:
        for action in actions:
            action.settled(entry)  # now, so a run killed mid-way keeps what it finished
        settled[entry.path] = entry
    return [settled[p.path] for p in planned]


#: How many finished runs back the batch looks for the last one that changed something.
LOOKBACK = 100


def _result(
    options: BatchOptions,
    as_of: dt.date,
    catalogue: str,
    ledger: Ledger,
    run_id: int,
    entries: list[Entry],
) -> BatchResult:
    """The finished run, with what changed per initiative since its baseline run."""
    current = {e.assessment.id: HistoryRow.of(e.assessment) for e in entries if e.assessment}
    baseline, changes = compared_with(ledger, run_id, current)
    return BatchResult(
        run_id=run_id,
        previous_run_id=baseline.id if baseline else None,
        as_of=as_of,
        catalogue=catalogue,
        out_dir=options.out_dir,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        entries=entries,
        changes=changes,
    )


def compared_with(
    ledger: Ledger, run_id: int, current: dict[str, HistoryRow]
) -> tuple[RunRow | None, dict[str, Changes]]:
    """The run this one is compared with, and what changed per initiative since it.

    The most recent earlier finished run whose assessments differ from this run's: after
    an unchanged run (a nightly run with nothing new), "what changed" still says what the
    last change was, compared with the run before it, instead of going blank. When no run
    within ``LOOKBACK`` differs, the previous finished run (and no changes). An interrupted
    run is never the point of comparison. One read per run looked at.
    """
    runs = ledger.finished_runs(run_id, LOOKBACK)
    for run in runs:
        before = ledger.assessments_in(run.id)
        changes = {rid: compare(before.get(rid), row) for rid, row in current.items()}
        if any(not c.empty for c in changes.values()):
            return run, changes
    none = {rid: compare(None, row) for rid, row in current.items()}
    return (runs[0], none) if runs else (None, none)


def render(
    planned: list[Planned], pool: Executor, options: BatchOptions, as_of: dt.date
) -> Iterator[Entry]:
    """Entries as they settle: what needs no rendering at once, then each dossier as it is done."""
    pending = {
        p.assessment.id: (p, p.assessment)
        for p in planned
        if p.decision == "render" and p.assessment
    }
    for p in planned:
        if p.decision == "skip":
            yield Entry(p.path, "skipped", p.assessment, p.key, dossier=p.dossier)
        elif p.decision == "invalid":
            yield Entry(p.path, "invalid", error=p.error)
    if not pending:
        return  # no worker is started: nothing imports papermill or nbconvert
    tasks = [
        Task(
            path=str(p.path),
            record=a.record,
            out_dir=str(options.out_dir),
            as_of=as_of.isoformat(),
            gates=str(options.gates) if options.gates else None,
            notebooks=str(options.notebooks),
            timeout=options.timeout,
            ledger=str(options.out_dir / LEDGER_NAME),
            reuse_kernel=options.reuse_kernels,
            shared=dict(a.evidence.shared),
            key=p.key,  # the worker vouches for it, or not, from the files it read
        )
        for p, a in pending.values()
    ]
    for r in pool.results(tasks):
        p, a = pending[r.record_id]
        yield Entry(
            p.path,
            "rendered" if r.ok else "failed",
            a,
            r.key,  # as the worker vouched for it (None: its files moved; not remembered)
            dossier=r.dossier,
            error=r.error,
            duration=round(r.duration, 3),
        )


def check_names(out: Path, *, pdf: bool = False) -> None:
    """One line, before anything in OUT is read or written, for a link at a name the batch uses.

    Or for a folder where the batch writes a file (which would fail only at the end).

    OUT is often shared: a link planted at such a name would have this run (from cron,
    perhaps as root) read, truncate or replace the file it points to. OUT itself may be
    a link: whoever named it on the command line chose it. Each file is also opened or
    replaced without following links (``workbook.files``): this check names the link
    up front, before any work; the opens close the race after it. ``pdf``: the run prints
    PDFs, so a link at any ``*.pdf`` name is refused too.
    """
    pages = (".html", ".pdf") if pdf else (".html",)
    with os.scandir(out) as entries:
        planted = sorted(
            e.name
            for e in entries
            if e.is_symlink() and (e.name in OWN_NAMES or e.name.endswith(pages))
        )
    failed = out / FAILED_FOLDER
    if not planted and failed.is_dir():
        with os.scandir(failed) as entries:
            links = sorted(e.name for e in entries if e.is_symlink())
        planted = [f"{FAILED_FOLDER}/{name}" for name in links]
    for name in planted[:1]:
        refuse_link(out / name)
    for name in sorted(n for n in os.listdir(out) if n in OWN_NAMES or n.endswith(pages)):
        if name != FAILED_FOLDER and (out / name).is_dir():
            raise UsageError(
                "a folder sits where the batch writes a file",
                path=out / name,
                expected="move the folder away",
            )


def _read(path: Path) -> str | None:
    return read_nofollow(path)


def _dossiers_in(out: Path) -> set[str]:
    """Dossier files already in OUT (only plain ``name.html`` names can be linked)."""
    return {
        p.name
        for p in out.glob("*.html")
        if DOSSIER_NAME.fullmatch(p.name) and not p.is_symlink() and p.is_file()
    }


def _drop_empty_failed_folder(out: Path) -> None:
    with contextlib.suppress(OSError):  # an empty failed/ says nothing
        (out / FAILED_FOLDER).rmdir()
