"""Log samples: which signals the system really logs, how fast, how often it fails.

One DuckDB pass over the file measures the signals: per-signal coverage, error,
retry and override rates, distinct content and users, and personal data per
text field; a second reads only the time fields: latency percentiles and bins,
volume per day, first and last entry. Where the file itself says more than the
record's mapping, the measured fact wins: the highest error count of any error
field, latency in seconds read as seconds, placeholder text as no content. A
JSON-lines file with values beyond the mapped fields gets a third pass, over
the records holding personal data somewhere, to find it in fields that carry
no signal.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.evidence import engine, pii
from workbook.evidence.engine import Source
from workbook.model.records import SIGNALS, LogMapping

PRESETS: dict[str, dict[str, str]] = {
    # One JSON object per request, a field per signal.
    "flat": {
        "timestamp": "timestamp",
        "request_id": "request_id",
        "user": "user_id",
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
        # The user attribute of the OpenTelemetry registry (``enduser.id`` before it).
        "user": 'attributes."user.id"',
        "start_time": "start_time",
        "end_time": "end_time",
        "prompts": 'attributes."gen_ai.system_instructions"',
        "inputs": 'attributes."gen_ai.input.messages"',
        "outputs": 'attributes."gen_ai.output.messages"',
        "exceptions": "status.status_code",
        "retries": 'attributes."http.request.resend_count"',
    },
}

#: Where a user is found when the mapped field is absent, per preset.
USER_FALLBACKS: dict[str, tuple[str, ...]] = {
    "flat": ("user",),
    "otel_genai": ('attributes."enduser.id"',),
}
#: Fields that say a request failed, looked at whatever the mapping says: the highest
#: count wins, so a mapping to an always-"OK" field cannot hide an error field's content.
ERROR_FIELDS = ("error", "exception", "err", "error_message", "status.status_code", "status")
#: A mapped latency field whose name ends so holds seconds (converted to ms).
SECONDS_ENDINGS = ("_s", "_sec", "_secs", "_seconds")
#: Targets that name a request, its time or its user, never searched for personal data:
#: ids and timestamps are long digit runs that a card or phone pattern could take.
NOT_SEARCHED = ("timestamp", "request_id", "user", "start_time", "end_time")
#: Targets the latency and the day of a record are read from.
_TIME_TARGETS = ("timestamp", "latency", "start_time", "end_time")
#: Signals recorded as an event: a present key with an empty value means "none happened".
EVENT_SIGNALS = frozenset({"exceptions", "retries", "human_overrides"})
#: Signals whose value is content (text, a message, a state), not an event or a number.
CONTENT_SIGNALS = ("prompts", "inputs", "outputs", "workflow_state", "decision_context")
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
#: Content that says nothing: what a log writes for "no value" (case and padding aside).
LOG_PLACEHOLDERS = (
    "n/a", "na", "none", "null", "-", "tbd", "todo", "unknown", "placeholder", "xxx",
    "test", "lorem ipsum", "blank",
)  # fmt: skip
_EMPTY_WORDS = "|".join(re.escape(w) for w in LOG_PLACEHOLDERS if w != "lorem ipsum")
#: Blank, or a placeholder (``lorem ipsum`` with whatever filler follows).
_NO_CONTENT = rf"(?is){_WS}(?:\[{_WS}\]|\{{{_WS}\}}|{_EMPTY_WORDS}|lorem{_WS}ipsum\b.*)?{_WS}"
#: ``status`` is a general word: it counts as an error field only where it says one.
_ERROR_WORD = rf"(?i){_WS}(?:error|errored|failed|failure|fail|status_code_error){_WS}"
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
    #: Distinct users (exact), where a user field is mapped or present.
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

    def __init__(
        self,
        mapping: dict[str, str],
        tabular: list[str] | None,
        columns: dict[str, str] | None = None,
    ) -> None:
        self.mapping = mapping
        self.targets = list(mapping)
        self.tabular = tabular
        #: In a table, further targets named by their exact column (no field path).
        self.columns = columns or {}

    def source(self, src: Source, fmt: str, line: bool = False) -> str:
        """The records; with ``line``, a JSON line's own text too (column ``json``)."""
        if self.tabular is None:
            paths = ", ".join(engine.literal(engine.json_path(p)) for p in self.mapping.values())
            keep = "json, " if line else ""
            return (
                f"(SELECT {keep}json_extract(json, [{paths}]) AS v "
                f"FROM {engine.json_objects(src, fmt)})"
            )
        return engine.table(src, fmt)

    def exists(self, target: str) -> bool:
        if self.tabular is None:
            return target in self.mapping
        if target in self.columns:
            return True
        return target in self.mapping and engine.column_name(self.mapping[target]) in self.tabular

    def column(self, target: str) -> str:
        """In a table, the column a target names."""
        return self.columns.get(target) or engine.column_name(self.mapping[target])

    def raw(self, target: str) -> str:
        """Present-or-NULL expression (JSON text, or the cell)."""
        if self.tabular is None:
            return f"v[{self.targets.index(target) + 1}]"
        return f"CAST({engine.ident(self.column(target))} AS VARCHAR)"

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

    def _whole(self, target: str, pattern: str, *, negate: bool) -> str:
        """SQL: the field's whole text matches ``pattern`` (``negate``: does not; an absent
        value never matches and is never "not matching")."""
        if not self.exists(target):
            return "FALSE"  # pragma: no mutate -- SQL reads it in any case
        match = f"regexp_full_match({self.text(target)}, {engine.literal(pattern)})"
        return f"(NOT coalesce({match}, true))" if negate else f"coalesce({match}, false)"

    def filled(self, target: str) -> str:
        # One anchored pattern covers null, "", whitespace and an empty list or map,
        # whether JSON, Parquet, or JSON held in a string (the OpenTelemetry SDK exports
        # gen_ai.*.messages that way). It stops at the first character of real content,
        # and runs on every record: trim() with a character set cost twice as much.
        return self._whole(target, _BLANK, negate=True)

    def content(self, target: str) -> str:
        """Filled with something other than a placeholder ("n/a", "test", "-", ...)."""
        return self._whole(target, _NO_CONTENT, negate=True)

    def says_error(self, target: str) -> str:
        """A general field (``status``) that holds an error word."""
        return self._whole(target, _ERROR_WORD, negate=False)

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


