"""Expectation suites (Great Expectations, pandera) and GX validation results as evidence.

The real files in ``tests/data/real/data`` were written by great_expectations 1.24.1 and
0.18.22 and by pandera 0.35.0 and 0.20.4 (``PROVENANCE.md`` there). Each figure the
workbook measures is compared with what the tool itself wrote (its validation result,
its failure cases), read here with the json and csv modules, and with counts made here
from the CSV text.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import conftest
from conftest import AS_OF, full_record
from samples import cite, write_csv
from workbook.evidence import find_evidence, suites
from workbook.evidence.extracts import Check, ExtractMeasures, inspect_extract
from workbook.model.assess import assess
from workbook.model.records import DataExpectations

REAL = Path(__file__).parent / "data" / "real" / "data"


def rows_of(name: str) -> list[dict[str, str]]:
    """A real CSV's rows as text (an empty cell is missing), read with the csv module."""
    with (REAL / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load(name: str) -> Any:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def measured(extract: str, suite: str | None = None, base: Path = REAL, **expect: Any):
    """The finding for ``extract`` cited with ``suite`` (and inline expectations)."""
    if suite is not None:
        expect["suite"] = suite
    record = cite("data_extract", extract, expectations=expect)
    (found,) = find_evidence(record, base).items
    return found


def plain(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A GX expectation's kwargs without the batch id GX adds when it runs one."""
    return {k: v for k, v in kwargs.items() if k != "batch_id"}


def gx_type(e: dict[str, Any]) -> str:
    return e.get("type") or e["expectation_type"]


# --------------------------------------------------------- GX suites on the real CSV

GX_PAIRS = [
    ("gx1_requests_suite.json", "gx1_requests_validation.json"),
    ("gx018_requests_suite.json", "gx018_requests_validation.json"),
]


@pytest.mark.parametrize(("suite", "validation"), GX_PAIRS, ids=["GX 1.x", "GX 0.18"])
def test_a_gx_suite_checked_on_the_csv_agrees_with_gx_itself(suite, validation):
    found = measured("requests.csv", suite)
    assert (found.readable, found.reason) == (True, None)
    m: ExtractMeasures = found.measured
    expectations = load(suite)["expectations"]
    results = load(validation)["results"]
    # One check per expectation, in the suite's order (GX's results are grouped by column).
    assert len(m.checks) == len(expectations) == 15
    assert m.unchecked == ()
    for e, check in zip(expectations, m.checks, strict=True):
        (r,) = [
            r
            for r in results
            if gx_type(r["expectation_config"]) == gx_type(e)
            and plain(r["expectation_config"]["kwargs"]) == e["kwargs"]
        ]
        assert check.passed is r["success"], (gx_type(e), e["kwargs"], check)
        counted = r["result"].get("unexpected_count")
        if counted is not None and not r["success"]:
            assert check.rows == counted, check
        if counted:
            # Tolerated by mostly, or failing: the same count of the same rows.
            assert check.detail.startswith(f"{counted} of {r['result']['element_count']} "), check
    # GX's own summary: 15 evaluated, 5 unsuccessful.
    stats = load(validation)["statistics"]
    assert sum(not c.passed for c in m.checks) == stats["unsuccessful_expectations"] == 5


def test_gx_suite_figures_match_a_count_of_the_csv_text():
    rows = rows_of("requests.csv")
    channel_out = sum(r["channel"] not in ("web", "email", "chat") for r in rows)
    tokens_out = sum(not 1 <= int(r["prompt_tokens"]) <= 4000 for r in rows)
    latency_over = sum(float(r["latency_ms"]) > 10000 for r in rows)
    empty_language = sum(r["language"] == "" for r in rows)
    empty_customer = sum(r["customer_id"] == "" for r in rows)
    # PROVENANCE.md's planted defects, recounted here from the text.
    assert (len(rows), channel_out, tokens_out, latency_over) == (200, 5, 3, 1)
    assert (empty_language, empty_customer) == (6, 2)
    checks = {
        (c.column, c.expectation): c
        for c in measured("requests.csv", "gx1_requests_suite.json").measured.checks
    }
    assert checks[("channel", "allowed values")].rows == channel_out
    assert checks[("prompt_tokens", "range")].rows == tokens_out
    assert checks[("customer_id", "not null")].rows == empty_customer
    # int64 cannot hold an empty cell: pandas reads the column as float64, so the type fails
    # on exactly the empty cells (GX: observed float64; pandera 0.35: 2 failure cases).
    assert checks[("customer_id", "type integer")] == Check(
        "type integer",
        "customer_id",
        False,
        f"{empty_customer} of 200 values are not integer ({empty_customer} empty, which int64 "
        "cannot hold)",
        empty_customer,
    )
    # mostly 0.95 on not-null: (200 - 6) / 200 = 97% of all rows hold it.
    language = checks[("language", "not null")]
    assert language.passed and language.detail == (
        f"{empty_language} of 200 values are empty; {(200 - empty_language) / 200:.1%} of 200 "
        "values hold it, at least 95% required (mostly 0.95)"
    )
    # mostly 0.99 on between: (200 - 1) / 200 = 99.5% of the 200 filled values.
    latency = checks[("latency_ms", "range")]
    assert latency.passed and latency.detail == (
        "1 of 200 values are not at most 10000 (e.g. '12000.3'); 99.5% of 200 filled values "
        "hold it, at least 99% required (mostly 0.99)"
    )


# ---------------------------------------------------- pandera schemas on the real CSV

#: The workbook's words for a check -> the start of pandera's name for it.
PANDERA_CHECKS = {
    "not null": ("not_nullable",),
    "type integer": ("dtype(",),
    "allowed values": ("isin(",),
    "range": ("in_range(", "less_than", "greater_than"),
    "unique": ("field_uniqueness",),
    "unique key": ("multiple_fields_uniqueness",),
}


def pandera_failures(name: str) -> dict[tuple[str, str], int | None]:
    """(column, check) -> rows pandera found failing (distinct index), None if it gave none."""
    out: dict[tuple[str, str], set[str]] = {}
    for r in rows_of(name):
        if r["check"] == "column_in_dataframe":
            out[(r["failure_case"], "column_in_dataframe")] = set()
            continue
        column = r["column"] if r["schema_context"] == "Column" else "(schema)"
        out.setdefault((column, r["check"]), set()).update({r["index"]} - {""})
    return {k: (len(v) or None) for k, v in out.items()}


def ours_as_pandera(checks: tuple[Check, ...], expected: dict) -> dict[tuple[str, str], int]:
    """Our failing checks, keyed by pandera's name for the same check."""
    out = {}
    for c in checks:
        if c.passed:
            continue
        if c.expectation == "required":
            out[(c.column, "column_in_dataframe")] = 0
            continue
        column = c.column if c.expectation != "unique key" else "(schema)"
        name = next(
            check
            for col, check in expected
            if col == column and check.startswith(PANDERA_CHECKS[c.expectation])
        )
        out[(column, name)] = c.rows
    return out


@pytest.mark.parametrize(
    ("schema", "failures"),
    [
        ("pandera_requests_schema.yaml", "pandera_requests_failure_cases.csv"),
        ("pandera_requests_schema.json", "pandera_requests_failure_cases.csv"),
        ("pandera020_requests_schema.yaml", "pandera020_requests_failure_cases.csv"),
        ("pandera020_requests_schema.json", "pandera020_requests_failure_cases.csv"),
        ("pandera_duplicates_schema.yaml", "pandera_duplicates_failure_cases.csv"),
        ("pandera020_duplicates_schema.json", "pandera020_duplicates_failure_cases.csv"),
    ],
)
def test_a_pandera_schema_fails_what_pandera_failed_with_its_counts(schema, failures):
    extract = "duplicates.csv" if "duplicates" in schema else "requests.csv"
    found = measured(extract, schema)
    assert (found.readable, found.reason) == (True, None)
    expected = pandera_failures(failures)
    ours = ours_as_pandera(found.measured.checks, expected)
    assert set(ours) == set(expected)
    for key, rows in expected.items():
        if rows is not None:  # pandera 0.20 reports a wrong dtype once, without rows
            assert ours[key] == rows, key
    assert found.measured.unchecked == ()


def test_pandera_yaml_and_json_declare_the_same():
    for version in ("pandera", "pandera020"):
        for name in ("requests", "duplicates"):
            yaml_suite = suites.load_cited(REAL, f"{version}_{name}_schema.yaml")
            json_suite = suites.load_cited(REAL, f"{version}_{name}_schema.json")
            strip = [e.__class__(**{**e.__dict__, "origin": ""}) for e in yaml_suite.expectations]
            assert strip == [
                e.__class__(**{**e.__dict__, "origin": ""}) for e in json_suite.expectations
            ]


def test_pandera_has_no_mostly_so_one_value_out_of_range_fails():
    # pandera 0.35 failed latency_ms <= 10000 on one row where GX (mostly 0.99) passed.
    checks = measured("requests.csv", "pandera_requests_schema.yaml").measured.checks
    (latency,) = [c for c in checks if (c.column, c.expectation) == ("latency_ms", "range")]
    assert (latency.passed, latency.rows) == (False, 1)
    # A missing column pandera requires fails once, as pandera reports it once.
    assert [c.detail for c in checks if c.column == "consent_given"] == ["column is missing"]


# ----------------------------------------------------------------------- uniqueness


def key_counts(rows: list[dict[str, str]], *columns: str) -> tuple[int, int]:
    """(rows sharing a key with another row, rows repeating a key already seen)."""
    seen = Counter(tuple(r[c] for c in columns) for r in rows)
    sharing = sum(n for n in seen.values() if n > 1)
    return sharing, len(rows) - len(seen)


@pytest.mark.parametrize(
    "suite",
    ["gx1_duplicates_suite.json", "gx018_duplicates_suite.json", "pandera_duplicates_schema.yaml"],
)
def test_uniqueness_counts_rows_sharing_a_key_as_gx_and_pandera_do(suite):
    rows = rows_of("duplicates.csv")
    assert key_counts(rows, "request_id") == (54, 27)
    assert key_counts(rows, "customer_id", "received_on") == (54, 27)
    gx = {gx_type(r["expectation_config"]): r["result"]["unexpected_count"]
          for r in load("gx1_duplicates_validation.json")["results"]}  # fmt: skip
    assert gx == {
        "expect_column_values_to_be_unique": 54,
        "expect_compound_columns_to_be_unique": 54,
    }
    checks = {c.expectation: c for c in measured("duplicates.csv", suite).measured.checks
              if c.expectation in ("unique", "unique key")}  # fmt: skip
    assert checks["unique"] == Check(
        "unique",
        "request_id",
        False,
        "54 rows share a value with another row; 27 of them repeat a value already seen "
        "(GX and pandera count the 54)",
        54,
    )
    assert checks["unique key"] == Check(
        "unique key",
        "customer_id, received_on",
        False,
        "54 rows share a key with another row; 27 of them repeat a key already seen "
        "(GX and pandera count the 54)",
        54,
    )


def test_inline_unique_columns_leave_empty_values_out(tmp_path):
    # "a" on rows 1 and 3; two empty cells are no value to repeat (as GX counts).
    path = write_csv(tmp_path / "x.csv", ["id", "mail"], [[1, "a"], [2, None], [3, "a"], [4, None]])
    (check,) = inspect_extract(path, DataExpectations(unique_columns=["mail"])).checks
    assert check == Check(
        "unique",
        "mail",
        False,
        "2 rows share a value with another row; 1 of them repeats a value already seen "
        "(GX and pandera count the 2)",
        2,
    )


# --------------------------------------------------------- GX validation results


@pytest.mark.parametrize("validation", ["gx1_requests_validation.json", "gx018_requests_validation.json",
                                        "gx1_duplicates_validation.json", "gx018_duplicates_validation.json"])  # fmt: skip
def test_a_gx_validation_result_is_read_as_gx_reports_it(validation):
    doc = load(validation)
    found = measured(validation)
    assert (found.readable, found.reason) == (True, None)
    m: ExtractMeasures = found.measured
    assert len(m.checks) == doc["statistics"]["evaluated_expectations"] == len(doc["results"])
    assert sum(not c.passed for c in m.checks) == doc["statistics"]["unsuccessful_expectations"]
    # Rows: GX's element_count (the same on every result that counts rows).
    counts = {
        r["result"]["element_count"] for r in doc["results"] if "element_count" in r["result"]
    }
    assert counts == {200} and m.rows == 200
    for r, check in zip(doc["results"], m.checks, strict=True):
        assert check.passed is r["success"]
        if not r["success"] and "unexpected_count" in r["result"]:
            assert check.rows == r["result"]["unexpected_count"]
    version = doc["meta"]["great_expectations_version"]
    assert m.reported_by.startswith(f"Great Expectations {version}, suite ")
    assert m.ran == dt.date(2026, 12, 4)  # PROVENANCE.md: run on 2026-12-04


def test_a_validation_of_the_cited_suite_shows_every_expectation():
    found = measured("gx1_requests_validation.json", "gx1_requests_suite.json")
    assert (found.readable, found.measured.unchecked) == (True, ())


def test_a_declared_expectation_the_validation_did_not_run_is_not_checked():
    # GX checked channel against web, email, chat; the record allows only web and email,
    # and asks for a unique key GX never checked: neither is shown by the result.
    found = measured(
        "gx1_requests_validation.json",
        allowed_values={"channel": ["web", "email"]},
        unique_key=["request_id"],
        max_missing_share={"language": 0.05},
    )
    unchecked = [(c.column, c.expectation, c.detail) for c in found.measured.unchecked]
    why = (
        "not checked: the validation result shows no GX check of it at least as strict; cite "
        "the extract itself (CSV or Parquet) or add it to the suite GX runs"
    )
    assert unchecked == [
        ("channel", "allowed values", why),
        ("request_id", "unique key", why),
    ]
    # language may be 5% empty: GX's mostly 0.95 on not-null checks exactly that.


def test_a_validation_result_with_no_results_is_no_evidence(tmp_path):
    doc = {**load("gx1_requests_validation.json"), "results": []}
    doc["statistics"] = {**doc["statistics"], "evaluated_expectations": 0}
    (tmp_path / "v.json").write_text(json.dumps(doc))
    found = measured("v.json", base=tmp_path)
    assert not found.readable
    assert found.reason.startswith(
        "this Great Expectations validation result holds no evaluated expectations"
    )


def test_a_result_marked_successful_against_its_own_counts_fails(tmp_path):
    doc = load("gx1_requests_validation.json")
    (channel,) = [r for r in doc["results"]
                  if r["expectation_config"]["kwargs"].get("column") == "channel"
                  and "value_set" in r["expectation_config"]["kwargs"]]  # fmt: skip
    channel["success"] = True  # 5 of 200 outside, no mostly: GX would have failed it
    (tmp_path / "v.json").write_text(json.dumps(doc))
    checks = measured("v.json", base=tmp_path).measured.checks
    (check,) = [c for c in checks if (c.column, c.expectation) == ("channel", "allowed values")]
    assert not check.passed
    assert check.detail.endswith("; GX says it held, but its own counts say otherwise")


def test_a_failed_validation_fails_even_when_every_result_passed(tmp_path):
    doc = load("gx1_requests_validation.json")
    doc["results"] = [r for r in doc["results"] if r["success"]]
    (tmp_path / "v.json").write_text(json.dumps(doc))  # overall success stays false
    checks = measured("v.json", base=tmp_path).measured.checks
    assert checks[-1] == Check(
        "validation", "(suite)", False, "GX reports the validation as failed"
    )


# ---------------------------------------------------------------- small edge cases


def gx_suite(*expectations: dict[str, Any]) -> str:
    return json.dumps({"name": "s", "expectations": list(expectations)})


def checked(tmp_path: Path, header, rows, *expectations: dict[str, Any]) -> ExtractMeasures:
    write_csv(tmp_path / "x.csv", header, rows)
    (tmp_path / "s.json").write_text(gx_suite(*expectations))
    found = measured("x.csv", "s.json", base=tmp_path)
    assert found.readable, found.reason
    return found.measured


@pytest.mark.parametrize(
    ("empty", "mostly", "holds"), [(2, 0.8, True), (3, 0.8, False), (0, 1, True)]
)
def test_mostly_on_not_null_is_over_all_rows(tmp_path, empty, mostly, holds):
    # 10 rows: (10 - 2) / 10 = 0.8 reaches mostly 0.8; (10 - 3) / 10 = 0.7 does not.
    rows = [[i, None if i < empty else "x"] for i in range(10)]
    kw = {"column": "v", "mostly": mostly}
    m = checked(
        tmp_path, ["id", "v"], rows, {"type": "expect_column_values_to_not_be_null", "kwargs": kw}
    )
    (check,) = m.checks
    assert (check.passed, check.rows) == (holds, 0 if holds else empty)


@pytest.mark.parametrize(("mostly", "holds"), [(0.875, True), (0.9, False)])
def test_mostly_on_a_value_check_is_over_the_filled_values(tmp_path, mostly, holds):
    # 10 rows, 2 empty, 1 of the 8 filled outside the set: 7 / 8 = 0.875 hold.
    values = [None, None, "z", "a", "a", "b", "a", "b", "a", "a"]
    kw = {"column": "v", "value_set": ["a", "b"], "mostly": mostly}
    m = checked(tmp_path, ["id", "v"], [[i, v] for i, v in enumerate(values)],
                {"type": "expect_column_values_to_be_in_set", "kwargs": kw})  # fmt: skip
    (check,) = m.checks
    assert check.passed is holds
    assert check.detail.startswith("1 of 10 values outside a, b (e.g. 'z'); 87.5% of 8 filled")


@pytest.mark.parametrize(
    ("strict", "breaking", "words"),
    [
        ({}, 0, "all values between 0 and 10"),
        ({"strict_min": True}, 1, "1 of 5 values are not above 0 and at most 10 (e.g. '0')"),
        ({"strict_min": True, "strict_max": True}, 2,
         "2 of 5 values are not above 0 and below 10 (e.g. '0', '10')"),
    ],
)  # fmt: skip
def test_between_is_inclusive_unless_strict(tmp_path, strict, breaking, words):
    rows = [[i, v] for i, v in enumerate(["0", "1", "5", "10", None])]
    kw = {"column": "v", "min_value": 0, "max_value": 10, **strict}
    m = checked(
        tmp_path, ["id", "v"], rows, {"type": "expect_column_values_to_be_between", "kwargs": kw}
    )
    assert m.checks == (Check("range", "v", not breaking, words, breaking),)


def test_a_value_that_is_no_number_lies_in_no_range(tmp_path):
    m = checked(tmp_path, ["v"], [["3"], ["n/a"]],
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "v", "min_value": 1}})  # fmt: skip
    assert m.checks == (
        Check("range", "v", False, "1 of 2 values are not at least 1 (e.g. 'n/a')", 1),
    )


