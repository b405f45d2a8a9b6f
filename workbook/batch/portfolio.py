"""The portfolio notebook's input: a batch run's summary.json, or the example portfolio.

``open_portfolio`` is what ``notebooks/portfolio.ipynb`` calls. Given a summary
it reads it through the contract (``model/summary.py``); given nothing, it
assesses the example portfolio in memory, as a batch would, so the notebook
shows something real in JupyterLab and under nbval. The views themselves are in
``present/portfolio.py``, which takes the summary and never runs a batch step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbook.errors import UsageError
from workbook.model import summary as contract
from workbook.model.catalogue import load_catalogue
from workbook.model.summary import Failed, Summary
from workbook.paths import EXAMPLES
from workbook.pipeline import History, check_paths
from workbook.present.notebook import parse_as_of
from workbook.present.portfolio import Portfolio, load_summary

#: The example portfolio is dated around this day (as in ``make demo``).
EXAMPLE_AS_OF = dt.date(2026, 11, 23)


def example_summary(
    examples: str | Path | None = None,
    as_of: dt.date | None = None,
    gates: str | Path | None = None,
) -> Summary:
    """A summary of the example portfolio assessed in memory (no dossiers, no previous run).

    ``generated_at`` is the as-of day at midnight UTC, so the output never changes.
    """
    folder = Path(examples) if examples else EXAMPLES
    when = as_of or EXAMPLE_AS_OF
    catalogue = load_catalogue(Path(gates) if gates else None)
    root = EXAMPLES.parent.parent

    def shown(p: Path) -> str:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return (Path(folder.name) / p.relative_to(folder)).as_posix()

    initiatives, failed = [], []
    history = History(gates=Path(gates) if gates else None)  # a pinned catalogue holds
    for checked in check_paths([folder], catalogue, when, history):
        if checked.assessment is None:
            failed.append(Failed(path=shown(checked.path), error=str(checked.error)))
        else:
            initiatives.append(
                contract.initiative(checked.assessment, path=shown(checked.path), outcome="skipped")
            )
    return contract.summary(
        generated_at=f"{when.isoformat()}T00:00:00Z",
        as_of=when,
        catalogue=catalogue.name,
        run_id=None,
        previous_run_id=None,
        initiatives=initiatives,
        failed=failed,
    )


def open_portfolio(summary_path: object = "", as_of: object = "") -> Portfolio:
    """The portfolio notebook's setup: a batch summary, or ``""`` for the example portfolio.

    ``as_of`` dates the example (default 2026-11-23); a summary was assessed as of
    its own date, so for one it may only repeat that date.
    """
    if summary_path in (None, ""):
        when = parse_as_of(as_of) if as_of not in (None, "") else EXAMPLE_AS_OF
        return Portfolio(example_summary(as_of=when), "the example portfolio, assessed in memory")
    if not isinstance(summary_path, str | Path):
        raise UsageError(
            f"got {type(summary_path).__name__}", field="summary_path", expected="a file path"
        )
    portfolio = load_summary(summary_path)
    if as_of not in (None, "") and parse_as_of(as_of) != portfolio.as_of:
        raise UsageError(
            f"the summary was assessed as of {portfolio.as_of}, not {parse_as_of(as_of)}",
            field="as_of",
            expected="'' or the summary's own date",
        )
    return portfolio
