"""Criterion kinds in detail: how each names what is lacking, as the dossier shows it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

import pytest
import yaml

from conftest import AS_OF, findings, full_record, make_record
from workbook.model import criteria
from workbook.model.assess import assess
from workbook.model.catalogue import parse_catalogue
from workbook.model.criteria import KINDS, Criterion, Outcome, known_kinds, register


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
        {"scope.demo_conditions": [{"condition": "clean_data", "description": "d"}]},
        "clean_data lacks real_use_handling",
    ),
    (
        "data.gap_register",
        {"data.gaps": [{"id": "g1", "description": "d"}]},
        "g1 lacks severity, owner, due",
    ),
    (
        "data.no_open_critical_gap",
        {
            "data.gaps": [
                {
                    "id": "g1",
                    "description": "d",
                    "severity": "critical",
                    "owner": "o",
                    "due": "2027-01-01",
                },
                {
                    "id": "g2",
                    "description": "d",
                    "severity": "critical",
                    "owner": "o",
                    "due": "2027-01-01",
                    "status": "closed",
                },
            ]
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
