"""OpenTelemetry exports read as one object per span: checked against the json module.

Every expected value here comes from reading the file with the json module and the
OTLP/JSON encoding's definition (``unwrap`` below), never from the code under test.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from workbook.errors import Unreadable
from workbook.evidence import engine, formats

REAL = Path(__file__).resolve().parent / "data" / "real" / "otel"

# --------------------------------------------------------------- the definition


def unwrap(value: dict | None):
    """An OTLP AnyValue as a plain value (opentelemetry-proto common.proto, JSON mapping)."""
    if not value:
        return None
    ((kind, x),) = value.items()
    if kind in ("stringValue", "bytesValue", "boolValue"):
        return x
    if kind == "intValue":
        return int(x)  # a JSON string in the Collector's encoding, a number in the JS SDK's
    if kind == "doubleValue":
        # JSON has no NaN or infinity: such a double stays the text the encoding gives it.
        return float(x) if math.isfinite(float(x)) else x
    if kind == "arrayValue":
        return [unwrap(v) for v in x.get("values", [])]
    return {e["key"]: unwrap(e.get("value")) for e in x.get("values", [])}


def attributes(items: list | None) -> dict:
    return {a["key"]: unwrap(a.get("value")) for a in items or []}


STATUS = {0: "UNSET", 1: "OK", 2: "ERROR", None: "UNSET"}


def otlp_truth(path: Path) -> tuple[dict, dict]:
    """Spans by span id, and log records by the span id they carry, as the file holds them."""
    spans, logs = {}, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        request = json.loads(line)
        for rs in request.get("resourceSpans", []):
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    spans[s["spanId"]] = (rs["resource"], ss["scope"], s)
        for rl in request.get("resourceLogs", []):
            for sl in rl["scopeLogs"]:
                for r in sl["logRecords"]:
                    logs.setdefault(r.get("spanId"), []).append(r)
    return spans, logs


def read(path: Path, declared: str = "auto") -> list[dict]:
    with engine.held(path) as src:
        layout = formats.detect(src, declared)
        con = engine.connect()
        rows = engine.query(con, f"SELECT json FROM {formats.json_records(src, layout)}", src)
        con.close()
    return [json.loads(r[0]) for r in rows]


def canonical(items: list) -> list[str]:
    return sorted(json.dumps(x, sort_keys=True) for x in items)


# --------------------------------------------------------------- real OTLP/JSON

REAL_OTLP = [
    "otlp_js_traces.jsonl",
    "otlp_js_traces_and_logs.jsonl",
    "otlp_py_traces.jsonl",
    "otlp_py_event_only_traces_and_logs.jsonl",
]


@pytest.mark.parametrize("name", REAL_OTLP)
def test_every_span_of_a_real_export_is_one_object_with_its_facts(name):
    spans, logs = otlp_truth(REAL / name)
    got = read(REAL / name)
    assert len(got) == len(spans) == 86  # PROVENANCE.md: 40 GenAI + 46 HTTP spans
    for o in got:
        resource, scope, s = spans[o["context"]["span_id"]]
        assert o["name"] == s["name"]
        assert o["context"]["trace_id"] == s["traceId"]
        assert o["parent_id"] == (s.get("parentSpanId") or None)
        assert o["kind"] == "SpanKind.CLIENT"  # every span here is kind 3
        assert o["start_time"] == int(s["startTimeUnixNano"])
        assert o["end_time"] == int(s["endTimeUnixNano"])
        assert o["status"]["status_code"] == STATUS[s["status"].get("code")]
        assert o["status"]["description"] == s["status"].get("message")
        assert o["attributes"] == attributes(s.get("attributes"))
        assert o["resource"]["attributes"] == attributes(resource.get("attributes"))
        assert o["scope"] == {"name": scope["name"], "version": scope.get("version")}
        assert o["events"] == [
            {
                "name": e["name"],
                "timestamp": int(e["timeUnixNano"]),
                "attributes": attributes(e.get("attributes")),
            }
            for e in s.get("events", [])
        ]
        if not logs:
            assert "logs" not in o
            continue
        mine = [(x["body"], x["attributes"], x["timestamp"]) for x in o["logs"]]
        theirs = [
            (unwrap(r.get("body")), attributes(r.get("attributes")), int(r["timeUnixNano"]))
            if r.get("timeUnixNano", "0") != "0"
            else (
                unwrap(r.get("body")),
                attributes(r.get("attributes")),
                int(r["observedTimeUnixNano"]),
            )
            for r in logs.get(s["spanId"], [])
        ]
        assert canonical(mine) == canonical(theirs)


@pytest.mark.parametrize(
    ("name", "joined", "names"),
    [
        # PROVENANCE.md: 112 JS log records (36 system, 40 user, 36 choice), all joined;
        # the Python event_only run: 40 operation.details records, one per call.
        (
            "otlp_js_traces_and_logs.jsonl",
            112,
            {"gen_ai.system.message": 36, "gen_ai.user.message": 40, "gen_ai.choice": 36},
        ),
        (
            "otlp_py_event_only_traces_and_logs.jsonl",
            40,
            {"gen_ai.client.inference.operation.details": 40},
        ),
    ],
)
def test_log_records_join_their_span_by_span_id(name, joined, names):
    got = read(REAL / name)
    counted: dict[str, int] = {}
    for o in got:
        for log in o["logs"]:
            counted[log["event_name"]] = counted.get(log["event_name"], 0) + 1
    assert sum(counted.values()) == joined
    assert counted == names


def test_a_real_export_has_the_errors_and_calls_its_run_made():
    # PROVENANCE.md: 40 GenAI calls, 4 failed; 46 HTTP attempts, 10 with ERROR status.
    got = read(REAL / "otlp_js_traces.jsonl")
    calls = [o for o in got if "gen_ai.operation.name" in o["attributes"]]
    assert len(calls) == 40
    assert sum(o["status"]["status_code"] == "ERROR" for o in calls) == 4
    assert sum(o["status"]["status_code"] == "ERROR" for o in got) == 14
    tokens = sum(o["attributes"].get("gen_ai.usage.input_tokens", 0) for o in calls)
    assert tokens == 1444


def test_gen_ai_messages_nested_five_levels_deep_come_out_plain():
    got = read(REAL / "otlp_py_event_only_traces_and_logs.jsonl")
    details = [log for o in got for log in o["logs"]]
    systems = [
        m
        for d in details
        for m in d["attributes"]["gen_ai.input.messages"]
        if m["role"] == "system"
    ]
    # PROVENANCE.md: every call but 10, 20, 30 and 40 sends a system message.
    assert len(systems) == 36
    assert systems[0]["parts"][0]["content"].startswith("You are the refund assistant")


# --------------------------------------------------------------- real console output


def console_objects(path: Path) -> list[dict]:
    """The objects the console exporters wrote back to back (the json module's decoder)."""
    text, decoder, at, found = path.read_text(encoding="utf-8"), json.JSONDecoder(), 0, []
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


def test_console_spans_are_read_as_written():
    written = console_objects(REAL / "console_py_spans.txt")
    assert canonical(read(REAL / "console_py_spans.txt")) == canonical(written)


def test_console_log_records_join_their_span():
    written = console_objects(REAL / "console_py_event_only_spans_and_logs.txt")
    spans = [o for o in written if "context" in o]
    records = [o for o in written if "context" not in o]
    got = read(REAL / "console_py_event_only_spans_and_logs.txt")
    assert len(got) == len(spans) == 86
    for o in got:
        theirs = [r for r in records if r["span_id"] == o["context"]["span_id"]]
        assert canonical([x["attributes"] for x in o["logs"]]) == canonical(
            [r["attributes"] for r in theirs]
        )
        assert {x["event_name"] for x in o["logs"]} <= {r["event_name"] for r in theirs}
    assert sum(len(o["logs"]) for o in got) == len(records) == 40


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("otlp_js_logs.jsonl", "an OTLP/JSON export"),
        ("otlp_py_event_only_logs.jsonl", "an OTLP/JSON export"),
        ("console_py_event_only_logs.txt", "console exporter output"),
    ],
)
def test_log_records_without_spans_are_refused_as_a_span_log(name, source):
    with pytest.raises(Unreadable) as caught:
        read(REAL / name)
    assert caught.value.reason == (
        f"holds OpenTelemetry log records but no spans ({source}); a log sample is measured "
        "from its spans: cite the trace export, with the log records in the same file if "
        "they carry message content (they join their spans by span id)"
    )