def test_inline_ranges_are_inclusive(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["v"], [["1"], ["2.5"], ["4"], ["5"]])
    (check,) = inspect_extract(path, DataExpectations(ranges={"v": {"min": 1, "max": 4}})).checks
    assert check == Check(
        "range", "v", False, "1 of 4 values are not between 1 and 4 (e.g. '5')", 1
    )


def test_an_unknown_expectation_type_is_listed_not_checked_and_not_passed(tmp_path):
    m = checked(
        tmp_path, ["id", "v"], [[1, "a"], [2, "b"]],
        {"type": "expect_column_to_exist", "kwargs": {"column": "v"}},
        {"type": "expect_column_kl_divergence_to_be_less_than", "kwargs": {"column": "v", "threshold": 0.1}},
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "v", "value_set": ["a"], "row_condition": 'id>1'}},
    )  # fmt: skip
    assert m.checks == (Check("required", "v", True, "present"),)
    assert m.unchecked == (
        Check("expect_column_kl_divergence_to_be_less_than", "v", False,
              "not checked by the workbook (from s.json): the workbook does not check this "
              "expectation type"),
        Check("expect_column_values_to_be_in_set", "v", False,
              "not checked by the workbook (from s.json): it applies only to the rows its "
              "row_condition selects"),
    )  # fmt: skip