def _covered(f: _Fields, signal: str, mapping: LogMapping | None) -> str:
    """SQL: does a record carry the signal (any but latency, see ``_times``)?"""
    preset = (mapping or LogMapping()).preset
    own = mapping.fields if mapping else {}
    if signal in IMPLIED_BY_PRESET.get(preset, ()) and signal not in own:
        return "TRUE"  # pragma: no mutate -- SQL reads it in any case
    return f.present(signal) if signal in EVENT_SIGNALS else f.content(signal)


def latency_unit(fields: dict[str, str]) -> str:
    """How the latency is read: "ms", "s" (a field named in seconds), or "span" (end - start)."""
    if "latency" in fields:
        name = engine.segments(fields["latency"])[-1].lower()
        return "s" if name.endswith(SECONDS_ENDINGS) else "ms"
    return "span" if "start_time" in fields else "ms"


def _latency_sql(f: _Fields, unit: str) -> str | None:
    if f.exists("latency"):
        return f"({f.number('latency')} * 1000.0)" if unit == "s" else f.number("latency")
    # A span without an end time has no duration: its latency is NULL, as with no start.
    if f.exists("start_time"):
        start, end = _timestamp_sql(f.text("start_time")), _timestamp_sql(f.text("end_time"))
        return f"(epoch_us({end}) - epoch_us({start})) / 1000.0"
    return None


def _error_candidates(fields: dict[str, str], preset: str) -> list[str]:
    """Field paths that may say a request failed: the mapped one, the preset's, well-known."""
    named = [fields.get("exceptions"), PRESETS[preset].get("exceptions"), *ERROR_FIELDS]
    return list(dict.fromkeys(p for p in named if p))


def _same_field(a: str, b: str) -> bool:
    return engine.segments(a) == engine.segments(b)


def inspect_log(
    path: Path | Source,
    mapping: LogMapping | None = None,
    declared: str = "auto",
    records: str | None = None,
) -> LogMeasures:
    """Measure a log sample; ``engine.Unreadable`` says why it cannot be measured."""
    with engine.held(path) as src:
        return _inspect(src, mapping)


