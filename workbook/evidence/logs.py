"""Log samples: which signals the system really logs, how fast, how often it fails.

One DuckDB pass over the file measures the signals: per-signal coverage, error,
retry and override rates, distinct content and users, and personal data per
text field; a second reads only the time fields: latency percentiles and bins,
volume per day, first and last entry. Where the file itself says more than the
record's mapping, the measured fact wins: the highest error count of any error
field, latency in seconds read as seconds, placeholder text as no content. A
JSON file with values beyond the mapped fields gets a third pass, over the
records holding personal data somewhere, to find it in fields that carry no
signal.

With the ``otel_genai`` preset the records are the GenAI calls of a trace export
(``genai``): a first, light pass finds whether the file holds any, whether any span
records HTTP resends, and which calls' HTTP attempts were resent; the spans around the
calls then only add those retries. Prompts, inputs and outputs are read wherever the
conventions put them (message attributes, span events, joined log records).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbook.evidence import engine, formats, genai, pii
from workbook.evidence.engine import Source
from workbook.evidence.formats import Layout
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
#: Per preset, further fields that say a request failed: the conventions require
#: ``error.type`` on a failed GenAI call, whatever its status says.
PRESET_ERROR_FIELDS: dict[str, tuple[str, ...]] = {"otel_genai": ('attributes."error.type"',)}
#: Layouts a log sample is read from: tables, and JSON records however framed.
TABLES = ("csv", "parquet")
JSON_LAYOUTS = ("jsonl", "jsonl.gz", "json", "json_seq", "otlp", "otel_console")
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
    #: Failed records without an output: a failed call has none by nature, so output
    #: coverage is counted over the other records (``base``).
    failed_without_output: int = 0
    #: Spans that are not records (the HTTP attempts around GenAI calls), read only for
    #: the retries of their calls.
    other_spans: int = 0

    def base(self, signal: str) -> int:
        """The records a signal's coverage is counted over."""
        return self.records - self.failed_without_output if signal == "outputs" else self.records

    def coverage(self, signal: str) -> float:
        # Every call failed without output: no output can be judged, and none is covered.
        return self.covered.get(signal, 0) / self.base(signal) if self.base(signal) else 0.0

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


@dataclass(frozen=True)
class _Rows:
    """Where a sample's records are read from."""

    #: SQL source: JSON records (one per row, column ``json``), or the table.
    sql: str
    #: A table's column names; None for JSON records.
    tabular: list[str] | None = None
    #: The records are the file's GenAI calls: the other spans are no requests.
    calls: bool = False
    #: Some span carries ``http.request.resend_count``: resends are recorded at all.
    resends: bool = False
    #: Table ``wb_retried`` holds the span ids of calls with a resent HTTP attempt.
    retried_children: bool = False
    #: Spans that are not records.
    other: int = 0
    #: The JSON records are composed by SQL (OTLP unnested, log records joined, a
    #: document's list), not read line by line.
    composed: bool = False


#: Targets the GenAI reading adds to a mapping (never aggregated themselves).
_MARKS = {f"g{i}": p for i, p in enumerate(genai.MARKERS)}
_WHOLE = {"ga": "attributes", "ge": "events", "gl": "logs"}


