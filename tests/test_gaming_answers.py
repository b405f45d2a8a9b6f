"""Gaming the label with words: placeholders, failed reviews, loose thresholds, the wrong
signer, hollow waivers and not-applicables, a gap "closed" without proof (issue 11).

Each table row is one change to an honest record that reaches production under the default
catalogue; the row names the criterion it must fail, the status and the detail a reader sees,
and the stage the evidence then supports. Honest rows sit in the same tables and keep their
verdict. Everything here is pure ``assess``; expected values are written by hand.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from typing import Any

import pytest

from conftest import AS_OF, findings, log_measures
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.model.assess import Assessment, assess
from workbook.model.records import SIGNALS, Record, parse_record

OWNER = "Priya Raman, Head of Claims Operations"
SPONSOR = "Tomasz Wierzbicki, Chief Operating Officer"
BUILDERS = ["Lena Fischer", "Omar Haddad (contractor)"]
SUPPORT_LEAD = "Kwame Mensah"
RISK = "Marta Kowalski, Chief Risk Officer"

#: A waiver reason a reviewer accepts: what is missing, why it may wait, what covers the risk.
REASON = (
    "The January drill slot was taken by the core claims upgrade; until then the manual "
    "queue guide is printed at every desk and the team lead checks it weekly"
)


def _evidence(kind: str, date: str, **more: Any) -> dict[str, Any]:
    return {"kind": kind, "path": f"evidence/{kind}.md", "date": date, **more}


#: Every answer written as a careful team would: descriptions in sentences, people by name.
HONEST: dict[str, Any] = {
    "schema_version": 1,
    "id": "honest",
    "name": "Claims triage assistant",
    "sponsor": SPONSOR,
    "stage": "production",
    "scope": {
        "workflow": "Motor claims intake, from first notice of loss to a handler's queue",
        "ai_step": "It suggests the triage queue and a one-line reason for each new claim",
        "in_scope": ["Motor claims filed through the web form"],
        "out_of_scope": ["Injury claims, which go straight to a senior handler"],
        "controlled_use": {
            "users": "The twelve handlers of the Leeds intake team",
            "max_daily_volume": 200,
        },
        "user_expectations": ["A suggested queue with its reason, never a decision"],
        "never_assume": ["That the claim was checked for fraud"],
        "demo_conditions": [
            {
                "condition": "clean_data",
                "description": "The demo used forty hand-picked claims with every field filled",
                "real_use_handling": "Incomplete claims go to manual triage and are counted as "
                "a data gap",
            }
        ],
    },
    "data": {
        "sources": [
            {
                "name": "Claims system",
                "system_of_record": "Guidewire ClaimCenter",
                "owner": "Claims data office",
            }
        ],
        "boundaries": {
            "may_use": ["Claim text and policy type"],
            "must_not_use": ["Health information in injury notes"],
            "classification": "confidential",
        },
        "gaps": [
            {
                "id": "dup-policy",
                "description": "Duplicate policy numbers in about two percent of claims",
                "severity": "high",
                "owner": "Claims data office",
                "due": "2027-01-31",
                "status": "open",
            }
        ],
        "grounding": "Retrieval over the current claims handbook, cited in every suggestion",
    },
    "trust": {
        "evaluation": "Three hundred labelled claims, re-scored after every prompt change",
        "guardrails": ["No payout or liability advice"],
        "review_path": "Low-confidence suggestions go to the team lead's review queue",
        "failure_handling": {
            "wrong": "The handler overrides the queue and the override is logged for review",
            "delayed": "After five seconds the claim falls back to the manual triage queue",
            "blocked": "A refused claim is triaged by hand and the refusal is logged",
            "unsafe": "Unsafe output is suppressed, logged and sent to the team lead",
        },
        "fallback": "Handlers triage by hand with the printed queue guide, as before the pilot",
        "thresholds": {"latency_p95_ms": 3000, "error_rate": 0.02, "quality_pass_rate": 0.85},
    },
    "integration": {
        "systems": [{"system": "ClaimCenter", "interface_owner": "Claims platform team"}],
        "in_workflow": "A side panel on the claim intake screen of ClaimCenter",
    },
    "ownership": {
        "business_owner": OWNER,
        "support_owner": {
            "team": "Claims systems support",
            "hours": "Weekdays 07:00 to 19:00",
            "contact": "claims-support@example.com",
            "lead": SUPPORT_LEAD,
        },
        "escalation": [
            {"trigger": "Error rate above five percent for an hour", "target": "Platform on-call"}
        ],
        "change_control": "Prompt and model changes go through a pull request and a re-evaluation",
        "enablement": {
            "trained_team": "Claims systems support",
            "runbook": "Support wiki, page claims triage runbook",
        },
        "builders": BUILDERS,
    },
    "observability": {
        "logging_plan": {
            s: {"logged": True, "where": "Claims log store", "retention_days": 90, "redacted": True}
            for s in SIGNALS
        },
        "privacy_decisions": "Names and policy numbers are redacted before a log line is written",
        "dashboards": ["Claims triage health"],
        "alerts": ["p95 latency above three seconds for fifteen minutes"],
    },
    "governance": {
        "usage_policy": "Intake handlers may use it on motor claims, with the claim text only",
        "security_review": {
            "reviewer": "Ines Carvalho, Application Security Lead",
            "date": "2026-07-14",
            "outcome": "approved",
            "notes": "Prompt injection through the loss description is blocked by output checks",
        },
        "risk_owner": RISK,
    },
    "evidence": [
        _evidence("evaluation", "2026-11-01", path="evidence/eval.csv"),
        _evidence("log_sample", "2026-11-01", path="evidence/logs.jsonl"),
        _evidence(
            "data_extract",
            "2026-11-01",
            path="evidence/extract.csv",
            expectations={
                "required_columns": ["claim_id", "policy_type", "opened"],
                "unique_key": ["claim_id"],
                "max_missing_share": {"policy_type": 0.05},
            },
        ),
        _evidence("user_notice", "2026-10-01"),
        _evidence("policy", "2026-10-01"),
        _evidence("drill", "2026-10-15", outcome="passed"),
        _evidence("training", "2026-10-20", outcome="passed"),
        _evidence("security_review", "2026-07-14", outcome="approved"),
        _evidence("dashboard", "2026-11-01"),
    ],
}

DAYS = [dt.date(2026, 10, 25) + dt.timedelta(days=i) for i in range(7)]
#: A working week of traffic: 1,000 records over 7 days (6 x 143 + 142), at most 143 a day,
#: 900 distinct inputs: above every minimum sample, within the declared 200 a day.
WEEK_OF_LOGS = log_measures(
    per_day={d: 143 if i < 6 else 142 for i, d in enumerate(DAYS)},
    first=dt.datetime(2026, 10, 25, 8),
    last=dt.datetime(2026, 10, 31, 18),
    distinct={"inputs": 900, "outputs": 950},
    users=12,
)
#: 300 real cases, 285 passing: the 95% lower bound is about 0.92, above 0.85.
EVALUATED = EvalMeasures(PassRate(None, 300, 285), (), "'passed' column")
#: 400 rows meeting the three declared expectations.
EXTRACT = ExtractMeasures(
    400,
    ("claim_id", "policy_type", "opened"),
    (
        Check("required", "claim_id", True, "present"),
        Check("unique_key", "claim_id", True, "no duplicates"),
        Check("max_missing_share", "policy_type", True, "1% missing"),
    ),
)
MEASURED = {"log_sample": WEEK_OF_LOGS, "evaluation": EVALUATED, "data_extract": EXTRACT}


def _changed(changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(HONEST)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return data


def _assess(record: Record, catalogue) -> Assessment:
    return assess(record, catalogue, AS_OF, findings(record, measured=MEASURED))


def signed(catalogue, changes: dict[str, Any], signers: tuple[tuple[str, str], ...] = ()) -> Record:
    """HONEST with ``changes``, signed for production by (name, role) for its own digest.

    Without ``signers`` both owners sign as the record names them.
    """
    data = _changed(changes)
    digest = _assess(parse_record(data, "honest.yaml"), catalogue).digest
    signers = signers or (("Priya Raman", "business_owner"), (SUPPORT_LEAD, "support_owner"))
    data["signoffs"] = [
        {"gate": "production", "name": n, "role": r, "date": "2026-11-20", "digest": digest}
        for n, r in signers
    ]
    return parse_record(data, "honest.yaml")


def verdict(catalogue, record: Record, criterion: str) -> tuple[str, str, str]:
    """(status, detail, supported stage) of ``criterion`` for ``record``."""
    result = _assess(record, catalogue)
    row = next(r for r in result.results if r.criterion.id == criterion)
    return row.status, row.detail, result.supported_stage


def test_the_honest_record_reaches_production(default_catalogue):
    result = _assess(signed(default_catalogue, {}), default_catalogue)
    failing = {r.criterion.id: r.detail for r in result.results if not r.passes}
    assert failing == {}
    assert result.supported_stage == "production"


def check(catalogue, changes, criterion, status, phrase, stage, signers=()):
    got_status, detail, supported = verdict(
        catalogue, signed(catalogue, changes, signers), criterion
    )
    assert (got_status, supported) == (status, stage), detail
    assert phrase in detail, detail


# --- 1. placeholders ------------------------------------------------------------------

PLACEHOLDERS = ["TBD", "n/a", "todo", "-", "?", "see wiki", "none yet", "yes"]


@pytest.mark.parametrize("answer", PLACEHOLDERS)
def test_a_placeholder_description_is_no_answer(default_catalogue, answer):
    # trust.fallback is a candidate-gate question asking for a description: the record
    # falls back to mvp, and the detail quotes what was written.
    check(default_catalogue, {"trust.fallback": answer}, "trust.fallback", "missing",
          f"placeholder answer: trust.fallback ('{answer}')", "mvp")  # fmt: skip


@pytest.mark.parametrize("answer", PLACEHOLDERS)
def test_a_placeholder_name_is_no_answer(default_catalogue, answer):
    # The business owner is an mvp-gate question: nothing above prototype is supported.
    check(default_catalogue, {"ownership.business_owner": answer}, "ownership.business_owner",
          "missing", f"placeholder answer: ownership.business_owner ('{answer}')",
          "prototype")  # fmt: skip


# (case, change, criterion, status, phrase of the detail, supported stage)
ANSWERS = [
    ("honest description", {}, "trust.fallback", "met", "answered", "production"),
    ("placeholder with punctuation and case", {"trust.fallback": "  T.B.D. "},
     "trust.fallback", "missing", "placeholder answer: trust.fallback ('T.B.D.')", "mvp"),
    ("placeholder lead", {"trust.fallback": "TBD - waiting for the support contract"},
     "trust.fallback", "missing", "placeholder answer: trust.fallback ('TBD - waiting", "mvp"),
    ("too short for a description", {"trust.fallback": "Manual process."}, "trust.fallback",
     "missing", "too short for a description: trust.fallback (2 words; at least 5)", "mvp"),
    ("a list of only placeholders", {"trust.guardrails": ["TBD", "n/a"]}, "trust.guardrails",
     "missing", "placeholder answer: trust.guardrails ('TBD', 'n/a')", "mvp"),
    # A placeholder beside a real guardrail is dropped; the real one answers the question.
    ("a placeholder beside a real item", {"trust.guardrails": ["No payout advice", "TBD"]},
     "trust.guardrails", "met", "answered", "production"),
    ("a placeholder in a section", {"trust.failure_handling.unsafe": "see wiki"},
     "trust.failure_handling", "missing",
     "placeholder answer: trust.failure_handling.unsafe ('see wiki')", "mvp"),
    ("a placeholder in a register entry",
     {"ownership.escalation": [{"trigger": "Error rate above five percent", "target": "TBD"}]},
     "ownership.escalation", "missing",
     "Error rate above five percent lacks target (placeholder 'TBD')", "mvp"),
    ("a placeholder gap description",
     {"data.gaps": [{**HONEST["data"]["gaps"][0], "description": "todo"}]},
     "data.gap_register", "missing", "dup-policy lacks description (placeholder 'todo')", "mvp"),
    ("a two-word gap description",
     {"data.gaps": [{**HONEST["data"]["gaps"][0], "description": "Duplicate policies"}]},
     "data.gap_register", "missing",
     "dup-policy lacks description (too short for a description: 2 words, at least 5)", "mvp"),
    ("a placeholder where a signal is logged",
     {"observability.logging_plan.prompts": {"logged": True, "where": "TBD",
                                             "retention_days": 90, "redacted": True}},
     "observability.logging_plan", "missing",
     "no complete plan for: prompts (placeholder where 'TBD')", "mvp"),
    ("a placeholder reason for a signal not logged",
     {"observability.logging_plan.prompts": {"logged": False, "reason": "n/a"}},
     "observability.logging_plan", "missing",
     "no complete plan for: prompts (placeholder reason 'n/a')", "mvp"),
    # Placeholders hidden in longer text (answers.placeholder_patterns, pointer_patterns).
    ("lorem ipsum filler", {"trust.fallback": "Lorem ipsum dolor sit amet consectetur"},
     "trust.fallback", "missing", "placeholder answer: trust.fallback ('Lorem ipsum", "mvp"),
    ("a deferral in a sentence",
     {"trust.fallback": "Still to be confirmed with the support team later on"},
     "trust.fallback", "missing", "placeholder answer: trust.fallback ('Still to be", "mvp"),
    ("TBD inside a sentence", {"trust.fallback": "TBD after the pilot has finished"},
     "trust.fallback", "missing", "placeholder answer: trust.fallback ('TBD after", "mvp"),
    ("a description that only points elsewhere",
     {"trust.fallback": "Please refer to the wiki page for details."},
     "trust.fallback", "missing", "placeholder answer: trust.fallback ('Please refer", "mvp"),
    # A Cyrillic В (U+0412) looks like B: "TВD" is still TBD.
    ("a look-alike letter", {"ownership.support_owner.hours": "T\u0412D"},
     "ownership.support_owner", "missing",
     "placeholder answer: ownership.support_owner.hours ('T\u0412D')", "mvp"),
    # A pointer inside a real description is a reference, not the whole answer.
    ("a description that also points to the runbook",
     {"trust.fallback": "Handlers use the manual routing screen; see the runbook for details"},
     "trust.fallback", "met", "answered", "production"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "criterion", "status", "phrase", "stage"),
    [row[1:] for row in ANSWERS],
    ids=[row[0] for row in ANSWERS],
)
def test_answers(default_catalogue, changes, criterion, status, phrase, stage):
    check(default_catalogue, changes, criterion, status, phrase, stage)


# --- 2. outcomes of the security review (the record section) ---------------------------

REVIEW = "governance.security_review"
REVIEWS = [
    ("approved", {}, "met", "security_review evidence", "production"),
    ("rejected", {f"{REVIEW}.outcome": "rejected"}, "failed",
     "the security review records the outcome rejected; only approved, approved with "
     "conditions counts", "production_candidate"),
    ("conditional, 3 critical findings open",
     {f"{REVIEW}.outcome": "approved with conditions",
      f"{REVIEW}.open_findings": {"critical": 3}},
     "failed", "the security review has 3 critical finding(s) still open; at most 0 critical, "
     "0 high may be open", "production_candidate"),
    ("conditional, only low findings open (honest)",
     {f"{REVIEW}.outcome": "Conditional", f"{REVIEW}.open_findings": {"low": 2}},
     "met", "security_review evidence", "production"),
    ("a placeholder for its notes", {f"{REVIEW}.notes": "see wiki"}, "missing",
     "placeholder answer: governance.security_review.notes ('see wiki')", "production_candidate"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "status", "phrase", "stage"),
    [row[1:] for row in REVIEWS],
    ids=[row[0] for row in REVIEWS],
)
def test_security_review_outcome(default_catalogue, changes, status, phrase, stage):
    check(default_catalogue, changes, REVIEW, status, phrase, stage)


# --- 4. thresholds looser than the organisation's limits -------------------------------

LIMITS = [
    ("stricter than every limit", {}, "met", "answered", "production"),
    ("latency of 10^9 ms", {"trust.thresholds.latency_p95_ms": 1e9}, "missing",
     "latency_p95_ms 1e+09 ms is looser than the organisation's limit of 10,000 ms "
     "(limits.latency_p95_ms)", "mvp"),
    ("every request may fail", {"trust.thresholds.error_rate": 1.0}, "missing",
     "error_rate 1 is looser than the organisation's limit of 0.1 (limits.error_rate)", "mvp"),
    ("no quality needed", {"trust.thresholds.quality_pass_rate": 0}, "missing",
     "quality_pass_rate 0 is looser than the organisation's limit of 0.7 "
     "(limits.quality_pass_rate)", "mvp"),
    ("exactly at the limits", {"trust.thresholds": {"latency_p95_ms": 10000, "error_rate": 0.1,
                                                    "quality_pass_rate": 0.7}},
     "met", "answered", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "status", "phrase", "stage"),
    [row[1:] for row in LIMITS],
    ids=[row[0] for row in LIMITS],
)
def test_thresholds_within_limits(default_catalogue, changes, status, phrase, stage):
    got, detail, supported = verdict(
        default_catalogue, signed(default_catalogue, changes), "trust.thresholds"
    )
    assert (got, phrase in detail) == (status, True), detail
    if stage is not None:  # at the limits the measured criteria decide, not this one
        assert supported == stage


# --- 5. who signs ----------------------------------------------------------------------

SIGNERS = [
    ("the named owners sign", {}, (), "met", "signed by Priya Raman on 2026-11-20",
     "production"),
    ("the sponsor signs as business owner", {},
     (("Tomasz Wierzbicki", "business_owner"), (SUPPORT_LEAD, "support_owner")), "missing",
     "signed by Tomasz Wierzbicki, but the record names Priya Raman as business owner "
     "(ownership.business_owner)", "production_candidate"),
    # Titles, affiliations, accents and case do not make a different person.
    ("title, affiliation and accents",
     {"ownership.business_owner": "Dr. Zoë Núñez (Head of Claims Operations)"},
     (("ZOE NUNEZ, Claims", "business_owner"), (SUPPORT_LEAD, "support_owner")), "met",
     "signed by ZOE NUNEZ, Claims on 2026-11-20", "production"),
    ("a namesake with another surname",
     {"ownership.business_owner": "Dr. Zoë Núñez (Head of Claims Operations)"},
     (("Zoë Nuñes", "business_owner"), (SUPPORT_LEAD, "support_owner")), "missing",
     "signed by Zoë Nuñes, but the record names Dr. Zoë Núñez as business owner",
     "production_candidate"),
    # Surname first, and an initial, are the named owner written another way.
    ("surname first", {}, (("Raman, Priya", "business_owner"), (SUPPORT_LEAD, "support_owner")),
     "met", "signed by Raman, Priya on 2026-11-20", "production"),
    ("an initial", {}, (("P. Raman", "business_owner"), (SUPPORT_LEAD, "support_owner")),
     "met", "signed by P. Raman on 2026-11-20", "production"),
    # The record names Priya Raman for both roles and she signs twice: one person's view.
    ("one person in two roles", {"ownership.support_owner.lead": "Priya Raman"},
     (("Priya Raman", "business_owner"), ("Priya Raman", "support_owner")), "missing",
     "Priya Raman also signs the production gate as support owner; each role needs its own "
     "person", "production_candidate"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "signers", "status", "phrase", "stage"),
    [row[1:] for row in SIGNERS],
    ids=[row[0] for row in SIGNERS],
)
def test_only_the_named_owner_signs(default_catalogue, changes, signers, status, phrase, stage):
    check(default_catalogue, changes, "governance.signoff_business", status, phrase, stage,
          signers)  # fmt: skip


def test_no_named_support_lead_means_no_support_signoff_counts(default_catalogue):
    # The support section is complete without a lead (a team, hours and a contact), but
    # nobody can then sign as support owner: the production gate stays shut.
    check(default_catalogue, {"ownership.support_owner.lead": None},
          "governance.signoff_support", "missing",
          "the record names no support owner (ownership.support_owner.lead), so no "
          "support_owner sign-off can count", "production_candidate")  # fmt: skip


# --- 11. waivers and not-applicable ---------------------------------------------------

#: The drill is not yet done: the waiver is what lets the record reach production.
NO_DRILL = {"evidence": [e for e in HONEST["evidence"] if e["kind"] != "drill"]}


def waiver(**changes: Any) -> dict[str, Any]:
    honest = {"criterion": "trust.fallback_exercised", "reason": REASON, "approver": RISK,
              "granted": "2026-11-01", "expires": "2027-02-28"}  # fmt: skip
    return {**NO_DRILL, "waivers": [{**honest, **changes}]}


WAIVERS = [
    # Granted 2026-11-01, expires 2027-02-28: 29 + 31 + 31 + 28 = 119 days, within 180.
    ("independent, reasoned, four months", waiver(), "waived",
     f"waived by {RISK} until 2027-02-28: The January drill", "production"),
    ("approved by the sponsor", waiver(approver="Tomasz Wierzbicki"), "missing",
     "waiver by Tomasz Wierzbicki does not count (Tomasz Wierzbicki is the initiative's "
     "sponsor and cannot approve its exception); no drill evidence is cited",
     "production_candidate"),
    ("approved by a builder", waiver(approver="omar haddad"), "missing",
     "waiver by omar haddad does not count (omar haddad is one of its builders and cannot "
     "approve its exception)", "production_candidate"),
    # 2026-11-01 to 2036-11-01: ten years of 365 days and the leap days of 2028, 2032, 2036.
    ("running ten years", waiver(expires="2036-11-01"), "missing",
     "does not count (it runs 3,653 days, from 2026-11-01 to 2036-11-01, and "
     "waivers.max_days allows at most 180)", "production_candidate"),
    # No grant date: counted from the assessment date, 2026-11-23 to 2027-06-30 is
    # 7 + 31 + 31 + 28 + 31 + 30 + 31 + 30 = 219 days.
    ("no grant date, seven months ahead", waiver(granted=None, expires="2027-06-30"), "missing",
     "it runs 219 days, from 2026-11-23 to 2027-06-30", "production_candidate"),
    ("reason 'not needed'", waiver(reason="not needed"), "missing",
     "its reason is a placeholder ('not needed')", "production_candidate"),
    ("a four-word reason", waiver(reason="Drill booked for January"), "missing",
     "its reason is too short (4 words; at least 8)", "production_candidate"),
    ("granted after the assessment date", waiver(granted="2026-12-01"), "missing",
     "it is granted on 2026-12-01, after the as-of date 2026-11-23", "production_candidate"),
    # Builder Lena Fischer, written with an initial, is still not independent.
    ("approved by a builder's initial", waiver(approver="L. Fischer"), "missing",
     "L. Fischer is one of its builders", "production_candidate"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "status", "phrase", "stage"),
    [row[1:] for row in WAIVERS],
    ids=[row[0] for row in WAIVERS],
)
def test_waivers(default_catalogue, changes, status, phrase, stage):
    check(default_catalogue, changes, "trust.fallback_exercised", status, phrase, stage)


def test_a_refused_waiver_is_not_counted_as_in_force(default_catalogue):
    record = signed(default_catalogue, waiver(approver="Tomasz Wierzbicki"))
    result = _assess(record, default_catalogue)
    (state,) = result.waivers
    assert state.refused == (
        "Tomasz Wierzbicki is the initiative's sponsor and cannot approve its exception",
    )
    assert (result.counting_waivers, state.expired) == ([], False)


NOT_APPLICABLE = [
    ("a real justification",
     "It drafts from the claim form alone and quotes no documents or policies",
     "not_applicable", "It drafts from the claim form alone", "production"),
    ("'not needed'", "not needed", "missing",
     "marked not applicable, but the justification is a placeholder ('not needed')", "mvp"),
    ("two words", "No documents.", "missing",
     "marked not applicable, but the justification is too short (2 words; at least 8)", "mvp"),
    # Ten words, but only filler around "not needed": no reason is given.
    ("ten words of filler", "Not needed because this is not needed here at all, really.",
     "missing", "says too little (0 distinct words beyond filler; at least 3)", "mvp"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("justification", "status", "phrase", "stage"),
    [row[1:] for row in NOT_APPLICABLE],
    ids=[row[0] for row in NOT_APPLICABLE],
)
def test_not_applicable_needs_an_argument(default_catalogue, justification, status, phrase, stage):
    changes = {
        "data.grounding": None,
        "not_applicable": [{"criterion": "data.grounding", "justification": justification}],
    }
    check(default_catalogue, changes, "data.grounding", status, phrase, stage)


# --- 10h. a critical gap "closed" without proof ---------------------------------------

CRITICAL_CLOSED = {**HONEST["data"]["gaps"][0], "severity": "critical", "status": "closed"}
FIX = {"kind": "document", "path": "evidence/dedupe-fix.md", "date": "2026-11-10"}
CLOSED_GAPS = [
    ("closed, with cited evidence of the fix",
     {"data.gaps": [{**CRITICAL_CLOSED, "closure_evidence": "evidence/dedupe-fix.md"}],
      "evidence": [*HONEST["evidence"], FIX]},
     "met", "1 entry, complete", "production"),
    ("closed, no closure evidence", {"data.gaps": [CRITICAL_CLOSED]}, "missing",
     "1 open critical gap(s): dup-policy (marked closed with no evidence of closure)", "mvp"),
    ("closed, citing a file the record does not cite",
     {"data.gaps": [{**CRITICAL_CLOSED, "closure_evidence": "evidence/dedupe-fix.md"}]},
     "missing", "dup-policy (marked closed, but its closure evidence 'evidence/dedupe-fix.md' "
     "is not cited evidence)", "mvp"),
    ("closed, 'see wiki' as closure evidence",
     {"data.gaps": [{**CRITICAL_CLOSED, "closure_evidence": "see wiki"}]},
     "missing", "dup-policy (marked closed with no evidence of closure)", "mvp"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "status", "phrase", "stage"),
    [row[1:] for row in CLOSED_GAPS],
    ids=[row[0] for row in CLOSED_GAPS],
)
def test_a_closed_critical_gap_needs_evidence(default_catalogue, changes, status, phrase, stage):
    check(default_catalogue, changes, "data.no_open_critical_gap", status, phrase, stage)


def test_closure_evidence_that_cannot_be_read_does_not_close(default_catalogue):
    changes = {
        "data.gaps": [{**CRITICAL_CLOSED, "closure_evidence": "evidence/dedupe-fix.md"}],
        "evidence": [*HONEST["evidence"], FIX],
    }
    record = signed(default_catalogue, changes)
    broken = findings(record, {"evidence/dedupe-fix.md": "file not found"}, MEASURED)
    result = assess(record, default_catalogue, AS_OF, broken)
    row = next(r for r in result.results if r.criterion.id == "data.no_open_critical_gap")
    assert (row.status, row.detail) == (
        "missing",
        "1 open critical gap(s): dup-policy (marked closed, but its closure evidence "
        "'evidence/dedupe-fix.md' cannot be read)",
    )


def test_the_catalogue_tunes_what_counts_as_an_answer(default_catalogue):
    """The rules are data: an organisation that accepts 'see wiki' and three-word
    descriptions may say so, and its catalogue decides."""
    lenient = dataclasses.replace(
        default_catalogue,
        rules=default_catalogue.rules.model_copy(
            update={
                "answers": default_catalogue.rules.answers.model_copy(
                    update={
                        "placeholders": ("tbd",),
                        "min_description_words": 2,
                        "pointer_patterns": (),
                    }
                )
            }
        ),
    )
    for answer in ("see wiki", "Manual process."):
        status, detail, _ = verdict(lenient, signed(lenient, {"trust.fallback": answer}),
                                    "trust.fallback")  # fmt: skip
        assert (status, detail) == ("met", "answered")
