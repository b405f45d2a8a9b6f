"""Views of what the evidence measured: logs, data extracts, evaluation results.

Everything read from an evidence file (field names, slice names, values,
examples) is user text and is escaped; personal data appears only redacted.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import median

from workbook.evidence import EvidenceFinding
from workbook.evidence.evals import EvalMeasures
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import EVENT_SIGNALS, LogMeasures, share
from workbook.evidence.pii import KINDS as PII_KINDS
from workbook.model.assess import Assessment
from workbook.model.records import SIGNALS
from workbook.present.views import LOUD, View, _facts, _table, badge, esc

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


def _heading(f: EvidenceFinding) -> str:
    return (
        f"<p><strong>Measured in <code>{esc(f.item.location)}</code> "
        f"({esc(f.item.date.isoformat())})</strong></p>"
    )


def _unmeasured(f: EvidenceFinding) -> tuple[str, str]:
    where = f"<code>{esc(f.item.location)}</code> ({esc(f.item.date.isoformat())})"
    if not f.readable:
        return (
            f"<p>{badge('unreadable')} {where}: {esc(f.reason)}</p>",
            f"{f.item.location}: unreadable: {f.reason}",
        )
    return (
        f"<p>{where} is a link; only files can be measured.</p>",
        f"{f.item.location}: a link, not measured",
    )


def _view(a: Assessment, kind: str, measures: type, show: Callable[..., View]) -> View:
    cited = findings(a, kind)
    if not cited:
        label = kind.replace("_", " ")
        return View(f"<p>No {esc(label)} is cited.</p>", f"No {label} cited.")
    out = View("", "")
    for f in cited:
        shown = show(a, f) if isinstance(f.measured, measures) else View(*_unmeasured(f))
        out = out + shown
    return out


# --- logs -------------------------------------------------------------------


def _rate(value: float | None, limit: float | None = None) -> str:
    if value is None:
        return "not recorded"
    text = share(value)
    if limit is not None:
        verdict = "within" if value <= limit else f'<strong style="color:{LOUD}">over</strong>'
        text += f" ({verdict} {share(limit)})"
    return text


def _log(a: Assessment, f: EvidenceFinding) -> View:
    m: LogMeasures = f.measured
    th = a.record.trust.thresholds
    plan = a.record.observability.logging_plan
    need = min_coverage(a)
    lat = m.latency
    days = list(m.per_day.values())
    latency = "not recorded"
    if lat is not None:
        latency = f"p50 {lat.p50:,.0f} · p95 {lat.p95:,.0f} · p99 {lat.p99:,.0f} ms"
        if th.latency_p95_ms is not None:
            over = lat.p95 > th.latency_p95_ms
            verdict = f'<strong style="color:{LOUD}">over</strong>' if over else "within"
            latency += f" (p95 {verdict} {th.latency_p95_ms:,.0f} ms)"
    span = "—"
    if m.first is not None and m.last is not None:
        span = f"{m.first:%Y-%m-%d %H:%M} to {m.last:%Y-%m-%d %H:%M} UTC"
    volume = (
        f"{len(days)} day{'s' if len(days) != 1 else ''}; per day min {min(days):,}, "
        f"median {median(days):,.0f}, max {max(days):,}"
        if days
        else "no readable timestamps"
    )
    facts = [
        ("Records", f"{m.records:,}"),
        ("Time span", esc(span)),
        ("Volume", esc(volume)),
        ("Latency", latency),
        ("Error rate", _rate(m.error_rate, th.error_rate)),
        ("Retry rate", _rate(m.retry_rate)),
        ("Human override rate", _rate(m.override_rate)),
    ]
    rows = []
    for s in SIGNALS:
        p = plan.get(s)  # type: ignore[call-overload]
        planned = "no plan" if p is None else ("logged" if p.logged else "not logged")
        short = p is not None and p.logged and m.coverage(s) < need
        cov = share(m.coverage(s))
        rows.append(
            (
                esc(s.replace("_", " ")),
                esc(planned),
                f"<code>{esc(m.mapping.get(s))}</code>" if s in m.mapping else "not mapped",
                f'<strong style="color:{LOUD}">▼ {cov}</strong>' if short else cov,
                f"{m.covered.get(s, 0):,}",
            )
        )
    coverage = _table(["Signal", "Plan", "Field", "Coverage", "Records"], rows, "wb-coverage")
    note = (
        f"<p>Coverage counts records where the signal is present and not empty; for "
        f"{', '.join(sorted(EVENT_SIGNALS))} a present field counts even when empty (nothing "
        f"happened). The gate asks {share(need)} for every signal the plan logs.</p>"
    )
    html = _heading(f) + _facts(facts) + coverage + note + _pii_table(a, m)
    text = (
        f"{f.item.location}: {m.records} records; p95 "
        f"{'-' if lat is None else f'{lat.p95:.0f} ms'}; errors {_rate(m.error_rate)}; "
        f"personal data items {sum(x.total for x in m.pii)}"
    )
    return View(html, text)


def _pii_table(a: Assessment, m: LogMeasures) -> str:
    if not m.pii:
        return "<p>No personal data (e-mail, phone, card, IBAN) was found in any text field.</p>"
    plan = a.record.observability.logging_plan
    rows = []
    for x in m.pii:
        p = plan.get(x.signal)  # type: ignore[call-overload]
        redacted = p is not None and p.redacted
        promised = f'<strong style="color:{LOUD}">yes: breach</strong>' if redacted else "no"
        examples = "".join(f"<li><code>{esc(e)}</code></li>" for e in x.examples)
        rows.append(
            (
                f"<code>{esc(x.field)}</code>",
                esc(x.signal.replace("_", " ")),
                promised,
                *(f"{x.counts[k.name]:,}" for k in PII_KINDS),
                f"<ul>{examples}</ul>" if examples else "—",
            )
        )
    headers = ["Field", "Signal", "Planned redacted", "E-mails", "Phones", "Cards", "IBANs"]
    return "<p><strong>Personal data found</strong> (examples are redacted)</p>" + _table(
        [*headers, "Examples"], rows, "wb-pii"
    )


def logs_view(a: Assessment) -> View:
    """What the cited log samples show."""
    return _view(a, "log_sample", LogMeasures, _log)


# --- data extracts -------------------------------------------------------------


def _extract(a: Assessment, f: EvidenceFinding) -> View:
    m: ExtractMeasures = f.measured
    results = m.results(a.as_of)
    if not results:
        html = (
            _heading(f)
            + f"<p>{m.rows:,} rows, {len(m.columns)} columns. No expectations are declared, "
            "so nothing is checked; declare them under the evidence item's "
            "<code>expectations</code>.</p>"
        )
        return View(html, f"{f.item.location}: no expectations declared")
    gaps = [c for c in results if not c.passed]
    register = a.record.data.gaps

    def in_register(c: Check) -> str:
        if c.passed:
            return ""
        live, closed = a.record.data.gaps_naming(c.column)
        if live:
            return "registered: " + ", ".join(f"<code>{esc(g.id)}</code>" for g in live)
        if closed:
            return f'<strong style="color:{LOUD}">registered as closed</strong>'
        return f'<strong style="color:{LOUD}">not registered</strong>'

    rows = [
        (
            f"<code>{esc(c.column)}</code>",
            esc(c.expectation),
            badge("met") if c.passed else badge("below_threshold"),
            esc(c.detail),
            in_register(c),
        )
        for c in results
    ]
    lead = (
        f"<p>{m.rows:,} rows. <strong>{len(gaps)} measured data "
        f"gap{'s' if len(gaps) != 1 else ''}</strong> of {len(results)} expectations."
        if gaps
        else f"<p>{m.rows:,} rows. All {len(results)} expectations hold."
    )
    lead += (
        f" The declared register above lists {len(register)} gap"
        f"{'s' if len(register) != 1 else ''}; a measured gap is registered when an open or "
        "mitigated entry names its column.</p>"
    )
    headers = ["Column", "Expectation", "Result", "Measured", "Gap register"]
    table = _table(headers, rows, "wb-expectations")
    return View(
        _heading(f) + lead + table,
        f"{f.item.location}: {len(gaps)} of {len(results)} expectations fail",
    )


def extracts_view(a: Assessment) -> View:
    """Declared expectations checked on the cited data extracts: the measured data gaps."""
    return _view(a, "data_extract", ExtractMeasures, _extract)


# --- evaluations -------------------------------------------------------------------


def _evaluation(a: Assessment, f: EvidenceFinding) -> View:
    m: EvalMeasures = f.measured
    limit = a.record.trust.thresholds.quality_pass_rate
    o = m.overall
    low, high = o.interval
    verdict = ""
    if limit is not None:
        ok = low >= limit
        verdict = (
            f"; lower bound {'reaches' if ok else 'falls short of'} the threshold {share(limit)}"
        )
    lead = (
        f"<p>{o.passed:,} of {o.cases:,} cases pass ({share(o.rate)}); 95% interval "
        f"{share(low)} to {share(high)}{esc(verdict)}. A pass is decided by the {esc(m.rule)}.</p>"
    )
    rows = [
        (
            esc(s.slice or "(empty slice)"),
            f"{s.cases:,}",
            f"{s.passed:,}",
            share(s.rate),
            f"{share(s.interval[0])} to {share(s.interval[1])}",
        )
        for s in m.slices
    ]
    table = (
        _table(["Slice", "Cases", "Passed", "Pass rate", "95% interval"], rows, "wb-slices")
        if rows
        else ""
    )
    text = f"{f.item.location}: {o.passed}/{o.cases} pass, lower bound {share(low)}"
    return View(_heading(f) + lead + table, text)


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
