"""The one object a notebook cell talks to: an initiative opened for one run.

Notebooks stay thin: ``wb = open_initiative(initiative_path, as_of)`` in the
setup cell, then one call per cell (``wb.cover()``, ``wb.chapter("data")``...).
Each call returns a ``Live`` view (``workbook.present.live``): after a form saves,
``wb.refresh()`` re-assesses the record on disk and redraws every view the notebook shows.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

from workbook.errors import UsageError, WorkbookError
from workbook.model.assess import Assessment
from workbook.model.catalogue import Catalogue, load_catalogue
from workbook.paths import EXAMPLES
from workbook.pipeline import History, assess_file, display_path
from workbook.present import views
from workbook.present.chapters import chapter
from workbook.present.live import Board, Live

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


P = ParamSpec("P")


def _live(
    method: Callable[Concatenate[Initiative, P], Any],
) -> Callable[Concatenate[Initiative, P], Live]:
    """A view method made live: shown under a display id, redrawn by ``refresh``."""

    @functools.wraps(method)
    def shown(self: Initiative, *args: P.args, **kwargs: P.kwargs) -> Live:
        parts = [method.__name__, *map(str, args), *(f"{k}={v}" for k, v in kwargs.items())]
        name = re.sub(r"[^A-Za-z0-9_.=-]", "_", "-".join(parts))
        return self.board.live(name, lambda: method(self, *args, **kwargs))

    return shown


@dataclass
class Initiative:
    """A record, its catalogue and its assessment, opened for one notebook run.

    Every view it returns is live: ``refresh()`` re-assesses the record on disk the way
    ``open_initiative`` did (same catalogue, date, ledger history and shared evidence)
    and redraws each view the notebook shows; ``switch(path)`` opens another record.
    """

    path: Path
    catalogue: Catalogue
    assessment: Assessment
    parameters: dict[str, Any] = field(default_factory=dict)
    ledger: Path | None = None
    gates: Path | None = None
    shared: dict[str, tuple[str, ...]] = field(default_factory=dict)
    board: Board = field(default_factory=Board, repr=False, compare=False)
    #: The line under the new-initiative form that says what ``switch`` did.
    _switched: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def record(self) -> Any:
        return self.assessment.record

    @property
    def is_example(self) -> bool:
        """The shipped example is open: shown, never edited (its forms are read-only)."""
        return self.path.resolve() == DEFAULT_EXAMPLE.resolve()

    # -- views ---------------------------------------------------------------

    @_live
    def cover(self) -> views.View:
        """The executive summary: verdict, flags, what blocks the next gate, who must act."""
        return views.cover(self.assessment, self.catalogue.rules)

    @_live
    def status(self, chapter_key: str) -> views.View:
        """Every criterion of the chapter's areas with its status."""
        return views.status_table(self.assessment, chapter(chapter_key).areas)

    @_live
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

    @_live
    def blockers(self) -> views.View:
        return views.blockers(self.assessment, self.catalogue.rules)

    @_live
    def waivers(self) -> views.View:
        return views.waivers(self.assessment) + views.not_applicable(self.assessment)

    @_live
    def signoffs(self) -> views.View:
        return views.signoffs(self.assessment)

    @_live
    def appendix(self) -> views.View:
        return views.appendix(self.assessment, self.parameters, self.catalogue.source)

    # -- history (from a batch ledger) ------------------------------------------------

    def _history(self) -> list[Any]:
        if self.ledger is None or not self.ledger.is_file():
            return []
        from workbook.ledger import Ledger

        with Ledger(self.ledger) as ledger:
            return ledger.history(self.record.id)

    @_live
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

    @_live
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

    def form(self, chapter_key: str) -> Live:
        """The chapter's edit form; headless runs show one sentence instead.

        A save redraws every view of the notebook (``refresh``); the shipped example is
        shown read-only. ``switch`` rebuilds the form on the newly opened record.
        """
        from workbook.present.forms import ChapterForm, FormDisplay

        def build() -> FormDisplay:
            return FormDisplay(
                ChapterForm(
                    self.path,
                    chapter_key,
                    self.catalogue,
                    self.assessment.as_of,
                    on_saved=self.refresh,
                    example=self.is_example,
                )
            )

        return self.board.live(f"form-{chapter_key}", build, kind="form")

    def new_initiative(self, folder: str | Path | None = None) -> Any:
        """A small form that starts a new record from the template, then opens it here.

        ``folder``: where the record is written; by default beside the open record, or
        ``../data/initiatives`` (from the notebook's folder) while the example is open.
        """
        import ipywidgets as w

        from workbook.present.forms import new_initiative_form

        where = Path(folder) if folder is not None else self._new_folder()
        self._switched = w.HTML(value="")
        self._switched.add_class("wb-switched")
        return _NewInitiative(w.VBox([new_initiative_form(where, self.switch), self._switched]))

    def _new_folder(self) -> Path:
        return Path("../data/initiatives") if self.is_example else self.path.parent

    # -- live: redraw after a save, open another record -------------------------------

    def refresh(self) -> None:
        """Re-assess the record on disk and redraw every view this notebook shows.

        Assessed as ``open_initiative`` did (same catalogue, date, ledger history and
        shared evidence). When the record on disk cannot be read or validated, each view
        says so rather than showing the previous verdict as current.
        """
        try:
            self.assessment = _assess(
                self.path, self.catalogue, self.assessment.as_of, self.ledger, self.gates,
                self.shared,
            )  # fmt: skip
        except WorkbookError as exc:
            self.board.show_instead(_unreadable(self.path, exc))
            return
        self.board.redraw(("view",), fallback=_not_redrawn)

    def switch(self, record: str | Path) -> None:
        """Open ``record`` in this notebook: its views redrawn, its forms rebuilt on it.

        In a ``workbook open`` working copy (its marker file in the notebook's folder)
        the other chapter notebooks are pointed at it too (``lab.retarget``).
        """
        path = Path(record)
        try:
            assessment = _assess(
                path, self.catalogue, self.assessment.as_of, self.ledger, self.gates, self.shared
            )
        except WorkbookError as exc:
            self._say(f"Not opened here: {exc.line()}")
            return
        previous = self.path
        self.path, self.assessment = path, assessment
        self.parameters["initiative_path"] = display_path(path)
        self.board.redraw(("view", "form"), fallback=_not_redrawn)
        from workbook.present.forms import shown_path  # the analyst's screen: paths in full

        name = shown_path(path)
        if _retarget(path):
            self._say(
                f"This notebook now shows and edits {name}, and so do the other chapters of "
                "this working copy (a chapter already open: reload it from disk and run it "
                "again)."
            )
        else:
            self._say(
                f"This notebook now shows and edits {name}. Other notebooks still open "
                f"{shown_path(previous)}: set their initiative_path, or run "
                f"`workbook open {name}`."
            )

    def _say(self, text: str) -> None:
        if self._switched is not None:
            self._switched.value = str(views.note(text).html)

    # -- charts ----------------------------------------------------------------

    @_live
    def readiness_chart(self) -> Any:
        from workbook.present import charts

        fig = charts.readiness_chart(self.assessment)
        return fig if fig is not None else views.note("Every gate is passed.", "All gates passed.")

    @_live
    def status_matrix(self) -> Any:
        from workbook.present import charts

        return charts.status_matrix(self.assessment)

    # -- what the evidence measured -------------------------------------------------

    @_live
    def measured(self, what: str) -> views.View:
        """What the cited evidence shows: ``logs``, ``data`` or ``evaluation``."""
        from workbook.present import measured

        return measured.measured(self.assessment, what)

    def _measured_chart(self, name: str, missing: str) -> Any:
        from workbook.present import charts

        chart = getattr(charts, name)(self.assessment)
        return chart if chart is not None else views.note(missing)

    @_live
    def coverage_chart(self) -> Any:
        return self._measured_chart("coverage_chart", "No measured log sample to chart.")

    @_live
    def latency_chart(self) -> Any:
        return self._measured_chart("latency_chart", "No latency measured in a log sample.")

    @_live
    def pass_rate_chart(self) -> Any:
        return self._measured_chart("pass_rate_chart", "No measured evaluation to chart.")

    @_live
    def expectations_chart(self) -> Any:
        return self._measured_chart(
            "expectations_chart", "No data extract with declared expectations to chart."
        )


