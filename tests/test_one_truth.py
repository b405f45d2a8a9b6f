"""Chapter 5 and `workbook check` never disagree on one record and one date.

For each record, papermill really runs notebooks/05-promotion-verdict.ipynb with the
record and the date as parameters (one kept kernel serves every run), and the test reads
what an analyst reads in the executed notebook: the cover's facts (claimed stage, stage
the evidence supports, as-of date) and the status of every criterion in the status matrix.
`workbook check --json` on the same record and date must say the same.

The records: two shipped examples; a copy whose evaluation evidence is dated after the
as-of date (the issue's case: JupyterLab and the CLI then gave two verdicts); and the
notebook's defaults (the shipped example, as of today).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import AS_OF, EXAMPLES
from workbook.cli import main
from workbook.paths import NOTEBOOKS
from workbook.render.execute import run_notebook
from workbook.render.kernels import KeptKernel

pytestmark = pytest.mark.slow

CHAPTER = NOTEBOOKS / "05-promotion-verdict.ipynb"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


@pytest.fixture(scope="module")
def kernel():
    kept = KeptKernel()
    yield kept
    kept.close()


def run_chapter(kernel: KeptKernel, record: str, as_of: str, tmp_path: Path) -> Any:
    nb = nbformat.read(CHAPTER, as_version=4)
    parameters = {"initiative_path": record, "as_of": as_of}
    return run_notebook(
        nb, parameters, record=record or "example", partial=tmp_path / "failed.ipynb",
        timeout=300, kernels=kernel,
    )  # fmt: skip


def outputs(nb: Any, code: str) -> list[Any]:
    """The outputs of the one cell whose source is ``code``."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == code]
    return cell.outputs


def cover_facts(nb: Any) -> dict[str, str]:
    """The cover's facts table, as shown: row heading -> value."""
    (out,) = outputs(nb, "wb.cover()")
    table = BeautifulSoup(out.data["text/html"], "html.parser").select_one("table.wb-facts")
    return {
        tr.th.get_text(" ", strip=True): tr.td.get_text(" ", strip=True)
        for tr in table.select("tr")
    }


def matrix_statuses(nb: Any) -> dict[str, tuple[str, str]]:
    """criterion -> (gate as shown, status as shown), from the status matrix's cells."""
    (out,) = outputs(nb, "wb.status_matrix()")
    (trace,) = out.data[PLOTLY_MIME]["data"]
    shown = {}
    for criterion, row in zip(trace["y"], trace["text"], strict=True):
        ((gate, status),) = [(g, s) for g, s in zip(trace["x"], row, strict=True) if s]
        shown[criterion] = (gate, status)
    return shown


def check(record: Path, as_of: str) -> dict[str, Any]:
    args = ["check", str(record), "--json"] + (["--as-of", as_of] if as_of else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output  # 1: a gate fails, still a verdict
    (entry,) = json.loads(result.stdout)
    return entry


def label(stage: str) -> str:
    """A stage as the cover writes it: ``production_candidate`` -> "production candidate"."""
    return stage.replace("_", " ")


def assert_same_verdict(nb: Any, cli: dict[str, Any]) -> None:
    facts = cover_facts(nb)
    assert facts["Claimed stage"] == label(cli["claimed_stage"])
    assert facts["Stage the evidence supports"] == label(cli["supported_stage"])
    # No next gate once every gate passes: the cover says "none: all gates passed".
    next_gate = cli["next_gate"]
    assert facts["Next gate"] == (label(next_gate) if next_gate else "none: all gates passed")
    assert facts["Assessed as of"] == cli["as_of"]
    expected = {r["criterion"]: (label(r["gate"]), r["status"]) for r in cli["results"]}
    assert matrix_statuses(nb) == expected


@pytest.mark.parametrize("name", ["claims-triage", "kyc-document-check"])
def test_an_example_reads_the_same_in_chapter_5_and_the_cli(kernel, tmp_path, name):
    record = EXAMPLES / f"{name}.yaml"
    nb = run_chapter(kernel, str(record), AS_OF.isoformat(), tmp_path)
    assert_same_verdict(nb, check(record, AS_OF.isoformat()))


def test_evidence_dated_after_the_as_of_date_counts_nowhere(kernel, tmp_path):
    # claims-triage cites one evaluation, dated 2026-10-28; moved to 2026-11-28 it is
    # dated after the as-of date 2026-11-23, so no evaluation backs the baseline criterion
    # (trust.baseline_evaluation: "field" kind with evidence: evaluation) on that date.
    shutil.copy(EXAMPLES / "claims-triage.yaml", tmp_path / "claims-triage.yaml")
    shutil.copytree(
        EXAMPLES / "evidence" / "claims-triage", tmp_path / "evidence" / "claims-triage"
    )
    record = tmp_path / "claims-triage.yaml"
    text = record.read_text(encoding="utf-8")
    cited = "path: evidence/claims-triage/eval-2026-10.csv\n    date: 2026-10-28"
    assert text.count(cited) == 1
    record.write_text(text.replace(cited, cited.replace("2026-10-28", "2026-11-28")), "utf-8")

    nb = run_chapter(kernel, str(record), AS_OF.isoformat(), tmp_path)
    cli = check(record, AS_OF.isoformat())
    assert_same_verdict(nb, cli)
    assert matrix_statuses(nb)["trust.baseline_evaluation"][1] != "met"


def test_the_notebook_defaults_read_the_same_as_the_cli_today(kernel, tmp_path):
    # initiative_path "" opens the shipped example, as_of "" means today, in both.
    from workbook.present.notebook import DEFAULT_EXAMPLE

    before = dt.date.today()
    nb = run_chapter(kernel, "", "", tmp_path)
    cli = check(DEFAULT_EXAMPLE, "")
    if dt.date.today() != before:  # midnight passed between the two: both are right
        pytest.fail("the run crossed midnight; run the test again")
    assert cli["as_of"] == before.isoformat()
    assert_same_verdict(nb, cli)
