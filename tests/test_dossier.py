"""Dossiers from real notebook runs: content, size, safety, failure, plain papermill."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import EXAMPLES, HOSTILE_NAME, PLANTED_PII, REPO, papermill_cli
from workbook.cli import main
from workbook.paths import NOTEBOOKS
from workbook.render.dossier import DOSSIER_NOTEBOOK, build_notebook

pytestmark = pytest.mark.slow
MB = 1024 * 1024


# Charts per dossier, counted by hand from notebooks/dossier.ipynb (the cells tagged "chart")
# and the record. A chart cell draws a plotly figure, or a sentence saying why it cannot:
#   cover         wb.readiness_chart()    the next gate's criteria; none when every gate passes
#   data          wb.expectations_chart() the newest data extract with declared expectations
#   observability wb.coverage_chart()     the log sample the coverage criterion judged (the
#                                         newest cited), when it could be measured
#                 wb.latency_chart()      the sample the latency criterion judged, when it
#                                         could be measured and carries latencies
#                 wb.pass_rate_chart()    the evaluation the quality criterion judged, when
#                                         it could be measured
#   verdict       wb.status_matrix()      always
#                 wb.stage_history_chart() two or more assessments; the fixture keeps no ledger
#
# claims-triage (the largest example): production, every criterion of all three gates met
# (its header comment), so no next gate: no readiness chart. It cites an extract with
# expectations (fnol-extract-2026-11.csv), a log sample with latency_ms on every line
# (logs-2026-11-10.jsonl) and an evaluation (eval-2026-10.csv): 1 + 1 + 1 + 1, plus the
# status matrix = 5.
LARGEST_CHARTS = 5
# hostile (kyc-document-check renamed, plus conftest.HOSTILE_EVIDENCE): labelled production
# candidate, supported prototype, so the mvp gate is next: a readiness chart. The added
# extract.csv declares expectations; the log criteria judge cut.jsonl.gz (2026-11-03, newer
# than logs.jsonl), which is unreadable, so neither log chart is drawn (no older sample in
# its place); the added eval.csv (2026-11-01, newer than kyc's own) is measured:
# 1 + 1 + 0 + 0 + 1, plus the status matrix = 4.
HOSTILE_CHARTS = 4


def test_largest_example_dossier_is_complete_and_small(dossiers):
    path = dossiers["largest"]
    assert path.name == "claims-triage.html", "LARGEST_CHARTS is counted for this record"
    assert path.stat().st_size <= 6 * MB
    soup = BeautifulSoup(path.read_text(), "html.parser")
    toc = [a.get_text() for a in soup.select("nav.dossier-toc a")]
    assert toc == [
        "Readiness dossier",
        "1. Stage and boundaries",
        "2. Data and data gaps",
        "3. Ownership, support and integration",
        "4. Logging, observability and trust",
        "5. Promotion verdict",
        "Appendix: how this dossier was made",
    ]
    text = soup.get_text(" ")
    assert "Labelled " in text and "the evidence supports" in text
    for part in (
        "Conditions not yet met",
        "Waivers and criteria marked not applicable",
        "Sign-offs",
        "Workbook version",
        "Digest",
        "Generated",
    ):
        assert part in text, part
    # One plotly output per chart the record's evidence can draw; the rest say why not.
    assert len(soup.select(".jp-RenderedPlotly")) == LARGEST_CHARTS
    assert "Every gate is passed." in text and "One assessment so far" in text
    assert not (path.parent / "failed").exists()


def test_hostile_name_is_text_and_nothing_local_leaks(dossiers):
    html = dossiers["hostile"].read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select("[onerror]") == []
    assert HOSTILE_NAME in soup.get_text(), "shown as text"
    for local in (str(dossiers["work"]), str(REPO), str(Path.home()), sys.prefix, "/tmp/"):
        assert local not in html, local
    assert "initiative_path = 'hostile.yaml'" in html  # the file name only, not where it lives
    # readiness, data expectations, pass rate and the status matrix
    assert len(soup.select(".jp-RenderedPlotly")) == HOSTILE_CHARTS
    for raw in PLANTED_PII:
        assert raw not in html, "personal data from the log sample is only shown redacted"
    text = soup.get_text(" ")
    assert "compressed data is damaged or cut short" in text, "unreadable evidence says why"
    # Two redacted examples, each the first line holding one kind of personal data.
    assert "ask [e-mail address]" in text and "ask [phone number]" in text


def test_committed_dossier_notebook_matches_the_chapters():
    committed = nbformat.read(NOTEBOOKS / DOSSIER_NOTEBOOK, as_version=4)
    built = build_notebook()
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in committed.cells] == [
        (c.cell_type, c.source, c.metadata.get("tags")) for c in built.cells
    ], "run `python -m workbook.render.dossier` to rewrite notebooks/dossier.ipynb"
    assert [c for c in committed.cells if c.get("outputs")] == []


def test_plain_papermill_cli_runs_the_dossier_notebook(tmp_path):
    code, stderr, outputs = papermill_cli(
        "notebooks/dossier.ipynb",
        tmp_path / "out.ipynb",
        initiative_path="data/examples/invoice-coding.yaml",
        as_of="2026-11-23",
    )
    assert code == 0, stderr[-2000:]
    shown = json.dumps(outputs)
    assert "Labelled production; the evidence supports mvp." in shown


def notebooks_with_cell(tmp_path: Path, chapter: str, source: str) -> Path:
    """A copy of the shipped notebooks with one extra code cell at the end of a chapter."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / chapter, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, notebooks / chapter)
    return notebooks


