"""Batch runs: skip what is unchanged, render the rest in workers, record, report, survive.

Most tests share one real run of four example records (``baseline``) and work on a
copy of its output folder, so each scenario pays only for the dossiers it re-renders.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import types
import uuid
from pathlib import Path
from typing import Any, ClassVar

import nbformat
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import EXAMPLES, REPO
from samples import NO_CHANGES
from workbook.batch import (
    EXECUTORS,
    LOCK_NAME,
    RUN_LOG,
    STATE_NAME,
    BatchOptions,
    BatchResult,
    Executor,
    make_executor,
    output_lock,
    register,
    run_batch,
    summary_lines,
)
from workbook.batch.tasks import Rendered, Task, render_dossier
from workbook.cli import main
from workbook.errors import KernelDidNotStart, NotebookFailed, UsageError
from workbook.ledger import LEDGER_NAME, Ledger
from workbook.model.catalogue import load_catalogue
from workbook.model.history import compare
from workbook.paths import NOTEBOOKS
from workbook.pipeline import check_paths, display_path
from workbook.present.portfolio import load_summary

AS_OF = dt.date(2026, 11, 23)
IDS = ("claims-triage", "hr-policy-assistant", "invoice-coding", "sales-forecast-narrative")
EDITED = "hr-policy-assistant"  # loses trust.fallback: one new blocker, same stage
CLI = [sys.executable, "-m", "workbook.cli"]
SUMMARY_KEYS = {
    "summary_version",
    "generated_at",
    "as_of",
    "catalogue",
    "run_id",
    "previous_run_id",
    "initiatives",
    "failed",
}
CSV_HEADER = [
    "id",
    "name",
    "path",
    "claimed_stage",
    "supported_stage",
    "overclaimed",
    "weakest_area",
    "blockers",
    "outcome",
    "dossier",
    "error",
]
#: hr-policy-assistant without its answer to trust.fallback: that criterion was met and is
#: not now (new and a regression); its stage (mvp) does not move, since trust.fallback
#: belongs to the production candidate gate it had not passed anyway.
EDITED_CHANGES = {
    **NO_CHANGES,
    "new_blockers": ["trust.fallback"],
    "regressions": ["trust.fallback"],
}
#: What summary.json carries of each assessment, as ``Assessment.to_dict`` spells it.
FROM_THE_MODEL = (
    "id",
    "name",
    "claimed_stage",
    "target_stage",
    "supported_stage",
    "overclaimed",
    "shadow_production",
    "uncontrolled_use",
    "goalposts",
    "next_gate",
    "weakest_area",
    "headline",
    "digest",
    "gates",
    "readiness",
    "results",
    "waivers",
    "signoffs",
)
#: ... and what the run did with it.
#: (shared_evidence: files another initiative of the run cites too, found across records.)
FROM_THE_RUN = ("path", "outcome", "dossier", "error", "changes", "shared_evidence")


# --- helpers -----------------------------------------------------------------------------


def make_portfolio(folder: Path, ids: tuple[str, ...] = IDS) -> Path:
    """Example records with their evidence, laid out as in data/examples."""
    (folder / "evidence").mkdir(parents=True)
    for rid in ids:
        shutil.copy2(EXAMPLES / f"{rid}.yaml", folder)
        evidence = EXAMPLES / "evidence" / rid
        if evidence.is_dir():
            shutil.copytree(evidence, folder / "evidence" / rid)
    return folder


def options(records: Path, out: Path, **changes: Any) -> BatchOptions:
    return BatchOptions(paths=[records], out_dir=out, **{"as_of": AS_OF, "workers": 2, **changes})


def batch_args(records: Path, out: Path) -> list[str]:
    return ["batch", str(records), "-o", str(out), "--as-of", AS_OF.isoformat()]


def batch_cli(
    records: Path, out: Path, *args: str, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *batch_args(records, out), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def counts(result: BatchResult) -> dict[str, int]:
    return {k: result.count(k) for k in ("rendered", "skipped", "failed", "invalid")}


def outcomes(result: BatchResult) -> dict[str, str]:
    return {e.assessment.id: e.outcome for e in result.entries if e.assessment}


def files(out: Path) -> dict[str, tuple[int, str]]:
    """Every dossier and the portfolio: modification time and content hash."""
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(out.glob("*.html"))
    }


def complete_html(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return text.lstrip().lower().startswith("<!doctype html") and text.rstrip().endswith("</html>")


def run_log(out: Path) -> list[list[dict[str, Any]]]:
    """run.jsonl split into runs: each list starts with run-start and ends with run-end."""
    runs: list[list[dict[str, Any]]] = []
    for line in (out / RUN_LOG).read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "run-start":
            runs.append([])
        runs[-1].append(event)
    return runs


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in data["initiatives"]}


def assessments(records: Path) -> dict[str, Any]:
    checked = check_paths([records], load_catalogue(), AS_OF)
    return {c.assessment.id: c.assessment for c in checked if c.assessment}


def normalised(html: str) -> str:
    """A dossier without what differs between two renders of the same inputs."""
    html = re.sub(r"nonce-[A-Za-z0-9_-]+|nonce=\"[^\"]*\"", "NONCE", html)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "TIME", html)


def first_difference(a: str, b: str) -> str | None:
    if a == b:
        return None
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at {i}: {a[max(0, i - 80) : i + 80]!r} != {b[max(0, i - 80) : i + 80]!r}"


def notebooks_with(tmp: Path, cells: dict[str, str], folder: str = "notebooks") -> Path:
    """A copy of the shipped notebooks with one code cell appended to the named ones."""
    target = tmp / folder
    shutil.copytree(NOTEBOOKS, target)
    for name, source in cells.items():
        nb = nbformat.read(target / name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(source))
        nbformat.write(nb, target / name)
    return target


def copy_run(run: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    """The records and output folder of a finished run, copied with their times."""
    records, out = tmp_path / "records", tmp_path / "out"
    shutil.copytree(run["records"], records)
    shutil.copytree(run["out"], out)
    return records, out


def edit_record(records: Path) -> None:
    path = records / f"{EDITED}.yaml"
    text = path.read_text()
    edited = re.sub(r"^  fallback: .*\n", "", text, count=1, flags=re.M)
    assert edited != text
    path.write_text(edited)


# --- shared runs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, Any]:
    """A first run of four records: every dossier rendered, then the portfolio."""
    work = tmp_path_factory.mktemp("baseline")
    records, out = make_portfolio(work / "records"), work / "out"
    progress: list[tuple[str, str, int, int]] = []
    result = run_batch(
        options(records, out),
        lambda e, done, total: progress.append(
            (e.outcome, e.assessment.id if e.assessment else str(e.path), done, total)
        ),
    )
    return {"records": records, "out": out, "result": result, "progress": progress}


@pytest.fixture(scope="module")
def rerun(baseline, tmp_path_factory) -> dict[str, Any]:
    """The baseline run copied, then run again unchanged."""
    records, out = copy_run(baseline, tmp_path_factory.mktemp("rerun"))
    before = files(out)
    result = run_batch(options(records, out))
    return {"records": records, "out": out, "before": before, "result": result}


@pytest.fixture(scope="module")
def edited(baseline, tmp_path_factory) -> dict[str, Any]:
    """The baseline run copied, one record edited, run again."""
    records, out = copy_run(baseline, tmp_path_factory.mktemp("edited"))
    before = files(out)
    edit_record(records)
    result = run_batch(options(records, out))
    return {"records": records, "out": out, "before": before, "result": result}


# --- 1, 2, 3: skip what is unchanged; --force ----------------------------------------------


@pytest.mark.slow
def test_first_run_renders_every_dossier_and_the_portfolio(baseline):
    result, out = baseline["result"], baseline["out"]
    assert counts(result) == {"rendered": 4, "skipped": 0, "failed": 0, "invalid": 0}
    assert result.exit_code == 0 and result.portfolio_error is None
    assert result.portfolio == out / "index.html"
    assert sorted(p.name for p in out.glob("*.html")) == sorted(
        [f"{rid}.html" for rid in IDS] + ["index.html"]
    )
    assert all(complete_html(p) for p in out.glob("*.html"))
    assert not (out / "failed").exists()
    assert [p.name for p in out.rglob("*.tmp")] == []
    assert sorted((d, t) for *_, d, t in baseline["progress"]) == [(i, 4) for i in range(1, 5)]
    assert {(o, rid) for o, rid, *_ in baseline["progress"]} == {("rendered", r) for r in IDS}
    lines = summary_lines(result)
    assert (
        lines[0]
        == f"run {result.run_id}: 4 rendered, 0 unchanged, 0 failed, 0 invalid (as of {AS_OF})"
    )
    assert lines[-3:] == [
        "  first run: nothing to compare with yet",
        f"digest: {out / 'digest.txt'}",
        f"portfolio: {out / 'index.html'}",
    ]


@pytest.mark.slow
def test_unchanged_rerun_renders_nothing_and_touches_no_dossier(rerun):
    result, out = rerun["result"], rerun["out"]
    assert counts(result) == {"rendered": 0, "skipped": 4, "failed": 0, "invalid": 0}
    assert result.exit_code == 0 and result.portfolio == out / "index.html"
    assert files(out) == rerun["before"], "dossiers and index.html: same bytes, same mtimes"
    assert (
        summary_lines(result)[0]
        == f"run 2: 0 rendered, 4 unchanged, 0 failed, 0 invalid (as of {AS_OF})"
    )
    with Ledger(out / LEDGER_NAME) as ledger:
        runs = ledger.runs()
    assert [(r.id, r.status) for r in runs] == [(2, "ok"), (1, "ok")]
    assert all(r.ended_at for r in runs)
    assert runs[0].counts == {"rendered": 0, "skipped": 4, "failed": 0, "invalid": 0}
    assert runs[1].counts == {"rendered": 4, "skipped": 0, "failed": 0, "invalid": 0}
    logged = run_log(out)
    assert [(r[0]["run"], r[-1]["event"], r[-1]["run"], r[-1]["exit_code"]) for r in logged] == [
        (1, "run-end", 1, 0),
        (2, "run-end", 2, 0),
    ]
    for run, status in zip(logged, ("rendered", "skipped"), strict=True):
        events = [e for e in run if e["event"] == "initiative"]
        assert sorted(e["id"] for e in events) == sorted(IDS)
        assert {e["status"] for e in events} == {status}
        assert {e["output"] for e in events} == {f"{rid}.html" for rid in IDS}


NO_HEAVY_IMPORTS = """
import sys
from workbook.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = [m for m in ("papermill", "nbconvert", "nbclient") if m in sys.modules]
print("exit", code, "heavy", ",".join(heavy) or "none")
"""


@pytest.mark.slow
def test_nothing_changed_imports_neither_papermill_nor_nbconvert(baseline, tmp_path):
    records, out = copy_run(baseline, tmp_path)
    before = files(out)
    run = subprocess.run(
        [sys.executable, "-c", NO_HEAVY_IMPORTS, *batch_args(records, out), "--workers", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = run.stdout.splitlines()
    assert lines[0] == f"run 2: 0 rendered, 4 unchanged, 0 failed, 0 invalid (as of {AS_OF})"
    assert lines[-4:] == [
        "  no new blockers, regressions or resolved blockers since run 1",
        f"digest: {out / 'digest.txt'}",
        f"portfolio: {out / 'index.html'}",
        "exit 0 heavy none",
    ], run.stderr
    assert files(out) == before, "the portfolio is not re-rendered either"


@pytest.mark.slow
def test_force_rerenders_every_dossier_and_the_portfolio(baseline, tmp_path):
    records, out = copy_run(baseline, tmp_path)
    before = files(out)
    run = batch_cli(records, out, "--workers", "2", "--force")
    assert run.returncode == 0, run.stderr
    assert (
        run.stdout.splitlines()[0]
        == f"run 2: 4 rendered, 0 unchanged, 0 failed, 0 invalid (as of {AS_OF})"
    )
    # Each plain line starts with its time (ISO 8601, UTC), then [n/N], the outcome, the id.
    progress = [line.split(" (")[0].split()[1:] for line in run.stderr.splitlines()]
    assert sorted(p[0] for p in progress) == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert sorted(p[1:] for p in progress) == [["rendered", rid] for rid in IDS]
    after = files(out)
    assert after.keys() == before.keys()
    assert all(after[name][0] != before[name][0] for name in before), "every file rewritten"
    assert all(complete_html(out / name) for name in after)


# --- 4, 10: one record edited ------------------------------------------------------------


@pytest.mark.slow
def test_editing_one_record_rerenders_only_it(edited):
    result, out, before = edited["result"], edited["out"], edited["before"]
    assert outcomes(result) == {rid: "rendered" if rid == EDITED else "skipped" for rid in IDS}
    assert result.exit_code == 0
    after = files(out)
    for rid in IDS:
        name = f"{rid}.html"
        assert (after[name] == before[name]) is (rid != EDITED), name
    assert after["index.html"] != before["index.html"], "the portfolio shows the change"


@pytest.mark.slow
def test_changes_since_previous_run_in_summary_and_ledger(edited):
    out = edited["out"]
    data = summary(out)
    assert (data["run_id"], data["previous_run_id"]) == (2, 1)
    changes = {rid: i["changes"] for rid, i in by_id(data).items()}
    assert changes[EDITED] == EDITED_CHANGES
    assert all(changes[rid] == NO_CHANGES for rid in IDS if rid != EDITED)
    with Ledger(out / LEDGER_NAME) as ledger:
        history = ledger.history(EDITED)
        assert [(h.run_id, h.outcome) for h in history] == [(1, "rendered"), (2, "rendered")]
        assert history[0].digest != history[1].digest
        assert "trust.fallback" not in history[0].blockers
        assert "trust.fallback" in history[1].blockers
        stored = compare(ledger.in_run(EDITED, 1), ledger.in_run(EDITED, 2))
        assert stored.model_dump() == changes[EDITED], "the summary says what the ledger holds"
        assert compare(ledger.in_run("invoice-coding", 1), ledger.in_run("invoice-coding", 2)).empty


@pytest.mark.slow
def test_portfolio_says_what_changed_since_the_previous_run(edited):
    soup = BeautifulSoup((edited["out"] / "index.html").read_text(), "html.parser")
    table = soup.select_one("table.wb-portfolio-changes")
    assert table is not None, "a changes table"
    assert "Compared with run 1." in soup.get_text(" ")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")
    ]
    name = by_id(summary(edited["out"]))[EDITED]["name"]
    (row,) = rows  # only the edited initiative changed
    assert row[0] == f"{name} ({EDITED}.html)"  # the dossier's file name beside its link
    new, resolved, regressions = row[2:5]
    assert "trust.fallback" in new and "trust.fallback" in regressions
    assert "trust.fallback" not in resolved


# --- 5, 6: failures among good records -----------------------------------------------------

RAISES_FOR_ONE = (
    'if wb.record.id == "invoice-coding":\n    raise RuntimeError("boom for invoice-coding only")'
)
SLEEPS_FOR_ONE = (
    'if wb.record.id == "sales-forecast-narrative":\n    import time\n    time.sleep(60)'
)
BROKEN_YAML = "schema_version: 1\nid: broken\nname: [unclosed\nstage: mvp\n"


@pytest.fixture(scope="module")
def troubled(tmp_path_factory) -> dict[str, Any]:
    """Two good records, one whose notebook raises, one that sleeps past --timeout, one broken."""
    work = tmp_path_factory.mktemp("troubled")
    records, out = make_portfolio(work / "records"), work / "out"
    (records / "broken.yaml").write_text(BROKEN_YAML)
    notebooks = notebooks_with(
        work,
        {
            "02-data-gaps.ipynb": RAISES_FOR_ONE,
            "04-logging-and-observability.ipynb": SLEEPS_FOR_ONE,
        },
    )
    start = time.monotonic()
    run = batch_cli(records, out, "--workers", "2", "--timeout", "2", "--notebooks", str(notebooks))
    return {
        "records": records,
        "out": out,
        "run": run,
        "seconds": time.monotonic() - start,
        "lines": run.stdout.splitlines(),
    }


def line_for(lines: list[str], prefix: str) -> str:
    (line,) = [x for x in lines if x.startswith(prefix)]
    return line


@pytest.mark.slow
def test_invalid_record_is_named_and_the_others_are_produced(troubled):
    run, out, records = troubled["run"], troubled["out"], troubled["records"]
    assert run.returncode == 1, run.stderr
    assert (
        troubled["lines"][0]
        == f"run 1: 2 rendered, 0 unchanged, 2 failed, 1 invalid (as of {AS_OF})"
    )
    line = line_for(troubled["lines"], f"  INVALID {records / 'broken.yaml'}: ")
    assert ": malformed YAML at line 4, column 6: " in line, line
    assert (out / "claims-triage.html").is_file() and (out / "hr-policy-assistant.html").is_file()
    data = summary(out)
    (failed,) = data["failed"]
    assert failed["path"] == display_path(records / "broken.yaml")
    assert line.endswith(failed["error"].split(": ", 1)[1])
    assert "broken" not in by_id(data)


@pytest.mark.slow
def test_failing_notebook_is_named_with_its_cell_and_kept(troubled):
    out, records = troubled["out"], troubled["records"]
    record = records / "invoice-coding.yaml"
    line = line_for(troubled["lines"], f"  FAILED {record}: cell ")
    partial = out / "failed" / "invoice-coding.ipynb"
    assert "(chapter 'Data and data gaps'): RuntimeError: boom for invoice-coding only" in line
    assert line.endswith(f"; partial notebook kept at {partial}")
    kept = nbformat.read(partial, as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in kept.cells for o in c.get("outputs", []))
    assert not (out / "invoice-coding.html").exists()
    entry = by_id(summary(out))["invoice-coding"]
    assert (entry["outcome"], entry["dossier"]) == ("failed", None)
    assert entry["error"].startswith(f"{display_path(record)}: cell ")
    assert "(chapter 'Data and data gaps'): RuntimeError: boom for" in entry["error"]
    assert sorted(p.name for p in (out / "failed").iterdir()) == [
        "invoice-coding.ipynb",
        "sales-forecast-narrative.ipynb",
    ]


@pytest.mark.slow
def test_cell_over_the_timeout_fails_its_dossier_only(troubled):
    out, records = troubled["out"], troubled["records"]
    record = records / "sales-forecast-narrative.yaml"
    line = line_for(troubled["lines"], f"  FAILED {record}: cell ")
    assert "(chapter 'Logging, observability and trust'): CellTimeoutError: " in line
    assert (out / "failed" / "sales-forecast-narrative.ipynb").is_file()
    assert not (out / "sales-forecast-narrative.html").exists()
    assert troubled["seconds"] < 40, "the 60 s cell was stopped after 2 s"


@pytest.mark.slow
def test_failures_are_recorded_and_retried_next_time(troubled):
    out = troubled["out"]
    with Ledger(out / LEDGER_NAME) as ledger:
        (run,) = ledger.runs()
        assert (run.status, run.counts) == (
            "failures",
            {"rendered": 2, "skipped": 0, "failed": 2, "invalid": 1},
        )
        assert ledger.in_run("invoice-coding", run.id).outcome == "failed"
        assert ledger.in_run("claims-triage", run.id).outcome == "rendered"
    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    assert sorted(r["outcome"] for r in rows) == [
        "failed",
        "failed",
        "invalid",
        "rendered",
        "rendered",
    ]
    # What failed is not remembered as done: the next run tries it again.
    state = json.loads((out / STATE_NAME).read_text())
    assert sorted(state) == ["claims-triage", "hr-policy-assistant"]


@pytest.mark.slow
def test_portfolio_is_written_when_some_dossiers_failed(troubled):
    out = troubled["out"]
    assert str(out) not in (out / "summary.json").read_text(), "summary.json is for sharing"
    assert troubled["lines"][-1] == f"portfolio: {out / 'index.html'}"
    text = BeautifulSoup((out / "index.html").read_text(), "html.parser").get_text(" ")
    assert "FAILED" in text and "boom for invoice-coding only" in text


RACE = """
import pathlib, time
flags, out = pathlib.Path({flags!r}), pathlib.Path({out!r})
def wait_for(path):
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
if wb.record.id == "invoice-coding":
    with (flags / "invoice-coding runs").open("a") as f:
        f.write("ran\\n")
    (flags / "started").touch()
    wait_for(out / "claims-triage.html")
    raise RuntimeError("boom after claims-triage was written")
