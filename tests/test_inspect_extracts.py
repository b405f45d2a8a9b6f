"""Data extracts: declared expectations checked on CSV and Parquet samples, counts computed here."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import FailingConnection, Within, reason_matches, shared_scope
from samples import cite, write_csv, write_parquet
from workbook.evidence import engine, find_evidence
from workbook.evidence.extracts import Check, ExtractMeasures, inspect_extract
from workbook.model.records import DataExpectations

HEADER = ["claim_id", "photos", "opened", "status", "handler"]
ROWS = [
    ["C-001", "2", "2026-11-01", "open", "Ann"],
    ["C-002", "0", "2026-11-02", "closed", "Bo"],
    ["C-003", "2.5", "2026-11-03", "pending", None],
    ["C-003", "1", "2026-11-04", "Open", "Cy"],
    ["C-004", "many", "31/10/2026", "open", None],
    ["C-005", "-1", None, "reopened", "Di"],
    ["C-003", "3", "2026-11-10", "closed", "Ed"],
    ["C-006", None, "2026-02-30", None, None],
    ["C-007", "12", "2026-11-09", "open", "Flo"],
    ["C-008", "4", "2026-11-08", "closed", "Gus"],
]
ALLOWED = ["open", "closed", "pending"]
EXPECT = DataExpectations(
    required_columns=["claim_id", "status", "policy_id"],
    types={"photos": "integer", "opened": "date"},
    allowed_values={"status": ALLOWED},
    unique_key=["claim_id"],
    max_missing_share={"handler": 0.25, "status": 0.2},
    freshness={"column": "opened", "max_age_days": 14},
)
COL = {name: i for i, name in enumerate(HEADER)}


def column(name: str) -> list[str | None]:
    return [r[COL[name]] for r in ROWS]


def not_integer(v: str) -> bool:
    try:
        int(v)
    except ValueError:
        return True
    return False


def not_date(v: str) -> bool:
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return True
    return False


def filled(values: list[str | None]) -> list[str]:
    return [v for v in values if v not in (None, "")]


def expected_checks() -> dict[tuple[str, str], tuple[bool, int]]:
    """(expectation, column) -> (holds, rows breaking it), from the rows."""
    bad_photos = sum(map(not_integer, filled(column("photos"))))
    bad_opened = sum(map(not_date, filled(column("opened"))))
    outside = sum(v not in ALLOWED for v in filled(column("status")))
    keys = column("claim_id")
    # Rows sharing a key with another row (what GX and pandera count, and ``Check.rows``).
    sharing = sum(keys.count(k) for k in set(keys) if keys.count(k) > 1)
    empty_handler = len(ROWS) - len(filled(column("handler")))
    empty_status = len(ROWS) - len(filled(column("status")))
    return {
        ("required", "claim_id"): (True, 0),
        ("required", "status"): (True, 0),
        ("required", "policy_id"): (False, 0),
        ("type integer", "photos"): (bad_photos == 0, bad_photos),
        ("type date", "opened"): (bad_opened == 0, bad_opened),
        ("allowed values", "status"): (outside == 0, outside),
        ("unique key", "claim_id"): (sharing == 0, sharing),
        ("missing share", "handler"): (
            empty_handler / len(ROWS) <= 0.25,
            0 if empty_handler / len(ROWS) <= 0.25 else empty_handler,
        ),
        ("missing share", "status"): (empty_status / len(ROWS) <= 0.2, 0),
    }


def newest_date() -> dt.date:
    return max(dt.date.fromisoformat(v) for v in filled(column("opened")) if not not_date(v))


WRITERS = {
    "csv": lambda d: write_csv(d / "claims.csv", HEADER, ROWS),
    "parquet": lambda d: write_parquet(
        d / "claims.parquet", dict.fromkeys(HEADER, "VARCHAR"), ROWS
    ),
}


def test_the_sample_breaks_what_it_should():
    want = expected_checks()
    assert want[("type integer", "photos")] == (False, 2)  # '2.5', 'many'
    assert want[("type date", "opened")] == (False, 2)  # '31/10/2026', '2026-02-30'
    assert want[("allowed values", "status")] == (False, 2)  # 'Open', 'reopened'
    assert want[("unique key", "claim_id")] == (False, 3)  # C-003 on three rows
    assert want[("missing share", "handler")] == (False, 3)
    assert want[("missing share", "status")] == (True, 0)
    assert newest_date() == dt.date(2026, 11, 10)


@pytest.fixture(scope=shared_scope, params=list(WRITERS))
def measured(request, tmp_path_factory):
    """The sample's measurements, from CSV and from Parquet."""
    return inspect_extract(WRITERS[request.param](tmp_path_factory.mktemp("x")), EXPECT)


