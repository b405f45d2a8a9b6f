"""Criterion kinds in detail: how each names what is lacking, as the dossier shows it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar, Literal

import pytest
import yaml

from conftest import AS_OF, FULL, TINY_CATALOGUE, findings, full_record, make_record
from workbook.errors import CatalogueError
from workbook.model import criteria
from workbook.model.assess import assess
from workbook.model.catalogue import parse_catalogue
from workbook.model.criteria import KINDS, Criterion, Outcome, known_kinds, register
from workbook.model.records import SIGNALS

#: A gap described as a reviewer needs it described (five words at least).
GAP = "Duplicate policy numbers in the claims extract"
#: Cited evidence of a fix: what lets a critical gap count as closed.
FIX = {"kind": "document", "path": "evidence/dedupe-fix.md", "date": "2026-11-10"}
#: A workflow written as a description (the catalogue asks for five words at least).
WORKFLOW = "Motor claims intake, from first notice to a queue"


def judged(catalogue, record, criterion_id):
    result = assess(record, catalogue, AS_OF, findings(record))
    return next(r for r in result.results if r.criterion.id == criterion_id)


# (default catalogue criterion, register change, expected detail): an entry is named by its
# id, name, system, condition or trigger, whichever the register's entries have.
REGISTER_LABELS = [
    (
        "data.sources",
        {"data.sources": [{"name": "Claims", "system_of_record": "ClaimsDB"}]},
        "Claims lacks owner",
    ),
    (
        "integration.interfaces",
        {"integration.systems": [{"system": "ClaimsDB"}]},
        "ClaimsDB lacks interface_owner",
    ),
    (
        "ownership.escalation",
        {"ownership.escalation": [{"trigger": "error rate > 5%"}]},
        "error rate > 5% lacks target",
    ),
    (
        "scope.demo_conditions",
        {
            "scope.demo_conditions": [
                {
                    "condition": "clean_data",
                    "description": "Forty claims picked by hand for the demo",
                }
            ]
        },
        "clean_data lacks real_use_handling",
    ),
    (
        "data.gap_register",
        {"data.gaps": [{"id": "g1", "description": GAP}]},
        "g1 lacks severity, owner, due",
    ),
    (
        "data.no_open_critical_gap",
        {
            "data.gaps": [
                {
                    "id": "g1",
                    "description": GAP,
                    "severity": "critical",
                    "owner": "Data team",
                    "due": "2027-01-01",
                },
                # Closed, and the fix is cited evidence: not open (the default catalogue
                # asks for closure evidence on this criterion).
                {
                    "id": "g2",
                    "description": GAP,
                    "severity": "critical",
                    "owner": "Data team",
                    "due": "2027-01-01",
                    "status": "closed",
                    "closure_evidence": "evidence/dedupe-fix.md",
                },
            ],
            "evidence": [*FULL["evidence"], FIX],
        },
        "1 open critical gap(s): g1",
    ),
]


@pytest.mark.parametrize(
    ("criterion_id", "changes", "detail"),
    REGISTER_LABELS,
    ids=[row[0] for row in REGISTER_LABELS],
)
def test_register_entries_are_named_by_their_own_label(
    default_catalogue, criterion_id, changes, detail
):
    r = judged(default_catalogue, full_record(changes), criterion_id)
    assert (r.status, r.detail) == ("missing", detail)


def test_register_entries_without_a_label_are_numbered_from_one(tmp_path):
    # A not-applicable entry has no id, name, system, condition or trigger: its position names it.
    catalogue = parse_catalogue(
        yaml.safe_load(
            """
catalogue_version: 1
name: Numbered
criteria:
  - {id: n.reasons, gate: mvp, area: governance, kind: register, register: not_applicable,
     min_items: 0, require: [justification], question: q, rationale: r, satisfied_by: s}
  - {id: n.never, gate: mvp, area: governance, kind: register, register: not_applicable,
     min_items: 0, forbid: {criterion: e.f}, question: q, rationale: r, satisfied_by: s}
