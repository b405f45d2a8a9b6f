"""What a person watching a run sees: a line per settled record, then the closing table.

Record paths, ids and error lines come from files anyone who can write the portfolio
folder controls: every line passes ``errors.one_line``, so none of them forges a line
or drives the terminal (cron mails this output; people read it in a terminal).
"""

from __future__ import annotations

import sys
from typing import TextIO

from workbook.batch.actions import Progress
from workbook.batch.result import BatchResult, Entry
from workbook.errors import one_line


def progress_printer(stream: TextIO | None = None) -> Progress:
    """Plain log lines (for cron and CI); the CLI uses a rich bar on a terminal instead."""
    out = stream or sys.stderr

    def show(e: Entry, done: int, total: int) -> None:
        name = e.assessment.id if e.assessment else e.path
        took = f" ({e.duration:.1f} s)" if e.duration else ""
        print(one_line(f"[{done}/{total}] {e.outcome} {name}{took}"), file=out, flush=True)

    return show


def summary_lines(result: BatchResult) -> list[str]:
    """The closing table: counts, then each failure with its reason; one line each."""
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
    if result.pdfs or result.pdf_errors:
        lines.append(f"pdf: {len(result.pdfs)} printed, {len(result.pdf_errors)} failed")
    lines += [f"  PDF FAILED {error}" for error in result.pdf_errors]
    return [one_line(line) for line in lines]
