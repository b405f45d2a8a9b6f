"""What a person watching a run sees: a line per settled record, then the closing lines.

Record paths, ids and error lines come from files anyone who can write the portfolio
folder controls: every line passes ``errors.one_line``, so none of them forges a line
or drives the terminal (cron mails this output; people read it in a terminal).

The closing lines are what a nightly operator reads in the mail cron sends: the counts,
each failure with its reason, then what changed that needs a person (the digest's own
lists, ``model/digest.py``, and the blockers resolved), and where the digest and the
portfolio page are.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TextIO

from workbook.batch.actions import Progress
from workbook.batch.result import BatchResult, Entry
from workbook.errors import one_line
from workbook.model import digest
from workbook.model.digest import DIGEST_TXT
from workbook.model.history import outcome_word
from workbook.model.summary import Summary

#: Names listed per kind of change in the closing lines; the digest lists more.
MAX_NAMED = 5


def timestamp(now: Callable[[], dt.datetime] | None = None) -> str:
    """ISO 8601 UTC to the second, as log collectors read it: ``2026-12-05T05:30:12Z``."""
    when = (now or (lambda: dt.datetime.now(dt.UTC)))()
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def progress_printer(
    stream: TextIO | None = None, now: Callable[[], dt.datetime] | None = None
) -> Progress:
    """Plain log lines with a timestamp (for cron and CI); a terminal gets a rich bar instead."""
    out = stream or sys.stderr

    def show(e: Entry, done: int, total: int) -> None:
        name = e.assessment.id if e.assessment else e.path
        took = f" ({e.duration:.1f} s)" if e.duration else ""
        line = f"{timestamp(now)} [{done}/{total}] {outcome_word(e.outcome)} {name}{took}"
        print(one_line(line), file=out, flush=True)

    return show


def resolved(s: Summary) -> digest.Section:
    """Blockers resolved since the run compared with (good news is named too)."""
    items = [
        digest.Item(
            (-len(i.changes.resolved), i.id),
            i.id,
            i.name,
            digest.criteria_named(i.changes.resolved),
            i.dossier,
        )
        for i in s.initiatives
        if i.changes.resolved
    ]
    return digest.Section("Resolved", sorted(items, key=lambda it: it.key), "")


def _listed(title: str, items: list[digest.Item]) -> list[str]:
    lines = [f"  {title} ({len(items)}):"]
    lines += [f"    {it.id}: {it.detail}" for it in items[:MAX_NAMED]]
    if len(items) > MAX_NAMED:
        lines.append(f"    and {len(items) - MAX_NAMED} more — see {DIGEST_TXT}")
    return lines


def changes_lines(result: BatchResult) -> list[str]:
    """What needs a person, a few names per kind: the labels and use that are wrong now,
    then what changed since the run compared with; then where the digest is."""
    s = result.summary
    overclaimed, uncontrolled, new, regressions, _waivers = digest.sections(s)
    lines: list[str] = []
    for now in (overclaimed, uncontrolled):
        if now.items:
            lines += _listed(now.title.lower(), now.items)
    since = f"since run {s.previous_run_id}"
    changed = [x for x in (new, regressions, resolved(s)) if x.items]
    for kind in changed:
        lines += _listed(f"{kind.title.lower()} {since}", kind.items)
    if s.previous_run_id is None:
        lines.append("  first run: nothing to compare with yet")
    elif not changed:
        lines.append(f"  no new blockers, regressions or resolved blockers {since}")
    lines.append(f"digest: {result.out_dir / DIGEST_TXT}")
    return lines


def summary_lines(result: BatchResult) -> list[str]:
    """The closing lines: counts, each failure, what changed, the portfolio page, the digest."""
    lines = [
        f"run {result.run_id}: {result.count('rendered')} rendered, {result.count('skipped')} "
        f"unchanged, {result.count('failed')} failed, {result.count('invalid')} invalid "
        f"(as of {result.as_of})",
    ]
    for e in result.entries:
        if e.outcome in ("failed", "invalid"):
            lines.append(f"  {e.outcome.upper()} {e.error}")
    if result.portfolio_error:
        lines.append(f"  PORTFOLIO FAILED {result.portfolio_error}")
    if result.pdfs or result.pdf_errors:
        lines.append(f"pdf: {len(result.pdfs)} printed, {len(result.pdf_errors)} failed")
    lines += [f"  PDF FAILED {error}" for error in result.pdf_errors]
    lines += changes_lines(result)
    if result.portfolio and not result.portfolio_error:
        lines.append(f"portfolio: {result.portfolio}")
    return [one_line(line) for line in lines]
