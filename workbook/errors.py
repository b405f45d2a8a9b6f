"""The library's exceptions. Only the CLI turns them into exit codes."""

from __future__ import annotations

from pathlib import Path


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


class RecordError(WorkbookError):
    """An initiative record cannot be read or is invalid."""


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


class LedgerError(WorkbookError):
    """The ledger file cannot be opened, is not a ledger, or cannot be written."""


class ExportError(WorkbookError):
    """A dossier could not be produced safely."""


class SummaryError(WorkbookError):
    """A batch summary cannot be read or is not one."""


class Unreadable(Exception):
    """The file cannot be measured; ``reason`` says why in words a reader can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
