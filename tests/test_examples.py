"""The shipped example portfolio shows every part of the readiness model."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from workbook.cli import main
from workbook.records import STAGES


@pytest.fixture(scope="module")
def report() -> list[dict]:
    result = CliRunner().invoke(main, ["check", str(EXAMPLES), "--json", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_every_example_is_reported(report):
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 12
    assert sorted(e["path"] for e in report) == sorted(map(str, files))
    assert len({e["id"] for e in report}) == len(files)


def test_every_stage_is_supported_somewhere_and_labels_vary(report):
    supported = Counter(e["supported_stage"] for e in report)
    assert set(supported) == set(STAGES), supported
    assert sum(e["overclaimed"] for e in report) >= 3
    assert sum(not e["overclaimed"] for e in report) >= 3
    assert sum(e["target_stage"] is not None for e in report) >= 2


def test_examples_exercise_waivers_signoffs_and_statuses(report):
    waivers = [w for e in report for w in e["waivers"]]
    assert [w["expired"] for w in waivers].count(True) == 1
    assert [w["expired"] for w in waivers].count(False) >= 1
    signoffs = [s for e in report for s in e["signoffs"]]
    assert any(s["current"] for s in signoffs) and any(not s["current"] for s in signoffs)
    statuses = {b["status"] for e in report for b in e["blockers"]}
    assert {"missing", "unverified", "stale", "waiver_expired"} <= statuses


def test_not_applicable_with_and_without_justification():
    import datetime as dt

    from workbook.catalogue import load_catalogue
    from workbook.pipeline import assess_file

    catalogue = load_catalogue()
    results = [
        r
        for path in sorted(EXAMPLES.glob("*.yaml"))
        for r in assess_file(path, catalogue, dt.date(2026, 11, 23)).results
    ]
    assert any(r.status == "not_applicable" for r in results)
    assert any(r.detail == "marked not applicable without a justification" for r in results)


def test_make_demo_text_output_lists_every_example():
    result = CliRunner().invoke(main, ["check", str(EXAMPLES), "--as-of", "2026-11-23"])
    assert result.exit_code == 0
    heads = [line for line in result.stdout.splitlines() if line.startswith("  Labelled ")]
    assert len(heads) == len(list(EXAMPLES.glob("*.yaml")))
    assert result.stdout.splitlines()[-1].startswith(
        f"{len(heads)} records: {len(heads)} assessed, "
    )