def test_an_unchecked_expectation_keeps_the_gate_unverified(default_catalogue):
    m = ExtractMeasures(
        40,
        ("id",),
        (
            Check("required", "id", True, "present"),
            Check("unique", "id", True, "every value is unique"),
            Check("not null", "id", True, "no value is empty"),
        ),
        unchecked=(
            Check("expect_column_kl_divergence_to_be_less_than", "v", False, "not checked"),
        ),
    )
    record = full_record()
    result = assess(record, default_catalogue, AS_OF,
                    conftest.findings(record, None, {"data_extract": m}))  # fmt: skip
    r = next(r for r in result.results if r.criterion.id == "data.quality_measured")
    assert r.status == "unverified"
    assert r.detail.startswith(
        "1 declared expectation could not be checked: v "
        "expect_column_kl_divergence_to_be_less_than: not checked; cite the tool's validation "
        "result for them"
    )


def test_a_loose_mostly_is_too_loose_to_count(default_catalogue):
    m = ExtractMeasures(
        40, ("id",),
        tuple(Check(e, "id", True, "fine") for e in ("required", "unique", "not null")),
        tolerated=(("id", "not null", 0.5),),
    )  # fmt: skip
    record = full_record()
    result = assess(record, default_catalogue, AS_OF,
                    conftest.findings(record, None, {"data_extract": m}))  # fmt: skip
    r = next(r for r in result.results if r.criterion.id == "data.quality_measured")
    assert r.status == "unverified"
    assert "id not null may fail for 50% of its values (mostly 0.5); at most 20%" in r.detail


