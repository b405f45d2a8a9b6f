"""Gaming the evidence files: the file measured is the file hashed, and what a file shows
is measured from the file, not from what the record says about it.

Each table holds the honest file and the gamed ones side by side; expected figures are
counted by hand from the lines written (the comment beside each row says how).
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest
import yaml
from click.testing import CliRunner

from conftest import TINY_CATALOGUE
from samples import cite, write_csv, write_jsonl
from workbook.cli import main
from workbook.evidence import evals, find_evidence, logs
from workbook.evidence.logs import inspect_log
from workbook.model.records import LogMapping

# ------------------------------------------------ 9. the measured file is the signed file


def lines(n: int, day: str = "2026-11-02") -> bytes:
    """``n`` flat log lines, one request each, an hour apart from 08:00."""
    rows = [
        {"timestamp": f"{day}T{8 + i % 12:02d}:00:00Z", "request_id": f"r{i}", "input": f"q{i}"}
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_a_name_with_glob_characters_is_a_plain_name(tmp_path):
    # `logs[0-9].jsonl` would match logs1.jsonl as a pattern; as a name it is its own file.
    own, decoy = lines(3), lines(7)
    (tmp_path / "logs[0-9].jsonl").write_bytes(own)
    (tmp_path / "logs1.jsonl").write_bytes(decoy)
    (found,) = find_evidence(cite("log_sample", "logs[0-9].jsonl"), tmp_path).items
    assert (found.readable, found.measured.records) == (True, 3)
    assert found.sha256 == hashlib.sha256(own).hexdigest()


@pytest.mark.parametrize("name", ["*.jsonl", "l?gs.jsonl", "{a,b}.jsonl"])
def test_other_pattern_characters_are_plain_too(tmp_path, name):
    (tmp_path / name).write_bytes(lines(2))
    for decoy in ("a.jsonl", "b.jsonl", "logs.jsonl", "zz.jsonl"):
        (tmp_path / decoy).write_bytes(lines(5))
    (found,) = find_evidence(cite("log_sample", name), tmp_path).items
    assert (found.readable, found.measured.records) == (True, 2)


def test_compression_follows_the_files_own_name(tmp_path):
    # A gzip file named .jsonl.gz is read decompressed, though DuckDB sees a descriptor path.
    import gzip

    (tmp_path / "l[1].jsonl.gz").write_bytes(gzip.compress(lines(4), mtime=0))
    (found,) = find_evidence(cite("log_sample", "l[1].jsonl.gz"), tmp_path).items
    assert (found.readable, found.measured.records) == (True, 4)


def test_a_file_swapped_after_it_was_opened_is_not_read(tmp_path, monkeypatch):
    # Between hashing and measuring, the path is replaced by another file: the measurement
    # is still of the bytes hashed (the open descriptor), never of the newcomer.
    honest, swapped = lines(4), lines(9)
    path = tmp_path / "logs.jsonl"
    path.write_bytes(honest)
    inspect = logs.inspect_log

    def swap_then_measure(src, mapping, **read):
        (tmp_path / "other.jsonl").write_bytes(swapped)
        os.replace(tmp_path / "other.jsonl", path)
        return inspect(src, mapping, **read)

    monkeypatch.setattr(logs, "inspect_log", swap_then_measure)
    (found,) = find_evidence(cite("log_sample", "logs.jsonl"), tmp_path).items
    assert (found.readable, found.measured.records) == (True, 4)
    assert found.sha256 == hashlib.sha256(honest).hexdigest()


def test_a_symlink_swapped_in_is_refused(tmp_path):
    (tmp_path / "logs.jsonl").write_bytes(lines(4))
    (tmp_path / "sister.jsonl").write_bytes(lines(9))
    record = cite("log_sample", "logs.jsonl")
    assert find_evidence(record, tmp_path).items[0].readable
    (tmp_path / "logs.jsonl").unlink()
    (tmp_path / "logs.jsonl").symlink_to("sister.jsonl")
    (found,) = find_evidence(record, tmp_path).items
    assert (found.readable, found.reason, found.sha256, found.measured) == (
        False,
        "the file is a symbolic link; cite the file itself",
        None,
        None,
    )


def test_a_file_written_to_while_measured_is_unreadable(tmp_path, monkeypatch):
    path = tmp_path / "logs.jsonl"
    path.write_bytes(lines(4))
    inspect = logs.inspect_log

    def append_then_measure(src, mapping, **read):
        with path.open("ab") as f:  # the same inode grows while it is read
            f.write(lines(1))
        return inspect(src, mapping, **read)

    monkeypatch.setattr(logs, "inspect_log", append_then_measure)
    (found,) = find_evidence(cite("log_sample", "logs.jsonl"), tmp_path).items
    assert (found.readable, found.reason, found.sha256) == (
        False,
        "changed while it was read",
        None,
    )
    monkeypatch.undo()
    # Nothing of the interrupted reading was kept: the file as it now is gets measured.
    (again,) = find_evidence(cite("log_sample", "logs.jsonl"), tmp_path).items
    assert (again.readable, again.measured.records) == (True, 5)


def test_the_digest_in_check_json_is_the_sha256_of_the_bytes_measured(tmp_path):
    content = lines(6)
    (tmp_path / "logs[0-9].jsonl").write_bytes(content)
    (tmp_path / "logs1.jsonl").write_bytes(lines(2))
    record = {
        "schema_version": 1,
        "id": "r",
        "name": "R",
        "stage": "prototype",
        "evidence": [{"kind": "log_sample", "path": "logs[0-9].jsonl", "date": "2026-11-02"}],
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(record))
    (tmp_path / "gates.yaml").write_text(TINY_CATALOGUE)
    args = ["check", str(tmp_path / "r.yaml"), "--gates", str(tmp_path / "gates.yaml")]
    result = CliRunner().invoke(main, [*args, "--as-of", "2026-11-23", "--json"])
    (shown,) = json.loads(result.output)[0]["evidence"]
    assert shown["sha256"] == hashlib.sha256(content).hexdigest()
    assert shown["measured"]["records"] == 6, "the six lines hashed, not logs1.jsonl's two"


# ---------------------------------- 10c. errors and latency: what the file says wins

ERROR_TABLE = [
    # (case, rows as (error, status) over 20 records, mapping, errors, error_fields)
    # Honest: the preset's `error` field holds 3 errors in 20 records.
    ("honest", [("Timeout", None)] * 3 + [(None, "OK")] * 17, {}, 3, {"error": 3}),
    # Gamed: exceptions mapped to an always-"OK" status; `error` still shows its 3.
    (
        "mapped to an always-OK field",
        [("Timeout", "OK")] * 3 + [(None, "OK")] * 17,
        {"exceptions": "status"},
        3,
        {"status": 0, "error": 3},
    ),
    # A `status` that says "failed" in 5 records is an error field of its own: 5 > 3.
    (
        "status says failed",
        [("Timeout", "failed")] * 3 + [(None, "FAILED")] * 2 + [(None, "OK")] * 15,
        {},
        5,
        {"error": 3, "status": 5},
    ),
]


@pytest.mark.parametrize(
    ("rows", "fields", "errors", "error_fields"),
    [r[1:] for r in ERROR_TABLE],
    ids=[r[0] for r in ERROR_TABLE],
)
def test_the_highest_error_count_of_any_error_field_wins(
    tmp_path, rows, fields, errors, error_fields
):
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [{"request_id": str(i), "error": e, "status": s} for i, (e, s) in enumerate(rows)],
    )
    m = inspect_log(path, LogMapping(fields=fields))
    assert (m.errors, m.error_fields) == (errors, error_fields)
    assert m.error_rate == errors / 20


def test_well_known_error_fields_are_read_in_a_csv(tmp_path):
    # err holds 2 errors in 4 rows, error_message 1; the mapped `error` column holds none.
    path = write_csv(
        tmp_path / "l.csv",
        ["request_id", "error", "err", "error_message"],
        [["a", "", "boom", ""], ["b", "ok", "bang", "quota exceeded"], ["c", "", "", ""],
         ["d", "", "ok", ""]],
    )  # fmt: skip
    m = inspect_log(path)
    assert m.error_fields == {"error": 0, "err": 2, "error_message": 1}
    assert m.errors == 2


@pytest.mark.parametrize(
    ("field", "values", "unit", "p50"),
    [
        # 0.8, 1.2, 2.0 s: the median 1.2 s is 1,200 ms.
        ("duration_s", [0.8, 1.2, 2.0], "s", 1200.0),
        ("took_seconds", [0.8, 1.2, 2.0], "s", 1200.0),
        ("elapsed_sec", [0.8, 1.2, 2.0], "s", 1200.0),
        ("wait_secs", [0.8, 1.2, 2.0], "s", 1200.0),
        # Named in milliseconds: taken as written.
        ("duration_ms", [800, 1200, 2000], "ms", 1200.0),
    ],
)
def test_latency_named_in_seconds_is_read_as_seconds(tmp_path, field, values, unit, p50):
    path = write_jsonl(tmp_path / "l.jsonl", [{"request_id": "x", field: v} for v in values])
    m = inspect_log(path, LogMapping(fields={"latency": field}))
    assert (m.latency_unit, m.latency.p50) == (unit, p50)


def test_span_latency_says_so(tmp_path):
    spans = [
        {"start_time": "2026-11-02T08:00:00Z", "end_time": "2026-11-02T08:00:01.5Z",
         "context": {"span_id": "0x1"}}
    ]  # fmt: skip
    m = inspect_log(write_jsonl(tmp_path / "s.jsonl", spans), LogMapping(preset="otel_genai"))
    assert (m.latency_unit, m.latency.p50) == ("span", 1500.0)


# ------------------------------------- 10d. placeholder content is no content; distinct


def test_placeholder_content_does_not_count_as_logged(tmp_path):
    # 16 records: 13 placeholders (each word of the list, in other cases and padding), a
    # blank, and 2 real inputs ("claim 7", "Claim 7 again"). Covered: 2; distinct: 2.
    values = [
        "n/a", " N/A ", "na", "None", "NULL", "-", "TBD", "todo", "Unknown",
        "placeholder", "XXX", "test", "Lorem ipsum dolor sit amet", "   ", "claim 7",
        "Claim 7 again",
    ]  # fmt: skip
    rows = [{"request_id": str(i), "input": v} for i, v in enumerate(values)]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert (m.records, m.covered["inputs"], m.distinct["inputs"]) == (16, 2, 2)


def test_a_constant_in_every_record_has_one_distinct_value(tmp_path):
    # 50 records, each with the same decision context and its own input.
    rows = [
        {"request_id": str(i), "input": f"claim {i}", "decision_context": "rule 4.2"}
        for i in range(50)
    ]
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows))
    assert m.covered["decision_context"] == 50
    assert m.distinct["decision_context"] == 1
    # approx_count_distinct (HyperLogLog): within a few per cent of the 50 written.
    assert 47 <= m.distinct["inputs"] <= 53


# ---------------------------------------------------------------- 6. distinct users


@pytest.mark.parametrize(
    ("preset", "rows", "users"),
    [
        # Flat: user_id holds ann, bo, ann, cy -> 3 users.
        ("flat", [{"user_id": u} for u in ("ann", "bo", "ann", "cy")], 3),
        # Flat without user_id, a `user` field: ann, ann -> 1.
        ("flat", [{"user": "ann", "input": "x"}, {"user": "ann", "input": "y"}], 1),
        # No user field at all: not measured.
        ("flat", [{"input": "x"}], None),
        # OpenTelemetry: user.id on two spans, the older enduser.id on a third -> 3 users.
        (
            "otel_genai",
            [
                {"start_time": "2026-11-02T08:00:00Z", "attributes": a}
                for a in (
                    {"user.id": "u1"},
                    {"user.id": "u2"},
                    {"enduser.id": "u3"},
                    {"user.id": "u1"},
                )
            ],
            3,
        ),
    ],
    ids=["flat user_id", "flat user", "none", "otel"],
)
def test_distinct_users_are_counted_where_logged(tmp_path, preset, rows, users):
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows), LogMapping(preset=preset))
    assert m.users == users


def test_a_mapped_user_field_is_counted(tmp_path):
    rows = [{"who": {"id": f"u{i % 7}"}, "input": "x"} for i in range(30)]  # u0..u6: 7 users
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", rows), LogMapping(fields={"user": "who.id"}))
    assert m.users == 7


# ------------------------------------------------ 7. personal data in unmapped fields

ELSEWHERE_ROWS = [
    # Honest fields: the time, the request, the user and ids are never searched.
    {
        "timestamp": "2026-11-02T08:00:00Z",
        "request_id": "4111111111111111",  # Luhn-valid digits, but an id
        "user_id": "jane@example.com",
        "input": "claim text",
        "session": {"id": "0x1c7e1067ad93b4c2", "started": 1762041600000},
    },
    # Personal data where no signal is mapped: 1 e-mail in customer.contact, 1 card in
    # notes (4111 1111 1111 1111 passes Luhn), 1 altered card that fails Luhn (not counted).
    {
        "timestamp": "2026-11-02T09:00:00Z",
        "request_id": "r2",
        "input": "claim text",
        "customer": {"contact": "write to ann.lee@example.org"},
        "notes": ["card 4111 1111 1111 1111 on file", "old card 4111 1111 1111 1112"],
    },
]


def test_personal_data_in_fields_without_a_signal_is_found(tmp_path):
    m = inspect_log(write_jsonl(tmp_path / "l.jsonl", ELSEWHERE_ROWS))
    found = {f.field: f for f in m.pii_elsewhere}
    assert set(found) == {"customer.contact", "notes"}
    assert found["customer.contact"].counts == {"emails": 1, "phones": 0, "cards": 0, "ibans": 0}
    assert found["notes"].counts == {"emails": 0, "phones": 0, "cards": 1, "ibans": 0}
    assert {f.signal for f in m.pii_elsewhere} == {"other"}
    assert m.pii == (), "the mapped input holds none"
    shown = " ".join(e for f in m.pii_elsewhere for e in f.examples)
    assert "ann.lee" not in shown and "4111" not in shown


def test_personal_data_in_other_csv_columns_is_found(tmp_path):
    # comment: one phone (+44 20 7946 0958); created: a timestamp; user_id never searched.
    path = write_csv(
        tmp_path / "l.csv",
        ["timestamp", "request_id", "user_id", "input", "comment", "created"],
        [
            ["2026-11-02T08:00:00Z", "r1", "a@b.example.com", "x", "ring +44 20 7946 0958", "1762041600000"],
            ["2026-11-02T09:00:00Z", "r2", "c@d.example.com", "y", "", "1762041600000"],
        ],
    )  # fmt: skip
    m = inspect_log(path)
    assert [(f.signal, f.field, f.counts) for f in m.pii_elsewhere] == [
        ("other", "comment", {"emails": 0, "phones": 1, "cards": 0, "ibans": 0})
    ]


def test_shipped_example_logs_show_no_personal_data_elsewhere():
    # The examples' ids, span ids and timestamps are no personal data (no false positives).
    from conftest import EXAMPLES

    shipped = sorted((EXAMPLES / "evidence").rglob("*.jsonl*"))
    assert shipped, "the examples ship log samples"
    for path in shipped:
        preset = "otel_genai" if "spans" in path.name else "flat"
        m = inspect_log(path, LogMapping(preset=preset))
        assert m.pii_elsewhere == (), (path.name, m.pii_elsewhere)


# --------------------------------------------- 10g. evaluation provenance and flags


def test_evaluation_origins_and_synthetic_flags(tmp_path):
    # 6 cases: 3 from "production-sample" (2 pass), 3 from "synthetic-gen" (3 pass);
    # the is_synthetic flag is true on 2 rows (yes, TRUE) and false or empty on the rest.
    path = write_csv(
        tmp_path / "e.csv",
        ["case_id", "passed", "source", "is_synthetic"],
        [
            ["c1", "1", "production-sample", "no"],
            ["c2", "1", "production-sample", ""],
            ["c3", "0", "production-sample", "false"],
            ["c4", "1", "synthetic-gen", "yes"],
            ["c5", "1", "synthetic-gen", "TRUE"],
            ["c6", "1", "synthetic-gen", "0"],
        ],
    )
    m = evals.inspect_evaluation(path)
    assert m.origins == {"production-sample": (3, 2), "synthetic-gen": (3, 3)}
    assert m.flagged_synthetic == 2


def test_an_evaluation_without_provenance_has_no_origins(tmp_path):
    path = write_csv(tmp_path / "e.csv", ["case_id", "passed"], [["c1", "1"], ["c2", "0"]])
    m = evals.inspect_evaluation(path)
    assert (m.origins, m.flagged_synthetic) == ({}, 0)


def test_the_first_provenance_column_present_is_used(tmp_path):
    # `dataset` and `generator` both present: `dataset` comes first in the list.
    path = write_csv(
        tmp_path / "e.csv",
        ["case_id", "passed", "generator", "dataset"],
        [["c1", "1", "gpt", "golden"], ["c2", "0", "gpt", "golden"], ["c3", "1", "", ""]],
    )
    m = evals.inspect_evaluation(path)
    # c3 has no dataset: counted under "" would hide it; it is shown as "(none)".
    assert m.origins == {"golden": (2, 1), "(none)": (1, 1)}


# ------------------------------------- 8. document evidence must hold a document

#: 25 words of a plain notice, counted by hand: 4 in the heading (its "#" is no word), 9 + 12.
NOTICE = (
    b"# What the assistant does\n\nIt suggests a triage queue for each new claim. "
    b"The handler confirms or changes the queue before the claim moves on.\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
ACCEPTED = "a document is UTF-8 text unless it is .docx, .jpeg, .jpg, .pdf, .png, .pptx, .xlsx"

DOCUMENT_FILES = [
    # (case, kind, name, bytes, readable, reason or (format, words))
    ("honest notice", "user_notice", "notice.md", NOTICE, True, ("text", 25)),
    # A byte-order mark is no word, and UTF-8 text with one is still text.
    ("honest notice with a BOM", "user_notice", "notice.txt", b"\xef\xbb\xbf" + NOTICE, True,
     ("text", 25)),
    # The red team's one-byte dashboard: text, one word (judged too short by the model).
    ("one byte called a dashboard", "dashboard", "dashboards.md", b"x", True, ("text", 1)),
    # Tags are no words: <h1>Queue</h1><p>one two</p> holds 3.
    ("html counts the words, not the tags", "policy", "policy.html",
     b"<html><body><h1>Queue</h1><p>one two</p></body></html>", True, ("text", 3)),
    # Dashes and bullets hold no letter or digit: "- x -- y" is 2 words.
    ("punctuation is no word", "document", "notes", b"- x -- y\n", True, ("text", 2)),
    ("PNG bytes named .md", "policy", "usage-policy-v2.md", PNG, False,
     f"its .md ending says text, but the file holds a PNG image; {ACCEPTED}"),
    ("a binary file with no ending", "document", "notes", b"abc\x00def", False,
     f"a name without an ending is text, but the file is not UTF-8 text; {ACCEPTED}"),
    ("Latin-1 text", "training", "training.txt", "Schulung für alle".encode("latin-1"), False,
     f"its .txt ending says text, but the file is not UTF-8 text; {ACCEPTED}"),
    ("honest PDF", "security_review", "review.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", True,
     ("a PDF", None)),
    ("text named .pdf", "security_review", "review.pdf", NOTICE, False,
     "its .pdf ending says a PDF, but the file holds text"),
    ("honest docx", "training", "training.docx", b"PK\x03\x04" + bytes(40), True,
     ("an Office document (a zip)", None)),
    ("a PDF named .xlsx", "dashboard", "board.xlsx", b"%PDF-1.4\n", False,
     "its .xlsx ending says an Office document (a zip), but the file holds a PDF"),
    ("honest screenshot", "dashboard", "board.png", PNG, True, ("a PNG image", None)),
    ("honest JPEG", "dashboard", "board.JPG", b"\xff\xd8\xff\xe0" + bytes(20), True,
     ("a JPEG image", None)),
    ("a PNG named .jpg", "dashboard", "board.jpg", PNG, False,
     "its .jpg ending says a JPEG image, but the file holds a PNG image"),
    ("one byte named .png", "dashboard", "board.png", b"x", False,
     "its .png ending says a PNG image, but the file holds text"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "name", "content", "readable", "expected"),
    [r[1:] for r in DOCUMENT_FILES],
    ids=[r[0] for r in DOCUMENT_FILES],
)
def test_a_document_file_must_be_what_its_ending_says(
    tmp_path, kind, name, content, readable, expected
):
    (tmp_path / name).write_bytes(content)
    (found,) = find_evidence(cite(kind, name), tmp_path).items
    assert found.readable is readable, found.reason
    if readable:
        assert (found.measured.format, found.measured.words) == expected
        assert found.sha256 == hashlib.sha256(content).hexdigest()
    else:
        assert (found.reason, found.measured) == (expected, None)


def test_measured_kinds_are_not_read_as_documents(tmp_path):
    # A log is a log: its lines are measured, not its words.
    (tmp_path / "l.jsonl").write_bytes(lines(3))
    (found,) = find_evidence(cite("log_sample", "l.jsonl"), tmp_path).items
    assert found.measured.records == 3


def test_every_shipped_example_document_counts(tmp_path):
    # Every document the examples cite is read as what its ending says and holds at least
    # the 20 words the default catalogue asks (the shortest, invoice-coding's usage policy,
    # has about a hundred).
    from conftest import EXAMPLES
    from workbook.evidence.documents import DOCUMENT_KINDS
    from workbook.model.records import load_record

    checked = 0
    for path in sorted(EXAMPLES.glob("*.yaml")):
        record = load_record(path)
        for f in find_evidence(record, EXAMPLES).items:
            if f.item.kind not in DOCUMENT_KINDS or f.item.path is None:
                continue
            if f.item.path == "evidence/it-ticket-routing/dispatcher-notice.md":
                continue  # deleted on purpose: the example tells of an unreadable notice
            assert f.readable, (path.name, f.item.path, f.reason)
            assert f.measured.words >= 20, (path.name, f.item.path, f.measured)
            checked += 1
    assert checked >= 20, "the examples cite their notices, policies, reports and dashboards"


def test_a_png_policy_named_md_makes_the_policy_unreadable_in_check(tmp_path):
    # The red team's 8c: a newer "policy" of PNG bytes beside an older good one. The newest
    # decides, and it holds no document.
    (tmp_path / "policy.md").write_bytes(NOTICE)
    (tmp_path / "policy-v2.md").write_bytes(PNG)
    record = {
        "schema_version": 1, "id": "r", "name": "R", "stage": "production",
        "governance": {"usage_policy": "Handlers may use the suggestion; they decide the queue"},
        "evidence": [{"kind": "policy", "path": "policy.md", "date": "2026-11-01"},
                     {"kind": "policy", "path": "policy-v2.md", "date": "2026-11-15"}],
    }  # fmt: skip
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(record))
    result = CliRunner().invoke(main, ["check", str(tmp_path / "r.yaml"), "--as-of",
                                       "2026-11-23", "--json"])  # fmt: skip
    (item,) = json.loads(result.output)
    # Claimed production, so every gate's failing criteria are blockers, with their reasons.
    (policy,) = [r for r in item["blockers"] if r["criterion"] == "governance.usage_policy"]
    assert policy["status"] == "unreadable"
    png = "policy-v2.md: its .md ending says text, but the file holds a PNG image"
    assert png in policy["detail"]
    shown = {e["location"]: e for e in item["evidence"]}
    assert shown["policy.md"]["measured"] == {"format": "text", "words": 25}


# ------------------------------ 10c. latency in seconds written in an unmarked field


def test_shipped_example_logs_answer_slower_than_the_believable_floor():
    # A median under the default 50 ms is flagged as seconds read as milliseconds; the
    # examples' logs are real AI calls, each with room to spare (at least twice the floor):
    # the fastest median, it-ticket-routing's gateway, is around 300 ms.
    from conftest import EXAMPLES
    from workbook.model.catalogue import load_catalogue

    floor = load_catalogue().rules.plausibility.min_latency_ms
    assert floor == 50
    shipped = sorted((EXAMPLES / "evidence").rglob("*.jsonl*"))
    assert shipped
    for path in shipped:
        preset = "otel_genai" if "spans" in path.name else "flat"
        m = inspect_log(path, LogMapping(preset=preset))
        assert m.latency is not None and m.latency.p50 >= 2 * floor, (path.name, m.latency)


# --------------------------- 10u. a result column remapped to one that always passes

EVAL_COLUMNS = ["case_id", "slice", "passed", "ok"]
#: 10 cases: the file's own `passed` column passes 6 (c1-c6), the added `ok` passes all 10.
TEN = [[f"c{i}", "motor" if i <= 5 else "home", "1" if i <= 6 else "0", "1"] for i in
       range(1, 11)]  # fmt: skip

EVAL_TABLE = [
    # (case, header, rows, columns, passed, rule, overruled)
    ("honest: the default column", EVAL_COLUMNS, TEN, None, 6, "'passed' column", ""),
    ("an always-passing column mapped as the result", EVAL_COLUMNS, TEN, {"passed": "ok"}, 6,
     "'passed' column, not the mapped 'ok'",
     "from column 'passed'; the mapped 'ok' shows 10 of 10 passing"),
    # Mapped to `passed` itself: `ok` is no result column by name, so it is not consulted.
    ("honest: the default column mapped by name", EVAL_COLUMNS, TEN, {"passed": "passed"}, 6,
     "'passed' column", ""),
    # The mapped column passes fewer (6) than `correct` (10): the mapped one decides.
    ("honest: the mapped column is the stricter",
     ["case_id", "slice", "verdict", "correct"], TEN, {"passed": "verdict"}, 6,
     "'verdict' column", ""),
    # A score of 0.9 passes everywhere at a mark of 0.5; `result` passes 6: 6 decide.
    ("a score mapped beside a result column", ["case_id", "slice", "result", "score"],
     [[c, s, r, "0.9"] for c, s, r, _ in TEN], {"score": "score", "pass_mark": 0.5}, 6,
     "'result' column, not the mapped 'score'",
     "from column 'result'; the mapped 'score' shows 10 of 10 passing"),
    # `result` holds labels, not pass/fail: 0 of 10 readable, not a result column.
    ("honest: a result column of labels is no result", ["case_id", "slice", "result", "ok"],
     [[c, s, "queue-a", "1"] for c, s, _, _ in TEN], {"passed": "ok"}, 10,
     "'ok' column", ""),
    # 5 of 10 `success` values readable (half: it counts), 2 of them passing: 2 decide.
    ("a half-readable result column counts", ["case_id", "slice", "success", "ok"],
     [[c, s, ["1", "1", "0", "0", "0"][i] if i < 5 else "see notes", "1"]
      for i, (c, s, _, _) in enumerate(TEN)], {"passed": "ok"}, 2,
     "'success' column, not the mapped 'ok'",
     "from column 'success'; the mapped 'ok' shows 10 of 10 passing"),
    # 4 of 10 readable (fewer than half): not a result column; `ok` decides.
    ("honest: a mostly unreadable column is no result", ["case_id", "slice", "success", "ok"],
     [[c, s, ["0", "0", "0", "0"][i] if i < 4 else "see notes", "1"]
      for i, (c, s, _, _) in enumerate(TEN)], {"passed": "ok"}, 10, "'ok' column", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "rows", "columns", "passed", "rule", "overruled"),
    [r[1:] for r in EVAL_TABLE],
    ids=[r[0] for r in EVAL_TABLE],
)
def test_the_result_column_that_passes_fewest_cases_decides(
    tmp_path, header, rows, columns, passed, rule, overruled
):
    from workbook.model.records import EvalColumns

    path = write_csv(tmp_path / "e.csv", header, rows)
    spec = EvalColumns(case="case_id", slice="slice", **columns) if columns else None
    m = evals.inspect_evaluation(path, spec)
    assert (m.overall.cases, m.overall.passed, m.rule, m.overruled) == (
        10, passed, rule, overruled,
    )  # fmt: skip
    # Slices follow the column that decided: c1-c5 are motor, c6-c10 home.
    motor = sum(1 for i in range(1, 6) if _passes(header, rows[i - 1], rule))
    assert {s.slice: s.passed for s in m.slices} == {"motor": motor, "home": passed - motor}


def _passes(header: list[str], row: list[str], rule: str) -> bool:
    """Does ``row`` pass by the column ``rule`` names (its first quoted word)?"""
    column = rule.split("'")[1]
    value = row[header.index(column)]
    return float(value) >= 0.5 if column == "score" else value in ("1",)
