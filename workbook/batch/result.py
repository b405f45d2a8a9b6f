"""What a batch run did: one Entry per record, gathered in a BatchResult that the actions read."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from workbook.model import summary as contract
from workbook.model.assess import Assessment
from workbook.model.history import NO_CHANGES, OUTCOMES, Changes, Outcome
from workbook.model.summary import Summary
from workbook.pipeline import display_path


@dataclass(frozen=True)
class Entry:
    """One record's fate in this run."""

    path: Path
    outcome: Outcome
    assessment: Assessment | None = None
    #: The render key the dossier is known to be made for: for a rendered one, as the
    #: worker vouched for it where it read the files (None: they moved; not remembered).
    key: str | None = None
    dossier: str | None = None
    error: str | None = None
    duration: float | None = None


@dataclass(frozen=True)
class BatchResult:
    """A finished run: its entries, what changed since the previous run, the portfolio page.

    It knows whether the run passed (``exit_code``); the actions and the CLI read
    it and never recompute a verdict.
    """

    run_id: int
    previous_run_id: int | None
    as_of: dt.date
    catalogue: str
    out_dir: Path
    generated_at: str
    entries: list[Entry]
    #: Per initiative id: what changed since its assessment in run ``previous_run_id``.
    changes: Mapping[str, Changes] = field(default_factory=dict)
    #: Set by the portfolio action.
    portfolio: Path | None = None
    portfolio_error: str | None = None
    #: Set by the PDF action (``--pdf``): the PDFs written in this run, one line per PDF
    #: that failed, and the one line saying why none could be printed (no Chromium).
    pdfs: tuple[Path, ...] = ()
    pdf_errors: tuple[str, ...] = ()
    pdf_unavailable: str | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(e.outcome == outcome for e in self.entries)

    @property
    def counts(self) -> dict[str, int]:
        return {o: self.count(o) for o in OUTCOMES}

    @property
    def exit_code(self) -> int:
        """0 when every dossier, the portfolio and each PDF asked for were written, else 1.

        2 when PDFs were asked for and no Chromium is installed: the run did all it could
        do without one (the HTML is written), but what was asked for needs installing.
        """
        if self.pdf_unavailable:
            return 2
        failed = self.count("failed") + self.count("invalid") + bool(self.portfolio_error)
        return 1 if failed or self.pdf_errors else 0

    @cached_property
    def summary(self) -> Summary:
        """The run in the summary contract (summary.json, summary.csv, the portfolio page)."""
        initiatives, failed = [], []
        for e in self.entries:
            if e.assessment is None:
                error = self._shareable(e.error, e.path) or "not assessed"
                failed.append(contract.Failed(path=display_path(e.path), error=error))
                continue
            initiatives.append(
                contract.initiative(
                    e.assessment,
                    path=display_path(e.path),
                    outcome=e.outcome,
                    dossier=e.dossier,
                    error=self._shareable(e.error, e.path),
                    changes=self.changes.get(e.assessment.id, NO_CHANGES),
                )
            )
        return contract.summary(
            generated_at=self.generated_at,
            as_of=self.as_of,
            catalogue=self.catalogue,
            run_id=self.run_id,
            previous_run_id=self.previous_run_id,
            initiatives=initiatives,
            failed=failed,
        )

    def _shareable(self, error: str | None, path: Path) -> str | None:
        # Error lines name the record and the kept notebook; a shared page shows
        # the first relative and the second relative to the output folder.
        if not error:
            return error
        return error.replace(str(path), display_path(path)).replace(f"{self.out_dir}{os.sep}", "")
