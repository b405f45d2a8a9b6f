"""What the evidence measured, as the notebooks and dossiers show it: views and charts."""

from __future__ import annotations

import json
import shutil

import pytest
from bs4 import BeautifulSoup

from conftest import (
    AS_OF,
    EXAMPLES,
    HOSTILE_COLUMN,
    HOSTILE_EVIDENCE,
    HOSTILE_NAME,
    HOSTILE_SLICE,
    PLANTED_PII,
    _write_hostile_evidence,
)
from workbook.model.catalogue import load_catalogue
from workbook.pipeline import assess_file
from workbook.present import charts, measured
from workbook.present.notebook import open_initiative


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory):
    """A hostile copy of kyc-document-check whose evidence injects markup and personal data."""
    work = tmp_path_factory.mktemp("hostile")
    shutil.copytree(EXAMPLES, work / "examples")
    text = (EXAMPLES / "kyc-document-check.yaml").read_text()
    text = text.replace("id: kyc-document-check", "id: hostile")
    text = text.replace("name: KYC document check", f"name: '{HOSTILE_NAME}'")
    path = work / "examples" / "hostile.yaml"
    path.write_text(text.replace("\nwaivers: []", "\n" + HOSTILE_EVIDENCE + "waivers: []"))
    _write_hostile_evidence(work / "examples" / "evidence" / "hostile")
    return path


@pytest.fixture(scope="module")
def hostile(hostile_path):
    """The hostile copy, assessed (no kernel)."""
    return assess_file(hostile_path, load_catalogue(), AS_OF)


#: The newer, unreadable log sample the hostile copy cites.
CUT = "  - {kind: log_sample, path: evidence/hostile/cut.jsonl.gz, date: 2026-11-03}\n"


@pytest.fixture(scope="module")
def hostile_readable(hostile_path):
    """The hostile copy without its cut log sample: logs.jsonl is then the file judged."""
    assert CUT in HOSTILE_EVIDENCE
    path = hostile_path.with_name("hostile-readable.yaml")
    text = hostile_path.read_text().replace(CUT, "").replace("id: hostile", "id: hostile-readable")
    path.write_text(text)
    return assess_file(path, load_catalogue(), AS_OF)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = int(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_log_view_escapes_file_text_and_shows_personal_data_only_redacted(hostile):
    view = measured.logs_view(hostile)
    page = soup(view.html)
    assert page.select("img, script, [onerror]") == [], "markup from the log file stays text"
    for raw in PLANTED_PII:
        assert raw not in view.html and raw not in view.text
    pii = page.select_one("table.wb-pii")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in pii.select("tbody tr")
    ]
    # 210 lines cycle through an e-mail, a card and a phone number: 70 each.
    assert [r[:7] for r in rows] == [["input", "inputs", "no", "70", "70", "70", "0"]]
    examples = pii.select("td ul li code")
    assert 1 <= len(examples) <= 2
    assert all("[" in e.get_text() for e in examples), "each example shows a redaction label"
    assert "<img src=x onerror=window.__pwned=2>" in examples[0].get_text()


def test_unreadable_evidence_is_shown_with_its_reason(hostile):
    html = measured.logs_view(hostile).html
    text = soup(html).get_text(" ", strip=True)
    assert "evidence/hostile/cut.jsonl.gz" in text
    assert "compressed data is damaged or cut short" in text
    assert "unreadable" in text
    # cut.jsonl.gz (2026-11-03) is newer than logs.jsonl (2026-11-02): the log criteria
    # judge it, and logs.jsonl is shown as not judged.
    judged = [p.get_text(" ", strip=True) for p in soup(html).select(".wb-judged")]
    assert judged[0].startswith("Criteria that judge this file: ")
    assert "trust.latency ⚠ unreadable" in judged[0]
    assert judged[1] == (
        "No criterion judges this file; they judge evidence/hostile/cut.jsonl.gz (2026-11-03)."
    )


def test_coverage_view_marks_each_planned_signal_as_the_criterion_judged(hostile_readable):
    page = soup(measured.logs_view(hostile_readable).html)
    rows = {
        tr.select("td")[0].get_text(): [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in page.select("table.wb-coverage tbody tr")
    }
    # kyc plans exceptions, latency and human overrides as logged: all present in 210 of 210,
    # each judged against observability.log_sample's 95%; the others are not required.
    assert rows["latency"][1:] == [
        "logged", "latency_ms", "100.0%", "210", "100.0% (reaches 95.0%)"
    ]  # fmt: skip
    assert rows["exceptions"][3] == "100.0%", "a present null error field counts (nothing failed)"
    assert rows["prompts"][1:] == ["no plan", "prompt", "0.0%", "0", "not required"]
    assert rows["inputs"][3] == "100.0%"


def test_evaluation_view_gives_interval_and_slices_as_text(hostile):
    view = measured.evaluations_view(hostile)
    page = soup(view.html)
    assert page.select("b, [onmouseover]") == []
    slices = [tr.select("td")[0].get_text() for tr in page.select("table.wb-slices tbody tr")]
    assert HOSTILE_SLICE in slices and "driving_licence" in slices
    # 30 cases, every fifth fails: 24 of 30 pass.
    assert "24 of 30 cases pass (80.0%)" in page.get_text()


def test_extract_view_lists_measured_gaps(hostile):
    page = soup(measured.extracts_view(hostile).html)
    assert page.select("svg") == []
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in page.select("table.wb-expectations tbody tr")]  # fmt: skip
    assert rows == [
        [HOSTILE_COLUMN, "required", "✓ met", "present", ""],
        ["missing_column", "required", "▼ below threshold", "column is missing", "not registered"],
        [
            "id",
            "unique key",
            "▼ below threshold",
            # One id on two rows: both share it (as GX and pandera count), one repeats it.
            "2 rows share a key with another row; 1 of them repeats a key already seen "
            "(GX and pandera count the 2)",
            "not registered",
        ],
    ]
    assert "2 measured data gaps" in page.get_text()


