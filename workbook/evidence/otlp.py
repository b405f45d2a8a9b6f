"""OpenTelemetry exports as one JSON object per span, in the console exporter's shape.

OTLP/JSON (``resourceSpans`` → ``scopeSpans`` → ``spans``; ``resourceLogs`` →
``scopeLogs`` → ``logRecords``), one export request per line (the Collector's file
exporter) or one pretty document, is parsed by DuckDB straight into typed lists and
unnested there: a million spans stream at the speed of JSON lines, in bounded memory.
Each span becomes the object the Python SDK's ``ConsoleSpanExporter`` writes, so one
preset reads both::

    {"name", "context": {"trace_id", "span_id"}, "parent_id", "kind",
     "start_time", "end_time",                 # OTLP: epoch nanoseconds (a number)
     "status": {"status_code": "OK" | "ERROR" | "UNSET", "description"},
     "attributes": {key: plain value},         # AnyValue unwrapped
     "resource": {"attributes": {...}}, "scope": {"name", "version"},
     "events": [{"name", "timestamp", "attributes"}],
     "logs": [{"event_name", "timestamp", "body", "attributes"}]}   # joined by span id

``logs`` is there only when the file holds log records: each record whose span id is
the span's.

Attribute values are unwrapped in two steps, both in SQL. DuckDB parses an AnyValue and
one level of arrays and maps inside it into typed lists, and a list function writes
them as plain JSON: that covers nearly every attribute, fast. What lies deeper (GenAI
messages: list → message → parts → part → text) is written as OTLP gave it, and the
few spans holding such values are written once more with every bracket of their own
replaced by a private-use character, so that the only ``{`` left belong to the OTLP
wrappers, which regular expressions then unwrap, innermost first, one level a pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.evidence import engine
from workbook.evidence.engine import Source

if TYPE_CHECKING:
    from workbook.evidence.formats import Layout

#: Levels of arrays and maps inside an attribute that are unwrapped (GenAI messages
#: need five). A value nested deeper keeps the encoding's wrappers on its outer levels
#: beyond that (innermost levels are unwrapped first): still JSON, only not plain.
DEPTH = 16

# --------------------------------------------------------------- typed layout

#: An AnyValue below the first level: scalars typed (numbers as their text: ``intValue``
#: may be a JSON string or a number), arrays and maps kept as JSON text.
_ANY0 = (
    "STRUCT(stringValue VARCHAR, intValue VARCHAR, doubleValue VARCHAR, boolValue VARCHAR, "
    "bytesValue VARCHAR, arrayValue JSON, kvlistValue JSON)"
)
#: An AnyValue: its own arrays and maps typed one level down.
_ANY = (
    "STRUCT(stringValue VARCHAR, intValue VARCHAR, doubleValue VARCHAR, boolValue VARCHAR, "
    f'bytesValue VARCHAR, arrayValue STRUCT("values" {_ANY0}[]), '
    f'kvlistValue STRUCT("values" STRUCT(key VARCHAR, value {_ANY0})[]))'
)
_KV = f"STRUCT(key VARCHAR, value {_ANY})[]"
_RESOURCE = f"STRUCT(attributes {_KV})"
_SCOPE = "STRUCT(name VARCHAR, version VARCHAR)"
_SPAN = (
    "STRUCT(traceId VARCHAR, spanId VARCHAR, parentSpanId VARCHAR, name VARCHAR, "
    "kind VARCHAR, startTimeUnixNano VARCHAR, endTimeUnixNano VARCHAR, "
    f"attributes {_KV}, events STRUCT(timeUnixNano VARCHAR, name VARCHAR, attributes {_KV})[], "
    "status STRUCT(code VARCHAR, message VARCHAR))"
)
_LOG = (
    "STRUCT(timeUnixNano VARCHAR, observedTimeUnixNano VARCHAR, eventName VARCHAR, "
    f"body {_ANY}, attributes {_KV}, traceId VARCHAR, spanId VARCHAR)"
)
_SPANS = f"STRUCT(resource {_RESOURCE}, scopeSpans STRUCT(scope {_SCOPE}, spans {_SPAN}[])[])[]"
_LOGS = f"STRUCT(resource {_RESOURCE}, scopeLogs STRUCT(scope {_SCOPE}, logRecords {_LOG}[])[])[]"

# ------------------------------------------------------------------ deep values

#: Brackets written while deep values are unwrapped: array open/close, map open/close.
MARKS = "\ue000\ue001\ue002\ue003"
#: Text that shows an OTLP array or map left to unwrap.
_LEFT = 'Value":{'
_STRING = r'"(?:[^"\\]|\\.)*"'
#: Text with no bracket outside its strings: a value already unwrapped.
_PLAIN = r"(?:" + _STRING + r'|[^"{}\[\]])*'
_SCALARS = (
    r'\{"(?:stringValue|bytesValue)":(' + _STRING + r")\}"
    r'|\{"(?:intValue|doubleValue)":"?(-?[0-9][0-9.eE+-]*)"?\}'
    r'|\{"doubleValue":(' + _STRING + r")\}"
    r'|\{"boolValue":(true|false)\}'
)
_ENTRY = r'\{"key":(' + _STRING + r'),"value":(' + _PLAIN + r")\}"
_ARRAY = r'\{"arrayValue":\{(?:"values":\[(' + _PLAIN + r")\])?\}\}"
_MAP = r'\{"kvlistValue":\{(?:"values":\[(' + _PLAIN + r")\])?\}\}"


def _unwrap_sql(text: str) -> str:
    """SQL: marked text with its OTLP wrappers unwrapped, its marks made brackets again."""
    text = f"regexp_replace({text}, {engine.literal(_SCALARS)}, '\\1\\2\\3\\4', 'g')"
    for _ in range(DEPTH - 1):
        text = (
            f"regexp_replace(regexp_replace(regexp_replace({text}, {engine.literal(_ENTRY)}, "
            f"'\\1:\\2', 'g'), {engine.literal(_ARRAY)}, "
            f"{engine.literal(MARKS[0] + chr(92) + '1' + MARKS[1])}, 'g'), "
            f"{engine.literal(_MAP)}, {engine.literal(MARKS[2] + chr(92) + '1' + MARKS[3])}, 'g')"
        )
    # An empty AnyValue is null; then the marks turn back into brackets.
    text = f"replace({text}, '{{}}', 'null')"
    return f"translate({text}, '{MARKS}', '[]{{}}')"


def _attrs_macro(name: str, marks: str) -> str:
    """Macro ``name``: a key/value list as one JSON object's text, bracketed by ``marks``.

    Scalars and one level of arrays and maps are written plain; an AnyValue deeper
    than that as OTLP wrote it (``otlp_nested``). A repeated key is kept, as written.
    """
    a_open, a_close, m_open, m_close = marks[0], marks[1], marks[2], marks[3]
    return f"""CREATE OR REPLACE MACRO {name}(l) AS '{m_open}' || array_to_string(
        list_transform(coalesce(l, []), lambda a: CAST(to_json(a.key) AS VARCHAR) || ':' ||
        coalesce(otlp_scalar(a.value), CASE
            WHEN a.value.arrayValue IS NOT NULL THEN '{a_open}' || array_to_string(
                list_transform(coalesce(a.value.arrayValue."values", []),
                lambda x: otlp_nested(x)), ',') || '{a_close}'
            WHEN a.value.kvlistValue IS NOT NULL THEN '{m_open}' || array_to_string(
                list_transform(coalesce(a.value.kvlistValue."values", []),
                lambda y: CAST(to_json(y.key) AS VARCHAR) || ':' || otlp_nested(y.value)),
                ',') || '{m_close}'
            END, 'null')), ',') || '{m_close}'"""


#: SQL macros the OTLP reading uses; ``engine.connect`` defines them on every connection.
MACROS: tuple[str, ...] = (
    r"""CREATE OR REPLACE MACRO otlp_num(t) AS CASE
        WHEN regexp_full_match(t, '-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?') THEN t
        ELSE CAST(to_json(t) AS VARCHAR) END""",
    """CREATE OR REPLACE MACRO otlp_bool(t) AS CASE lower(t)
        WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(to_json(t) AS VARCHAR) END""",
    # A scalar AnyValue (struct ``a``) as JSON text; NULL when it is none.
    """CREATE OR REPLACE MACRO otlp_scalar(a) AS CASE
        WHEN a.stringValue IS NOT NULL THEN CAST(to_json(a.stringValue) AS VARCHAR)
        WHEN a.intValue IS NOT NULL THEN otlp_num(a.intValue)
        WHEN a.doubleValue IS NOT NULL THEN otlp_num(a.doubleValue)
        WHEN a.boolValue IS NOT NULL THEN otlp_bool(a.boolValue)
        WHEN a.bytesValue IS NOT NULL THEN CAST(to_json(a.bytesValue) AS VARCHAR) END""",
    # A value inside an array or map: a scalar, or an array or map as OTLP wrote it.
    """CREATE OR REPLACE MACRO otlp_nested(x) AS coalesce(otlp_scalar(x), CASE
        WHEN x.arrayValue IS NOT NULL
            THEN '{"arrayValue":' || CAST(x.arrayValue AS VARCHAR) || '}'
        WHEN x.kvlistValue IS NOT NULL
            THEN '{"kvlistValue":' || CAST(x.kvlistValue AS VARCHAR) || '}'
        END, 'null')""",
    _attrs_macro("otlp_attrs", "[]{}"),
    _attrs_macro("otlp_attrs_marked", MARKS),
    # Marked text with its deep values unwrapped.
    f"CREATE OR REPLACE MACRO otlp_unwrap(t) AS {_unwrap_sql('t')}",
    # Epoch nanoseconds (text or number) as a JSON number; 0 (unset) as null.
    """CREATE OR REPLACE MACRO otlp_time(t) AS coalesce(CAST(nullif(TRY_CAST(t AS HUGEINT), 0)
        AS VARCHAR), 'null')""",
    # A JSON string's text, or null.
    """CREATE OR REPLACE MACRO otlp_text(t) AS coalesce(CAST(to_json(t) AS VARCHAR), 'null')""",
    # Status codes: 2 / STATUS_CODE_ERROR, 1 / STATUS_CODE_OK, else unset.
    """CREATE OR REPLACE MACRO otlp_status(c) AS CASE upper(coalesce(c, ''))
        WHEN '2' THEN 'ERROR' WHEN 'STATUS_CODE_ERROR' THEN 'ERROR'
        WHEN '1' THEN 'OK' WHEN 'STATUS_CODE_OK' THEN 'OK' ELSE 'UNSET' END""",
    # Span kinds, as the Python SDK names them.
    """CREATE OR REPLACE MACRO otlp_kind(k) AS CASE upper(coalesce(k, ''))
        WHEN '1' THEN 'SpanKind.INTERNAL' WHEN '2' THEN 'SpanKind.SERVER'
        WHEN '3' THEN 'SpanKind.CLIENT' WHEN '4' THEN 'SpanKind.PRODUCER'
        WHEN '5' THEN 'SpanKind.CONSUMER'
        ELSE CASE WHEN upper(k) LIKE 'SPAN_KIND_%' AND upper(k) <> 'SPAN_KIND_UNSPECIFIED'
            THEN 'SpanKind.' || substr(upper(k), 11) END END""",
)


# ---------------------------------------------------------------------- SQL


def _reader(src: Source, layout: Layout, columns: dict[str, str]) -> str:
    """The export requests, parsed into the typed columns (one row per request)."""
    from workbook.evidence import formats

    where = engine.literal(src.location)
    cols = "{" + ", ".join(f"{engine.literal(k)}: {engine.literal(v)}" for k, v in columns.items())
    if layout.framing == "lines":
        # One request per line: DuckDB's own bound on a line suffices (its buffers grow
        # with the bound, and the lines stream).
        framing = "format='newline_delimited'"
    else:
        framing = f"format='unstructured', maximum_object_size={formats.object_size(src, layout)}"
    return (
        f"read_json({where}, {framing}, records=true, columns={cols}}}, "
        f"compression={engine.literal(layout.compression)})"
    )


def _plain_then_marked(render: str, source: str, keep: str = "*") -> str:
    """SQL: ``source`` with column ``t`` = ``render`` (text using the macro ``otlp_attrs``).

    Written plain first; the rare row with a deep value left is written again with marks
    and unwrapped (a CASE over the plain text: DuckDB then writes the marked text only
    for the rows that need it).
    """
    marked = render.replace("otlp_attrs(", "otlp_attrs_marked(")
    return (
        f"(SELECT * EXCLUDE (t), CASE WHEN contains(t, '{_LEFT}') THEN otlp_unwrap({marked}) "
        f"ELSE t END AS t FROM (SELECT {keep}, {render} AS t FROM {source}))"
    )


def _span_text(s: str) -> str:
    """SQL: a span's own part of its object (no closing brace) from struct ``s``."""
    return " || ".join(
        [
            f"'{{\"name\":' || otlp_text({s}.name)",
            f'\',"context":{{"trace_id":\' || otlp_text({s}.traceId)',
            f"',\"span_id\":' || otlp_text({s}.spanId) || '}}'",
            f"',\"parent_id\":' || otlp_text(nullif({s}.parentSpanId, ''))",
            f"',\"kind\":' || otlp_text(otlp_kind({s}.kind))",
            f"',\"start_time\":' || otlp_time({s}.startTimeUnixNano)",
            f"',\"end_time\":' || otlp_time({s}.endTimeUnixNano)",
            f'\',"status":{{"status_code":"\' || otlp_status({s}.status.code)',
            f"'\",\"description\":' || otlp_text(nullif({s}.status.message, '')) || '}}'",
            f"',\"attributes\":' || otlp_attrs({s}.attributes)",
            f"',\"events\":[' || array_to_string(list_transform(coalesce({s}.events, []), "
            "lambda e: '{\"name\":' || otlp_text(e.name) || ',\"timestamp\":' || "
            "otlp_time(e.timeUnixNano) || ',\"attributes\":' || otlp_attrs(e.attributes) || "
            "'}'), ',') || ']'",
        ]
    )


