"""Finding cited evidence files: readable, empty, missing, outside the record's folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pytest

from conftest import AS_OF, log_measures, make_record
from workbook.evidence import EvidenceFinding, find_evidence, finding_dict
from workbook.evidence.documents import DocumentMeasures
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import FieldPII
from workbook.model.records import SIGNALS, EvidenceItem


def cite(path: str):
    return make_record({"evidence": [{"kind": "log_sample", "path": path, "date": "2026-11-01"}]})


def test_readable_file_is_fingerprinted(tmp_path):
    (tmp_path / "ev").mkdir()
    line = b'{"timestamp": "2026-11-01T08:00:00Z", "request_id": "r1"}\n'
    (tmp_path / "ev" / "logs.jsonl").write_bytes(line)
    (found,) = find_evidence(cite("ev/logs.jsonl"), tmp_path).items
    assert (found.readable, found.reason) == (True, None)
    assert found.sha256 == hashlib.sha256(line).hexdigest()
    assert found.measured.records == 1


@pytest.mark.parametrize(
    ("setup", "path", "reason"),
    [
        # Outside the working folder, the path is shown as cited (tests/test_messages.py
        # shows it from the working folder).
        (lambda d: None, "nope.jsonl", "read from the record's folder: nope.jsonl does not exist"),
        (lambda d: (d / "empty.jsonl").write_bytes(b""), "empty.jsonl", "file is empty"),
        (lambda d: (d / "sub").mkdir(), "sub", "not a regular file"),
        (
            lambda d: (d.parent / "outside.jsonl").write_text("x"),
            "../outside.jsonl",
            "path leaves the record's folder",
        ),
        (
            lambda d: (d / "link.jsonl").symlink_to("/etc/hostname"),
            "link.jsonl",
            "the file is a symbolic link; cite the file itself",
        ),
        (
            # A link is refused even when it stays inside the folder: the file cited is read.
            lambda d: [
                (d / "real.jsonl").write_text("{}\n"),
                (d / "in.jsonl").symlink_to("real.jsonl"),
            ],
            "in.jsonl",
            "the file is a symbolic link; cite the file itself",
        ),
        (
            lambda d: [
                (d / "real").mkdir(),
                (d / "real" / "l.jsonl").write_text("{}\n"),
                (d / "ev").symlink_to("real"),
            ],
            "ev/l.jsonl",
            "folder 'ev' is a symbolic link; cite the file itself",
        ),
        (
            lambda d: [(d / "a").mkdir(), (d / "a" / "l.jsonl").write_text("{}\n")],
            "a/../../records/a/l.jsonl",
            "path leaves the record's folder",
        ),
        (
            lambda d: (d / "f.jsonl").write_text("{}\n"),
            "f.jsonl/x.jsonl",
            "read from the record's folder: f.jsonl/x.jsonl does not exist",
        ),
        (lambda d: os.mkfifo(d / "pipe.jsonl"), "pipe.jsonl", "not a regular file"),
    ],
    ids=[
        "missing",
        "empty",
        "folder",
        "dot-dot",
        "symlink-out",
        "symlink-in",
        "symlink-folder",
        "dot-dot-back-in",
        "under-a-file",
        "named-pipe",
    ],
)
def test_unusable_evidence_is_unreadable_with_reason(tmp_path, setup, path, reason):
    base = tmp_path / "records"
    base.mkdir()
    setup(base)
    (found,) = find_evidence(cite(path), base).items
    assert (found.readable, found.reason, found.sha256) == (False, reason, None)


def test_symlink_loop_is_unreadable(tmp_path):
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    (found,) = find_evidence(cite("loop.jsonl"), tmp_path).items
    assert (found.readable, found.reason) == (
        False,
        "the file is a symbolic link; cite the file itself",
    )


def test_unchanged_evidence_is_measured_once(tmp_path, monkeypatch):
    from workbook.evidence import logs

    (tmp_path / "ev").mkdir()
    log = tmp_path / "ev" / "logs.jsonl"
    log.write_bytes(b'{"timestamp": "2026-11-02T08:00:00Z", "request_id": "once"}\n')
    calls = []
    inspect = logs.inspect_log
    monkeypatch.setattr(logs, "inspect_log", lambda *a, **k: calls.append(a) or inspect(*a, **k))
    record = cite("ev/logs.jsonl")
    first = find_evidence(record, tmp_path).items[0].measured
    assert find_evidence(record, tmp_path).items[0].measured is first
    assert len(calls) == 1
    log.write_bytes(b'{"timestamp": "2026-11-02T08:00:00Z", "request_id": "twice"}\n')
    assert find_evidence(record, tmp_path).items[0].measured.records == 1
    assert len(calls) == 2, "changed bytes are measured again"


def measured_twice(tmp_path, name: str, content: str, kind: str, first: dict, second: dict):
    """The same file cited twice in one record, read with two different settings."""
    (tmp_path / name).write_text(content)
    items = [{"kind": kind, "path": name, "date": "2026-11-01", **settings}
             for settings in (first, second)]  # fmt: skip
    a, b = find_evidence(make_record({"evidence": items}), tmp_path).items
    assert a.sha256 == b.sha256, "one file, one digest: only the reading settings differ"
    return a.measured, b.measured


def test_one_log_file_read_with_two_mappings_gives_two_measurements(tmp_path):
    # Two latency fields: latency_ms (the flat preset's) holds 100 ms, slow_ms 900 ms.
    lines = "".join(
        f'{{"timestamp": "2026-11-02T08:0{i}:00Z", "latency_ms": 100, "slow_ms": 900}}\n'
        for i in range(3)
    )
    preset, mapped = measured_twice(
        tmp_path,
        "l.jsonl",
        lines,
        "log_sample",
        {},
        {"mapping": {"fields": {"latency": "slow_ms"}}},
    )
    assert (preset.latency.p95, mapped.latency.p95) == (100.0, 900.0)


def test_one_extract_read_with_two_expectations_gives_two_measurements(tmp_path):
    content = "id,amount\n1,5\n2,7\n"
    loose, strict = measured_twice(
        tmp_path,
        "x.csv",
        content,
        "data_extract",
        {"expectations": {"required_columns": ["id"]}},
        {"expectations": {"required_columns": ["id", "vat_code"]}},
    )
    assert [(c.column, c.passed) for c in loose.checks] == [("id", True)]
    assert [(c.column, c.passed) for c in strict.checks] == [("id", True), ("vat_code", False)]


def test_one_evaluation_read_with_two_column_choices_gives_two_measurements(tmp_path):
    # Two reviewers judged the same three cases: a passed all three, b only the first.
    content = "case_id,a,b\nc1,1,1\nc2,1,0\nc3,1,0\n"
    by_a, by_b = measured_twice(
        tmp_path,
        "e.csv",
        content,
        "evaluation",
        {"columns": {"passed": "a"}},
        {"columns": {"passed": "b"}},
    )
    assert (by_a.overall.passed, by_b.overall.passed) == (3, 1)


# ------------------------------------------------------- findings as JSON (check --json)


def finding(kind: str, measured=None, readable: bool = True, reason: str | None = None):
    item = EvidenceItem(kind=kind, path=f"ev/{kind}.x", date=dt.date(2026, 11, 1))
    return EvidenceFinding(item, readable, reason, None if reason else "0" * 64, measured)


def test_an_unreadable_finding_in_json_says_why():
    shown = finding_dict(finding("log_sample", readable=False, reason="file is empty"), AS_OF)
    assert shown == {
        "kind": "log_sample",
        "location": "ev/log_sample.x",
        "date": "2026-11-01",
        "readable": False,
        "reason": "file is empty",
        "sha256": None,
        "measured": None,
    }


@pytest.mark.parametrize(
    ("measured", "shown"),
    [
        (DocumentMeasures("text", 157), {"format": "text", "words": 157}),
        # A PDF's words are not counted: only that it is one.
        (DocumentMeasures("a PDF"), {"format": "a PDF", "words": None}),
    ],
)
def test_a_document_in_json_says_what_it_is(measured, shown):
    assert finding_dict(finding("policy", measured), AS_OF)["measured"] == shown


def test_an_extract_in_json_lists_every_expectation_with_freshness_as_of_the_day():
    measures = ExtractMeasures(
        rows=40,
        columns=("id", "opened"),
        checks=(Check("required", "id", True, "present"),),
        newest=dt.date(2026, 11, 13),
        freshness=("opened", 7),
    )
    # 2026-11-13 is 10 days before 2026-11-23: older than the 7 allowed.
    assert finding_dict(finding("data_extract", measures), AS_OF)["measured"] == {
        "rows": 40,
        "expectations": [
            {"column": "id", "expectation": "required", "passed": True, "detail": "present"},
            {
                "column": "opened",
                "expectation": "freshness",
                "passed": False,
                "detail": "newest row 2026-11-13 is 10 days old; at most 7 allowed",
            },
        ],
    }


def test_an_evaluation_in_json_has_each_slice():
    # 0 of 10 and 10 of 10: Wilson's interval by hand is [0, z²/(n + z²)] = [0, 0.2775] and
    # [n/(n + z²), 1] = [0.7225, 1] (z² = 3.8415); overall 10 of 20: [0.2993, 0.7007].
    measures = EvalMeasures(
        PassRate(None, 20, 10), (PassRate("a", 10, 0), PassRate("b", 10, 10)), "'passed' column"
    )
    shown = finding_dict(finding("evaluation", measures), AS_OF)["measured"]
    assert shown == {
        "rule": "'passed' column",
        "cases": 20,
        "passed": 10,
        "errors": 0,
        "rate": 0.5,
        "lower": pytest.approx(0.2993, abs=5e-5),
        "upper": pytest.approx(0.7007, abs=5e-5),
        "slices": [
            {"slice": "a", "cases": 10, "passed": 0, "errors": 0, "rate": 0.0, "lower": 0.0,
             "upper": pytest.approx(0.2775, abs=5e-5)},
            {"slice": "b", "cases": 10, "passed": 10, "errors": 0, "rate": 1.0,
             "lower": pytest.approx(0.7225, abs=5e-5), "upper": pytest.approx(1.0)},
        ],
    }  # fmt: skip


def test_a_log_sample_in_json_rounds_coverage_and_names_fields_with_personal_data():
    measures = log_measures(
        records=3,
        covered={**dict.fromkeys(SIGNALS, 3), "inputs": 2},
        latency=None,
        errors=None,
        per_day={},
        first=None,
        last=None,
        pii=(FieldPII("inputs", "input", {"emails": 1, "phones": 0, "cards": 0, "ibans": 0}),),
    )
    shown = finding_dict(finding("log_sample", measures), AS_OF)["measured"]
    assert shown == {
        "records": 3,
        # 2 of 3 is 0.666…, shown to four decimals.
        "coverage": {**dict.fromkeys(SIGNALS, 1.0), "inputs": 0.6667},
        "latency_ms": None,
        "error_rate": None,
        "retry_rate": 20 / 3,
        "override_rate": 40 / 3,
        "per_day": {},
        "first": None,
        "last": None,
        "personal_data": {"input": {"emails": 1, "phones": 0, "cards": 0, "ibans": 0}},
        "personal_data_elsewhere": {},
        "distinct": {},
        "users": None,
        "error_fields": {},
        "latency_unit": "ms",
        "failed_without_output": 0,
        "other_spans": 0,
    }


def test_a_field_without_personal_data_describes_none():
    assert FieldPII("inputs", "input", dict.fromkeys(("emails", "phones"), 0)).describe() == "none"
    one_each = FieldPII("inputs", "input", {"emails": 1, "phones": 2, "cards": 0, "ibans": 1})
    assert one_each.describe() == "1 e-mail address, 2 phone numbers, 1 IBAN"


# ------------------------------------------------------------ several items, each kept


def test_every_cited_item_gets_its_finding_in_order(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b"case_id,passed\nc1,maybe\n")
    good = b'{"timestamp": "2026-11-01T08:00:00Z", "request_id": "r1"}\n'
    (tmp_path / "good.jsonl").write_bytes(good)
    items = [
        {"kind": "log_sample", "url": "https://logs.example/x", "date": "2026-11-01"},
        {"kind": "log_sample", "path": "gone.jsonl", "date": "2026-11-01"},
        {"kind": "evaluation", "path": "bad.csv", "date": "2026-11-01"},
        {"kind": "log_sample", "path": "good.jsonl", "date": "2026-11-01"},
    ]
    link, gone, bad, fine = find_evidence(make_record({"evidence": items}), tmp_path).items
    # A link cannot be fetched offline: it counts as cited, unhashed and unmeasured.
    assert (link.readable, link.reason, link.sha256, link.measured) == (True, None, None, None)
    assert (gone.readable, gone.reason, gone.sha256) == (
        False,
        "read from the record's folder: gone.jsonl does not exist",
        None,
    )
    # A file that cannot be measured is still fingerprinted: its digest covers the bytes.
    assert (bad.readable, bad.sha256, bad.measured) == (
        False,
        hashlib.sha256(b"case_id,passed\nc1,maybe\n").hexdigest(),
        None,
    )
    assert bad.reason.startswith("1 case(s) have no readable result")
    assert (fine.readable, fine.sha256, fine.measured.records) == (
        True,
        hashlib.sha256(good).hexdigest(),
        1,
    )


def test_without_inspection_files_are_only_fingerprinted(tmp_path):
    (tmp_path / "l.jsonl").write_bytes(b"not even json\n")
    (found,) = find_evidence(cite("l.jsonl"), tmp_path, inspect=False).items
    assert (found.readable, found.reason, found.measured) == (True, None, None)
    assert found.sha256 == hashlib.sha256(b"not even json\n").hexdigest()


def test_a_file_that_cannot_be_opened_is_unreadable_with_the_systems_reason(tmp_path, monkeypatch):
    from workbook.evidence import logs

    (tmp_path / "l.jsonl").write_bytes(b'{"timestamp": "2026-11-01T08:00:00Z"}\n')

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(logs, "inspect_log", refused)
    items = [{"kind": k, "path": p, "date": "2026-11-01"}
             for k, p in (("log_sample", "l.jsonl"), ("evaluation", "e.csv"))]  # fmt: skip
    (tmp_path / "e.csv").write_text("case_id,passed\nc1,1\n")
    record = make_record({"evidence": items})
    found, after = find_evidence(record, tmp_path).items
    assert (found.item, found.readable, found.reason, found.measured) == (
        record.evidence[0],
        False,
        "cannot read: Permission denied",
        None,
    )
    assert found.sha256 == hashlib.sha256(b'{"timestamp": "2026-11-01T08:00:00Z"}\n').hexdigest()
    assert (after.readable, after.measured.overall.passed) == (True, 1), "the next item counts"


def test_the_measurement_cache_keeps_the_newest_and_drops_the_oldest(tmp_path, monkeypatch):
    from workbook import evidence
    from workbook.evidence import logs

    monkeypatch.setattr(evidence, "_MEASURED_MAX", 2)
    calls = []
    inspect = logs.inspect_log
    monkeypatch.setattr(
        logs, "inspect_log", lambda *a, **k: calls.append(a[0].path.name) or inspect(*a, **k)
    )
    for name in ("a", "b", "c", "a"):
        line = f'{{"timestamp": "2026-11-01T08:00:00Z", "request_id": "{name}"}}\n'
        (tmp_path / f"{name}.jsonl").write_text(line)
        find_evidence(cite(f"{name}.jsonl"), tmp_path)
        assert len(evidence._MEASURED) <= 2
    # a, b, then c drops a (the oldest); a is measured again and drops b. c is still kept.
    assert calls == ["a.jsonl", "b.jsonl", "c.jsonl", "a.jsonl"]
    find_evidence(cite("c.jsonl"), tmp_path)
    assert calls[-1] == "a.jsonl"


def test_one_file_cited_as_two_kinds_is_measured_as_each(tmp_path):
    (tmp_path / "x.csv").write_text("case_id,passed\nc1,1\nc2,0\n")
    items = [
        {"kind": k, "path": "x.csv", "date": "2026-11-01"} for k in ("evaluation", "data_extract")
    ]
    evaluation, extract = find_evidence(make_record({"evidence": items}), tmp_path).items
    assert (evaluation.measured.overall.cases, extract.measured.rows) == (2, 2)
    assert type(evaluation.measured).__name__ == "EvalMeasures"
    assert type(extract.measured).__name__ == "ExtractMeasures"


def test_one_file_cited_twice_with_the_same_settings_is_measured_once(tmp_path, monkeypatch):
    from workbook.evidence import logs

    (tmp_path / "l.jsonl").write_text('{"timestamp": "2026-11-01T08:00:00Z"}\n')
    calls = []
    inspect = logs.inspect_log
    monkeypatch.setattr(logs, "inspect_log", lambda *a, **k: calls.append(a) or inspect(*a, **k))
    # Dated and annotated differently: only the bytes and the reading settings count.
    items = [
        {"kind": "log_sample", "path": "l.jsonl", "date": "2026-11-01", "note": "first"},
        {"kind": "log_sample", "path": "l.jsonl", "date": "2026-11-02"},
    ]
    a, b = find_evidence(make_record({"evidence": items}), tmp_path).items
    assert a.measured is b.measured
    assert len(calls) == 1