def test_charts_carry_the_measured_values(hostile, hostile_readable):
    # The log criteria judge the unreadable cut.jsonl.gz: nothing to draw for them.
    assert charts.coverage_chart(hostile) is None
    assert charts.latency_chart(hostile) is None
    coverage = charts.coverage_chart(hostile_readable)
    (bar,) = coverage.data
    assert bar["x"][bar["y"].index("latency (planned: logged)")] == 1.0
    assert coverage.layout["shapes"][0]["x0"] == 0.95
    latency = charts.latency_chart(hostile_readable)
    assert sum(latency.data[0]["y"]) == 210
    values = [900 + 10 * i for i in range(210)]  # what the hostile sample logged
    expected = [percentile(values, q) for q in (0.5, 0.95, 0.99)]
    assert [s["x0"] for s in latency.layout["shapes"]][:3] == pytest.approx(expected)
    rates = charts.pass_rate_chart(hostile)
    (points,) = rates.data
    assert points["x"][0] == pytest.approx(0.8)
    assert "&lt;b onmouseover" in json.dumps(points["y"]), "slice names are escaped for plotly"
    gaps = charts.expectations_chart(hostile)
    assert [t.startswith("✓") for t in gaps.data[0]["text"]] == [True, False, False]


def test_latency_chart_marks_the_threshold(tmp_path):
    wb = open_initiative(EXAMPLES / "claims-triage.yaml", "2026-11-23")
    chart = wb.latency_chart()
    limit = wb.record.trust.thresholds.latency_p95_ms
    xs = [s["x0"] for s in chart.layout["shapes"]]
    assert limit in xs
    labels = [a["text"] for a in chart.layout["annotations"]]
    assert any("threshold" in t and f"{limit:,.0f}" in t for t in labels)


def test_without_measured_evidence_each_chart_says_so():
    wb = open_initiative(EXAMPLES / "sales-forecast-narrative.yaml", "2026-11-23")
    for method in ("coverage_chart", "latency_chart", "pass_rate_chart", "expectations_chart"):
        shown = getattr(wb, method)()
        assert hasattr(shown, "html") and shown.html.startswith("<p>No "), method
    assert wb.measured("logs").text == "No log sample cited."
    with pytest.raises(KeyError, match="known: logs, data, evaluation"):
        wb.measured("metrics")


def test_check_json_reports_measurements_and_unreadable_evidence(hostile_path):
    from click.testing import CliRunner

    from workbook.cli import main

    result = CliRunner().invoke(
        main, ["check", str(hostile_path), "--json", "--as-of", "2026-11-23"]
    )
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)
    by_place = {e["location"]: e for e in entry["evidence"]}
    cut = by_place["evidence/hostile/cut.jsonl.gz"]
    assert (cut["readable"], cut["measured"]) == (False, None)
    assert cut["reason"].startswith("compressed data is damaged or cut short")
    logs = by_place["evidence/hostile/logs.jsonl"]["measured"]
    assert logs["records"] == 210
    assert logs["personal_data"] == {"input": {"emails": 70, "phones": 70, "cards": 70, "ibans": 0}}
    evaluation = by_place["evidence/hostile/eval.csv"]["measured"]
    assert (evaluation["cases"], evaluation["passed"]) == (30, 24)
    assert entry["shadow_production"] is None  # claims production candidate, not prototype


def test_measured_gaps_are_set_beside_the_register():
    wb = open_initiative(EXAMPLES / "invoice-coding.yaml", "2026-11-23")
    page = soup(wb.measured("data").html)
    failed = {
        tds[0].get_text(): tds[4].get_text(" ", strip=True)
        for tds in (tr.select("td") for tr in page.select("table.wb-expectations tbody tr"))
        if "below" in tds[2].get_text()
    }
    assert failed == {
        "cost_centre": "registered as closed",
        "invoice_id, line_no": "not registered",
    }
    register = soup(wb.chapter("data").html).select("table.wb-gaps tbody tr")
    columns = {tr.select("td")[0].get_text(): tr.select("td")[6].get_text() for tr in register}
    assert columns == {"recoded-history-2024": "cost_centre", "vat-code-drift": "vat_code"}
