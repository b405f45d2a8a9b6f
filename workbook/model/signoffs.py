"""Sign-off policy: when a gate may be signed. Pure: it reads assessment results.

A gate may be signed for a version only when that gate and every gate before it
pass for that version: a signature says "this is ready", so it may not be given
while anything it vouches for is not yet true. The signatures the gate itself
asks for are the one exception: they are what is being collected, so a missing
(or outdated) one never blocks signing that gate; otherwise the first signature
of a gate could never be given.
"""

from __future__ import annotations

from collections.abc import Iterable

from workbook.model.assess import CriterionResult
from workbook.model.criteria import GATES
from workbook.model.kinds import SignoffCriterion

__all__ = ["blocking", "gates_required", "may_sign"]


def gates_required(gate: str) -> tuple[str, ...]:
    """The gates that must pass before ``gate`` may be signed: every earlier one and itself."""
    if gate not in GATES:
        raise KeyError(f"unknown gate {gate!r}; known: {', '.join(GATES)}")
    return GATES[: GATES.index(gate) + 1]


def _signature_for(result: CriterionResult, gate: str) -> bool:
    c = result.criterion
    return isinstance(c, SignoffCriterion) and (c.signoff_gate or c.gate) == gate


def blocking(results: Iterable[CriterionResult], gate: str) -> dict[str, list[str]]:
    """Per required gate (in order), the ids of its criteria that do not pass.

    Signing ``gate`` is allowed exactly when every list is empty.
    """
    required = gates_required(gate)
    out: dict[str, list[str]] = {g: [] for g in required}
    for r in results:
        if r.criterion.gate in out and not r.passes and not _signature_for(r, gate):
            out[r.criterion.gate].append(r.criterion.id)
    return out


def may_sign(results: Iterable[CriterionResult], gate: str) -> bool:
    """Whether ``gate`` may be signed, given an assessment's criterion results."""
    return not any(blocking(results, gate).values())
