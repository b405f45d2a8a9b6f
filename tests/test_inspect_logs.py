"""Log samples: coverage, latency, rates, volume per day and personal data, against figures
computed here from the records written."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import random
import statistics
import time
from collections import Counter

import pytest

from conftest import Within, reason_matches, shared_scope
from samples import cite, percentile, write_csv, write_jsonl, write_parquet
from workbook.evidence import engine, find_evidence, pii
from workbook.evidence.logs import as_dict, inspect_log, redaction_breaches, share
from workbook.model.records import SIGNALS, LogMapping

UTC = dt.UTC
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
START = dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
FLAT_FIELDS = {
    "timestamp": "VARCHAR",
    "request_id": "VARCHAR",
    "prompt": "VARCHAR",
    "input": "VARCHAR",
    "output": "VARCHAR",
    "error": "VARCHAR",
    "latency_ms": "DOUBLE",
    "retries": "INTEGER",
    "workflow_state": "VARCHAR",
    "human_override": "BOOLEAN",
    "decision_context": "VARCHAR",
}
#: Which flat field carries which signal.
SIGNAL_FIELD = {
    "prompts": "prompt",
    "inputs": "input",
    "outputs": "output",
    "exceptions": "error",
    "latency": "latency_ms",
    "retries": "retries",
    "workflow_state": "workflow_state",
    "human_overrides": "human_override",
    "decision_context": "decision_context",
}
EVENTS = {"exceptions", "retries", "human_overrides"}


def request(i: int, rng: random.Random) -> dict:
    """Request ``i``: every key present; gaps are None or empty text, as real logs have them."""
    at = START + dt.timedelta(minutes=29 * i)
    # Every fourth timestamp is written in local time (+02:00): its local date may differ.
    stamp = at.astimezone(PLUS_TWO).isoformat() if i % 4 == 0 else at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "timestamp": stamp,
        "request_id": f"r{i:04d}",
        "prompt": "triage-v14",
        "input": "" if i % 11 == 0 else f"claim {i}: rear-end shunt",
        "output": None if i % 9 == 0 else "fast_track",
        "error": "Timeout" if i % 17 == 0 else ("ok" if i % 13 == 0 else None),
        "latency_ms": None if i % 19 == 0 else rng.randint(80, 4000),
        "retries": 1 if i % 7 == 0 else 0,
        "workflow_state": "confirmed" if i % 3 else "edited",
        "human_override": True if i % 10 == 0 else (False if i % 10 == 5 else None),
        "decision_context": None if i % 6 == 0 else "CLMGUIDE-4.7 s4.2",
    }


REQUESTS = [request(i, random.Random(i)) for i in range(150)]


def has_content(value) -> bool:
    """Present and non-empty: null, "", [], {} and whitespace are empty."""
    if value is None or value == [] or value == {}:
        return False
    return not (isinstance(value, str) and not value.strip())


def utc(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)


def expected_figures(rows: list[dict]) -> dict:
    """What the sample shows, from the rows themselves."""
    covered = {
        s: len(rows) if s in EVENTS else sum(has_content(r[f]) for r in rows)
        for s, f in SIGNAL_FIELD.items()
    }
    latencies = [r["latency_ms"] for r in rows if r["latency_ms"] is not None]
    times = [utc(r["timestamp"]) for r in rows]
    return {
        "records": len(rows),
        "covered": covered,
        "latency": [percentile(latencies, q) for q in (0.5, 0.95, 0.99)],
        "latency_count": len(latencies),
        "errors": sum(r["error"] == "Timeout" for r in rows),
        "retried": sum(r["retries"] > 0 for r in rows),
        "overridden": sum(r["human_override"] is True for r in rows),
        "per_day": dict(sorted(Counter(t.date() for t in times).items())),
        "first": min(times),
        "last": max(times),
    }


def as_cells(row: dict) -> list:
    return [("true" if v else "false") if isinstance(v, bool) else v for v in row.values()]


WRITERS = {
    "jsonl": lambda d, rows: write_jsonl(d / "logs.jsonl", rows),
    "jsonl.gz": lambda d, rows: write_jsonl(d / "logs.jsonl.gz", rows, gz=True),
    "ndjson": lambda d, rows: write_jsonl(d / "logs.ndjson", rows),
    "csv": lambda d, rows: write_csv(d / "logs.csv", list(FLAT_FIELDS), map(as_cells, rows)),
    "parquet": lambda d, rows: write_parquet(
        d / "logs.parquet", FLAT_FIELDS, [list(r.values()) for r in rows]
    ),
}


def test_the_sample_exercises_what_it_should():
    """Guards the fixture: gaps, errors, overrides and a local date unlike the UTC date."""
    figures = expected_figures(REQUESTS)
    assert 0 < figures["covered"]["inputs"] < len(REQUESTS)
    assert 0 < figures["covered"]["outputs"] < len(REQUESTS)
    assert 0 < figures["covered"]["latency"] < len(REQUESTS)
    assert figures["errors"] and figures["retried"] and figures["overridden"]
    assert any(r["error"] == "ok" for r in REQUESTS)
    assert any(
        dt.datetime.fromisoformat(r["timestamp"]).date() != utc(r["timestamp"]).date()
        for r in REQUESTS
    )
    assert len(figures["per_day"]) == 4


def test_percentile_is_linear_interpolation():
    """The reference percentile used below, checked by hand and against the standard library."""
    values = [100, 200, 300, 400, 1000]
    assert [percentile(values, q) for q in (0.5, 0.95, 0.99)] == pytest.approx([300, 880, 976])
    latencies = [r["latency_ms"] for r in REQUESTS if r["latency_ms"] is not None]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    assert [percentile(latencies, q) for q in (0.5, 0.95, 0.99)] == pytest.approx(
        [cuts[49], cuts[94], cuts[98]]
    )


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_flat_sample_figures_match_the_records(tmp_path, fmt):
    path = WRITERS[fmt](tmp_path, REQUESTS)
    m = inspect_log(path)
    want = expected_figures(REQUESTS)
    assert m.records == want["records"]
    assert m.covered == want["covered"]
    assert [m.latency.p50, m.latency.p95, m.latency.p99] == pytest.approx(want["latency"])
    assert m.latency.count == want["latency_count"]
    assert (m.errors, m.retried, m.overridden) == (
        want["errors"],
        want["retried"],
        want["overridden"],
    )
    assert m.error_rate == pytest.approx(want["errors"] / len(REQUESTS))
    assert m.retry_rate == pytest.approx(want["retried"] / len(REQUESTS))
    assert m.override_rate == pytest.approx(want["overridden"] / len(REQUESTS))
    assert m.per_day == want["per_day"]
    assert (m.first, m.last) == (want["first"], want["last"])
    assert m.coverage("inputs") == pytest.approx(want["covered"]["inputs"] / len(REQUESTS))


@pytest.fixture(scope=shared_scope)
def flat(tmp_path_factory):
    """The measurements of REQUESTS written as JSON lines."""
    return inspect_log(WRITERS["jsonl"](tmp_path_factory.mktemp("flat"), REQUESTS))


def test_latency_histogram_holds_every_latency(flat):
    latencies = [r["latency_ms"] for r in REQUESTS if r["latency_ms"] is not None]
    assert sum(n for _, _, n in flat.latency_bins) == len(latencies)
    lows = [low for low, _, _ in flat.latency_bins]
    assert lows == sorted(lows)
    for low, high, n in flat.latency_bins:
        inside = sum(low <= v < high for v in latencies)
        assert inside == n


def test_days_at_or_above_counts_busy_days(flat):
    volumes = expected_figures(REQUESTS)["per_day"].values()
    for threshold in (1, 40, 50, 60):
        assert flat.days_at_or_above(threshold) == sum(v >= threshold for v in volumes)


# Each sample holds one record per value, under the signal's flat field.
# (case, field, values, records covered, records where it happened; None: never present)
VALUE_TABLE = [
    (
        "content that counts",
        "prompt",
        ["triage-v14", "  v14  ", 0, False, ["x"], {"a": 1}],
        6,
        None,
    ),
    ("empty content", "prompt", ["", "   ", "\t\n \r", "\u00a0", None, [], {}], 0, None),
    (
        "no error",
        "error",
        [
            None,
            "",
            "ok",
            " OK ",
            "None",
            "UNSET",
            False,
            0,
            [],
            "STATUS_CODE_OK",
            "STATUS_CODE_UNSET",
        ],
        11,
        0,
    ),
    (
        "errors",
        "error",
        ["Timeout after 30 s", {"type": "RateLimitError"}, "ERROR", True, "STATUS_CODE_ERROR"],
        5,
        5,
    ),
    ("no retry", "retries", [None, 0, False, "0"], 4, 0),
    ("retries all null", "retries", [None, None], 2, 0),
    ("retried", "retries", [2, "3", True], 3, 3),
    ("no override", "human_override", [None, False, ""], 3, 0),
    ("overridden", "human_override", [True, "queue changed to standard"], 2, 2),
]
FIELD_SIGNAL = {f: s for s, f in SIGNAL_FIELD.items()}
HAPPENED = {"error": "errors", "retries": "retried", "human_override": "overridden"}


@pytest.mark.parametrize(
    ("field", "values", "covered", "happened"),
    [c[1:] for c in VALUE_TABLE],
    ids=[c[0] for c in VALUE_TABLE],
)
def test_values_that_count_and_values_that_do_not(tmp_path, field, values, covered, happened):
    rows = [{"request_id": str(i), field: v} for i, v in enumerate(values)]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert m.covered[FIELD_SIGNAL[field]] == covered
    if field in HAPPENED:
        assert getattr(m, HAPPENED[field]) == happened


def test_an_absent_key_covers_nothing_and_no_rate_is_measured(tmp_path):
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", [{"request_id": "a"}]))
    assert m.covered == dict.fromkeys(SIGNALS, 0)
    assert (m.errors, m.retried, m.overridden) == (None, None, None)
    assert (m.error_rate, m.retry_rate, m.override_rate) == (None, None, None)


def test_content_key_absent_from_some_records(tmp_path):
    rows = [
        {"request_id": "a", "prompt": "p"},
        {"request_id": "b"},
        {"request_id": "c", "prompt": "q"},
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.covered["prompts"], m.coverage("prompts")) == (2, pytest.approx(2 / 3))


def test_rates_count_over_all_records_not_only_those_with_the_field(tmp_path):
    rows = [{"request_id": "a", "error": "boom"}, {"request_id": "b"}, {"request_id": "c"}]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.covered["exceptions"], m.errors, m.error_rate) == (1, 1, pytest.approx(1 / 3))


def test_csv_event_column_covers_every_row_and_empty_cells_are_no_content(tmp_path):
    path = write_csv(
        tmp_path / "l.csv",
        ["request_id", "prompt", "error", "retries", "human_override"],
        [
            ["a", "p", None, None, None],
            ["b", None, "Timeout", "2", None],
            ["c", "  ", None, "0", "true"],
        ],
    )
    m = inspect_log(path)
    assert m.covered == {
        **dict.fromkeys(SIGNALS, 0),
        "prompts": 1,
        "exceptions": 3,
        "retries": 3,
        "human_overrides": 3,
    }
    assert (m.errors, m.retried, m.overridden) == (1, 1, 1)


def test_parquet_empty_lists_and_whitespace_are_no_content(tmp_path):
    path = write_parquet(
        tmp_path / "l.parquet",
        {"request_id": "VARCHAR", "output": "VARCHAR[]", "prompt": "VARCHAR", "error": "VARCHAR"},
        [["a", [], "\t", None], ["b", ["x"], "p", "Timeout"], ["c", None, "", "ok"]],
    )
    m = inspect_log(path)
    assert (m.covered["outputs"], m.covered["prompts"], m.covered["exceptions"]) == (1, 1, 3)
    assert m.errors == 1


def test_column_absent_from_a_table_covers_nothing(tmp_path):
    m = inspect_log(write_csv(tmp_path / "l.csv", ["request_id", "prompt"], [["a", "p"]]))
    assert m.covered["exceptions"] == 0
    assert (m.errors, m.retried, m.overridden, m.latency) == (None, None, None, None)


def test_latency_ignores_non_numbers_and_negative_values(tmp_path):
    rows = [
        {"request_id": str(i), "latency_ms": v} for i, v in enumerate([100, 200, "n/a", -5, 400])
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert m.latency.count == 3
    assert [m.latency.p50, m.latency.p95, m.latency.p99] == pytest.approx(
        [percentile([100, 200, 400], q) for q in (0.5, 0.95, 0.99)]
    )


def test_no_latency_values_means_no_percentiles(tmp_path):
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", [{"request_id": "a", "latency_ms": None}]))
    assert (m.latency, m.latency_bins) == (None, ())


# (timestamp as written, the UTC date and time it means)
TIMESTAMPS = [
    ("2026-11-01T23:30:00Z", dt.datetime(2026, 11, 1, 23, 30)),
    ("2026-11-02T01:30:00+02:00", dt.datetime(2026, 11, 1, 23, 30)),
    ("2026-11-02T00:30:00-05:00", dt.datetime(2026, 11, 2, 5, 30)),
    ("2026-11-03 08:00:00", dt.datetime(2026, 11, 3, 8, 0)),
    (1762041600, dt.datetime(2025, 11, 2, 0, 0)),
    (1762041600000, dt.datetime(2025, 11, 2, 0, 0)),
    (1762041600000000000, dt.datetime(2025, 11, 2, 0, 0)),
]


def test_epoch_constants_are_what_the_table_says():
    assert dt.datetime.fromtimestamp(1762041600, UTC) == dt.datetime(2025, 11, 2, tzinfo=UTC)


def test_timestamps_are_read_as_utc(tmp_path):
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", [{"timestamp": w} for w, _ in TIMESTAMPS]))
    meant = [t for _, t in TIMESTAMPS]
    assert m.per_day == dict(sorted(Counter(t.date() for t in meant).items()))
    assert (m.first, m.last) == (min(meant), max(meant))


def test_unreadable_timestamps_are_left_out_of_the_days(tmp_path):
    rows = [{"timestamp": "yesterday"}, {"timestamp": "2026-11-01T08:00:00Z"}, {"timestamp": None}]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert m.records == 3
    assert m.per_day == {dt.date(2026, 11, 1): 1}


@pytest.fixture
def tokyo_local_time(monkeypatch):
    """The machine's local zone is Asia/Tokyo (UTC+9) for the test."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_days_do_not_depend_on_the_machines_time_zone(tmp_path, tokyo_local_time):
    rows = [{"timestamp": "2026-11-01 23:30:00"}, {"timestamp": "2026-11-02T05:00:00Z"}]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert m.per_day == {dt.date(2026, 11, 1): 1, dt.date(2026, 11, 2): 1}
    assert m.first == dt.datetime(2026, 11, 1, 23, 30)


