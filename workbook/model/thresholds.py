"""The ``threshold`` criterion kind: gates decided by what the evidence measured.

Each measure reads one kind of evidence (the newest readable, fresh file) and
compares a measured value with the record's own threshold or the catalogue's.
A failure says what was measured and what was required. The outcome carries a
``Measurement``: the file judged and each value against its limit, with the
figures of the detail, so views and charts show the verdict without redoing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, ClassVar, Literal

from pydantic import Field

from workbook.evidence import EvidenceFinding
from workbook.evidence.evals import EvalMeasures
from workbook.evidence.extracts import ExtractMeasures
from workbook.evidence.logs import LogMeasures, redaction_breaches, share
from workbook.model.criteria import (
    Context,
    Criterion,
    Measurement,
    Outcome,
    Reading,
    register,
)
from workbook.model.records import SIGNALS
from workbook.model.selection import select_evidence

Measure = Literal[
    "signal_coverage",
    "latency_p95",
    "error_rate",
    "personal_data",
    "quality_lower_bound",
    "data_expectations",
    "gaps_registered",
]
#: The evidence kind each measure reads.
EVIDENCE_FOR: dict[str, str] = {
    "signal_coverage": "log_sample",
    "latency_p95": "log_sample",
    "error_rate": "log_sample",
    "personal_data": "log_sample",
    "quality_lower_bound": "evaluation",
    "data_expectations": "data_extract",
    "gaps_registered": "data_extract",
}


def _places(values: Iterable[float], limit: float, start: int) -> int:
    """Decimals needed so that no measured value that differs from the limit reads as equal to it.

    A p95 of 2,000.4 ms over a 2,000 ms limit fails; "2,000 ms; required at most 2,000 ms"
    would hide why.
    """
    values = list(values)
    places = start
    # Three decimals more at most: a difference beyond them says nothing a reader can use.
    while places < start + 3 and any(
        v != limit and f"{v:.{places}f}" == f"{limit:.{places}f}" for v in values
    ):
        places += 1
    return places


def _pct(value: float, places: int) -> str:
    """``_pct(0.9512, 1)`` -> '95.1%' (``places`` decimals of the percentage)."""
    return f"{value * 100:.{places}f}%"


def _pct_places(values: Iterable[float], limit: float) -> int:
    return _places((v * 100 for v in values), limit * 100, 1)


def planned_signals(ctx: Context, redacted: bool = False) -> list[str]:
    """Signals the logging plan says are logged (and, with ``redacted``, redacted)."""
    plan = ctx.record.observability.logging_plan
    return [
        s
        for s in SIGNALS
        if (p := plan.get(s)) is not None and p.logged and (p.redacted or not redacted)
    ]


def _read(about: Measurement, readings: Iterable[Reading]) -> Measurement:
    """``about`` (the file judged) with the values compared."""
    return replace(about, readings=tuple(readings))


def _coverage(
    c: ThresholdCriterion, ctx: Context, m: LogMeasures, where: str, about: Measurement
) -> Outcome:
    planned = planned_signals(ctx)
    if not planned:
        return Outcome("missing", "no signal is planned as logged, so none can be checked")
    need = c.min_coverage
    low = [s for s in planned if m.coverage(s) < need]
    places = _pct_places((m.coverage(s) for s in low), need)
    readings = [
        Reading(
            s,
            m.coverage(s),
            need,
            "at_least",
            s not in low,
            _pct(m.coverage(s), places),
            _pct(need, places),
        )
        for s in planned
    ]
    measured = _read(about, readings)
    if low:
        shown = ", ".join(
            f"{r.name} {r.shown} ({m.covered.get(r.name, 0):,} of {m.records:,})"
            for r in readings
            if not r.passed
        )
        return Outcome(
            "below_threshold",
            f"measured {shown}; required at least {_pct(need, places)} of records for every "
            f"planned signal ({where})",
            measured,
        )
    lowest = min(planned, key=m.coverage)
    return Outcome(
        "met",
        f"{len(planned)} planned signals each in at least {share(need)} of {m.records} records "
        f"(lowest: {lowest} {share(m.coverage(lowest))}; {where})",
        measured,
    )


def _record_limit(ctx: Context, name: str, label: str) -> float | Outcome:
    """The record's own threshold ``trust.thresholds.<name>``, or why there is none."""
    limit = getattr(ctx.record.trust.thresholds, name)
    if limit is None:
        return Outcome("missing", f"no {label} threshold is set (trust.thresholds.{name})")
    return float(limit)