def _log_text(r: str) -> str:
    """SQL: one log record's object (as joined to its span) from struct ``r``."""
    event = (
        f"coalesce(nullif({r}.eventName, ''), list_extract(list_transform(list_filter("
        f"coalesce({r}.attributes, []), lambda a: a.key = 'event.name'), "
        "lambda a: a.value.stringValue), 1))"
    )
    time = (
        f"coalesce(nullif(TRY_CAST({r}.timeUnixNano AS HUGEINT), 0), "
        f"nullif(TRY_CAST({r}.observedTimeUnixNano AS HUGEINT), 0))"
    )
    # The body is one AnyValue: written as the only value of a list, then taken out of it
    # (``{"":`` and the closing bracket are one character each, marked or not).
    body = f"list_transform([otlp_attrs([{{'key': '', 'value': {r}.body}}])], lambda b: "
    body += "substr(b, 5, length(b) - 5))[1]"
    return (
        f"'{{\"event_name\":' || otlp_text({event}) || "
        f"',\"timestamp\":' || coalesce(CAST({time} AS VARCHAR), 'null') || "
        f"',\"body\":' || {body} || ',\"attributes\":' || otlp_attrs({r}.attributes) || '}}'"
    )


def spans_sql(src: Source, layout: Layout) -> str:
    """SQL source: one row per span of an OTLP/JSON file, column ``json``."""
    requests = _reader(src, layout, {"resourceSpans": _SPANS})
    # Each resource and scope is written once, before its spans are unnested.
    resources = _plain_then_marked(
        "'{\"attributes\":' || otlp_attrs(r.resource.attributes) || '}'",
        f"(SELECT unnest(resourceSpans) AS r FROM {requests})",
        keep="r",
    )
    scopes = (
        "(SELECT t AS resource, ss.spans AS spans, '{\"name\":' || otlp_text(ss.scope.name) || "
        "',\"version\":' || otlp_text(ss.scope.version) || '}' AS scope FROM "
        f"(SELECT t, unnest(r.scopeSpans) AS ss FROM {resources}))"
    )
    rows = f"(SELECT resource, scope, unnest(spans) AS s FROM {scopes})"
    spans = _plain_then_marked(_span_text("s"), rows, keep="resource, scope, s")
    tail = "',\"resource\":' || resource || ',\"scope\":' || scope"
    if "logs" not in layout.signals:
        return f"(SELECT CAST(t || {tail} || '}}' AS JSON) AS json FROM {spans})"
    logs = _reader(src, layout, {"resourceLogs": _LOGS})
    records = (
        "(SELECT unnest(sl.logRecords) AS l FROM (SELECT unnest(r.scopeLogs) AS sl FROM "
        f"(SELECT unnest(resourceLogs) AS r FROM {logs})))"
    )
    written = _plain_then_marked(
        _log_text("l"),
        records,
        keep="l, l.spanId AS sid, coalesce(nullif(TRY_CAST(l.timeUnixNano AS HUGEINT), 0), "
        "nullif(TRY_CAST(l.observedTimeUnixNano AS HUGEINT), 0)) AS ts",
    )
    # Each span's log records, in time order: few beside the spans, which stream past.
    joined = (
        "(SELECT sid, '[' || string_agg(t, ',' ORDER BY ts, t) || ']' AS logs "
        f"FROM {written} WHERE coalesce(sid, '') <> '' GROUP BY sid)"
    )
    return (
        f"(SELECT CAST(t || {tail} || ',\"logs\":' || coalesce(j.logs, '[]') || '}}' AS JSON) "
        f"AS json FROM {spans} AS o LEFT JOIN {joined} AS j ON j.sid = o.s.spanId)"
    )


