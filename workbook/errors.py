"""The library's exceptions, and the one way an error line is kept to one line.

Only the CLI turns exceptions into exit codes.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Control characters, and the invisible ones that reorder or break text in a terminal.
_UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def one_line(text: object) -> str:
    """Text fit for one line of a terminal, a log or a table: control characters spelled out.

    An error line quotes what a file holds; written as is, a newline or an escape
    sequence in it could forge lines or drive the terminal. ``\\x1b`` for a byte-sized
    character, ``\\u202e`` for the others.
    """

    def spelled(m: re.Match[str]) -> str:
        n = ord(m.group())
        return f"\\x{n:02x}" if n < 256 else f"\\u{n:04x}"

    return _UNPRINTABLE.sub(spelled, str(text))


class WorkbookError(Exception):
    """Base class: something the user can fix, named precisely."""

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.field = field
        self.expected = expected
        super().__init__(self.line())

    def line(self) -> str:
        """One line: ``path: field.path: what was wrong (what was expected)``."""
        parts = [p for p in (self.path, self.field) if p]
        text = self.problem if not self.expected else f"{self.problem} (expected {self.expected})"
        return ": ".join([*parts, text])

    def lines(self) -> list[str]:
        """Every problem, one line each (one here; see RecordProblems)."""
        return [self.line()]


class RecordError(WorkbookError):
    """An initiative record cannot be read or is invalid."""


class RecordProblems(RecordError):
    """Several problems in one record, all reported at once (three typos, one run).

    ``line()`` is the first problem's line with the count of the rest, for the places
    that have room for one line (a batch table, a form's headline); ``lines()`` is
    every problem on its own line, each naming the file, the field and what was expected.
    """

    def __init__(self, problems: list[RecordError]) -> None:
        self.problems = tuple(problems)
        first, rest = problems[0], len(problems) - 1
        more = f" (and {rest} more problem{'s' if rest != 1 else ''})" if rest else ""
        super().__init__(
            first.problem + more, path=first.path, field=first.field, expected=first.expected
        )

    def lines(self) -> list[str]:
        return [p.line() for p in self.problems]


def problems_of(exc: WorkbookError) -> list[tuple[str, str, str | None]]:
    """(field, problem, expected) of every problem ``exc`` reports, for showing beside fields."""
    found = exc.problems if isinstance(exc, RecordProblems) else (exc,)
    return [(p.field or "", p.problem, p.expected) for p in found]


def raise_all(problems: list[RecordError]) -> None:
    """Raise nothing for no problem, the problem itself for one, RecordProblems for more."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise RecordProblems(problems)


class CatalogueError(WorkbookError):
    """A gate catalogue cannot be read or is invalid."""


class UsageError(WorkbookError):
    """The command was asked for something it cannot do."""


class NotebookFailed(WorkbookError):
    """A cell raised, timed out or the kernel died; the partial notebook was kept."""

    def __init__(self, problem: str, *, path: str | Path, cell: str, partial: Path | None) -> None:
        self.cell = cell
        self.partial = partial
        kept = f"; partial notebook kept at {partial}" if partial else ""
        super().__init__(f"{cell}: {problem}{kept}", path=path)


class KernelDidNotStart(NotebookFailed):
    """No cell ran: the kernel did not come up (worth one more try)."""


class LedgerError(WorkbookError):
    """The ledger file cannot be opened, is not a ledger, or cannot be written."""


class ExportError(WorkbookError):
    """A dossier could not be produced safely."""


class ChromiumMissing(UsageError):
    """``--pdf`` was asked for and no Chromium is installed (or WORKBOOK_CHROMIUM names none)."""


class PdfFailed(WorkbookError):
    """Chromium failed, or ran out of time, printing a page to PDF; the old PDF is intact."""


class SummaryError(WorkbookError):
    """A batch summary cannot be read or is not one."""


class Unreadable(Exception):
    """The file cannot be measured; ``reason`` says why in words a reader can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