def test_parquet_timestamp_column(tmp_path):
    path = write_parquet(
        tmp_path / "l.parquet",
        {"timestamp": "TIMESTAMP", "request_id": "VARCHAR"},
        [[dt.datetime(2026, 11, 1, 23, 0), "a"], [dt.datetime(2026, 11, 2, 1, 0), "b"]],
    )
    m = inspect_log(path)
    assert m.per_day == {dt.date(2026, 11, 1): 1, dt.date(2026, 11, 2): 1}


# ------------------------------------------------------------------ mappings


def test_record_mapping_overrides_preset_fields(tmp_path):
    rows = [
        {
            "ts": "2026-11-01T08:00:00Z",
            "request": {"body": {"text": "hello"}},
            "meta": {"app.state": "s"},
        },
        {"ts": "2026-11-01T09:00:00Z", "request": {"body": {"text": ""}}, "meta": {}},
    ]
    mapping = LogMapping(
        fields={
            "timestamp": "ts",
            "inputs": "request.body.text",
            "workflow_state": 'meta."app.state"',
        }
    )
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows), mapping)
    assert (m.covered["inputs"], m.covered["workflow_state"]) == (1, 1)
    assert m.per_day == {dt.date(2026, 11, 1): 2}
    assert m.mapping["inputs"] == "request.body.text"
    assert m.mapping["outputs"] == "output"  # the rest still come from the preset


