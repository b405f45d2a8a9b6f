"""Count the true figures of each real evaluation file with the standard library only.

usage: python3 count.py [EVALS_DIR]   (default: the folder above this script)

For every file: cases, passed, failed, errored, overall and per slice, and the tool's
own summary where the file has one, so PROVENANCE.md's figures can be re-derived
without the workbook. Definitions (the same for every tool):
  case     one scored unit the tool wrote (promptfoo: one entry of results.results;
           inspect: one sample per epoch; lm-eval: one line of a samples file, i.e.
           one document, per filter; MLflow: one row of the table)
  errored  the tool recorded an error for it instead of a verdict
  passed   not errored and the verdict is a pass (promptfoo success true, inspect "C",
           lm-eval metric 1.0, MLflow score 1)
  failed   the rest
"""

from __future__ import annotations

import contextlib
import csv
import glob
import json
import os
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

Row = tuple[str, str]  # (slice, outcome) with outcome in passed / failed / errored


def load(path: str) -> Any:
    """One JSON document."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def table(name: str, rows: Iterable[Row], note: str = "") -> None:
    """Print overall and per-slice counts of (slice, outcome) rows."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    total: Counter[str] = Counter()
    for slice_, outcome in rows:
        per[slice_][outcome] += 1
        total[outcome] += 1

    def fmt(c: Counter[str]) -> str:
        n = sum(c.values())
        return f"cases {n}, passed {c['passed']}, failed {c['failed']}, errored {c['errored']}"

    print(f"{name}: {fmt(total)}")
    for slice_ in sorted(per):
        print(f"    slice {slice_}: {fmt(per[slice_])}")
    if note:
        print(f"    tool's own summary: {note}")


# --- promptfoo ---------------------------------------------------------------------


def promptfoo(path: str) -> None:
    doc = load(path)
    rows = []
    by_column: dict[str, list[Row]] = defaultdict(list)
    for r in doc["results"]["results"]:
        test = r.get("testCase") or {}
        slice_ = (test.get("metadata") or {}).get("slice") or (r.get("vars") or {}).get(
            "category", "-"
        )
        # failureReason: 0 none, 1 assertion failed, 2 error (provider or run error).
        # Not the `error` key: assertion failures carry their reason there too.
        if r.get("failureReason") == 2:
            outcome = "errored"
        elif r["success"]:
            outcome = "passed"
        else:
            outcome = "failed"
        rows.append((slice_, outcome))
        column = f"promptIdx {r['promptIdx']} ({r['prompt']['label']} / {r['provider']['label']})"
        by_column[column].append((slice_, outcome))
    s = doc["results"]["stats"]
    table(
        path,
        rows,
        f"stats successes {s['successes']}, failures {s['failures']}, errors {s['errors']}",
    )
    for column in sorted(by_column):
        table(f"    {column}", by_column[column])


# --- inspect_ai --------------------------------------------------------------------


def _inspect_rows(samples: list[dict], scorer: str) -> list[Row]:
    rows = []
    for s in samples:
        slice_ = (s.get("metadata") or {}).get("slice", "-")
        if s.get("error"):
            rows.append((slice_, "errored"))
            continue
        value = s["scores"][scorer]["value"]
        rows.append((slice_, "passed" if value == "C" else "failed"))
    return rows


def _inspect_summary(results: dict | None) -> str:
    if not results:
        return "no results"
    parts = [
        f"total_samples {results['total_samples']}, completed_samples "
        f"{results['completed_samples']}"
    ]
    for sc in results["scores"]:
        acc = sc["metrics"]["accuracy"]["value"]
        parts.append(f"{sc['name']} accuracy {acc:.6f} over {sc['scored_samples']} scored")
    return "; ".join(parts)


def inspect_json(path: str) -> None:
    doc = load(path)
    for scorer in [sc["name"] for sc in doc["results"]["scores"]]:
        table(
            f"{path} [{scorer}]",
            _inspect_rows(doc["samples"], scorer),
            _inspect_summary(doc["results"]),
        )


