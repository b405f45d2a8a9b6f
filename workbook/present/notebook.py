"""The one object a notebook cell talks to: an initiative opened for one run.

Notebooks stay thin: ``wb = open_initiative(initiative_path, as_of)`` in the
setup cell, then one call per cell (``wb.cover()``, ``wb.chapter("data")``...).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.errors import UsageError
from workbook.model.assess import Assessment
from workbook.model.catalogue import Catalogue, load_catalogue
from workbook.paths import EXAMPLES
from workbook.pipeline import History, assess_file, display_path
from workbook.present import views
from workbook.present.chapters import chapter

#: The example a notebook opens when no initiative_path is given.
DEFAULT_EXAMPLE = EXAMPLES / "kyc-document-check.yaml"


def parse_as_of(value: object) -> dt.date:
    """The ``as_of`` parameter: an ISO date, a date, or empty for today."""
    if value in (None, ""):
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(f"got {value!r}", field="as_of", expected="a date written YYYY-MM-DD, or ''")


_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHARED_EXPECTED = 'a JSON object {"<sha256>": ["<other initiative id>", ...]}, or \'\''


def parse_shared(value: object) -> dict[str, tuple[str, ...]]:
    """The ``shared`` parameter: which cited files other initiatives of the run cite too.

    A batch passes what it found across its records (``pipeline.shared_evidence``), so a
    dossier, which assesses one record alone, judges the same as the run's summary.
    """
    if value in (None, ""):
        return {}
    data: object = value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            raise UsageError("not JSON", field="shared", expected=_SHARED_EXPECTED) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str)
        and _SHA256.fullmatch(k)
        and isinstance(v, list | tuple)
        and all(isinstance(i, str) and i for i in v)
        for k, v in data.items()
    ):
        raise UsageError(f"got {value!r}"[:120], field="shared", expected=_SHARED_EXPECTED)
    return {k: tuple(v) for k, v in data.items()}


def _parameter_path(value: object, name: str) -> Path | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str | Path):
        raise UsageError(f"got {type(value).__name__}", field=name, expected="a file path")
    return Path(value)


@dataclass
class Initiative:
    """A record, its catalogue and its assessment, opened for one notebook run."""

    path: Path
    catalogue: Catalogue
    assessment: Assessment
    parameters: dict[str, Any] = field(default_factory=dict)
    ledger: Path | None = None

    @property
    def record(self) -> Any:
        return self.assessment.record

    # -- views ---------------------------------------------------------------

    def cover(self) -> views.View:
        """The executive summary: verdict, flags, what blocks the next gate, who must act."""
        return views.cover(self.assessment, self.catalogue.rules)

    def status(self, chapter_key: str) -> views.View:
        """Every criterion of the chapter's areas with its status."""
        return views.status_table(self.assessment, chapter(chapter_key).areas)

    def chapter(self, chapter_key: str) -> views.View:
        """What the record says for this chapter."""
        r, a = self.record, self.assessment
        shown = {
            "stage": lambda: views.scope_record(r),
            "data": lambda: views.data_record(r, a.as_of),
            "ownership": lambda: views.ownership_record(r),
            "observability": lambda: views.observability_record(r) + views.trust_record(r),
            "verdict": lambda: views.governance_record(r) + views.evidence_list(r, a),
        }
        chapter(chapter_key)  # unknown keys fail with the valid names
        return shown[chapter_key]()

    def blockers(self) -> views.View:
        return views.blockers(self.assessment, self.catalogue.rules)

    def waivers(self) -> views.View:
        return views.waivers(self.assessment) + views.not_applicable(self.assessment)

    def signoffs(self) -> views.View:
        return views.signoffs(self.assessment)

    def appendix(self) -> views.View:
        return views.appendix(self.assessment, self.parameters, self.catalogue.source)

    # -- history (from a batch ledger) ------------------------------------------------

    def _history(self) -> list[Any]:
        if self.ledger is None or not self.ledger.is_file():
            return []
        from workbook.ledger import Ledger

        with Ledger(self.ledger) as ledger:
            return ledger.history(self.record.id)

    def changes(self) -> views.View:
        """What changed since the last finished batch run's assessment of this initiative.

        The run the portfolio page compares with too: while a batch renders this dossier,
        its own run has not finished, so the last finished one is the previous run.
        """
        last = None
        if self.ledger is not None and self.ledger.is_file():
            from workbook.ledger import Ledger

            with Ledger(self.ledger) as ledger:
                previous = ledger.last_finished_run()
                last = ledger.in_run(self.record.id, previous.id) if previous else None
        if last is None:
            return views.note("No earlier assessment is recorded yet.", "No history.")
        return views.changes_view(last, self.assessment)

    def stage_history_chart(self) -> Any:
        """Supported stage over time, from the ledger plus this assessment."""
        from workbook.present import charts

        points = [(r.as_of, r.supported, r.claimed) for r in self._history()]
        current = (self.assessment.as_of.isoformat(), self.assessment.supported_stage,
                   self.assessment.claimed_stage)  # fmt: skip
        if not points or points[-1] != current:
            points.append(current)
        chart = charts.stage_history_chart(points)
        if chart is None:
            return views.note("One assessment so far: no trend to show yet.", "No trend yet.")
        return chart

    # -- forms (interactive) ----------------------------------------------------

    def form(self, chapter_key: str) -> Any:
        """The chapter's edit form; headless runs show one sentence instead."""
        from workbook.present.forms import ChapterForm, FormDisplay

        return FormDisplay(
            ChapterForm(self.path, chapter_key, self.catalogue, self.assessment.as_of)
        )

    def new_initiative(self, folder: str | Path = "../data/initiatives") -> Any:
        """A small form that starts a new record from the template."""
        from workbook.present.forms import new_initiative_form

        return new_initiative_form(Path(folder))

    # -- charts ----------------------------------------------------------------

    def readiness_chart(self) -> Any:
        from workbook.present import charts

        fig = charts.readiness_chart(self.assessment)
        return fig if fig is not None else views.note("Every gate is passed.", "All gates passed.")

    def status_matrix(self) -> Any:
        from workbook.present import charts

        return charts.status_matrix(self.assessment)

    # -- what the evidence measured -------------------------------------------------

    def measured(self, what: str) -> views.View:
        """What the cited evidence shows: ``logs``, ``data`` or ``evaluation``."""
        from workbook.present import measured

        return measured.measured(self.assessment, what)

    def _measured_chart(self, name: str, missing: str) -> Any:
        from workbook.present import charts

        chart = getattr(charts, name)(self.assessment)
        return chart if chart is not None else views.note(missing)

    def coverage_chart(self) -> Any:
        return self._measured_chart("coverage_chart", "No measured log sample to chart.")

    def latency_chart(self) -> Any:
        return self._measured_chart("latency_chart", "No latency measured in a log sample.")

    def pass_rate_chart(self) -> Any:
        return self._measured_chart("pass_rate_chart", "No measured evaluation to chart.")

    def expectations_chart(self) -> Any:
        return self._measured_chart(
            "expectations_chart", "No data extract with declared expectations to chart."
        )


