"""The actions of a batch run: each reads what the run did and keeps or shows one part of it.

An action hears of every entry the moment it is settled (``settled``), so a run
killed mid-way keeps what it finished, then reads the finished BatchResult
(``finished``). They run in the order ``run_batch`` lists them:

=====================  ========================================================
WriteSummaries         summary.json and summary.csv, from the summary contract; the
                       digest (digest.md, digest.txt) from the same summary
WritePortfolio         index.html on a warm worker, unless what it shows is unchanged
WritePdfs              with --pdf: <id>.pdf beside each dossier and index.pdf, where missing
                       or older than its page
RecordInLedger         one ledger row per assessment (with its catalogue); the run's end
RememberDossiers       the state file: which key each written dossier was made for
LogEvents              run.jsonl: one event per initiative, then the run's end
ShowProgress           the caller's progress callback
=====================  ========================================================

A key is remembered only as the worker returned it: the worker vouches that the
files it rendered from are the ones the key describes (``inputs.py``). A dossier or
portfolio page written while its inputs moved comes back without a key; its old
key is then forgotten, so the next run renders it again.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path

from workbook.batch.executors import Executor
from workbook.batch.options import BatchOptions
from workbook.batch.plan import Environment, Seen, dump_state, portfolio_key
from workbook.batch.result import BatchResult, Entry
from workbook.batch.runlog import RunLog
from workbook.batch.tasks import render_portfolio
from workbook.errors import ChromiumMissing
from workbook.ledger import Ledger
from workbook.model.digest import DIGEST_MD, DIGEST_TXT, digest
from workbook.model.summary import CSV_NAME, SUMMARY_NAME
from workbook.model.yamlio import atomic_write_text
from workbook.render.pdf import find_chromium, is_current, pdf_path, print_pdfs

STATE_NAME = ".batch-state.json"
PORTFOLIO_STATE = ".portfolio-key"
PORTFOLIO_PAGE = "index.html"
PORTFOLIO_PDF = "index.pdf"

Progress = Callable[[Entry, int, int], None]


class Action:
    """Reads the run: each entry as it settles, then the finished result."""

    def settled(self, entry: Entry) -> None:
        """One record's outcome is known (called in the order they finish)."""

    def finished(self, result: BatchResult) -> BatchResult:
        """The run is done; return the result, with this action's own outcome if it has one."""
        return result


