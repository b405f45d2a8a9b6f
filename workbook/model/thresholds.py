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
from workbook.evidence.logs import FieldPII, LogMeasures, redaction_breaches, share
from workbook.model.answers import is_answered
from workbook.model.criteria import (
    Context,
    Criterion,
    Measurement,
    Outcome,
    Reading,
    register,
)
from workbook.model.records import SIGNALS
from workbook.model.rules import SampleRule, looser_than_limits
from workbook.model.selection import (
    after_as_of,
    is_synthetic,
    newest_cited,
    noting_later,
    real_cases,
    select_evidence,
    unmeasured,
)
from workbook.model.traffic import measured_use, over_controlled_use

Measure = Literal[
    "signal_coverage",
    "latency_p95",
    "error_rate",
    "personal_data",
    "quality_lower_bound",
    "data_expectations",
    "gaps_registered",
    "controlled_use",
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
    "controlled_use": "log_sample",
}
#: Content signals a constant value may legitimately fill (one prompt version, one state).
CONSTANT_ALLOWED = frozenset({"prompts", "workflow_state"})


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


def figure(value: float | None) -> str | None:
    """A limit as people write it: 1500.0 -> '1,500', 2.5 -> '2.5'; None stays None.

    Thousands separated, no trailing zeros: only the decimals the value has (six at most).
    """
    if value is None:
        return None
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(value: float | None) -> str | None:
    """A share as a percentage with only the decimals it has: 0.02 -> '2%', 0.0125 -> '1.25%'."""
    # Rounded first: 0.85 * 100 is 85.00000000000001 in binary floating point.
    return None if value is None else f"{figure(round(value * 100, 6))}%"


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
    # One value in every record is a placeholder, not a logged signal: it covers nothing.
    constant = [
        s for s in planned if s not in CONSTANT_ALLOWED and m.distinct.get(s) == 1 and m.records > 1
    ]

    def coverage(s: str) -> float:
        return 0.0 if s in constant else m.coverage(s)

    low = [s for s in planned if coverage(s) < need]
    places = _pct_places((coverage(s) for s in low), need)
    readings = [
        Reading(
            s,
            coverage(s),
            need,
            "at_least",
            s not in low,
            _pct(coverage(s), places),
            _pct(need, places),
        )
        for s in planned
    ]
    measured = _read(about, readings)
    if low:
        shown = ", ".join(
            f"{r.name} {r.shown} (one constant value in every record)"
            if r.name in constant
            else f"{r.name} {r.shown} ({m.covered.get(r.name, 0):,} of {m.base(r.name):,})"
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
        f"{len(planned)} planned signal{_s(len(planned))} each in at least {share(need)} of "
        f"{m.records} record{_s(m.records)} "
        f"(lowest: {lowest} {share(m.coverage(lowest))}; {where})",
        measured,
    )


def _record_limit(ctx: Context, name: str, label: str) -> float | Outcome:
    """The record's own threshold ``trust.thresholds.<name>``, or why there is none."""
    thresholds = ctx.record.trust.thresholds
    limit = getattr(thresholds, name)
    if limit is None:
        return Outcome("missing", f"no {label} threshold is set (trust.thresholds.{name})")
    # A record may be stricter than the organisation, never looser.
    looser = [t for t in looser_than_limits(thresholds, ctx.rules.limits) if t.startswith(name)]
    if looser:
        return Outcome(
            "missing",
            f"trust.thresholds.{looser[0]}; a record may set a stricter threshold, "
            "never a looser one",
        )
    return float(limit)


