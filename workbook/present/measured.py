"""Views of what the evidence measured: logs, data extracts, evaluation results.

Everything read from an evidence file (field names, slice names, values,
examples) is user text, written by ``templates/measured.html.j2`` (autoescaped);
personal data appears only redacted.

Every cited file is shown with its figures; verdicts (over, below, breach) are
marked only on the file the threshold criteria judged, read from their
``Measurement``: the views compare nothing with a limit themselves.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from statistics import median
from typing import Any

from workbook.evidence import EvidenceFinding
from workbook.evidence.evals import EvalMeasures
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import EVENT_SIGNALS, LogMeasures, share
from workbook.evidence.pii import KINDS as PII_KINDS
from workbook.model.assess import Assessment, CriterionResult
from workbook.model.criteria import Measurement, Reading
from workbook.model.records import SIGNALS
from workbook.present.html import macro
from workbook.present.views import View, note
from workbook.words import counted


def findings(a: Assessment, kind: str) -> list[EvidenceFinding]:
    """Cited evidence of ``kind`` that existed on the assessment date, newest first."""
    found = [f for f in a.evidence.of_kind(kind) if f.item.date <= a.as_of]
    return sorted(found, key=lambda f: f.item.date, reverse=True)


@dataclass(frozen=True)
class Judged:
    """The verdicts about one cited file, as the criteria gave them."""

    #: Results of the criteria whose verdict is about this file, in catalogue order.
    results: tuple[CriterionResult, ...]
    #: When none is: the files the criteria of this kind judged instead.
    elsewhere: tuple[Measurement, ...]

    def of(self, measure: str) -> list[CriterionResult]:
        return [r for r in self.results if r.measurement and r.measurement.measure == measure]

    def reading(self, measure: str, name: str) -> Reading | None:
        """The first judged value ``name`` of ``measure`` (e.g. latency_p95's p95)."""
        for r in self.of(measure):
            if r.measurement and (found := r.measurement.reading(name)):
                return found
        return None


def judged(a: Assessment, f: EvidenceFinding) -> Judged:
    """Which criteria judged ``f``; if none did, which files of its kind they judged."""
    about = [(r, m) for r in a.results if (m := r.measurement) is not None]
    here = tuple(r for r, m in about if m.judged(f.item))
    elsewhere: dict[tuple[str, object], Measurement] = {}
    if not here:
        for _, m in about:
            if m.evidence == f.item.kind and m.location is not None:
                elsewhere.setdefault((m.location, m.date), m)
    return Judged(here, tuple(elsewhere.values()))


def judged_file(
    a: Assessment, kind: str, measure: str
) -> tuple[EvidenceFinding | None, list[CriterionResult]]:
    """The file a chart of ``measure`` shows, with the results of the criteria that judged it.

    It is the file the criteria of ``measure`` judged (None when unreadable or not
    cited: nothing to draw). Without such a criterion (none in the catalogue, or
    not applicable), the newest measured file of ``kind``, with no verdict to show.
    """
    results = [r for r in a.results if (m := r.measurement) is not None and m.measure == measure]
    if not results:
        return next((f for f in findings(a, kind) if f.measured is not None), None), []
    for f in findings(a, kind):
        mine = [r for r in results if r.measurement and r.measurement.judged(f.item)]
        if mine:
            return (f if f.measured is not None else None), mine
    return None, results


def _unmeasured(a: Assessment, f: EvidenceFinding) -> View:
    """Cited but not measured: unreadable (the reason is shown) or a link."""
    text = (
        f"{f.item.location}: unreadable: {f.reason}"
        if not f.readable
        else f"{f.item.location}: a link, not measured"
    )
    return View(macro("measured.html.j2", "unmeasured", f, judged(a, f)), text)


def _view(a: Assessment, kind: str, measures: type, show: Callable[..., View]) -> View:
    cited = findings(a, kind)
    if not cited:
        label = kind.replace("_", " ")
        return note(f"No {label} is cited.", f"No {label} cited.")
    views = [show(a, f) if isinstance(f.measured, measures) else _unmeasured(a, f) for f in cited]
    return reduce(operator.add, views)


# --- logs -------------------------------------------------------------------


def _text_rate(value: float | None) -> str:
    return "not recorded" if value is None else share(value)


def _log(a: Assessment, f: EvidenceFinding) -> View:
    m: LogMeasures = f.measured
    plan = a.record.observability.logging_plan
    verdicts = judged(a, f)
    days = list(m.per_day.values())
    span = "—"
    if m.first is not None and m.last is not None:
        span = f"{m.first:%Y-%m-%d %H:%M} to {m.last:%Y-%m-%d %H:%M} UTC"
    volume = (
        f"{len(days)} day{'s' if len(days) != 1 else ''}; per day min {min(days):,}, "
        f"median {median(days):,.0f}, max {max(days):,}"
        if days
        else "no readable timestamps"
    )
    coverage = []
    for s in SIGNALS:
        p = plan.get(s)
        coverage.append(
            {
                "signal": s,
                "planned": "no plan" if p is None else ("logged" if p.logged else "not logged"),
                "field": m.mapping.get(s) if s in m.mapping else None,
                "coverage": m.coverage(s),
                # Per coverage criterion: its verdict on this signal (None: not required).
                "judged": [
                    r.measurement.reading(s) if r.measurement else None
                    for r in verdicts.of("signal_coverage")
                ],
                "records": m.covered.get(s, 0),
            }
        )
    pii = []
    for x in m.pii:
        p = plan.get(x.signal)  # type: ignore[call-overload]
        verdict = verdicts.reading("personal_data", x.signal)
        pii.append(
            (x, p is not None and p.redacted, verdict, [x.counts[k.name] for k in PII_KINDS])
        )
    # One column per coverage criterion that judged this file: its verdict per signal.
    required = [f"Required by {r.criterion.id}" for r in verdicts.of("signal_coverage")]
    html = macro(
        "measured.html.j2",
        "logs",
        f,
        m,
        verdicts,
        span,
        volume,
        coverage,
        required,
        sorted(EVENT_SIGNALS),
        pii,
    )
    lat = m.latency
    text = (
        f"{f.item.location}: {counted(m.records, 'record')}; p95 "
        f"{'-' if lat is None else f'{lat.p95:.0f} ms'}; errors {_text_rate(m.error_rate)}; "
        f"personal data items {sum(x.total for x in m.pii)}"
    )
    return View(html, text)


def logs_view(a: Assessment) -> View:
    """What the cited log samples show."""
    return _view(a, "log_sample", LogMeasures, _log)


# --- data extracts -------------------------------------------------------------


def _extract(a: Assessment, f: EvidenceFinding) -> View:
    m: ExtractMeasures = f.measured
    results = m.results(a.as_of)
    failed = sum(not c.passed for c in results)
    # Each check with the register entries naming its column: (live, closed).
    checks: list[tuple[Check, Any, Any]] = [
        (c, *a.record.data.gaps_naming(c.column)) for c in results
    ]
    html = macro(
        "measured.html.j2",
        "extract",
        f,
        m,
        judged(a, f),
        results,
        failed,
        checks,
        len(a.record.data.gaps),
    )
    text = (
        f"{f.item.location}: {failed} of {len(results)} expectations fail"
        if results
        else f"{f.item.location}: no expectations declared"
        if not m.unchecked
        else f"{f.item.location}: no expectation checked"
    )
    if m.unchecked:
        text += f"; {len(m.unchecked)} declared but not checked"
    return View(html, text)


def extracts_view(a: Assessment) -> View:
    """Declared expectations checked on the cited data extracts: the measured data gaps."""
    return _view(a, "data_extract", ExtractMeasures, _extract)


# --- evaluations -------------------------------------------------------------------


def _evaluation(a: Assessment, f: EvidenceFinding) -> View:
    m: EvalMeasures = f.measured
    o = m.overall
    html = macro("measured.html.j2", "evaluation", f, m, judged(a, f))
    errored = f" ({m.errors} errored)" if m.errors else ""
    text = (
        f"{f.item.location}: {o.passed}/{o.cases} pass{errored}, lower bound {share(o.interval[0])}"
    )
    return View(html, text)


def evaluations_view(a: Assessment) -> View:
    """Pass rates with their intervals, overall and per slice."""
    return _view(a, "evaluation", EvalMeasures, _evaluation)


VIEWS: dict[str, Callable[[Assessment], View]] = {
    "logs": logs_view,
    "data": extracts_view,
    "evaluation": evaluations_view,
}


def measured(a: Assessment, what: str) -> View:
    """One of the measured views by name: logs, data or evaluation."""
    if what not in VIEWS:
        raise KeyError(f"unknown measurement {what!r}; known: {', '.join(VIEWS)}")
    return VIEWS[what](a)
