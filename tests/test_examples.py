"""The shipped example portfolio shows every part of the readiness model."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from conftest import AS_OF, EXAMPLES
from workbook.cli import main
from workbook.model.catalogue import load_catalogue
from workbook.model.records import STAGES
from workbook.pipeline import assess_file

#: Criteria at the production gate decided by what the evidence files measure.
MEASURED = (
    "data.quality_measured",
    "trust.measured_performance",
    "trust.latency",
    "trust.error_rate",
    "observability.log_sample",
    "observability.personal_data",
)


# Module scope even under mutmut (see conftest.shared_scope): assessing the whole portfolio
# for every test would make each mutant cost seconds; the unit tests pin the model down.
@pytest.fixture(scope="module")
def report() -> list[dict]:
    result = CliRunner().invoke(main, ["check", str(EXAMPLES), "--json", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def by_id(report) -> dict[str, dict]:
    return {e["id"]: e for e in report}


@pytest.fixture(scope="module")
def assessments() -> dict:
    """The library's assessments: details for every criterion, met ones included."""
    catalogue = load_catalogue()
    return {p.stem: assess_file(p, catalogue, AS_OF) for p in sorted(EXAMPLES.glob("*.yaml"))}


def outcome(assessments, example: str, criterion: str):
    return next(r for r in assessments[example].results if r.criterion.id == criterion)


def test_every_example_is_reported(report):
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) == 12
    assert sorted(e["path"] for e in report) == sorted(map(str, files))
    assert len({e["id"] for e in report}) == len(files)


def test_supported_stages_and_overclaimed_labels(report):
    supported = Counter(e["supported_stage"] for e in report)
    assert set(supported) == set(STAGES)
    assert supported == {"production": 1, "production_candidate": 2, "mvp": 5, "prototype": 4}
    assert sorted(e["id"] for e in report if e["overclaimed"]) == [
        "hr-policy-assistant",
        "invoice-coding",
        "kyc-document-check",
        "sales-forecast-narrative",
    ]
    under = [
        e["id"]
        for e in report
        if STAGES.index(e["claimed_stage"]) < STAGES.index(e["supported_stage"])
    ]
    assert under == ["month-end-variance-commentary"]
    assert sum(e["target_stage"] is not None for e in report) >= 2


# The failing criteria of each measured example, read off its record and evidence files
# (as of 2026-11-23, default catalogue). Blockers are the failing criteria of every gate up to
# the furthest one the record answers to (claimed, target or next stage), in catalogue order.
BLOCKERS = {
    # Claims production and every condition holds (both sign-offs quote the current digest).
    "claims-triage": ("production", []),
    # Claims production_candidate, targets production: the production gate is the horizon.
    "field-service-notes": (
        "production_candidate",
        [
            # eval-2026-09.csv: 95 of 100 pass; Wilson lower bound
            # (190 + 3.8415 - 1.96 * sqrt(3.8415 + 19)) / 207.683 = 0.888 < 0.9.
            "trust.measured_performance",
            "trust.fallback_exercised",  # no drill evidence cited
            "ownership.enablement",  # runbook: null
            # spans-2026-11-18.jsonl: 36 of 60 spans carry decision_context (60% < 95%).
            "observability.log_sample",
            "observability.dashboards_alerts",  # dashboards: [] and alerts: []
            "governance.signoff_business",  # signoffs: []
            "governance.signoff_support",
        ],
    ),
    # Claims production; the extract shows two gaps the register does not hold (cost_centre is
    # registered as closed, invoice_id+line_no has no entry), so the candidate gate fails: mvp.
    "invoice-coding": (
        "mvp",
        [
            "data.measured_gaps_registered",
            # coded-lines-extract: CC230, CC405, CC230 outside the allowed cost centres, and
            # INV-242740 line 1 twice: 2 of its 18 expectations (8+3+2+1+3+1) fail.
            "data.quality_measured",
            # eval-2026-11-release.csv (the newest): 56 of 60, lower bound 0.841 < 0.9.
            "trust.measured_performance",
            # logs-2026-05-01.jsonl is 206 days old, the window is 90: every log measure is stale.
            "trust.latency",
            "trust.error_rate",
            "observability.log_sample",
            "observability.personal_data",
            "governance.signoff_business",  # signed for digest 0d824c48…, an earlier version
            "governance.signoff_support",  # never signed
        ],
    ),
    # Claims prototype, targets mvp: only the MVP gate is the horizon.
    "marketing-copy-review": (
        "prototype",
        [
            "scope.boundaries",  # out_of_scope: []
            "scope.demo_conditions",  # both conditions have real_use_handling: null
            "scope.controlled_use",  # max_daily_volume: null
            "data.sources",  # the compliance rulebook's owner: null
            "data.boundaries",  # classification: null
            "trust.baseline_evaluation",  # evaluation: null
            "trust.review_path",  # review_path: null
        ],
    ),
    # Claims production_candidate, targets production. Quality passes: 131 of 150, lower bound
    # 0.811 >= 0.8; p95 latency about 4,000 ms <= 5,000; 1 error in 80 (1.25% <= 3%).
    "support-reply-drafting": (
        "production_candidate",
        [
            "trust.fallback_exercised",  # no drill evidence cited
            "ownership.enablement",  # runbook: null
            # outputs are planned as redacted, yet hold 2 e-mail addresses and 3 phone numbers.
            "observability.personal_data",
            "observability.dashboards_alerts",  # alerts: []
            "governance.security_review",  # review of 2025-09-18: 431 days old, window 365
            "governance.signoff_business",  # signoffs: []
            "governance.signoff_support",
        ],
    ),
}