def _latency(
    c: ThresholdCriterion, ctx: Context, m: LogMeasures, where: str, about: Measurement
) -> Outcome:
    limit = _record_limit(ctx, "latency_p95_ms", "latency")
    if isinstance(limit, Outcome):
        return limit
    if m.latency is None:
        return Outcome("unverified", f"the log sample carries no latency values ({where})")
    least = ctx.rules.plausibility.min_latency_ms
    if m.latency.p50 < least:
        return Outcome(
            "unverified",
            f"median {m.latency.p50:,.3g} ms is not believable for an AI call (at least "
            f"{least:g} ms, plausibility.min_latency_ms); is it seconds? ({where})",
        )
    p95 = m.latency.p95
    places = _places([p95], limit, 0)
    reading = _at_most("p95", p95, limit, lambda v: f"{v:,.{places}f} ms")
    text = f"measured p95 {reading.shown} over {_count(m.latency.count, 'request')}"
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
    text = f"measured error rate {reading.shown} ({m.errors:,} of {m.records:,}"
    mapped = m.mapping.get("exceptions")
    found = max(m.error_fields, key=lambda k: m.error_fields[k], default=None)
    if (
        found is not None
        and found != mapped
        and m.error_fields[found] > m.error_fields.get(mapped or "", 0)
    ):
        # Measured facts win: the field that shows the errors counts, not the one mapped.
        text += f", from field '{found}'; the mapped '{mapped}' shows "
        text += f"{m.error_fields.get(mapped or '', 0):,}"
    text += ")"
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
    obs = ctx.record.observability
    redacted = planned_signals(ctx, redacted=True)
    breaches = redaction_breaches(m, redacted)
    # Personal data outside the redacted signals is allowed only where privacy decided so:
    # the signal's plan keeps it, and the decision is written down.
    decided = is_answered(obs.privacy_decisions, ctx.rules.answers, description=True)
    kept: list[FieldPII] = []
    undecided: list[FieldPII] = []
    for f in m.pii:
        if f.signal in redacted or not f.total:
            continue
        plan = obs.logging_plan.get(f.signal)  # type: ignore[call-overload]
        allowed = plan is not None and plan.logged and plan.keeps_personal_data and decided
        (kept if allowed else undecided).append(f)
    elsewhere = [f for f in m.pii_elsewhere if f.total]
    # Per signal planned as redacted, and per place personal data may not be: none allowed.
    found: dict[str, int] = {s: 0 for s in redacted}
    for f in [*breaches, *undecided]:
        found[f.signal] = found.get(f.signal, 0) + f.total
    for f in elsewhere:
        found[f.field] = found.get(f.field, 0) + f.total
    readings = _read(about, (_at_most(name, n, 0, lambda v: f"{v:,}") for name, n in found.items()))
    parts = []
    if breaches:
        listed = "; ".join(f"{b.signal} (field {b.field}): {b.describe()}" for b in breaches)
        parts.append(f"{listed}; the logging plan says these are redacted, so none is allowed")
    if undecided:
        listed = "; ".join(f"{b.signal} (field {b.field}): {b.describe()}" for b in undecided)
        parts.append(
            f"{listed}; no privacy decision covers personal data there (the signal's plan "
            "must say keeps_personal_data, and observability.privacy_decisions record why)"
        )
    if elsewhere:
        listed = "; ".join(f"field {b.field}: {b.describe()}" for b in elsewhere)
        parts.append(f"{listed}; a field that carries no logged signal may hold none")
    if parts:
        return Outcome("below_threshold", f"measured {'; '.join(parts)} ({where})", readings)
    note = ""
    if kept:
        n = sum(f.total for f in kept)
        signals = ", ".join(f.signal for f in kept)
        note = f"; {n} personal data items are kept in {signals}, as privacy decided"
    if not redacted:
        return Outcome("met", f"no signal is planned as redacted{note} ({where})", readings)
    listed = ", ".join(redacted)
    shown = f"({listed}){note} ({where})" if note else f"({listed}; {where})"
    return Outcome(
        "met",
        f"no personal data in the {len(redacted)} signals planned as redacted {shown}",
        readings,
    )