# (type name a tool writes, workbook type and whether an empty value breaks it)
TYPE_NAMES = [
    ("int64", ("integer", True)),
    ("Int64", ("integer", False)),
    ("float64", ("number", False)),
    ("object", ("string", False)),
    ("str", ("string", False)),
    ("bool", ("boolean", True)),
    ("boolean", ("boolean", False)),
    ("datetime64[ns]", ("datetime", False)),
    ("datetime64[ns, UTC]", ("datetime", False)),
    ("VARCHAR(20)", ("string", False)),
    ("TIMESTAMP", ("datetime", False)),
    ("LongType", ("integer", False)),
    ("category", None),
]


@pytest.mark.parametrize(("name", "expected"), TYPE_NAMES, ids=[t[0] for t in TYPE_NAMES])
def test_type_names_of_the_tools(name, expected):
    assert suites.workbook_type(name) == expected


# ------------------------------------------------------------------ bad suite files


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "suite s.json: not valid JSON at line 1: Expecting property name"),
        (gx_suite({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "v", "mostly": 1.5}}),
         "suite s.json: expectations[0].kwargs.mostly: must be a share from 0 to 1, not 1.5"),
        (gx_suite({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "v", "value_set": "a"}}),
         "suite s.json: expectations[0].kwargs.value_set: must be a list of values"),
        (gx_suite({"kwargs": {"column": "v"}}), "suite s.json: expectations[0].type: missing"),
        (gx_suite({"type": "expect_column_values_to_be_between", "kwargs": {"column": "v"}}),
         "suite s.json: expectations[0].kwargs: gives neither min_value nor max_value"),
        (json.dumps({"results": [], "statistics": {}}),
         "suite s.json: this is a Great Expectations validation result"),
        (json.dumps({"hello": 1}), "suite s.json: neither a Great Expectations suite"),
    ],
    ids=["not JSON", "mostly", "value_set", "no type", "no bounds", "a validation", "other"],
)  # fmt: skip
def test_a_malformed_suite_names_the_file_and_the_field(tmp_path, content, reason):
    write_csv(tmp_path / "x.csv", ["v"], [["1"]])
    (tmp_path / "s.json").write_text(content)
    found = measured("x.csv", "s.json", base=tmp_path)
    assert (found.readable, found.measured) == (False, None)
    assert found.reason.startswith(reason), found.reason


