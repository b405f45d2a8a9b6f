"""Evaluation results as the tools write them: promptfoo, inspect_ai, lm-evaluation-harness
and MLflow files from tests/data/real/evals/ (see its PROVENANCE.md), read natively.

Every expected figure is counted here from the file itself with the json, zipfile and csv
modules, and checked against the tool's own summary (promptfoo ``results.stats``, inspect
``results.scores``, lm-eval's results JSON, MLflow's aggregate metrics); never by calling the
code under test. Small hand-made files cover the edges (zip bombs, 1.0/0.0 results,
repeated (doc_id, filter) lines).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import struct
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from backports import zstd

from samples import cite, write_csv, write_jsonl, write_parquet
from workbook.errors import Unreadable
from workbook.evidence import engine, find_evidence, harnesses
from workbook.evidence.evals import PassRate, inspect_evaluation
from workbook.model.records import EvalColumns

REAL = Path(__file__).parent / "data" / "real" / "evals"


def one(pattern: str) -> Path:
    """The one real file matching ``pattern`` (lm-eval names carry the run's timestamp)."""
    (path,) = sorted(REAL.glob(pattern))
    return path


def tally(rows: list[tuple[str | None, str]]) -> tuple[PassRate, tuple[PassRate, ...]]:
    """Overall and per-slice pass rates of (slice, outcome) pairs, outcome in passed /
    failed / errored: the definition PROVENANCE.md states, counted by hand."""
    per: dict[str | None, Counter[str]] = defaultdict(Counter)
    for s, outcome in rows:
        per[s][outcome] += 1

    def rate(s: str | None, c: Counter[str]) -> PassRate:
        return PassRate(s, sum(c.values()), c["passed"], c["errored"])

    total = sum(per.values(), Counter())
    slices = tuple(rate(s, per[s]) for s in sorted(per, key=str) if s is not None)
    return rate(None, total), slices


# ------------------------------------------------------------------ promptfoo


def promptfoo_rows(doc: dict, slice_of) -> list[tuple[str | None, str]]:
    rows = []
    for r in doc["results"]["results"]:
        # ResultFailureReason: 0 none, 1 assertion failed, 2 error (promptfoo src/types).
        if r.get("failureReason") == 2:
            outcome = "errored"
        else:
            outcome = "passed" if r["success"] is True else "failed"
        rows.append((slice_of(r), outcome))
    return rows


def test_promptfoo_results_with_errors_apart_from_fails():
    path = REAL / "promptfoo" / "results.json"
    doc = json.loads(path.read_text())
    overall, slices = tally(promptfoo_rows(doc, lambda r: r["testCase"]["metadata"]["slice"]))
    stats = doc["results"]["stats"]
    # The tool's own summary agrees with the count: 19 successes, 8 failures, 3 errors.
    assert (
        (overall.cases, overall.passed, overall.errors)
        == (
            stats["successes"] + stats["failures"] + stats["errors"],
            stats["successes"],
            stats["errors"],
        )
        == (30, 19, 3)
    )
    m = inspect_evaluation(path)
    assert (m.overall, m.slices, m.errors) == (overall, slices, 3)
    assert m.overall.failed == stats["failures"] == 8
    assert m.rule == (
        "'success' of each promptfoo result (a case per test, prompt and provider; "
        "3 errored, counted as not passing: the provider or the run failed, so nothing "
        "was graded)"
    )


def test_promptfoo_two_prompts_a_case_per_test_and_prompt():
    path = REAL / "promptfoo" / "results-2prompts.json"
    doc = json.loads(path.read_text())
    stats = doc["results"]["stats"]
    # No `slice` key in any test's metadata or vars: no slices, 20 results are 20 cases
    # although each test appears twice (once per prompt).
    overall, _ = tally(promptfoo_rows(doc, lambda r: None))
    assert (
        (overall.cases, overall.passed, overall.errors)
        == (20, stats["successes"], 0)
        == (20, 16, 0)
    )
    assert len({r["testIdx"] for r in doc["results"]["results"]}) == 10
    m = inspect_evaluation(path)
    assert (m.overall, m.slices) == (overall, ())
    # A plain name is looked up in the test's metadata, then its vars.
    by_category = tally(promptfoo_rows(doc, lambda r: r["vars"]["category"]))
    m = inspect_evaluation(path, EvalColumns(slice="category"))
    assert (m.overall, m.slices) == by_category
    assert [(s.slice, s.cases, s.passed) for s in m.slices] == [
        ("billing", 10, 7),
        ("shipping", 10, 9),
    ]
    # A dotted name is a path in the result: the prompt's label, checked against the tool's
    # per-prompt metrics (testPassCount).
    m = inspect_evaluation(path, EvalColumns(slice="prompt.label"))
    per_prompt = {p["label"]: p["metrics"]["testPassCount"] for p in doc["results"]["prompts"]}
    assert {s.slice: s.passed for s in m.slices} == per_prompt == {"v1": 7, "v2": 9}


def test_promptfoo_a_named_score_reads_the_entry_and_its_pass_mark():
    path = REAL / "promptfoo" / "results.json"
    doc = json.loads(path.read_text())
    # The entry's own `score` (0..1; math-09 has 0.5): errored entries stay errored.
    rows = []
    for r in doc["results"]["results"]:
        if r["failureReason"] == 2:
            rows.append((None, "errored"))
        else:
            rows.append((None, "passed" if r["score"] >= 0.5 else "failed"))
    overall, _ = tally(rows)
    m = inspect_evaluation(path, EvalColumns(score="score", pass_mark=0.5, slice="slice"))
    assert m.overall == overall
    assert overall.passed == 20  # 19 successes and math-09, half its assertions passing


def test_promptfoo_a_named_case_id_is_looked_up_in_the_test_metadata():
    path = REAL / "promptfoo" / "results.json"
    doc = json.loads(path.read_text())
    ids = [r["testCase"]["metadata"]["case_id"] for r in doc["results"]["results"]]
    assert len(set(ids)) == len(ids) == 30
    m = inspect_evaluation(path, EvalColumns(case="case_id"))
    assert (m.overall.cases, m.overall.passed, m.errors) == (30, 19, 3)
    with pytest.raises(engine.Unreadable, match="no field 'ticket' for the case id in any record"):
        inspect_evaluation(path, EvalColumns(case="ticket"))


def test_promptfoo_case_ids_that_repeat_are_refused(tmp_path):
    # The same entry written twice (a padded file): the same test, prompt and provider.
    doc = json.loads((REAL / "promptfoo" / "results.json").read_text())
    doc["results"]["results"].append(doc["results"]["results"][0])
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(engine.Unreadable, match=r"^1 case id\(s\) repeat"):
        inspect_evaluation(path)


# ------------------------------------------------------------------ inspect_ai


def eval_members(path: Path) -> dict[str, object]:
    """Every JSON member of an .eval archive: deflate through zipfile, zstd (method 93,
    which Python 3.11's zipfile refuses) from the raw bytes after each local header."""
    out = {}
    with zipfile.ZipFile(path) as z, path.open("rb") as raw:
        for info in z.infolist():
            if info.compress_type != 93:
                out[info.filename] = json.loads(z.read(info))
                continue
            raw.seek(info.header_offset)
            local = raw.read(30)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            raw.seek(info.header_offset + 30 + name_len + extra_len)
            out[info.filename] = json.loads(zstd.decompress(raw.read(info.compress_size)))
    return out


def inspect_rows(samples: list[dict], scorer: str) -> list[tuple[str | None, str]]:
    rows = []
    for s in samples:
        if s.get("error"):
            rows.append((s["metadata"]["slice"], "errored"))
        else:
            value = s["scores"][scorer]["value"]
            rows.append((s["metadata"]["slice"], "passed" if value == "C" else "failed"))
    return rows


def check_summary(results: dict, scorer: str, overall: PassRate, epochs: int = 1) -> None:
    """inspect's own summary: every sample and epoch logged, errored ones not completed,
    accuracy over the scored samples (with epochs, of each sample's mean over its epochs)."""
    (score,) = [s for s in results["scores"] if s["name"] == scorer]
    assert results["total_samples"] == overall.cases
    assert results["completed_samples"] == overall.cases - overall.errors
    accuracy = score["metrics"]["accuracy"]["value"]
    assert round(accuracy * score["scored_samples"] * epochs) == overall.passed


@pytest.mark.parametrize("name", ["support_qa.eval", "support_qa_deflate.eval"])
def test_inspect_eval_zip_zstd_and_deflate(name):
    path = REAL / "inspect" / name
    members = eval_members(path)
    samples = [v for k, v in members.items() if k.startswith("samples/")]
    overall, slices = tally(inspect_rows(samples, "includes"))
    check_summary(members["header.json"]["results"], "includes", overall)
    assert (overall.cases, overall.passed, overall.errors) == (20, 13, 2)
    m = inspect_evaluation(path)
    assert (m.overall, m.slices, m.errors) == (overall, slices, 2)
    assert m.rule.startswith(
        "scorer 'includes' (C passes, and I, P (partial) and N (no answer) do not; "
        "a case per sample and epoch; 2 errored, counted as not passing"
    )


def test_inspect_eval_zip_epochs_are_cases_not_repeats():
    path = REAL / "inspect" / "support_qa_epochs2.eval"
    members = eval_members(path)
    samples = [v for k, v in members.items() if k.startswith("samples/")]
    # Each id twice, once per epoch: 20 ids, 40 cases.
    assert len({s["id"] for s in samples}) == 20 and len(samples) == 40
    overall, slices = tally(inspect_rows(samples, "includes"))
    check_summary(members["header.json"]["results"], "includes", overall, epochs=2)
    m = inspect_evaluation(path)
    assert (m.overall, m.slices) == (overall, slices)
    assert (m.overall.cases, m.overall.passed, m.errors) == (40, 26, 4)


def test_inspect_two_scorers_the_one_passing_fewest_decides_unless_named():
    path = REAL / "inspect" / "support_qa_two_scorers.eval"
    members = eval_members(path)
    samples = [v for k, v in members.items() if k.startswith("samples/")]
    results = members["header.json"]["results"]
    includes, by_includes = tally(inspect_rows(samples, "includes"))
    match, by_match = tally(inspect_rows(samples, "match"))
    check_summary(results, "includes", includes)
    check_summary(results, "match", match)
    assert (includes.passed, match.passed) == (13, 10)
    m = inspect_evaluation(path)
    assert (m.overall, m.slices) == (match, by_match)
    assert m.rule.startswith(
        "scorer 'match' (of 2 scorers, the one passing fewest: scorer 'includes' passes 13; "
    )
    m = inspect_evaluation(path, EvalColumns(passed="includes"))
    assert (m.overall, m.slices) == (includes, by_includes)
    assert m.rule.startswith("scorer 'includes' (C passes")


def test_inspect_json_log():
    path = REAL / "inspect" / "support_qa.json"
    doc = json.loads(path.read_text())
    overall, slices = tally(inspect_rows(doc["samples"], "includes"))
    check_summary(doc["results"], "includes", overall)
    assert (overall.cases, overall.passed, overall.errors) == (18, 13, 0)
    m = inspect_evaluation(path)
    assert (m.overall, m.slices, m.errors) == (overall, slices, 0)


@pytest.mark.parametrize(
    ("csv_name", "log_name"),
    [("support_qa_samples.csv", "support_qa.eval"),
     ("support_qa_epochs2_samples.csv", "support_qa_epochs2.eval")],
)  # fmt: skip
def test_inspect_samples_df_csv(csv_name, log_name):
    path = REAL / "inspect" / csv_name
    rows = []
    with path.open(newline="") as f:
        table = list(csv.DictReader(f))
    for r in table:
        outcome = (
            "errored" if r["error"] else ("passed" if r["score_includes"] == "C" else "failed")
        )
        rows.append((r["metadata_slice"], outcome))
    overall, slices = tally(rows)
    members = eval_members(REAL / "inspect" / log_name)
    epochs = 2 if "epochs2" in log_name else 1
    check_summary(members["header.json"]["results"], "includes", overall, epochs)
    m = inspect_evaluation(path)
    assert (m.overall, m.slices, m.errors) == (overall, slices, overall.errors)
    # Declared as inspect's, the CSV is read the same.
    assert inspect_evaluation(path, declared="inspect").overall == overall


# ------------------------------------------------------------------ lm-evaluation-harness


def lm_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def lm_results(task: str) -> dict:
    doc = json.loads(one("lm_eval/results_*.json").read_text())
    return {"figures": doc["results"][task], "n": doc["n-samples"][task]["effective"]}


def test_lm_eval_two_filters_each_a_slice_the_one_passing_fewest_decides():
    path = one("lm_eval/samples_support_abbrev_*.jsonl")
    lines = lm_lines(path)
    # Each document once per filter: doc_id repeats, (doc_id, filter) does not.
    assert len(lines) == 24 and len({(x["doc_id"], x["filter"]) for x in lines}) == 24
    per_filter = {
        f: tally([(f, "passed" if x["exact_match"] == 1.0 else "failed")
                  for x in lines if x["filter"] == f])[0]
        for f in ("flexible-extract", "strict-match")
    }  # fmt: skip
    results = lm_results("support_abbrev")
    for f, rate in per_filter.items():
        assert rate.cases == results["n"]
        assert round(results["figures"][f"exact_match,{f}"] * rate.cases) == rate.passed
    m = inspect_evaluation(path)
    strict = per_filter["strict-match"]
    assert (m.overall.cases, m.overall.passed) == (strict.cases, strict.passed) == (12, 0)
    assert m.slices == tuple(PassRate(f, r.cases, r.passed) for f, r in sorted(per_filter.items()))
    assert m.rule == (
        "metric 'exact_match' of filter 'strict-match' (of 2 filters, the one passing "
        "fewest: 'flexible-extract' passes 4 of 12, 'strict-match' passes 0 of 12; "
        "a case per document and filter)"
    )
    # One filter named, as lm-eval names its results ("metric,filter").
    m = inspect_evaluation(path, EvalColumns(passed="exact_match,flexible-extract"))
    flexible = per_filter["flexible-extract"]
    assert (m.overall.cases, m.overall.passed) == (flexible.cases, flexible.passed) == (12, 4)
    assert m.rule.startswith("metric 'exact_match' of filter 'flexible-extract'")
    # A slice named: within the deciding filter, by the document's category.
    m = inspect_evaluation(
        path, EvalColumns(passed="exact_match,flexible-extract", slice="category")
    )
    by_category = tally([(x["doc"]["category"], "passed" if x["exact_match"] == 1.0 else "failed")
                         for x in lines if x["filter"] == "flexible-extract"])  # fmt: skip
    assert (m.overall, m.slices) == by_category


def test_lm_eval_two_metrics_the_one_passing_fewest_decides():
    path = one("lm_eval/samples_support_mc_*.jsonl")
    lines = lm_lines(path)
    results = lm_results("support_mc")
    counted = {
        metric: tally(
            [(x["doc"]["category"], "passed" if x[metric] == 1.0 else "failed") for x in lines]
        )
        for metric in ("acc", "acc_norm")
    }
    for metric, (overall, _) in counted.items():
        assert round(results["figures"][f"{metric},none"] * results["n"]) == overall.passed
    assert (counted["acc"][0].passed, counted["acc_norm"][0].passed) == (7, 9)
    m = inspect_evaluation(path, EvalColumns(slice="doc.category"))
    assert (m.overall, m.slices) == counted["acc"]
    assert m.rule == (
        "metric 'acc' (of 2 metrics, the one passing fewest: metric 'acc_norm' passes 9; "
        "a case per document and filter)"
    )
    m = inspect_evaluation(path, EvalColumns(passed="acc_norm", slice="category"))
    assert (m.overall, m.slices) == counted["acc_norm"]


def test_lm_eval_a_repeated_document_and_filter_is_refused(tmp_path):
    lines = lm_lines(one("lm_eval/samples_support_abbrev_*.jsonl"))
    path = write_jsonl(tmp_path / "samples_t.jsonl", [*lines, lines[3]])
    with pytest.raises(engine.Unreadable, match=r"^1 case id\(s\) repeat"):
        inspect_evaluation(path)


def test_lm_eval_a_metric_that_is_not_pass_fail_needs_a_pass_mark(tmp_path):
    rows = [{"doc_id": i, "doc": {}, "filter": "none", "metrics": ["f1"], "f1": f}
            for i, f in enumerate([1.0, 0.5, 0.0, 0.8])]  # fmt: skip
    path = write_jsonl(tmp_path / "samples_t.jsonl", rows)
    with pytest.raises(engine.Unreadable, match="expected metric 'f1' to be 1 or 0"):
        inspect_evaluation(path)
    m = inspect_evaluation(path, EvalColumns(score="f1", pass_mark=0.75))
    assert (m.overall.cases, m.overall.passed) == (4, 2)  # 1.0 and 0.8


# ------------------------------------------------------------------ MLflow


def test_mlflow_table_rows_are_cases_an_empty_score_errored():
    path = REAL / "mlflow" / "eval_results_table.json"
    doc = json.loads(path.read_text())
    rows = []
    for values in doc["data"]:
        rec = dict(zip(doc["columns"], values, strict=True))
        score = rec["correct/score"]
        outcome = "errored" if score is None else ("passed" if score == 1 else "failed")
        rows.append((rec["slice"], outcome))
    overall, slices = tally(rows)
    aggregate = json.loads((REAL / "mlflow" / "metrics.json").read_text())
    # MLflow's own aggregate is over the scored rows only: 13 of 18.
    assert aggregate["correct/count"] == overall.cases - overall.errors == 18
    assert round(aggregate["correct/mean"] * aggregate["correct/count"]) == overall.passed == 13
    m = inspect_evaluation(path)
    assert (m.overall, m.slices, m.errors) == (overall, slices, 2)
    assert m.rule.startswith("'correct/score' column (a case per row; 2 errored")
    named = inspect_evaluation(path, EvalColumns(passed="correct/score"))
    assert named.overall == overall


def test_mlflow_without_an_id_column_numbers_the_rows(tmp_path):
    doc = {"columns": ["question", "exact/score"],
           "data": [["a", 1], ["b", 0], ["c", 1], ["a", 1]]}  # fmt: skip
    path = tmp_path / "eval_results_table.json"
    path.write_text(json.dumps(doc))
    m = inspect_evaluation(path)
    assert (m.overall.cases, m.overall.passed, m.errors) == (4, 3, 0)


# ------------------------------------------------------------------ through find_evidence


@pytest.mark.parametrize(
    ("source", "cases", "passed"),
    [("promptfoo/results.json", 30, 19),
     ("inspect/support_qa.eval", 20, 13),
     ("mlflow/eval_results_table.json", 20, 13)],
)  # fmt: skip
def test_real_files_are_measured_when_cited_without_a_format(tmp_path, source, cases, passed):
    # Figures from the tests above (each counted from the file by hand).
    shutil.copy(REAL / source, tmp_path / Path(source).name)
    (found,) = find_evidence(cite("evaluation", Path(source).name), tmp_path).items
    assert (found.readable, found.reason) == (True, None)
    assert (found.measured.overall.cases, found.measured.overall.passed) == (cases, passed)


def test_a_tool_format_named_on_the_wrong_file_says_what_it_is(tmp_path):
    shutil.copy(REAL / "mlflow" / "eval_results_table.json", tmp_path / "t.json")
    (found,) = find_evidence(cite("evaluation", "t.json", format="promptfoo"), tmp_path).items
    assert not found.readable
    assert found.reason.startswith("declared as a promptfoo results file (format: promptfoo)")


# ------------------------------------------------------------------ generic tables


def test_numbers_exactly_one_or_zero_read_as_pass_or_fail(tmp_path):
    written = ["1.0", "0.0", "1", "0", " 1.00 ", "0e0"]
    path = write_csv(
        tmp_path / "e.csv", ["case_id", "passed"], [[f"c{i}", v] for i, v in enumerate(written)]
    )
    m = inspect_evaluation(path)
    assert (m.overall.cases, m.overall.passed) == (6, 3)
    rows = [
        {"case_id": "a", "acc": 1.0},
        {"case_id": "b", "acc": 0.0},
        {"case_id": "c", "acc": "1.0"},
    ]
    m = inspect_evaluation(write_jsonl(tmp_path / "e.jsonl", rows), EvalColumns(passed="acc"))
    assert (m.overall.cases, m.overall.passed) == (3, 2)


@pytest.mark.parametrize("value", ["0.5", "2", "nan", "-1"])
def test_other_numbers_are_no_pass_fail_result(tmp_path, value):
    path = write_csv(tmp_path / "e.csv", ["case_id", "passed"], [["c1", "1.0"], ["c2", value]])
    with pytest.raises(
        engine.Unreadable, match=r"^1 case\(s\) have no readable result \(first: case c2\)"
    ):
        inspect_evaluation(path)


def test_one_json_document_with_a_records_path_and_nested_columns(tmp_path):
    cases = [
        {"meta": {"id": "a1", "language": "en"}, "verdict": {"ok": True}},
        {"meta": {"id": "a2", "language": "en"}, "verdict": {"ok": False}},
        {"meta": {"id": "a3", "language": "de"}, "verdict": {"ok": 1.0}},
    ]
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"run": {"name": "nightly", "cases": cases}}, indent=2))
    spec = EvalColumns(case="meta.id", passed="verdict.ok", slice="meta.language")
    m = inspect_evaluation(path, spec, declared="json", records="run.cases")
    assert m.overall == PassRate(None, 3, 2)
    assert m.slices == (PassRate("de", 1, 1), PassRate("en", 2, 1))
    (found,) = find_evidence(
        cite("evaluation", "run.json", records="run.cases",
             columns={"case": "meta.id", "passed": "verdict.ok", "slice": "meta.language"}),
        tmp_path,
    ).items  # fmt: skip
    assert found.measured.overall == PassRate(None, 3, 2)


