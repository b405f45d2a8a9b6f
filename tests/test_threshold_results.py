"""Threshold verdicts are decided once, in the model, and shown as decided.

A ``threshold`` criterion's result carries a ``Measurement``: the evidence file it
judged and, per measured value, the limit, whether it passed and the figures of its
detail. Views and charts read it: they show the file the criterion judged and mark
"over", "below" or "breach" only where the criterion said so.

Every expected figure below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import pickle
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import conftest
from conftest import AS_OF, FULL, full_record
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import FieldPII, Percentiles
from workbook.model.assess import Assessment, CriterionResult, assess
from workbook.model.catalogue import parse_catalogue
from workbook.model.criteria import Measurement, Reading
from workbook.model.records import SIGNALS
from workbook.present import charts, measured

OLD_LOG = "evidence/log_sample.txt"  # FULL cites one file per kind, dated 2026-11-01
WHERE = f"{OLD_LOG} of 2026-11-01"
#: A week of traffic before the sample's date (2026-10-25 to 10-31), 5 days or more with
#: records: the default minimum sample (200 records over 7 days, 5 active) is met.
WEEK = {dt.date(2026, 10, 25) + dt.timedelta(days=i): 143 - (i == 6) for i in range(7)}


def log_measures(**changes):
    """conftest's clean log sample spread over a week, every input distinct."""
    records = changes.get("records", 1000)
    return conftest.log_measures(**{
        "per_day": WEEK, "first": dt.datetime(2026, 10, 25, 8),
        "last": dt.datetime(2026, 10, 31, 18),
        "distinct": {"inputs": records, "outputs": records}, **changes,
    })  # fmt: skip


def findings(record, unreadable=None, measured=None):
    """conftest's findings with a log sample and an extract big and tight enough to judge."""
    checks = (
        Check("required", "id", True, "present"),
        Check("required", "amount", True, "present"),
        Check("type number", "amount", True, "all number"),
    )
    passing = {"log_sample": log_measures(),
               "data_extract": ExtractMeasures(40, ("id", "amount"), checks)}  # fmt: skip
    return conftest.findings(record, unreadable, {**passing, **(measured or {})})


def result(a: Assessment, criterion_id: str) -> CriterionResult:
    return next(r for r in a.results if r.criterion.id == criterion_id)


def page(view) -> BeautifulSoup:
    return BeautifulSoup(view.html, "html.parser")


def seen(node) -> str:
    """The text a reader sees, spaces collapsed (a <strong> word joins its sentence)."""
    return " ".join(node.get_text().split())


def facts(html: BeautifulSoup) -> dict[str, str]:
    return {seen(tr.th): seen(tr.td) for tr in html.select("table.wb-facts tr")}


def coverage_rows(html: BeautifulSoup) -> dict[str, list[str]]:
    rows = html.select("table.wb-coverage tbody tr")
    return {tr.td.get_text(): [seen(td) for td in tr.select("td")][1:] for tr in rows}


def wilson_lower(k: int, n: int) -> float:
    """Wilson's lower bound, closed form, z for 95% (not the code under test)."""
    z = 1.959963984540054
    p = k / n
    return (2 * n * p + z * z - z * math.sqrt(z * z + 4 * n * p * (1 - p))) / (2 * (n + z * z))


# --------------------------------------------------------------- error rate


@pytest.fixture
def error_304(default_catalogue) -> Assessment:
    """76 errors in 2,500 records (3.04%) against an error-rate threshold of 3%."""
    record = full_record({"trust.thresholds.error_rate": 0.03})
    logs = log_measures(records=2500, covered=dict.fromkeys(SIGNALS, 2500), errors=76)
    return assess(record, default_catalogue, AS_OF, findings(record, measured={"log_sample": logs}))


def test_error_rate_reading_carries_the_figures_of_the_detail(error_304):
    r = result(error_304, "trust.error_rate")
    # 76 / 2,500 = 0.0304. At one decimal both read "3.0%", so the detail uses two:
    # 3.04% against 3.00%.
    assert r.detail == f"measured error rate 3.04% (76 of 2,500); required at most 3.00% ({WHERE})"
    assert r.measurement == Measurement(
        "error_rate",
        "log_sample",
        OLD_LOG,
        AS_OF.replace(day=1),
        (Reading("error rate", 76 / 2500, 0.03, "at_most", False, "3.04%", "3.00%"),),
    )


def test_error_rate_view_shows_distinct_figures(error_304):
    # Before: "3.0% (over 3.0%)", a value over its limit that reads as the limit.
    assert facts(page(measured.logs_view(error_304)))["Error rate"] == "3.04% (over 3.00%)"