if wb.record.id == "claims-triage":
    wait_for(flags / "started")
"""


@pytest.mark.slow
def test_a_success_beside_a_failure_does_not_render_the_failure_twice(tmp_path):
    records = make_portfolio(tmp_path / "records", ("claims-triage", "invoice-coding"))
    out, flags = tmp_path / "out", tmp_path / "flags"
    flags.mkdir()
    notebooks = notebooks_with(
        tmp_path, {"01-stage-and-boundaries.ipynb": RACE.format(flags=str(flags), out=str(out))}
    )
    result = run_batch(options(records, out, notebooks=notebooks))
    assert outcomes(result) == {"claims-triage": "rendered", "invoice-coding": "failed"}
    (failed,) = [e for e in result.entries if e.outcome == "failed"]
    assert "RuntimeError: boom after claims-triage was written" in failed.error
    assert failed.error.endswith(
        f"partial notebook kept at {out / 'failed' / 'invoice-coding.ipynb'}"
    )
    assert (flags / "invoice-coding runs").read_text() == "ran\n", "rendered once"


BROKEN_PORTFOLIO = 'raise RuntimeError("portfolio notebook broken")'


@pytest.mark.slow
def test_a_failed_portfolio_is_written_by_the_next_run(baseline, tmp_path):
    records, out = copy_run(baseline, tmp_path)
    first = files(out)["index.html"]
    edit_record(records)
    broken = notebooks_with(tmp_path, {"portfolio.ipynb": BROKEN_PORTFOLIO})
    failed = run_batch(options(records, out, notebooks=broken))
    assert outcomes(failed)[EDITED] == "rendered", "the chapters are the same: one re-render"
    assert "portfolio notebook broken" in (failed.portfolio_error or "")
    assert failed.exit_code == 1
    assert files(out)["index.html"] == first, "the page of run 1 is still there"
    result = run_batch(options(records, out))
    assert counts(result)["rendered"] == 0
    assert (result.exit_code, result.portfolio_error) == (0, None)
    assert files(out)["index.html"] != first, "the portfolio now shows runs 2 and 3"


@pytest.mark.slow
def test_an_edited_portfolio_notebook_rewrites_only_the_portfolio(baseline, tmp_path):
    records, out = copy_run(baseline, tmp_path)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / "portfolio.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Reviewed by the portfolio board."))
    nbformat.write(nb, notebooks / "portfolio.ipynb")
    result = run_batch(options(records, out, notebooks=notebooks))
    assert counts(result)["skipped"] == 4, "the dossiers did not change"
    assert "Reviewed by the portfolio board." in (out / "index.html").read_text()


# --- 7: one run per output folder ---------------------------------------------------------


def test_second_run_on_a_held_folder_exits_2_with_one_line(tmp_path):
    records = make_portfolio(tmp_path / "records", IDS[:1])
    out = tmp_path / "out"
    with output_lock(out):
        run = batch_cli(records, out, "--workers", "1", timeout=60)
        with pytest.raises(UsageError, match="another batch is writing here"):
            run_batch(options(records, out))
    assert run.returncode == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"{out}: another batch is writing here (pid {os.getpid()}, started ")
    assert line.endswith(
        "(expected one run per output folder at a time; try again when it finishes)"
    )
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME], "the loser wrote nothing"


# --- 8: killed, then resumed -------------------------------------------------------------


def marked_processes(marker: str) -> list[Any]:
    import psutil

    found = []
    for p in psutil.process_iter():
        try:
            if (
                p.status() != psutil.STATUS_ZOMBIE
                and p.environ().get("WORKBOOK_TEST_RUN") == marker
            ):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> dict[str, Any]:
    """A CLI batch (one worker) killed with SIGKILL, with its workers, once a dossier exists."""
    import psutil

    work = tmp_path_factory.mktemp("killed")
    records, out = make_portfolio(work / "records"), work / "out"
    marker = uuid.uuid4().hex  # inherited by every worker and kernel the batch starts
    with (work / "stdout").open("w") as stdout, (work / "stderr").open("w") as stderr:
        proc = subprocess.Popen(
            [*CLI, *batch_args(records, out), "--workers", "1"],
            cwd=REPO,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "WORKBOOK_TEST_RUN": marker},
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("*.html")):
            assert proc.poll() is None, (work / "stderr").read_text()
            assert time.monotonic() < deadline, "no dossier within 120 s"
            time.sleep(0.02)
        finished = sorted(p.stem for p in out.glob("*.html"))
        time.sleep(0.5)  # the batch has heard of it; the next dossier takes over a second
        before_kill = sorted(p.stem for p in out.glob("*.html"))
        started = len(marked_processes(marker))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the batch, its workers, their kernels' parents
        proc.wait()
    deadline = time.monotonic() + 20
    while (left := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = []
    for p in left:  # do not leave them running, whatever the test says
        with contextlib.suppress(psutil.NoSuchProcess):
            survivors.append(" ".join(p.cmdline()[:3]))
            p.kill()
    return {
        "records": records,
        "out": out,
        "finished": finished,
        "before_kill": before_kill,
        "started": started,
        "left": survivors,
        "returncode": proc.returncode,
    }


@pytest.mark.slow
def test_sigkill_leaves_no_half_written_file_and_no_process(killed):
    out = killed["out"]
    assert killed["returncode"] == -signal.SIGKILL
    assert killed["started"] >= 2, "the batch, its worker (and a kernel) were running"
    assert killed["left"] == [], "workers and kernels die with the batch"
    assert killed["finished"], "killed after the first dossier"
    assert len(killed["before_kill"]) < len(IDS), "killed before the last dossier"
    for path in out.rglob("*"):
        if path.name.endswith(".tmp"):
            assert path.name.startswith("."), f"a temporary file in plain sight: {path}"
    assert sorted(p.stem for p in out.glob("*.html")) == killed["before_kill"]
    for path in out.glob("*.html"):
        assert complete_html(path), f"half-written: {path}"
    assert not (out / "index.html").exists()
    assert not (out / "summary.json").exists()
    with output_lock(out):
        pass  # the lock died with the process
    with Ledger(out / LEDGER_NAME) as ledger:
        (run,) = ledger.runs()
        assert (run.id, run.ended_at, run.status) == (1, None, None)
        assert ledger.last_finished_run() is None


@pytest.fixture(scope="module")
def resumed(killed, tmp_path_factory) -> dict[str, Any]:
    """The killed run's folder, copied, then run again to the end."""
    work = tmp_path_factory.mktemp("resumed")
    out = work / "out"
    shutil.copytree(killed["out"], out)
    run = batch_cli(killed["records"], out, "--workers", "2")
    return {"out": out, "run": run, "lines": run.stdout.splitlines(), "before": killed}