def _quality(
    c: ThresholdCriterion, ctx: Context, m: EvalMeasures, where: str, about: Measurement
) -> Outcome:
    limit = _record_limit(ctx, "quality_pass_rate", "quality")
    if isinstance(limit, Outcome):
        return limit
    # Synthetic cases say how the system handles what its builders imagined: real ones count.
    markers = ctx.rules.plausibility.synthetic_markers
    o, synthetic, why = real_cases(m, markers)
    low, high = o.interval
    places = _pct_places([low], limit)
    reading = Reading(
        "lower bound", low, limit, "at_least", low >= limit, _pct(low, places), _pct(limit, places)
    )
    real = " real cases" if synthetic else ""
    text = (
        f"pass rate {share(o.rate)} ({o.passed} of {o.cases}{real}), 95% interval "
        f"{_pct(low, places)} to {_pct(high, places)}"
    )
    if synthetic:
        text += f" ({synthetic:,} synthetic cases, {why}, left out)"
    if m.overruled:
        # Measured facts win: the result column that passes fewest cases counts.
        text += f" ({m.overruled})"
    slices = [s for s in m.slices if not is_synthetic(s.slice, markers)]
    weakest = min(slices, key=lambda s: s.lower, default=None)
    slice_note = (
        f"; weakest slice {weakest.slice}: {share(weakest.rate)} of {weakest.cases} "
        f"(lower bound {share(weakest.lower)})"
        if weakest is not None and len(slices) > 1
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


def _loose_expectations(ctx: Context, m: ExtractMeasures, declared: Any) -> list[str]:
    """Each way the declared expectations are set so loosely they can hardly fail."""
    p = ctx.rules.plausibility
    out = []
    n = len(m.results(ctx.as_of))
    if n < p.min_expectations:
        out.append(
            f"only {_count(n, 'expectation')} declared; at least {p.min_expectations} "
            "(plausibility.min_expectations)"
        )
    for column, expectation, most in m.tolerated:
        # A suite's ``mostly`` leaves as much slack as a missing share does.
        if most > p.max_missing_share:
            out.append(
                f"{column} {expectation} may fail for {most:.0%} of its values (mostly "
                f"{1 - most:g}); at most {p.max_missing_share:.0%} (plausibility.max_missing_share)"
            )
    if declared is not None:
        for column, most in declared.max_missing_share.items():
            if most > p.max_missing_share:
                out.append(
                    f"{column} may be {most:.0%} empty; at most {p.max_missing_share:.0%} "
                    "(plausibility.max_missing_share)"
                )
        fresh = declared.freshness
        if fresh is not None and fresh.max_age_days > p.max_freshness_days:
            out.append(
                f"{fresh.column} counts as fresh up to {fresh.max_age_days} "
                f"day{_s(fresh.max_age_days)} old; at most {p.max_freshness_days} "
                "(plausibility.max_freshness_days)"
            )
    return out


def _data(
    c: ThresholdCriterion, ctx: Context, m: ExtractMeasures, where: str, about: Measurement
) -> Outcome:
    results = m.results(ctx.as_of)
    # Declared but not checkable by the workbook: listed, never counted as holding.
    unchecked = "; ".join(f"{u.column} {u.expectation}: {u.detail}" for u in m.unchecked)
    if not results and not unchecked:
        return Outcome(
            "unverified",
            f"the extract declares no expectations to check ({where}); "
            "declare them under the evidence item's expectations",
        )
    if results and (loose := _loose_expectations(ctx, m, _declared(ctx, about))):
        return _too_loose(loose, where)
    gaps = [r for r in results if not r.passed]
    if gaps:
        listed = "; ".join(f"{g.column} {g.expectation}: {g.detail}" for g in gaps)
        also = f"; besides, {len(m.unchecked)} not checked: {unchecked}" if unchecked else ""
        return Outcome(
            "below_threshold",
            f"{len(gaps)} of {_count(len(results), 'expectation')} fail"
            f"{'s' if len(gaps) == 1 else ''} on {_count(m.rows, 'row')}: {listed}{also}; "
            f"required: all ({where})",
        )
    if unchecked:
        return Outcome(
            "unverified",
            f"{_count(len(m.unchecked), 'declared expectation')} could not be checked: "
            f"{unchecked}; cite the tool's validation result for them, or leave them out of "
            f"the suite ({where})",
        )
    held = "the expectation holds" if len(results) == 1 else f"all {len(results)} expectations hold"
    return Outcome("met", f"{held} on {_count(m.rows, 'row')} ({where})")


def _s(n: int) -> str:
    """The plural ending for ``n`` of a noun that takes an s."""
    return "" if n == 1 else "s"


def _count(n: int, noun: str) -> str:
    """``_count(1, 'row')`` -> '1 row'; ``_count(1200, 'row')`` -> '1,200 rows'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _declared(ctx: Context, about: Measurement) -> Any:
    """The expectations the judged extract's evidence item declares (None: none)."""
    item = next(
        (f.item for f in ctx.evidence.of_kind("data_extract") if about.judged(f.item)), None
    )
    return None if item is None else item.expectations


def _too_loose(loose: list[str], where: str) -> Outcome:
    return Outcome(
        "unverified",
        f"the extract's expectations are set too loosely to fail: {'; '.join(loose)} ({where})",
    )


def _registered(
    c: ThresholdCriterion, ctx: Context, m: ExtractMeasures, where: str, about: Measurement
) -> Outcome:
    # Loosened (or no) expectations hide the gaps an extract would show.
    if loose := _loose_expectations(ctx, m, _declared(ctx, about)):
        return _too_loose(loose, where)
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


def _controlled_use(c: ThresholdCriterion, ctx: Context) -> Outcome:
    """Requests a day (and users) over every fresh log sample against the declared limits."""
    limits = ctx.record.scope.controlled_use
    newest, broken = newest_cited(ctx, "log_sample")
    about = c._about(newest)
    if broken is not None:
        return replace(broken, measurement=about)
    if limits.max_daily_volume is None:
        return Outcome(
            "missing",
            "no daily volume ceiling is declared (scope.controlled_use.max_daily_volume)",
            about,
        )
    window = ctx.freshness_days.get("log_sample")
    use = measured_use(ctx.evidence, ctx.as_of, window)
    if not use.per_day:
        recent = f"from the last {window} days " if window is not None else ""
        return Outcome(
            "met", f"no log sample {recent}shows use to compare with the declared ceiling", about
        )
    tolerance = ctx.rules.controlled_use.tolerance
    allowed = limits.max_daily_volume * (1 + tolerance)
    readings = [
        Reading("busiest day", use.busiest, allowed, "at_most", use.busiest <= allowed,
                f"{use.busiest:,}", f"{allowed:,.0f}"),
    ]  # fmt: skip
    if limits.max_users is not None and use.users is not None:
        most = limits.max_users
        readings.append(Reading("users", use.users, most, "at_most", use.users <= most,
                                f"{use.users:,}", f"{most:,}"))  # fmt: skip
    measured = _read(about, readings)
    where = f"{use.shown_files()} {len(use.per_day)} days of use"
    over = over_controlled_use(ctx.record, use, tolerance)
    if over:
        return Outcome(
            "below_threshold",
            f"{'; '.join(over)}: use beyond the declared controlled use ({where})",
            measured,
        )
    users = f", {use.users:,} distinct users" if use.users is not None else ""
    noise = f" and its {tolerance:.0%} tolerance" if use.busiest > limits.max_daily_volume else ""
    return Outcome(
        "met",
        f"busiest day {use.busiest:,} requests{users}, within the declared "
        f"{limits.max_daily_volume:,} a day{noise} ({where})",
        measured,
    )


@register
class ThresholdCriterion(Criterion):
    """A measured value from fresh evidence meets its threshold."""

    kind_name: ClassVar[str] = "threshold"
    kind: Literal["threshold"]
    measure: Measure
    #: For ``signal_coverage``: the share of records each planned signal must appear in.
    min_coverage: float = Field(default=0.95, gt=0, le=1)
    max_age_days: int | None = Field(default=None, ge=1)
    #: Raises the catalogue's minimum sample for this criterion (the fields it sets).
    min_sample: SampleRule | None = None

    def _about(self, finding: EvidenceFinding | None) -> Measurement:
        """A measurement of ``finding`` (None: no file) with nothing compared yet."""
        kind = EVIDENCE_FOR[self.measure]
        if finding is None:
            return Measurement(self.measure, kind)
        return Measurement(self.measure, kind, finding.item.location, finding.item.date)

    def judge(self, ctx: Context) -> Outcome:
        if self.measure == "controlled_use":
            return _controlled_use(self, ctx)
        kind = EVIDENCE_FOR[self.measure]
        # The newest file decides: a broken new export must not pass on an older one.
        newest, broken = newest_cited(ctx, kind)
        # An older file judged: a later one, not counted yet, is named beside the verdict.
        outcome = noting_later(ctx, kind, broken or self._judge_newest(ctx, kind, newest))
        if outcome.measurement is not None:
            return outcome
        # Unreadable, stale, too small, a link or nothing cited: the verdict is about the
        # newest file.
        return replace(outcome, measurement=self._about(newest))

    def _judge_newest(self, ctx: Context, kind: str, newest: EvidenceFinding | None) -> Outcome:
        finding: EvidenceFinding | None
        if self.measure == "gaps_registered":
            # A known gap must be registered however old or small the measurement; no
            # extract measured yet means no measured gap to register.
            if newest is None:
                later = after_as_of(ctx, kind)
                if later:
                    return Outcome("met", f"no measured gap to register yet: {later}")
                return Outcome("met", f"no {kind} is cited yet, so no measured gap to register")
            finding, problem = newest, None
        else:
            finding, problem = select_evidence(ctx, kind, self.max_age_days, self.min_sample)
        if finding is None:
            return problem or Outcome("missing", f"no {kind} evidence is cited")
        where = f"{finding.item.location} of {finding.item.date}"
        if finding.measured is None:
            return unmeasured(finding)
        about = self._about(finding)
        outcome = _JUDGES[self.measure](self, ctx, finding.measured, where, about)
        return outcome if outcome.measurement is not None else replace(outcome, measurement=about)