def test_a_result_with_its_measurement_is_an_immutable_picklable_json_value(error_304):
    r = result(error_304, "trust.error_rate")
    assert pickle.loads(pickle.dumps(r)) == r
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.measurement.readings[0].passed = True  # type: ignore[misc]
    expected = {
        "measure": "error_rate",
        "evidence": "log_sample",
        "location": OLD_LOG,
        "date": "2026-11-01",
        "readings": [
            {
                "name": "error rate",
                "value": 0.0304,
                "limit": 0.03,
                "bound": "at_most",
                "passed": False,
                "shown": "3.04%",
                "limit_shown": "3.00%",
            }
        ],
    }
    assert json.loads(json.dumps(r.to_dict()))["measurement"] == expected
    (blocker,) = [b for b in error_304.to_dict()["blockers"] if b["criterion"] == r.criterion.id]
    assert blocker["measurement"] == expected, "`workbook check --json` carries it"


def test_criteria_that_measure_nothing_carry_no_measurement(error_304):
    r = result(error_304, "scope.workflow")
    assert r.measurement is None
    assert "measurement" not in r.to_dict()


# --------------------------------------------------------------- latency


@pytest.fixture
def slow(default_catalogue) -> Assessment:
    """A p95 of 2,000.4 ms against FULL's 2,000 ms threshold."""
    record = full_record()
    logs = log_measures(latency=Percentiles(800.0, 2000.4, 2100.0, 1000))
    return assess(record, default_catalogue, AS_OF, findings(record, measured={"log_sample": logs}))


def test_latency_view_and_chart_read_the_criterions_figures(slow):
    # At whole milliseconds both read "2,000"; one decimal tells them apart.
    r = result(slow, "trust.latency")
    assert r.measurement.readings == (
        Reading("p95", 2000.4, 2000.0, "at_most", False, "2,000.4 ms", "2,000.0 ms"),
    )
    latency = facts(page(measured.logs_view(slow)))["Latency"]
    assert latency == "p50 800 ms · p95 2,000.4 ms (over 2,000.0 ms) · p99 2,100 ms"
    chart = charts.latency_chart(slow)
    assert [n["text"] for n in chart.layout["annotations"]] == [
        "p50 800 ms",
        "p95 2,000.4 ms",
        "p99 2,100 ms",
        "threshold: p95 at most 2,000.0 ms",
    ]
    assert [s["x0"] for s in chart.layout["shapes"]] == [800.0, 2000.4, 2100.0, 2000.0]


# --------------------------------------------------------------- quality


def test_quality_lower_bound_shows_distinct_figures(default_catalogue):
    record = full_record()  # quality threshold 0.9
    # 112 cases: above the 100 trust.measured_performance asks for.
    evals = EvalMeasures(PassRate(None, 112, 107), (), "'passed' column")
    a = assess(record, default_catalogue, AS_OF, findings(record, measured={"evaluation": evals}))
    # Wilson's lower bound of 107 of 112 is 0.89973...: "90.0%" at one decimal, like the
    # threshold; at two, 89.97% against 90.00%.
    low = wilson_lower(107, 112)
    assert 0.8997 < low < 0.8998
    (reading,) = result(a, "trust.measured_performance").measurement.readings
    assert (reading.passed, reading.shown, reading.limit_shown) == (False, "89.97%", "90.00%")
    text = seen(page(measured.evaluations_view(a)))
    assert "lower bound 89.97% falls short of the threshold 90.00%" in text
    (points,) = charts.pass_rate_chart(a).data
    # 107 / 112 = 95.5%; the lower bound is the criterion's figure, not a rounded one.
    assert points["text"][0].startswith("95.5% (89.97%–")
    assert points["marker"]["color"] == [charts.WEAK]
    (note,) = charts.pass_rate_chart(a).layout["annotations"]
    assert note["text"] == "threshold 90.00%: the lower bound must reach it"


def test_a_stale_evaluation_is_shown_without_a_verdict(default_catalogue):
    # trust.measured_performance counts evaluations at most 90 days old; 2026-06-01 is
    # 175 days before 2026-11-23: stale, so no value was compared with the threshold.
    evidence = [e for e in FULL["evidence"] if e["kind"] != "evaluation"]
    old = {"kind": "evaluation", "path": "evidence/eval.csv", "date": "2026-06-01"}
    record = full_record({"evidence": [*evidence, old]})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    r = result(a, "trust.measured_performance")
    assert r.status == "stale"
    assert (r.measurement.location, r.measurement.readings) == ("evidence/eval.csv", ())
    html = page(measured.evaluations_view(a))
    assert "trust.measured_performance ↻ stale" in seen(html.select_one(".wb-judged"))
    assert "threshold" not in html.get_text(), "no value was compared with it"
    chart = charts.pass_rate_chart(a)
    assert chart.layout["shapes"] == []
    assert chart.data[0]["marker"]["color"] == [charts.NEUTRAL]


