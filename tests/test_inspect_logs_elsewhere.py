"""Personal data beyond the mapped fields: lines left unsearched must hold nothing to find.

The search skips a JSON line whose every key is a mapped field as a whole; these rows are
the lines that look skippable but are not. Counts are by hand from the rows written.
"""

from __future__ import annotations

import datetime as dt

from samples import write_jsonl
from workbook.evidence.logs import inspect_log
from workbook.model.records import LogMapping

NONE = {"emails": 0, "phones": 0, "cards": 0, "ibans": 0}


def test_an_unmapped_key_beside_a_mapped_nested_field_is_searched(tmp_path):
    # Every top-level key is mapped (timestamp, request_id, request), but only request.text
    # as input: request.note is no signal, and its one e-mail address is found there.
    rows = [
        {
            "timestamp": "2026-11-02T08:00:00Z",
            "request_id": "r1",
            "request": {"text": "claim text", "note": "mail bo.ng@example.org"},
        },
    ]
    m = inspect_log(
        write_jsonl(tmp_path / "l.jsonl", rows), LogMapping(fields={"inputs": "request.text"})
    )
    assert [(f.field, f.counts) for f in m.pii_elsewhere] == [
        ("request.note", {**NONE, "emails": 1})
    ]


def test_a_line_that_is_not_an_object_is_searched(tmp_path):
    # The second line is a list: it has no keys, yet its one e-mail address is outside every
    # mapped field (its path, list positions dropped, is "email").
    rows = [
        {"timestamp": "2026-11-02T08:00:00Z", "request_id": "r1", "input": "claim text"},
        [{"email": "ann.lee@example.org"}],
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert [(f.field, f.counts) for f in m.pii_elsewhere] == [("email", {**NONE, "emails": 1})]


def test_lines_of_mapped_fields_only_are_measured_in_full(tmp_path):
    # Nothing lies beyond the mapping, so the search has nothing to do; the day and latency
    # histograms (their own pass) still count every line: 2 on 2 Nov, 1 on 3 Nov; latencies
    # 120, 130 and 900 ms fall in the 20-per-decade bins [10^(41/20), 10^(42/20)) =
    # [112.2, 125.9), [125.9, 141.3) and [891.3, 1000).
    rows = [
        {"timestamp": "2026-11-02T08:00:00Z", "request_id": "r1", "input": "a", "latency_ms": 120},
        {"timestamp": "2026-11-02T09:00:00Z", "request_id": "r2", "input": "b", "latency_ms": 130},
        {"timestamp": "2026-11-03T09:00:00Z", "request_id": "r3", "input": "c", "latency_ms": 900},
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert m.pii_elsewhere == ()
    assert m.per_day == {dt.date(2026, 11, 2): 2, dt.date(2026, 11, 3): 1}
    assert [n for _, _, n in m.latency_bins] == [1, 1, 1]
    assert [round(lo, 1) for lo, _, _ in m.latency_bins] == [112.2, 125.9, 891.3]


def test_no_latency_read_is_reported_in_milliseconds(tmp_path):
    # The OpenTelemetry layout reads latency as end - start; with no start_time column there
    # is no latency at all, and its unit is the default "ms", not "span".
    path = tmp_path / "spans.csv"
    path.write_text("context.span_id,end_time\ns1,2026-11-02T08:00:01Z\n", encoding="utf-8")
    m = inspect_log(path, LogMapping(preset="otel_genai"))
    assert m.latency is None
    assert m.latency_unit == "ms"