def test_csv_mapping_names_columns(tmp_path):
    path = write_csv(
        tmp_path / "l.csv", ["when", "asked", "ms"], [["2026-11-01T08:00:00Z", "q", "250"]]
    )
    mapping = LogMapping(fields={"timestamp": "when", "inputs": "asked", "latency": "ms"})
    m = inspect_log(path, mapping)
    assert (m.covered["inputs"], m.latency.p95, m.per_day) == (1, 250.0, {dt.date(2026, 11, 1): 1})


def test_csv_column_names_with_dots_are_one_column(tmp_path):
    # In a table a field path names one column: "lat.ms" quoted or resp.ms bare is the column
    # of that whole name, not a key inside a column "lat" or "resp".
    path = write_csv(
        tmp_path / "l.csv",
        ["timestamp", "lat.ms", "resp.ms"],
        [["2026-11-01T08:00:00Z", "250", "x"]],
    )
    m = inspect_log(path, LogMapping(fields={"latency": '"lat.ms"', "outputs": "resp.ms"}))
    assert (m.latency.p95, m.covered["outputs"]) == (250.0, 1)


@pytest.mark.parametrize(
    ("fmt", "where"), [("jsonl", "field"), ("csv", "column")], ids=["jsonl", "csv"]
)
def test_mapping_naming_an_absent_field_is_unreadable(tmp_path, fmt, where):
    path = WRITERS[fmt](tmp_path, REQUESTS[:3])
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(path, LogMapping(fields={"workflow_state": "app_state"}))
    assert caught.value.reason == (
        f"the mapping names {where} 'app_state' for workflow_state, which no record carries"
    )