def _inspect(src: Source, mapping: LogMapping | None) -> LogMeasures:
    fmt = engine.file_format(src)
    fields = effective_mapping(mapping)
    preset = (mapping or LogMapping()).preset
    con = engine.connect()
    tabular = None
    if fmt in ("csv", "parquet"):
        tabular = engine.columns(con, engine.table(src, fmt), src)
    # Beyond the mapping: error fields (x…), user fields (u…) and, in a table, every
    # column that carries no signal (o…), searched for personal data.
    errors_at = _error_candidates(fields, preset)
    users_at = list(dict.fromkeys([fields["user"], *USER_FALLBACKS[preset]]))
    extra = {f"x{i}": p for i, p in enumerate(errors_at)}
    extra |= {f"u{i}": p for i, p in enumerate(users_at)}
    mapped = [*fields.values(), *users_at]
    others: dict[str, str] = {}
    if tabular is not None:
        named = {engine.column_name(p) for p in mapped}
        others = {f"o{i}": c for i, c in enumerate(c for c in tabular if c not in named)}
    f = _Fields({**fields, **extra}, tabular, others)
    unit = latency_unit(fields)
    text_targets = [s for s in TEXT_SIGNALS if f.exists(s)] + [o for o in others if f.exists(o)]
    error_keys = [k for k in extra if k.startswith("x") and f.exists(k)]
    user_keys = [k for k in extra if k.startswith("u") and f.exists(k)]
    content = [s for s in CONTENT_SIGNALS if f.exists(s)]

    # Per row: what is present, plus personal-data counts per text field; then aggregate.
    row = [f"{f.present(t)} AS p_{t}" for t in fields]
    # Latency and time are read in a pass of their own (``_times``).
    row += [f"{_covered(f, s, mapping)} AS c_{s}" for s in SIGNALS if s != "latency"]
    row += [f"{f.happened(s)} AS h_{s}" for s in EVENT_SIGNALS]
    # Error fields beyond the mapping: present, and saying an error happened.
    for k in error_keys:
        general = f.mapping[k] == "status" and k != "x0"
        row += [
            f"{f.present(k)} AS p_{k}",
            f"{f.says_error(k) if general else f.happened(k)} AS h_{k}",
        ]
    # Distinct content per signal (placeholders and blanks left out), and the user.
    row += [f"CASE WHEN c_{s} THEN {f.text(s)} END AS d_{s}" for s in content]
    user_texts = [f"nullif(trim({f.text(k)}), '')" for k in user_keys]
    row += [f"coalesce({', '.join(user_texts)}) AS usr" if user_texts else "NULL::VARCHAR AS usr"]
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
    agg += [f"count_if(c_{s})" for s in SIGNALS if s != "latency"]
    agg += [f"count_if(h_{s})" for s in sorted(EVENT_SIGNALS)]
    agg += [f"count_if({x}_{k})" for k in error_keys for x in ("p", "h")]
    # Approximate (HyperLogLog, a few per cent; exact for small counts): enough to tell one
    # constant from many values, or a handful of users from hundreds. An exact DISTINCT
    # would hold every value and make the aggregate single-threaded (1.3 s more on 1M lines).
    agg += [f"approx_count_distinct(d_{s})" for s in content]
    agg += ["count(usr)", "approx_count_distinct(usr)"]
    for s in text_targets:
        # The lexically first and last texts with personal data: stable from run to run.
        agg += [f"sum(n_{s})", f"min(e_{s})", f"max(e_{s})"]
    rows = f"SELECT {', '.join(row + found_sql)} FROM {f.source(src, fmt)}"
    texts = ", ".join(f"t_{s}" for s in text_targets)
    counted = f"SELECT * EXCLUDE ({texts}), {', '.join(counts)} FROM ({rows})" if counts else rows
    sql = f"SELECT {', '.join(agg)} FROM ({counted})"
    values = iter(engine.first_row(con, sql, src))

    records = next(values)
    if not records:
        raise engine.Unreadable("no records in the file")
    present = {t: next(values) for t in fields}
    covered: dict[str, int] = {s: next(values) for s in SIGNALS if s != "latency"}
    happened = {s: next(values) for s in sorted(EVENT_SIGNALS)}
    error_counts = {k: (next(values), next(values)) for k in error_keys}
    distinct = {s: int(next(values)) for s in content}
    with_user, users = next(values), next(values)
    _check_mapping(fields, mapping, present, tabular)
    found = []
    for s in text_targets:
        packed = int(next(values) or 0)
        per_kind = {k.name: packed // _LANE**i % _LANE for i, k in enumerate(pii.KINDS)}
        examples = [e for e in (next(values), next(values)) if e is not None]
        if sum(per_kind.values()):
            # Lines often differ only in the personal data: keep two that differ once redacted.
            redacted = tuple(dict.fromkeys(pii.redact(e) for e in examples))[:EXAMPLES]
            if s in others:
                found.append(FieldPII("other", others[s], per_kind, redacted))
            else:
                found.append(FieldPII(s, fields[s], per_kind, redacted))
    times = _times(con, src, fmt, fields, tabular, unit, mapped)
    if with_user:
        users = _exact_users(con, src, fmt, {k: f.mapping[k] for k in user_keys}, tabular)
    # A latency counts when a usable duration can be read: the values the percentiles use.
    covered["latency"] = times.latencies
    covered = {s: covered[s] for s in SIGNALS}
    elsewhere = [x for x in found if x.signal == "other"]
    if tabular is None:
        elsewhere = _pii_elsewhere(con, src, fmt, mapped) if times.beyond else []
    con.close()
    error_fields = {
        f.mapping[k]: n
        for k, (seen, n) in error_counts.items()
        # ``status`` counts only where it says "error"; every other field where it occurs.
        if (n if f.mapping[k] == "status" and k != "x0" else seen)
    }

    implied = IMPLIED_BY_PRESET.get((mapping or LogMapping()).preset, frozenset())

    def event(s: str) -> int | None:
        # A field the record maps itself is present (``_check_mapping``); else the preset may
        # imply "none happened" where the key is absent.
        return happened[s] if present.get(s) or s in implied else None

    return LogMeasures(
        records=records,
        mapping=fields,
        covered=covered,
        latency=Percentiles(*times.quantiles, times.latencies)
        if times.latencies and times.quantiles
        else None,
        latency_bins=_bins(times.lat_hist or {}),
        errors=max(error_fields.values()) if error_fields else None,
        retried=event("retries"),
        overridden=event("human_overrides"),
        per_day=dict(sorted((times.day_hist or {}).items())),
        first=times.first,
        last=times.last,
        pii=tuple(x for x in found if x.signal != "other"),
        distinct=distinct,
        users=users if with_user else None,
        error_fields=error_fields,
        latency_unit=unit if times.read else "ms",
        pii_elsewhere=tuple(elsewhere),
    )


@dataclass(frozen=True)
class _Times:
    """What the time fields show (``_times``)."""

    #: Records with a usable latency (a number, or both span times), and its percentiles.
    latencies: int
    quantiles: tuple[float, float, float] | None
    lat_hist: dict[int, int] | None
    day_hist: dict[dt.date, int] | None
    first: dt.datetime | None
    last: dt.datetime | None
    #: JSON lines with a value beyond every mapped field (``_beyond_sql``); 0 for tables.
    beyond: int
    #: A latency can be read at all (a latency field, or span times).
    read: bool


def _exact_users(
    con: Any, src: Source, fmt: str, at: dict[str, str], tabular: list[str] | None
) -> int:
    """Distinct users, exactly: a pass of its own, reading only the user fields.

    A declared user limit is compared with this figure, so an estimate will not do (the
    main pass's HyperLogLog said 49 for 48 agents); the set held is one short id per user.
    """
    u = _Fields(at, tabular)
    texts = ", ".join(f"nullif(trim({u.text(k)}), '')" for k in at)
    sql = f"SELECT count(DISTINCT coalesce({texts})) FROM {u.source(src, fmt)}"
    return int(engine.first_row(con, sql, src)[0])


def _times(
    con: Any,
    src: Source,
    fmt: str,
    fields: dict[str, str],
    tabular: list[str] | None,
    unit: str,
    mapped: list[str],
) -> _Times:
    """Latency percentiles and bins, records per day, first and last time: a pass of its own.

    On purpose: DuckDB (2.0) plans ``histogram`` beside other aggregates as a materialised
    copy of every aggregate input of every record; in the main pass that copy held every
    text counted for distinct values (0.6 GB instead of 0.2 GB on 1M lines). Here it holds
    a time, a number and a flag per record, and the main pass reads no time at all.
    """
    f = _Fields({t: p for t, p in fields.items() if t in _TIME_TARGETS}, tabular)
    latency = _latency_sql(f, unit)
    lat = latency or "NULL::DOUBLE"  # pragma: no mutate -- SQL reads it in any case
    stamp = _timestamp_sql(f.text("timestamp"))
    # Only the flag goes on to the aggregate: DuckDB would hold a column the aggregate reads.
    beyond = "false" if tabular is not None else _beyond_sql(mapped)
    # pragma: no mutate start -- SQL text: changing its case changes nothing
    sql = (
        "SELECT count(lat) FILTER (WHERE lat >= 0), "
        "quantile_cont(lat, [0.5, 0.95, 0.99]) FILTER (WHERE lat >= 0), "
        f"histogram(CAST(floor(log10(greatest(lat, 1)) * {BINS_PER_DECADE}) AS INTEGER))"
        " FILTER (WHERE lat >= 0), histogram(CAST(timezone('UTC', ts) AS DATE)), "
        "timezone('UTC', min(ts)), timezone('UTC', max(ts)), count_if(b) "
        f"FROM (SELECT {stamp} AS ts, {lat} AS lat, {beyond} AS b "
        f"FROM {f.source(src, fmt, line=tabular is None)})"
    )
    # pragma: no mutate end
    row = engine.first_row(con, sql, src)
    latencies, quantiles, lat_hist, day_hist, first, last, beyond = row
    return _Times(
        latencies, quantiles, lat_hist, day_hist, first, last, beyond, latency is not None
    )


def _beyond_sql(mapped: list[str]) -> str:
    """SQL: the JSON line (column ``json``) has a value outside every mapped field.

    A line whose every key is a mapped field as a whole holds nothing that
    ``_pii_elsewhere`` would report; listing its keys costs half the candidate search.
    """
    # Keys whose leaves ``_pii_elsewhere`` skips: a whole mapped field, spelled so that its
    # leaves' paths start with exactly that key (no quote or bracket to re-read).
    whole = {m[0] for m in map(engine.segments, mapped) if len(m) == 1}
    known = ", ".join(engine.literal(k) for k in sorted(whole) if not re.search(r'["\[\]\\]', k))
    # A line that is not an object (a bare string, an array) has leaves outside any field.
    return (
        rf"(NOT regexp_matches(json, '^[ \t\r\n]*[{{]') OR len(list_filter(json_keys(json), "
        # pragma: no mutate -- searching more lines finds the same, only slower
        f"lambda k: NOT list_contains([{known}]::VARCHAR[], k))) > 0)"
    )


def _pii_elsewhere(con: Any, src: Source, fmt: str, mapped: list[str]) -> list[FieldPII]:
    """Personal data in the string values of fields that carry no signal (JSON lines).

    Only records whose line holds a candidate anywhere are taken apart, leaf by leaf;
    values under a mapped field (a signal, the time, the request, the user) are skipped.
    Lines whose every key is a mapped field as a whole are not searched (``_beyond_sql``).
    """
    skipped = [engine.segments(p) for p in mapped]
    beyond = _beyond_sql(mapped)
    candidate = f"regexp_matches(json, {engine.literal(pii.ANY_PATTERN)})"
    value = "(j.value->>'$')"
    leaf = "regexp_replace(j.fullkey, '\\[[0-9]+\\]', '', 'g')"
    lanes = " + ".join(
        f"CAST({pii.count_sql('m', k)} AS HUGEINT) * {_LANE**i}" for i, k in enumerate(pii.KINDS)
    )
    sql = (
        f"SELECT field, sum(n), min(e), max(e) FROM ("
        f"SELECT field, {lanes} AS n, CASE WHEN {lanes} > 0 THEN t END AS e FROM ("
        f"SELECT {leaf} AS field, {value} AS t, {pii.matches_sql(value)} AS m "
        f"FROM (SELECT json FROM {engine.json_objects(src, fmt)} "
        # CASE keeps the order: the candidate search runs only where a key is left to search.
        f"WHERE CASE WHEN {beyond} THEN {candidate} ELSE false END) r, json_tree(r.json) j "
        f"WHERE j.type = 'VARCHAR') WHERE len(m) > 0) GROUP BY field ORDER BY field"
    )
    found = []
    for path, packed, low, high in engine.query(con, sql, src):
        name = path.removeprefix("$.").removeprefix("$")
        parts = engine.segments(name)
        if any(parts[: len(m)] == m for m in skipped):
            continue
        per_kind = {k.name: int(packed or 0) // _LANE**i % _LANE for i, k in enumerate(pii.KINDS)}
        if sum(per_kind.values()):
            examples = tuple(dict.fromkeys(pii.redact(e) for e in (low, high) if e is not None))
            found.append(FieldPII("other", name, per_kind, examples[:EXAMPLES]))
    return found


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
        "personal_data_elsewhere": {f.field: f.counts for f in measures.pii_elsewhere},
        "distinct": measures.distinct,
        "users": measures.users,
        "error_fields": measures.error_fields,
        "latency_unit": measures.latency_unit,
    }


def share(value: float) -> str:
    """0.9512 -> '95.1%'."""
    if math.isnan(value):
        return "n/a"
    return f"{value * 100:.1f}%"
