"""Evaluation results: Wilson intervals against published values, pass rates per slice, and
files that cannot be read."""

from __future__ import annotations

import math

import pytest

from conftest import FailingConnection, reason_matches
from samples import cite, write_csv, write_jsonl
from workbook.evidence import engine, find_evidence
from workbook.evidence.evals import PassRate, inspect_evaluation, wilson
from workbook.model.records import EvalColumns

Z = 1.959963984540054  # the 97.5% point of the standard normal distribution


def wilson_reference(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval, closed form: (2np + z² ± z√(z² + 4np(1-p))) / 2(n + z²)."""
    p = k / n
    root = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    return (
        (2 * n * p + Z * Z - root) / (2 * (n + Z * Z)),
        (2 * n * p + Z * Z + root) / (2 * (n + Z * Z)),
    )


# (passed, cases, lower, upper): the worked examples of Newcombe (1998), "Two-sided confidence
# intervals for the single proportion", Statistics in Medicine 17:857-872, Table I, method 3
# (score interval without continuity correction), as printed there to four decimals.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]
# The extremes, from the closed form by hand: with k = 0 the interval is [0, z²/(n + z²)], with
# k = n it is [n/(n + z²), 1]; z² = 3.8415, so 0/10 -> 3.8415/13.8415 = 0.2775,
# 10/10 -> 10/13.8415 = 0.7225 and 29/29 -> 29/32.8415 = 0.8830.
EXTREMES = [
    (29, 29, 0.8830, 1.0),
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
]


@pytest.mark.parametrize(("passed", "cases", "lower", "upper"), NEWCOMBE + EXTREMES)
def test_the_closed_form_reproduces_the_published_values(passed, cases, lower, upper):
    """The reference below is the formula, not the code: it must agree with the paper first."""
    low, high = wilson_reference(passed, cases)
    assert (round(low, 4), round(high, 4)) == (lower, upper)


@pytest.mark.parametrize(("passed", "cases", "lower", "upper"), NEWCOMBE + EXTREMES)
def test_wilson_matches_published_values(passed, cases, lower, upper):
    low, high = wilson(passed, cases)
    assert (round(low, 4), round(high, 4)) == (lower, upper)


@pytest.mark.parametrize(
    ("passed", "cases"), [(114, 120), (295, 300), (19, 20), (1, 2), (50, 100), (3, 1000)]
)
def test_wilson_matches_the_closed_form(passed, cases):
    assert wilson(passed, cases) == pytest.approx(wilson_reference(passed, cases), abs=1e-12)


def test_wilson_114_of_120():
    # p = 0.95, n = 120: (228 + 3.8415 -/+ 1.96 * sqrt(3.8415 + 22.8)) / (2 * 123.8415)
    # = (231.8415 -/+ 10.1166) / 247.683 = 0.8952 to 0.9769.
    assert [round(x, 4) for x in wilson(114, 120)] == [0.8952, 0.9769]


def test_wilson_stays_within_zero_and_one():
    assert wilson(0, 5)[0] == 0.0
    assert wilson(5, 5)[1] == 1.0
    # Exactly 1 and 0 by the formula; in floating point 11/11 reaches 1.0000000000000002 and
    # 0/21 -1.2e-17: a proportion's bounds are clamped to [0, 1].
    assert wilson(11, 11)[1] == 1.0
    assert wilson(0, 21)[0] == 0.0
    # No cases: nothing is known, the whole range is possible.
    assert wilson(0, 0) == (0.0, 1.0)


def test_a_narrower_confidence_gives_a_narrower_interval():
    # z = 1 (about 68%) for 81 of 263: p = 0.30798, (2np + 1 -/+ sqrt(1 + 4np(1-p))) / 2(n + 1)
    # = (162 + 1 -/+ sqrt(1 + 224.21)) / 528 = (163 -/+ 15.007) / 528 = 0.2803 to 0.3371.
    assert [round(x, 4) for x in wilson(81, 263, z=1.0)] == [0.2803, 0.3371]


def test_small_samples_give_wide_intervals():
    """19 of 20 is a promising start, not proof of a 90% system; 1,900 of 2,000 is."""
    assert round(PassRate(None, 20, 19).lower, 4) == round(wilson_reference(19, 20)[0], 4) == 0.7639
    assert PassRate(None, 2000, 1900).lower > 0.9


def test_pass_rate_properties():
    # Newcombe's first example again, through the pass-rate record that dossiers read.
    r = PassRate("motor", 263, 81)
    assert r.rate == pytest.approx(81 / 263)
    assert [round(x, 4) for x in r.interval] == [0.2553, 0.3662]
    assert round(r.lower, 4) == 0.2553
    assert PassRate(None, 0, 0).rate == 0.0
    assert PassRate(None, 0, 0).interval == (0.0, 1.0)


# --------------------------------------------------------------- measuring

CASES = [
    # (case id, result as written, slice)
    ("c01", "1", "motor"),
    ("c02", "0", "motor"),
    ("c03", "true", "motor"),
    ("c04", "PASS", "home"),
    ("c05", "fail", "home"),
    ("c06", "yes", "home"),
    ("c07", "No", "home"),
    ("c08", "passed", "travel"),
    ("c09", "F", "travel"),
    ("c10", " ok ", "travel"),
]
PASSING_WORDS = {"1", "true", "pass", "yes", "passed", "ok"}


def passes(written: str) -> bool:
    return written.strip().lower() in PASSING_WORDS


def test_csv_pass_rates_overall_and_per_slice(tmp_path):
    path = write_csv(tmp_path / "eval.csv", ["case_id", "passed", "slice"], CASES)
    m = inspect_evaluation(path)
    assert m.overall == PassRate(None, 10, sum(passes(r) for _, r, _ in CASES))
    assert m.overall.passed == 6
    expected = {
        s: PassRate(s, sum(c[2] == s for c in CASES), sum(passes(r) for _, r, t in CASES if t == s))
        for s in ("home", "motor", "travel")
    }
    assert m.slices == tuple(expected[s] for s in sorted(expected))
    assert m.rule == "'passed' column"


def test_jsonl_with_booleans_and_no_slice(tmp_path):
    rows = [{"case_id": i, "passed": i % 4 != 0, "notes": "x"} for i in range(1, 41)]
    m = inspect_evaluation(write_jsonl(tmp_path / "eval.jsonl", rows))
    assert m.overall == PassRate(None, 40, 30)
    assert m.slices == ()


def test_named_columns(tmp_path):
    path = write_csv(
        tmp_path / "eval.csv",
        ["id", "verdict", "segment"],
        [["a", "pass", "x"], ["b", "fail", "x"], ["c", "pass", "y"]],
    )
    m = inspect_evaluation(path, EvalColumns(case="id", passed="verdict", slice="segment"))
    assert m.overall == PassRate(None, 3, 2)
    assert m.slices == (PassRate("x", 2, 1), PassRate("y", 1, 1))
    assert m.rule == "'verdict' column"


def test_score_and_pass_mark(tmp_path):
    scores = [0.95, 0.8, 0.79999, 0.5, 1.0, 0.81]
    path = write_csv(
        tmp_path / "eval.csv", ["case_id", "score"], [[f"c{i}", s] for i, s in enumerate(scores)]
    )
    m = inspect_evaluation(path, EvalColumns(score="score", pass_mark=0.8))
    assert m.overall == PassRate(None, 6, sum(s >= 0.8 for s in scores))
    assert m.overall.passed == 4
    assert m.rule == "score 'score' at or above 0.8"


# ----------------------------------------------------------- bad evidence

# (case, file name, content, columns, phrase the reason must contain)
BAD_EVALS = [
    (
        "missing",
        "eval.csv",
        None,
        None,
        "read from the record's folder: eval.csv does not exist",
    ),
    ("empty", "eval.csv", "", None, "file is empty"),
    ("wrong format", "eval.xlsx", "case_id,passed\n1,1\n", None, "cannot measure a '.xlsx' file"),
    (
        "maybe",
        "eval.csv",
        "case_id,passed\nc1,1\nc2,maybe\nc3,0\nc4,maybe\n",
        None,
        "2 case(s) have no readable result (first: case c2); expected pass or fail, 1 or 0, true or false",
    ),
    (
        "empty result",
        "eval.csv",
        "case_id,passed\nc1,\nc2,1\n",
        None,
        "1 case(s) have no readable result (first: case c1)",
    ),
    (
        "repeated case ids",
        "eval.csv",
        "case_id,passed\nc1,1\nc1,0\nc2,1\nc2,1\nc3,1\n",
        None,
        "2 case id(s) repeat; one row per case is expected",
    ),
    (
        "case without id",
        "eval.csv",
        "case_id,passed\n,1\nc2,0\n",
        None,
        "1 case(s) have no case id in column 'case_id'",
    ),
    (
        "no case id column",
        "eval.csv",
        "id,passed\n1,1\n",
        None,
        "no column 'case_id' for the case id; the file has id, passed",
    ),
    (
        "no passed column",
        "eval.csv",
        "case_id,result\n1,1\n",
        None,
        "no 'passed' column; name the pass/fail column, or a score and pass mark",
    ),
    (
        "named column absent",
        "eval.csv",
        "case_id,passed\n1,1\n",
        {"passed": "verdict"},
        "no column 'verdict' for the pass/fail result; the file has case_id, passed",
    ),
    (
        "score not a number",
        "eval.csv",
        "case_id,score\nc1,high\nc2,0.7\n",
        {"score": "score", "pass_mark": 0.5},
        "1 case(s) have no readable result (first: case c1); expected a number",
    ),
    (
        "named slice absent",
        "eval.csv",
        "case_id,passed\n1,1\n",
        {"slice": "segment"},
        "no column 'segment' for the slice; the file has case_id, passed",
    ),
    (
        "named score absent",
        "eval.csv",
        "case_id,passed\n1,1\n",
        {"score": "points", "pass_mark": 0.5},
        "no column 'points' for the score; the file has case_id, passed",
    ),
    ("header only", "eval.csv", "case_id,passed\n", None, "no cases in the file"),
    (
        "lines not JSON",
        "eval.jsonl",
        '{"case_id": 1, "passed": true}\ncase 2 passed\n',
        None,
        "not valid JSON lines at line 2",
    ),
    ("binary", "eval.csv", "\x00\x01\x02case_id", None, "binary data, not CSV"),
]


@pytest.mark.parametrize(
    ("name", "content", "columns", "phrase"),
    [c[1:] for c in BAD_EVALS],
    ids=[c[0] for c in BAD_EVALS],
)
def test_bad_evaluation_is_unreadable_with_a_reason(tmp_path, name, content, columns, phrase):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    settings = {"columns": columns} if columns else {}
    (found,) = find_evidence(cite("evaluation", name, **settings), tmp_path).items
    assert (found.readable, found.measured) == (False, None)
    assert reason_matches(found.reason, phrase), found.reason
    assert str(tmp_path) not in found.reason


def test_unreadable_is_raised_by_the_inspector(tmp_path):
    path = write_csv(tmp_path / "eval.csv", ["case_id", "passed"], [["a", "maybe"]])
    with pytest.raises(engine.Unreadable, match="no readable result"):
        inspect_evaluation(path)


def test_good_evaluation_is_measured_through_find_evidence(tmp_path):
    write_csv(tmp_path / "eval.csv", ["case_id", "passed", "slice"], CASES)
    (found,) = find_evidence(cite("evaluation", "eval.csv"), tmp_path).items
    assert (found.readable, found.reason) == (True, None)
    assert found.measured.overall == PassRate(None, 10, 6)


def test_a_nan_score_is_no_result_not_a_pass(tmp_path):
    # NaN sorts above every number in DuckDB, so a careless comparison would pass it.
    path = write_csv(tmp_path / "e.csv", ["case_id", "score"], [[1, "nan"], [2, 0.1], [3, 0.9]])
    with pytest.raises(engine.Unreadable, match=r"1 case\(s\) have no readable result"):
        inspect_evaluation(path, EvalColumns(score="score", pass_mark=0.8))


def test_a_case_id_changing_type_late_in_jsonl_is_read(tmp_path):
    rows = [{"case_id": i, "passed": 1} for i in range(30_000)]
    rows.append({"case_id": "jane.doe@example.com", "passed": 0})
    m = inspect_evaluation(write_jsonl(tmp_path / "e.jsonl", rows))
    assert (m.overall.cases, m.overall.passed) == (30_001, 30_000)


def test_case_ids_differing_only_by_spaces_are_the_same_case(tmp_path):
    path = write_csv(
        tmp_path / "e.csv", ["case_id", "passed"], [["C-1", 1], ["C-1 ", 1], ["C-2", 0]]
    )
    with pytest.raises(engine.Unreadable, match=r"1 case id\(s\) repeat"):
        inspect_evaluation(path)


def test_a_pass_mark_of_zero_passes_every_score_not_below_it(tmp_path):
    path = write_csv(tmp_path / "e.csv", ["case_id", "score"], [[1, 0], [2, 0.5], [3, -0.1]])
    m = inspect_evaluation(path, EvalColumns(score="score", pass_mark=0))
    assert (m.overall.cases, m.overall.passed, m.rule) == (3, 2, "score 'score' at or above 0")


def test_a_gzip_compressed_jsonl_evaluation_is_read(tmp_path):
    rows = [{"case_id": f"c{i}", "passed": i % 3 != 0, "slice": "ab"[i % 2]} for i in range(12)]
    m = inspect_evaluation(write_jsonl(tmp_path / "e.jsonl.gz", rows, gz=True))
    # i % 3 == 0 fails: 0, 3, 6, 9; slice a holds the even i (0, 6 fail), b the odd (3, 9 fail).
    assert m.overall == PassRate(None, 12, 8)
    assert m.slices == (PassRate("a", 6, 4), PassRate("b", 6, 4))


@pytest.mark.parametrize("marker", ["DESCRIBE", "count(*) FILTER", "GROUP BY s"])
def test_a_failing_query_names_the_file_not_its_folder(tmp_path, monkeypatch, marker):
    path = write_csv(tmp_path / "e.csv", ["case_id", "passed"], [["c1", 1]])
    connect = engine.connect
    monkeypatch.setattr(engine, "connect", lambda: FailingConnection(connect(), marker, path))
    with pytest.raises(engine.Unreadable) as caught:
        inspect_evaluation(path)
    assert caught.value.reason == "cannot read e.csv"