def test_one_json_document_without_a_records_path_says_so(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"cases": [{"case_id": "a", "passed": 1}]}, indent=2))
    with pytest.raises(engine.Unreadable, match="name the list of records"):
        inspect_evaluation(path)


def test_a_parquet_table_is_read(tmp_path):
    path = write_parquet(
        tmp_path / "e.parquet",
        {"case_id": "VARCHAR", "passed": "BOOLEAN", "slice": "VARCHAR"},
        [["c1", True, "a"], ["c2", False, "a"], ["c3", True, "b"]],
    )
    m = inspect_evaluation(path)
    assert m.overall == PassRate(None, 3, 2)
    assert m.slices == (PassRate("a", 2, 1), PassRate("b", 1, 1))


# ------------------------------------------------------------------ inspect_ai by hand


def inspect_doc(values: list[object], **sample_extra: object) -> dict:
    samples = [
        {"id": f"s{i}", "epoch": 1, "scores": {"judge": {"value": v}},
         "metadata": {"slice": "x"}, **sample_extra}
        for i, v in enumerate(values)
    ]  # fmt: skip
    return {"version": 2, "status": "success", "eval": {"task": "t"}, "samples": samples}


def test_inspect_partial_and_no_answer_do_not_pass(tmp_path):
    values = ["C", "I", "P", "N", "CORRECT", "INCORRECT", 1, 0, 1.0]
    path = tmp_path / "log.json"
    path.write_text(json.dumps(inspect_doc(values), indent=2))
    m = inspect_evaluation(path)
    # C, CORRECT, 1 and 1.0 pass; I, P, N, INCORRECT and 0 do not.
    assert (m.overall.cases, m.overall.passed) == (9, 4)
    assert "C passes, and I, P (partial) and N (no answer) do not" in m.rule
    # Read against a pass mark, letters are inspect's value_to_float: C 1, P 0.5, I and N 0.
    m = inspect_evaluation(path, EvalColumns(score="judge", pass_mark=0.5))
    assert (m.overall.cases, m.overall.passed) == (9, 5)