def inspect_eval(path: str) -> None:
    # inspect_ai >= 0.3.215 compresses .eval members with zstd (zip method 93), which
    # Python < 3.14's zipfile cannot read; the zipfile-zstd package (a dependency of
    # inspect_ai) patches it in: run this script with the inspect venv's python.
    with contextlib.suppress(ImportError):
        import zipfile_zstd  # noqa: F401
    with zipfile.ZipFile(path) as z:
        header = json.loads(z.read("header.json"))
        samples = [json.loads(z.read(n)) for n in sorted(z.namelist()) if n.startswith("samples/")]
    for scorer in [sc["name"] for sc in header["results"]["scores"]]:
        by_epoch = defaultdict(list)
        for s in samples:
            by_epoch[s["epoch"]].append(s)
        table(
            f"{path} [{scorer}]",
            _inspect_rows(samples, scorer),
            _inspect_summary(header["results"]),
        )
        if len(by_epoch) > 1:
            for epoch in sorted(by_epoch):
                table(f"    epoch {epoch}", _inspect_rows(by_epoch[epoch], scorer))


def inspect_csv(path: str) -> None:
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            # an errored sample has an error message and an empty score
            verdict = "passed" if r["score_includes"] == "C" else "failed"
            rows.append((r["metadata_slice"], "errored" if r["error"] else verdict))
    table(path, rows)


# --- lm-evaluation-harness ---------------------------------------------------------


def lm_eval_samples(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    metrics = rows[0]["metrics"]  # e.g. ["acc", "acc_norm"] or ["exact_match"]
    for metric in metrics:
        for key, label in (("filter", "filter"), ("category", "doc.category")):
            out: list[Row] = []
            for r in rows:
                value = r[metric]
                assert value in (0.0, 1.0), value
                slice_ = r["filter"] if key == "filter" else r["doc"]["category"]
                out.append((slice_, "passed" if value == 1.0 else "failed"))
            table(f"{path} [{metric}, slices by {label}]", out)
        for flt in sorted({r["filter"] for r in rows}):
            sub = [r for r in rows if r["filter"] == flt]
            table(
                f"    filter {flt} [{metric}] by doc.category",
                [(r["doc"]["category"], "passed" if r[metric] == 1.0 else "failed") for r in sub],
            )
    ids = Counter((r["doc_id"], r["filter"]) for r in rows)
    print(
        f"    distinct doc_id {len({r['doc_id'] for r in rows})}, "
        f"distinct (doc_id, filter) {len(ids)}, lines {len(rows)}"
    )


def lm_eval_results(path: str) -> None:
    doc = load(path)
    for task, res in doc["results"].items():
        figures = ", ".join(
            f"{k} {v:.6f}" for k, v in res.items() if "," in k and "stderr" not in k
        )
        print(f"{path} [{task}]: {figures} (n-samples {doc['n-samples'][task]['effective']})")


# --- MLflow ------------------------------------------------------------------------


def mlflow_table(path: str) -> None:
    doc = load(path)
    cols = doc["columns"]
    score_cols = [c for c in cols if c.endswith("/score")]
    for score_col in score_cols:
        rows: list[Row] = []
        for values in doc["data"]:
            rec = dict(zip(cols, values, strict=True))
            score = rec[score_col]
            # no score (null): the row had no prediction
            verdict = "passed" if score == 1 else "failed"
            rows.append((rec["slice"], "errored" if score is None else verdict))
        table(f"{path} [{score_col}]", rows)


# --- main --------------------------------------------------------------------------


def main(root: str) -> None:
    for path in sorted(glob.glob(os.path.join(root, "promptfoo", "*.json"))):
        promptfoo(path)
    for path in sorted(glob.glob(os.path.join(root, "inspect", "*"))):
        {".json": inspect_json, ".eval": inspect_eval, ".csv": inspect_csv}[
            os.path.splitext(path)[1]
        ](path)
    for path in sorted(glob.glob(os.path.join(root, "lm_eval", "samples_*.jsonl"))):
        lm_eval_samples(path)
    for path in sorted(glob.glob(os.path.join(root, "lm_eval", "results_*.json"))):
        lm_eval_results(path)
    for path in sorted(glob.glob(os.path.join(root, "mlflow", "eval_results_table.json"))):
        mlflow_table(path)
    metrics = os.path.join(root, "mlflow", "metrics.json")
    if os.path.exists(metrics):
        print(f"{metrics}: {load(metrics)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(__file__)))