def test_a_suite_outside_the_folder_or_a_link_is_refused(tmp_path):
    inner = tmp_path / "record"
    inner.mkdir()
    write_csv(inner / "x.csv", ["v"], [["1"]])
    (tmp_path / "s.json").write_text(gx_suite())
    found = measured("x.csv", "../s.json", base=inner)
    assert (found.readable, found.reason) == (
        False,
        "suite ../s.json: path leaves the record's folder",
    )
    os.symlink(tmp_path / "s.json", inner / "link.json")
    found = measured("x.csv", "link.json", base=inner)
    assert found.reason == "suite link.json: the file is a symbolic link; cite the file itself"
    found = measured("x.csv", "absent.json", base=inner)
    assert found.reason == "suite absent.json: file not found"


def test_a_huge_suite_is_refused(tmp_path):
    write_csv(tmp_path / "x.csv", ["v"], [["1"]])
    (tmp_path / "s.json").write_text(" " * (suites.MAX_SUITE_BYTES + 1))
    found = measured("x.csv", "s.json", base=tmp_path)
    assert found.reason.startswith("suite s.json: larger than 1,048,576 bytes")


def test_a_changed_suite_is_measured_again(tmp_path):
    # The extract's bytes are the same; the suite decides what is checked.
    write_csv(tmp_path / "x.csv", ["v"], [["a"], ["b"]])
    in_set = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "v"}}
    (tmp_path / "s.json").write_text(
        gx_suite({**in_set, "kwargs": {"column": "v", "value_set": ["a", "b"]}})
    )
    first = measured("x.csv", "s.json", base=tmp_path).measured
    (tmp_path / "s.json").write_text(
        gx_suite({**in_set, "kwargs": {"column": "v", "value_set": ["a"]}})
    )
    second = measured("x.csv", "s.json", base=tmp_path).measured
    assert [c.passed for c in first.checks] == [True]
    assert [c.passed for c in second.checks] == [False]
    assert first.suite_sha256 != second.suite_sha256