@pytest.mark.slow
def test_rerun_after_sigkill_finishes_the_portfolio(resumed):
    run, out = resumed["run"], resumed["out"]
    m = re.fullmatch(
        r"run 2: (\d) rendered, (\d) unchanged, 0 failed, 0 invalid \(as of 2026-11-23\)",
        resumed["lines"][0],
    )
    assert m, resumed["lines"]
    assert int(m[1]) + int(m[2]) == len(IDS)
    assert run.returncode == 0, run.stderr
    assert sorted(p.stem for p in out.glob("*.html")) == sorted([*IDS, "index"])
    assert all(complete_html(p) for p in out.glob("*.html"))
    with Ledger(out / LEDGER_NAME) as ledger:
        interrupted, finished = sorted(ledger.runs(), key=lambda r: r.id)
        assert (interrupted.ended_at, interrupted.status) == (None, None)
        assert finished.ended_at is not None and finished.status == "ok"
        assert ledger.last_finished_run().id == 2
    assert summary(out)["previous_run_id"] is None, "an interrupted run is no baseline"


@pytest.mark.slow
def test_rerun_after_sigkill_skips_the_dossiers_already_written(resumed):
    progress = resumed["run"].stderr.splitlines()
    done = resumed["before"]["before_kill"]
    skipped = sorted(line.split()[-1] for line in progress if " unchanged " in line)
    rendered = sorted(line.split()[3] for line in progress if " rendered " in line)
    assert skipped == done
    assert rendered == sorted(set(IDS) - set(done))