class _Fields:
    """SQL for each mapped field, for JSON records or for a table."""

    def __init__(
        self,
        mapping: dict[str, str],
        rows: _Rows,
        columns: dict[str, str] | None = None,
        derived: tuple[str, ...] = (),
        children: bool = False,
    ) -> None:
        self.mapping = dict(mapping)
        self.rows = rows
        self.tabular = rows.tabular
        #: In a table, further targets named by their exact column (no field path).
        self.columns = columns or {}
        #: Signals read wherever the GenAI conventions put them (``genai.derived``).
        self.derived = derived if self.tabular is None else ()
        #: A call's retries include its HTTP attempts' resends (table ``wb_retried``).
        self.children = children and rows.retried_children
        if self.tabular is None:
            if rows.calls:
                self.mapping |= _MARKS
            if self.derived:
                self.mapping |= _WHOLE
            if self.children:
                self.mapping["sid"] = genai.SPAN_ID
        self.targets = list(self.mapping)

    def source(self, line: bool = False) -> str:
        """The records; with ``line``, a JSON record's own text too (column ``json``)."""
        if self.tabular is not None:
            return self.rows.sql
        paths = ", ".join(engine.literal(engine.json_path(p)) for p in self.mapping.values())
        keep = "json, " if line else ""
        inner = f"(SELECT {keep}json_extract(json, [{paths}]) AS v FROM {self.rows.sql})"
        if self.rows.calls:
            inner = f"(SELECT * FROM {inner} WHERE {genai.is_call([self.raw(t) for t in _MARKS])})"
        if self.derived:
            inner = genai.derived(inner, *(self.raw(t) for t in _WHOLE))
        return inner

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
        if target in self.derived:
            return f"r_{target}"
        if self.tabular is None:
            return f"v[{self.targets.index(target) + 1}]"
        return f"CAST({engine.ident(self.column(target))} AS VARCHAR)"

    def text(self, target: str) -> str:
        if not self.exists(target):
            return "NULL::VARCHAR"  # pragma: no mutate -- SQL reads it in any case
        if target in self.derived or self.tabular is not None:
            return self.raw(target)
        return f"({self.raw(target)}->>'$')"

    def words(self, target: str) -> str:
        """The text judged for content and counted for distinct values: a derived signal's
        words without the messages' shape (roles, types, keys), else the text itself."""
        return f"k_{target}" if target in self.derived else self.text(target)

    def present(self, target: str) -> str:
        """The key is there (JSON), or the column exists (tables)."""
        if not self.exists(target):
            return "FALSE"  # pragma: no mutate -- SQL reads it in any case
        if self.tabular is not None:
            return "TRUE"  # pragma: no mutate -- SQL reads it in any case
        return f"({self.raw(target)} IS NOT NULL)"

    def _whole(self, target: str, pattern: str, *, negate: bool, words: bool = False) -> str:
        """SQL: the field's whole text matches ``pattern`` (``negate``: does not; an absent
        value never matches and is never "not matching")."""
        if not self.exists(target):
            return "FALSE"  # pragma: no mutate -- SQL reads it in any case
        text = self.words(target) if words else self.text(target)
        match = f"regexp_full_match({text}, {engine.literal(pattern)})"
        return f"(NOT coalesce({match}, true))" if negate else f"coalesce({match}, false)"

    def filled(self, target: str) -> str:
        # One anchored pattern covers null, "", whitespace and an empty list or map,
        # whether JSON, Parquet, or JSON held in a string (the OpenTelemetry SDK exports
        # gen_ai.*.messages that way). It stops at the first character of real content,
        # and runs on every record: trim() with a character set cost twice as much.
        return self._whole(target, _BLANK, negate=True)

    def content(self, target: str) -> str:
        """Filled with something other than a placeholder ("n/a", "test", "-", ...)."""
        return self._whole(target, _NO_CONTENT, negate=True, words=True)

    def says_error(self, target: str) -> str:
        """A general field (``status``) that holds an error word."""
        return self._whole(target, _ERROR_WORD, negate=False)

    def happened(self, target: str) -> str:
        """An event value that says it happened (an error, a retry, an override)."""
        if target == "retries":  # a count of retries, or a flag
            # A null is no retry; left NULL, count_if over only NULLs would give NULL, not 0.
            own = f"coalesce({self.number(target)} > 0, lower({self.text(target)}) = 'true', false)"
            if not self.children:
                return f"({own})"
            # A call is retried too when one of its HTTP attempts was a resend.
            sid = genai.span_id(self.text("sid"))
            return f"({own} OR coalesce({sid} IN (SELECT id FROM wb_retried), false))"
        nothing = f"regexp_full_match({self.text(target)}, {engine.literal(_NO_EVENT)})"
        return f"({self.filled(target)} AND NOT {nothing})"

    def number(self, target: str) -> str:
        """A finite number, else NULL (NaN and infinities are no measurement)."""
        value = f"TRY_CAST({self.text(target)} AS DOUBLE)"
        return f"(CASE WHEN isfinite({value}) THEN {value} END)"


#: Per preset, signals its convention leaves out when nothing happened: the OpenTelemetry
#: conventions set http.request.resend_count only on a retried request.
IMPLIED_BY_PRESET: dict[str, frozenset[str]] = {"otel_genai": frozenset({"retries"})}


