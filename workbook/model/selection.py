"""Which cited evidence a criterion rests on, and whether it may rest on it.

The newest cited file of a kind decides (a broken or failing newer file is never
passed over for an older one); it must be readable, fresh, the initiative's own,
big enough to judge and, for reviews, drills and trainings, record a passing
outcome. Measured facts win over declared ones: a log sample is as old as its
newest entry, whatever date the record gives it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import cast

from workbook.evidence import EvidenceFinding
from workbook.evidence.documents import DocumentMeasures
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import ExtractMeasures
from workbook.evidence.logs import LogMeasures
from workbook.model.criteria import Context, Outcome, Status
from workbook.model.rules import SampleRule, outcome_problem, sample_for
from workbook.words import counted

#: Evidence kinds the inspectors measure: a link or an unmeasured file cannot show its size.
MEASURED_KINDS = frozenset({"log_sample", "evaluation", "data_extract"})


def newest_cited(ctx: Context, kind: str) -> tuple[EvidenceFinding | None, Outcome | None]:
    """The newest cited item of ``kind`` dated on or before the assessment date.

    An unreadable item of that newest date makes the whole verdict unreadable: a
    broken new file is never passed over for a readable one beside or before it.
    """
    cited = [f for f in ctx.evidence.of_kind(kind) if f.item.date <= ctx.as_of]
    if not cited:
        return None, None
    date = max(f.item.date for f in cited)
    newest = [f for f in cited if f.item.date == date]
    broken = [f for f in newest if not f.readable]
    if broken:
        return broken[0], Outcome(
            "unreadable", "; ".join(f"{f.item.location}: {f.reason}" for f in broken)
        )
    return newest[-1], None


@dataclass(frozen=True)
class LogSpan:
    """How long and how evenly a log sample covers its days."""

    #: Calendar days from the first to the last entry, both counted.
    days: int
    #: The time from the first to the last entry, in days (fractional).
    elapsed: float
    #: Days with at least one entry.
    with_records: int
    #: Days holding at least the rule's share of the mean entries per calendar day.
    active: int
    #: That least number of entries a day must hold to count as active.
    least: float


def log_span(m: LogMeasures, min_day_share: float = 0.0) -> LogSpan:
    """The span of ``m`` and its active days: each holding ``min_day_share`` of the mean day.

    The mean is over every calendar day of the span, empty ones included: 270 entries on
    one day and one on each of four others over 8 days make a mean of 34.25, so a day
    needs 3.4 entries at a share of 0.1 and only the busy day counts.
    """
    dated = {d: n for d, n in m.per_day.items() if isinstance(d, dt.date) and n > 0}
    if m.first is None or m.last is None:
        return LogSpan(0, 0.0, len(dated), len(dated), 0.0)
    days = (m.last.date() - m.first.date()).days + 1
    # Exact: a share of 0.1 of 280 records over 7 days is 4 records, not 4.000000000000001.
    least = Fraction(str(min_day_share)) * sum(dated.values()) / days
    active = sum(1 for n in dated.values() if n >= least)
    elapsed = (m.last - m.first).total_seconds() / 86400
    return LogSpan(days, elapsed, len(dated), active, float(least))


def is_synthetic(value: str | None, markers: tuple[str, ...]) -> bool:
    """Does a slice or origin name mark synthetic cases (a marker as a substring, any case)?"""
    text = (value or "").casefold()
    return any(marker.casefold() in text for marker in markers)


def real_cases(m: EvalMeasures, markers: tuple[str, ...]) -> tuple[PassRate, int, str]:
    """The evaluation's real cases: (pass rate over them, synthetic cases left out, how known).

    Slices, origins and a synthetic flag may overlap, so they are not added up: the
    source that marks the most cases decides. A flag says how many, not how many of
    them passed: they are assumed to have passed, so the rate left is the least it can be.
    """
    found: list[tuple[int, int, str]] = []  # (cases, passed, why)
    slices = [s for s in m.slices if is_synthetic(s.slice, markers)]
    if slices:
        names = ", ".join(f"'{s.slice}'" for s in slices)
        found.append((sum(s.cases for s in slices), sum(s.passed for s in slices),
                      f"slice {names}"))  # fmt: skip
    origins = {k: v for k, v in m.origins.items() if is_synthetic(k, markers)}
    if origins:
        names = ", ".join(f"'{k}'" for k in origins)
        cases_passed = origins.values()
        found.append(
            (sum(c for c, _ in cases_passed), sum(p for _, p in cases_passed), f"origin {names}")
        )
    if m.flagged_synthetic:
        flagged = m.flagged_synthetic
        found.append((flagged, min(flagged, m.overall.passed), "flagged synthetic"))
    if not found:
        return m.overall, 0, ""
    cases, passed, why = max(found, key=lambda f: f[0])
    cases = min(cases, m.overall.cases)
    passed = min(passed, m.overall.passed)
    real = PassRate(None, m.overall.cases - cases, max(0, m.overall.passed - passed))
    return real, cases, why


def unmeasured(finding: EvidenceFinding) -> Outcome:
    """``unverified``: evidence of a measured kind that carries no measurement."""
    item = finding.item
    why = "is a link; measuring needs the file" if item.path is None else "was not measured"
    return Outcome("unverified", f"{item.kind} evidence {item.location} of {item.date} {why}")


def _s(n: int) -> str:
    """The plural ending for ``n`` of a noun that takes an s (figures written as they were)."""
    return "" if n == 1 else "s"


def _share(share: float) -> str:
    """``0.1`` -> '10%', ``0.025`` -> '2.5%': as set, never rounded to another share."""
    return f"{share * 100:g}%"


def _sample_problem(
    ctx: Context, finding: EvidenceFinding, rule: SampleRule, key: str
) -> Outcome | None:
    """``insufficient`` when the measured sample is smaller or shorter than ``rule``."""
    m = finding.measured
    if isinstance(m, LogMeasures):
        span = log_span(m, rule.min_day_share)
        # Seven dates are not a week when the first entry is at 23:59 and the last at 00:01.
        # (Fewer dates than asked are fewer days in any case: no need to say it twice.)
        squeezed = span.days >= rule.span_days and span.elapsed < rule.span_days - 1
        small = (
            m.records < rule.records
            or span.days < rule.span_days
            or squeezed
            or span.active < rule.active_days
        )
        seen = f"{counted(m.records, 'record')} over {counted(span.days, 'day')}"
        if squeezed:
            # Rounded down: 5.99 days must not read as the 6 required.
            shown = math.floor(span.elapsed * 10) / 10
            seen += f" ({shown:.1f} days from the first to the last entry)"
        if span.with_records != span.days or span.active != span.with_records:
            seen += f", with records on {span.with_records}"
        if span.active != span.with_records:
            seen += (
                f", {span.active} of them with at least {span.least:.1f} records "
                f"({_share(rule.min_day_share)} of the mean day)"
            )
        need = f"at least {counted(rule.records, 'record')}"
        if rule.span_days > 1:
            full = counted(rule.span_days - 1, "full day")
            need += f" over {counted(rule.span_days, 'day')} ({full} from first to last entry)"
        if rule.active_days > 1 and rule.min_day_share > 0:
            need += (
                f", with {rule.active_days} days each holding at least "
                f"{_share(rule.min_day_share)} of the mean day,"
            )
        elif rule.active_days > 1:
            need += f" with records on {rule.active_days}"
    elif isinstance(m, EvalMeasures):
        real, synthetic, why = real_cases(m, ctx.rules.plausibility.synthetic_markers)
        small = real.cases < rule.records
        seen = counted(real.cases, "real case")
        if synthetic:
            seen += f" ({synthetic:,} synthetic, {why}, left out)"
        need = f"at least {counted(rule.records, 'real case')}"
    elif isinstance(m, ExtractMeasures):
        small = m.rows < rule.records
        seen, need = counted(m.rows, "row"), f"at least {counted(rule.records, 'row')}"
    else:
        return None
    if not small:
        return None
    where = f"{finding.item.location} of {finding.item.date}"
    return Outcome(
        "insufficient", f"too small to judge: {seen} in {where}; {need} are needed ({key})"
    )


def _log_problem(ctx: Context, finding: EvidenceFinding, m: LogMeasures) -> Outcome | None:
    """A re-dated log sample, or traffic that looks like a canned load test: unverified."""
    where = f"{finding.item.location} of {finding.item.date}"
    p = ctx.rules.plausibility
    if m.last is not None:
        gap = (finding.item.date - m.last.date()).days
        if gap > p.max_redate_days:
            return Outcome(
                "unverified",
                f"{finding.item.location} is dated {finding.item.date} but its newest entry is "
                f"{m.last.date()} ({gap} day{_s(gap)} earlier; at most {p.max_redate_days} "
                "allowed, plausibility.max_redate_days): the measured dates decide",
            )
    inputs = m.distinct.get("inputs")
    if inputs is not None and m.records > 1 and inputs / m.records < p.min_distinct_input_share:
        return Outcome(
            "unverified",
            f"looks like a canned load test: {inputs:,} distinct inputs in "
            f"{counted(m.records, 'record')} ({inputs / m.records:.1%}; at least "
            f"{p.min_distinct_input_share:.0%} expected, plausibility.min_distinct_input_share) "
            f"({where})",
        )
    return None


def _document_problem(ctx: Context, finding: EvidenceFinding) -> Outcome | None:
    """A text document with too few words to say anything a reviewer can check: unverified."""
    m = finding.measured
    least = ctx.rules.plausibility.min_document_words
    if not isinstance(m, DocumentMeasures) or m.words is None or m.words >= least:
        return None
    return Outcome(
        "unverified",
        f"{finding.item.location} holds {counted(m.words, 'word')}; a document needs at least "
        f"{least} (plausibility.min_document_words)",
    )


def _outcome_problem(ctx: Context, finding: EvidenceFinding) -> Outcome | None:
    """For reviews, drills and trainings: does the newest item record a passing outcome?"""
    kind = finding.item.kind
    rule = ctx.rules.outcomes.get(kind)
    if rule is None:
        return None
    outcome, findings = finding.item.outcome, finding.item.open_findings
    what = f"{kind} evidence {finding.item.location} of {finding.item.date}"
    if outcome is None and kind == "security_review":
        # The review report itself rarely says "approved" in a field: the record's section does.
        review = ctx.record.governance.security_review
        outcome, findings = review.outcome, review.open_findings
        what += " (outcome from governance.security_review)"
    problem = outcome_problem(outcome, findings, rule, what)
    return None if problem is None else Outcome(cast(Status, problem[0]), problem[1])


def after_as_of(ctx: Context, kind: str) -> str:
    """Why the evidence of ``kind`` dated after the assessment date does not count, e.g.
    "evaluation evidence e.csv is dated 2026-11-28, after the as-of date 2026-11-23, so it
    does not count yet" (its earliest such item); "" when there is none.

    Said wherever such evidence exists, so a file cited in a record never reads as
    missing, or as overlooked, when it is only dated after the day assessed.
    """
    later = sorted(
        (f for f in ctx.evidence.of_kind(kind) if f.item.date > ctx.as_of),
        key=lambda f: f.item.date,
    )
    if not later:
        return ""
    first = later[0].item
    more = f" (and {len(later) - 1} more, later still)" if len(later) > 1 else ""
    return (
        f"{kind} evidence {first.location} is dated {first.date}{more}, after the as-of "
        f"date {ctx.as_of}, so it does not count yet"
    )


def _not_yet(ctx: Context, kind: str) -> Outcome | None:
    """Evidence of ``kind`` cited only with dates after the assessment date: why it does not
    count (it did not exist yet); None when none is cited at all."""
    why = after_as_of(ctx, kind)
    return Outcome("unverified", why) if why else None


def noting_later(ctx: Context, kind: str, outcome: Outcome) -> Outcome:
    """``outcome`` (about older evidence, not met) with the later evidence that does not
    count yet named after it; the status stays what it is."""
    why = after_as_of(ctx, kind)
    if not why or outcome.status == "met" or why in outcome.detail:
        return outcome
    return replace(outcome, detail=f"{outcome.detail}; {why}")


def select_evidence(
    ctx: Context, kind: str, max_age_days: int | None = None, min_sample: SampleRule | None = None
) -> tuple[EvidenceFinding | None, Outcome | None]:
    """The newest evidence of ``kind`` if it counts; else why it does not.

    Returns (finding, None) when it counts, (None, outcome) when evidence is cited
    but does not count, and (None, None) when none is cited. Evidence dated after
    the assessment date did not exist yet and is not counted. ``max_age_days``
    overrides the catalogue's window for this kind; ``min_sample`` the fields of the
    catalogue's minimum sample it sets.
    """
    finding, problem = _select(ctx, kind, max_age_days, min_sample)
    return finding, None if problem is None else noting_later(ctx, kind, problem)


def _select(
    ctx: Context, kind: str, max_age_days: int | None, min_sample: SampleRule | None
) -> tuple[EvidenceFinding | None, Outcome | None]:
    newest, broken = newest_cited(ctx, kind)
    if newest is None and broken is None:
        return None, _not_yet(ctx, kind)
    if newest is None or broken is not None:
        return None, broken
    item, m = newest.item, newest.measured
    window = max_age_days or ctx.freshness_days.get(kind)
    # A log sample is as old as its newest entry (or its date, if that is older).
    dated = item.date
    if isinstance(m, LogMeasures) and m.last is not None:
        dated = min(dated, m.last.date())
    # A validation result is as old as the run it reports, whatever date it is cited with.
    ran = m.ran if isinstance(m, ExtractMeasures) else None
    if ran is not None:
        dated = min(dated, ran)
    age = (ctx.as_of - dated).days
    if window is not None and age > window:
        since = "run on" if ran is not None else "newest entry"
        shown = f"{item.date}" if dated == item.date else f"{item.date}, {since} {dated}"
        return None, Outcome(
            "stale",
            f"newest {kind} evidence ({item.location}, {shown}) is {age} day{_s(age)} old; "
            f"at most {window} day{_s(window)} allowed",
        )
    if isinstance(m, LogMeasures) and (problem := _log_problem(ctx, newest, m)):
        return None, problem
    others = ctx.evidence.shared_with(newest) if kind in ctx.rules.own_evidence else ()
    if others:
        return None, Outcome(
            "unverified",
            f"the same file {item.location} is also cited by {', '.join(others)}; {kind} "
            "evidence must show this initiative's own system (own_evidence)",
        )
    rule = sample_for(ctx.rules, kind, min_sample)
    if kind in MEASURED_KINDS and rule is not None:
        if m is None:
            # Nor can its size: a measured kind counts only once measured.
            return None, unmeasured(newest)
        key = f"min_sample.{kind}" + (", raised by this criterion" if min_sample else "")
        if problem := _sample_problem(ctx, newest, rule, key):
            return None, problem
    if problem := _document_problem(ctx, newest):
        return None, problem
    if problem := _outcome_problem(ctx, newest):
        return None, problem
    return newest, None


def evidence_outcome(
    ctx: Context, kind: str, max_age_days: int | None = None, min_sample: SampleRule | None = None
) -> Outcome | None:
    """Met if the newest evidence of ``kind`` counts; None if none is cited."""
    finding, problem = select_evidence(ctx, kind, max_age_days, min_sample)
    if finding is None:
        return problem
    return Outcome("met", f"{kind} evidence {finding.item.location} of {finding.item.date}")
