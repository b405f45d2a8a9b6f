"""The measurement cache on disk: same bytes and settings, no second measurement."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from workbook import evidence
from workbook.evidence import cache, evals
from workbook.evidence.documents import DocumentMeasures
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import FieldPII, LogMeasures, Percentiles
from workbook.model.records import load_record

RECORD = """\
schema_version: 1
id: cached
name: Cached
stage: prototype
evidence:
  - {kind: evaluation, path: eval.csv, date: 2026-11-01}
"""
#: Three cases, two passing: by hand, pass rate 2/3 overall; slice a 1/2, slice b 1/1.
EVAL = "case_id,slice,passed\nc1,a,1\nc2,a,0\nc3,b,1\n"


@pytest.fixture
def on(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("WORKBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "measured"


@pytest.fixture
def record(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "cached.yaml").write_text(RECORD)
    (folder / "eval.csv").write_text(EVAL)
    return load_record(folder / "cached.yaml"), folder


def measured(record) -> EvalMeasures:
    evidence._MEASURED.clear()  # as a new process: only the disk remembers
    rec, folder = record
    (finding,) = evidence.find_evidence(rec, folder).items
    assert finding.readable, finding.reason
    return finding.measured


def counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = evals.inspect_evaluation

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(evals, "inspect_evaluation", spy)
    return calls


def test_a_second_process_reads_the_measurement_from_disk(on, record, monkeypatch):
    calls = counting(monkeypatch)
    first = measured(record)
    assert (first.overall.cases, first.overall.passed) == (3, 2)
    assert len(calls) == 1 and len(list(on.glob("*.json"))) == 1
    # The inspector is not called again: the entry on disk answers, equal to the first.
    monkeypatch.setattr(evals, "inspect_evaluation", lambda *a, **k: pytest.fail("measured"))
    again = measured(record)
    assert again == first
    assert {s.slice: (s.cases, s.passed) for s in again.slices} == {"a": (2, 1), "b": (1, 1)}


def test_other_bytes_or_settings_are_measured_afresh(on, record, monkeypatch):
    calls = counting(monkeypatch)
    measured(record)
    _, folder = record
    (folder / "eval.csv").write_text(EVAL + "c4,b,0\n")  # other bytes: another key
    assert measured(record).overall.cases == 4
    settings = RECORD.replace("date: 2026-11-01}", "date: 2026-11-01, columns: {passed: passed}}")
    (folder / "cached.yaml").write_text(settings)  # other reading settings: another key
    measured((load_record(folder / "cached.yaml"), folder))
    assert len(calls) == 3 and len(list(on.glob("*.json"))) == 3


def test_a_corrupt_or_foreign_entry_is_a_miss(on, record, monkeypatch):
    calls = counting(monkeypatch)
    measured(record)
    (entry,) = on.glob("*.json")
    for damage in ("{not json", json.dumps({"sha256": "x", "measured": 1}),
                   json.dumps({"sha256": json.loads(entry.read_text() or "{}").get("sha256"),
                               "measured": {"t": "os.system", "v": {}}})):  # fmt: skip
        entry.write_text(damage)
        assert measured(record).overall.cases == 3
    assert len(calls) == 4  # measured again after each damage


def test_a_link_planted_at_an_entry_is_not_followed(on, record, tmp_path):
    measured(record)
    (entry,) = on.glob("*.json")
    target = tmp_path / "victim.txt"
    target.write_text("not yours")
    entry.unlink()
    entry.symlink_to(target)
    assert measured(record).overall.cases == 3  # a miss, measured again
    assert target.read_text() == "not yours"  # the write replaced the link, not its target
    assert not entry.is_symlink()


def test_off_writes_nothing(tmp_path, record, monkeypatch):
    monkeypatch.setenv("WORKBOOK_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    measured(record)
    assert not (tmp_path / "xdg").exists() and cache.folder() is None


def test_the_folder_is_private(on, record):
    measured(record)
    assert os.stat(on).st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "value",
    [
        DocumentMeasures("text", 42),
        EvalMeasures(
            PassRate(None, 3, 2), (PassRate("a", 2, 1, errors=1),), "passed is 1",
            origins={"synthetic": (1, 1)}, flagged_synthetic=1,
        ),
        ExtractMeasures(
            10, ("a", "b"), (Check("not_null", "a", False, "2 nulls", rows=2),),
            newest=dt.date(2026, 11, 20), freshness=("b", 3), tolerated=(("a", "not_null", 0.1),),
        ),
        LogMeasures(
            records=5, mapping={"inputs": "q"}, covered={"inputs": 5},
            latency=Percentiles(10.0, 95.5, 99.0, 5), latency_bins=((0.0, 100.0, 5),),
            errors=1, retried=None, overridden=0,
            per_day={dt.date(2026, 11, 1): 3, dt.date(2026, 11, 2): 2},
            first=dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC), last=None,
            pii=(FieldPII("inputs", "q", {"email": 1}, ("a@b.example",)),),
            users=2, error_fields={"status": 1}, latency_unit="s",
        ),
    ],
)  # fmt: skip
def test_every_measures_type_comes_back_equal(value):
    # Hand-made values of every field type the measures hold: dates as dict keys, tuples,
    # nested dataclasses, None, floats. Through JSON text and back, equal and same types.
    back = cache.decode(json.loads(json.dumps(cache.encode(value))))
    assert back == value and type(back) is type(value)


# --- records kept as validated -----------------------------------------------------------------


def test_a_record_read_again_is_not_parsed_again(on, tmp_path, monkeypatch, tiny):
    from workbook import pipeline

    path = tmp_path / "r.yaml"
    path.write_text(RECORD)
    first, _ = pipeline._load(path, tiny)
    assert len(list((on.parent / "records").glob("*.json"))) == 1
    monkeypatch.setattr(pipeline, "parse_mapping", lambda *a, **k: pytest.fail("parsed"))
    again, _ = pipeline._load(path, tiny)
    assert again == first and again.id == "cached"
    # Other text: parsed (and so refused here, where parsing is forbidden).
    path.write_text(RECORD.replace("name: Cached", "name: Cached again"))
    with pytest.raises(pytest.fail.Exception):
        pipeline._load(path, tiny)


def test_a_kept_record_is_still_held_to_the_catalogue(on, tmp_path, tiny):
    from workbook import pipeline
    from workbook.errors import RecordError

    waived = RECORD + (
        "waivers:\n  - {criterion: t.eval, reason: r, approver: 'A, CRO', granted: 2026-11-01,"
        " expires: 2027-01-01}\n"
    )
    path = tmp_path / "r.yaml"
    path.write_text(waived)
    pipeline._load(path, tiny)  # kept: valid for the tiny catalogue, which has t.eval
    other = tiny.__class__(name="Other", criteria=tiny.criteria[:1])
    with pytest.raises(RecordError) as exc:
        pipeline._load(path, other)  # from the cache, yet t.eval is unknown to this one
    assert "t.eval" in exc.value.line()


def test_an_invalid_record_is_never_kept(on, tmp_path, tiny):
    from workbook import pipeline
    from workbook.errors import RecordError

    path = tmp_path / "r.yaml"
    path.write_text(RECORD.replace("stage: prototype", "stage: pilot"))
    with pytest.raises(RecordError):
        pipeline._load(path, tiny)
    assert not list((on.parent / "records").glob("*.json"))