@pytest.mark.slow
def test_killed_run_keeps_a_record_of_each_dossier_it_finished(killed):
    out = killed["out"]
    logged = [json.loads(x) for x in (out / RUN_LOG).read_text().splitlines()]
    assert {e["id"] for e in logged if e["event"] == "initiative"} >= set(killed["finished"])
    with Ledger(out / LEDGER_NAME) as ledger:
        for rid in killed["finished"]:
            row = ledger.in_run(rid, 1)
            assert row is not None and (row.run_id, row.outcome) == (1, "rendered"), rid


# --- 9, 12: ledger, history, summaries ---------------------------------------------------


@pytest.mark.slow
def test_ledger_holds_runs_and_assessments(rerun):
    out, records = rerun["out"], rerun["records"]
    expected = assessments(records)
    with Ledger(out / LEDGER_NAME) as ledger:
        second, first = ledger.runs()
    assert second.options == options(records, out).describe()
    assert first.options["paths"] != second.options["paths"], "run 1 was in the original folder"
    assert {k: second.options[k] for k in ("as_of", "workers", "executor", "force")} == {
        "as_of": "2026-11-23",
        "workers": 2,
        "executor": "local",
        "force": False,
    }
    assert first.ended_at >= first.started_at and second.started_at >= first.started_at
    con = sqlite3.connect(f"file:{out / LEDGER_NAME}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT run_id, initiative, name, digest, as_of, claimed, supported, overclaimed,"
            " outcome, dossier, statuses, blockers FROM assessments ORDER BY run_id, initiative"
        ).fetchall()
    finally:
        con.close()
    assert [(r[0], r[1]) for r in rows] == [(run, rid) for run in (1, 2) for rid in sorted(IDS)]
    for (
        run_id,
        rid,
        name,
        digest,
        as_of,
        claimed,
        supported,
        over,
        outcome,
        dossier,
        st,
        bl,
    ) in rows:
        a = expected[rid]
        assert (name, digest, as_of) == (a.record.name, a.digest, "2026-11-23")
        assert (claimed, supported, bool(over)) == (
            a.claimed_stage,
            a.supported_stage,
            a.overclaimed,
        )
        assert outcome == ("rendered" if run_id == 1 else "skipped")
        assert dossier == f"{rid}.html"
        assert json.loads(st) == {r.criterion.id: r.status for r in a.results}
        assert json.loads(bl) == [r.criterion.id for r in a.blockers]