def test_expectations_measured_on_the_extract(measured):
    assert (measured.rows, measured.columns) == (len(ROWS), tuple(HEADER))
    results = {(c.expectation, c.column): (c.passed, c.rows) for c in measured.checks}
    assert results == expected_checks()
    assert measured.newest == newest_date()
    assert measured.freshness == ("opened", 14)


def test_failed_checks_say_what_was_found(measured):
    detail = {(c.expectation, c.column): c.detail for c in measured.checks}
    assert detail[("required", "policy_id")] == "column is missing"
    assert (
        detail[("type integer", "photos")] == "2 of 10 values are not integer (e.g. '2.5', 'many')"
    )
    assert detail[("type date", "opened")] == (
        "2 of 10 values are not date (e.g. '2026-02-30', '31/10/2026')"
    )
    assert detail[("allowed values", "status")] == (
        "2 of 10 values outside open, closed, pending (e.g. 'Open', 'reopened')"
    )
    # C-003 is on three rows: all three share it; two of them repeat it (10 rows, 8 keys).
    assert detail[("unique key", "claim_id")] == (
        "3 rows share a key with another row; 2 of them repeat a key already seen "
        "(GX and pandera count the 3)"
    )
    assert detail[("missing share", "handler")] == "30.0% empty (3 of 10); at most 25.0% allowed"
    assert detail[("missing share", "status")] == "10.0% empty (1 of 10); at most 20.0% allowed"


@pytest.mark.parametrize(
    ("as_of", "holds"),
    [(dt.date(2026, 11, 24), True), (dt.date(2026, 11, 25), False)],
    ids=["14 days old", "15 days old"],
)
def test_freshness_is_judged_as_of_a_date(tmp_path, as_of, holds):
    m = inspect_extract(WRITERS["csv"](tmp_path), EXPECT)
    fresh = [c for c in m.results(as_of) if c.expectation == "freshness"]
    age = (as_of - newest_date()).days
    assert fresh == [
        Check(
            "freshness",
            "opened",
            holds,
            f"newest row 2026-11-10 is {age} days old; at most 14 allowed",
        )
    ]
    gaps = {(c.expectation, c.column) for c in m.gaps(as_of)}
    assert (("freshness", "opened") in gaps) is not holds
    assert gaps >= {("type integer", "photos"), ("unique key", "claim_id")}
    assert ("required", "claim_id") not in gaps


def test_freshness_without_a_readable_date(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["id", "opened"], [["1", "soon"], ["2", None]])
    m = inspect_extract(path, DataExpectations(freshness={"column": "opened", "max_age_days": 5}))
    assert m.newest is None
    assert m.results(dt.date(2026, 11, 23)) == [
        Check("freshness", "opened", False, "no readable date in the column")
    ]


def test_freshness_column_absent(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["id"], [["1"]])
    m = inspect_extract(path, DataExpectations(freshness={"column": "opened", "max_age_days": 5}))
    assert m.freshness is None
    assert m.gaps(dt.date(2026, 11, 23)) == [
        Check("freshness", "opened", False, "column is missing")
    ]


