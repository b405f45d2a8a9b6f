"""Sign-off policy: a gate may be signed only when it and every earlier gate pass."""

from __future__ import annotations

import pytest

from workbook.model.assess import CriterionResult
from workbook.model.kinds import SignoffCriterion
from workbook.model.signoffs import blocking, gates_required, may_sign

# The tiny catalogue's criteria (tests/conftest.py), by gate:
#   mvp: t.workflow, t.eval; production_candidate: t.logs, t.gaps;
#   production: t.signoff (the business owner's signature for production).
ALL_PASS = {"t.workflow": "met", "t.eval": "met", "t.logs": "met", "t.gaps": "met",
            "t.signoff": "met"}  # fmt: skip


def results(tiny, **statuses):
    wanted = {**ALL_PASS, **{k.replace("_", "."): v for k, v in statuses.items()}}
    return [CriterionResult(c, wanted[c.id], "") for c in tiny]


@pytest.mark.parametrize(
    ("case", "statuses", "gate", "allowed", "blocked"),
    [
        ("all pass: mvp", {}, "mvp", True, {"mvp": []}),
        ("all pass: production", {}, "production", True,
         {"mvp": [], "production_candidate": [], "production": []}),
        ("waived and not applicable pass", {"t_eval": "waived", "t_logs": "not_applicable"},
         "production_candidate", True, {"mvp": [], "production_candidate": []}),
        # The mutation "eligibility checks only the chosen gate": the candidate gate's
        # own criteria all pass, the mvp gate does not.
        ("earlier gate fails", {"t_eval": "missing"}, "production_candidate", False,
         {"mvp": ["t.eval"], "production_candidate": []}),
        ("chosen gate fails", {"t_logs": "stale"}, "production_candidate", False,
         {"mvp": [], "production_candidate": ["t.logs"]}),
        ("a later gate does not matter", {"t_logs": "missing"}, "mvp", True, {"mvp": []}),
        ("expired waiver fails", {"t_workflow": "waiver_expired"}, "mvp", False,
         {"mvp": ["t.workflow"]}),
        # The signature the gate asks for is what is being given: it never blocks.
        ("own signature missing", {"t_signoff": "missing"}, "production", True,
         {"mvp": [], "production_candidate": [], "production": []}),
        ("own signature for an earlier version", {"t_signoff": "stale"}, "production", True,
         {"mvp": [], "production_candidate": [], "production": []}),
        ("signature missing, and an earlier gate fails",
         {"t_signoff": "missing", "t_gaps": "missing"}, "production", False,
         {"mvp": [], "production_candidate": ["t.gaps"], "production": []}),
    ],
)  # fmt: skip
def test_sign_off_policy(tiny, case, statuses, gate, allowed, blocked):
    given = results(tiny, **statuses)
    assert blocking(given, gate) == blocked, case
    assert may_sign(given, gate) is allowed, case


def test_an_earlier_gates_signature_is_required(tiny):
    # A catalogue that also asks for an mvp sign-off: signing production needs it.
    mvp_signature = SignoffCriterion(
        id="t.mvp-signoff", gate="mvp", area="governance", kind="signoff",
        role="sponsor", question="q", rationale="r", satisfied_by="s",
    )  # fmt: skip
    given = [*results(tiny), CriterionResult(mvp_signature, "missing", "")]
    assert not may_sign(given, "production")
    assert blocking(given, "production")["mvp"] == ["t.mvp-signoff"]
    assert may_sign(given, "mvp"), "signing mvp is what gives that signature"


def test_gates_required():
    assert gates_required("mvp") == ("mvp",)
    assert gates_required("production") == ("mvp", "production_candidate", "production")
    with pytest.raises(KeyError, match="known: mvp, production_candidate, production"):
        gates_required("prod")