def test_preset_matching_nothing_is_unreadable(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [{"when": "x", "what": "y"}])
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(path)
    # The flat layout's field names, sorted; the first six are shown.
    assert caught.value.reason == (
        "no record carries any field of the flat layout (decision_context, error, "
        "human_override, input, latency_ms, output, …); choose another preset or map the fields"
    )


# ------------------------------------------------------------- OpenTelemetry

OTEL = LogMapping(preset="otel_genai")
T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def iso(at: dt.datetime) -> str:
    """As the OpenTelemetry SDK writes span times."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def span(i: int, start, end, status: str = "UNSET", **attributes) -> dict:
    return {
        "name": "chat claims-triage",
        "context": {"trace_id": f"0x{i:032x}", "span_id": f"0x{i:016x}", "trace_state": "[]"},
        "kind": "SpanKind.CLIENT",
        "parent_id": None,
        "start_time": start,
        "end_time": end,
        "status": {"status_code": status},
        "attributes": {"gen_ai.operation.name": "chat", **attributes},
        "events": [],
        "links": [],
        "resource": {"attributes": {"service.name": "claims-triage"}, "schema_url": ""},
    }


def iso_spans() -> tuple[list[dict], list[float]]:
    """Twelve spans 41 minutes apart with varied durations; every fifth fails."""
    spans, latencies = [], []
    for i in range(12):
        start = T0 + dt.timedelta(minutes=41 * i, microseconds=1234 * i)
        duration = dt.timedelta(milliseconds=300 + 173 * ((i * 7) % 12), microseconds=250)
        attributes = {
            "gen_ai.system_instructions": [{"type": "text", "content": "Triage the claim."}],
            "gen_ai.input.messages": [
                {"role": "user", "parts": [{"type": "text", "content": f"claim {i}"}]}
            ],
            "gen_ai.output.messages": []
            if i % 4 == 3
            else [{"role": "assistant", "parts": [{"type": "text", "content": f"route {i}"}]}],
            "http.request.resend_count": i % 3,
            "app.workflow_state": "confirmed",
        }
        if i % 6 == 0:
            attributes["app.override"] = "queue changed"
        spans.append(
            span(
                i,
                iso(start),
                iso(start + duration),
                "ERROR" if i % 5 == 0 else "UNSET",
                **attributes,
            )
        )
        latencies.append(duration / dt.timedelta(milliseconds=1))
    return spans, latencies


def test_otel_spans_with_iso_times(tmp_path):
    spans, latencies = iso_spans()
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert m.records == 12
    assert [m.latency.p50, m.latency.p95, m.latency.p99] == pytest.approx(
        [percentile(latencies, q) for q in (0.5, 0.95, 0.99)]
    )
    assert m.latency.count == 12
    assert m.errors == sum(i % 5 == 0 for i in range(12))
    assert m.retried == sum(i % 3 > 0 for i in range(12))
    assert m.covered["prompts"] == m.covered["inputs"] == 12
    assert m.covered["outputs"] == sum(i % 4 != 3 for i in range(12))
    assert m.covered["latency"] == 12, "a duration read from the span times is a latency"
    # The conventions have no field for these; without the record's mapping they are absent.
    assert (m.covered["workflow_state"], m.covered["human_overrides"], m.overridden) == (0, 0, None)
    starts = [utc(s["start_time"].replace("Z", "+00:00")) for s in spans]
    assert m.per_day == dict(Counter(t.date() for t in starts))
    assert (m.first, m.last) == (min(starts), max(starts))


def test_otel_status_ok_and_unset_are_not_errors(tmp_path):
    spans = [
        span(i, iso(T0), iso(T0 + dt.timedelta(seconds=1)), s)
        for i, s in enumerate(["OK", "UNSET", "ERROR"])
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.errors, m.covered["exceptions"]) == (1, 3)


def test_otel_spans_with_epoch_nanoseconds(tmp_path):
    base = 1_762_000_000_000_000_000  # 2025-11-01T12:26:40Z in nanoseconds
    durations_ns = [250_000_000, 1_500_500_000, 731_000_000, 2_000_000_000, 90_000_000]
    spans = [
        span(i, base + i * 3_600_000_000_000, base + i * 3_600_000_000_000 + d)
        for i, d in enumerate(durations_ns)
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    latencies = [d / 1e6 for d in durations_ns]
    # Nanosecond epochs pass through a double: exact to well under a millisecond.
    assert [m.latency.p50, m.latency.p95, m.latency.p99] == pytest.approx(
        [percentile(latencies, q) for q in (0.5, 0.95, 0.99)], abs=0.01
    )
    assert m.per_day == {dt.date(2025, 11, 1): 5}
    assert m.first == dt.datetime(2025, 11, 1, 12, 26, 40)


def test_otel_record_mapping_adds_workflow_override_and_context(tmp_path):
    spans, _ = iso_spans()
    mapping = LogMapping(
        preset="otel_genai",
        fields={
            "workflow_state": 'attributes."app.workflow_state"',
            "human_overrides": 'attributes."app.override"',
            "decision_context": 'attributes."gen_ai.input.messages"',
        },
    )
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), mapping)
    assert m.covered["workflow_state"] == 12
    assert m.covered["decision_context"] == 12
    assert m.covered["human_overrides"] == m.overridden == sum(i % 6 == 0 for i in range(12))
    assert m.override_rate == pytest.approx(2 / 12)


def test_otel_mapping_naming_an_absent_attribute_is_unreadable(tmp_path):
    spans, _ = iso_spans()
    mapping = LogMapping(preset="otel_genai", fields={"decision_context": 'attributes."app.rule"'})
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), mapping)
    assert caught.value.reason == (
        "the mapping names field 'attributes.\"app.rule\"' for decision_context, "
        "which no record carries"
    )


def test_otel_preset_on_flat_logs_is_unreadable(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [{"prompt": "p", "input": "i", "latency_ms": 5}])
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(path, OTEL)
    assert "no record carries any field of the otel_genai layout" in caught.value.reason


# -------------------------------------------------------------- personal data

PII_ROWS = [
    {"request_id": "1", "input": "call 020 7946 0958 about claim", "output": "ok", "error": None},
    {
        "request_id": "2",
        "input": "email jane@example.com or +44 20 7946 0958",
        "output": "ok",
        "error": None,
    },
    {
        "request_id": "3",
        "input": "card 4111 1111 1111 1112 was declined",
        "output": "ok",
        "error": None,
    },
    {
        "request_id": "4",
        "input": "Ann at ann.lee@example.org",
        "output": {"reply": "refund to 5555555555554444"},
        "error": None,
    },
    {
        "request_id": "5",
        "input": "no personal data here",
        "output": "ok",
        "error": "IBAN GB82 WEST 1234 5698 7654 32 rejected",
    },
    {"request_id": "6", "input": None, "output": "ok", "error": "DE88370400440532013000 not valid"},
]


def pii_expectations(field: str) -> tuple[dict[str, int], list[str]]:
    """Confirmed counts in one field over the rows, and its texts that hold any, sorted."""
    texts = [
        r[field] if isinstance(r[field], str) else json.dumps(r[field], separators=(",", ":"))
        for r in PII_ROWS
        if r[field] is not None
    ]
    totals = Counter()
    for t in texts:
        totals.update(pii.find(t))
    holding = sorted(t for t in texts if any(pii.find(t).values()))
    return {k.name: totals[k.name] for k in pii.KINDS}, holding


@pytest.fixture(scope=shared_scope)
def with_pii(tmp_path_factory):
    """The measurements of PII_ROWS."""
    return inspect_log(write_jsonl(tmp_path_factory.mktemp("pii") / "l.jsonl", PII_ROWS))


def test_personal_data_is_counted_per_field(with_pii):
    found = {f.signal: f for f in with_pii.pii}
    assert set(found) == {"inputs", "outputs", "exceptions"}
    for signal, field in (("inputs", "input"), ("outputs", "output"), ("exceptions", "error")):
        counts, _ = pii_expectations(field)
        assert found[signal].counts == counts
        assert found[signal].field == field
    # The same figures, stated by hand: the altered card and the altered IBAN do not count.
    assert found["inputs"].counts == {"emails": 2, "phones": 2, "cards": 0, "ibans": 0}
    assert found["outputs"].counts == {"emails": 0, "phones": 0, "cards": 1, "ibans": 0}
    assert found["exceptions"].counts == {"emails": 0, "phones": 0, "cards": 0, "ibans": 1}
    assert found["inputs"].describe() == "2 e-mail addresses, 2 phone numbers"
    assert found["outputs"].total == 1


def test_examples_are_the_first_and_last_texts_redacted(with_pii):
    (inputs,) = [f for f in with_pii.pii if f.signal == "inputs"]
    # Inputs with confirmed personal data, sorted: "Ann at ann.lee@…", "call 020 …",
    # "email jane@…" (the altered card of row 3 is not confirmed). First and last, redacted:
    assert inputs.examples == (
        "Ann at [e-mail address]",
        "email [e-mail address] or [phone number]",
    )
    shown = " ".join(e for f in with_pii.pii for e in f.examples)
    for raw in ("7946", "jane@example.com", "ann.lee", "5555555555554444", "WEST", "GB82"):
        assert raw not in shown


def test_long_examples_are_cut(tmp_path):
    text = "x" * 300 + " reach me at a.b@example.com " + "y" * 300
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", [{"input": text}]))
    (field,) = m.pii  # one text field, the input, holds personal data
    assert field.signal == "inputs"
    (example,) = field.examples
    assert "[e-mail address]" in example and "a.b@" not in example
    assert len(example) <= 162 and example.startswith("…") and example.endswith("…")


def test_breaches_are_personal_data_in_signals_planned_as_redacted(with_pii):
    assert [f.signal for f in redaction_breaches(with_pii, ["inputs", "prompts"])] == ["inputs"]
    assert redaction_breaches(with_pii, ["prompts", "latency"]) == []


def test_summary_for_json_output(flat):
    summary = json.loads(json.dumps(as_dict(flat)))
    want = expected_figures(REQUESTS)
    assert summary["records"] == 150
    assert summary["coverage"]["inputs"] == round(want["covered"]["inputs"] / 150, 4)
    assert summary["latency_ms"]["p95"] == pytest.approx(want["latency"][1])
    assert summary["error_rate"] == pytest.approx(want["errors"] / 150)
    assert summary["per_day"] == {d.isoformat(): n for d, n in want["per_day"].items()}


# ------------------------------------------------------------- bad evidence


def truncated_gzip(path):
    write_jsonl(path, REQUESTS, gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# (case, file name, how to write it, mapping, phrase the reason must contain)
BAD_LOGS = [
    (
        "missing",
        "logs.jsonl",
        None,
        None,
        "read from the record's folder: evidence/logs.jsonl does not exist",
    ),
    ("empty", "logs.jsonl", lambda p: p.write_bytes(b""), None, "file is empty"),
    (
        "binary in .jsonl",
        "logs.jsonl",
        lambda p: p.write_bytes(bytes(range(256)) * 4),
        None,
        "binary data, not JSON lines",
    ),
    (
        "wrong format",
        "logs.txt",
        lambda p: p.write_text('{"prompt": "p"}\n'),
        None,
        "cannot measure a '.txt' file; expected .csv, .json, .json.gz, .jsonl",
    ),
    (
        "no suffix",
        "logs",
        lambda p: p.write_text('{"prompt": "p"}\n'),
        None,
        "cannot measure a 'logs' file",
    ),
    (
        "lines not JSON",
        "logs.jsonl",
        lambda p: p.write_text('{"prompt": "p"}\nprompt=p\n{"prompt": "q"}\n'),
        None,
        "not valid JSON lines at line 2",
    ),
    (
        "first line not JSON",
        "logs.jsonl",
        lambda p: p.write_text("hello\nworld\n"),
        None,
        "not valid JSON lines at line 1",
    ),
    (
        "line cut short",
        "logs.jsonl",
        lambda p: p.write_text('{"prompt": "p"}\n{"prompt": "q", "lat'),
        None,
        "not valid JSON lines at line 2",
    ),
    (
        # Blank lines are skipped, not taken for the bad one: it is the third line.
        "blank line before the bad one",
        "logs.jsonl",
        lambda p: p.write_text('{"prompt": "p"}\n\nprompt=p\n'),
        None,
        "not valid JSON lines at line 3",
    ),
    (
        # The bad line is found in the decompressed text, not in the gzip bytes.
        "gzip with a bad third line",
        "logs.jsonl.gz",
        lambda p: p.write_bytes(gzip.compress(b'{"prompt": "p"}\n{"prompt": "q"}\nprompt=r\n')),
        None,
        "not valid JSON lines at line 3",
    ),
    (
        "blank lines only",
        "logs.jsonl",
        lambda p: p.write_text("\n\n\n"),
        None,
        "no records in the file",
    ),
    (
        "truncated gzip",
        "logs.jsonl.gz",
        truncated_gzip,
        None,
        "compressed data is damaged or cut short",
    ),
    (
        "gz suffix, not gzip",
        "logs.jsonl.gz",
        lambda p: p.write_text('{"prompt": "p"}\n'),
        None,
        "not a gzip file",
    ),
    (
        "parquet suffix on a CSV",
        "logs.parquet",
        lambda p: p.write_text("prompt\np\n"),
        None,
        "not a Parquet file",
    ),
    (
        # DuckDB's own words, with the file's name in place of its location.
        "parquet damaged",
        "logs.parquet",
        lambda p: p.write_bytes(b"PAR1" + b"\x07" * 64 + b"PAR1"),
        None,
        Within("logs.parquet"),
    ),
    (
        "CSV header only",
        "logs.csv",
        lambda p: p.write_text("timestamp,prompt\n"),
        None,
        "no records in the file",
    ),
    (
        "CSV not UTF-8",
        "logs.csv",
        lambda p: p.write_bytes("prompt\nd\xe9j\xe0 vu\n".encode("latin-1")),
        None,
        Within("not utf-8 encoded"),
    ),
    (
        "mapping names an absent field",
        "logs.jsonl",
        lambda p: write_jsonl(p, REQUESTS[:5]),
        {"fields": {"workflow_state": "app.state"}},
        "the mapping names field 'app.state' for workflow_state, which no record carries",
    ),
    (
        "preset matches nothing",
        "logs.jsonl",
        lambda p: write_jsonl(p, [{"a": 1}]),
        {"preset": "otel_genai"},
        "no record carries any field of the otel_genai layout",
    ),
]


@pytest.mark.parametrize(
    ("name", "write", "mapping", "phrase"), [c[1:] for c in BAD_LOGS], ids=[c[0] for c in BAD_LOGS]
)
def test_bad_log_sample_is_unreadable_with_a_reason(tmp_path, name, write, mapping, phrase):
    (tmp_path / "evidence").mkdir()
    if write is not None:
        write(tmp_path / "evidence" / name)
    settings = {"mapping": mapping} if mapping else {}
    record = cite("log_sample", f"evidence/{name}", **settings)
    (found,) = find_evidence(record, tmp_path).items
    assert (found.readable, found.measured) == (False, None)
    assert reason_matches(found.reason, phrase), found.reason
    assert str(tmp_path) not in found.reason
    assert str(tmp_path.resolve()) not in found.reason


def test_good_log_sample_is_measured_through_find_evidence(tmp_path):
    write_jsonl(tmp_path / "logs.jsonl.gz", REQUESTS, gz=True)
    (found,) = find_evidence(cite("log_sample", "logs.jsonl.gz"), tmp_path).items
    assert (found.readable, found.reason) == (True, None)
    assert found.measured.records == len(REQUESTS)
    assert found.measured.covered == expected_figures(REQUESTS)["covered"]


def test_otel_spans_without_resend_count_were_not_retried(tmp_path):
    # The conventions set http.request.resend_count only on a retried request.
    spans = [
        span(i, iso(T0), iso(T0 + dt.timedelta(seconds=1)),
             **({"http.request.resend_count": 2} if i == 3 else {}))
        for i in range(8)
    ]  # fmt: skip
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.covered["retries"], m.retried) == (8, 1)
    own = LogMapping(
        preset="otel_genai", fields={"retries": 'attributes."http.request.resend_count"'}
    )
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), own)
    assert (m.covered["retries"], m.retried) == (1, 1), "a record's own mapping is taken literally"


def test_messages_exported_as_json_strings_count_only_when_not_empty(tmp_path):
    # Empty lists and maps, and a message with a role but no parts, say nothing: only the
    # last text, a message with words in it, is an output.
    texts = [
        "[]",
        " [] ",
        "{}",
        '[{"role": "assistant"}]',
        '[{"role": "assistant", "parts": [{"type": "text", "content": "Refund approved"}]}]',
    ]
    spans = [
        span(i, iso(T0), iso(T0 + dt.timedelta(seconds=1)), **{"gen_ai.output.messages": text})
        for i, text in enumerate(texts)
    ]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert m.covered["outputs"] == 1


def test_nan_and_infinite_latencies_are_no_measurement(tmp_path):
    rows = [
        {"timestamp": "2026-11-01T08:00:00Z", "latency_ms": v, "retries": r}
        for v, r in [(100, 0), ("NaN", "nan"), ("Infinity", 0), (300, 1), ("-inf", 0)]
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.latency.count, m.latency.p50, m.covered["latency"]) == (2, 200.0, 2)
    assert m.retried == 1, "a NaN retry count is not a retry"


def test_a_negative_latency_neither_covers_nor_counts(tmp_path):
    rows = [{"timestamp": "2026-11-01T08:00:00Z", "latency_ms": v} for v in (-5, 10, 20)]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.covered["latency"], m.latency.count) == (2, 2)


def test_a_sample_beyond_the_memory_cap_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "MEMORY_LIMIT", "2MB")
    rows = ({"timestamp": "2026-11-01T08:00:00Z", "latency_ms": i} for i in range(400_000))
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(path)
    assert caught.value.reason == (
        "too large to measure within 2MB of working memory "
        "(exact percentiles keep 8 bytes per record); cite a shorter sample"
    )


def test_a_json_array_file_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "logs.json"
    path.write_text('[{"timestamp": "2026-11-01T08:00:00Z"}]\n')
    (found,) = find_evidence(cite("log_sample", "logs.json"), tmp_path).items
    assert (found.readable, found.reason) == (
        False,
        "a JSON array, not JSON lines: write one object per line",
    )


def test_otel_spans_none_of_them_carrying_a_resend_count_record_no_retries(tmp_path):
    # No span carries http.request.resend_count: the file does not record retries at all
    # (a client may have retried all the same), so there is no rate, never a confident 0.
    spans = [span(i, iso(T0), iso(T0 + dt.timedelta(seconds=1))) for i in range(4)]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.covered["retries"], m.retried, m.retry_rate) == (0, None, None)


def test_a_json_array_after_blank_lines_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "logs.json"
    path.write_text('\n  \n[{"timestamp": "2026-11-01T08:00:00Z"}]\n')
    with pytest.raises(engine.Unreadable) as caught:
        inspect_log(path)
    assert caught.value.reason == "a JSON array, not JSON lines: write one object per line"


def test_spans_without_an_end_time_have_no_latency(tmp_path):
    spans = [span(i, iso(T0), iso(T0)) for i in range(3)]
    for s in spans:
        del s["end_time"]
    m = inspect_log(write_jsonl(tmp_path / "spans.jsonl", spans), OTEL)
    assert (m.latency, m.covered["latency"]) == (None, 0)


@pytest.mark.parametrize(
    ("value", "shown"), [(0.9512, "95.1%"), (1.0, "100.0%"), (math.nan, "n/a")]
)
def test_share(value, shown):
    assert share(value) == shown