def test_timestamps_count_as_dates_for_freshness(tmp_path):
    path = write_csv(
        tmp_path / "x.csv", ["id", "at"], [["1", "2026-11-20 08:30:00"], ["2", "2026-11-19"]]
    )
    m = inspect_extract(path, DataExpectations(freshness={"column": "at", "max_age_days": 5}))
    assert m.newest == dt.date(2026, 11, 20)


# (type, values that fit, values that do not)
TYPE_TABLE = [
    ("integer", ["0", "-3", "+12", "9007199254740993"], ["1.5", "2.25", "seven", "1,000"]),
    ("number", ["1.5", "-0.25", "3", "1e3"], ["one", "1,5", "NaN-ish"]),
    ("boolean", ["true", "false", "TRUE", "1", "0"], ["maybe", "2"]),
    ("date", ["2026-11-01", "2024-02-29"], ["2026-02-30", "01/11/2026", "2025-02-29", "tomorrow"]),
    ("datetime", ["2026-11-01 08:00:00", "2026-11-01T08:00:00"], ["2026-11-01 25:00:00", "08:00"]),
    ("string", ["anything", "1", "true"], []),
]


@pytest.mark.parametrize(("kind", "good", "bad"), TYPE_TABLE, ids=[t[0] for t in TYPE_TABLE])
def test_type_checks(tmp_path, kind, good, bad):
    values = good + bad + [None]
    path = write_csv(tmp_path / "x.csv", ["id", "v"], [[str(i), v] for i, v in enumerate(values)])
    (check,) = inspect_extract(path, DataExpectations(types={"v": kind})).checks
    assert (check.expectation, check.passed, check.rows) == (f"type {kind}", not bad, len(bad))


def test_typed_parquet_columns(tmp_path):
    path = write_parquet(
        tmp_path / "x.parquet",
        {"id": "INTEGER", "amount": "DOUBLE", "opened": "DATE", "flag": "BOOLEAN"},
        [
            [1, 10.0, dt.date(2026, 11, 1), True],
            [2, 1.5, dt.date(2026, 11, 2), False],
            [3, None, None, None],
        ],
    )
    expect = DataExpectations(
        types={"id": "integer", "amount": "integer", "opened": "date", "flag": "boolean"},
        unique_key=["id"],
        max_missing_share={"amount": 0.5},
        freshness={"column": "opened", "max_age_days": 30},
    )
    m = inspect_extract(path, expect)
    result = {(c.expectation, c.column): (c.passed, c.rows) for c in m.checks}
    assert result == {
        ("type integer", "id"): (True, 0),
        ("type integer", "amount"): (False, 1),  # 1.5; 10.0 is a whole number
        ("type date", "opened"): (True, 0),
        ("type boolean", "flag"): (True, 0),
        ("unique key", "id"): (True, 0),
        ("missing share", "amount"): (True, 0),
    }
    assert m.newest == dt.date(2026, 11, 2)


def test_composite_key(tmp_path):
    rows = [["a", "1"], ["a", "2"], ["b", "1"], ["a", "1"], ["a", "1"]]
    path = write_csv(tmp_path / "x.csv", ["k1", "k2"], rows)
    (check,) = inspect_extract(path, DataExpectations(unique_key=["k1", "k2"])).checks
    # (a, 1) is on three rows: 3 share a key, 5 rows - 3 distinct keys = 2 repeat one.
    keys = [tuple(r) for r in rows]
    sharing = sum(1 for k in keys if keys.count(k) > 1)
    assert (sharing, len(keys) - len(set(keys))) == (3, 2)
    assert check == Check(
        "unique key",
        "k1, k2",
        False,
        "3 rows share a key with another row; 2 of them repeat a key already seen "
        "(GX and pandera count the 3)",
        sharing,
    )


def test_expectation_on_an_absent_column_fails_once_per_expectation(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["id"], [["1"]])
    expect = DataExpectations(
        types={"amount": "number"},
        allowed_values={"status": ["open"]},
        unique_key=["id", "line"],
        max_missing_share={"owner": 0.1},
    )
    checks = inspect_extract(path, expect).checks
    assert [(c.expectation, c.column, c.passed, c.detail) for c in checks] == [
        ("type number", "amount", False, "column is missing"),
        ("allowed values", "status", False, "column is missing"),
        ("unique key", "line", False, "column is missing"),
        ("missing share", "owner", False, "column is missing"),
    ]


