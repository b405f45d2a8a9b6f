"""OpenTelemetry GenAI conventions in a log sample (preset ``otel_genai``).

Which spans are requests (the GenAI calls, not their HTTP attempts), where a call's system
prompt, input and output may sit (message attributes, span events, log records joined by
span id, older numbered attributes), retries recorded or not, output coverage over the
calls that did not fail, and log records without spans refused. Each behaviour is checked
on small files written here in the tools' own shapes (the Python SDK's console exporters,
OTLP/JSON as the JS exporter writes it) and on the real files in tests/data/real/otel
(written by the official instrumentations; PROVENANCE.md there). Expected figures are
counted here: by hand for the small files, with the json module for the real ones.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from samples import cite, percentile, write_csv, write_jsonl
from workbook.evidence import engine, find_evidence
from workbook.evidence.logs import as_dict, inspect_log
from workbook.model.records import LogMapping

OTEL = LogMapping(preset="otel_genai")
REAL = Path(__file__).parent / "data" / "real" / "otel"
T0 = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
SYSTEM = "You are the claims assistant. Answer in one sentence."
NONE = {"emails": 0, "phones": 0, "cards": 0, "ibans": 0}


# ------------------------------------------------------------ writing the tools' shapes


def iso(at: dt.datetime) -> str:
    """A time as the Python SDK's console exporter writes it."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hex_id(n: int) -> str:
    return f"0x{n:016x}"


def span(
    n: int,
    *,
    start_ms: float = 0,
    duration_ms: float = 100,
    parent: int | None = None,
    status: str = "UNSET",
    call: bool = True,
    events: list[dict] | None = None,
    **attributes: Any,
) -> dict:
    """Span ``n`` as ``ConsoleSpanExporter`` writes it; ``call``: a GenAI chat call."""
    start = T0 + dt.timedelta(milliseconds=start_ms)
    genai = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai"} if call else {}
    return {
        "name": "chat gpt-4o-mini" if call else "POST",
        "context": {"trace_id": f"0x{n:032x}", "span_id": hex_id(n), "trace_state": "[]"},
        "kind": "SpanKind.CLIENT",
        "parent_id": None if parent is None else hex_id(parent),
        "start_time": iso(start),
        "end_time": iso(start + dt.timedelta(milliseconds=duration_ms)),
        "status": {"status_code": status},
        "attributes": {**genai, **attributes},
        "events": events or [],
        "links": [],
        "resource": {"attributes": {"service.name": "claims"}, "schema_url": ""},
    }


def log_record(n: int, event: str, body: Any = None, **attributes: Any) -> dict:
    """A log record of span ``n`` as ``ConsoleLogRecordExporter`` writes it."""
    return {
        "body": body,
        "severity_number": None,
        "severity_text": None,
        "attributes": attributes,
        "dropped_attributes": 0,
        "timestamp": None,
        "observed_timestamp": iso(T0),
        "trace_id": f"0x{n:032x}",
        "span_id": hex_id(n),
        "trace_flags": 1,
        "resource": {"attributes": {"service.name": "claims"}, "schema_url": ""},
        "event_name": event,
    }


def write_console(path: Path, objects: list[dict]) -> Path:
    """Objects back to back, each pretty-printed and followed by a newline, as the console
    exporters write them to one stream."""
    path.write_text("".join(json.dumps(o, indent=4) + "\n" for o in objects), encoding="utf-8")
    return path