@pytest.mark.parametrize("example", BLOCKERS)
def test_stage_and_blockers_of_the_measured_examples(by_id, example):
    entry = by_id[example]
    supported, failing = BLOCKERS[example]
    assert entry["supported_stage"] == supported
    assert [b["criterion"] for b in entry["blockers"]] == failing


def test_claims_triage_reaches_production_with_every_measurement_met(by_id, assessments):
    entry = by_id["claims-triage"]
    assert (entry["claimed_stage"], entry["supported_stage"]) == ("production", "production")
    assert entry["blockers"] == []
    assert entry["headline"] == (
        "Labelled production; the evidence supports production. Every condition is met."
    )
    assert all(entry["gates"].values())
    assert {
        r.criterion.id: r.status
        for r in assessments["claims-triage"].results
        if r.criterion.id in MEASURED
    } == dict.fromkeys(MEASURED, "met")
    # Both production sign-offs quote the current digest (re-sign after any edit: see README).
    assert [(s["role"], s["current"]) for s in entry["signoffs"]] == [
        ("business_owner", True),
        ("support_owner", True),
    ]


# Which measured criterion of which example has which status, and what its detail shows.
MEASUREMENTS = [
    (
        "claims-triage",
        "data.quality_measured",
        "met",
        ["all 20 expectations hold on 40 rows", "fnol-extract-2026-11.csv"],
    ),
    (
        "claims-triage",
        "trust.measured_performance",
        "met",
        ["pass rate 95.0% (114 of 120), 95% interval 89.5% to 97.7%", "at or above 85.0%"],
    ),
    (
        "invoice-coding",
        "trust.measured_performance",
        "below_threshold",
        [
            "pass rate 93.3% (56 of 60), 95% interval 84.1% to 97.4%",
            "the lower bound must reach 90.0%",
            "eval-2026-11-release.csv",
        ],
    ),
    (
        "invoice-coding",
        "data.quality_measured",
        "below_threshold",
        [
            "2 of 18 expectations fail on 79 rows",
            "cost_centre allowed values: 3 of 79 values outside",
            "'CC230', 'CC405'",
            "invoice_id, line_no unique key",
            "required: all",
        ],
    ),
    ("invoice-coding", "observability.log_sample", "stale", ["206 days old; at most 90 days"]),
    (
        "support-reply-drafting",
        "observability.personal_data",
        "below_threshold",
        [
            "measured outputs (field output): 2 e-mail addresses, 3 phone numbers",
            "the logging plan says these are redacted, so none is allowed",
            "logs-2026-11-19.jsonl",
        ],
    ),
    (
        "support-reply-drafting",
        "observability.log_sample",
        "met",
        ["9 planned signals each in at least 95.0% of 80 records"],
    ),
    ("support-reply-drafting", "trust.error_rate", "met", ["1.2% (1 of 80), within 3.0%"]),
    (
        "support-reply-drafting",
        "data.quality_measured",
        "met",
        ["all 13 expectations hold on 30 rows"],
    ),
    (
        "field-service-notes",
        "observability.log_sample",
        "below_threshold",
        [
            "measured ",
            "decision_context 60.0% (36 of 60)",
            "required at least 95.0% of records for every planned signal",
            "spans-2026-11-18.jsonl",
        ],
    ),
    (
        "field-service-notes",
        "trust.latency",
        "met",
        ["over 60 requests, within 10,000 ms", "spans-2026-11-18.jsonl"],
    ),
    (
        "field-service-notes",
        "data.quality_measured",
        "met",
        ["all 18 expectations hold on 138 rows", "visit-extract-2026-11-17.parquet"],
    ),
    (
        "field-service-notes",
        "observability.personal_data",
        "met",
        ["no personal data in the 3 signals planned as redacted"],
    ),
]


@pytest.mark.parametrize(
    ("example", "criterion", "status", "shown"),
    MEASUREMENTS,
    ids=[f"{e}:{c}" for e, c, _, _ in MEASUREMENTS],
)
def test_measured_criterion_status_and_detail(assessments, example, criterion, status, shown):
    r = outcome(assessments, example, criterion)
    assert r.status == status, r.detail
    for part in shown:
        assert part in r.detail, (part, r.detail)