def test_no_expectations_means_nothing_is_checked(tmp_path):
    m = inspect_extract(write_csv(tmp_path / "x.csv", ["id"], [["1"], ["2"]]))
    assert m == ExtractMeasures(2, ("id",), (), None, None)
    assert m.results(dt.date(2026, 11, 23)) == []


# ------------------------------------------------------------- bad evidence

# (case, file name, content, phrase the reason must contain)
BAD_EXTRACTS = [
    (
        "missing",
        "claims.csv",
        None,
        "read from the record's folder: claims.csv does not exist",
    ),
    ("empty", "claims.csv", b"", "file is empty"),
    ("header only", "claims.csv", b"claim_id,status\n", "the extract has a header but no rows"),
    (
        "JSON lines",
        "claims.jsonl",
        b'{"claim_id": 1}\n',
        "data extracts are read from CSV or Parquet",
    ),
    ("wrong format", "claims.xlsx", b"PK\x03\x04", "cannot measure a '.xlsx' file"),
    ("Parquet suffix on a CSV", "claims.parquet", b"claim_id\n1\n", "not a Parquet file"),
    ("binary in .csv", "claims.csv", bytes(range(256)), "binary data, not CSV"),
    (
        "CSV not UTF-8",
        "claims.csv",
        "id,name\n1,Zo\xeb\n".encode("latin-1"),
        Within("not utf-8 encoded"),
    ),
    (
        "damaged Parquet",
        "claims.parquet",
        b"PAR1" + b"\x05" * 40 + b"PAR1",
        Within("claims.parquet"),
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "phrase"), [c[1:] for c in BAD_EXTRACTS], ids=[c[0] for c in BAD_EXTRACTS]
)
def test_bad_extract_is_unreadable_with_a_reason(tmp_path, name, content, phrase):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    (found,) = find_evidence(cite("data_extract", name), tmp_path).items
    assert (found.readable, found.measured) == (False, None)
    assert reason_matches(found.reason, phrase), found.reason
    assert str(tmp_path) not in found.reason


def test_good_extract_is_measured_through_find_evidence(tmp_path):
    WRITERS["parquet"](tmp_path)
    record = cite("data_extract", "claims.parquet", expectations=EXPECT.model_dump())
    (found,) = find_evidence(record, tmp_path).items
    assert (found.readable, found.reason) == (True, None)
    assert {(c.expectation, c.column): (c.passed, c.rows) for c in found.measured.checks} == (
        expected_checks()
    )


def test_failing_values_shown_as_examples_are_redacted(tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        ["id", "contact"],
        [[1, "alice.secret@example.com"], [2, "+44 20 7946 0958"], [3, "2026-11-01"]],
    )
    (check,) = inspect_extract(path, DataExpectations(types={"contact": "date"})).checks
    assert "alice.secret" not in check.detail and "7946" not in check.detail
    assert check.detail == "2 of 3 values are not date (e.g. '[phone number]', '[e-mail address]')"


# Every kind of expectation, each first on an absent column, then on a present one.
DETAILED = DataExpectations(
    required_columns=["gone", "id"],
    types={"gone": "integer", "amount": "integer"},
    allowed_values={"gone": ["a"], "status": ["open", "closed"]},
    unique_key=["id"],
    max_missing_share={"gone": 0, "note": 0.1},
)


