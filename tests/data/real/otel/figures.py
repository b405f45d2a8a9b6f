"""Count the true figures of the files in this folder with the json module alone.

Independent of the workbook: it reads the OTLP/JSON lines and the console objects itself.
Usage: python3 figures.py [FOLDER]   (prints one block per data file; PROVENANCE.md quotes it)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path


def _plain(v: dict) -> object:
    """Unwrap an OTLP AnyValue."""
    ((kind, val),) = v.items() if v else [("empty", None)]
    if kind == "arrayValue":
        return [_plain(x) for x in val.get("values", [])]
    if kind == "kvlistValue":
        return {kv["key"]: _plain(kv.get("value", {})) for kv in val.get("values", [])}
    if kind == "intValue":
        return int(val)
    return val


def _attrs(kvs: list) -> dict:
    return {kv["key"]: _plain(kv.get("value", {})) for kv in kvs or []}


def read_otlp(path: Path) -> tuple[list[dict], list[dict]]:
    """Spans and log records of a file of OTLP/JSON export requests, one per line, normalised."""
    spans, logs = [], []
    for line in path.read_text().splitlines():
        doc = json.loads(line)
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    spans.append(
                        {
                            "span_id": s["spanId"],
                            "parent_id": s.get("parentSpanId") or None,
                            "name": s["name"],
                            "start": int(s["startTimeUnixNano"]),
                            "end": int(s["endTimeUnixNano"]),
                            "error": s.get("status", {}).get("code") in (2, "STATUS_CODE_ERROR"),
                            "attributes": _attrs(s.get("attributes")),
                        }
                    )
        for rl in doc.get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                for r in sl.get("logRecords", []):
                    a = _attrs(r.get("attributes"))
                    logs.append(
                        {
                            "span_id": r.get("spanId") or None,
                            "event_name": r.get("eventName") or a.get("event.name"),
                            "body": _plain(r.get("body", {})) if r.get("body") else None,
                            "attributes": a,
                        }
                    )
    return spans, logs


def _iso_ns(text: str) -> int:
    dt = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(dt.timestamp()) * 10**9 + dt.microsecond * 1000


def read_console(path: Path) -> tuple[list[dict], list[dict]]:
    """Spans and log records of a ConsoleSpanExporter/ConsoleLogRecordExporter file (objects back to back)."""
    text, dec, pos, spans, logs = path.read_text(), json.JSONDecoder(), 0, [], []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return spans, logs
        obj, pos = dec.raw_decode(text, pos)
        if "context" in obj:  # a span
            spans.append(
                {
                    "span_id": obj["context"]["span_id"][2:],
                    "parent_id": (obj["parent_id"] or "0x")[2:] or None,
                    "name": obj["name"],
                    "start": _iso_ns(obj["start_time"]),
                    "end": _iso_ns(obj["end_time"]),
                    "error": obj["status"]["status_code"] == "ERROR",
                    "attributes": obj["attributes"],
                }
            )
        else:  # a log record
            logs.append(
                {
                    "span_id": obj["span_id"][2:],
                    "event_name": obj.get("event_name"),
                    "body": obj.get("body"),
                    "attributes": obj.get("attributes") or {},
                }
            )


def _messages(value: object) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def figures(spans: list[dict], logs: list[dict]) -> dict:
    genai = [s for s in spans if "gen_ai.operation.name" in s["attributes"]]
    children = Counter(s["parent_id"] for s in spans if s["parent_id"])
    by_span: dict[str, list[dict]] = {}
    for r in logs:
        by_span.setdefault(r["span_id"], []).append(r)

    def has_system(s: dict) -> bool:
        if "gen_ai.system_instructions" in s["attributes"]:
            return True
        if any(
            m.get("role") == "system"
            for m in _messages(s["attributes"].get("gen_ai.input.messages"))
        ):
            return True
        for r in by_span.get(s["span_id"], []):
            if r["event_name"] == "gen_ai.system.message":
                return True
            if any(
                m.get("role") == "system"
                for m in _messages(r["attributes"].get("gen_ai.input.messages"))
            ):
                return True
        return False

    def has_output(s: dict) -> bool:
        if _messages(s["attributes"].get("gen_ai.output.messages")):
            return True
        return any(
            r["event_name"] == "gen_ai.choice"
            or _messages(r["attributes"].get("gen_ai.output.messages"))
            for r in by_span.get(s["span_id"], [])
        )

    ok = [s for s in genai if not s["error"]]
    out = {
        "spans": len(spans),
        "genai_spans": len(genai),
        "genai_errored": sum(s["error"] for s in genai),
        "genai_retried (>1 HTTP child span)": sum(children[s["span_id"]] > 1 for s in genai),
        "http_child_spans": sum(1 for s in spans if s not in genai),
        "http_child_spans_errored": sum(s["error"] for s in spans if s not in genai),
        "spans_with_http.request.resend_count": sum(
            "http.request.resend_count" in s["attributes"] for s in spans
        ),
        "genai_with_system_prompt": sum(map(has_system, genai)),
        "genai_with_output": sum(map(has_output, genai)),
        "genai_ok_with_output": sum(map(has_output, ok)),
        "genai_with_user_id_attr": sum(any("user" in k for k in s["attributes"]) for s in genai),
        "input_tokens_sum": sum(s["attributes"].get("gen_ai.usage.input_tokens", 0) for s in genai),
        "output_tokens_sum": sum(
            s["attributes"].get("gen_ai.usage.output_tokens", 0) for s in genai
        ),
        "log_records": len(logs),
        "log_records_by_event": dict(Counter(r["event_name"] for r in logs)),
        "log_records_joined_to_genai_span": sum(
            r["span_id"] in {s["span_id"] for s in genai} for r in logs
        ),
    }
    if genai:
        first, last = min(s["start"] for s in genai), max(s["end"] for s in genai)
        out["genai_first_start_ns"], out["genai_last_end_ns"] = first, last
        out["genai_time_span_s"] = round((last - first) / 1e9, 3)
        out["genai_first_start"] = datetime.fromtimestamp(first / 1e9, UTC).isoformat()
    out["genai_errored_ids"] = sorted(
        s["attributes"].get("error.type", "?") for s in genai if s["error"]
    )
    return out


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    for path in sorted(folder.glob("otlp_*.jsonl")) + sorted(folder.glob("console_*.txt")):
        spans, logs = (read_otlp if path.suffix == ".jsonl" else read_console)(path)
        print(f"== {path.name} ({path.stat().st_size} bytes)")
        for k, v in figures(spans, logs).items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