def _latency(
    c: ThresholdCriterion, ctx: Context, m: LogMeasures, where: str, about: Measurement
) -> Outcome:
    limit = _record_limit(ctx, "latency_p95_ms", "latency")
    if isinstance(limit, Outcome):
        return limit
    if m.latency is None:
        return Outcome("unverified", f"the log sample carries no latency values ({where})")
    p95 = m.latency.p95
    places = _places([p95], limit, 0)
    reading = _at_most("p95", p95, limit, lambda v: f"{v:,.{places}f} ms")
    text = f"measured p95 {reading.shown} over {m.latency.count:,} requests"
    return _at_most_outcome(reading, text, where, about)


def _errors(
    c: ThresholdCriterion, ctx: Context, m: LogMeasures, where: str, about: Measurement
) -> Outcome:
    limit = _record_limit(ctx, "error_rate", "error rate")
    if isinstance(limit, Outcome):
        return limit
    if m.error_rate is None:
        return Outcome("unverified", f"the log sample records no exceptions field ({where})")
    places = _pct_places([m.error_rate], limit)
    reading = _at_most("error rate", m.error_rate, limit, lambda v: _pct(v, places))
    text = f"measured error rate {reading.shown} ({m.errors:,} of {m.records:,})"
    return _at_most_outcome(reading, text, where, about)


def _at_most(name: str, value: float, limit: float, show: Callable[[float], str]) -> Reading:
    """``value`` passes when it does not exceed ``limit``; both written by ``show``."""
    return Reading(name, value, limit, "at_most", value <= limit, show(value), show(limit))


def _at_most_outcome(r: Reading, text: str, where: str, about: Measurement) -> Outcome:
    """Met when the reading passed; ``text`` says what was measured."""
    if not r.passed:
        return Outcome(
            "below_threshold",
            f"{text}; required at most {r.limit_shown} ({where})",
            _read(about, [r]),
        )
    return Outcome("met", f"{text}, within {r.limit_shown} ({where})", _read(about, [r]))


def _personal(
    c: ThresholdCriterion, ctx: Context, m: LogMeasures, where: str, about: Measurement
) -> Outcome:
    redacted = planned_signals(ctx, redacted=True)
    breaches = redaction_breaches(m, redacted)
    # Per signal planned as redacted: the personal data items found in it; none is allowed.
    readings = _read(
        about,
        (
            _at_most(s, sum(b.total for b in breaches if b.signal == s), 0, lambda v: f"{v:,}")
            for s in redacted
        ),
    )
    if breaches:
        found = "; ".join(f"{b.signal} (field {b.field}): {b.describe()}" for b in breaches)
        return Outcome(
            "below_threshold",
            f"measured {found}; the logging plan says these are redacted, so none is allowed "
            f"({where})",
            readings,
        )
    if not redacted:
        kept = sum(f.total for f in m.pii)
        note = f"; {kept} personal data items are kept as the plan allows" if kept else ""
        return Outcome("met", f"no signal is planned as redacted{note} ({where})", readings)
    return Outcome(
        "met",
        f"no personal data in the {len(redacted)} signals planned as redacted "
        f"({', '.join(redacted)}; {where})",
        readings,
    )


def _quality(
    c: ThresholdCriterion, ctx: Context, m: EvalMeasures, where: str, about: Measurement
) -> Outcome:
    limit = _record_limit(ctx, "quality_pass_rate", "quality")
    if isinstance(limit, Outcome):
        return limit
    o = m.overall
    low, high = o.interval
    places = _pct_places([low], limit)
    reading = Reading(
        "lower bound", low, limit, "at_least", low >= limit, _pct(low, places), _pct(limit, places)
    )
    text = (
        f"pass rate {share(o.rate)} ({o.passed} of {o.cases}), 95% interval "
        f"{_pct(low, places)} to {_pct(high, places)}"
    )
    weakest = min(m.slices, key=lambda s: s.lower, default=None)
    slice_note = (
        f"; weakest slice {weakest.slice}: {share(weakest.rate)} of {weakest.cases} "
        f"(lower bound {share(weakest.lower)})"
        if weakest is not None and len(m.slices) > 1
        else ""
    )
    if not reading.passed:
        return Outcome(
            "below_threshold",
            f"{text}; the lower bound must reach {reading.limit_shown}{slice_note} ({where})",
            _read(about, [reading]),
        )
    return Outcome(
        "met",
        f"{text}; lower bound at or above {reading.limit_shown}{slice_note} ({where})",
        _read(about, [reading]),
    )