"""
        ),
        Path("numbered.yaml"),
    )
    record = make_record(
        {
            "not_applicable": [
                {"criterion": "a.b", "justification": "none needed"},
                {"criterion": "c.d"},
                {"criterion": "e.f"},
            ]
        }
    )
    r = judged(catalogue, record, "n.reasons")
    assert (r.status, r.detail) == ("missing", "#2 lacks justification; #3 lacks justification")
    never = judged(catalogue, record, "n.never")
    assert (never.status, never.detail) == ("missing", "1 forbidden entry: #3")


def test_every_unanswered_field_is_named(default_catalogue):
    record = full_record({"scope.workflow": None, "scope.ai_step": " "})
    r = judged(default_catalogue, record, "scope.workflow")
    assert (r.status, r.detail) == ("missing", "not answered: scope.workflow, scope.ai_step")


def test_every_kind_is_registered_under_its_name():
    assert {name: cls.kind_name for name, cls in KINDS.items()} == {
        name: name
        for name in ("field", "evidence", "register", "logging_plan", "signoff", "threshold")
    }
    assert known_kinds() == "evidence, field, logging_plan, register, signoff, threshold"


def test_a_new_kind_is_one_registered_class(monkeypatch):
    monkeypatch.setattr("workbook.model.criteria.KINDS", dict(KINDS))

    class Always(Criterion):
        kind_name: ClassVar[str] = "always"
        kind: Literal["always"]

        def judge(self, ctx) -> Outcome:
            return Outcome("met", "always")

    assert register(Always) is Always
    assert criteria.KINDS["always"] is Always
    assert "always" not in KINDS, "the registry of the real kinds is untouched"


# (field path named by a catalogue, the whole message)
UNKNOWN_FIELDS = [
    (
        "scope.controlled_use.userz",
        "unknown record field 'scope.controlled_use.userz'; did you mean 'users'? "
        "known in scope.controlled_use: users, max_daily_volume, max_users",
    ),
    (
        "xyzzy",
        "unknown record field 'xyzzy'; known in the record: schema_version, id, name, summary, "
        "sponsor, stage, target_stage, scope, data, trust, integration, ownership, "
        "observability, governance, evidence, waivers, not_applicable, signoffs, catalogue_pin",
    ),
    # A text has no fields of its own.
    (
        "scope.workflow.text",
        "unknown record field 'scope.workflow.text'; known in scope.workflow: none",
    ),
    (
        "scope.controlled_use.users.x",
        "unknown record field 'scope.controlled_use.users.x'; known in scope.controlled_use.users: none",
    ),
]


@pytest.mark.parametrize(("field", "message"), UNKNOWN_FIELDS, ids=[f for f, _ in UNKNOWN_FIELDS])
def test_an_unknown_field_names_where_it_was_looked_for(field, message):
    data = yaml.safe_load(TINY_CATALOGUE)
    data["criteria"][0]["fields"] = [field]
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data, Path("tiny.yaml"))
    assert str(err.value) == f"tiny.yaml: criteria[0].fields: {message}"


def test_a_misspelt_value_of_an_optional_field_is_refused():
    # severity may be left empty (Severity | None); a value given must still be a known one.
    data = yaml.safe_load(TINY_CATALOGUE)
    data["criteria"][3]["forbid"] = {"status": "open", "severity": "critcal"}
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data, Path("tiny.yaml"))
    assert str(err.value) == (
        "tiny.yaml: criteria[3].forbid: unknown value 'critcal' for data.gaps.severity; "
        "known: low, medium, high, critical"
    )


def plan(**changes: dict | None) -> dict:
    """FULL's logging plan (every signal logged, where, 30 days), with entries changed or gone."""
    entries = {s: {"logged": True, "where": "log store", "retention_days": 30} for s in SIGNALS}
    entries.update(changes)
    return {s: e for s, e in entries.items() if e is not None}


# (case, plan, status, detail) for the default catalogue's observability.logging_plan
LOGGING_PLANS = [
    ("every signal logged", plan(), "met", "9 of 9 signals logged, the rest justified"),
    (
        "one not logged, with a reason",
        plan(decision_context={"logged": False, "reason": "privacy"}),
        "met",
        "8 of 9 signals logged, the rest justified",
    ),
    (
        "logged, but nowhere",
        plan(prompts={"logged": True, "retention_days": 30}),
        "missing",
        "no complete plan for: prompts",
    ),
    (
        "logged, but kept for no stated time",
        plan(prompts={"logged": True, "where": "log store"}),
        "missing",
        "no complete plan for: prompts",
    ),
    (
        "not logged, without a reason",
        plan(prompts={"logged": False}),
        "missing",
        "no complete plan for: prompts",
    ),
    (
        "a reason given for a signal that is logged nowhere",
        plan(prompts={"logged": True, "reason": "see wiki"}),
        "missing",
        "no complete plan for: prompts",
    ),
    (
        "two signals not planned at all",
        plan(inputs=None, outputs=None),
        "missing",
        "no complete plan for: inputs, outputs",
    ),
]


@pytest.mark.parametrize(
    ("entries", "status", "detail"),
    [row[1:] for row in LOGGING_PLANS],
    ids=[row[0] for row in LOGGING_PLANS],
)
def test_logging_plan(default_catalogue, entries, status, detail):
    record = full_record({"observability.logging_plan": entries})
    r = judged(default_catalogue, record, "observability.logging_plan")
    assert (r.status, r.detail) == (status, detail)