def test_inspect_a_run_that_did_not_finish_is_said_so(tmp_path):
    doc = inspect_doc(["C", "I"])
    doc["status"] = "cancelled"
    path = tmp_path / "log.json"
    path.write_text(json.dumps(doc, indent=2))
    m = inspect_evaluation(path)
    assert (m.overall.cases, m.overall.passed) == (2, 1)
    assert m.rule.endswith(
        "the run ended with status 'cancelled': only the samples it logged count)"
    )


def test_inspect_a_log_without_samples_says_what_to_cite(tmp_path):
    doc = inspect_doc([])
    del doc["samples"]
    path = tmp_path / "log.json"
    path.write_text(json.dumps(doc, indent=2))
    with pytest.raises(engine.Unreadable, match="holds no samples"):
        inspect_evaluation(path)


def test_inspect_a_named_scorer_must_exist(tmp_path):
    path = tmp_path / "log.json"
    path.write_text(json.dumps(inspect_doc(["C"]), indent=2))
    with pytest.raises(
        engine.Unreadable, match="no scorer 'grader' in the log's samples; its scorers: judge"
    ):
        inspect_evaluation(path, EvalColumns(passed="grader"))


# ------------------------------------------------------------------ zip archives


def write_eval(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def sample_member(i: int, value: str = "C") -> bytes:
    return json.dumps({"id": f"s{i}", "epoch": 1, "scores": {"judge": {"value": value}},
                       "metadata": {}}).encode()  # fmt: skip


HEADER = json.dumps({"version": 2, "status": "success", "eval": {"task": "t"}}).encode()


def test_a_small_deflated_eval_archive_is_read(tmp_path):
    path = write_eval(tmp_path / "log.eval", {"header.json": HEADER,
                      **{f"samples/s{i}_epoch_1.json": sample_member(i, "CI"[i % 2]) for i in range(6)}})  # fmt: skip
    m = inspect_evaluation(path)
    assert (m.overall.cases, m.overall.passed) == (6, 3)


def test_a_member_declaring_more_than_the_limit_is_refused_unread(tmp_path):
    # 65 MiB of spaces inside one JSON value: deflate packs it into about 65 KB.
    big = b'{"id": "s0", "pad": "' + b" " * (65 * 1024 * 1024) + b'"}'
    path = write_eval(
        tmp_path / "log.eval", {"header.json": HEADER, "samples/s0_epoch_1.json": big}
    )
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(engine.Unreadable, match="as a zip bomb does; it was not unpacked"):
        inspect_evaluation(path)


def test_a_member_packed_a_thousand_fold_is_refused(tmp_path):
    # 4 MiB of spaces pack about 1,000-fold: beyond 100 times, whatever the total.
    big = b'{"id": "s0", "pad": "' + b" " * (4 * 1024 * 1024) + b'"}'
    path = write_eval(
        tmp_path / "log.eval", {"header.json": HEADER, "samples/s0_epoch_1.json": big}
    )
    with pytest.raises(engine.Unreadable, match="times its packed size unpacked, as a zip bomb"):
        inspect_evaluation(path)


def lie_about_sizes(path: Path, member: str, size: int) -> None:
    """Rewrite the sizes ``member`` declares (local header and central directory)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(member)
    # Local header: uncompressed size at offset 22.
    struct.pack_into("<I", data, info.header_offset + 22, size)
    # Central directory entry: found by its signature and name; uncompressed size at 24.
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", data, at + 24, size)
    path.write_bytes(bytes(data))


def test_a_member_lying_about_its_size_is_stopped_while_unpacked(tmp_path):
    big = b'{"id": "s0", "pad": "' + b" " * (4 * 1024 * 1024) + b'"}'
    path = write_eval(
        tmp_path / "log.eval", {"header.json": HEADER, "samples/s0_epoch_1.json": big}
    )
    lie_about_sizes(path, "samples/s0_epoch_1.json", 1000)
    with zipfile.ZipFile(path) as z:  # the lie is what the archive now declares
        assert z.getinfo("samples/s0_epoch_1.json").file_size == 1000
    with pytest.raises(engine.Unreadable, match="unpacks to more than 100 times its packed size"):
        inspect_evaluation(path)


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(harnesses, "ZIP_MAX_MEMBERS", 4)
    path = write_eval(tmp_path / "log.eval", {"header.json": HEADER,
                      **{f"samples/s{i}_epoch_1.json": sample_member(i) for i in range(4)}})  # fmt: skip
    with pytest.raises(engine.Unreadable, match=r"holds 5 members \(more than 4\)"):
        inspect_evaluation(path)


def test_a_damaged_member_is_refused(tmp_path):
    path = write_eval(tmp_path / "log.eval", {"header.json": HEADER,
                      "samples/s0_epoch_1.json": sample_member(0)}, method=zipfile.ZIP_STORED)  # fmt: skip
    data = path.read_bytes().replace(b'"judge"', b'"judgE"', 1)
    path.write_bytes(data)
    with pytest.raises(engine.Unreadable, match=r"member 'samples/s0_epoch_1\.json' is damaged"):
        inspect_evaluation(path)


def test_a_zip_that_is_no_inspect_log_is_refused(tmp_path):
    path = write_eval(tmp_path / "results.eval", {"results.csv": b"case_id,passed\nc1,1\n"})
    (found,) = find_evidence(cite("evaluation", path.name), tmp_path).items
    assert not found.readable
    assert "zip archive that is not an inspect_ai log" in found.reason


# ------------------------------------------------------------------ shown


def test_the_evaluation_view_shows_errors_apart_from_fails(tmp_path):
    from bs4 import BeautifulSoup

    from workbook.model.assess import assess
    from workbook.model.catalogue import load_catalogue
    from workbook.present import measured

    shutil.copy(REAL / "promptfoo" / "results.json", tmp_path / "results.json")
    record = cite("evaluation", "results.json")
    a = assess(record, load_catalogue(), dt.date(2026, 11, 2), find_evidence(record, tmp_path))
    view = measured.evaluations_view(a)
    page = BeautifulSoup(view.html, "html.parser")
    text = " ".join(page.get_text().split())
    # From the promptfoo test above: 19 of 30 pass, 8 fail, 3 errored; 19/30 = 63.3%.
    assert (
        "19 of 30 cases pass (63.3%): 8 fail and 3 errored (no verdict, counted as not passing)"
        in text
    )
    heads = [th.get_text() for th in page.select("table.wb-slices thead th")]
    assert heads == ["Slice", "Cases", "Passed", "Errored", "Pass rate", "95% interval"]
    rows = {tr.select("td")[0].get_text(): [td.get_text() for td in tr.select("td")[1:4]]
            for tr in page.select("table.wb-slices tbody tr")}  # fmt: skip
    assert rows["tool"] == ["8", "3", "3"]
    assert "(3 errored)" in view.text


def test_promptfoo_results_written_one_per_line_are_read_by_content():
    """`promptfoo eval -o results.jsonl`: no run header, one result per line."""
    path = REAL / "promptfoo" / "results-lines.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    # PROVENANCE.md: 8 tests x 3 providers = 24 results, 13 successes, no errors.
    assert (len(rows), sum(r["success"] for r in rows)) == (24, 13)
    m = inspect_evaluation(path)
    assert (m.overall.cases, m.overall.passed, m.errors) == (24, 13, 0)


def test_lm_evals_summary_is_refused_with_what_to_cite():
    """The aggregate results JSON holds no cases: the samples file is the evidence."""
    (path,) = (REAL / "lm_eval").glob("results_*.json")
    with pytest.raises(Unreadable, match=r"summary of aggregate scores.*--log_samples"):
        inspect_evaluation(path)


def test_a_zip_member_nested_too_deeply_is_one_reason_not_a_traceback(tmp_path):
    """200,000 nested arrays: json raises RecursionError, which must read as damage."""
    path = tmp_path / "deep.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_journal/start.json", json.dumps({"version": 2, "eval": {"task": "t"}}))
        z.writestr("header.json", json.dumps({"version": 2, "status": "success"}))
        z.writestr("samples/1_epoch_1.json", "[" * 200_000 + "]" * 200_000)
    with pytest.raises(Unreadable, match=r"member 'samples/1_epoch_1.json' is damaged \(JSON"):
        inspect_evaluation(path)