def test_failed_measurements_say_what_was_measured_and_what_was_required(by_id):
    failed = [b for e in by_id.values() for b in e["blockers"] if b["status"] == "below_threshold"]
    assert {b["criterion"] for b in failed} >= {
        "data.quality_measured",
        "trust.measured_performance",
        "observability.log_sample",
        "observability.personal_data",
    }
    for b in failed:
        assert re.search(r"\b(measured|pass rate|expectations fail)\b", b["detail"]), b
        assert re.search(r"\b(required|must reach|none is allowed)\b", b["detail"]), b


def test_invoice_coding_passes_on_average_but_not_on_the_lower_bound(assessments):
    a = assessments["invoice-coding"]
    threshold = a.record.trust.thresholds.quality_pass_rate
    (finding,) = [
        f for f in a.evidence.of_kind("evaluation") if f.item.path.endswith("release.csv")
    ]
    rows = (EXAMPLES / finding.item.path).read_text().splitlines()[1:]
    passed = sum(row.rsplit(",", 1)[1].strip() == "1" for row in rows)
    measured = finding.measured.overall
    assert (measured.cases, measured.passed) == (len(rows), passed) == (60, 56)
    # Wilson's lower bound by hand: p = 56/60, z² = 3.8415,
    # (112 + 3.8415 - 1.96 * sqrt(3.8415 + 14.933)) / (2 * 63.8415) = 107.349 / 127.683 = 0.8407.
    assert round(measured.lower, 4) == 0.8407
    assert measured.lower < threshold < measured.rate
    status = {r.criterion.id: r.status for r in a.results}
    assert status["trust.measured_performance"] == "below_threshold"


def test_only_the_busy_prototype_is_flagged_as_shadow_production(by_id):
    flagged = {i: e["shadow_production"] for i, e in by_id.items() if e["shadow_production"]}
    assert list(flagged) == ["marketing-copy-review"]
    entry = by_id["marketing-copy-review"]
    assert entry["claimed_stage"] == "prototype"
    assert entry["headline"].startswith("Labelled prototype; the evidence supports prototype.")
    assert entry["headline"].endswith(
        " Possible shadow production: evidence/marketing-copy-review/"
        "gateway-requests-2026-10-26-to-11-08.jsonl.gz shows 10 days with at least 100 "
        "requests (up to 394 a day)."
    )


@pytest.mark.parametrize(
    ("path", "magic"),
    [
        ("field-service-notes/visit-extract-2026-11-17.parquet", b"PAR1"),
        ("marketing-copy-review/gateway-requests-2026-10-26-to-11-08.jsonl.gz", b"\x1f\x8b"),
    ],
)
def test_binary_evidence_formats_are_exercised(path, magic):
    data = (EXAMPLES / "evidence" / path).read_bytes()
    assert data.startswith(magic)
    assert len(data) < 300 * 1024


def test_compressed_log_sample_is_reproducible_and_spans_two_weeks():
    path = EXAMPLES / "evidence/marketing-copy-review/gateway-requests-2026-10-26-to-11-08.jsonl.gz"
    # gzip keeps a modification time in bytes 4-7; zero keeps the file's digest stable.
    assert path.read_bytes()[4:8] == b"\0\0\0\0"
    with gzip.open(path, "rt") as lines:
        days = Counter(json.loads(line)["timestamp"][:10] for line in lines)
    assert (min(days), max(days), len(days)) == ("2026-10-26", "2026-11-08", 14)
    weekdays = [n for d, n in days.items() if dt.date.fromisoformat(d).weekday() < 5]
    assert len(weekdays) == 10 and all(150 <= n <= 400 for n in weekdays)


def test_examples_exercise_waivers_signoffs_and_statuses(report):
    waivers = [w for e in report for w in e["waivers"]]
    assert [w["expired"] for w in waivers].count(True) == 1
    assert [w["expired"] for w in waivers].count(False) >= 1
    signoffs = [s for e in report for s in e["signoffs"]]
    assert any(s["current"] for s in signoffs) and any(not s["current"] for s in signoffs)
    statuses = {b["status"] for e in report for b in e["blockers"]}
    assert {"missing", "unverified", "stale", "waiver_expired", "unreadable"} <= statuses
    assert "below_threshold" in statuses


def test_readme_table_matches_the_check(by_id):
    """The README's table of examples states each claimed and supported stage."""
    text = (EXAMPLES / "README.md").read_text()
    rows = re.findall(
        r"^\| \[([a-z-]+)\]\(\1\.yaml\) \| [^|]+ \| ([^|]+) \| ([^|]+) \|", text, re.M
    )
    assert sorted(i for i, _, _ in rows) == sorted(by_id)
    for example, claimed, supported in rows:
        entry = by_id[example]
        assert claimed.strip() == entry["claimed_stage"].replace("_", " "), example
        assert supported.strip() == entry["supported_stage"].replace("_", " "), example


def test_not_applicable_with_and_without_justification(assessments):
    results = [r for a in assessments.values() for r in a.results]
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
