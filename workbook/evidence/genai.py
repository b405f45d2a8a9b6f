"""The OpenTelemetry GenAI semantic conventions, as SQL over one span per row.

Which spans are GenAI calls, and where a call's prompt, input and output may sit: the
conventions have moved them from numbered attributes (``gen_ai.prompt.0.content``) to
span events (``gen_ai.content.prompt``), to log records (``gen_ai.system.message``,
``gen_ai.user.message``, ``gen_ai.choice``), to message attributes
(``gen_ai.system_instructions``, ``gen_ai.input.messages``, ``gen_ai.output.messages``)
and to one ``gen_ai.client.inference.operation.details`` log record; the official
instrumentations write each of these today, depending on their version and settings.
Spans come as JSON objects in the shape of the Python SDK's console exporter (``otlp``
turns OTLP/JSON into it), the log records that share the span's id joined as ``logs``.
Everything is DuckDB list and JSON functions, evaluated per span inside the one scan.
"""

from __future__ import annotations

import re
from typing import Any

from workbook.evidence import engine

#: Attributes that make a span a GenAI operation (``gen_ai.system`` is the older name of
#: ``gen_ai.provider.name``); the spans around them (HTTP attempts) are not requests.
MARKERS = (
    'attributes."gen_ai.operation.name"',
    'attributes."gen_ai.provider.name"',
    'attributes."gen_ai.system"',
)
#: The HTTP resend ordinal: set on the second and later attempts of one request.
RESEND = 'attributes."http.request.resend_count"'
SPAN_ID = "context.span_id"
PARENT_ID = "parent_id"
#: A span's ids (hex: long digit runs are no personal data).
IDS = (SPAN_ID, "context.trace_id", PARENT_ID)
#: Signals whose content the conventions spread over several places, read together.
DERIVED = ("prompts", "inputs", "outputs")
#: Where each derived signal is read, in words (it is no one field).
PLACES = {
    "prompts": "gen_ai.system_instructions, system messages and events",
    "inputs": "gen_ai.input.messages, user messages and events",
    "outputs": "gen_ai.output.messages, choices and completions",
}

DETAILS = "gen_ai.client.inference.operation.details"
_SYSTEM_EVENTS = ("gen_ai.system.message",)
# The chat history sent with a request: the model's earlier answers and tool results too.
_INPUT_EVENTS = ("gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message")
_OUTPUT_EVENTS = ("gen_ai.choice",)
#: Span events / log records whose content is a signal (left out of the search elsewhere:
#: their text is searched as the signal's).
SIGNAL_EVENTS = (
    DETAILS,
    "gen_ai.content.prompt",
    "gen_ai.content.completion",
    *_SYSTEM_EVENTS,
    *_INPUT_EVENTS,
    *_OUTPUT_EVENTS,
)
#: Span attributes whose values are a derived signal's content.
CONTENT_ATTRIBUTES = (
    "gen_ai.system_instructions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.prompt",
    "gen_ai.completion",
)
#: The older numbered attributes: ``gen_ai.prompt.<n>.role`` / ``gen_ai.prompt.<n>.content``.
NUMBERED = ("gen_ai.prompt.", "gen_ai.completion.")
#: Message roles that carry the system prompt (OpenAI names it ``developer`` too).
SYSTEM_ROLES = ("system", "developer")

# Keys that shape a message rather than say something; with their scalar value, every key
# name, JSON punctuation, escapes and the blanks around them, they are cut before a text is
# judged to have content: what is left is the words, run together.
_SHAPE_KEYS = (
    "role", "type", "finish_reason", "index", "id", "mime_type", "modality",
    "event.name", "gen_ai.system", "gen_ai.provider.name",
)  # fmt: skip
_STRING = r'"(?:[^"\\]|\\.)*"'
_SHAPES = "|".join(re.escape(k) for k in _SHAPE_KEYS)
#: One pass over a message list's JSON text leaves its words: what the placeholder and
#: blank tests (``logs._NO_CONTENT``) and the distinct count then read. The same words
#: come out whatever the spacing or the order of shape keys (an SDK's JSON text, a list).
SAID = (
    rf'\s*(?:"(?:{_SHAPES})"\s*:\s*(?:{_STRING}|-?[0-9][0-9.eE+-]*|true|false|null)'
    rf"|{_STRING}\s*:|\\[nrtbf]|[\[\]{{}},\"])\s*"
)


