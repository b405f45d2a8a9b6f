"""Gaming the measured verdicts: each attempt beside the honest record it changes.

Every row is one change a team under pressure might make to an honest record or its
evidence, with the status the criterion must give and a phrase of the reason. The
honest row of each table passes. Assessments are pure (``assess`` over findings built
by hand); every expected figure is worked out in the comment beside it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbook.evidence import EvidenceFinding, Findings
from workbook.evidence.documents import DocumentMeasures
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import PRESETS, FieldPII, LogMeasures, Percentiles
from workbook.model.assess import Assessment, assess
from workbook.model.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue
from workbook.model.records import SIGNALS, Record, parse_record

AS_OF = dt.date(2026, 11, 23)
CATALOGUE = load_catalogue()
#: The honest log: 14 days from 2026-11-05 to 2026-11-18, 100 requests a day.
DAYS = [dt.date(2026, 11, 5) + dt.timedelta(days=i) for i in range(14)]

PLAN = {
    s: {"logged": True, "where": "the Elastic log store, index claims-ai", "retention_days": 30,
        "redacted": True}
    for s in SIGNALS
}  # fmt: skip

HONEST: dict[str, Any] = {
    "schema_version": 1,
    "id": "honest",
    "name": "Claims triage assistant",
    "stage": "production",
    "scope": {
        "workflow": "Motor claims intake, from first notice of loss to the handler queue",
        "ai_step": "Suggests the triage queue for each new claim from its description",
        "controlled_use": {
            "users": "The twelve intake handlers of team North",
            "max_daily_volume": 150,
            "max_users": 40,
        },
        "user_expectations": ["A suggested queue that the handler confirms or changes"],
        "never_assume": ["That the suggestion has checked the claim for fraud"],
    },
    "trust": {
        "evaluation": "300 labelled claims from October, scored by two senior handlers",
        "thresholds": {"latency_p95_ms": 2000, "error_rate": 0.02, "quality_pass_rate": 0.9},
    },
    "ownership": {
        "enablement": {
            "trained_team": "Application support team for claims systems",
            "runbook": "The claims assistant runbook in the support wiki, version 3",
        },
    },
    "observability": {
        "logging_plan": PLAN,
        "privacy_decisions": "Privacy office decided on 2026-09-02 that names and contact "
        "details are redacted before logging; logs are kept for 30 days",
    },
    "governance": {
        "security_review": {
            "reviewer": "Priya Natarajan",
            "date": "2026-10-20",
            "outcome": "approved",
            "open_findings": {"critical": 0, "high": 0, "medium": 1, "low": 2},
            "notes": "Prompt injection through claim text tested; one medium finding on "
            "log retention is scheduled for December",
        },
    },
    "evidence": [
        {"kind": "log_sample", "path": "evidence/logs.jsonl", "date": "2026-11-19"},
        {"kind": "evaluation", "path": "evidence/eval.csv", "date": "2026-11-10"},
        {
            "kind": "data_extract",
            "path": "evidence/extract.csv",
            "date": "2026-11-12",
            "expectations": {
                "required_columns": ["claim_ref", "received"],
                "types": {"received": "date"},
                "max_missing_share": {"description": 0.05},
                "freshness": {"column": "received", "max_age_days": 30},
            },
        },
        {"kind": "drill", "path": "evidence/drill.md", "date": "2026-10-15", "outcome": "passed"},
        {"kind": "training", "path": "evidence/training.md", "date": "2026-10-01",
         "outcome": "passed"},
        {"kind": "security_review", "path": "evidence/review.pdf", "date": "2026-10-20"},
        {"kind": "user_notice", "path": "evidence/notice.md", "date": "2026-10-05"},
    ],
}  # fmt: skip


def honest_log(**changes: Any) -> LogMeasures:
    """The honest log sample: 1,400 records, 100 a day on 14 days, 1% errors, no personal data."""
    base = LogMeasures(
        records=1400,
        mapping=dict(PRESETS["flat"]),
        covered=dict.fromkeys(SIGNALS, 1400),
        latency=Percentiles(900.0, 1600.0, 1900.0, 1400),
        latency_bins=((891.3, 1000.0, 1400),),
        errors=14,
        retried=20,
        overridden=40,
        per_day=dict.fromkeys(DAYS, 100),
        first=dt.datetime(2026, 11, 5, 8),
        last=dt.datetime(2026, 11, 18, 17),
        distinct={"prompts": 2, "inputs": 1398, "outputs": 1390, "workflow_state": 4,
                  "decision_context": 310},
        users=12,
        error_fields={"error": 14},
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def honest_eval(**changes: Any) -> EvalMeasures:
    """300 real cases, 290 passing: Wilson lower bound 94.0% (above 90%)."""
    base = EvalMeasures(PassRate(None, 300, 290), (), "'passed' column")
    return dataclasses.replace(base, **changes)


def honest_extract(**changes: Any) -> ExtractMeasures:
    """400 rows; the 5 expectations HONEST declares all hold."""
    checks = (
        Check("required", "claim_ref", True, "present"),
        Check("required", "received", True, "present"),
        Check("type date", "received", True, "all date"),
        Check("missing share", "description", True, "1.0% empty (4 of 400)"),
    )
    base = ExtractMeasures(
        400, ("claim_ref", "received", "description"), checks, dt.date(2026, 11, 10),
        ("received", 30),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


MEASURED = {"log_sample": honest_log(), "evaluation": honest_eval(),
            "data_extract": honest_extract()}  # fmt: skip


def record(changes: dict[str, Any] | None = None) -> Record:
    """HONEST with dotted-path ``changes`` applied."""
    data = copy.deepcopy(HONEST)
    for dotted, value in (changes or {}).items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return parse_record(data, "honest.yaml")


def found(
    rec: Record,
    measured: dict[str, Any] | None = None,
    unreadable: dict[str, str] | None = None,
    shared: tuple[str, ...] = (),
) -> Findings:
    """Findings for every cited item: readable unless named, each file its own digest.

    ``measured`` maps a kind or a location to its measurements (a location wins);
    ``shared`` names other initiatives citing the first item's file (digest 0).
    """
    measured = {**MEASURED, **(measured or {})}
    unreadable = unreadable or {}
    out = []
    for i, item in enumerate(rec.evidence):
        reason = unreadable.get(item.location)
        shown = measured.get(item.location, measured.get(item.kind))
        sha = None if reason else f"{i:064x}"
        out.append(EvidenceFinding(item, reason is None, reason, sha, None if reason else shown))
    return Findings(tuple(out), {f"{0:064x}": shared} if shared else {})


def run(changes=None, measured=None, unreadable=None, shared=()) -> Assessment:
    rec = record(changes)
    return assess(rec, CATALOGUE, AS_OF, found(rec, measured, unreadable, shared))


def status(a: Assessment, criterion_id: str) -> tuple[str, str]:
    r = next(r for r in a.results if r.criterion.id == criterion_id)
    return r.status, r.detail


def check(row: tuple, criterion_id: str) -> None:
    """Judge one table row: (changes, measured, unreadable, shared, status, phrase)."""
    changes, measured, unreadable, shared, expected, phrase = row
    got, detail = status(run(changes, measured, unreadable, shared), criterion_id)
    assert (got, phrase in detail) == (expected, True), detail


def with_evidence(*items: dict[str, Any]) -> dict[str, Any]:
    """HONEST's evidence list with ``items`` added."""
    return {"evidence": [*HONEST["evidence"], *items]}