class WriteSummaries(Action):
    """summary.json (the contract the portfolio reads) and summary.csv, from the same objects."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir

    def finished(self, result: BatchResult) -> BatchResult:
        atomic_write_text(self.out_dir / SUMMARY_NAME, result.summary.to_json())
        atomic_write_text(self.out_dir / CSV_NAME, result.summary.to_csv())
        # The mail-ready digest of what needs attention (workbook/model/digest.py).
        markdown, text = digest(result.summary)
        atomic_write_text(self.out_dir / DIGEST_MD, markdown)
        atomic_write_text(self.out_dir / DIGEST_TXT, text)
        return result


class WritePortfolio(Action):
    """index.html, rendered on a warm worker unless what it shows is unchanged since last time."""

    def __init__(self, options: BatchOptions, pool: Executor, environment: Environment) -> None:
        self.options, self.pool, self.environment = options, pool, environment
        self.out_dir = options.out_dir

    def finished(self, result: BatchResult) -> BatchResult:
        target = self.out_dir / PORTFOLIO_PAGE
        key = portfolio_key(self.environment, result.summary)
        try:
            last = (self.out_dir / PORTFOLIO_STATE).read_text(encoding="utf-8").strip()
        except OSError:
            last = ""
        if target.exists() and last == key and not self.options.force:
            return dataclasses.replace(result, portfolio=target)
        written, error, vouched = self.pool.call(
            render_portfolio,
            str(self.out_dir / SUMMARY_NAME),
            str(self.out_dir),
            str(self.options.notebooks),
            self.options.timeout,
            self.options.reuse_kernels,
            str(self.options.gates) if self.options.gates else None,
            key,
        )
        if written and vouched == key:
            # Only a page that was really written counts: a failed one is retried next run.
            atomic_write_text(self.out_dir / PORTFOLIO_STATE, key + "\n")
        elif written:
            # Written while its inputs moved: the old key must not vouch for the new page.
            forget(self.out_dir / PORTFOLIO_STATE)
        return dataclasses.replace(
            result, portfolio=Path(written) if written else None, portfolio_error=error
        )


class WritePdfs(Action):
    """``<id>.pdf`` beside each dossier and ``index.pdf`` beside the portfolio page (``--pdf``).

    A PDF is printed when it is missing or older than its page: the page was rewritten in
    this run, or an earlier print failed or was cut short. A PDF printed from the page as it
    is stays, so an unchanged run starts no Chromium. Printed ``workers`` at a time.
    """

    def __init__(self, options: BatchOptions) -> None:
        self.options = options

    def finished(self, result: BatchResult) -> BatchResult:
        out = self.options.out_dir
        pages = [
            out / e.dossier
            for e in result.entries
            if e.dossier and e.outcome in ("rendered", "skipped")
        ]
        pages += [result.portfolio] if result.portfolio else []
        due = [p for p in pages if not is_current(p, pdf_path(p))]
        if not due:
            return result
        try:
            chromium = find_chromium()
        except ChromiumMissing as exc:  # the pages are written; only their PDFs are not
            return dataclasses.replace(result, pdf_unavailable=exc.line())
        printed = print_pdfs(due, chromium=chromium, workers=self.options.workers, base=out)
        return dataclasses.replace(
            result,
            pdfs=tuple(p.target for p in printed if p.error is None),
            pdf_errors=tuple(p.error.line() for p in printed if p.error is not None),
        )


class RecordInLedger(Action):
    """Every assessment in the ledger as it is settled; the run closed with its counts."""

    def __init__(self, ledger: Ledger, run_id: int, catalogue: str | None = None) -> None:
        self.ledger, self.run_id, self.catalogue = ledger, run_id, catalogue

    def settled(self, entry: Entry) -> None:
        if entry.assessment is not None:
            self.ledger.record(
                self.run_id,
                entry.assessment,
                entry.outcome,
                dossier=entry.dossier,
                duration=entry.duration,
                error=entry.error,
                catalogue=self.catalogue,
            )

    def finished(self, result: BatchResult) -> BatchResult:
        status = "ok" if result.exit_code == 0 else "failures"
        self.ledger.finish_run(self.run_id, result.counts, status)
        return result


class RememberDossiers(Action):
    """The state file: each written dossier and its render key, saved as each is written."""

    def __init__(self, out_dir: Path, state: dict[str, Seen]) -> None:
        self.path, self.state = out_dir / STATE_NAME, dict(state)

    def settled(self, entry: Entry) -> None:
        # What failed is not remembered as done: the next run tries it again.
        if entry.outcome != "rendered" or not entry.assessment or not entry.dossier:
            return
        if entry.key:
            self.state[entry.assessment.id] = Seen(entry.key, entry.dossier)
        elif self.state.pop(entry.assessment.id, None) is None:
            return
        # No key: the worker could not vouch for what it rendered (a file moved meanwhile).
        # The dossier's old key goes too, or a revert would make the new page look current.
        atomic_write_text(self.path, dump_state(self.state))


def forget(path: Path) -> None:
    """Remove a state file; one already gone is forgotten already."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class LogEvents(Action):
    """run.jsonl: an event per initiative as it settles, then one for the run's end."""

    def __init__(self, log: RunLog, run_id: int) -> None:
        self.log, self.run_id = log, run_id

    def settled(self, entry: Entry) -> None:
        a = entry.assessment
        self.log.event(
            "initiative",
            id=a.id if a else None,
            path=str(entry.path),
            status=entry.outcome,
            duration=entry.duration,
            digest=a.digest if a else None,
            output=entry.dossier,
            error=entry.error,
        )

    def finished(self, result: BatchResult) -> BatchResult:
        self.log.event("run-end", run=self.run_id, exit_code=result.exit_code, **result.counts)
        return result


class ShowProgress(Action):
    """Calls ``progress(entry, done, total)`` as each entry settles."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def settled(self, entry: Entry) -> None:
        self.done += 1
        self.progress(entry, self.done, self.total)