# --------------------------------------------------------------- coverage

TWO_COVERAGE_CRITERIA = {
    "catalogue_version": 1,
    "name": "Two coverage levels",
    "freshness_days": {"log_sample": 90},
    "criteria": [
        {
            "id": "cov.loose",
            "gate": "production_candidate",
            "area": "observability",
            "kind": "threshold",
            "measure": "signal_coverage",
            "min_coverage": 0.8,
            "question": "q",
            "rationale": "r",
            "satisfied_by": "s",
        },
        {
            "id": "cov.strict",
            "gate": "production",
            "area": "observability",
            "kind": "threshold",
            "measure": "signal_coverage",
            "min_coverage": 0.95,
            "question": "q",
            "rationale": "r",
            "satisfied_by": "s",
        },
    ],
}


@pytest.fixture
def two_levels() -> Assessment:
    """1,000 records: inputs in 900 (90%), outputs in 700 (70%), the rest in all."""
    catalogue = parse_catalogue(TWO_COVERAGE_CRITERIA, Path("two.yaml"))
    record = full_record()  # plans all nine signals as logged
    logs = log_measures(covered={**dict.fromkeys(SIGNALS, 1000), "inputs": 900, "outputs": 700})
    return assess(record, catalogue, AS_OF, findings(record, measured={"log_sample": logs}))


def test_each_coverage_criterion_judges_with_its_own_level(two_levels):
    loose, strict = (result(two_levels, c) for c in ("cov.loose", "cov.strict"))
    # 90% reaches 80% but not 95%; 70% reaches neither.
    assert [(r.name, r.passed) for r in loose.measurement.readings if not r.passed] == [
        ("outputs", False)
    ]
    assert [r.name for r in strict.measurement.readings if not r.passed] == ["inputs", "outputs"]
    assert [r.limit_shown for r in strict.measurement.readings] == ["95.0%"] * len(SIGNALS)
    assert (loose.status, strict.status) == ("below_threshold", "below_threshold")


def test_coverage_view_has_a_column_per_criterion(two_levels):
    html = page(measured.logs_view(two_levels))
    headers = [th.get_text() for th in html.select("table.wb-coverage thead th")]
    assert headers[5:] == ["Required by cov.loose", "Required by cov.strict"]
    rows = coverage_rows(html)
    assert rows["inputs"][4:] == ["90.0% (reaches 80.0%)", "90.0% (▼ below 95.0%)"]
    assert rows["outputs"][4:] == ["70.0% (▼ below 80.0%)", "70.0% (▼ below 95.0%)"]
    assert rows["prompts"][4:] == ["100.0% (reaches 80.0%)", "100.0% (reaches 95.0%)"]
    text = seen(html)
    assert "cov.loose asks at least 80.0% for every signal the plan logs." in text
    assert "cov.strict asks at least 95.0% for every signal the plan logs." in text


def test_coverage_chart_draws_each_criterions_level(two_levels):
    chart = charts.coverage_chart(two_levels)
    assert [s["x0"] for s in chart.layout["shapes"]] == [0.8, 0.95]
    assert [n["text"] for n in chart.layout["annotations"]] == [
        "required 80.0% (cov.loose)",
        "required 95.0% (cov.strict)",
    ]
    (bar,) = chart.data
    colour = dict(zip(SIGNALS, bar["marker"]["color"], strict=True))
    text = dict(zip(SIGNALS, bar["text"], strict=True))
    assert (colour["inputs"], colour["outputs"], colour["prompts"]) == (
        charts.WEAK,
        charts.WEAK,
        charts.STRONG,
    )
    assert text["inputs"] == "90.0% ▼ below 95.0%"
    assert text["outputs"] == "70.0% ▼ below 80.0% and 95.0%"
    assert text["prompts"] == "100.0%"


def test_coverage_just_below_its_level_reads_below_it(default_catalogue):
    # 9,496 of 10,000 = 94.96%: "95.0%" at one decimal, like the level; two decimals show it.
    record = full_record()
    counts = {**dict.fromkeys(SIGNALS, 10_000), "outputs": 9496}
    logs = log_measures(records=10_000, covered=counts, errors=50)
    a = assess(record, default_catalogue, AS_OF, findings(record, measured={"log_sample": logs}))
    (bar,) = charts.coverage_chart(a).data
    assert bar["text"][SIGNALS.index("outputs")] == "94.96% ▼ below 95.00%"
    rows = coverage_rows(page(measured.logs_view(a)))
    assert rows["outputs"][2:] == ["95.0%", "9,496", "94.96% (▼ below 95.00%)"]