def _covered(f: _Fields, signal: str, mapping: LogMapping | None, seen: bool) -> str:
    """SQL: does a record carry the signal (any but latency, see ``_times``)?

    ``seen``: some record (or span) of the file carries the signal's field at all.
    """
    preset = (mapping or LogMapping()).preset
    own = mapping.fields if mapping else {}
    if signal in IMPLIED_BY_PRESET.get(preset, ()) and signal not in own:
        # An absent key says "none happened" only in a file that records the signal: where
        # no span carries it, retries are not recorded, never a confident "none".
        return "TRUE" if seen else "FALSE"  # pragma: no mutate -- SQL reads it in any case
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
    named = [
        fields.get("exceptions"),
        PRESETS[preset].get("exceptions"),
        *PRESET_ERROR_FIELDS.get(preset, ()),
        *ERROR_FIELDS,
    ]
    return list(dict.fromkeys(p for p in named if p))


def inspect_log(
    path: Path | Source,
    mapping: LogMapping | None = None,
    declared: str | None = "auto",
    records: str | None = None,
) -> LogMeasures:
    """Measure a log sample; ``engine.Unreadable`` says why it cannot be measured.

    ``declared``: the evidence item's ``format`` (auto: told by the content); ``records``:
    the list of records inside one JSON document.
    """
    with engine.held(path) as src:
        layout = formats.detect(src, declared, records)
        mapping = _preset_for(layout, mapping)
        con = engine.connect()
        try:
            genai.define(con)
            rows = _rows(con, src, layout, (mapping or LogMapping()).preset)
            return _inspect(con, src, rows, mapping)
        finally:
            con.close()


#: Layouts that are OpenTelemetry spans: read with the GenAI conventions unless told otherwise.
_SPAN_LAYOUTS = ("otlp", "otel_console")


def _preset_for(layout: Layout, mapping: LogMapping | None) -> LogMapping | None:
    """The record's mapping; spans with no preset named are read as OpenTelemetry spans.

    The default ``flat`` layout cannot fit a trace export, so a record that names no preset
    for one means the conventions the file was written by (a named preset is kept).
    """
    if layout.name not in _SPAN_LAYOUTS:
        return mapping
    if mapping is not None and "preset" in mapping.model_fields_set:
        return mapping
    return LogMapping(preset="otel_genai", fields=mapping.fields if mapping else {})


def _rows(con: Any, src: Source, layout: Layout, preset: str) -> _Rows:
    """Where the records are: a table, JSON records, or the GenAI calls among spans."""
    if layout.name in TABLES:
        sql = engine.table(src, layout.name)
        return _Rows(sql, engine.columns(con, sql, src))
    no_spans = layout.name in ("otlp", "otel_console") and "spans" not in layout.signals
    if layout.name not in JSON_LAYOUTS or no_spans:
        # Log records without spans, an evaluation, a suite: says what it seems to be.
        raise formats.refuse(layout, "log_sample")
    sql = formats.json_records(src, layout, con)
    composed = layout.framing == "document" or layout.name == "otlp" or "logs" in layout.signals
    rows = _Rows(sql, composed=composed)
    return _genai_rows(con, src, rows) if preset == "otel_genai" else rows


def _genai_rows(con: Any, src: Source, rows: _Rows) -> _Rows:
    """Spans: whether any is a GenAI call (then only those are records), whether any span
    records HTTP resends, and which calls had an HTTP attempt resent (``wb_retried``).

    A light pass of its own: it reads five small fields of each span, and the main pass
    needs its answers before it starts (which spans to count, which calls were retried).
    """
    marks = [f"v[{i + 1}]" for i in range(len(genai.MARKERS))]
    paths = [*genai.MARKERS, genai.RESEND, genai.PARENT_ID]
    extract = ", ".join(engine.literal(engine.json_path(p)) for p in paths)
    n = len(genai.MARKERS)
    parent = genai.span_id(f"(v[{n + 2}]->>'$')")
    # pragma: no mutate start -- SQL text
    query = (
        "SELECT count(*), count_if(g), count_if(r IS NOT NULL), list(DISTINCT p) FILTER "
        "(WHERE NOT g AND p IS NOT NULL AND TRY_CAST(r->>'$' AS DOUBLE) > 0) FROM ("
        f"SELECT {genai.is_call(marks)} AS g, v[{n + 1}] AS r, {parent} AS p "
        f"FROM (SELECT json_extract(json, [{extract}]) AS v FROM {rows.sql}))"
    )
    # pragma: no mutate end
    spans, calls, resends, parents = engine.first_row(con, query, src)
    if not calls:
        # No GenAI call in the file: every span is a record, as a flat log's lines are.
        return replace(rows, resends=bool(resends))
    if parents:
        con.execute(
            "CREATE TEMP TABLE wb_retried AS SELECT DISTINCT unnest(?::VARCHAR[]) AS id",
            [parents],
        )
    return replace(
        rows,
        calls=True,
        resends=bool(resends),
        retried_children=bool(parents),
        other=spans - calls,
    )


