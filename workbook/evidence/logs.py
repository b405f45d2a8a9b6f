"""Log samples: which signals the system really logs, how fast, how often it fails.

One DuckDB pass over the file measures everything: per-signal coverage,
latency percentiles, error, retry and override rates, volume per day and
personal data per text field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.evidence import engine, pii
from workbook.model.records import SIGNALS, LogMapping

PRESETS: dict[str, dict[str, str]] = {
    # One JSON object per request, a field per signal.
    "flat": {
        "timestamp": "timestamp",
        "request_id": "request_id",
        "prompts": "prompt",
        "inputs": "input",
        "outputs": "output",
        "exceptions": "error",
        "latency": "latency_ms",
        "retries": "retries",
        "workflow_state": "workflow_state",
        "human_overrides": "human_override",
        "decision_context": "decision_context",
    },
    # One span per line as the OpenTelemetry SDK writes it, GenAI semantic conventions.
    # The conventions name no field for workflow state, overrides or decision
    # context: a record maps those itself.
    "otel_genai": {
        "timestamp": "start_time",
        "request_id": "context.span_id",
        "start_time": "start_time",
        "end_time": "end_time",
        "prompts": 'attributes."gen_ai.system_instructions"',
        "inputs": 'attributes."gen_ai.input.messages"',
        "outputs": 'attributes."gen_ai.output.messages"',
        "exceptions": "status.status_code",
        "retries": 'attributes."http.request.resend_count"',
    },
}

#: Signals recorded as an event: a present key with an empty value means "none happened".
EVENT_SIGNALS = frozenset({"exceptions", "retries", "human_overrides"})
#: Signals whose text is searched for personal data.
TEXT_SIGNALS = (
    "prompts",
    "inputs",
    "outputs",
    "exceptions",
    "workflow_state",
    "human_overrides",
    "decision_context",
)
_LANE = 2**32
#: Redacted examples shown per field.
EXAMPLES = 2
#: Latency histogram resolution: bins per tenfold.
BINS_PER_DECADE = 20
# Whitespace for RE2 (DuckDB): \s is ASCII only, so the no-break space is named too.
_WS = r"[\s\x{00a0}]*"
#: A text with no content: blank, or an empty list or map, or null, however padded.
_BLANK = rf"{_WS}(?:\[{_WS}\]|\{{{_WS}\}}|null)?{_WS}"
#: An event value that says nothing happened.
_NO_EVENT = rf"(?i){_WS}(?:null|false|0|none|ok|unset|status_code_ok|status_code_unset)?{_WS}"


def effective_mapping(mapping: LogMapping | None) -> dict[str, str]:
    """The preset's fields overlaid with the record's own."""
    mapping = mapping or LogMapping()
    return {**PRESETS[mapping.preset], **mapping.fields}


@dataclass(frozen=True)
class FieldPII:
    """Personal data found in one log field."""

    signal: str
    field: str
    counts: dict[str, int]
    examples: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        labels = {k.name: k.label for k in pii.KINDS}
        parts = [f"{n} {pii.plural(labels[k], n)}" for k, n in self.counts.items() if n]
        return ", ".join(parts) or "none"


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p95: float
    p99: float
    count: int


@dataclass(frozen=True)
class LogMeasures:
    """What a log sample shows. Counts are of records (lines, rows or spans)."""

    records: int
    mapping: dict[str, str]
    #: Per signal: records where it is present (and, for content, non-empty).
    covered: dict[str, int]
    latency: Percentiles | None
    #: (lower edge ms, upper edge ms, records), ascending.
    latency_bins: tuple[tuple[float, float, int], ...]
    errors: int | None
    retried: int | None
    overridden: int | None
    per_day: dict[dt.date, int]
    first: dt.datetime | None
    last: dt.datetime | None
    pii: tuple[FieldPII, ...] = field(default=())
    #: Per content signal: distinct non-blank values (a constant in every record is no coverage).
    distinct: dict[str, int] = field(default_factory=dict)
    #: Distinct users, where a ``user`` field is mapped or present; else None.
    users: int | None = None
    #: Per candidate error field (the mapped one, the preset's, well-known names): records
    #: where it says an error happened. ``errors`` is the highest: measured facts win.
    error_fields: dict[str, int] = field(default_factory=dict)
    #: How latency was read: "ms", "s" (converted to ms), or "span" (end - start).
    latency_unit: str = "ms"
    #: Personal data in fields that carry no mapped signal (signal "other").
    pii_elsewhere: tuple[FieldPII, ...] = field(default=())

    def coverage(self, signal: str) -> float:
        return self.covered.get(signal, 0) / self.records

    def rate(self, count: int | None) -> float | None:
        return None if count is None else count / self.records

    @property
    def error_rate(self) -> float | None:
        return self.rate(self.errors)

    @property
    def retry_rate(self) -> float | None:
        return self.rate(self.retried)

    @property
    def override_rate(self) -> float | None:
        return self.rate(self.overridden)

    def days_at_or_above(self, volume: int) -> int:
        return sum(1 for n in self.per_day.values() if n >= volume)


def _timestamp_sql(text: str) -> str:
    """ISO text, or epoch seconds / ms / µs / ns, as TIMESTAMPTZ."""
    num = f"TRY_CAST({text} AS DOUBLE)"
    scale = (
        f"CASE WHEN {num} > 1e17 THEN 1e9 WHEN {num} > 1e14 THEN 1e6 "
        f"WHEN {num} > 1e11 THEN 1e3 ELSE 1 END"
    )
    return (
        f"COALESCE(TRY_CAST({text} AS TIMESTAMPTZ), "
        f"CASE WHEN {num} IS NOT NULL THEN to_timestamp({num} / {scale}) END)"
    )


class _Fields:
    """SQL for each mapped field, for a JSON-lines source or for a table."""

    def __init__(self, mapping: dict[str, str], tabular: list[str] | None) -> None:
        self.mapping = mapping
        self.targets = list(mapping)
        self.tabular = tabular

    def source(self, path: Path, fmt: str) -> str:
        if self.tabular is None:
            paths = ", ".join(engine.literal(engine.json_path(p)) for p in self.mapping.values())
            return f"(SELECT json_extract(json, [{paths}]) AS v FROM {engine.json_objects(path)})"
        return engine.table(path, fmt)

    def exists(self, target: str) -> bool:
        if self.tabular is None:
            return target in self.mapping
        return target in self.mapping and engine.column_name(self.mapping[target]) in self.tabular

    def raw(self, target: str) -> str:
        """Present-or-NULL expression (JSON text, or the cell)."""
        if self.tabular is None:
            return f"v[{self.targets.index(target) + 1}]"
        return f"CAST({engine.ident(engine.column_name(self.mapping[target]))} AS VARCHAR)"

    def text(self, target: str) -> str:
        if not self.exists(target):
            return "NULL::VARCHAR"  # pragma: no mutate -- SQL reads it in any case
        return f"({self.raw(target)}->>'$')" if self.tabular is None else self.raw(target)

    def present(self, target: str) -> str:
        """The key is there (JSON), or the column exists (tables)."""
        if not self.exists(target):
            return "FALSE"  # pragma: no mutate -- SQL reads it in any case
        if self.tabular is not None:
            return "TRUE"  # pragma: no mutate -- SQL reads it in any case
        return f"({self.raw(target)} IS NOT NULL)"

    def filled(self, target: str) -> str:
        if not self.exists(target):
            return "FALSE"  # pragma: no mutate -- SQL reads it in any case
        # One anchored pattern covers null, "", whitespace and an empty list or map,
        # whether JSON, Parquet, or JSON held in a string (the OpenTelemetry SDK exports
        # gen_ai.*.messages that way). It stops at the first character of real content,
        # and runs on every record: trim() with a character set cost twice as much.
        blank = f"regexp_full_match({self.text(target)}, {engine.literal(_BLANK)})"
        return f"(NOT coalesce({blank}, true))"

    def happened(self, target: str) -> str:
        """An event value that says it happened (an error, a retry, an override)."""
        if target == "retries":  # a count of retries, or a flag
            # A null is no retry; left NULL, count_if over only NULLs would give NULL, not 0.
            return (
                f"(coalesce({self.number(target)} > 0, lower({self.text(target)}) = 'true', false))"
            )
        nothing = f"regexp_full_match({self.text(target)}, {engine.literal(_NO_EVENT)})"
        return f"({self.filled(target)} AND NOT {nothing})"

    def number(self, target: str) -> str:
        """A finite number, else NULL (NaN and infinities are no measurement)."""
        value = f"TRY_CAST({self.text(target)} AS DOUBLE)"
        return f"(CASE WHEN isfinite({value}) THEN {value} END)"


#: Per preset, signals its convention leaves out when nothing happened: the OpenTelemetry
#: conventions set http.request.resend_count only on a retried request.
IMPLIED_BY_PRESET: dict[str, frozenset[str]] = {"otel_genai": frozenset({"retries"})}


def _covered(f: _Fields, signal: str, latency: str | None, mapping: LogMapping | None) -> str:
    """SQL: does a record carry the signal?"""
    if signal == "latency":
        # A latency counts when a usable duration can be read (a number, or both span
        # times): the same values the percentiles use.
        if not latency:
            return "FALSE"  # pragma: no mutate -- SQL reads it in any case
        return f"coalesce({latency} >= 0, false)"
    preset = (mapping or LogMapping()).preset
    own = mapping.fields if mapping else {}
    if signal in IMPLIED_BY_PRESET.get(preset, ()) and signal not in own:
        return "TRUE"  # pragma: no mutate -- SQL reads it in any case
    return f.present(signal) if signal in EVENT_SIGNALS else f.filled(signal)


def _latency_sql(f: _Fields) -> str | None:
    if f.exists("latency"):
        return f.number("latency")
    # A span without an end time has no duration: its latency is NULL, as with no start.
    if f.exists("start_time"):
        start, end = _timestamp_sql(f.text("start_time")), _timestamp_sql(f.text("end_time"))
        return f"(epoch_us({end}) - epoch_us({start})) / 1000.0"
    return None


def inspect_log(path: Path, mapping: LogMapping | None = None) -> LogMeasures:
    """Measure a log sample; ``engine.Unreadable`` says why it cannot be measured."""
    fmt = engine.file_format(path)
    fields = effective_mapping(mapping)
    con = engine.connect()
    tabular = None
    if fmt in ("csv", "parquet"):
        tabular = engine.columns(con, engine.table(path, fmt), path)
    f = _Fields(fields, tabular)
    latency = _latency_sql(f)
    stamp = _timestamp_sql(f.text("timestamp"))
    text_targets = [s for s in TEXT_SIGNALS if f.exists(s)]

    # Per row: what is present, plus personal-data counts per text field; then aggregate.
    row = [f"{f.present(t)} AS p_{t}" for t in fields]
    row += [f"{_covered(f, s, latency, mapping)} AS c_{s}" for s in SIGNALS]
    lat = latency or "NULL::DOUBLE"  # pragma: no mutate -- SQL reads it in any case
    row += [f"{stamp} AS ts", f"{lat} AS lat"]
    row += [f"{f.happened(s)} AS h_{s}" for s in EVENT_SIGNALS]
    # Personal data: one regular-expression pass per text field finds the candidates
    # (most texts have none); only those few are classified and confirmed.
    found_sql = [f"{pii.matches_sql(f.text(s))} AS m_{s}" for s in text_targets]
    # The four counts of a field travel packed in one 128-bit number (32 bits each), so
    # the aggregate sums one column per field instead of four: it runs on every record.
    counts = []
    for s in text_targets:
        lanes = " + ".join(
            f"CAST({pii.count_sql(f'm_{s}', k)} AS HUGEINT) * {_LANE**i}"
            for i, k in enumerate(pii.KINDS)
        )
        counts.append(f"CASE WHEN len(m_{s}) > 0 THEN {lanes} ELSE 0 END AS n_{s}")
        # The text goes on to the aggregate only where it holds personal data (examples).
        counts.append(f"CASE WHEN n_{s} > 0 THEN t_{s} END AS e_{s}")
    row += [f"{f.text(s)} AS t_{s}" for s in text_targets]
    agg = ["count(*)"]  # pragma: no mutate -- SQL reads it in any case
    agg += [f"count_if(p_{t})" for t in fields]
    agg += [f"count_if(c_{s})" for s in SIGNALS]
    agg += [f"count_if(h_{s})" for s in sorted(EVENT_SIGNALS)]
    # pragma: no mutate start -- SQL text: changing its case changes nothing
    agg += [
        "quantile_cont(lat, [0.5, 0.95, 0.99]) FILTER (WHERE lat >= 0)",
        "count(lat) FILTER (WHERE lat >= 0)",
        f"histogram(CAST(floor(log10(greatest(lat, 1)) * {BINS_PER_DECADE}) AS INTEGER))"
        " FILTER (WHERE lat >= 0)",
        "histogram(CAST(timezone('UTC', ts) AS DATE))",
        "timezone('UTC', min(ts))",
        "timezone('UTC', max(ts))",
    ]
    # pragma: no mutate end
    for s in text_targets:
        # The lexically first and last texts with personal data: stable from run to run.
        agg += [f"sum(n_{s})", f"min(e_{s})", f"max(e_{s})"]
    rows = f"SELECT {', '.join(row + found_sql)} FROM {f.source(path, fmt)}"
    texts = ", ".join(f"t_{s}" for s in text_targets)
    counted = f"SELECT * EXCLUDE ({texts}), {', '.join(counts)} FROM ({rows})" if counts else rows
    sql = f"SELECT {', '.join(agg)} FROM ({counted})"
    values = iter(engine.first_row(con, sql, path))
    con.close()

    records = next(values)
    if not records:
        raise engine.Unreadable("no records in the file")
    present = {t: next(values) for t in fields}
    covered: dict[str, int] = {s: next(values) for s in SIGNALS}
    happened = {s: next(values) for s in sorted(EVENT_SIGNALS)}
    quantiles: tuple[float, float, float]  # p50, p95, p99
    quantiles, lat_count, lat_hist, day_hist, first, last = (next(values) for _ in range(6))
    _check_mapping(fields, mapping, present, tabular)
    found = []
    for s in text_targets:
        packed = int(next(values) or 0)
        per_kind = {k.name: packed // _LANE**i % _LANE for i, k in enumerate(pii.KINDS)}
        examples = [e for e in (next(values), next(values)) if e is not None]
        if sum(per_kind.values()):
            # Lines often differ only in the personal data: keep two that differ once redacted.
            redacted = tuple(dict.fromkeys(pii.redact(e) for e in examples))[:EXAMPLES]
            found.append(FieldPII(s, fields[s], per_kind, redacted))

    implied = IMPLIED_BY_PRESET.get((mapping or LogMapping()).preset, frozenset())

    def event(s: str) -> int | None:
        # A field the record maps itself is present (``_check_mapping``); else the preset may
        # imply "none happened" where the key is absent.
        return happened[s] if present.get(s) or s in implied else None

    return LogMeasures(
        records=records,
        mapping=fields,
        covered=covered,
        latency=Percentiles(*quantiles, lat_count) if lat_count else None,
        latency_bins=_bins(lat_hist or {}),
        errors=event("exceptions"),
        retried=event("retries"),
        overridden=event("human_overrides"),
        per_day=dict(sorted((day_hist or {}).items())),
        first=first,
        last=last,
        pii=tuple(found),
    )


def _bins(hist: dict[int, int]) -> tuple[tuple[float, float, int], ...]:
    return tuple(
        (10 ** (k / BINS_PER_DECADE), 10 ** ((k + 1) / BINS_PER_DECADE), n)
        for k, n in sorted(hist.items())
    )


def _check_mapping(
    fields: dict[str, str],
    mapping: LogMapping | None,
    present: dict[str, int],
    tabular: list[str] | None,
) -> None:
    """A field the record names itself must occur; a preset must match the file at all."""
    own = mapping.fields if mapping else {}
    for target, path in own.items():
        if not present[target]:
            where = "column" if tabular is not None else "field"
            raise engine.Unreadable(
                f"the mapping names {where} '{path}' for {target}, which no record carries"
            )
    if not any(present.values()):
        preset = (mapping or LogMapping()).preset
        names = ", ".join(sorted(set(fields.values()))[:6])
        raise engine.Unreadable(
            f"no record carries any field of the {preset} layout ({names}, …); "
            "choose another preset or map the fields"
        )


def redaction_breaches(measures: LogMeasures, redacted: list[str]) -> list[FieldPII]:
    """Fields of signals the plan says are redacted that still hold personal data."""
    return [f for f in measures.pii if f.signal in redacted and f.total]


def as_dict(measures: LogMeasures) -> dict[str, Any]:
    """A JSON-able summary (``workbook check --json``)."""
    lat = measures.latency
    return {
        "records": measures.records,
        "coverage": {s: round(measures.coverage(s), 4) for s in SIGNALS},
        "latency_ms": None if lat is None else {"p50": lat.p50, "p95": lat.p95, "p99": lat.p99},
        "error_rate": measures.error_rate,
        "retry_rate": measures.retry_rate,
        "override_rate": measures.override_rate,
        "per_day": {d.isoformat(): n for d, n in measures.per_day.items()},
        "first": measures.first.isoformat() if measures.first else None,
        "last": measures.last.isoformat() if measures.last else None,
        "personal_data": {f.field: f.counts for f in measures.pii},
    }


def share(value: float) -> str:
    """0.9512 -> '95.1%'."""
    if math.isnan(value):
        return "n/a"
    return f"{value * 100:.1f}%"