def without(kind: str, *items: dict[str, Any]) -> dict[str, Any]:
    """HONEST's evidence without items of ``kind``, plus ``items``."""
    return {"evidence": [e for e in HONEST["evidence"] if e["kind"] != kind] + list(items)}


# ----------------------------------------------------- 8: the newest decides, every kind

DRILL_NEW = {"kind": "drill", "path": "evidence/drill-2.md", "date": "2026-11-12",
             "outcome": "passed"}  # fmt: skip
NOTICE_NEW = {"kind": "user_notice", "path": "evidence/notice-2.md", "date": "2026-11-12"}

NEWEST = {
    "honest": ("trust.fallback_exercised", (None, None, None, None, "met", "drill.md")),
    "newer unreadable drill beside an older good one": (
        "trust.fallback_exercised",
        (with_evidence(DRILL_NEW), None, {"evidence/drill-2.md": "file not found"}, None,
         "unreadable", "evidence/drill-2.md: file not found"),
    ),
    "newer unreadable notice beside an older good one": (
        "scope.user_expectations",
        (with_evidence(NOTICE_NEW), None, {"evidence/notice-2.md": "file is empty"}, None,
         "unreadable", "evidence/notice-2.md: file is empty"),
    ),
    "unreadable notice on the same day as a good one": (
        "scope.user_expectations",
        (with_evidence({**NOTICE_NEW, "date": "2026-10-05"}), None,
         {"evidence/notice-2.md": "file is empty"}, None, "unreadable", "notice-2.md"),
    ),
    "honest: an older unreadable notice beside a newer good one": (
        "scope.user_expectations",
        (with_evidence({**NOTICE_NEW, "date": "2026-09-01"}), None,
         {"evidence/notice-2.md": "file is empty"}, None, "met", "evidence/notice.md"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("criterion_id", "row"), NEWEST.values(), ids=NEWEST.keys())
def test_the_newest_evidence_decides_for_every_kind(criterion_id, row):
    check(row, criterion_id)


# ------------------------------ 8: a document must hold one; evidence not yet dated

TEXT = {"evidence/notice.md": DocumentMeasures("text", 157)}

DOCUMENTS = {
    "honest notice of 157 words": (
        "scope.user_expectations", (None, TEXT, None, None, "met", "evidence/notice.md"),
    ),
    # A newer drill report holding one word ("x"), the red team's one-byte dashboard.
    "a newer one-word drill report": (
        "trust.fallback_exercised",
        (with_evidence(DRILL_NEW), {"evidence/drill-2.md": DocumentMeasures("text", 1)}, None,
         None, "unverified",
         "evidence/drill-2.md holds 1 word; a document needs at least 20 "
         "(plausibility.min_document_words)"),
    ),
    # 19 words: one short of the 20 the default catalogue asks.
    "a 19-word notice": (
        "scope.user_expectations",
        (None, {"evidence/notice.md": DocumentMeasures("text", 19)}, None, None, "unverified",
         "evidence/notice.md holds 19 words; a document needs at least 20"),
    ),
    "honest: a 20-word notice": (
        "scope.user_expectations",
        (None, {"evidence/notice.md": DocumentMeasures("text", 20)}, None, None, "met",
         "evidence/notice.md"),
    ),
    # A PDF's words are not counted: that it is a PDF is checked when it is read.
    "honest: a PDF review report": (
        "governance.security_review",
        (None, {"evidence/review.pdf": DocumentMeasures("a PDF")}, None, None, "met",
         "review.pdf"),
    ),
    # Dated after the assessment date (2026-11-23): it did not exist yet.
    "training dated after the assessment date": (
        "ownership.enablement",
        (without("training", {"kind": "training", "path": "evidence/training.md",
                              "date": "2026-12-15", "outcome": "passed"}),
         None, None, None, "unverified",
         "training evidence evidence/training.md is dated 2026-12-15, after the as-of "
         "date 2026-11-23, so it does not count yet"),
    ),
    "a drill dated after the assessment date": (
        "trust.fallback_exercised",
        (without("drill", {**DRILL_NEW, "date": "2026-11-24"}), None, None, None,
         "unverified", "is dated 2026-11-24, after the as-of date 2026-11-23"),
    ),
    # The older training (2026-10-01) counts; the later one does not exist yet.
    "honest: a later training beside a current one": (
        "ownership.enablement",
        (with_evidence({"kind": "training", "path": "evidence/training-2.md",
                        "date": "2026-12-15", "outcome": "passed"}),
         None, None, None, "met", "training evidence evidence/training.md of 2026-10-01"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("criterion_id", "row"), DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_a_document_must_hold_one_and_exist_by_the_assessment_date(criterion_id, row):
    check(row, criterion_id)


def test_a_catalogue_sets_how_many_words_a_document_needs():
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text())
    data["plausibility"] = {"min_document_words": 5}
    ours = parse_catalogue(data, Path("ours.yaml"))
    rec = record()
    # 5 words meet a minimum of 5; 4 do not.
    for words, expected in ((5, "met"), (4, "unverified")):
        measured = {"evidence/notice.md": DocumentMeasures("text", words)}
        a = assess(rec, ours, AS_OF, found(rec, measured))
        assert status(a, "scope.user_expectations")[0] == expected, words


# ----------------------------------------------------- 2: only a passing outcome counts

DRILL = {"kind": "drill", "path": "evidence/drill.md", "date": "2026-10-15"}
REVIEW = {"kind": "security_review", "path": "evidence/review.pdf", "date": "2026-10-20"}

OUTCOMES = {
    "honest drill": ("trust.fallback_exercised", (None, None, None, None, "met", "drill.md")),
    "failed drill": (
        "trust.fallback_exercised",
        (without("drill", {**DRILL, "outcome": "failed"}), None, None, None, "failed",
         "records the outcome failed; only passed counts"),
    ),
    "drill without an outcome": (
        "trust.fallback_exercised",
        (without("drill", DRILL), None, None, None, "unverified", "records no outcome"),
    ),
    "newer failed drill beside an older passed one": (
        "trust.fallback_exercised",
        (with_evidence({**DRILL_NEW, "outcome": "fail"}), None, None, None, "failed",
         "drill-2.md of 2026-11-12 records the outcome failed"),
    ),
    "failed training": (
        "ownership.enablement",
        (without("training", {"kind": "training", "path": "evidence/training.md",
                              "date": "2026-10-01", "outcome": "failed"}),
         None, None, None, "failed", "records the outcome failed"),
    ),
    "review report with its own critical findings open": (
        "governance.security_review",
        (without("security_review", {**REVIEW, "outcome": "approved_with_conditions",
                                     "open_findings": {"critical": 3}}),
         None, None, None, "failed", "3 critical finding(s) still open"),
    ),
    "honest review: the report takes the record's approved outcome": (
        "governance.security_review",
        (None, None, None, None, "met", "review.pdf"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("criterion_id", "row"), OUTCOMES.values(), ids=OUTCOMES.keys())
def test_reviews_drills_and_trainings_count_only_with_a_passing_outcome(criterion_id, row):
    check(row, criterion_id)


def test_a_review_report_without_its_own_outcome_takes_the_records():
    # The report cites no outcome; the record's section says rejected: the criterion fails,
    # whichever of the two checks (the section, or the report) says so first.
    a = run({"governance.security_review.outcome": "rejected"})
    got, detail = status(a, "governance.security_review")
    assert got == "failed"
    assert "rejected" in detail


# ----------------------------------------------------- 3: too small a sample


def log_over(records: int, first: dt.datetime, last: dt.datetime, **changes: Any) -> LogMeasures:
    """A log of ``records`` between two timestamps, spread evenly over its days."""
    days = [first.date() + dt.timedelta(days=i) for i in range((last.date() - first.date()).days
                                                                + 1)]  # fmt: skip
    per_day = {d: records // len(days) for d in days}
    settings = {"distinct": {"inputs": records, "outputs": records}, "errors": 0, **changes}
    return honest_log(records=records, covered=dict.fromkeys(SIGNALS, records), first=first,
                      last=last, per_day=per_day, **settings)  # fmt: skip


LOG = "log_sample"
SAMPLES = {
    # 1,400 records over 14 days (2026-11-05 to 11-18), every day active: above 200, 7 and 5.
    "honest log": ("trust.latency", (None, None, None, None, "met", "1,600 ms")),
    # Three lines within one morning: 3 < 200 records, 1 < 7 days.
    "3-line log": (
        "trust.latency",
        (None, {LOG: log_over(3, dt.datetime(2026, 11, 18, 9), dt.datetime(2026, 11, 18, 10))},
         None, None, "insufficient",
         "too small to judge: 3 records over 1 day in evidence/logs.jsonl of 2026-11-19; at "
         "least 200 records over 7 days (6 full days from first to last entry), with 5 days "
         "each holding at least 10% of the mean day, are needed (min_sample.log_sample)"),
    ),
    # 240 records in 20 minutes: enough records, but one day, not seven.
    "20-minute log": (
        "trust.error_rate",
        (None, {LOG: log_over(240, dt.datetime(2026, 11, 18, 9), dt.datetime(2026, 11, 18, 9, 20))},
         None, None, "insufficient", "240 records over 1 day"),
    ),
    # 20 minutes at the production gate fails coverage and personal data too.
    "20-minute log, coverage": (
        "observability.log_sample",
        (None, {LOG: log_over(240, dt.datetime(2026, 11, 18, 9), dt.datetime(2026, 11, 18, 9, 20))},
         None, None, "insufficient", "240 records over 1 day"),
    ),
    "20-minute log, personal data": (
        "observability.personal_data",
        (None, {LOG: log_over(240, dt.datetime(2026, 11, 18, 9), dt.datetime(2026, 11, 18, 9, 20))},
         None, None, "insufficient", "240 records over 1 day"),
    ),
    # Seven calendar days (11-12 to 11-18) but entries on two only: 2 < 5 active days.
    "a week with two busy days": (
        "trust.latency",
        (None, {LOG: honest_log(first=dt.datetime(2026, 11, 12, 9),
                                last=dt.datetime(2026, 11, 18, 9),
                                per_day={dt.date(2026, 11, 12): 700, dt.date(2026, 11, 18): 700})},
         None, None, "insufficient", "1,400 records over 7 days, with records on 2"),
    ),
    # 5 cases: fewer than the 30 a baseline needs.
    "5-case evaluation at the baseline (MVP) gate": (
        "trust.baseline_evaluation",
        (None, {"evaluation": honest_eval(overall=PassRate(None, 5, 5))}, None, None,
         "insufficient", "5 real cases in evidence/eval.csv of 2026-11-10; at least 30 real "
         "cases are needed (min_sample.evaluation)"),
    ),
    # 80 cases: a baseline (>= 30), not the 100 trust.measured_performance asks for.
    "80-case evaluation at the production gate": (
        "trust.measured_performance",
        (None, {"evaluation": honest_eval(overall=PassRate(None, 80, 80))}, None, None,
         "insufficient", "at least 100 real cases are needed (min_sample.evaluation, raised "
         "by this criterion)"),
    ),
    "80-case evaluation is a baseline": (
        "trust.baseline_evaluation",
        (None, {"evaluation": honest_eval(overall=PassRate(None, 80, 80))}, None, None,
         "met", "eval.csv"),
    ),
    # 12 rows: fewer than 30.
    "12-row extract": (
        "data.quality_measured",
        (None, {"data_extract": honest_extract(rows=12)}, None, None, "insufficient",
         "12 rows in evidence/extract.csv of 2026-11-12; at least 30 rows are needed"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("criterion_id", "row"), SAMPLES.values(), ids=SAMPLES.keys())
def test_a_sample_too_small_is_never_met(criterion_id, row):
    check(row, criterion_id)


def spread(per_day: dict[str, int], first: str, last: str) -> LogMeasures:
    """A log with ``per_day`` records on each date, from ``first`` to ``last`` (ISO times)."""
    records = sum(per_day.values())
    return honest_log(
        records=records, covered=dict.fromkeys(SIGNALS, records), errors=0,
        per_day={dt.date.fromisoformat(d): n for d, n in per_day.items()},
        first=dt.datetime.fromisoformat(first), last=dt.datetime.fromisoformat(last),
        distinct={"inputs": records, "outputs": records},
    )  # fmt: skip


#: The shipped claims-triage log, Tuesday 10 to Monday 16 November: 273 records on six of
#: seven dates (none on Sunday 15), 6.45 days from the first entry to the last.
CLAIMS_WEEK = {"2026-11-10": 52, "2026-11-11": 48, "2026-11-12": 47, "2026-11-13": 44,
               "2026-11-14": 21, "2026-11-16": 61}  # fmt: skip

THIN_DAYS = {
    # 273 / 7 dates = 39 a day; 10% of it is 3.9: every day with records holds 21 or more,
    # so 6 days count (>= 5), and 07:59 on the 10th to 18:47 on the 16th is 6.45 days (>= 6).
    "honest: the claims-triage week": (
        spread(CLAIMS_WEEK, "2026-11-10T07:59:26", "2026-11-16T18:47:32"), "met", "1,600 ms",
    ),
    # 270 records on the 10th, one each on the 11th, 12th, 13th and 17th: 274 records over
    # 8 dates, mean 34.25 a day, so a day needs 3.425 (10%): only the 10th counts (1 < 5).
    "270 records on one day, four one-record days pad the calendar": (
        spread({"2026-11-10": 270, "2026-11-11": 1, "2026-11-12": 1, "2026-11-13": 1,
                "2026-11-17": 1}, "2026-11-10T08:00:00", "2026-11-17T10:00:00"),
        "insufficient",
        "274 records over 8 days, with records on 5, 1 of them with at least 3.4 records "
        "(10% of the mean day)",
    ),
    # 280 records over 7 dates: mean 40, a day needs 40 * 0.1 = 4 records exactly. Four busy
    # days and the 15th with exactly 4 make 5 active days (the 16th's 1 and 17th's 3 do not).
    "honest: the fifth day holds exactly a tenth of the mean": (
        spread({"2026-11-11": 68, "2026-11-12": 68, "2026-11-13": 68, "2026-11-14": 68,
                "2026-11-15": 4, "2026-11-16": 1, "2026-11-17": 3},
               "2026-11-11T08:00:00", "2026-11-17T17:00:00"),
        "met", "1,600 ms",
    ),
    # The same 280, but the 15th holds 3 (< 4) and the 14th 69: 4 active days (< 5).
    "the fifth day one record short of a tenth of the mean": (
        spread({"2026-11-11": 68, "2026-11-12": 68, "2026-11-13": 68, "2026-11-14": 69,
                "2026-11-15": 3, "2026-11-16": 1, "2026-11-17": 3},
               "2026-11-11T08:00:00", "2026-11-17T17:00:00"),
        "insufficient", "with records on 7, 4 of them with at least 4.0 records",
    ),
    # 23:59 on the 10th to 00:01 on the 16th: seven dates, but 5 days and 2 minutes, under
    # the 6 full days a 7-day span needs. Days: 273 / 7 = 39, 3.9 needed: 5 count (>= 5).
    "seven dates squeezed into five days": (
        spread({"2026-11-10": 1, "2026-11-11": 55, "2026-11-12": 55, "2026-11-13": 54,
                "2026-11-14": 54, "2026-11-15": 53, "2026-11-16": 1},
               "2026-11-10T23:59:00", "2026-11-16T00:01:00"),
        "insufficient",
        "273 records over 7 days (5.0 days from the first to the last entry), with records on "
        "7, 5 of them",
    ),
    # Noon to noon: exactly 6 days between the first and last entry is enough.
    "honest: exactly six days from first to last entry": (
        spread({"2026-11-10": 40, "2026-11-11": 40, "2026-11-12": 40, "2026-11-13": 40,
                "2026-11-14": 40, "2026-11-15": 40, "2026-11-16": 40},
               "2026-11-10T12:00:00", "2026-11-16T12:00:00"),
        "met", "1,600 ms",
    ),
    # 15 minutes short of six days (5.9896 days) is shown rounded down, never as 6.0.
    "a quarter of an hour short of six days": (
        spread({"2026-11-10": 40, "2026-11-11": 40, "2026-11-12": 40, "2026-11-13": 40,
                "2026-11-14": 40, "2026-11-15": 40, "2026-11-16": 40},
               "2026-11-10T12:00:00", "2026-11-16T11:45:00"),
        "insufficient", "280 records over 7 days (5.9 days from the first to the last entry)",
    ),
}  # fmt: skip


#: HONEST with its log sample dated 2026-11-17, the day after the last entry of most rows
#: (the re-dating rule allows 2 days).
DATED_17 = {"evidence": [{**HONEST["evidence"][0], "date": "2026-11-17"}, *HONEST["evidence"][1:]]}


@pytest.mark.parametrize(("log", "expected", "phrase"), THIN_DAYS.values(), ids=THIN_DAYS.keys())
def test_thin_days_and_squeezed_spans_do_not_make_a_week(log, expected, phrase):
    check((DATED_17, {LOG: log}, None, None, expected, phrase), "trust.latency")


def test_a_catalogue_may_count_every_day_with_records():
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text())
    data["min_sample"] = {"log_sample": {"min_day_share": 0}}
    ours = parse_catalogue(data, Path("ours.yaml"))
    rec = record(DATED_17)
    # 274 records over 8 dates on 5 of them, 7 days 2 hours apart: with no share asked, all
    # five days with records count (5 >= 5) and the span rules still hold (8 >= 7, 7 >= 6).
    log = THIN_DAYS["270 records on one day, four one-record days pad the calendar"][0]
    a = assess(rec, ours, AS_OF, found(rec, {LOG: log}))
    assert status(a, "trust.latency")[0] == "met"


def test_a_catalogue_silent_on_the_rules_gets_the_defaults():
    # A catalogue with no min_sample and no plausibility section is held to the same
    # defaults as the shipped one: a tenth of the mean day, 50 ms, 20 words.
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text())
    del data["min_sample"], data["plausibility"]
    silent = parse_catalogue(data, Path("silent.yaml"))
    rec = record(DATED_17)
    padded = THIN_DAYS["270 records on one day, four one-record days pad the calendar"][0]
    measured = {
        LOG: dataclasses.replace(padded, latency=Percentiles(49.0, 400.0, 900.0, 274)),
        "evidence/notice.md": DocumentMeasures("text", 19),
    }
    a = assess(rec, silent, AS_OF, found(rec, measured))
    assert status(a, "observability.log_sample")[0] == "insufficient"
    assert status(a, "scope.user_expectations") == (
        "unverified",
        "evidence/notice.md holds 19 words; a document needs at least 20 "
        "(plausibility.min_document_words)",
    )
    # The same log with a week's rhythm is big enough; its 49 ms median is not believable.
    week = spread(CLAIMS_WEEK, "2026-11-10T07:59:26", "2026-11-16T18:47:32")
    fast = dataclasses.replace(week, latency=Percentiles(49.0, 400.0, 900.0, 273))
    a = assess(rec, silent, AS_OF, found(rec, {LOG: fast}))
    assert status(a, "trust.latency")[0] == "unverified"
    assert "median 49 ms is not believable" in status(a, "trust.latency")[1]


def test_a_5_case_evaluation_keeps_the_initiative_a_prototype():
    a = run(measured={"evaluation": honest_eval(overall=PassRate(None, 5, 5))})
    assert a.gates["mvp"] is False
    assert a.supported_stage == "prototype"


def test_a_catalogue_may_ask_for_less():
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text())
    data["min_sample"] = {"log_sample": {"span_days": 1, "active_days": 1}}
    ours = parse_catalogue(data, Path("ours.yaml"))
    rec = record()
    # 240 records over 1 day: above 200 records (the kept default), 1 day and 1 active day.
    logs = log_over(240, dt.datetime(2026, 11, 18, 9), dt.datetime(2026, 11, 18, 9, 20))
    a = assess(rec, ours, AS_OF, found(rec, {LOG: logs}))
    assert status(a, "trust.latency")[0] == "met"


# ----------------------------------------------------- 4: no looser than the organisation

LIMITS = {
    "honest latency": ("trust.latency", (None, None, None, None, "met", "within 2,000 ms")),
    "latency 1e9 ms": (
        "trust.latency",
        ({"trust.thresholds.latency_p95_ms": 1e9}, None, None, None, "missing",
         "trust.thresholds.latency_p95_ms 1e+09 ms is looser than the organisation's limit of "
         "10,000 ms (limits.latency_p95_ms)"),
    ),
    "error rate 1.0": (
        "trust.error_rate",
        ({"trust.thresholds.error_rate": 1.0}, None, None, None, "missing",
         "error_rate 1 is looser than the organisation's limit of 0.1 (limits.error_rate)"),
    ),
    "quality 0": (
        "trust.measured_performance",
        ({"trust.thresholds.quality_pass_rate": 0}, None, None, None, "missing",
         "quality_pass_rate 0 is looser than the organisation's limit of 0.7"),
    ),
    # At the limit is allowed: 10,000 ms is not looser than 10,000 ms.
    "honest: latency exactly at the limit": (
        "trust.latency",
        ({"trust.thresholds.latency_p95_ms": 10_000}, None, None, None, "met",
         "within 10,000 ms"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("criterion_id", "row"), LIMITS.values(), ids=LIMITS.keys())
def test_a_record_threshold_may_not_be_looser_than_the_limits(criterion_id, row):
    check(row, criterion_id)


# ----------------------------------------------------- 6: use beyond controlled limits


def busy(volume: int, days: list[dt.date] = DAYS, **changes: Any) -> LogMeasures:
    per_day = dict.fromkeys(days, volume)
    records = volume * len(days)
    distinct = {"inputs": records, "outputs": records}
    return honest_log(records=records, covered=dict.fromkeys(SIGNALS, records), per_day=per_day,
                      errors=0, distinct=distinct, **changes)  # fmt: skip


MVP = {"stage": "mvp"}


def test_an_mvp_at_four_times_its_ceiling_is_refused_and_said_loudly():
    # 600 a day against a declared 150: 600 > 150 * 1.1 = 165 on all 14 days.
    gamed = run(MVP, {LOG: busy(600)})
    honest = run(MVP, {LOG: busy(150)})
    assert status(gamed, "scope.within_controlled_use") == (
        "below_threshold",
        "logs show up to 600 requests a day (on 14 days, more than 10% above the declared 150): use "
        "beyond the declared controlled use (evidence/logs.jsonl shows 14 days of use)",
    )
    assert gamed.uncontrolled_use == (
        "logs show up to 600 requests a day (on 14 days, more than 10% above the declared 150)"
    )
    assert f"Uncontrolled use: {gamed.uncontrolled_use}." in gamed.headline
    assert gamed.to_dict()["uncontrolled_use"] == gamed.uncontrolled_use
    assert (gamed.gates["mvp"], gamed.supported_stage) == (False, "prototype")
    # 150 a day is the ceiling itself.
    assert status(honest, "scope.within_controlled_use")[0] == "met"
    assert honest.uncontrolled_use is None
    assert "Uncontrolled" not in honest.headline


CONTROLLED = {
    "honest": (None, None, None, None, "met", "busiest day 100 requests, 12 distinct users"),
    # 165 is 150 + 10%: noise, still within.
    "honest: 10% above the ceiling": (None, {LOG: busy(165)}, None, None, "met",
                                      "busiest day 165 requests, 12 distinct users, within the "
                                      "declared 150 a day and its 10% tolerance"),
    # 166 > 165 on 14 days.
    "just over the tolerance": (None, {LOG: busy(166)}, None, None, "below_threshold",
                                "up to 166 requests a day (on 14 days"),
    # 90 distinct users against 40 declared.
    "more users than declared": (None, {LOG: honest_log(users=90)}, None, None, "below_threshold",
                                 "logs show 90 distinct users (the declared limit is 40)"),
    # Traffic split into two files: 100 + 100 = 200 a day on the same 14 days, > 165.
    "the same traffic split over two files": (
        with_evidence({"kind": "log_sample", "path": "evidence/logs-b.jsonl",
                       "date": "2026-11-19"}),
        None, None, None, "below_threshold", "up to 200 requests a day",
    ),
    # The busy days fall before the 90-day window (2026-08-25 to 11-23): not counted.
    "old traffic outside the window": (
        None, {LOG: busy(600, [dt.date(2026, 6, 1) + dt.timedelta(days=i) for i in range(14)],
                         first=dt.datetime(2026, 6, 1), last=dt.datetime(2026, 6, 14))},
        None, None, "met", "no log sample from the last 90 days shows use",
    ),
    "no ceiling declared": ({"scope.controlled_use.max_daily_volume": None}, None, None, None,
                            "missing", "scope.controlled_use.max_daily_volume"),
    "newest log unreadable": (None, None, {"evidence/logs.jsonl": "file is empty"}, None,
                              "unreadable", "file is empty"),
}  # fmt: skip


@pytest.mark.parametrize("row", CONTROLLED.values(), ids=CONTROLLED.keys())
def test_within_controlled_use(row):
    check(row, "scope.within_controlled_use")


SPLIT = [
    {"kind": "log_sample", "path": f"evidence/day-{i}.jsonl", "date": f"2026-11-{10 + i}"}
    for i in range(7)
]


def one_day(i: int, volume: int) -> LogMeasures:
    day = dt.date(2026, 11, 10 + i)
    return busy(volume, [day], first=dt.datetime.combine(day, dt.time(8)),
                last=dt.datetime.combine(day, dt.time(18)))  # fmt: skip


@pytest.mark.parametrize(
    ("volume", "flagged"),
    # Seven one-day files of 120 each: 7 days >= 100 (at least 5 needed). At 20 a day: none.
    [(120, "the log samples evidence/day-0.jsonl, "), (20, None)],
    ids=["prototype traffic split into one-day files", "honest: light prototype use"],
)
def test_shadow_production_combines_one_day_files(volume, flagged):
    measured = {e["path"]: one_day(i, volume) for i, e in enumerate(SPLIT)}
    a = run({"stage": "prototype", "evidence": SPLIT}, measured)
    if flagged is None:
        assert a.shadow_production is None
    else:
        assert a.shadow_production.startswith(flagged)
        assert a.shadow_production.endswith(
            "show 7 days with at least 100 requests (up to 120 a day)"
        )


def test_backdated_prototype_traffic_is_still_shadow_production():
    # Dated 2026-05-01, outside the 90-day window; its entries are from 11-05 to 11-18.
    rec = {"stage": "prototype", "evidence": [{"kind": "log_sample", "path": "evidence/logs.jsonl",
                                               "date": "2026-05-01"}]}  # fmt: skip
    a = run(rec, {LOG: busy(150)})
    assert a.shadow_production == (
        "evidence/logs.jsonl shows 14 days with at least 100 requests (up to 150 a day)"
    )


# ----------------------------------------------------- 7: personal data anywhere

CARDS = FieldPII("inputs", "input", {"emails": 0, "phones": 0, "cards": 2, "ibans": 0})
UNREDACTED = {s: {**PLAN[s], "redacted": False} for s in SIGNALS}
KEPT = {**UNREDACTED, "inputs": {**UNREDACTED["inputs"], "keeps_personal_data": True}}

PERSONAL = {
    "honest: nothing found": (None, None, None, None, "met", "no personal data in the 9 signals"),
    # Nothing marked redacted, 2 card numbers in inputs, no decision allows them.
    "PII with no signal marked redacted": (
        {"observability.logging_plan": UNREDACTED}, {LOG: honest_log(pii=(CARDS,))}, None, None,
        "below_threshold", "inputs (field input): 2 payment card numbers; no privacy decision "
                           "covers personal data there",
    ),
    "honest: privacy decided inputs keep it": (
        {"observability.logging_plan": KEPT}, {LOG: honest_log(pii=(CARDS,))}, None, None,
        "met", "2 personal data items are kept in inputs, as privacy decided",
    ),
    "kept, but no decision written": (
        {"observability.logging_plan": KEPT, "observability.privacy_decisions": None},
        {LOG: honest_log(pii=(CARDS,))}, None, None, "below_threshold",
        "no privacy decision covers",
    ),
    "redacted signal leaks": (
        None, {LOG: honest_log(pii=(CARDS,))}, None, None, "below_threshold",
        "the logging plan says these are redacted, so none is allowed",
    ),
    "a field that carries no signal": (
        {"observability.logging_plan": KEPT},
        {LOG: honest_log(pii_elsewhere=(FieldPII("other", "customer_email", {"emails": 3}),))},
        None, None, "below_threshold",
        "field customer_email: 3 e-mail addresses; a field that carries no logged signal",
    ),
}  # fmt: skip


@pytest.mark.parametrize("row", PERSONAL.values(), ids=PERSONAL.keys())
def test_personal_data_found_anywhere_needs_a_decision(row):
    check(row, "observability.personal_data")


# ----------------------------------------------------- 10: measured facts win

MEASURED_FACTS = {
    # a: dated 2026-11-19 but its entries end 2026-07-01: 145 days before 11-23 (30 - 1 +
    # 31 + 31 + 30 + 31 + 23 = 145), more than the 90 allowed.
    "a re-dated old log": (
        "trust.latency",
        (None, {LOG: honest_log(first=dt.datetime(2026, 6, 18), last=dt.datetime(2026, 7, 1),
                                per_day={dt.date(2026, 6, 18) + dt.timedelta(days=i): 100
                                         for i in range(14)})},
         None, None, "stale",
         "(evidence/logs.jsonl, 2026-11-19, newest entry 2026-07-01) is 145 days old"),
    ),
    # Re-dated within the window: 2026-11-19 is 8 days after the last entry of 11-11 (> 2).
    "a re-dated recent log": (
        "trust.latency",
        (None, {LOG: honest_log(first=dt.datetime(2026, 10, 29), last=dt.datetime(2026, 11, 11),
                                per_day={dt.date(2026, 10, 29) + dt.timedelta(days=i): 100
                                         for i in range(14)})},
         None, None, "unverified",
         "is dated 2026-11-19 but its newest entry is 2026-11-11 (8 days earlier"),
    ),
    # c: the mapped status field says OK; the preset's error field shows 150 of 1,400
    # (10.7%): measured facts win (the inspector takes the highest), the detail says whence.
    "an always-OK error field": (
        "trust.error_rate",
        (None, {LOG: honest_log(errors=150, mapping={**PRESETS["flat"], "exceptions": "status"},
                                error_fields={"status": 0, "error": 150})},
         None, None, "below_threshold",
         "10.7% (150 of 1,400, from field 'error'; the mapped 'status' shows 0)"),
    ),
    # c: seconds read as milliseconds: a median of 1.2 "ms" is below the 50 ms believable.
    "seconds as ms": (
        "trust.latency",
        (None, {LOG: honest_log(latency=Percentiles(1.2, 2.5, 3.1, 1400))}, None, None,
         "unverified", "median 1.2 ms is not believable for an AI call"),
    ),
    # c: the red team's 'duration' in seconds, five times slower than the honest log: a
    # median of 7.33 s read as 7.33 ms (a p95 of 12 s as 12 ms) is still under 50 ms.
    "seconds in a field without a unit suffix": (
        "trust.latency",
        (None, {LOG: honest_log(latency=Percentiles(7.33, 12.0, 14.0, 1400))}, None, None,
         "unverified", "median 7.33 ms is not believable for an AI call (at least 50 ms, "
         "plausibility.min_latency_ms)"),
    ),
    "a median of 49 ms": (
        "trust.latency",
        (None, {LOG: honest_log(latency=Percentiles(49.0, 400.0, 900.0, 1400))}, None, None,
         "unverified", "median 49 ms is not believable"),
    ),
    "honest: a median of 50 ms": (
        "trust.latency",
        (None, {LOG: honest_log(latency=Percentiles(50.0, 400.0, 900.0, 1400))}, None, None,
         "met", "measured p95 400 ms"),
    ),
    # d: decision_context holds one value in all 1,400 records: it covers none.
    "a constant placeholder field": (
        "observability.log_sample",
        (None, {LOG: honest_log(distinct={**honest_log().distinct, "decision_context": 1})},
         None, None, "below_threshold",
         "decision_context 0.0% (one constant value in every record)"),
    ),
    # d: a constant prompt version is how prompts are logged: still covered.
    "honest: one prompt version": (
        "observability.log_sample",
        (None, {LOG: honest_log(distinct={**honest_log().distinct, "prompts": 1})},
         None, None, "met", "9 planned signals"),
    ),
    # d: a one-hour load test: 3,000 records, 12 distinct inputs (0.4% < 50%).
    "a one-hour canned load test": (
        "trust.latency",
        (None, {LOG: log_over(3000, dt.datetime(2026, 11, 18, 9), dt.datetime(2026, 11, 18, 10),
                              distinct={"inputs": 12, "outputs": 12})},
         None, None, "unverified",
         "looks like a canned load test: 12 distinct inputs in 3,000 records (0.4%; at least 50%"),
    ),
    # e: the same log (by digest) is cited by a sister initiative.
    "the same log cited by two initiatives": (
        "trust.latency",
        (None, None, None, ("claims-triage-north",), "unverified",
         "also cited by claims-triage-north"),
    ),
    "the same log, coverage": (
        "observability.log_sample",
        (None, None, None, ("claims-triage-north",), "unverified",
         "also cited by claims-triage-north"),
    ),
    # f: expectations that can never fail.
    "never-failing expectations: 100% may be missing": (
        "data.quality_measured",
        ({"evidence": [*HONEST["evidence"][:2], {**HONEST["evidence"][2], "expectations": {
            **HONEST["evidence"][2]["expectations"], "max_missing_share": {"description": 1.0}}},
            *HONEST["evidence"][3:]]},
         None, None, None, "unverified",
         "description may be 100% empty; at most 20% (plausibility.max_missing_share)"),
    ),
    "never-failing expectations: ten years counts as fresh": (
        "data.quality_measured",
        ({"evidence": [*HONEST["evidence"][:2], {**HONEST["evidence"][2], "expectations": {
            **HONEST["evidence"][2]["expectations"],
            "freshness": {"column": "received", "max_age_days": 3650}}},
            *HONEST["evidence"][3:]]},
         None, None, None, "unverified", "received counts as fresh up to 3650 days old"),
    ),
    # One declared expectation (two fewer than the 3 needed).
    "a single expectation": (
        "data.quality_measured",
        (None, {"data_extract": honest_extract(checks=(Check("required", "claim_ref", True,
                                                             "present"),), freshness=None)},
         None, None, "unverified", "only 1 expectation declared; at least 3"),
    ),
    "loose expectations hide measured gaps": (
        "data.measured_gaps_registered",
        (None, {"data_extract": honest_extract(checks=(), freshness=None)},
         None, None, "unverified", "only 0 expectations declared"),
    ),
    # g: 280 of 300 cases are in the slice "synthetic": 20 real cases < 100.
    "a synthetic eval set": (
        "trust.measured_performance",
        (None, {"evaluation": honest_eval(slices=(PassRate("synthetic", 280, 280),
                                                  PassRate("claims", 20, 10)),
                                          overall=PassRate(None, 300, 290))},
         None, None, "insufficient",
         "20 real cases (280 synthetic, slice 'synthetic', left out)"),
    ),
    # g: 250 generated cases (all passing) and 50 production cases (40 passing): 50 real.
    "a generated eval set by origin": (
        "trust.baseline_evaluation",
        (None, {"evaluation": honest_eval(origins={"gpt-generated": (250, 250),
                                                   "production": (50, 40)},
                                          overall=PassRate(None, 300, 290))},
         None, None, "met", "eval.csv"),
    ),
    "a generated eval set by origin, at production": (
        "trust.measured_performance",
        (None, {"evaluation": honest_eval(origins={"gpt-generated": (250, 250),
                                                   "production": (50, 40)},
                                          overall=PassRate(None, 300, 290))},
         None, None, "insufficient", "50 real cases (250 synthetic, origin 'gpt-generated'"),
    ),
    # 270 flagged synthetic of 300: at most 30 real, < 100.
    "flagged synthetic cases": (
        "trust.measured_performance",
        (None, {"evaluation": honest_eval(flagged_synthetic=270)}, None, None, "insufficient",
         "30 real cases (270 synthetic, flagged synthetic, left out)"),
    ),
    # u: 'ok' (all 300 passing) mapped as the result; the file's 'passed' column passes 200
    # (the inspector measures both, the fewer decide): 200 of 300. Wilson by hand, p = 2/3,
    # z² = 3.8415: centre 0.66667 + 3.8415 / 600 = 0.67307; spread 1.96 * sqrt(0.22222 / 300
    # + 3.8415 / 360000) = 1.96 * 0.027412 = 0.05373; divided by 1 + 3.8415 / 300 = 1.01281:
    # 0.61934 / 1.01281 = 61.2% to 0.72680 / 1.01281 = 71.8%, below 90%. The detail says
    # which column decided.
    "an always-passing column mapped as the result": (
        "trust.measured_performance",
        (None, {"evaluation": honest_eval(
            overall=PassRate(None, 300, 200), rule="'passed' column, not the mapped 'ok'",
            overruled="from column 'passed'; the mapped 'ok' shows 300 of 300 passing")},
         None, None, "below_threshold",
         "pass rate 66.7% (200 of 300), 95% interval 61.2% to 71.8% (from column 'passed'; "
         "the mapped 'ok' shows 300 of 300 passing)"),
    ),
    "honest: real cases by origin": (
        "trust.measured_performance",
        (None, {"evaluation": honest_eval(origins={"production": (300, 290)})}, None, None,
         "met", "pass rate 96.7% (290 of 300)"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("criterion_id", "row"), MEASURED_FACTS.values(), ids=MEASURED_FACTS.keys()
)
def test_measured_facts_win_over_declared_ones(criterion_id, row):
    check(row, criterion_id)


def test_synthetic_cases_are_left_out_of_the_rate():
    # 250 generated cases all passing, 150 production cases with 135 passing: the rate is
    # judged on 135 of 150 = 90.0%, Wilson lower bound (270 + 3.8415 - 1.96 * sqrt(3.8415 +
    # 54)) / (2 * 153.8415) = (273.8415 - 14.906) / 307.683 = 84.2%: below 90%, though 385 of
    # 400 is 96.3% overall.
    ev = honest_eval(origins={"generated": (250, 250), "production": (150, 135)},
                     overall=PassRate(None, 400, 385))  # fmt: skip
    got, detail = status(run(measured={"evaluation": ev}), "trust.measured_performance")
    assert got == "below_threshold"
    assert detail.startswith("pass rate 90.0% (135 of 150 real cases), 95% interval 84.2% to ")


def test_the_honest_record_meets_every_measured_criterion():
    a = run()
    measured = [r for r in a.results if r.criterion.kind == "threshold"]
    assert {r.criterion.id: r.status for r in measured} == dict.fromkeys(
        (r.criterion.id for r in measured), "met"
    )
    assert a.uncontrolled_use is None and a.shadow_production is None