MAX_AGE = """
catalogue_version: 1
name: Drills
freshness_days: {drill: 365}
criteria:
  - {id: m.field, gate: mvp, area: scope, kind: field, fields: [scope.workflow], evidence: drill,
     max_age_days: 10, question: q, rationale: r, satisfied_by: s}
  - {id: m.drill, gate: mvp, area: trust, kind: evidence, evidence: drill, max_age_days: 10,
     question: q, rationale: r, satisfied_by: s}
"""


def drills(*items: tuple[str, str], unreadable: dict[str, str] | None = None) -> dict[str, tuple]:
    """(status, detail) of both criteria for drill records (file, date) on 2026-11-23."""
    catalogue = parse_catalogue(yaml.safe_load(MAX_AGE), Path("drills.yaml"))
    # A drill counts only with a passing outcome (the catalogue's outcomes rule).
    evidence = [{"kind": "drill", "path": p, "date": d, "outcome": "passed"} for p, d in items]
    record = make_record({"scope.workflow": WORKFLOW, "evidence": evidence})
    result = assess(record, catalogue, AS_OF, findings(record, unreadable))
    return {r.criterion.id: (r.status, r.detail) for r in result.results}


def test_a_criterion_may_keep_evidence_for_less_time_than_the_catalogue():
    # 20 days old: within the catalogue's 365 days, beyond the criteria's own 10.
    stale = "newest drill evidence (d.md, 2026-11-03) is 20 days old; at most 10 days allowed"
    assert drills(("d.md", "2026-11-03")) == {
        "m.field": ("stale", stale),
        "m.drill": ("stale", stale),
    }


def test_evidence_dated_on_the_assessment_day_counts():
    met = ("met", "drill evidence d.md of 2026-11-23")
    assert drills(("d.md", "2026-11-23")) == {"m.field": met, "m.drill": met}


def test_of_several_stale_files_the_newest_is_named():
    stale = "newest drill evidence (b.md, 2026-02-01) is 295 days old; at most 10 days allowed"
    assert drills(("a.md", "2026-01-01"), ("b.md", "2026-02-01"), ("c.md", "2025-12-01"))[
        "m.drill"
    ] == ("stale", stale)


def test_every_unreadable_file_is_named_with_its_reason():
    # Both of the newest date: the newest decides, and each broken file of it is named.
    unreadable = {"a.md": "file not found", "b.md": "file is empty"}
    found = drills(("a.md", "2026-11-21"), ("b.md", "2026-11-21"), unreadable=unreadable)
    assert found["m.drill"] == ("unreadable", "a.md: file not found; b.md: file is empty")


def test_a_registers_too_few_entries_are_counted():
    one = [{"name": "Claims", "system_of_record": "ClaimsDB", "owner": "Claims data office"}]
    catalogue = parse_catalogue(
        yaml.safe_load(
            """
catalogue_version: 1
name: Two sources
criteria:
  - {id: s.two, gate: mvp, area: data, kind: register, register: data.sources, min_items: 2,
     question: q, rationale: r, satisfied_by: s}
"""
        ),
        Path("two.yaml"),
    )
    r = judged(catalogue, make_record({"data.sources": one}), "s.two")
    assert (r.status, r.detail) == ("missing", "data.sources has 1 entry; at least 2 needed")
    none = judged(catalogue, make_record(), "s.two")
    assert none.detail == "data.sources has 0 entries; at least 2 needed"


def test_every_forbidden_entry_is_named(default_catalogue):
    gap = {"description": GAP, "severity": "critical", "owner": "Data team", "due": "2027-01-01"}
    record = full_record({"data.gaps": [{"id": "g1", **gap}, {"id": "g2", **gap}]})
    r = judged(default_catalogue, record, "data.no_open_critical_gap")
    assert (r.status, r.detail) == ("missing", "2 open critical gap(s): g1, g2")


def test_judging_fields_are_json_and_use_the_catalogue_names(default_catalogue):
    register = next(c for c in default_catalogue if c.id == "data.sources")
    assert register.judging_fields() == {
        "id": "data.sources",
        "gate": "mvp",
        "area": "data",
        "kind": "register",
        "allow_not_applicable": False,
        "waivable": True,
        "register": "data.sources",  # the catalogue's key, not the attribute's name
        "min_items": 1,
        "require": ["system_of_record", "owner"],
        "forbid": {},
        "forbid_label": "forbidden entry",
        "closed_needs_evidence": False,
    }

    class Dated(Criterion):
        kind_name: ClassVar[str] = "dated"
        kind: Literal["dated"]
        since: dt.date

    dated = Dated(id="d.x", gate="mvp", area="scope", kind="dated", question="q", rationale="r",
                  satisfied_by="s", since=dt.date(2026, 1, 31))  # fmt: skip
    # A new kind's settings reach the catalogue fingerprint as JSON, a date as ISO text.
    assert dated.judging_fields()["since"] == "2026-01-31"