def _inspect(con: Any, src: Source, rows: _Rows, mapping: LogMapping | None) -> LogMeasures:
    fields = effective_mapping(mapping)
    preset = (mapping or LogMapping()).preset
    own = mapping.fields if mapping else {}
    tabular = rows.tabular
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
    # The GenAI conventions spread prompts, inputs and outputs over several places: read
    # together unless the record maps the signal itself (a record's mapping is literal).
    derived = tuple(s for s in genai.DERIVED if preset == "otel_genai" and s not in own)
    f = _Fields({**fields, **extra}, rows, others, derived=derived, children="retries" not in own)
    derived = f.derived  # JSON records only: a table's cell is one field
    # The retry field is recorded at all: carried by some span, or a column of the table.
    seen = rows.resends if tabular is None else f.exists("retries")
    unit = latency_unit(fields)
    text_targets = [s for s in TEXT_SIGNALS if f.exists(s)] + [o for o in others if f.exists(o)]
    error_keys = [k for k in extra if k.startswith("x") and f.exists(k)]
    user_keys = [k for k in extra if k.startswith("u") and f.exists(k)]
    content = [s for s in CONTENT_SIGNALS if f.exists(s)]

    # Per row: what is present, plus personal-data counts per text field; then aggregate.
    row = [f"{f.present(t)} AS p_{t}" for t in fields]
    # Latency and time are read in a pass of their own (``_times``).
    row += [f"{_covered(f, s, mapping, seen)} AS c_{s}" for s in SIGNALS if s != "latency"]
    row += [f"{f.happened(s)} AS h_{s}" for s in EVENT_SIGNALS]
    # Error fields beyond the mapping: present, and saying an error happened.
    for k in error_keys:
        general = f.mapping[k] == "status" and k != "x0"
        row += [
            f"{f.present(k)} AS p_{k}",
            f"{f.says_error(k) if general else f.happened(k)} AS h_{k}",
        ]
    # Distinct content per signal (placeholders and blanks left out), and the user.
    row += [f"CASE WHEN c_{s} THEN {f.words(s)} END AS d_{s}" for s in content]
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
    # Per error field, the failed records without an output: a failed call has none by
    # nature, so output coverage leaves them out. Marking a record failed to excuse its
    # missing output raises the error rate as much: the error-rate limit (at most 10% by
    # default) bounds what can be excused so, and an error field on every record fails it.
    agg += [
        f"count_if({x})"
        for k in error_keys
        for x in (f"p_{k}", f"h_{k}", f"h_{k} AND NOT c_outputs")
    ]
    # Approximate (HyperLogLog, a few per cent; exact for small counts): enough to tell one
    # constant from many values, or a handful of users from hundreds. An exact DISTINCT
    # would hold every value and make the aggregate single-threaded (1.3 s more on 1M lines).
    agg += [f"approx_count_distinct(d_{s})" for s in content]
    agg += ["count(usr)", "approx_count_distinct(usr)"]
    for s in text_targets:
        # The lexically first and last texts with personal data: stable from run to run.
        agg += [f"sum(n_{s})", f"min(e_{s})", f"max(e_{s})"]
    per_row = f"SELECT {', '.join(row + found_sql)} FROM {f.source()}"
    texts = ", ".join(f"t_{s}" for s in text_targets)
    counted = (
        f"SELECT * EXCLUDE ({texts}), {', '.join(counts)} FROM ({per_row})" if counts else per_row
    )
    sql = f"SELECT {', '.join(agg)} FROM ({counted})"
    values = iter(engine.first_row(con, sql, src))

    records = next(values)
    if not records:
        raise engine.Unreadable("no records in the file")
    present = {t: next(values) for t in fields}
    covered: dict[str, int] = {s: next(values) for s in SIGNALS if s != "latency"}
    happened = {s: next(values) for s in sorted(EVENT_SIGNALS)}
    error_counts = {k: (next(values), next(values), next(values)) for k in error_keys}
    distinct = {s: int(next(values)) for s in content}
    with_user, users = next(values), next(values)
    _check_mapping(fields, mapping, present, tabular)
    # Where a derived signal was read, in words (its text is no one field's).
    shown = {**fields, **{s: genai.PLACES[s] for s in derived}}
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
                found.append(FieldPII(s, shown[s], per_kind, redacted))
    times = _times(con, src, rows, fields, unit, mapped)
    if with_user:
        users = _exact_users(con, src, rows, {k: f.mapping[k] for k in user_keys})
    # A latency counts when a usable duration can be read: the values the percentiles use.
    covered["latency"] = times.latencies
    covered = {s: covered[s] for s in SIGNALS}
    elsewhere = [x for x in found if x.signal == "other"]
    if tabular is None:
        # A span that is no record is searched but for its ids and times (long digit runs a
        # card or phone pattern could take).
        plain = [*(fields[t] for t in NOT_SEARCHED if t in fields), *genai.IDS]
        elsewhere = (
            _pii_elsewhere(con, src, rows, mapped, plain, bool(derived)) if times.beyond else []
        )
    counted_errors = {
        k: (n, excused)
        for k, (there, n, excused) in error_counts.items()
        # ``status`` counts only where it says "error"; every other field where it occurs.
        if (n if f.mapping[k] == "status" and k != "x0" else there)
    }
    error_fields = {f.mapping[k]: n for k, (n, _) in counted_errors.items()}
    errors = max(error_fields.values()) if error_fields else None
    # The field whose count is the error count decides which records failed (the first
    # such, the mapped one before the rest).
    excused = next((x for n, x in counted_errors.values() if n == errors), 0)

    implied = IMPLIED_BY_PRESET.get(preset, frozenset())

    def event(s: str) -> int | None:
        # A field the record maps itself is present (``_check_mapping``); else the preset may
        # imply "none happened" where the key is absent, in a file that records it at all.
        return happened[s] if present.get(s) or (s in implied and seen) else None

    return LogMeasures(
        records=records,
        mapping=shown,
        covered=covered,
        latency=Percentiles(*times.quantiles, times.latencies)
        if times.latencies and times.quantiles
        else None,
        latency_bins=_bins(times.lat_hist or {}),
        errors=errors,
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
        failed_without_output=excused,
        other_spans=rows.other,
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


def _exact_users(con: Any, src: Source, rows: _Rows, at: dict[str, str]) -> int:
    """Distinct users, exactly: a pass of its own, reading only the user fields.

    A declared user limit is compared with this figure, so an estimate will not do (the
    main pass's HyperLogLog said 49 for 48 agents); the set held is one short id per user.
    """
    u = _Fields(at, rows)
    texts = ", ".join(f"nullif(trim({u.text(k)}), '')" for k in at)
    sql = f"SELECT count(DISTINCT coalesce({texts})) FROM {u.source()}"
    return int(engine.first_row(con, sql, src)[0])


def _times(
    con: Any,
    src: Source,
    rows: _Rows,
    fields: dict[str, str],
    unit: str,
    mapped: list[str],
) -> _Times:
    """Latency percentiles and bins, records per day, first and last time: a pass of its own.

    On purpose: DuckDB (2.0) plans ``histogram`` beside other aggregates as a materialised
    copy of every aggregate input of every record; in the main pass that copy held every
    text counted for distinct values (0.6 GB instead of 0.2 GB on 1M lines). Here it holds
    a time, a number and a flag per record, and the main pass reads no time at all.
    """
    f = _Fields({t: p for t, p in fields.items() if t in _TIME_TARGETS}, rows)
    latency = _latency_sql(f, unit)
    lat = latency or "NULL::DOUBLE"  # pragma: no mutate -- SQL reads it in any case
    stamp = _timestamp_sql(f.text("timestamp"))
    tabular = rows.tabular
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
        f"FROM {f.source(line=tabular is None)})"
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


def _pii_elsewhere(
    con: Any, src: Source, rows: _Rows, mapped: list[str], plain: list[str], derived: bool
) -> list[FieldPII]:
    """Personal data in the string values of fields that carry no signal (JSON records).

    Only records whose text holds a candidate anywhere are taken apart, leaf by leaf;
    values under a mapped field (a signal, the time, the request, the user) are skipped.
    Records whose every key is a mapped field as a whole are not searched (``_beyond_sql``).
    Spans that are not records (HTTP attempts around GenAI calls) are searched whole but for
    their ids and times: no signal of theirs is searched as a signal's text. With the GenAI
    signals ``derived``, a record's content attributes and the events and log records that
    carry its messages were searched as those signals.
    """
    skipped = [engine.segments(p) for p in mapped]
    unsearched = [engine.segments(p) for p in plain]
    beyond = _beyond_sql(mapped)
    text = "json"
    if rows.composed:
        # Composed records hold times as numbers (OTLP's epoch nanoseconds: 19 digits, a
        # card's length); only text is searched, so numbers are left out of the first look.
        text = r"""regexp_replace(json, '([^\\])":-?[0-9]{8,}', '\1":0', 'g')"""
    candidate = f"regexp_matches({text}, {engine.literal(pii.ANY_PATTERN)})"
    value = "(j.value->>'$')"
    leaf = "regexp_replace(j.fullkey, '\\[[0-9]+\\]', '', 'g')"
    lanes = " + ".join(
        f"CAST({pii.count_sql('m', k)} AS HUGEINT) * {_LANE**i}" for i, k in enumerate(pii.KINDS)
    )
    records = f"(SELECT json, true AS rec FROM {rows.sql})"
    if rows.calls:
        marks = ", ".join(engine.literal(engine.json_path(p)) for p in genai.MARKERS)
        record = genai.is_call([f"v[{i + 1}]" for i in range(len(genai.MARKERS))])
        records = (
            f"(SELECT json, {record} AS rec FROM "
            f"(SELECT json, json_extract(json, [{marks}]) AS v FROM {rows.sql}))"
        )
    if derived:
        stripped = genai.without_signal_events("json")
        records = (
            f"(SELECT CASE WHEN rec THEN {stripped} ELSE json END AS json, rec FROM {records})"
        )
    # CASE keeps the order: the candidate search runs only where a key is left to search.
    candidates = (
        f"(SELECT json, rec FROM {records} "
        f"WHERE CASE WHEN {beyond} THEN {candidate} ELSE false END)"
    )
    if rows.composed:
        # DuckDB (2.0) plans json_tree beside a composed source as a dependent join that
        # takes seconds per hundred records; over the few candidates held it takes none.
        con.execute(f"CREATE TEMP TABLE wb_candidates AS SELECT * FROM {candidates}")
        candidates = "wb_candidates"
    sql = (
        f"SELECT field, rec, sum(n), min(e), max(e) FROM ("
        f"SELECT field, rec, {lanes} AS n, CASE WHEN {lanes} > 0 THEN t END AS e FROM ("
        f"SELECT rec, {leaf} AS field, {value} AS t, {pii.matches_sql(value)} AS m "
        f"FROM {candidates} r, json_tree(r.json) j "
        f"WHERE j.type = 'VARCHAR') WHERE len(m) > 0) GROUP BY field, rec ORDER BY field"
    )
    per_field: dict[str, tuple[list[int], list[str]]] = {}
    for path, rec, packed, low, high in engine.query(con, sql, src):
        name = path.removeprefix("$.").removeprefix("$")
        parts = engine.segments(name)
        under = [m for m in (skipped if rec else unsearched) if parts[: len(m)] == m]
        if under or (rec and derived and genai.content_path(parts)):
            continue
        counts, examples = per_field.setdefault(name, ([0] * len(pii.KINDS), []))
        for i in range(len(pii.KINDS)):
            counts[i] += int(packed or 0) // _LANE**i % _LANE
        examples += [e for e in (low, high) if e is not None]
    found = []
    for name, (counts, examples) in per_field.items():
        if sum(counts):
            # The lexically first and last: stable from run to run.
            ends = (min(examples), max(examples)) if examples else ()
            shown = tuple(dict.fromkeys(pii.redact(e) for e in ends))
            per_kind = {k.name: n for k, n in zip(pii.KINDS, counts, strict=True)}
            found.append(FieldPII("other", name, per_kind, shown[:EXAMPLES]))
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
        # Output coverage is over the records less these: failed calls have no output.
        "failed_without_output": measures.failed_without_output,
        "other_spans": measures.other_spans,
    }


def share(value: float) -> str:
    """0.9512 -> '95.1%'."""
    if math.isnan(value):
        return "n/a"
    return f"{value * 100:.1f}%"