# --------------------------------------------------------------- hand-made edge cases


def value(**kind) -> dict:
    return kind


def kv(key: str, v: dict) -> dict:
    return {"key": key, "value": v}


def deep(levels: int) -> dict:
    """An AnyValue: ``levels`` arrays, one inside the other, around the string "x"."""
    v = value(stringValue="x")
    for _ in range(levels):
        v = value(arrayValue={"values": [v]})
    return v


EDGE_ATTRIBUTES = [
    kv("int.as.text", value(intValue="18431")),
    kv("int.as.number", value(intValue=7)),
    kv("negative", value(intValue="-3")),
    kv("double", value(doubleValue=0.25)),
    kv("not.a.number", value(doubleValue="NaN")),
    kv("yes", value(boolValue=True)),
    kv("bytes", value(bytesValue="aGk=")),
    kv("empty", {}),
    kv("quotes", value(stringValue='a "quoted" {"stringValue":"x"} \\ é 😀 \n line')),
    kv("list", value(arrayValue={"values": [value(stringValue="a"), value(intValue="2")]})),
    kv("empty.list", value(arrayValue={})),
    kv("empty.map", value(kvlistValue={})),
    # A map whose own keys are the encoding's words, beside a deep value.
    kv(
        "tricky",
        value(
            kvlistValue={
                "values": [
                    kv("key", value(stringValue="k")),
                    kv("value", value(intValue="1")),
                    kv("stringValue", value(boolValue=False)),
                    kv("deep", deep(3)),
                ]
            }
        ),
    ),
    kv("deep", deep(6)),
]