# --------------------------------------------------------------- which file


@pytest.fixture
def newer_unreadable(default_catalogue) -> Assessment:
    """An older log sample that fails every log threshold, and a newer one that is unreadable."""
    newer = {"kind": "log_sample", "path": "evidence/new.jsonl", "date": "2026-11-10"}
    record = full_record({"evidence": [*FULL["evidence"], newer]})
    bad = log_measures(
        covered={**dict.fromkeys(SIGNALS, 1000), "inputs": 100},
        latency=Percentiles(800.0, 9000.0, 9500.0, 1000),
        errors=500,
        pii=(FieldPII("inputs", "input", {"emails": 3, "phones": 0, "cards": 0, "ibans": 0}),),
    )
    found = findings(record, {"evidence/new.jsonl": "file not found"}, {"log_sample": bad})
    return assess(record, default_catalogue, AS_OF, found)


def test_the_criteria_judge_the_newer_unreadable_file(newer_unreadable):
    for cid in ("observability.log_sample", "trust.latency", "trust.error_rate"):
        r = result(newer_unreadable, cid)
        assert (r.status, r.detail) == ("unreadable", "evidence/new.jsonl: file not found")
        assert r.measurement == Measurement(
            r.measurement.measure, "log_sample", "evidence/new.jsonl", AS_OF.replace(day=10)
        )


def test_view_shows_the_unreadable_reason_not_older_figures_as_below(newer_unreadable):
    html = measured.logs_view(newer_unreadable).html
    newer, older = html.split("Measured in", 1)
    newer_text = seen(BeautifulSoup(newer, "html.parser"))
    assert "unreadable evidence/new.jsonl (2026-11-10): file not found" in newer_text
    assert "observability.log_sample ⚠ unreadable" in newer_text
    older_page = BeautifulSoup(older, "html.parser")
    judged = seen(older_page.select_one(".wb-judged"))
    assert judged == "No criterion judges this file; they judge evidence/new.jsonl (2026-11-10)."
    older_text = seen(older_page)
    # 10% coverage, a 9 s p95, a 50% error rate and personal data in a redacted signal:
    # the figures are there, but no verdict is, since no criterion judged this file.
    assert "10.0%" in older_text and "9,000 ms" in older_text and "50.0%" in older_text
    for verdict in ("below", "over", "breach", "within", "reaches", "Required by"):
        assert not re.search(rf"\b{verdict}\b", older_text), verdict
    pii = [td.get_text() for td in older_page.select("table.wb-pii tbody td")]
    assert pii[2] == "yes", "the plan redacts inputs; no criterion judged a breach here"


def test_log_charts_show_the_judged_file_or_nothing(newer_unreadable):
    # The file judged cannot be read: no chart draws the older file in its place.
    assert charts.coverage_chart(newer_unreadable) is None
    assert charts.latency_chart(newer_unreadable) is None


def test_without_a_threshold_criterion_the_newest_measured_file_is_drawn_unjudged(tiny):
    # The tiny catalogue judges log samples only by their presence (kind "evidence").
    record = full_record()
    logs = log_measures(covered={**dict.fromkeys(SIGNALS, 1000), "inputs": 100})
    a = assess(record, tiny, AS_OF, findings(record, measured={"log_sample": logs}))
    chart = charts.coverage_chart(a)
    assert chart.layout["shapes"] == []
    assert chart.data[0]["marker"]["color"] == [charts.NEUTRAL] * len(SIGNALS)
    assert chart.data[0]["text"][SIGNALS.index("inputs")] == "10.0%"
    text = seen(page(measured.logs_view(a)))
    assert "below" not in text and "judge" not in text


# --------------------------------------------------------------- waived


def test_a_waived_threshold_still_shows_what_was_measured(default_catalogue):
    # A reason of at least eight words (waiver rules): a short one would not count.
    reason = "A known retry storm in the claims system is fixed in the December release"
    waiver = {"criterion": "trust.error_rate", "reason": reason, "approver": "CIO",
              "expires": "2026-12-31"}  # fmt: skip
    record = full_record({"waivers": [waiver]})
    logs = log_measures(errors=30)  # 30 of 1,000 = 3.0%, over FULL's 2.0%
    a = assess(record, default_catalogue, AS_OF, findings(record, measured={"log_sample": logs}))
    r = result(a, "trust.error_rate")
    assert r.status == "waived"
    assert r.measurement.readings[0].passed is False
    html = page(measured.logs_view(a))
    assert facts(html)["Error rate"] == "3.0% (over 2.0%)"
    assert "trust.error_rate ⚑ waived" in seen(html.select_one(".wb-judged"))