def console_sql(src: Source, layout: Layout) -> str:
    """SQL source: the spans of console exporter output, their log records joined."""
    from workbook.evidence import formats

    where = engine.literal(src.location)
    if layout.framing == "lines":
        objects = f"read_ndjson_objects({where}, compression={engine.literal(layout.compression)})"
    else:
        objects = (
            f"read_json_objects({where}, format='unstructured', "
            f"compression={engine.literal(layout.compression)}, "
            f"maximum_object_size={formats.object_size(src, layout)})"
        )
    sid = "coalesce(json->>'$.span_id', json->>'$.context.span_id')"
    at = "coalesce(json->>'$.timestamp', json->>'$.observed_timestamp')"
    log = (
        "json_object('event_name', coalesce(json->>'$.event_name', "
        f"json->>'$.attributes.\"event.name\"'), 'timestamp', {at}, 'body', json->'$.body', "
        "'attributes', coalesce(json->'$.attributes', '{}'::JSON))"
    )
    is_span = "((json->'$.context') IS NOT NULL AND (json->'$.start_time') IS NOT NULL)"
    logs = (
        f"(SELECT {sid} AS sid, to_json(list({log} ORDER BY {at})) AS logs FROM {objects} "
        f"WHERE NOT {is_span} AND {sid} IS NOT NULL GROUP BY sid)"
    )
    return (
        "(SELECT json_merge_patch(o.json, json_object('logs', coalesce(j.logs, '[]'::JSON))) "
        f"AS json FROM {objects} AS o LEFT JOIN {logs} AS j "
        f"ON j.sid = o.json->>'$.context.span_id' WHERE "
        f"{is_span.replace('json->', 'o.json->')})"
    )