class _NewInitiative:
    """The new-initiative form; headless runs (papermill, nbval) get one plain sentence."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = (
            "Form: Start a new initiative (open this notebook in JupyterLab to create a record)"
        )
        return bundle


def _unreadable(path: Path, exc: WorkbookError) -> views.View:
    return views.note(
        f"{display_path(path)} changed on disk and cannot be assessed: {exc.line()} "
        "Fix the record, then save again or run the notebook again."
    )


def _not_redrawn(view: Live, exc: Exception) -> views.View:
    return views.note(f"This view could not be redrawn ({type(exc).__name__}: {exc}).")


def _retarget(record: Path) -> bool:
    """In a ``workbook open`` working copy, point its other chapters at ``record``."""
    from workbook.present import lab

    folder = Path.cwd()  # a kernel runs in its notebook's folder
    if not (folder / lab.MARKER).is_file():
        return False
    lab.retarget(folder, record.resolve())
    return True


def _assess(
    path: Path,
    catalogue: Catalogue,
    when: dt.date,
    ledger_path: Path | None,
    gates_path: Path | None,
    cited: dict[str, tuple[str, ...]],
) -> Assessment:
    """The record at ``path`` assessed as ``workbook check`` (or the batch, with its ledger)
    assesses it: goalposts and a pinned catalogue judged as the batch judged them."""
    if ledger_path is not None and ledger_path.is_file():
        from workbook.ledger import Ledger

        with Ledger(ledger_path) as ledger:
            return assess_file(path, catalogue, when, History(ledger, gates_path), cited)
    return assess_file(path, catalogue, when, History(gates=gates_path), cited)


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
    assessment = _assess(path, catalogue, when, ledger_path, gates_path, cited)
    parameters = {
        "initiative_path": display_path(path),
        "as_of": when.isoformat(),
        "gates": display_path(gates_path) if gates_path else "(default catalogue)",
    }
    if ledger_path is not None:
        parameters["ledger"] = display_path(ledger_path)
    return Initiative(path, catalogue, assessment, parameters, ledger_path, gates_path, cited)