def _names(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(engine.literal(n) for n in names) + "]"


# pragma: no mutate start -- SQL text
_MACROS = (
    # A JSON value as a list: a list as it is, anything else as no items.
    "CREATE OR REPLACE MACRO wb_list(x) AS "
    "CASE WHEN json_type(x) = 'ARRAY' THEN CAST(x AS JSON[]) ELSE []::JSON[] END",
    # Messages, however written: a list, a JSON text of a list or of one message (the SDKs
    # export ``gen_ai.*.messages`` as text), or one value (a plain prompt text).
    "CREATE OR REPLACE MACRO wb_msgs(x) AS CASE "
    "WHEN x IS NULL OR json_type(x) = 'NULL' THEN []::JSON[] "
    "WHEN json_type(x) = 'ARRAY' THEN CAST(x AS JSON[]) "
    "WHEN json_type(x) = 'VARCHAR' AND json_type(TRY_CAST(x->>'$' AS JSON)) = 'ARRAY' "
    "THEN CAST(TRY_CAST(x->>'$' AS JSON) AS JSON[]) "
    "WHEN json_type(x) = 'VARCHAR' AND json_type(TRY_CAST(x->>'$' AS JSON)) = 'OBJECT' "
    "THEN [TRY_CAST(x->>'$' AS JSON)] ELSE [x] END",
    # A span event's name, a log record's event name (an attribute in OTLP from JS).
    "CREATE OR REPLACE MACRO wb_event(e) AS "
    "coalesce((e->>'event_name'), (e->>'name'), (e->'attributes'->>'event.name'))",
    # What a log record says (its body); a span event says it in its attributes.
    "CREATE OR REPLACE MACRO wb_payload(e) AS CASE WHEN (e->'body') IS NULL "
    "OR json_type(e->'body') = 'NULL' THEN (e->'attributes') ELSE (e->'body') END",
    # A message that carries the system prompt.
    "CREATE OR REPLACE MACRO wb_system(m) AS "
    f"coalesce(list_contains({_names(SYSTEM_ROLES)}, lower(m->>'role')), false)",
    # The older numbered attributes as messages {role, content}.
    "CREATE OR REPLACE MACRO wb_numbered(a, prefix) AS CASE "
    "WHEN contains(CAST(a AS VARCHAR), '\"' || prefix) THEN list_transform("
    "list_filter(json_keys(a), lambda k: starts_with(k, prefix) AND ends_with(k, '.content')), "
    "lambda k: json_object('role', json_extract(a, '$.\"' || "
    "left(k, length(k) - 8) || '.role\"'), 'content', json_extract(a, '$.\"' || k || '\"'))) "
    "ELSE []::JSON[] END",
    # A list's JSON text, NULL for no items.
    "CREATE OR REPLACE MACRO wb_text(l) AS CASE WHEN len(l) > 0 THEN CAST(l AS VARCHAR) END",
    f"CREATE OR REPLACE MACRO wb_said(t) AS regexp_replace(t, {engine.literal(SAID)}, '', 'g')",
)
# pragma: no mutate end


def define(con: Any) -> None:
    """Define the macros the SQL below calls."""
    for macro in _MACROS:
        con.execute(macro)


def is_call(markers: list[str]) -> str:
    """SQL: a span is a GenAI call (``markers``: JSON values of ``MARKERS``)."""
    return "(" + " OR ".join(f"({m}->>'$') IS NOT NULL" for m in markers) + ")"


def span_id(text: str) -> str:
    """SQL: a span id as lowercase hex without the console exporter's ``0x``."""
    return f"lower(regexp_replace({text}, '^0[xX]', ''))"


def derived(inner: str, a: str, events: str, logs: str) -> str:
    """``inner`` with, per derived signal, its content as JSON text (``r_<signal>``, NULL
    where the span has none) and its words (``k_<signal>``, see ``SAID``).

    ``a``, ``events``, ``logs``: columns of ``inner`` holding the span's attributes, events
    and joined log records (JSON).
    """

    def of(name: str, key: str) -> str:
        """Messages under attribute ``key`` of every event or log record named ``name``."""
        picked = f"list_filter(gi, lambda e: wb_event(e) = {engine.literal(name)})"
        return (
            f"flatten(list_transform({picked}, "
            f"lambda e: wb_msgs(e->'attributes'->{engine.literal(key)})))"
        )

    def said(names: tuple[str, ...]) -> str:
        picked = f"list_filter(gi, lambda e: list_contains({_names(names)}, wb_event(e)))"
        return f"list_transform({picked}, lambda e: wb_payload(e))"

    # Layer 1: the span's events and log records; layer 2: every input message, wherever
    # written; layer 3: the content per signal, as JSON text; layer 4: its words.
    items = f"list_concat(wb_list({events}), wb_list({logs}))"
    inputs = (
        f"list_concat(wb_msgs({a}->'gen_ai.input.messages'), wb_msgs({a}->'gen_ai.prompt'), "
        f"wb_numbered({a}, 'gen_ai.prompt.'), "
        f"{of(DETAILS, 'gen_ai.input.messages')}, "
        f"{of('gen_ai.content.prompt', 'gen_ai.prompt')})"
    )
    prompts = (
        f"list_concat(wb_msgs({a}->'gen_ai.system_instructions'), "
        f"{of(DETAILS, 'gen_ai.system_instructions')}, "
        f"list_filter(gm, lambda m: wb_system(m)), {said(_SYSTEM_EVENTS)})"
    )
    others = f"list_concat(list_filter(gm, lambda m: NOT wb_system(m)), {said(_INPUT_EVENTS)})"
    outputs = (
        f"list_concat(wb_msgs({a}->'gen_ai.output.messages'), wb_msgs({a}->'gen_ai.completion'), "
        f"wb_numbered({a}, 'gen_ai.completion.'), {of(DETAILS, 'gen_ai.output.messages')}, "
        f"{of('gen_ai.content.completion', 'gen_ai.completion')}, {said(_OUTPUT_EVENTS)})"
    )
    lists = {"prompts": prompts, "inputs": others, "outputs": outputs}
    texts = ", ".join(f"wb_text({lists[s]}) AS r_{s}" for s in DERIVED)
    words = ", ".join(f"wb_said(r_{s}) AS k_{s}" for s in DERIVED)
    return (
        f"(SELECT *, {words} FROM (SELECT * EXCLUDE (gi, gm), {texts} FROM ("
        f"SELECT *, {inputs} AS gm FROM ("
        f"SELECT *, {items} AS gi FROM {inner}))))"
    )


def without_signal_events(json: str) -> str:
    """SQL: the span ``json`` without the events and log records whose content is a signal
    (searched for personal data as that signal's text)."""
    keep = f"lambda e: NOT coalesce(list_contains({_names(SIGNAL_EVENTS)}, wb_event(e)), false)"
    return (
        f"json_merge_patch({json}, json_object("
        f"'events', to_json(list_filter(wb_list({json}->'events'), {keep})), "
        f"'logs', to_json(list_filter(wb_list({json}->'logs'), {keep}))))"
    )


def content_path(parts: list[str]) -> bool:
    """A leaf path (segments) under a span attribute that holds a derived signal's content."""
    if len(parts) < 2 or parts[0] != "attributes":
        return False
    key = parts[1]
    return key in CONTENT_ATTRIBUTES or key.startswith(NUMBERED)