def any_value(value: Any) -> dict:
    """An OTLP AnyValue, as the JS exporter writes it (intValue a number)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": key_values(value)}}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    return {"stringValue": value}


def key_values(attributes: dict) -> list[dict]:
    return [{"key": k, "value": any_value(v)} for k, v in attributes.items()]


def otlp_span(console: dict) -> dict:
    """A console-shaped span (``span``) as an OTLP/JSON span."""
    ns = lambda text: str(  # noqa: E731 -- one conversion, named here
        int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1e6) * 1000
    )
    written = {
        "traceId": console["context"]["trace_id"][2:],
        "spanId": console["context"]["span_id"][2:],
        "name": console["name"],
        "kind": 3,
        "startTimeUnixNano": ns(console["start_time"]),
        "endTimeUnixNano": ns(console["end_time"]),
        "attributes": key_values(console["attributes"]),
        "status": {"code": 2} if console["status"]["status_code"] == "ERROR" else {"code": 0},
        "events": [],
    }
    if console["parent_id"]:
        written["parentSpanId"] = console["parent_id"][2:]
    return written


def otlp_log(n: int, event: str, body: dict) -> dict:
    """A log record of span ``n`` as the JS OTLP exporter writes it (event name an attribute)."""
    return {
        "timeUnixNano": "1793696400000000000",
        "severityNumber": 9,
        "body": any_value(body),
        "attributes": key_values({"event.name": event, "gen_ai.system": "openai"}),
        "traceId": f"{n:032x}",
        "spanId": f"{n:016x}",
    }


def write_otlp(path: Path, spans: list[dict], logs: list[dict]) -> Path:
    """One export request per line: the spans, then the log records (if any)."""
    resource = {"attributes": key_values({"service.name": "claims"})}
    lines = []
    if spans:
        scope = {"scope": {"name": "@opentelemetry/instrumentation-openai"}}
        lines.append({"resourceSpans": [{"resource": resource, "scopeSpans": [
            {**scope, "spans": [otlp_span(s) for s in spans]}]}]})  # fmt: skip
    if logs:
        scope = {"scope": {"name": "@opentelemetry/instrumentation-openai"}}
        lines.append({"resourceLogs": [{"resource": resource, "scopeLogs": [
            {**scope, "logRecords": logs}]}]})  # fmt: skip
    return write_jsonl(path, lines)


def text(role: str, content: str) -> dict:
    """A message as the current conventions write it (role and parts)."""
    return {"role": role, "parts": [{"type": "text", "content": content}]}


# ---------------------------------------------------------------- records are the calls


def calls_and_attempts() -> list[dict]:
    """Four calls and their five HTTP attempts.

    call 1: one attempt; call 2: a 500, then a resend (``resend_count`` 1) that succeeds;
    call 3: one 400 attempt, the call failed; call 4: one attempt, nothing recorded.
    Calls take 100, 200, 300, 400 ms; every attempt 5 ms (they would pull the
    percentiles down if they were counted).
    """
    return [
        span(1, start_ms=0, duration_ms=100),
        span(11, start_ms=1, duration_ms=5, parent=1, call=False),
        span(2, start_ms=1000, duration_ms=200),
        span(21, start_ms=1001, duration_ms=5, parent=2, call=False, status="ERROR"),
        span(22, start_ms=1010, duration_ms=5, parent=2, call=False,
             **{"http.request.resend_count": 1}),
        span(3, start_ms=2000, duration_ms=300, status="ERROR",
             **{"error.type": "BadRequestError"}),
        span(31, start_ms=2001, duration_ms=5, parent=3, call=False, status="ERROR"),
        span(4, start_ms=3000, duration_ms=400),
        span(41, start_ms=3001, duration_ms=5, parent=4, call=False),
    ]  # fmt: skip


@pytest.mark.parametrize("writer", ["jsonl", "console", "otlp"])
def test_the_records_are_the_genai_calls_and_attempts_only_add_their_retries(tmp_path, writer):
    objects = calls_and_attempts()
    path = {
        "jsonl": lambda: write_jsonl(tmp_path / "spans.jsonl", objects),
        "console": lambda: write_console(tmp_path / "spans.txt", objects),
        "otlp": lambda: write_otlp(tmp_path / "traces.jsonl", objects, []),
    }[writer]()
    m = inspect_log(path, OTEL)
    # Four calls; the five HTTP attempts are no requests (call 3's failed attempt and call
    # 2's failed first attempt are not errors of their own).
    assert (m.records, m.other_spans, m.errors) == (4, 5, 1)
    # Call 2's second attempt was a resend: call 2 was retried; the others carry no resend
    # count, and since the file records resends, that means none.
    assert (m.retried, m.retry_rate, m.covered["retries"]) == (1, 0.25, 4)
    assert m.latency.count == 4
    assert [m.latency.p50, m.latency.p95] == pytest.approx(
        [percentile([100, 200, 300, 400], q) for q in (0.5, 0.95)], abs=0.01
    )
    assert sum(m.per_day.values()) == 4


def test_a_call_carrying_its_own_resend_count_is_retried(tmp_path):
    spans = [span(1, **{"http.request.resend_count": 2}), span(2), span(3)]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.retried, m.covered["retries"]) == (1, 3)


def test_a_resend_under_another_attempt_is_no_retry_of_an_unrelated_call(tmp_path):
    # The resent attempt's parent is an HTTP span, not a call: no call was retried.
    spans = [
        span(1),
        span(11, parent=1, call=False),
        span(12, parent=11, call=False, **{"http.request.resend_count": 1}),
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.records, m.retried, m.covered["retries"]) == (1, 0, 1)


def test_a_trace_without_genai_calls_counts_every_span(tmp_path):
    # No span names a GenAI operation or provider: every span is a record, as before.
    spans = [
        span(n, call=False, **{"gen_ai.input.messages": [text("user", f"claim {n}")]})
        for n in range(1, 4)
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.records, m.other_spans, m.covered["inputs"]) == (3, 0, 3)


def test_users_are_counted_over_the_calls(tmp_path):
    spans = [
        span(1, **{"user.id": "ana"}),
        span(2, **{"user.id": "ben"}),
        span(3, **{"user.id": "ana"}),
        # An attempt naming some other principal is not a user of the assistant.
        span(31, parent=3, call=False, **{"user.id": "svc-gateway"}),
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.records, m.users) == (3, 2)


# -------------------------------------------------------------------- retries recorded


def test_no_span_carrying_a_resend_count_means_retries_are_not_recorded(tmp_path):
    # Attempts exist, call 2 even has two, but no span says which attempt was a resend.
    spans = [span(1), span(11, parent=1, call=False), span(2),
             span(21, parent=2, call=False), span(22, parent=2, call=False)]  # fmt: skip
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.retried, m.retry_rate, m.covered["retries"]) == (None, None, 0)
    assert as_dict(m)["retry_rate"] is None


def test_a_records_own_retry_mapping_is_taken_literally(tmp_path):
    # Mapped by the record itself: coverage is where the attribute is (span 2 only); the
    # attempt's resend is not read into it.
    spans = [span(1), span(11, parent=1, call=False, **{"http.request.resend_count": 1}),
             span(2, **{"app.retries": 0})]  # fmt: skip
    mapping = LogMapping(preset="otel_genai", fields={"retries": 'attributes."app.retries"'})
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), mapping)
    assert (m.records, m.covered["retries"], m.retried) == (2, 1, 0)


# -------------------------------------------------------------- prompts, inputs, outputs


def details(**attributes: Any) -> dict:
    """A ``gen_ai.client.inference.operation.details`` log record's attributes."""
    return {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", **attributes}


# Each case: span 1's attributes, span 1's span events, span 1's log records. Span 2 of
# each file carries nothing, so the signal is covered in exactly 1 of 2 records.
SYSTEM_PROMPT_CASES = {
    "system instructions": ({"gen_ai.system_instructions": [{"type": "text", "content": SYSTEM}]}, [], []),
    "system instructions as JSON text": (
        {"gen_ai.system_instructions": json.dumps([{"type": "text", "content": SYSTEM}])}, [], []),
    "system message among the input messages": (
        {"gen_ai.input.messages": [text("system", SYSTEM), text("user", "claim 7")]}, [], []),
    "the same as JSON text (the Python SDK)": (
        {"gen_ai.input.messages": json.dumps([text("system", SYSTEM), text("user", "claim 7")])},
        [], []),
    "a developer message (OpenAI's name for it)": (
        {"gen_ai.input.messages": [text("developer", SYSTEM)]}, [], []),
    "older numbered attributes": (
        {"gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": SYSTEM,
         "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "claim 7"}, [], []),
    "older span event gen_ai.content.prompt": (
        {}, [{"name": "gen_ai.content.prompt", "timestamp": iso(T0), "attributes": {
            "gen_ai.prompt": json.dumps([{"role": "system", "content": SYSTEM}])}}], []),
    "span event gen_ai.system.message": (
        {}, [{"name": "gen_ai.system.message", "timestamp": iso(T0),
              "attributes": {"content": SYSTEM}}], []),
    "log record gen_ai.system.message": (
        {}, [], [log_record(1, "gen_ai.system.message", {"content": SYSTEM})]),
    "operation details: system instructions": (
        {}, [], [log_record(1, "gen_ai.client.inference.operation.details", None,
                            **details(**{"gen_ai.system_instructions": [{"type": "text", "content": SYSTEM}]}))]),
    "operation details: system message": (
        {}, [], [log_record(1, "gen_ai.client.inference.operation.details", None,
                            **details(**{"gen_ai.input.messages": [text("system", SYSTEM)]}))]),
}  # fmt: skip
NO_SYSTEM_PROMPT_CASES = {
    "a placeholder system message": ({"gen_ai.input.messages": [text("system", "TBD")]}, [], []),
    "an empty system message": ({"gen_ai.input.messages": [{"role": "system", "parts": []}]}, [], []),
    "only a user message": ({"gen_ai.input.messages": [text("user", "claim 7")]}, [], []),
    "content capture off (no body)": (
        {}, [], [log_record(1, "gen_ai.system.message", {}, **{"gen_ai.system": "openai"})]),
    "a system message of another span": (
        {}, [], [log_record(2, "gen_ai.system.message", {"content": "n/a"})]),
}  # fmt: skip


def two_calls(tmp_path: Path, case: tuple[dict, list, list]) -> Path:
    attributes, events, logs = case
    return write_console(
        tmp_path / "spans.txt", [span(1, events=events, **attributes), span(2), *logs]
    )


@pytest.mark.parametrize("case", SYSTEM_PROMPT_CASES.values(), ids=SYSTEM_PROMPT_CASES)
def test_a_system_prompt_is_found_wherever_the_conventions_put_it(tmp_path, case):
    m = inspect_log(two_calls(tmp_path, case), OTEL)
    assert (m.records, m.covered["prompts"]) == (2, 1)


@pytest.mark.parametrize("case", NO_SYSTEM_PROMPT_CASES.values(), ids=NO_SYSTEM_PROMPT_CASES)
def test_what_is_no_system_prompt(tmp_path, case):
    m = inspect_log(two_calls(tmp_path, case), OTEL)
    assert (m.records, m.covered["prompts"]) == (2, 0)


ANSWER = "Refund approved within the 30-day window."
INPUT_CASES = {
    "a user message": ({"gen_ai.input.messages": [text("user", "claim 7")]}, [], []),
    "log record gen_ai.user.message": ({}, [], [log_record(1, "gen_ai.user.message", {"content": "claim 7"})]),
    "operation details": ({}, [], [log_record(1, "gen_ai.client.inference.operation.details", None,
                                              **details(**{"gen_ai.input.messages": [text("user", "claim 7")]}))]),
    "older numbered attributes": ({"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "claim 7"}, [], []),
    "older attribute gen_ai.prompt": ({"gen_ai.prompt": "claim 7"}, [], []),
}  # fmt: skip
OUTPUT_CASES = {
    "output messages": ({"gen_ai.output.messages": [text("assistant", ANSWER)]}, [], []),
    "a tool call (no text)": ({"gen_ai.output.messages": [{"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_1", "name": "open_claim", "arguments": {"claim": 7}}],
        "finish_reason": "tool_call"}]}, [], []),
    "log record gen_ai.choice": ({}, [], [log_record(1, "gen_ai.choice", {
        "index": 0, "finish_reason": "stop", "message": {"content": ANSWER}})]),
    "operation details": ({}, [], [log_record(1, "gen_ai.client.inference.operation.details", None,
                                              **details(**{"gen_ai.output.messages": [text("assistant", ANSWER)]}))]),
    "older numbered attributes": ({"gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": ANSWER}, [], []),
    "older span event gen_ai.content.completion": ({}, [{"name": "gen_ai.content.completion", "timestamp": iso(T0),
        "attributes": {"gen_ai.completion": json.dumps([{"role": "assistant", "content": ANSWER}])}}], []),
}  # fmt: skip
NO_OUTPUT_CASES = {
    "a finish reason and no parts": (
        {"gen_ai.output.messages": [{"role": "assistant", "parts": [], "finish_reason": "stop"}]}, [], []),
    "a choice without content (capture off)": (
        {}, [], [log_record(1, "gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {}})]),
    "a placeholder answer": ({"gen_ai.output.messages": [text("assistant", "n/a")]}, [], []),
}  # fmt: skip


@pytest.mark.parametrize("case", INPUT_CASES.values(), ids=INPUT_CASES)
def test_an_input_is_found_wherever_the_conventions_put_it(tmp_path, case):
    m = inspect_log(two_calls(tmp_path, case), OTEL)
    assert (m.covered["inputs"], m.covered["prompts"]) == (1, 0), "a user message is no prompt"


@pytest.mark.parametrize("case", OUTPUT_CASES.values(), ids=OUTPUT_CASES)
def test_an_output_is_found_wherever_the_conventions_put_it(tmp_path, case):
    m = inspect_log(two_calls(tmp_path, case), OTEL)
    assert m.covered["outputs"] == 1


@pytest.mark.parametrize("case", NO_OUTPUT_CASES.values(), ids=NO_OUTPUT_CASES)
def test_what_is_no_output(tmp_path, case):
    m = inspect_log(two_calls(tmp_path, case), OTEL)
    assert m.covered["outputs"] == 0


def test_log_records_in_otlp_join_their_spans(tmp_path):
    # As the JS instrumentation writes them: the event name an attribute, the body a map.
    spans = [span(1), span(2), span(3)]
    logs = [
        otlp_log(1, "gen_ai.system.message", {"content": SYSTEM}),
        otlp_log(1, "gen_ai.user.message", {"content": "claim 1"}),
        otlp_log(1, "gen_ai.choice", {"index": 0, "message": {"content": ANSWER}}),
        otlp_log(2, "gen_ai.user.message", {"content": "claim 2"}),
        # Span 3 got no answer: its choice has no content.
        otlp_log(3, "gen_ai.user.message", {"content": "claim 3"}),
        otlp_log(3, "gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {}}),
    ]
    m = inspect_log(write_otlp(tmp_path / "export.jsonl", spans, logs), OTEL)
    assert (m.records, m.covered["prompts"], m.covered["inputs"], m.covered["outputs"]) == (
        3, 1, 3, 1,
    )  # fmt: skip


def test_one_answer_in_every_call_is_one_value_whatever_its_shape(tmp_path):
    # Written three ways, the same words: one distinct output (a constant is no coverage).
    spans = [
        span(1, **{"gen_ai.output.messages": [text("assistant", ANSWER)]}),
        span(2, **{"gen_ai.output.messages": json.dumps([text("assistant", ANSWER)])}),
        span(3, **{"gen_ai.output.messages": [{**text("assistant", ANSWER), "finish_reason": "stop"}]}),
    ]  # fmt: skip
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.covered["outputs"], m.distinct["outputs"]) == (3, 1)


def test_a_records_own_content_mapping_is_taken_literally(tmp_path):
    # Mapped by the record: only that attribute counts, not the system messages.
    spans = [span(1, **{"gen_ai.input.messages": [text("system", SYSTEM)], "app.prompt": "v14"}),
             span(2, **{"gen_ai.input.messages": [text("system", SYSTEM)]})]  # fmt: skip
    mapping = LogMapping(preset="otel_genai", fields={"prompts": 'attributes."app.prompt"'})
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), mapping)
    assert m.covered["prompts"] == 1


# --------------------------------------------------------------------- personal data


def test_personal_data_in_joined_content_is_the_signals_and_elsewhere_is_found(tmp_path):
    objects = [
        span(1, events=[{"name": "exception", "timestamp": iso(T0), "attributes": {
            "exception.message": "no policy for ana.lee@example.org"}}]),
        # An attempt's URL is no signal: searched as a field of its own.
        span(11, parent=1, call=False, **{"url.full": "https://api.example/v1?cc=bo.ng@example.org"}),
        span(2),
        log_record(1, "gen_ai.user.message", {"content": "I am cleo.park@example.org"}),
        log_record(2, "gen_ai.user.message", {"content": "claim 2, no contact"}),
    ]  # fmt: skip
    m = inspect_log(write_console(tmp_path / "spans.txt", objects), OTEL)
    assert [(x.signal, x.counts) for x in m.pii] == [("inputs", {**NONE, "emails": 1})]
    assert sorted((x.field, x.counts["emails"]) for x in m.pii_elsewhere) == [
        ('attributes."url.full"', 1),
        ('events.attributes."exception.message"', 1),
    ]


# --------------------------------------------------- outputs over calls that did not fail


FLAT_ROWS = [
    # Rows 0 and 1 failed without output, row 2 failed with a partial output, row 3 did
    # not fail and has no output; rows 4-9 did not fail and have one. Outputs: 7 of 10;
    # over the calls that did not fail (10 minus the 2 failed without output): 7 of 8.
    {"request_id": f"r{i}", "error": "Timeout" if i < 3 else None,
     "output": None if i in (0, 1, 3) else f"queue {i}"}
    for i in range(10)
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_output_coverage_leaves_out_failed_calls_without_output(tmp_path, fmt):
    path = (
        write_jsonl(tmp_path / "l.jsonl", FLAT_ROWS)
        if fmt == "jsonl"
        else write_csv(tmp_path / "l.csv", list(FLAT_ROWS[0]), [r.values() for r in FLAT_ROWS])
    )
    m = inspect_log(path)
    assert (m.records, m.errors, m.covered["outputs"], m.failed_without_output) == (10, 3, 7, 2)
    assert (m.base("outputs"), m.coverage("outputs")) == (8, 7 / 8)
    assert m.coverage("inputs") == 0.0, "other signals are over every record"
    assert as_dict(m)["coverage"]["outputs"] == 0.875


def test_the_error_field_that_sets_the_error_rate_decides_which_calls_failed(tmp_path):
    # ``error`` says 3 failed (rows 0-2), ``status`` says 2 others did (rows 3-4): the error
    # count is 3, and only row 0 (failed by ``error``, no output) is left out of outputs.
    rows = [
        {"request_id": "r0", "error": "boom", "output": None},
        {"request_id": "r1", "error": "boom", "output": "queue 1"},
        {"request_id": "r2", "error": "boom", "output": "queue 2"},
        {"request_id": "r3", "status": "failed", "output": None},
        {"request_id": "r4", "status": "failed", "output": None},
        {"request_id": "r5", "output": "queue 5"},
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.errors, m.failed_without_output, m.covered["outputs"]) == (3, 1, 3)
    assert m.coverage("outputs") == 3 / 5


def test_marking_every_call_failed_excuses_no_output_without_showing(tmp_path):
    # Gaming: an error on every row leaves no call to judge outputs on, and says so in the
    # error rate (100%), which the error-rate limit fails; coverage is 0, never a pass.
    rows = [{"request_id": f"r{i}", "error": "x", "output": None} for i in range(4)]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.error_rate, m.base("outputs"), m.coverage("outputs")) == (1.0, 0, 0.0)


def test_a_failed_call_has_no_output_by_nature_in_otel_spans(tmp_path):
    spans = [
        span(1, **{"gen_ai.output.messages": [text("assistant", ANSWER)]}),
        span(2, **{"gen_ai.output.messages": [text("assistant", "Refund refused.")]}),
        span(3, status="ERROR", **{"error.type": "RateLimitError"}),
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.covered["outputs"], m.failed_without_output, m.coverage("outputs")) == (2, 1, 1.0)


# ------------------------------------------------------------- log records without spans


@pytest.mark.parametrize("writer", ["console", "otlp"])
def test_log_records_without_spans_are_no_span_log(tmp_path, writer):
    records = [log_record(1, "gen_ai.user.message", {"content": "claim 1"})]
    path = (
        write_console(tmp_path / "logs.txt", records)
        if writer == "console"
        else write_otlp(tmp_path / "logs.jsonl", [], [otlp_log(1, "gen_ai.user.message", {})])
    )
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(path, OTEL)
    assert "log records but no spans" in caught.value.reason
    assert "cite the trace export" in caught.value.reason


# --------------------------------------------------------------- the real tools' files


def _plain(value: dict) -> Any:
    """An OTLP AnyValue unwrapped."""
    ((kind, inner),) = value.items()
    if kind == "arrayValue":
        return [_plain(v) for v in inner.get("values", [])]
    if kind == "kvlistValue":
        return {kv["key"]: _plain(kv["value"]) for kv in inner.get("values", [])}
    return inner


def read_real(name: str) -> tuple[list[dict], list[dict]]:
    """The spans and log records of a real file, read with the json module alone: each span
    {id, parent, error, attributes}, each log record {span, event, body, attributes}."""
    path = REAL / name
    spans, logs = [], []
    if name.startswith("otlp"):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            for rs in doc.get("resourceSpans", []):
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        spans.append({
                            "id": s["spanId"], "parent": s.get("parentSpanId"),
                            "error": s.get("status", {}).get("code") == 2,
                            "start": int(s["startTimeUnixNano"]),
                            "attributes": {a["key"]: _plain(a["value"]) for a in s["attributes"]},
                        })  # fmt: skip
            for rl in doc.get("resourceLogs", []):
                for sl in rl["scopeLogs"]:
                    for r in sl["logRecords"]:
                        attributes = {a["key"]: _plain(a["value"]) for a in r["attributes"]}
                        logs.append({"span": r["spanId"], "event": attributes["event.name"],
                                     "body": _plain(r["body"]), "attributes": attributes})  # fmt: skip
        return spans, logs
    text_, decoder, at = path.read_text(encoding="utf-8"), json.JSONDecoder(), 0
    while text_[at:].strip():
        at += len(text_[at:]) - len(text_[at:].lstrip())
        obj, at = decoder.raw_decode(text_, at)
        if "context" in obj:
            start = dt.datetime.fromisoformat(obj["start_time"].replace("Z", "+00:00"))
            spans.append({
                "id": obj["context"]["span_id"][2:], "parent": (obj["parent_id"] or "")[2:] or None,
                "error": obj["status"]["status_code"] == "ERROR",
                "start": round(start.timestamp() * 1e6) * 1000, "attributes": obj["attributes"],
            })  # fmt: skip
        else:
            logs.append({"span": obj["span_id"][2:], "event": obj["event_name"],
                         "body": obj["body"], "attributes": obj["attributes"]})  # fmt: skip
    return spans, logs


def _messages(value: Any) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _said(message: dict) -> bool:
    """A message with words in it (the real files write parts with text content)."""
    return any(p.get("content") for p in message.get("parts", []))


def real_truth(name: str) -> dict:
    """The figures the conventions define, counted from the real file."""
    spans, logs = read_real(name)
    calls = [s for s in spans if "gen_ai.operation.name" in s["attributes"]]
    joined = {c["id"]: [r for r in logs if r["span"] == c["id"]] for c in calls}

    def messages(call: dict, key: str) -> list:
        found = _messages(call["attributes"].get(key))
        for r in joined[call["id"]]:
            if r["event"] == "gen_ai.client.inference.operation.details":
                found += _messages(r["attributes"].get(key))
        return found

    def has_system(call: dict) -> bool:
        if any(m["role"] == "system" and _said(m) for m in messages(call, "gen_ai.input.messages")):
            return True
        return any(r["event"] == "gen_ai.system.message" and r["body"].get("content")
                   for r in joined[call["id"]])  # fmt: skip

    def has_input(call: dict) -> bool:
        if any(m["role"] == "user" and _said(m) for m in messages(call, "gen_ai.input.messages")):
            return True
        return any(r["event"] == "gen_ai.user.message" and r["body"].get("content")
                   for r in joined[call["id"]])  # fmt: skip

    def has_output(call: dict) -> bool:
        if any(_said(m) for m in messages(call, "gen_ai.output.messages")):
            return True
        return any(r["event"] == "gen_ai.choice" and r["body"]["message"].get("content")
                   for r in joined[call["id"]])  # fmt: skip

    attempts = [s for s in spans if s not in calls]
    return {
        "records": len(calls),
        "other_spans": len(attempts),
        "errors": sum(c["error"] for c in calls),
        "failed_without_output": sum(c["error"] and not has_output(c) for c in calls),
        "prompts": sum(map(has_system, calls)),
        "inputs": sum(map(has_input, calls)),
        "outputs": sum(map(has_output, calls)),
        "resend_counts": sum("http.request.resend_count" in s["attributes"] for s in spans),
        "first_ns": min(c["start"] for c in calls),
        "last_ns": max(c["start"] for c in calls),
    }


SPAN_FILES = [
    "console_py_spans.txt",
    "console_py_event_only_spans_and_logs.txt",
    "otlp_js_traces.jsonl",
    "otlp_js_traces_and_logs.jsonl",
]


@pytest.mark.parametrize("name", SPAN_FILES)
def test_the_real_files_are_measured_as_the_conventions_define(name):
    truth = real_truth(name)
    # The run's scenario (PROVENANCE.md): 40 calls, 46 attempts, 4 failed, 36 with a system
    # prompt and 36 with an answer in the files that hold message content.
    assert (truth["records"], truth["other_spans"], truth["errors"]) == (40, 46, 4)
    m = inspect_log(REAL / name, OTEL)
    assert (m.records, m.other_spans, m.errors) == (40, 46, 4)
    assert (m.covered["prompts"], m.covered["inputs"], m.covered["outputs"]) == (
        truth["prompts"], truth["inputs"], truth["outputs"],
    )  # fmt: skip
    assert m.failed_without_output == truth["failed_without_output"]
    if truth["outputs"]:
        # Every call that did not fail answered: outputs 36 of 36, not 36 of 40.
        assert (m.base("outputs"), m.coverage("outputs")) == (36, 1.0)
    # No span carries a resend count, yet 5 calls were retried (PROVENANCE.md): not recorded.
    assert truth["resend_counts"] == 0
    assert (m.retried, m.retry_rate, m.covered["retries"]) == (None, None, 0)
    assert (m.latency.count, sum(m.per_day.values())) == (40, 40)
    # Times to the microsecond (the workbook keeps microseconds).
    first = dt.datetime.fromtimestamp(truth["first_ns"] // 1000 / 1e6, dt.UTC)
    last = dt.datetime.fromtimestamp(truth["last_ns"] // 1000 / 1e6, dt.UTC)
    assert (m.first, m.last) == (first.replace(tzinfo=None), last.replace(tzinfo=None))
    assert (m.pii, m.pii_elsewhere) == ((), ())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Content on the span (span_only) or in one details log record per call (event_only):
        # 36 system prompts, 40 user messages, 36 answers.
        ("console_py_spans.txt", (36, 40, 36)),
        ("console_py_event_only_spans_and_logs.txt", (36, 40, 36)),
        # The JS instrumentation writes content only as log records: without them, none.
        ("otlp_js_traces.jsonl", (0, 0, 0)),
        ("otlp_js_traces_and_logs.jsonl", (36, 40, 36)),
    ],
)
def test_the_real_files_content_figures_are_the_runs(name, expected):
    truth = real_truth(name)
    assert (truth["prompts"], truth["inputs"], truth["outputs"]) == expected


@pytest.mark.parametrize("name", ["otlp_js_logs.jsonl", "console_py_event_only_logs.txt"])
def test_the_real_log_record_files_are_refused_as_span_logs(name):
    spans, logs = read_real(name)
    assert (len(spans), len(logs)) == (0, {"otlp_js_logs.jsonl": 112}.get(name, 40))
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(REAL / name, OTEL)
    assert "log records but no spans" in caught.value.reason


def test_a_real_export_is_measured_through_find_evidence(tmp_path):
    (tmp_path / "traces.jsonl").write_bytes((REAL / "otlp_js_traces_and_logs.jsonl").read_bytes())
    record = cite("log_sample", "traces.jsonl", mapping={"preset": "otel_genai"})
    (found,) = find_evidence(record, tmp_path).items
    assert (found.readable, found.reason) == (True, None)
    assert (found.measured.records, found.measured.retry_rate) == (40, None)


def test_the_log_view_says_retries_are_not_recorded_and_outputs_exclude_failures(tmp_path):
    from bs4 import BeautifulSoup

    from conftest import AS_OF, EXAMPLES
    from workbook.model.catalogue import load_catalogue
    from workbook.pipeline import assess_file
    from workbook.present import measured

    shutil.copytree(EXAMPLES, tmp_path / "examples")
    cited = "evidence/claims-triage/logs-2026-11-10-to-16.jsonl"
    (tmp_path / "examples" / "evidence" / "claims-triage" / "traces.jsonl").write_bytes(
        (REAL / "otlp_js_traces_and_logs.jsonl").read_bytes()
    )
    path = tmp_path / "examples" / "claims-triage.yaml"
    text = path.read_text(encoding="utf-8")
    assert f"path: {cited}\n" in text
    path.write_text(
        text.replace(
            f"path: {cited}\n",
            "path: evidence/claims-triage/traces.jsonl\n    mapping: {preset: otel_genai}\n",
        ),
        encoding="utf-8",
    )
    page = BeautifulSoup(
        measured.logs_view(assess_file(path, load_catalogue(), AS_OF)).html, "html.parser"
    )
    facts = {
        tr.th.get_text(" ", strip=True): tr.td.get_text(" ", strip=True)
        for tr in page.select("table.wb-facts tr")
    }
    assert facts["Retry rate"] == "not recorded"
    assert facts["Records"].startswith("40 GenAI calls; 46 other spans (HTTP attempts)")
    rows = {
        tr.select("td")[0].get_text(strip=True): [
            td.get_text(" ", strip=True) for td in tr.select("td")
        ]
        for tr in page.select("table.wb-coverage tbody tr")
    }
    assert rows["outputs"][3:5] == ["100.0%", "36"]
    assert rows["retries"][3:5] == ["0.0%", "0"]
    assert "Outputs are counted over the 36 records that did not fail: the 4 failed" in (
        page.get_text(" ", strip=True)
    )


@pytest.mark.parametrize(
    "name", ["otlp_py_traces.jsonl", "console_py_spans.txt", "otlp_js_traces_and_logs.jsonl"]
)
def test_a_trace_export_cited_without_a_preset_is_read_with_the_genai_conventions(name):
    """No mapping at all: the file's own layout (spans) decides, not the flat default."""
    from workbook.evidence.logs import inspect_log

    m = inspect_log(REAL / name)
    # PROVENANCE.md (counted with the json module): 40 GenAI calls, 4 failed, 36 outputs.
    assert (m.records, m.errors, m.covered["outputs"]) == (40, 4, 36)


def test_a_named_flat_preset_is_kept_for_spans():
    """A preset the record names is literal: flat fields are looked for, and not found."""
    from workbook.errors import Unreadable
    from workbook.evidence.logs import inspect_log
    from workbook.model.records import LogMapping

    with pytest.raises(Unreadable, match="flat layout"):
        inspect_log(REAL / "otlp_py_traces.jsonl", LogMapping(preset="flat"))