# ------------------------------------------------- a real CSV with mixed line endings


def test_a_csv_with_mixed_line_endings_is_measured():
    raw = (REAL / "cgm_mixed_line_endings.csv").read_bytes()
    assert raw.count(b"\r\n") == 200 and raw.endswith(b"165\n")  # PROVENANCE.md
    rows = rows_of("cgm_mixed_line_endings.csv")
    above = sum(int(r["glucose"]) > 377 for r in rows)
    found = measured(
        "cgm_mixed_line_endings.csv",
        required_columns=["isig", "datetime", "glucose"],
        ranges={"glucose": {"min": 83, "max": 377}},
    )
    assert (found.readable, found.reason) == (True, None)
    m = found.measured
    assert (m.rows, m.columns) == (len(rows), ("isig", "datetime", "glucose")) == (200, m.columns)
    assert m.checks[-1] == Check(
        "range",
        "glucose",
        False,
        f"{above} of 200 values are not between 83 and 377 (e.g. '378')",
        above,
    )


@pytest.mark.parametrize(("threshold", "shown"), [(0.1, True), (0.05, False)])
def test_an_expectation_the_workbook_cannot_check_is_shown_by_gx_running_the_same(
    tmp_path, threshold, shown
):
    kl = "expect_column_kl_divergence_to_be_less_than"
    doc = load("gx1_requests_validation.json")
    ran = {"type": kl, "kwargs": {"batch_id": "b", "column": "rating", "threshold": 0.1}}
    doc["results"].append({"success": True, "expectation_config": ran, "result": {}})
    (tmp_path / "v.json").write_text(json.dumps(doc))
    suite = load("gx1_requests_suite.json")
    suite["expectations"].append(
        {"type": kl, "kwargs": {"column": "rating", "threshold": threshold}}
    )
    (tmp_path / "s.json").write_text(json.dumps(suite))
    m = measured("v.json", "s.json", base=tmp_path).measured
    assert [c.expectation for c in m.unchecked] == ([] if shown else [kl])
    # GX ran it and says it held: a check like any other, in GX's words.
    assert m.checks[-1] == Check(kl, "rating", True, "GX reports it held")