@pytest.mark.slow
def test_history_prints_a_header_and_one_line_per_run(rerun):
    ledger = rerun["out"] / LEDGER_NAME
    a = assessments(rerun["records"])["invoice-coding"]
    result = CliRunner().invoke(main, ["history", "invoice-coding", "--ledger", str(ledger)])
    assert result.exit_code == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split() == [
        "RUN",
        "STARTED",
        "AS",
        "OF",
        "CLAIMED",
        "SUPPORTED",
        "BLOCKERS",
        "OUTCOME",
        "DIGEST",
    ]
    assert len(lines) == 2
    for run_id, line, outcome in zip((1, 2), lines, ("rendered", "skipped"), strict=True):
        cells = line.split()
        assert cells[0] == str(run_id)
        assert cells[3:] == [
            "2026-11-23",
            a.claimed_stage,
            a.supported_stage,
            str(len(a.blockers)),
            outcome,
            a.digest[:12],
        ]
    missing = CliRunner().invoke(main, ["history", "nope", "--ledger", str(ledger)])
    assert missing.exit_code == 2
    assert missing.stderr.startswith(f"{ledger}: no assessment of 'nope' is recorded")


@pytest.mark.slow
def test_summary_json_and_csv_follow_the_contract(baseline, rerun):
    for run, run_id, previous, outcome in (
        (baseline, 1, None, "rendered"),
        (rerun, 2, 1, "skipped"),
    ):
        out, records = run["out"], run["records"]
        data = summary(out)
        assert set(data) == SUMMARY_KEYS
        assert (data["run_id"], data["previous_run_id"], data["as_of"]) == (
            run_id,
            previous,
            "2026-11-23",
        )
        assert data["failed"] == []
        expected = assessments(records)
        assert [i["id"] for i in data["initiatives"]] == sorted(IDS)
        for i in data["initiatives"]:
            a = json.loads(json.dumps(expected[i["id"]].to_dict(), default=str))
            # owner, and each blocker's who: model/actors.py's, for the portfolio's summing up
            assert set(i) == {*FROM_THE_MODEL, "blockers", "owner", *FROM_THE_RUN}
            assert {k: i[k] for k in FROM_THE_MODEL} == {k: a[k] for k in FROM_THE_MODEL}
            assert all(b.pop("who") for b in i["blockers"]), "someone must act on each"
            assert i["blockers"] == [
                {k: b[k] for k in ("criterion", "gate", "area", "status", "detail", "question",
                                   "satisfied_by")}
                for b in a["blockers"]
            ]  # fmt: skip
            assert i["path"] == display_path(records / f"{i['id']}.yaml")
            assert (i["outcome"], i["dossier"], i["error"]) == (outcome, f"{i['id']}.html", None)
            assert i["changes"] == NO_CHANGES
            assert i["shared_evidence"] == [], "each example cites its own files"
        assert len(load_summary(out).initiatives) == len(IDS), "the portfolio reads it"
        rows = list(csv.reader((out / "summary.csv").read_text().splitlines()))
        assert rows[0] == CSV_HEADER
        assert len(rows) == 1 + len(IDS)
        for row in rows[1:]:
            a = expected[row[0]]
            assert row == [
                a.id,
                a.record.name,
                display_path(records / f"{a.id}.yaml"),
                a.claimed_stage,
                a.supported_stage,
                str(a.overclaimed),
                a.weakest_area or "",
                str(len(a.blockers)),
                outcome,
                f"{a.id}.html",
                "",
            ]