def failing_notebooks(tmp_path: Path) -> Path:
    return notebooks_with_cell(
        tmp_path, "02-data-gaps.ipynb", "raise RuntimeError('evidence could not be parsed')"
    )


def test_failing_cell_exits_1_names_record_and_cell_and_keeps_partial(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "claims-triage.html").write_text("previous dossier")
    record = EXAMPLES / "claims-triage.yaml"
    result = CliRunner().invoke(
        main,
        [
            "dossier",
            str(record),
            "-o",
            str(out),
            "--as-of",
            "2026-11-23",
            "--notebooks",
            str(failing_notebooks(tmp_path)),
        ],
    )
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{record}: cell ")
    assert "(chapter 'Data and data gaps'): RuntimeError: evidence could not be parsed" in line
    partial = out / "failed" / "claims-triage.ipynb"
    assert line.endswith(f"partial notebook kept at {partial}")
    failed = nbformat.read(partial, as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in failed.cells for o in c.get("outputs", []))
    assert failed.cells[0].metadata["tags"] == ["papermill-error-cell-tag"], "papermill's banner"
    assert (out / "claims-triage.html").read_text() == "previous dossier"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [], "no temp file left"


def test_cli_writes_dossier_and_reports_path(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "dossier",
            str(EXAMPLES / "sales-forecast-narrative.yaml"),
            "-o",
            str(tmp_path / "d"),
            "--as-of",
            "2026-11-23",
        ],
    )
    assert result.exit_code == 0, result.stderr
    target = tmp_path / "d" / "sales-forecast-narrative.html"
    assert result.stdout == f"wrote {target}\n"
    assert "Labelled mvp; the evidence supports prototype." in target.read_text()
    assert os.stat(target).st_mode & 0o777 == 0o644


def test_invalid_record_is_one_line_exit_2_and_no_kernel(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nid: bad\nname: B\nstage: beta\n")
    result = CliRunner().invoke(main, ["dossier", str(bad), "-o", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert (
        result.stderr == f"{bad}: stage: unknown value 'beta' (expected one of prototype, mvp, "
        "production_candidate or production)\n"
    )
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").iterdir())


def test_timeout_names_the_cell_and_keeps_the_partial_notebook(tmp_path):
    notebooks = notebooks_with_cell(
        tmp_path, "04-logging-and-observability.ipynb", "import time; time.sleep(60)"
    )
    out = tmp_path / "out"
    record = EXAMPLES / "it-ticket-routing.yaml"
    result = CliRunner().invoke(
        main,
        [
            "dossier",
            str(record),
            "-o",
            str(out),
            "--as-of",
            "2026-11-23",
            "--notebooks",
            str(notebooks),
            "--timeout",
            "2",
        ],
    )
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "(chapter 'Logging, observability and trust'): CellTimeoutError: " in line
    assert (out / "failed" / "it-ticket-routing.ipynb").exists()
    assert not (out / "it-ticket-routing.html").exists()


@pytest.mark.parametrize(
    ("record_text", "args", "message"),
    [
        (
            "schema_version: 1\nid: w\nname: W\nstage: mvp\nwaivers:\n  - {criterion: nope, reason: r, "
            "approver: a, expires: 2027-01-01}\n",
            [],
            "waivers[0].criterion: unknown criterion 'nope'",
        ),
        (
            "schema_version: 1\nid: w\nname: W\nstage: mvp\n",
            ["--gates", "missing-gates.yaml"],
            "missing-gates.yaml: file not found",
        ),
    ],
    ids=["unknown-waiver", "missing-catalogue"],
)
def test_what_check_refuses_dossier_refuses_before_any_kernel(
    tmp_path, monkeypatch, record_text, args, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.yaml").write_text(record_text)
    result = CliRunner().invoke(main, ["dossier", "w.yaml", "-o", "out", *args])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert message in line
    assert not (tmp_path / "out").exists(), "no kernel ran, nothing was written"


def test_notebook_defaults_open_the_example_from_any_folder(tmp_path, monkeypatch):
    from workbook.present.notebook import open_initiative

    monkeypatch.chdir(tmp_path)
    wb = open_initiative("", "2026-11-23")
    assert wb.record.id == "kyc-document-check"
    assert wb.parameters["initiative_path"] == "kyc-document-check.yaml"


def test_the_kernel_is_handed_the_day_the_check_used(tmp_path, monkeypatch):
    # Without --as-of, the check before the kernel and the kernel itself must assess as of
    # the same day: write_dossier reads the clock once and passes the date explicitly ("" in
    # the parameters would make the kernel read the clock again, maybe after midnight).
    import datetime as dt

    from workbook.render import dossier

    handed: dict[str, object] = {}

    def stop(nb, parameters, **kwargs):
        handed.update(parameters)
        raise RuntimeError("stopped before any kernel")

    monkeypatch.setattr(dossier, "run_notebook", stop)
    with pytest.raises(RuntimeError):
        dossier.write_dossier(EXAMPLES / "claims-triage.yaml", tmp_path)
    assert handed["as_of"] == dt.date.today().isoformat()
