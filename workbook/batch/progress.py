"""What a person watching a run sees: a line per settled record, then the closing table."""

from __future__ import annotations

import sys
from typing import TextIO

from workbook.batch.actions import Progress
from workbook.batch.result import BatchResult, Entry


def progress_printer(stream: TextIO | None = None) -> Progress:
    """Plain log lines (for cron and CI); the CLI uses a rich bar on a terminal instead."""
    out = stream or sys.stderr

    def show(e: Entry, done: int, total: int) -> None:
        name = e.assessment.id if e.assessment else e.path
        took = f" ({e.duration:.1f} s)" if e.duration else ""
        print(f"[{done}/{total}] {e.outcome} {name}{took}", file=out, flush=True)

    return show


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