@pytest.mark.slow
def test_portfolio_links_every_dossier(baseline):
    out = baseline["out"]
    index = out / "index.html"
    assert complete_html(index)
    soup = BeautifulSoup(index.read_text(), "html.parser")
    links = {a["href"] for a in soup.select("a[href]")}
    assert {f"{rid}.html" for rid in IDS} <= links
    assert all((out / href).is_file() for href in links if href.endswith(".html"))
    assert str(out) not in index.read_text(), "no local path in a shared page"


# --- 11: Dask ----------------------------------------------------------------------------


def assert_same_dossiers(out: Path, reference: Path) -> None:
    names = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    assert names == sorted(f"{rid}.html" for rid in IDS)
    for name in names:
        diff = first_difference(
            normalised((out / name).read_text()), normalised((reference / name).read_text())
        )
        assert diff is None, f"{name} differs {diff}"


@pytest.mark.slow
def test_dask_executor_on_its_own_local_cluster(baseline, tmp_path):
    out = tmp_path / "out"
    result = run_batch(options(baseline["records"], out, executor="dask"))
    assert counts(result) == {"rendered": 4, "skipped": 0, "failed": 0, "invalid": 0}
    assert result.exit_code == 0, summary_lines(result)
    assert_same_dossiers(out, baseline["out"])
    with Ledger(out / LEDGER_NAME) as ledger:
        assert ledger.runs()[0].options["executor"] == "dask"


