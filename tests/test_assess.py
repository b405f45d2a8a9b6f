"""assess(): statuses, gates, supported stage, readiness and digest, as tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from conftest import AS_OF, findings, full_record, fully_signed, log_measures, make_record, signoff
from workbook.model.assess import assess, stage_label
from workbook.model.criteria import PASSING, STATUSES
from workbook.model.records import SIGNALS

EVAL = {"kind": "evaluation", "path": "e.csv", "date": "2026-10-01"}
LOGS = {"kind": "log_sample", "path": "l.jsonl", "date": "2026-11-01"}
#: Answers a reviewer accepts: a description in five words or more, the owner by name.
WORKFLOW = "Motor claims intake, from first notice to a queue"
EVALUATION = "Three hundred labelled claims, re-scored after each change"
OWNER = "Ann, Head of Claims"
#: A waiver reason that is an argument (eight words at least): what, why it may wait.
REASON = "Log export blocked by the vendor until the January release ships"
RENEWED = "Renewed: the vendor moved the log export to its March release"
GAP = "Duplicate policy numbers in the claims extract"
#: A week of traffic (1,000 records over 7 days): enough for the catalogue's minimum sample
#: of 200 records over 7 days with records on 5. Its last entry (2026-10-31) is a day before
#: the sample's date, 23 days before the assessment date.
WEEK = [dt.date(2026, 10, 25) + dt.timedelta(days=i) for i in range(7)]
MEASURED = {
    "log_sample": log_measures(
        per_day={d: 143 if i < 6 else 142 for i, d in enumerate(WEEK)},
        first=dt.datetime(2026, 10, 25, 8),
    )
}


def measured(record, unreadable=None):
    """``conftest.findings`` with a week of logs."""
    return findings(record, unreadable, MEASURED)


def status_of(result, criterion_id: str) -> str:
    return next(r.status for r in result.results if r.criterion.id == criterion_id)


# (case, record changes, unreadable files, criterion, expected status, detail as shown; a stale
# sign-off's detail ends with the current digest, which the table cannot know: it is the start)
STATUS_TABLE = [
    ("field unanswered", {}, {}, "t.workflow", "missing", "not answered: scope.workflow"),
    (
        "field blank text",
        {"scope.workflow": "   "},
        {},
        "t.workflow",
        "missing",
        "not answered: scope.workflow",
    ),
    ("field answered", {"scope.workflow": WORKFLOW}, {}, "t.workflow", "met", "answered"),
    (
        "answered, evidence absent",
        {"trust.evaluation": EVALUATION},
        {},
        "t.eval",
        "unverified",
        "answered, but no evaluation evidence is cited",
    ),
    (
        "answered and evidenced",
        {"trust.evaluation": EVALUATION, "evidence": [EVAL]},
        {},
        "t.eval",
        "met",
        "evaluation evidence e.csv of 2026-10-01",
    ),
    (
        "evidence file unreadable",
        {"trust.evaluation": EVALUATION, "evidence": [EVAL]},
        {"e.csv": "file not found"},
        "t.eval",
        "unreadable",
        "e.csv: file not found",
    ),
    (
        "evidence stale",
        {"trust.evaluation": EVALUATION, "evidence": [{**EVAL, "date": "2026-01-01"}]},
        {},
        "t.eval",
        "stale",
        # 2026-01-01 to 2026-11-23: 365 - 39 = 326 days; the tiny catalogue allows 100.
        "newest evaluation evidence (e.csv, 2026-01-01) is 326 days old; at most 100 days allowed",
    ),
    (
        "evidence exactly at window",
        {"trust.evaluation": EVALUATION, "evidence": [{**EVAL, "date": "2026-08-15"}]},
        {},
        "t.eval",
        "met",
        "evaluation evidence e.csv of 2026-08-15",  # 100 days before 2026-11-23
    ),
    (
        "one fresh among stale",
        {
            "trust.evaluation": EVALUATION,
            "evidence": [{**EVAL, "date": "2025-01-01"}, {**EVAL, "path": "f.csv"}],
        },
        {},
        "t.eval",
        "met",
        "evaluation evidence f.csv of 2026-10-01",
    ),
    (
        "unanswered beats evidence",
        {"evidence": [EVAL]},
        {},
        "t.eval",
        "missing",
        "not answered: trust.evaluation",
    ),
    ("evidence kind absent", {}, {}, "t.logs", "missing", "no log_sample evidence is cited"),
    (
        "evidence kind present",
        {"evidence": [LOGS]},
        {},
        "t.logs",
        "met",
        "log_sample evidence l.jsonl of 2026-11-01",
    ),
    (
        # A link shows that a log exists, not how much it holds: nothing to judge its size by.
        "a link to a log sample is not enough",
        {"evidence": [{"kind": "log_sample", "url": "https://x.example/l", "date": "2026-11-01"}]},
        {},
        "t.logs",
        "unverified",
        "log_sample evidence https://x.example/l of 2026-11-01 is a link; measuring needs the file",
    ),
    ("empty register allowed", {}, {}, "t.gaps", "met", "0 entries, complete"),
    (
        "register entry incomplete",
        {"data.gaps": [{"id": "g1", "description": GAP}]},
        {},
        "t.gaps",
        "missing",
        "g1 lacks owner",
    ),
    (
        "open critical gap",
        {
            "data.gaps": [
                {"id": "g1", "description": GAP, "owner": "Data team", "severity": "critical"}
            ]
        },
        {},
        "t.gaps",
        "missing",
        "1 forbidden entry: g1",
    ),
    (
        "closed critical gap",
        {
            "data.gaps": [
                {
                    "id": "g1",
                    "description": GAP,
                    "owner": "Data team",
                    "severity": "critical",
                    "status": "closed",
                }
            ]
        },
        {},
        "t.gaps",
        "met",
        "1 entry, complete",
    ),
    (
        "no sign-off",
        {},
        {},
        "t.signoff",
        "missing",
        "no business_owner sign-off for the production gate",
    ),
    (
        "sign-off for earlier version",
        {
            "ownership.business_owner": OWNER,
            "signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Ann")],
        },
        {},
        "t.signoff",
        "stale",
        "signed by Ann on 2026-11-01 for an earlier version (abcdef012345); the current digest is",
    ),
    (
        "sign-off by someone the record does not name",
        {
            "ownership.business_owner": OWNER,
            "signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Bo")],
        },
        {},
        "t.signoff",
        "missing",
        "signed by Bo, but the record names Ann as business owner (ownership.business_owner)",
    ),
    (
        "sign-off with no business owner named",
        {"signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Ann")]},
        {},
        "t.signoff",
        "missing",
        "the record names no business owner (ownership.business_owner), "
        "so no business_owner sign-off can count",
    ),
    (
        "sign-off by other role",
        {"signoffs": [signoff("abcdef012345", "2026-11-01", "support_owner", "Bo")]},
        {},
        "t.signoff",
        "missing",
        "no business_owner sign-off for the production gate",
    ),
    (
        "not applicable, justified",
        {
            "not_applicable": [
                {
                    "criterion": "t.workflow",
                    "justification": "A nightly batch with no person in the loop",
                }
            ]
        },
        {},
        "t.workflow",
        "not_applicable",
        "A nightly batch with no person in the loop",
    ),
    (
        "not applicable, a placeholder reason",
        {"not_applicable": [{"criterion": "t.workflow", "justification": "N/A"}]},
        {},
        "t.workflow",
        "missing",
        "marked not applicable, but the justification is a placeholder ('N/A')",
    ),
    (
        "not applicable, no reason",
        {"not_applicable": [{"criterion": "t.workflow"}]},
        {},
        "t.workflow",
        "missing",
        "marked not applicable without a justification",
    ),
    (
        "not applicable, blank reason",
        {"not_applicable": [{"criterion": "t.workflow", "justification": "  "}]},
        {},
        "t.workflow",
        "missing",
        "marked not applicable without a justification",
    ),
    (
        "not applicable refused by catalogue",
        {
            "trust.evaluation": EVALUATION,
            "not_applicable": [{"criterion": "t.eval", "justification": "no"}],
        },
        {},
        "t.eval",
        "unverified",
        "the catalogue does not accept not-applicable for this criterion; "
        "answered, but no evaluation evidence is cited",
    ),
    (
        "waiver refused by catalogue",
        {
            "waivers": [
                {
                    "criterion": "t.signoff",
                    "reason": "busy",
                    "approver": "CIO",
                    "expires": "2027-01-01",
                }
            ]
        },
        {},
        "t.signoff",
        "missing",
        "the catalogue does not accept waivers for this criterion; "
        "no business_owner sign-off for the production gate",
    ),
    (
        "renewed waiver supersedes expired one",
        {
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2026-10-01",
                },
                {
                    "criterion": "t.logs",
                    "reason": RENEWED,
                    "approver": "CIO",
                    "expires": "2027-04-30",
                },
            ]
        },
        {},
        "t.logs",
        "waived",
        f"waived by CIO until 2027-04-30: {RENEWED}",
    ),
    (
        "evidence dated after as-of not counted",
        {"evidence": [{**LOGS, "date": "2027-01-01"}]},
        {},
        "t.logs",
        "unverified",
        "log_sample evidence l.jsonl is dated 2027-01-01, after the as-of date "
        "2026-11-23, so it does not count yet",
    ),
    (
        "waived",
        {
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2026-12-31",
                }
            ]
        },
        {},
        "t.logs",
        "waived",
        f"waived by CIO until 2026-12-31: {REASON}",
    ),
    (
        "waiver expires today",
        {
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2026-11-23",
                }
            ]
        },
        {},
        "t.logs",
        "waived",
        f"waived by CIO until 2026-11-23: {REASON}",
    ),
    (
        "waiver expired",
        {
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2026-11-22",
                }
            ]
        },
        {},
        "t.logs",
        "waiver_expired",
        "waiver by CIO expired on 2026-11-22; no log_sample evidence is cited",
    ),
    (
        "met despite waiver",
        {
            "evidence": [LOGS],
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2026-01-01",
                }
            ],
        },
        {},
        "t.logs",
        "met",
        "log_sample evidence l.jsonl of 2026-11-01",
    ),
]


@pytest.mark.parametrize(
    ("changes", "unreadable", "criterion", "expected", "phrase"),
    [row[1:] for row in STATUS_TABLE],
    ids=[row[0] for row in STATUS_TABLE],
)
def test_status(tiny, changes, unreadable, criterion, expected, phrase):
    record = make_record(changes)
    result = assess(record, tiny, AS_OF, measured(record, unreadable))
    row = next(r for r in result.results if r.criterion.id == criterion)
    assert (row.status, row.detail[: len(phrase)]) == (expected, phrase)
    assert row.detail == phrase or (criterion, expected) == ("t.signoff", "stale"), row.detail
    assert row.passes == (expected in PASSING)


def test_status_table_covers_every_status_but_the_measured_ones():
    # below_threshold and insufficient come from measured evidence (tests/test_thresholds.py,
    # tests/test_gaming_measured.py); failed from a recorded outcome (tests/test_gaming_answers.py).
    seen = {row[4] for row in STATUS_TABLE}
    assert seen == set(STATUSES) - {"below_threshold", "insufficient", "failed"}


def test_current_signoff_is_met(tiny):
    draft = make_record({"ownership.business_owner": OWNER})
    digest = assess(draft, tiny, AS_OF, measured(draft)).digest
    signed = make_record(
        {
            "ownership.business_owner": OWNER,
            "signoffs": [signoff(digest[:16], "2026-11-20", "business_owner", "Ann")],
        }
    )
    result = assess(signed, tiny, AS_OF, measured(signed))
    assert result.digest == digest, "sign-offs must not change the digest they sign"
    assert status_of(result, "t.signoff") == "met"
    assert [s.current for s in result.signoffs] == [True]


# (case, record changes, expected gates passed, supported stage)
GATE_TABLE = [
    ("nothing answered", {}, (False, False, False), "prototype"),
    (
        "mvp only",
        {"scope.workflow": WORKFLOW, "trust.evaluation": EVALUATION, "evidence": [EVAL]},
        (True, False, False),
        "mvp",
    ),
    ("candidate needs mvp first", {"evidence": [LOGS]}, (False, True, False), "prototype"),
    (
        "candidate",
        {"scope.workflow": WORKFLOW, "trust.evaluation": EVALUATION, "evidence": [EVAL, LOGS]},
        (True, True, False),
        "production_candidate",
    ),
    (
        "waivers carry a gate",
        {
            "scope.workflow": WORKFLOW,
            "trust.evaluation": EVALUATION,
            "evidence": [EVAL],
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2027-01-01",
                }
            ],
        },
        (True, True, False),
        "production_candidate",
    ),
]


@pytest.mark.parametrize(
    ("changes", "gates", "supported"),
    [row[1:] for row in GATE_TABLE],
    ids=[row[0] for row in GATE_TABLE],
)
def test_gates_and_supported_stage(tiny, changes, gates, supported):
    record = make_record(changes)
    result = assess(record, tiny, AS_OF, measured(record))
    assert tuple(result.gates.values()) == gates
    assert result.supported_stage == supported


@pytest.mark.parametrize(
    ("claimed", "supported_changes", "overclaimed"),
    [
        ("prototype", {}, False),
        ("mvp", {}, True),
        ("production", {}, True),
        (
            "mvp",
            {"scope.workflow": WORKFLOW, "trust.evaluation": EVALUATION, "evidence": [EVAL]},
            False,
        ),
        (
            "prototype",
            {"scope.workflow": WORKFLOW, "trust.evaluation": EVALUATION, "evidence": [EVAL]},
            False,
        ),
    ],
)
def test_overclaimed(tiny, claimed, supported_changes, overclaimed):
    record = make_record({"stage": claimed, **supported_changes})
    assert assess(record, tiny, AS_OF, measured(record)).overclaimed is overclaimed


def test_full_record_reaches_production_with_both_signoffs(default_catalogue):
    record = fully_signed(default_catalogue)
    result = assess(record, default_catalogue, AS_OF, measured(record))
    assert [r.criterion.id for r in result.results if not r.passes] == []
    assert result.supported_stage == "production"
    assert result.blockers == [] and result.next_gate is None and result.weakest_area is None
    assert (
        result.headline
        == "Labelled production; the evidence supports production. Every condition is met."
    )


def test_blockers_ordered_by_gate_then_area_and_headline(default_catalogue):
    record = make_record({"stage": "production_candidate", "scope.workflow": WORKFLOW})
    result = assess(record, default_catalogue, AS_OF, measured(record))
    keys = [(r.criterion.gate, r.criterion.area) for r in result.blockers]
    gate_order = ["mvp", "production_candidate"]
    areas = ["scope", "data", "trust", "integration", "ownership", "observability", "governance"]
    assert keys == sorted(keys, key=lambda k: (gate_order.index(k[0]), areas.index(k[1])))
    assert {g for g, _ in keys} == {"mvp", "production_candidate"}
    n = len(result.blockers)
    assert result.headline == (
        f"Labelled production candidate; the evidence supports prototype. {n} conditions are not yet met."
    )


def test_honest_label_headline_names_the_next_stage(tiny):
    record = make_record({"scope.workflow": WORKFLOW})
    result = assess(record, tiny, AS_OF, measured(record))
    assert result.headline == (
        "Labelled prototype; the evidence supports prototype. 1 condition is not yet met for mvp."
    )


def test_target_stage_widens_the_horizon(tiny):
    record = make_record({"target_stage": "production_candidate"})
    result = assess(record, tiny, AS_OF, measured(record))
    assert {r.criterion.gate for r in result.blockers} == {"mvp", "production_candidate"}


def test_readiness_and_weakest_area(default_catalogue):
    # Everything for mvp but the data sources and boundaries: data is weakest (0 of 2).
    record = full_record({"stage": "prototype", "data.sources": [], "data.boundaries.may_use": []})
    result = assess(record, default_catalogue, AS_OF, measured(record))
    assert result.next_gate == "mvp"
    ready = {a.area: (a.met, a.total) for a in result.readiness}
    # scope: workflow, boundaries, demo conditions, controlled use and use within it (5).
    assert ready == {"scope": (5, 5), "data": (0, 2), "trust": (2, 2), "ownership": (1, 1)}
    assert result.weakest_area == "data"


def test_weakest_area_is_lowest_share_not_most_failures(default_catalogue):
    # candidate gate: trust 1 of 5 failing (80%) vs ownership 1 of 3 failing (67%)
    record = full_record({"stage": "mvp", "trust.fallback": None, "ownership.change_control": None})
    result = assess(record, default_catalogue, AS_OF, measured(record))
    assert result.next_gate == "production_candidate"
    assert result.weakest_area == "ownership"


def test_assess_is_reproducible_and_as_of_matters(tiny):
    record = make_record({"evidence": [LOGS]})
    first = assess(record, tiny, AS_OF, measured(record))
    again = assess(record, tiny, AS_OF, measured(record))
    assert first.to_dict() == again.to_dict()
    later = assess(record, tiny, AS_OF + dt.timedelta(days=40), measured(record))
    assert (status_of(first, "t.logs"), status_of(later, "t.logs")) == ("met", "stale")
    assert later.digest == first.digest, "the date changes the verdict, not what was assessed"


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Other"},
        {"scope.workflow": "changed"},
        {"evidence": [{**LOGS, "date": "2026-11-02"}]},
    ],
)
def test_digest_changes_with_the_record(tiny, change):
    base = make_record({"evidence": [LOGS]})
    changed = make_record({"evidence": [LOGS], **change})
    assert (
        assess(base, tiny, AS_OF, measured(base)).digest
        != assess(changed, tiny, AS_OF, measured(changed)).digest
    )


def test_digest_changes_with_evidence_bytes_and_catalogue(tiny, default_catalogue):
    record = make_record({"evidence": [LOGS]})
    a = assess(record, tiny, AS_OF, measured(record))
    gone = assess(record, tiny, AS_OF, measured(record, {"l.jsonl": "file not found"}))
    other = assess(record, default_catalogue, AS_OF, measured(record))
    assert len({a.digest, gone.digest, other.digest}) == 3


def test_to_dict_is_the_check_json_contract(tiny):
    """``workbook check --json`` prints exactly this for one record (every key, by hand)."""
    record = make_record(
        {
            "stage": "mvp",
            "target_stage": "production_candidate",
            "scope.workflow": WORKFLOW,
            "trust.evaluation": EVALUATION,
            "evidence": [EVAL, LOGS],
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2026-11-01",
                }
            ],
            "signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Ann")],
            "ownership.business_owner": OWNER,
        }
    )
    result = assess(record, tiny, AS_OF, measured(record))
    digest = result.digest
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    # mvp: workflow answered, evaluation answered and evidenced (53 days <= 100): passes.
    # candidate: logs 22 days old (<= 30), gap register empty: passes.
    # production: the one sign-off quotes another digest: stale, the only blocker.
    stale = (
        "signed by Ann on 2026-11-01 for an earlier version (abcdef012345); "
        f"the current digest is {digest[:12]}"
    )
    # Synthetic findings (conftest): 295 of 300 passing; Wilson by hand, z² = 3.8415:
    # (590 + 3.8415 -/+ 1.96 * sqrt(3.8415 + 19.667)) / 607.683 = 0.9616 to 0.9929.
    evaluation = {
        "kind": "evaluation",
        "location": "e.csv",
        "date": "2026-10-01",
        "readable": True,
        "reason": None,
        "sha256": "0" * 64,  # conftest.findings: every readable file hashes to zeros
        "measured": {
            "rule": "'passed' column",
            "cases": 300,
            "passed": 295,
            "errors": 0,
            "rate": pytest.approx(295 / 300),
            "lower": pytest.approx(0.9616, abs=5e-5),
            "upper": pytest.approx(0.9929, abs=5e-5),
            "slices": [],
        },
    }
    # The clean 1,000-record sample of conftest.log_measures, spread over a week (MEASURED).
    logs = {
        "kind": "log_sample",
        "location": "l.jsonl",
        "date": "2026-11-01",
        "readable": True,
        "reason": None,
        "sha256": "0" * 64,
        "measured": {
            "records": 1000,
            "coverage": dict.fromkeys(SIGNALS, 1.0),
            "latency_ms": {"p50": 800.0, "p95": 1500.0, "p99": 1900.0},
            "error_rate": 5 / 1000,
            "retry_rate": 20 / 1000,
            "override_rate": 40 / 1000,
            "per_day": {d.isoformat(): 143 if d.day < 31 else 142 for d in WEEK},
            "first": "2026-10-25T08:00:00",
            "last": "2026-10-31T18:00:00",
            "personal_data": {},
            # Nothing of these was measured in the synthetic sample.
            "personal_data_elsewhere": {},
            "distinct": {},
            "users": None,
            "error_fields": {},
            "latency_unit": "ms",
            # No record failed (none excused from output coverage); no spans at all.
            "failed_without_output": 0,
            "other_spans": 0,
        },
    }
    assert result.to_dict() == {
        "id": "r",
        "name": "R",
        "claimed_stage": "mvp",
        "target_stage": "production_candidate",
        "supported_stage": "production_candidate",
        "overclaimed": False,
        "shadow_production": None,
        "uncontrolled_use": None,
        "goalposts": [],
        "next_gate": "production",
        "weakest_area": "governance",
        "headline": "Labelled mvp. The evidence supports production candidate: you may claim "
        "it (set stage: production_candidate). 1 condition is not yet met for production.",
        "as_of": "2026-11-23",
        "catalogue": "Tiny",
        "digest": digest,
        "gates": {"mvp": True, "production_candidate": True, "production": False},
        "readiness": {"governance": {"met": 0, "total": 1}},
        "blockers": [
            {
                "criterion": "t.signoff",
                "gate": "production",
                "area": "governance",
                "status": "stale",
                "detail": stale,
                "question": "q",
                "satisfied_by": "s",
            }
        ],
        "results": [
            {"criterion": "t.workflow", "gate": "mvp", "status": "met"},
            {"criterion": "t.eval", "gate": "mvp", "status": "met"},
            # The catalogue orders criteria by gate, then area: data before observability.
            {"criterion": "t.gaps", "gate": "production_candidate", "status": "met"},
            {"criterion": "t.logs", "gate": "production_candidate", "status": "met"},
            {"criterion": "t.signoff", "gate": "production", "status": "stale"},
        ],
        "waivers": [
            {
                "criterion": "t.logs",
                "approver": "CIO",
                "expires": "2026-11-01",
                "expired": True,
                "superseded": False,
            }
        ],
        "evidence": [evaluation, logs],
        "signoffs": [
            {
                "gate": "production",
                "name": "Ann",
                "role": "business_owner",
                "date": "2026-11-01",
                "current": False,
            }
        ],
    }


def test_an_overclaimed_record_in_json(tiny):
    record = make_record({"stage": "mvp"})
    data = assess(record, tiny, AS_OF, measured(record)).to_dict()
    assert (data["claimed_stage"], data["supported_stage"], data["overclaimed"]) == (
        "mvp",
        "prototype",
        True,
    )
    # Overclaimed: the headline names no target stage, only how many conditions fail (the two
    # mvp criteria, unanswered).
    assert data["headline"] == (
        "Labelled mvp; the evidence supports prototype. 2 conditions are not yet met."
    )


def test_signoff_dated_after_as_of_does_not_count(tiny):
    draft = make_record({"ownership.business_owner": OWNER})
    digest = assess(draft, tiny, AS_OF, measured(draft)).digest
    signed = make_record(
        {
            "ownership.business_owner": OWNER,
            "signoffs": [signoff(digest, "2026-11-24", "business_owner", "Ann")],
        }
    )
    result = assess(signed, tiny, AS_OF, measured(signed))
    assert status_of(result, "t.signoff") == "missing"
    assert result.signoffs == ()
    tomorrow = assess(signed, tiny, AS_OF + dt.timedelta(days=1), measured(signed))
    assert status_of(tomorrow, "t.signoff") == "met"


def test_section_field_detail_names_the_missing_parts(default_catalogue):
    record = full_record(
        {"ownership.enablement.runbook": None, "trust.thresholds.error_rate": None}
    )
    result = assess(record, default_catalogue, AS_OF, measured(record))
    details = {r.criterion.id: r.detail for r in result.results if not r.passes}
    assert details == {
        "trust.thresholds": "not answered: trust.thresholds.error_rate",
        "trust.error_rate": "no error rate threshold is set (trust.thresholds.error_rate)",
        "ownership.enablement": "not answered: ownership.enablement.runbook",
        "governance.signoff_business": "no business_owner sign-off for the production gate",
        "governance.signoff_support": "no support_owner sign-off for the production gate",
    }


def test_digest_ignores_values_left_at_their_default(tiny):
    plain = make_record()
    explicit = make_record({"scope.in_scope": [], "data.gaps": [], "target_stage": None})
    assert (
        assess(plain, tiny, AS_OF, measured(plain)).digest
        == assess(explicit, tiny, AS_OF, measured(explicit)).digest
    )


def test_headline_says_when_gates_pass_only_by_waiver(tiny):
    record = make_record(
        {
            "scope.workflow": WORKFLOW,
            "trust.evaluation": EVALUATION,
            "evidence": [EVAL],
            "stage": "production_candidate",
            "waivers": [
                {
                    "criterion": "t.logs",
                    "reason": REASON,
                    "approver": "CIO",
                    "expires": "2027-01-01",
                }
            ],
        }
    )
    result = assess(record, tiny, AS_OF, measured(record))
    assert result.headline == (
        "Labelled production candidate; the evidence supports production candidate. "
        "1 condition is not yet met for production. 1 passes only by waiver."
    )


def test_rewording_the_catalogue_keeps_the_digest(tiny):
    import dataclasses

    reworded = dataclasses.replace(
        tiny,
        criteria=tuple(c.model_copy(update={"rationale": "Other words."}) for c in tiny.criteria),
    )
    stricter = dataclasses.replace(tiny, freshness_days={**tiny.freshness_days, "log_sample": 10})
    record = make_record()
    digests = {assess(record, c, AS_OF, measured(record)).digest for c in (tiny, reworded)}
    assert len(digests) == 1
    assert assess(record, stricter, AS_OF, measured(record)).digest not in digests


def test_the_digest_is_the_sha256_of_what_was_assessed(tiny):
    """Sign-offs quote digests: the definition may not drift, or every sign-off turns stale.

    sha256 of canonical JSON (sorted keys, text kept as UTF-8) of the record without its
    sign-offs and unset defaults, each cited item's location with its file's sha256 ("link"
    for a link, the reason for an unreadable file), and the catalogue's fingerprint.
    """
    link = {"kind": "log_sample", "url": "https://x.example/l", "date": "2026-11-01"}
    record = make_record(
        {
            "name": "Zoë's claims",
            "evidence": [LOGS, link, EVAL],
            "signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Ann")],
        }
    )
    result = assess(record, tiny, AS_OF, measured(record, {"e.csv": "file not found"}))
    assessed = {
        "record": {
            "schema_version": 1,
            "id": "r",
            "name": "Zoë's claims",
            "stage": "prototype",
            "evidence": [LOGS, link, EVAL],
        },
        "evidence": [
            ["e.csv", "unreadable: file not found"],
            ["https://x.example/l", "link"],
            ["l.jsonl", "0" * 64],  # conftest.findings: every readable file hashes to zeros
        ],
        "catalogue": tiny.fingerprint(),
    }
    text = json.dumps(assessed, sort_keys=True, ensure_ascii=False)
    assert result.digest == hashlib.sha256(text.encode()).hexdigest()


def test_waiver_days_left_and_expiry_day(tiny):
    waiver = {"reason": REASON, "approver": "CIO"}
    record = make_record(
        {
            "waivers": [
                {**waiver, "criterion": "t.logs", "expires": "2026-12-31"},
                {**waiver, "criterion": "t.gaps", "expires": "2026-11-23"},
            ]
        }
    )
    states = assess(record, tiny, AS_OF, measured(record)).waivers
    # 2026-11-23 to 2026-12-31: 7 days of November and 31 of December.
    assert [(s.days_left, s.expired) for s in states] == [(38, False), (0, False)]
    later = assess(record, tiny, AS_OF + dt.timedelta(days=1), measured(record)).waivers
    assert [(s.days_left, s.expired) for s in later] == [(37, False), (-1, True)]


def test_a_signoff_dated_on_the_assessment_day_counts(tiny):
    draft = make_record({"ownership.business_owner": OWNER})
    digest = assess(draft, tiny, AS_OF, measured(draft)).digest
    signed = make_record(
        {
            "ownership.business_owner": OWNER,
            "signoffs": [signoff(digest, "2026-11-23", "business_owner", "Ann")],
        }
    )
    result = assess(signed, tiny, AS_OF, measured(signed))
    assert [s.current for s in result.signoffs] == [True]
    assert status_of(result, "t.signoff") == "met"
    assert next(r for r in result.results if r.criterion.id == "t.signoff").detail == (
        "signed by Ann on 2026-11-23"
    )


def test_a_stale_signoff_names_the_latest_and_quotes_twelve_characters(tiny):
    signoffs = [
        signoff("0123456789abcdef", "2026-11-10", "business_owner", "Ann"),
        signoff("fedcba9876543210", "2026-11-20", "business_owner", "Ann"),
        signoff("00000000aaaaaaaa", "2026-11-01", "business_owner", "Ann"),
    ]
    record = make_record({"ownership.business_owner": OWNER, "signoffs": signoffs})
    result = assess(record, tiny, AS_OF, measured(record))
    detail = next(r for r in result.results if r.criterion.id == "t.signoff").detail
    assert detail == (
        "signed by Ann on 2026-11-20 for an earlier version (fedcba987654); "
        f"the current digest is {result.digest[:12]}"
    )


@pytest.mark.parametrize(
    ("stage", "label"),
    [("production_candidate", "production candidate"), ("mvp", "mvp"), (None, "none")],
)
def test_stage_label(stage, label):
    assert stage_label(stage) == label


def test_a_renewal_supersedes_the_waiver_it_replaces(tiny):
    first = {"criterion": "t.logs", "reason": REASON, "approver": "CIO", "expires": "2026-11-01"}
    renewal = {**first, "reason": RENEWED, "expires": "2027-04-30"}
    record = make_record({"waivers": [first, renewal]})
    old, new = assess(record, tiny, AS_OF, measured(record)).waivers
    # The first ran out on 2026-11-01, but it was replaced: it neither counts nor expires.
    assert (old.superseded_by, old.superseded, old.expired) == (record.waivers[1], True, False)
    assert (new.superseded_by, new.superseded, new.expired) == (None, False, False)
