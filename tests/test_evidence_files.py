"""Finding cited evidence files: readable, empty, missing, outside the record's folder."""

from __future__ import annotations

import hashlib

import pytest

from conftest import make_record
from workbook.evidence import find_evidence


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
        (lambda d: None, "nope.jsonl", "file not found"),
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
            "path leaves the record's folder",
        ),
    ],
    ids=["missing", "empty", "folder", "dot-dot", "symlink-out"],
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
    assert (found.readable, found.reason) == (False, "symlink loop")


def test_unchanged_evidence_is_measured_once(tmp_path, monkeypatch):
    from workbook.evidence import logs

    (tmp_path / "ev").mkdir()
    log = tmp_path / "ev" / "logs.jsonl"
    log.write_bytes(b'{"timestamp": "2026-11-02T08:00:00Z", "request_id": "once"}\n')
    calls = []
    inspect = logs.inspect_log
    monkeypatch.setattr(logs, "inspect_log", lambda *a: calls.append(a) or inspect(*a))
    record = cite("ev/logs.jsonl")
    first = find_evidence(record, tmp_path).items[0].measured
    assert find_evidence(record, tmp_path).items[0].measured is first
    assert len(calls) == 1
    log.write_bytes(b'{"timestamp": "2026-11-02T08:00:00Z", "request_id": "twice"}\n')
    assert find_evidence(record, tmp_path).items[0].measured.records == 1
    assert len(calls) == 2, "changed bytes are measured again"