def test_the_extract_view_lists_what_was_not_checked_and_who_checked(default_catalogue):
    from bs4 import BeautifulSoup

    from workbook.present import measured as views

    m = ExtractMeasures(
        200,
        ("id",),
        (Check("required", "id", True, "present"),),
        unchecked=(Check("expect_<b>x</b>", "v", False, "not checked by the workbook: why"),),
        reported_by="Great Expectations 1.24.1, suite s",
        ran=dt.date(2026, 12, 4),
    )
    record = full_record()
    a = assess(
        record, default_catalogue, AS_OF, conftest.findings(record, None, {"data_extract": m})
    )
    view = views.extracts_view(a)
    page = BeautifulSoup(view.html, "html.parser")
    assert page.select("b") == []  # the tool's text is shown, never run as markup
    text = page.get_text(" ", strip=True)
    assert "Checked by Great Expectations 1.24.1, suite s on 2026-12-04" in text
    assert "1 declared expectation not checked" in text
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in page.select("table.wb-unchecked tbody tr")]  # fmt: skip
    assert rows == [["v", "expect_<b>x</b>", "not checked by the workbook: why"]]
    assert view.text.endswith("0 of 1 expectations fail; 1 declared but not checked")


def test_editing_the_suite_changes_the_digest_a_sign_off_quotes(tmp_path):
    """The suite judges the extract: a sign-off given before it was loosened must go stale."""
    from workbook.model.assess import compute_digest
    from workbook.model.catalogue import load_catalogue

    catalogue = load_catalogue()
    (tmp_path / "requests.csv").write_bytes((REAL / "requests.csv").read_bytes())
    suite = tmp_path / "suite.json"
    suite.write_bytes((REAL / "gx1_requests_suite.json").read_bytes())
    record = cite("data_extract", "requests.csv", expectations={"suite": "suite.json"})

    def digest() -> str:
        return compute_digest(record, find_evidence(record, tmp_path), catalogue)

    before = digest()
    # The same expectations with one `mostly` loosened: the extract's bytes are unchanged.
    text = suite.read_text(encoding="utf-8").replace('"mostly": 0.95', '"mostly": 0.5')
    assert text != suite.read_text(encoding="utf-8")
    suite.write_text(text, encoding="utf-8")
    assert digest() != before


def test_a_validation_result_is_as_old_as_the_run_it_reports(tmp_path):
    """Re-dating an old GX run does not make it fresh: the run day decides its age."""
    from workbook.model.catalogue import load_catalogue

    (tmp_path / "v.json").write_bytes((REAL / "gx1_requests_validation.json").read_bytes())
    # GX ran it on 2026-12-04 (PROVENANCE.md); cited as of 2027-03-30 and assessed on
    # 2027-04-01 it is 118 days old (27 + 31 + 28 + 31 + 1 = 118 > 90 allowed for extracts).
    item = {"kind": "data_extract", "path": "v.json", "date": "2027-03-30"}
    record = full_record({"evidence": [item]})
    findings = find_evidence(record, tmp_path)
    result = assess(record, load_catalogue(), dt.date(2027, 4, 1), findings)
    (quality,) = [r for r in result.results if r.criterion.id == "data.quality_measured"]
    assert quality.status == "stale"
    assert "2027-03-30, run on 2026-12-04) is 118 days old" in quality.detail
