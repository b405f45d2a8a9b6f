"""Gate catalogues: the shipped default, custom catalogues, and the kind registry."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import TINY_CATALOGUE
from workbook.cli import main
from workbook.errors import CatalogueError
from workbook.model.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue
from workbook.model.criteria import GATES, KINDS
from workbook.model.records import AREAS, EVIDENCE_KINDS


def test_default_catalogue_covers_every_gate_and_area(default_catalogue):
    assert len(default_catalogue.criteria) >= 30
    assert {c.gate for c in default_catalogue} == set(GATES)
    assert {c.area for c in default_catalogue} == set(AREAS)
    per_gate = Counter(c.gate for c in default_catalogue)
    assert all(per_gate[g] >= 8 for g in GATES), per_gate


def test_default_catalogue_criteria_explain_themselves(default_catalogue):
    for c in default_catalogue:
        assert c.question.endswith("?"), c.id
        assert len(c.rationale.split()) >= 12, f"{c.id}: rationale too thin"
        assert c.satisfied_by.strip(), c.id


def test_default_catalogue_uses_every_kind_and_sets_freshness(default_catalogue):
    assert {c.kind for c in default_catalogue} == set(KINDS)
    assert set(default_catalogue.freshness_days) <= set(EVIDENCE_KINDS)
    assert default_catalogue.freshness_days["log_sample"] == 90


def test_criteria_are_sorted_by_gate_then_area(tiny):
    keys = [(GATES.index(c.gate), AREAS.index(c.area)) for c in tiny]
    assert keys == sorted(keys)


def test_fingerprint_ignores_location_but_not_content(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_text(DEFAULT_CATALOGUE.read_text())
    assert load_catalogue(copy).fingerprint() == load_catalogue().fingerprint()
    copy.write_text(DEFAULT_CATALOGUE.read_text().replace("log_sample: 90", "log_sample: 60"))
    assert load_catalogue(copy).fingerprint() != load_catalogue().fingerprint()


def _with_criterion(**fields) -> dict:
    data = yaml.safe_load(TINY_CATALOGUE)
    data["criteria"][0].update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"kind": "treshold"},
            "tiny.yaml: criteria[0].kind: unknown criterion kind 'treshold' "
            "(expected one of evidence, field, logging_plan, register, signoff, threshold)",
        ),
        (
            {"fields": ["scope.workfow"]},
            "tiny.yaml: criteria[0].fields: unknown record field 'scope.workfow'; did you mean 'workflow'? "
            "known in scope: workflow, ai_step, in_scope, out_of_scope, controlled_use, user_expectations, "
            "never_assume, demo_conditions",
        ),
        (
            {"gate": "beta"},
            "tiny.yaml: criteria[0].gate: unknown value 'beta' "
            "(expected one of mvp, production_candidate or production)",
        ),
        (
            {"kind": "register", "fields": None, "register": "scope.workflow"},
            "tiny.yaml: criteria[0].register: record field 'scope.workflow' is not a list "
            "(a register must be a list)",
        ),
        (
            {"colour": "red"},
            "tiny.yaml: criteria[0].colour: unknown field (expected a key of a field criterion: id, gate, "
            "area, kind, question, rationale, satisfied_by, tags, allow_not_applicable, waivable, fields, "
            "evidence, max_age_days, min_sample)",
        ),
    ],
)
def test_bad_criterion_names_file_field_and_valid_names(fields, expected):
    data = _with_criterion(**fields)
    data["criteria"][0] = {k: v for k, v in data["criteria"][0].items() if v is not None}
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data, Path("tiny.yaml"))
    assert str(err.value) == expected


def test_register_must_be_a_list_of_known_items():
    data = yaml.safe_load(TINY_CATALOGUE)
    data["criteria"][3]["require"] = ["owner", "colour"]
    with pytest.raises(
        CatalogueError, match=r"unknown field 'colour' in register data\.gaps; known: id, "
    ):
        parse_catalogue(data, Path("tiny.yaml"))


OURS = """
catalogue_version: 1
name: Ours
criteria:
  - {id: ours.workflow, gate: mvp, area: scope, kind: field, fields: [scope.workflow],
     question: q, rationale: r, satisfied_by: s}
"""


def test_custom_catalogue_is_loaded(tmp_path):
    custom = tmp_path / "ours.yaml"
    custom.write_text(TINY_CATALOGUE)
    catalogue = load_catalogue(custom)
    assert (catalogue.name, len(catalogue.criteria), catalogue.source) == ("Tiny", 5, "ours.yaml")


def test_custom_catalogue_is_used_by_check(tmp_path):
    (tmp_path / "ours.yaml").write_text(OURS)
    record = {"schema_version": 1, "id": "r", "name": "R", "stage": "mvp",
              "scope": {"workflow": "Motor claims intake, from first notice to the queue"}}  # fmt: skip
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(record))

    def check(*gates: str) -> dict:
        args = ["check", str(tmp_path / "r.yaml"), "--as-of", "2026-11-23", "--json", *gates]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        (entry,) = json.loads(result.stdout)
        return entry

    ours = check("--gates", str(tmp_path / "ours.yaml"))
    # The one criterion of ours is met, and a gate without criteria has nothing to fail, so
    # every gate passes: only this catalogue can call a record this bare production-ready.
    assert ours["catalogue"] == "Ours"
    assert [r["criterion"] for r in ours["results"]] == ["ours.workflow"]
    assert (ours["supported_stage"], ours["blockers"]) == ("production", [])
    # The default catalogue asks for much more at the MVP gate (ai_step, boundaries, ...).
    default = check()
    assert (default["catalogue"], default["supported_stage"]) == (
        "Default readiness gates",
        "prototype",
    )


def test_misspelt_forbidden_value_is_refused():
    data = yaml.safe_load(TINY_CATALOGUE)
    data["criteria"][3]["forbid"] = {"status": "opne", "severity": "critical"}
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data, Path("tiny.yaml"))
    assert str(err.value) == (
        "tiny.yaml: criteria[3].forbid: unknown value 'opne' for data.gaps.status; "
        "known: open, mitigated, closed"
    )


def test_default_catalogue_protects_signoffs_and_limits_not_applicable(default_catalogue):
    assert [c.id for c in default_catalogue if not c.waivable] == [
        "observability.personal_data",
        "governance.signoff_business",
        "governance.signoff_support",
    ]
    allowed = {c.id for c in default_catalogue if c.allow_not_applicable}
    assert "data.grounding" in allowed and len(allowed) <= 6
