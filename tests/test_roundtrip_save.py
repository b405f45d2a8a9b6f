"""The forms' save path (RecordFile.save): what it writes, read back by two YAML readers."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from workbook.errors import RecordError
from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.model.roundtrip import RecordFile

RECORD = """\
schema_version: 1
id: probe
name: Probe   # the team's own comment
stage: prototype
scope:
  workflow: Reconcile invoices
"""

# Words YAML 1.1 (PyYAML, many CI tools) reads as a boolean, null, number or date, and
# YAML 1.2 partly too: typed into a text field, each must come back as the same text.
WORDS = ["yes", "no", "on", "off", "y", "n", "true", "False", "null", "~",
         "1e3", "0x10", "012", "1:20", "2026-12-01", "1.10"]  # fmt: skip


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize("word", WORDS)
def test_a_yaml_1_1_word_typed_as_text_reads_back_as_text(tmp_path, catalogue, word):
    path = tmp_path / "probe.yaml"
    path.write_text(RECORD, encoding="utf-8")
    RecordFile(path).save({"summary": word, "scope": {"workflow": word}}, catalogue)
    record = load_record(path)  # our reader, YAML 1.2
    assert (record.summary, record.scope.workflow) == (word, word)
    other = yaml.safe_load(path.read_text(encoding="utf-8"))  # PyYAML, YAML 1.1
    assert (other["summary"], other["scope"]["workflow"]) == (word, word)
    assert "# the team's own comment" in path.read_text(encoding="utf-8")


def test_a_new_evidence_row_writes_only_what_was_answered(tmp_path, catalogue):
    path = tmp_path / "probe.yaml"
    path.write_text(RECORD, encoding="utf-8")
    # What a form row gives when only kind, path and date were filled in.
    row = {"kind": "log_sample", "path": "evidence/logs.jsonl", "url": None,
           "date": dt.date(2026, 12, 1), "note": None, "mapping": None, "expectations": None,
           "columns": None, "format": None, "records": None, "outcome": None}  # fmt: skip
    RecordFile(path).save({"evidence": [row]}, catalogue)
    text = path.read_text(encoding="utf-8")
    assert "null" not in text
    written = yaml.safe_load(text)["evidence"]
    assert written == [
        {"kind": "log_sample", "path": "evidence/logs.jsonl", "date": dt.date(2026, 12, 1)}
    ]


def test_a_cleared_field_is_removed_not_written_as_null(tmp_path, catalogue):
    path = tmp_path / "probe.yaml"
    path.write_text(RECORD + "summary: A short one\n", encoding="utf-8")
    RecordFile(path).save({"summary": None}, catalogue)
    text = path.read_text(encoding="utf-8")
    assert "summary" not in text
    assert load_record(path).summary is None


def test_a_required_false_is_an_answer_and_stays(tmp_path, catalogue):
    path = tmp_path / "probe.yaml"
    path.write_text(RECORD, encoding="utf-8")
    plan = {"prompts": {"logged": False, "where": None, "retention_days": None,
                        "redacted": False, "keeps_personal_data": False, "reason": "cost"}}  # fmt: skip
    RecordFile(path).save({"observability": {"logging_plan": plan}}, catalogue)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    # `logged` has no default (it must be answered); the two flags default to false.
    assert written["observability"] == {
        "logging_plan": {"prompts": {"logged": False, "reason": "cost"}}
    }


def test_a_refused_save_leaves_the_file_byte_for_byte(tmp_path, catalogue):
    path = tmp_path / "probe.yaml"
    path.write_text(RECORD, encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(RecordError):
        RecordFile(path).save({"stage": "pilot"}, catalogue)
    assert path.read_bytes() == before