def open_initiative(
    initiative_path: object = "",
    as_of: object = "",
    gates: object = "",
    ledger: object = "",
    shared: object = "",
) -> Initiative:
    """Validate the notebook parameters, load the record and assess it.

    ``shared`` (from a batch): the record's evidence files that other initiatives of the
    run cite too, as ``parse_shared`` reads it.
    """
    path = _parameter_path(initiative_path, "initiative_path") or DEFAULT_EXAMPLE
    ledger_path = _parameter_path(ledger, "ledger")
    gates_path = _parameter_path(gates, "gates")
    when = parse_as_of(as_of)
    cited = parse_shared(shared)
    catalogue = load_catalogue(gates_path)
    if ledger_path is not None and ledger_path.is_file():
        from workbook.ledger import Ledger

        # Goalposts and a pinned catalogue are judged as the batch judged them.
        with Ledger(ledger_path) as ledger:
            history = History(ledger, gates_path)
            assessment = assess_file(path, catalogue, when, history, cited)
    else:
        assessment = assess_file(path, catalogue, when, History(gates=gates_path), cited)
    parameters = {
        "initiative_path": display_path(path),
        "as_of": when.isoformat(),
        "gates": display_path(gates_path) if gates_path else "(default catalogue)",
    }
    if ledger_path is not None:
        parameters["ledger"] = display_path(ledger_path)
    return Initiative(path, catalogue, assessment, parameters, ledger_path)