def test_every_check_says_what_it_found_in_words(tmp_path):
    rows = [
        ["1", "open", "5", "a"],
        ["2", "closed", "x1", None],
        ["2", "weird", "x2", "b"],
        ["3", "odd", "x3", "c"],
        ["4", "bad", "x4", "d"],
    ]
    path = write_csv(tmp_path / "x.csv", ["id", "status", "amount", "note"], rows)
    checks = inspect_extract(path, DETAILED).checks
    missing = "column is missing"
    # Counted by hand: x1..x4 are not whole numbers (the first three, sorted, are shown);
    # weird, odd and bad are outside the list; id 2 comes twice; 1 of 5 notes is empty (20%).
    assert [(c.expectation, c.column, c.passed, c.detail, c.rows) for c in checks] == [
        ("required", "gone", False, missing, 0),
        ("required", "id", True, "present", 0),
        ("type integer", "gone", False, missing, 0),
        ("type integer", "amount", False, "4 of 5 values are not integer (e.g. 'x1', 'x2', 'x3')", 4),
        ("allowed values", "gone", False, missing, 0),
        ("allowed values", "status", False, "3 of 5 values outside open, closed (e.g. 'bad', 'odd', 'weird')", 3),
        ("unique key", "id", False, "2 rows share a key with another row; 1 of them repeats a key already seen (GX and pandera count the 2)", 2),
        ("missing share", "gone", False, missing, 0),
        ("missing share", "note", False, "20.0% empty (1 of 5); at most 10.0% allowed", 1),
    ]  # fmt: skip


def test_every_check_that_holds_says_so(tmp_path):
    rows = [["1", "open", "5", "a"], ["2", "closed", "7", "b"], ["3", "open", "-2", "c"]]
    path = write_csv(tmp_path / "x.csv", ["id", "status", "amount", "note"], rows)
    checks = inspect_extract(path, DETAILED).checks
    held = [(c.expectation, c.column, c.detail) for c in checks if c.passed]
    assert held == [
        ("required", "id", "present"),
        ("type integer", "amount", "all integer"),
        ("allowed values", "status", "all values allowed"),
        ("unique key", "id", "every key is unique"),
        ("missing share", "note", "0.0% empty (0 of 3); at most 10.0% allowed"),
    ]


@pytest.mark.parametrize(
    "marker",
    [
        "SELECT count(*) FROM",  # rows
        "AS BIGINT",  # type integer
        "NOT IN (",  # allowed values
        "GROUP BY",  # unique key
        "SELECT count_if((",  # missing share
        "SELECT max(coalesce(",  # freshness
    ],
)
def test_a_failing_query_names_the_file_not_its_folder(tmp_path, monkeypatch, marker):
    rows = [["1", "open", "5", "a", "2026-11-01"]]
    path = write_csv(tmp_path / "x.csv", ["id", "status", "amount", "note", "opened"], rows)
    connect = engine.connect
    monkeypatch.setattr(engine, "connect", lambda: FailingConnection(connect(), marker, path))
    expect = DataExpectations.model_validate(
        {**DETAILED.model_dump(), "freshness": {"column": "opened", "max_age_days": 9}}
    )
    with pytest.raises(engine.Unreadable) as caught:
        inspect_extract(path, expect)
    assert caught.value.reason == "cannot read x.csv"


def test_a_column_name_with_quotes_is_checked_like_any_other(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('id,"amount ""eur"""\n1,2.5\n2,n/a\n')
    (check,) = inspect_extract(path, DataExpectations(types={'amount "eur"': "number"})).checks
    assert (check.column, check.detail) == (
        'amount "eur"',
        "1 of 2 values are not number (e.g. 'n/a')",
    )


def test_examples_are_cut_to_40_characters_and_long_numbers_hidden(tmp_path):
    long = "x" * 45
    rows = [["1", long], ["2", "acct 123456789"], ["3", "acct 12345678"]]
    path = write_csv(tmp_path / "x.csv", ["id", "status"], rows)
    (check,) = inspect_extract(path, DataExpectations(allowed_values={"status": ["ok"]})).checks
    # Nine digits may be an account number: hidden; eight (a date's) stay readable.
    assert check.detail == (
        f"3 of 3 values outside ok (e.g. 'acct 12345678', 'acct [number]', '{'x' * 40}')"
    )
