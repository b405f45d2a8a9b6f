"""What an evidence file is, told by its bytes: layouts, records, and refusals in words."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from workbook.errors import Unreadable
from workbook.evidence import engine, formats

REAL = Path(__file__).resolve().parent / "data" / "real"

#: DuckDB's own words: setting names, hints, its error classes. No reason may show them.
ENGINE_WORDS = re.compile(
    r"(?i)auto-detect|sample_size|maximum_object_size|ignore_errors|strict_mode|null_padding|"
    r"max_line_size|union_by_name|all_varchar|read_json|read_ndjson|read_csv|read_parquet|"
    r"duckdb|Invalid Input Error|Binder Error|Conversion Error|IO Error|LINE 1|"
    r"possible fixes|\bset \w+\s*=|/proc/self/fd|/dev/fd"
)


def detect(path: Path, declared: str = "auto", records: str | None = None) -> formats.Layout:
    with engine.held(path) as src:
        return formats.detect(src, declared, records)


def refused(path: Path, declared: str = "auto", records: str | None = None) -> str:
    with pytest.raises(Unreadable) as caught:
        detect(path, declared, records)
    reason = caught.value.reason
    assert not ENGINE_WORDS.search(reason), reason
    return reason


def records(path: Path, declared: str = "auto", rec: str | None = None) -> list:
    """The records ``json_records`` gives, each parsed by the json module."""
    with engine.held(path) as src:
        layout = formats.detect(src, declared, rec)
        con = engine.connect()
        rows = engine.query(con, f"SELECT json FROM {formats.json_records(src, layout)}", src)
        con.close()
    return [json.loads(r[0]) for r in rows]


# ------------------------------------------------------------- the real tools' files

# (file under tests/data/real, layout, framing, records path, signals): by hand from each
# folder's PROVENANCE.md (which tool wrote what, and how).
REAL_FILES = [
    ("otel/otlp_js_traces.jsonl", "otlp", "lines", None, {"spans"}),
    ("otel/otlp_js_logs.jsonl", "otlp", "lines", None, {"logs"}),
    ("otel/otlp_js_traces_and_logs.jsonl", "otlp", "lines", None, {"spans", "logs"}),
    ("otel/otlp_py_traces.jsonl", "otlp", "lines", None, {"spans"}),
    ("otel/otlp_py_event_only_logs.jsonl", "otlp", "lines", None, {"logs"}),
    ("otel/otlp_py_event_only_traces_and_logs.jsonl", "otlp", "lines", None, {"spans", "logs"}),
    ("otel/console_py_spans.txt", "otel_console", "sequence", None, {"spans"}),
    ("otel/console_py_event_only_logs.txt", "otel_console", "sequence", None, {"logs"}),
    (
        "otel/console_py_event_only_spans_and_logs.txt",
        "otel_console",
        "sequence",
        None,
        {"spans", "logs"},
    ),
    ("evals/promptfoo/results.json", "promptfoo", "document", "results.results", set()),
    ("evals/promptfoo/results-2prompts.json", "promptfoo", "document", "results.results", set()),
    ("evals/inspect/support_qa.json", "inspect", "document", "samples", set()),
    ("evals/inspect/support_qa.eval", "inspect_zip", "", None, set()),
    ("evals/inspect/support_qa_deflate.eval", "inspect_zip", "", None, set()),
    ("evals/inspect/support_qa_samples.csv", "csv", "", None, set()),
    ("evals/mlflow/eval_results_table.json", "mlflow", "document", "data", set()),
    ("data/gx1_requests_suite.json", "gx_suite", "document", "expectations", set()),
    ("data/gx018_requests_suite.json", "gx_suite", "document", "expectations", set()),
    ("data/gx1_requests_validation.json", "gx_validation", "document", "results", set()),
    ("data/gx018_duplicates_validation.json", "gx_validation", "document", "results", set()),
    ("data/pandera_requests_schema.json", "pandera", "document", None, set()),
    ("data/pandera_requests_schema.yaml", "pandera", "document", None, set()),
    ("data/cgm_mixed_line_endings.csv", "csv", "", None, set()),
    ("data/requests.csv", "csv", "", None, set()),
]


@pytest.mark.parametrize(
    ("name", "layout", "framing", "rec", "signals"), REAL_FILES, ids=[r[0] for r in REAL_FILES]
)
def test_each_real_file_is_told_by_its_content(name, layout, framing, rec, signals):
    found = detect(REAL / name)
    assert (found.name, found.framing, found.records, set(found.signals)) == (
        layout,
        framing,
        rec,
        signals,
    )
    assert found.what


def lm_eval_samples() -> list[Path]:
    found = sorted((REAL / "evals" / "lm_eval").glob("samples_*.jsonl"))
    assert found, "the real lm-evaluation-harness samples are committed"
    return found


def test_lm_eval_samples_are_told_by_their_keys():
    for path in lm_eval_samples():
        assert (detect(path).name, detect(path).framing) == ("lm_eval", "lines")


def test_each_record_of_a_tool_document_is_one_row():
    # The counts the json module finds at each tool's own records path.
    promptfoo = json.loads((REAL / "evals/promptfoo/results.json").read_text())
    inspect_log = json.loads((REAL / "evals/inspect/support_qa.json").read_text())
    gx = json.loads((REAL / "data/gx1_requests_validation.json").read_text())
    assert records(REAL / "evals/promptfoo/results.json") == promptfoo["results"]["results"]
    assert records(REAL / "evals/inspect/support_qa.json") == inspect_log["samples"]
    assert records(REAL / "data/gx1_requests_validation.json") == gx["results"]


def test_an_mlflow_table_becomes_one_object_per_row():
    table = json.loads((REAL / "evals/mlflow/eval_results_table.json").read_text())
    expected = [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]
    assert records(REAL / "evals/mlflow/eval_results_table.json") == expected


def test_lm_eval_samples_are_one_record_per_line():
    for path in lm_eval_samples():
        lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        assert records(path) == lines


# ------------------------------------------------------------------ small files


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


PRETTY = json.dumps({"run": "r1", "cases": [{"id": 1}, {"id": 2}, {"id": 3}]}, indent=2)


@pytest.mark.parametrize(
    ("name", "content", "layout", "framing"),
    [
        ("l.jsonl", '{"a": 1}\n{"a": 2}\n', "jsonl", "lines"),
        ("l.ndjson", '{"a": 1}\n', "jsonl", "lines"),
        ("l.json", '{"a": 1}', "jsonl", "lines"),  # one line: one record, as before
        ("l.jsonl.gz", gzip.compress(b'{"a": 1}\n{"a": 2}\n'), "jsonl.gz", "lines"),
        # gzip is told by its bytes whatever the name says
        ("l.jsonl", gzip.compress(b'{"a": 1}\n'), "jsonl.gz", "lines"),
        ("l.csv", "a,b\n1,2\n", "csv", ""),
        ("doc.json", PRETTY, "json", "document"),
        ("seq.json", '{\n  "a": 1\n}\n{\n  "a": 2\n}\n', "json_seq", "sequence"),
        # a tool's document on one line, whatever its name
        ("out.txt", '{"columns": ["a"], "data": [[1]]}', "mlflow", "document"),
        ("s.jsonl", '{"doc_id": 0, "filter": "none", "acc": 1.0}\n', "lm_eval", "lines"),
    ],
)
def test_small_files_are_told_by_their_bytes(tmp_path, name, content, layout, framing):
    found = detect(write(tmp_path / name, content))
    assert (found.name, found.framing) == (layout, framing)


def test_a_parquet_file_is_told_by_its_magic_bytes(tmp_path):
    path = tmp_path / "t.parquet"
    duckdb.connect().execute(f"COPY (SELECT 1 AS a) TO '{path}' (FORMAT parquet)")
    assert detect(path).name == "parquet"


def test_a_pretty_document_reads_its_records_by_path(tmp_path):
    path = write(tmp_path / "doc.json", PRETTY)
    assert records(path, rec="cases") == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert records(path, "json", "cases") == [{"id": 1}, {"id": 2}, {"id": 3}]


def test_a_document_without_a_records_path_names_its_lists(tmp_path):
    path = write(tmp_path / "doc.json", PRETTY)
    with engine.held(path) as src, pytest.raises(Unreadable) as caught:
        formats.json_records(src, formats.detect(src))
    assert caught.value.reason == (
        "this looks like one JSON document, not JSON lines; name the list of records in it "
        "with records: in the evidence item (its lists: cases), or write one record per line"
    )


def test_objects_back_to_back_are_one_record_each(tmp_path):
    path = write(tmp_path / "seq.json", '{\n  "a": 1\n}\n{\n  "a": [2,\n 3]\n}\n')
    assert records(path) == [{"a": 1}, {"a": [2, 3]}]


def test_a_json_array_is_refused_unless_declared_one_document(tmp_path):
    path = write(tmp_path / "a.json", '[{"a": 1}, {"a": 2}]')
    assert refused(path) == "a JSON array, not JSON lines: write one object per line"
    assert records(path, "json") == [{"a": 1}, {"a": 2}]


def test_a_first_value_longer_than_the_head_is_examined_whole(tmp_path, monkeypatch):
    # With a 64-byte head, the document below is cut: its keys come from the whole file.
    monkeypatch.setattr(formats, "HEAD", 64)
    doc = {"evalId": "e1", "results": {"results": [{"success": True, "text": "x" * 200}]}}
    path = write(tmp_path / "r.json", json.dumps(doc, indent=2))
    assert (detect(path).name, detect(path).records) == ("promptfoo", "results.results")
    lines = write(tmp_path / "l.jsonl", json.dumps({"a": "y" * 200}) + "\n" + '{"a": 1}\n')
    assert detect(lines).name == "jsonl"


# (case, file name, content, declared, records, the reason's start)
REFUSALS = [
    ("zip not inspect", "x.eval", "zip", "auto", None, "a zip archive that is not an inspect_ai"),
    ("binary", "l.jsonl", bytes(range(256)) * 4, "auto", None, "binary data, not JSON lines"),
    ("binary csv", "l.csv", b"a,b\n\x00\x01", "auto", None, "binary data, not CSV"),
    (
        "unknown ending",
        "l.txt",
        '{"a": 1}\n',
        "auto",
        None,
        "cannot measure a '.txt' file; expected .csv, .json, .json.gz, .jsonl",
    ),
    ("gz name, text", "l.jsonl.gz", '{"a": 1}\n', "auto", None, "not a gzip file: it seems to"),
    ("damaged gzip", "l.jsonl.gz", b"\x1f\x8b\x08\x00garbage", "auto", None, "compressed data"),
    ("parquet name, CSV", "l.parquet", "a\n1\n", "auto", None, "not a Parquet file: it seems"),
    (
        "declared CSV, JSON lines",
        "l.csv",
        '{"a": 1}\n{"a": 2}\n',
        "csv",
        None,
        "declared as CSV (format: csv), but it seems to hold JSON lines",
    ),
    (
        "declared promptfoo, MLflow",
        "r.json",
        '{"columns": ["a"], "data": [[1]]}',
        "promptfoo",
        None,
        "declared as a promptfoo results file (format: promptfoo), but it seems to be an "
        "MLflow evaluation table",
    ),
    (
        "declared one document, JSON lines",
        "l.json",
        '{"a": 1}\n{"a": 2}\n',
        "json",
        None,
        "declared as one JSON document (format: json), but it seems to hold JSON lines",
    ),
    ("declared parquet, text", "l.csv", "a\n1\n", "parquet", None, "declared as Parquet"),
    ("unknown format", "l.jsonl", '{"a": 1}\n', "yaml", None, "unknown format 'yaml'; known:"),
    (
        "records on JSON lines",
        "l.jsonl",
        '{"a": [1]}\n{"a": [2]}\n',
        "auto",
        "a",
        "records: 'a' names a list inside one JSON document, but this looks like JSON lines",
    ),
    ("records absent", "d.json", PRETTY, "auto", "runs", "records: 'runs' is absent in this"),
    ("records not a list", "d.json", PRETTY, "auto", "run", "records: 'run' is not a list"),
]


@pytest.mark.parametrize(
    ("name", "content", "declared", "rec", "start"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_a_refusal_says_what_the_file_seems_to_be(tmp_path, name, content, declared, rec, start):
    if content == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("notes.txt", "hello")
        content = buffer.getvalue()
    reason = refused(write(tmp_path / name, content), declared, rec)
    assert reason.startswith(start), reason


def test_a_file_of_log_records_alone_is_refused_as_a_span_log():
    with engine.held(REAL / "otel/otlp_js_logs.jsonl") as src:
        layout = formats.detect(src)
        with pytest.raises(Unreadable) as caught:
            formats.json_records(src, layout)
    assert caught.value.reason.startswith("holds OpenTelemetry log records but no spans")
    assert formats.refuse(layout, "log_sample").reason == caught.value.reason


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        (
            "evals/promptfoo/results.json",
            "log_sample",
            "this looks like a promptfoo results file, not a log sample; cite it as "
            "evaluation results (kind: evaluation)",
        ),
        (
            "otel/otlp_js_traces.jsonl",
            "evaluation",
            "this looks like an OpenTelemetry export (OTLP/JSON) of spans, not evaluation "
            "results; cite it as a log sample (kind: log_sample)",
        ),
        (
            "data/gx1_requests_validation.json",
            "evaluation",
            "this looks like a Great Expectations validation result, not evaluation results; "
            "cite it as a data extract (kind: data_extract)",
        ),
    ],
)
def test_a_kind_that_cannot_read_a_layout_says_what_to_cite(name, kind, expected):
    reason = formats.refuse(detect(REAL / name), kind).reason
    assert reason == expected
    assert not ENGINE_WORDS.search(reason)


def test_a_suite_is_named_as_the_expectations_of_an_extract():
    reason = formats.refuse(detect(REAL / "data/gx1_requests_suite.json"), "data_extract").reason
    assert reason.startswith("this looks like a Great Expectations expectation suite, which ")
    assert "expectations: suite: <path>" in reason


# ------------------------------------------------------------------ defences


def test_the_held_file_is_read_not_whatever_its_name_leads_to_later(tmp_path):
    path = write(tmp_path / "l.json", '{"columns": ["a"], "data": [[1], [2]]}')
    with engine.held(path) as src:
        # Another file takes the name while the first is held.
        os.replace(write(tmp_path / "other.json", '{"a": 1}\n'), path)
        layout = formats.detect(src)
        con = engine.connect()
        rows = engine.query(con, f"SELECT json FROM {formats.json_records(src, layout)}", src)
    assert layout.name == "mlflow"
    assert [json.loads(r[0]) for r in rows] == [{"a": 1}, {"a": 2}]


def test_a_made_once_table_holds_the_same_records(tmp_path):
    path = REAL / "otel/otlp_js_traces.jsonl"
    with engine.held(path) as src:
        layout = formats.detect(src)
        con = engine.connect()
        streamed = engine.query(con, f"SELECT json FROM {formats.json_records(src, layout)}", src)
        table = formats.json_records(src, layout, con)
        made = engine.query(con, f"SELECT json FROM {table}", src)
    assert table.startswith("wb_records_")
    assert sorted(r[0] for r in made) == sorted(r[0] for r in streamed)


def test_a_document_beyond_the_cap_is_too_large_in_words(tmp_path, monkeypatch):
    doc = {"evalId": "e", "results": {"results": [{"success": True}] * 50}}
    path = write(tmp_path / "results.json", json.dumps(doc, indent=2))
    size = path.stat().st_size
    monkeypatch.setattr(formats, "MAX_DOCUMENT", 1_000_000)
    layout = formats.Layout("promptfoo", "", "results.results", framing="document")
    with engine.held(path) as src, pytest.raises(Unreadable) as caught:
        # The held file as if it were 5 MB: only its size is asked.
        grown = os.stat_result((0,) * 6 + (5_000_000,) + (0,) * 3)
        monkeypatch.setattr(os, "fstat", lambda fd: grown)
        formats.json_records(src, layout)
    monkeypatch.undo()
    assert size < 5_000_000
    assert caught.value.reason == (
        "one JSON document of 5 MB is more than the 1 MB read at once; write its records "
        "one per line (JSON lines), or cite a shorter sample"
    )


# ------------------------------------------------------------------ CSV


def test_a_csv_with_crlf_rows_and_a_final_lf_row_reads_every_row():
    path = REAL / "data/cgm_mixed_line_endings.csv"
    raw = path.read_bytes()
    # The file as PROVENANCE.md describes it: CRLF everywhere but the last line.
    assert raw.count(b"\r\n") == 200 and raw.endswith(b"165\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
    with engine.held(path) as src:
        assert engine.line_endings(src) == (200, 1)
        con = engine.connect()
        got = engine.first_row(
            con,
            f"SELECT count(*), sum(CAST(glucose AS INTEGER)), min(datetime), max(datetime) "
            f"FROM {engine.table(src, 'csv')}",
            src,
        )
    assert tuple(got) == (
        len(rows),
        sum(int(r["glucose"]) for r in rows),
        min(r["datetime"] for r in rows),
        max(r["datetime"] for r in rows),
    )


def test_a_csv_without_a_recognisable_layout_keeps_its_cause_in_words(tmp_path):
    path = write(tmp_path / "bad.csv", b"a;b\r\n1;2\r\n3;4\n")
    reason = engine.csv_trouble(path)
    assert reason == "its lines end in different ways (some CRLF, some LF)"
    ragged = write(tmp_path / "ragged.csv", "a,b\n1,2\n1,2,3\n")
    assert engine.csv_trouble(ragged) == (
        "its rows have different numbers of fields (2 in the header, 3 in row 3)"
    )
    latin = write(tmp_path / "latin.csv", "a\nd\xe9j\xe0 vu\n".encode("latin-1"))
    assert engine.csv_trouble(latin) == "it is not UTF-8 text"


# ------------------------------------------------------------------ no engine words

SNIFF_FAILURE = (
    'Invalid Input Error: Error when sniffing file "{path}".\n'
    "It was not possible to automatically detect the CSV parsing dialect\n"
    "Possible fixes:\n* Disable the parser's strict mode (strict_mode=false) to allow reading "
    "rows that do not comply with the CSV standard.\n* Set delimiter (e.g., delim=',')"
)
TOO_LARGE = (
    'Invalid Input Error: "maximum_object_size" of 16777216 bytes exceeded while reading file '
    '"{path}" (>33554428 bytes).\n Try increasing "maximum_object_size".'
)
HINTED_JSON = (
    'Invalid Input Error: Malformed JSON in file "{path}", at byte 2 in line 2: unexpected end '
    "of data. Try auto-detecting the JSON format"
)


@pytest.mark.parametrize(
    ("message", "content", "expected"),
    [
        (
            SNIFF_FAILURE,
            "a,b\n1,2\n1,2,3\n",
            "the CSV layout could not be recognised: its rows have different numbers of fields "
            "(2 in the header, 3 in row 3); save it as comma-separated UTF-8 text with one "
            "header row",
        ),
        (
            TOO_LARGE,
            '{"a": 1}\n',
            "a JSON value in it (a line, or the whole document) is too large to read at once; "
            "write one record per line (JSON lines), or cite a shorter sample",
        ),
        (
            HINTED_JSON,
            '{"a": 1}\n{"a": \n',
            "not valid JSON lines at line 2: unexpected end of data; cite the file whole, as the "
            "tool wrote it",
        ),
    ],
    ids=["sniffing", "too large", "hint after the detail"],
)
def test_engine_hints_never_reach_a_reason(tmp_path, message, content, expected):
    path = write(tmp_path / "f.csv", content)
    reason = engine.reason(duckdb.InvalidInputException(message.replace("{path}", str(path))), path)
    assert reason == expected
    assert not ENGINE_WORDS.search(reason)


def bad_files(tmp_path: Path) -> dict[str, Path]:
    """Files each refused on a different path, by detection or by reading."""
    files = {
        "malformed line": ("l.jsonl", '{"a": 1}\n{"a": \n{"a": 3}\n'),
        "cut gzip": ("l.jsonl.gz", gzip.compress(os.urandom(30000).hex().encode())[:3000]),
        "damaged parquet": ("l.parquet", b"PAR1" + b"\x07" * 64 + b"PAR1"),
        "not utf-8 csv": ("u.csv", "a\nd\xe9j\xe0\n".encode("latin-1")),
        "bad OTLP line": ("t.jsonl", '{"resourceSpans": []}\n{"resourceSpans": [\n'),
        "bad console": ("c.txt", '{\n "name": "x",\n "context": {},\n "start_time": 1\n}\n{\n'),
        "bad document": ("d.json", '{\n "evalId": "e", "results": {"results": [1, }\n}'),
    }
    return {k: write(tmp_path / n, c) for k, (n, c) in files.items()}


def test_no_reading_failure_shows_engine_words(tmp_path):
    shown = {}
    for case, path in bad_files(tmp_path).items():
        try:
            with engine.held(path) as src:
                layout = formats.detect(src)
                con = engine.connect()
                if layout.name in ("csv", "parquet"):
                    source = engine.table(src, layout.name)
                else:
                    source = formats.json_records(src, layout, con)
                engine.query(con, f"SELECT count(*) FROM {source}", src)
        except Unreadable as exc:
            shown[case] = exc.reason
        else:
            shown[case] = None
    assert [c for c, r in shown.items() if r is None] == []  # each one refused
    leaked = {case: r for case, r in shown.items() if ENGINE_WORDS.search(r or "")}
    assert leaked == {}
    assert str(tmp_path) not in " ".join(shown.values())