@pytest.mark.slow
def test_dask_executor_on_a_given_scheduler(baseline, tmp_path):
    from dask.distributed import LocalCluster

    out = tmp_path / "out"
    with LocalCluster(
        n_workers=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        result = run_batch(
            options(baseline["records"], out, executor="dask", scheduler=cluster.scheduler_address)
        )
    assert counts(result) == {"rendered": 4, "skipped": 0, "failed": 0, "invalid": 0}
    assert result.exit_code == 0, summary_lines(result)
    assert_same_dossiers(out, baseline["out"])


# --- the pipeline without kernels: an in-process executor with a stand-in renderer ----------


class InProcess(Executor):
    """Runs the batch's tasks in this process; the renderers are stand-ins (no kernel)."""

    name = "in-process-test"
    calls: ClassVar[list[str]] = []
    fail: ClassVar[set[str]] = set()
    stand_ins: ClassVar[dict[str, Any]] = {}  # set below, once the stand-ins are defined

    def _start(self) -> None:
        pass

    def _submit(self, fn, *args):
        from concurrent.futures import Future

        future: Future = Future()
        future.set_result(self.stand_ins[fn.__name__](*args))
        return future

    def _as_completed(self, futures):
        return iter(futures)

    def _stop(self) -> None:
        pass


def fake_dossier(task: Task) -> Rendered:
    InProcess.calls.append(task.record_id)
    if task.record_id in InProcess.fail:
        return Rendered(task.record_id, False, 0.5, error=f"{task.path}: cell 1: boom")
    target = Path(task.out_dir) / f"{task.record_id}.html"
    target.write_text(f"<!doctype html><title>{task.record.name}</title></html>")
    # As the real worker does when the files held still: it vouches for the plan's key.
    return Rendered(task.record_id, True, 0.25, dossier=target.name, key=task.key)


def fake_portfolio(
    summary: str, out_dir: str, *rest: Any
) -> tuple[str | None, str | None, str | None]:
    InProcess.calls.append("portfolio")
    ids = [i.id for i in load_summary(summary).initiatives]  # the page reads the contract
    target = Path(out_dir) / "index.html"
    target.write_text("<!doctype html>" + " ".join(ids) + "</html>")
    return str(target), None, rest[-1]  # the key asked for, vouched for


InProcess.stand_ins = {"render_dossier": fake_dossier, "render_portfolio": fake_portfolio}


@pytest.fixture
def in_process():
    register(InProcess)
    InProcess.calls, InProcess.fail = [], set()
    yield InProcess
    del EXECUTORS[InProcess.name]


def quick(records: Path, out: Path, **changes: Any) -> BatchResult:
    return run_batch(options(records, out, executor=InProcess.name, **changes))


def test_pipeline_first_run_writes_every_output(in_process, tmp_path):
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    seen: list[tuple[str, int, int]] = []
    result = run_batch(
        options(records, out, executor=InProcess.name),
        lambda e, done, total: seen.append((e.outcome, done, total)),
    )
    assert sorted(in_process.calls) == sorted([*IDS, "portfolio"])
    assert counts(result) == {"rendered": 4, "skipped": 0, "failed": 0, "invalid": 0}
    assert (result.exit_code, result.portfolio) == (0, out / "index.html")
    assert seen == [("rendered", n, 4) for n in (1, 2, 3, 4)]
    assert sorted(json.loads((out / STATE_NAME).read_text())) == sorted(IDS)
    data = summary(out)
    assert (data["summary_version"], data["run_id"], data["previous_run_id"]) == (3, 1, None)
    assert [(i["id"], i["outcome"], i["dossier"]) for i in data["initiatives"]] == [
        (rid, "rendered", f"{rid}.html") for rid in sorted(IDS)
    ]
    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    assert [(r["id"], r["outcome"], r["dossier"]) for r in rows] == [
        (rid, "rendered", f"{rid}.html") for rid in sorted(IDS)
    ]
    (run,) = run_log(out)
    assert [e["event"] for e in run] == ["run-start", *["initiative"] * 4, "run-end"]
    with Ledger(out / LEDGER_NAME) as ledger:
        (row,) = ledger.runs()
    assert (row.status, row.counts["rendered"]) == ("ok", 4)


def test_pipeline_unchanged_rerun_renders_nothing(in_process, tmp_path):
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    quick(records, out)
    before = files(out)
    in_process.calls.clear()
    result = quick(records, out)
    assert in_process.calls == [], "neither a dossier nor the portfolio"
    assert counts(result) == {"rendered": 0, "skipped": 4, "failed": 0, "invalid": 0}
    assert files(out) == before
    assert summary(out)["previous_run_id"] == 1


def test_pipeline_one_edit_one_render_and_its_changes(in_process, tmp_path):
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    quick(records, out)
    in_process.calls.clear()
    edit_record(records)  # hr-policy-assistant loses its answer to trust.fallback
    result = quick(records, out)
    assert in_process.calls == [EDITED, "portfolio"]
    assert outcomes(result) == {rid: "rendered" if rid == EDITED else "skipped" for rid in IDS}
    changes = {rid: i["changes"] for rid, i in by_id(summary(out)).items()}
    assert changes[EDITED] == EDITED_CHANGES
    assert all(changes[rid] == NO_CHANGES for rid in IDS if rid != EDITED)


def test_pipeline_changes_are_against_the_previous_finished_run(in_process, tmp_path):
    # Run 1 finishes. Run 2 is killed after recording the edited record. Run 3 (same
    # edit) names run 1 as its previous run, so its changes must be against run 1: the
    # edit shows. Against the interrupted run 2 (same assessment) nothing would.
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    quick(records, out)
    edit_record(records)
    with Ledger(out / LEDGER_NAME) as ledger:
        interrupted = ledger.start_run({})
        ledger.record(interrupted, assessments(records)[EDITED], "rendered")
    quick(records, out)
    data = summary(out)
    assert (data["run_id"], data["previous_run_id"]) == (3, 1)
    changes = {rid: i["changes"] for rid, i in by_id(data).items()}
    assert changes[EDITED] == EDITED_CHANGES
    assert all(changes[rid] == NO_CHANGES for rid in IDS if rid != EDITED)


def test_pipeline_fixes_its_as_of_once_for_plan_tasks_summary_and_ledger(
    in_process, tmp_path, monkeypatch
):
    # Without --as-of the run reads today once: its clock here says 2026-11-30, a day the
    # real clock is not (anything else that reads the real clock shows another day).
    import workbook.batch.run as run_module

    class Clock(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return dt.date(2026, 11, 30)

    clock = types.SimpleNamespace(date=Clock, datetime=dt.datetime, UTC=dt.UTC)
    monkeypatch.setattr(run_module, "dt", clock)
    assert dt.date.today() != dt.date(2026, 11, 30), "the test needs another real day"
    given: list[str] = []

    def recording(task: Task) -> Rendered:
        given.append(task.as_of)  # what each dossier's kernel is handed
        return fake_dossier(task)

    monkeypatch.setattr(
        InProcess, "stand_ins", {**InProcess.stand_ins, "render_dossier": recording}
    )
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    result = quick(records, out, as_of=None)
    assert result.as_of == dt.date(2026, 11, 30)
    assert given == ["2026-11-30"] * len(IDS)
    assert summary(out)["as_of"] == "2026-11-30"
    with Ledger(out / LEDGER_NAME) as ledger:
        assert {ledger.in_run(rid, 1).as_of for rid in IDS} == {"2026-11-30"}
        (run,) = ledger.runs()
    assert run.options["as_of"] == "2026-11-30"


def test_pipeline_a_failure_is_not_remembered_and_is_retried(in_process, tmp_path):
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    in_process.fail = {"invoice-coding"}
    first = quick(records, out)
    assert (first.exit_code, outcomes(first)["invoice-coding"]) == (1, "failed")
    assert "invoice-coding" not in json.loads((out / STATE_NAME).read_text())
    entry = by_id(summary(out))["invoice-coding"]
    assert (entry["outcome"], entry["dossier"]) == ("failed", None)
    assert entry["error"] == f"{display_path(records / 'invoice-coding.yaml')}: cell 1: boom"
    in_process.fail, in_process.calls = set(), []
    second = quick(records, out)
    assert in_process.calls == ["invoice-coding", "portfolio"]
    assert (second.exit_code, outcomes(second)["invoice-coding"]) == (0, "rendered")


def test_an_unknown_executor_lists_the_known_ones(tmp_path):
    with pytest.raises(UsageError) as exc:
        make_executor("threads", 1)
    assert str(exc.value) == "--executor: unknown executor 'threads' (expected one of local, dask)"


def test_the_worker_takes_the_record_from_the_plan_and_does_not_assess_again(tmp_path, monkeypatch):
    from workbook.errors import WorkbookError
    from workbook.render import dossier

    def assessed_again(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the worker loaded and assessed the record again")

    def stop(*args: Any, **kwargs: Any) -> None:
        raise WorkbookError("stopped before any kernel", path="stand-in")

    monkeypatch.setattr(dossier, "assess_file", assessed_again)
    monkeypatch.setattr(dossier, "build_notebook", stop)
    (checked,) = check_paths([EXAMPLES / "claims-triage.yaml"], load_catalogue(), AS_OF)
    task = Task(
        path=str(checked.path),
        record=checked.assessment.record,
        out_dir=str(tmp_path),
        as_of=AS_OF.isoformat(),
        gates=None,
        notebooks=str(NOTEBOOKS),
        timeout=5,
    )
    rendered = render_dossier(task)
    assert (rendered.record_id, rendered.ok) == ("claims-triage", False)
    assert rendered.error == "stand-in: stopped before any kernel"


@pytest.mark.parametrize(
    ("failure", "attempts"),
    [
        (KernelDidNotStart("x", path="r.yaml", cell="kernel", partial=None), 2),
        (NotebookFailed("x", path="r.yaml", cell="cell 3", partial=None), 1),
    ],
    ids=["no cell ran: one more try", "a cell failed: no retry"],
)
def test_only_a_kernel_that_never_started_is_retried(tmp_path, monkeypatch, failure, attempts):
    from workbook.render import dossier

    tries: list[int] = []

    def fails(*args: Any, **kwargs: Any) -> None:
        tries.append(1)
        raise failure

    monkeypatch.setattr(dossier, "write_dossier", fails)
    (checked,) = check_paths([EXAMPLES / "claims-triage.yaml"], load_catalogue(), AS_OF)
    task = Task(
        path=str(checked.path),
        record=checked.assessment.record,
        out_dir=str(tmp_path),
        as_of=AS_OF.isoformat(),
        gates=None,
        notebooks=str(NOTEBOOKS),
        timeout=5,
    )
    rendered = render_dossier(task)
    assert (rendered.ok, rendered.attempts, len(tries)) == (False, attempts, attempts)
    assert rendered.error == failure.line()


def test_the_cli_offers_every_registered_executor():
    from workbook.cli import batch

    (option,) = [p for p in batch.params if p.name == "executor_name"]
    assert list(option.type.choices) == list(EXECUTORS) == ["local", "dask"]