def span(i: int, **extra) -> dict:
    s = {
        "traceId": f"{i:032x}",
        "spanId": f"{i:016x}",
        "parentSpanId": "",
        "name": f"op {i}",
        "kind": "SPAN_KIND_SERVER",
        "startTimeUnixNano": 1_700_000_000_000_000_000 + i,
        "endTimeUnixNano": "0",
        "attributes": EDGE_ATTRIBUTES,
        "status": {"code": "STATUS_CODE_ERROR", "message": "boom"} if i % 2 else {},
    }
    return s | extra


def request(spans: list[dict]) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [kv("service.name", value(stringValue="svc"))]},
                "scopeSpans": [{"scope": {"name": "s"}, "spans": spans}],
            }
        ]
    }


def test_every_kind_of_value_is_unwrapped_as_the_encoding_defines(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(request([span(1), span(2)])) + "\n")
    got = read(path)
    expected = attributes(EDGE_ATTRIBUTES)
    assert [o["attributes"] for o in got] == [expected, expected]
    assert got[0]["attributes"]["tricky"] == {
        "key": "k",
        "value": 1,
        "stringValue": False,
        "deep": [[["x"]]],
    }
    assert got[0]["attributes"]["deep"] == [[[[[["x"]]]]]]
    assert got[0]["attributes"]["not.a.number"] == "NaN"


def test_values_deeper_than_the_limit_keep_their_outer_wrappers(tmp_path):
    from workbook.evidence import otlp

    path = tmp_path / "t.jsonl"
    levels = otlp.DEPTH + 2
    path.write_text(json.dumps(request([span(1, attributes=[kv("d", deep(levels))])])) + "\n")
    (got,) = read(path)
    # DEPTH levels are unwrapped, innermost first; the two beyond keep the encoding's words.
    text = json.dumps(got["attributes"]["d"])
    assert text.count('"arrayValue"') == 2
    assert text.count("[") == levels - 2 + 2  # two wrappers hold a "values" list each

    def finish(v):  # unwraps what is left: the value is whole, only partly plain
        if isinstance(v, dict) and "arrayValue" in v:
            return [finish(x) for x in v["arrayValue"]["values"]]
        return [finish(x) for x in v] if isinstance(v, list) else v

    assert finish(got["attributes"]["d"]) == unwrap(deep(levels))


def test_kinds_statuses_and_times_in_either_spelling(tmp_path):
    path = tmp_path / "t.jsonl"
    spans = [
        span(1),
        span(2, kind=2, status={"code": 1}, endTimeUnixNano=1_700_000_000_000_000_009),
        span(3, kind=5, status={"code": 2}, parentSpanId="00000000000000aa"),
    ]
    path.write_text(json.dumps(request(spans)) + "\n")
    got = {o["name"]: o for o in read(path)}
    assert (got["op 1"]["kind"], got["op 1"]["status"]) == (
        "SpanKind.SERVER",
        {"status_code": "ERROR", "description": "boom"},
    )
    assert (got["op 1"]["end_time"], got["op 1"]["parent_id"]) == (None, None)
    assert (got["op 2"]["kind"], got["op 2"]["status"]["status_code"]) == ("SpanKind.SERVER", "OK")
    assert got["op 2"]["end_time"] == 1_700_000_000_000_000_009
    assert (got["op 3"]["kind"], got["op 3"]["status"]["status_code"]) == (
        "SpanKind.CONSUMER",
        "ERROR",
    )
    assert got["op 3"]["parent_id"] == "00000000000000aa"


def test_one_pretty_document_and_compressed_lines_read_alike(tmp_path):
    doc = request([span(i) for i in range(1, 6)])
    pretty = tmp_path / "t.json"
    pretty.write_text(json.dumps(doc, indent=2))
    packed = tmp_path / "t.jsonl.gz"
    packed.write_bytes(gzip.compress((json.dumps(doc) + "\n").encode() * 2))
    with engine.held(pretty) as src:
        assert formats.detect(src).framing == "document"
    assert len(read(pretty)) == 5
    assert len(read(packed)) == 10
    assert read(pretty, "otlp") == read(pretty)


def test_a_declared_format_the_bytes_contradict_says_what_the_file_seems(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n')
    with pytest.raises(Unreadable) as caught:
        read(path, "otlp")
    assert caught.value.reason.startswith(
        "declared as an OpenTelemetry export (OTLP/JSON) (format: otlp), but it seems to "
        "hold JSON lines"
    )