def _data(
    c: ThresholdCriterion, ctx: Context, m: ExtractMeasures, where: str, about: Measurement
) -> Outcome:
    results = m.results(ctx.as_of)
    if not results:
        return Outcome(
            "unverified",
            f"the extract declares no expectations to check ({where}); "
            "declare them under the evidence item's expectations",
        )
    gaps = [r for r in results if not r.passed]
    if gaps:
        listed = "; ".join(f"{g.column} {g.expectation}: {g.detail}" for g in gaps)
        return Outcome(
            "below_threshold",
            f"{len(gaps)} of {_count(len(results), 'expectation')} fail"
            f"{'s' if len(gaps) == 1 else ''} on {_count(m.rows, 'row')}: {listed}; "
            f"required: all ({where})",
        )
    held = "the expectation holds" if len(results) == 1 else f"all {len(results)} expectations hold"
    return Outcome("met", f"{held} on {_count(m.rows, 'row')} ({where})")


def _count(n: int, noun: str) -> str:
    """``_count(1, 'row')`` -> '1 row'; ``_count(1200, 'row')`` -> '1,200 rows'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _registered(
    c: ThresholdCriterion, ctx: Context, m: ExtractMeasures, where: str, about: Measurement
) -> Outcome:
    gaps = m.gaps(ctx.as_of)
    loose = []
    for gap in gaps:
        live, closed = ctx.record.data.gaps_naming(gap.column)
        if live:
            continue
        note = " (registered as closed, yet measured)" if closed else ""
        loose.append(f"{gap.column} {gap.expectation}{note}")
    if loose:
        return Outcome(
            "missing",
            f"{len(loose)} of {_count(len(gaps), 'measured data gap')} "
            f"{'is' if len(loose) == 1 else 'are'} not in the gap register: {'; '.join(loose)}; "
            f"register each with the columns it concerns ({where})",
        )
    if not gaps:
        return Outcome("met", f"the extract shows no data gap ({where})")
    return Outcome(
        "met", f"each of the {_count(len(gaps), 'measured data gap')} is registered ({where})"
    )


_JUDGES: dict[str, Callable[[Any, Context, Any, str, Measurement], Outcome]] = {
    "signal_coverage": _coverage,
    "latency_p95": _latency,
    "error_rate": _errors,
    "personal_data": _personal,
    "quality_lower_bound": _quality,
    "data_expectations": _data,
    "gaps_registered": _registered,
}


@register
class ThresholdCriterion(Criterion):
    """A measured value from fresh evidence meets its threshold."""

    kind_name: ClassVar[str] = "threshold"
    kind: Literal["threshold"]
    measure: Measure
    #: For ``signal_coverage``: the share of records each planned signal must appear in.
    min_coverage: float = Field(default=0.95, gt=0, le=1)
    max_age_days: int | None = Field(default=None, ge=1)

    def _about(self, finding: EvidenceFinding | None) -> Measurement:
        """A measurement of ``finding`` (None: no file) with nothing compared yet."""
        kind = EVIDENCE_FOR[self.measure]
        if finding is None:
            return Measurement(self.measure, kind)
        return Measurement(self.measure, kind, finding.item.location, finding.item.date)

    def judge(self, ctx: Context) -> Outcome:
        kind = EVIDENCE_FOR[self.measure]
        # The newest file decides: a broken new export must not pass on an older one.
        cited = [f for f in ctx.evidence.of_kind(kind) if f.item.date <= ctx.as_of]
        newest = max(cited, key=lambda f: f.item.date, default=None)
        outcome = self._judge_newest(ctx, kind, newest)
        if outcome.measurement is not None:
            return outcome
        # Unreadable, stale, a link or nothing cited: the verdict is about the newest file.
        return replace(outcome, measurement=self._about(newest))

    def _judge_newest(self, ctx: Context, kind: str, newest: EvidenceFinding | None) -> Outcome:
        if newest is not None and not newest.readable:
            return Outcome("unreadable", f"{newest.item.location}: {newest.reason}")
        finding: EvidenceFinding | None
        if self.measure == "gaps_registered":
            # A known gap must be registered however old the measurement; no extract
            # measured yet means no measured gap to register.
            if newest is None:
                return Outcome("met", f"no {kind} is cited yet, so no measured gap to register")
            finding, problem = newest, None
        else:
            finding, problem = select_evidence(ctx, kind, self.max_age_days)
        if finding is None:
            return problem or Outcome("missing", f"no {kind} evidence is cited")
        where = f"{finding.item.location} of {finding.item.date}"
        if finding.measured is None:
            why = (
                "is a link; measuring needs the file"
                if finding.item.path is None
                else ("was not measured")
            )
            return Outcome("unverified", f"{kind} evidence {where} {why}")
        about = self._about(finding)
        outcome = _JUDGES[self.measure](self, ctx, finding.measured, where, about)
        return outcome if outcome.measurement is not None else replace(outcome, measurement=about)
