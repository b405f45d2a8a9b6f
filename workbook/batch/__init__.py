"""Scheduled portfolio runs: plan, render what changed in long-lived workers, record, report.

Read it top-down, in the order a run goes (``run.run_batch``)::

    lock.py         one run per output folder at a time
    plan.py         PURE: render keys, the last run's state, what to render or skip
    environment.py  fingerprints: notebooks, dossier template, catalogue (the plan's input)
    tasks.py        what a worker runs: render one dossier, render the portfolio
    executors.py    where tasks run: local processes or Dask (a registry)
    result.py       Entry per record, BatchResult for the run (it knows its exit code)
    actions.py      what reads the result: summaries, portfolio, ledger, state, run log, progress
    portfolio.py    the portfolio notebook's input: a run's summary, or the example's
    runlog.py, progress.py, options.py

What it writes and reads lives below it, because the dossiers and the portfolio
page read them too: the summary.json contract in ``workbook/model/summary.py``,
the history types and their comparison in ``workbook/model/history.py``, the
SQLite ledger in ``workbook/ledger.py``.

Nothing here imports papermill or nbconvert: a run where nothing changed pays
for hashing and assessment only. Rendering happens in workers that import
them once and keep them for every dossier they write.
"""

from workbook.batch.actions import STATE_NAME
from workbook.batch.executors import EXECUTORS, Executor, make_executor, register
from workbook.batch.lock import LOCK_NAME, output_lock
from workbook.batch.options import BatchOptions
from workbook.batch.progress import progress_printer, summary_lines
from workbook.batch.result import BatchResult, Entry
from workbook.batch.run import run_batch
from workbook.batch.runlog import RUN_LOG

__all__ = [
    "EXECUTORS",
    "LOCK_NAME",
    "RUN_LOG",
    "STATE_NAME",
    "BatchOptions",
    "BatchResult",
    "Entry",
    "Executor",
    "make_executor",
    "output_lock",
    "progress_printer",
    "register",
    "run_batch",
    "summary_lines",
]
