"""Views of what the evidence measured: logs, data extracts, evaluation results.

Everything read from an evidence file (field names, slice names, values,
examples) is user text, written by ``templates/measured.html.j2`` (autoescaped);
personal data appears only redacted.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from statistics import median
from typing import Any

from workbook.evidence import EvidenceFinding
from workbook.evidence.evals import EvalMeasures
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import EVENT_SIGNALS, LogMeasures, share
from workbook.evidence.pii import KINDS as PII_KINDS
from workbook.model.assess import Assessment
from workbook.model.records import SIGNALS
from workbook.present.html import macro
from workbook.present.views import View, note

#: The evidence kind behind each measured view.
KIND_OF = {"logs": "log_sample", "data": "data_extract", "evaluation": "evaluation"}


def findings(a: Assessment, kind: str) -> list[EvidenceFinding]:
    """Cited evidence of ``kind`` that existed on the assessment date, newest first."""
    found = [f for f in a.evidence.of_kind(kind) if f.item.date <= a.as_of]
    return sorted(found, key=lambda f: f.item.date, reverse=True)


def newest(a: Assessment, kind: str, measures: type) -> EvidenceFinding | None:
    """The newest finding of ``kind`` whose measurements are of type ``measures``."""
    return next((f for f in findings(a, kind) if isinstance(f.measured, measures)), None)


def min_coverage(a: Assessment) -> float:
    """The coverage the catalogue asks of each planned signal (0.95 unless it says otherwise)."""
    for r in a.results:
        if getattr(r.criterion, "measure", None) == "signal_coverage":
            return float(r.criterion.min_coverage)  # type: ignore[attr-defined]
    return 0.95


def _unmeasured(f: EvidenceFinding) -> View:
    """Cited but not measured: unreadable (the reason is shown) or a link."""
    text = (
        f"{f.item.location}: unreadable: {f.reason}"
        if not f.readable
        else f"{f.item.location}: a link, not measured"
    )
    return View(macro("measured.html.j2", "unmeasured", f), text)


def _view(a: Assessment, kind: str, measures: type, show: Callable[..., View]) -> View:
    cited = findings(a, kind)
    if not cited:
        label = kind.replace("_", " ")
        return note(f"No {label} is cited.", f"No {label} cited.")
    shown = [show(a, f) if isinstance(f.measured, measures) else _unmeasured(f) for f in cited]
    return reduce(operator.add, shown)


# --- logs -------------------------------------------------------------------


def _text_rate(value: float | None) -> str:
    return "not recorded" if value is None else share(value)


def _log(a: Assessment, f: EvidenceFinding) -> View:
    m: LogMeasures = f.measured
    plan = a.record.observability.logging_plan
    need = min_coverage(a)
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
                # Only a signal the plan logs is held to the gate's coverage.
                "short": p is not None and p.logged and m.coverage(s) < need,
                "records": m.covered.get(s, 0),
            }
        )
    pii = []
    for x in m.pii:
        p = plan.get(x.signal)  # type: ignore[call-overload]
        pii.append((x, p is not None and p.redacted, [x.counts[k.name] for k in PII_KINDS]))
    html = macro(
        "measured.html.j2",
        "logs",
        f,
        m,
        a.record.trust.thresholds,
        span,
        volume,
        coverage,
        need,
        sorted(EVENT_SIGNALS),
        pii,
    )
    lat = m.latency
    text = (
        f"{f.item.location}: {m.records} records; p95 "
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
        "measured.html.j2", "extract", f, m, results, failed, checks, len(a.record.data.gaps)
    )
    text = (
        f"{f.item.location}: {failed} of {len(results)} expectations fail"
        if results
        else f"{f.item.location}: no expectations declared"
    )
    return View(html, text)


def extracts_view(a: Assessment) -> View:
    """Declared expectations checked on the cited data extracts: the measured data gaps."""
    return _view(a, "data_extract", ExtractMeasures, _extract)


# --- evaluations -------------------------------------------------------------------


def _evaluation(a: Assessment, f: EvidenceFinding) -> View:
    m: EvalMeasures = f.measured
    limit = a.record.trust.thresholds.quality_pass_rate
    o = m.overall
    html = macro("measured.html.j2", "evaluation", f, m, limit)
    text = f"{f.item.location}: {o.passed}/{o.cases} pass, lower bound {share(o.interval[0])}"
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
