"""Moving goalposts: a gate that passes only because the catalogue changed. Pure.

Gates are meant to be set before an initiative becomes popular. When the
catalogue an initiative is assessed with differs from the one its earlier
assessment used (the ledger keeps both), the same record and evidence are
assessed again under the earlier catalogue; every gate the label rests on that
passes now but failed then is a ``GoalpostShift``, naming the criteria removed
or changed and the rules changed. A record may also pin the catalogue it is
held to (``catalogue_pin``): it is then assessed under both, and the lower
supported stage is the one it gets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbook.model.assess import Assessment, CriterionResult, assess, stage_label
from workbook.model.catalogue import Catalogue, parse_catalogue
from workbook.model.criteria import GATES
from workbook.model.records import STAGES

if TYPE_CHECKING:
    from collections.abc import Iterable

#: How a shift came about: the catalogue changed since an earlier assessment, the record
#: is held to its pinned catalogue, or the pinned catalogue could not be found.
ShiftKind = Literal["changed", "pinned", "pin_missing"]
#: How many hex characters of a fingerprint are shown.
SHORT = 12


# --- catalogues as the ledger keeps them --------------------------------------------------


def catalogue_body(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue as data ``catalogue_from_body`` rebuilds it from, judging the same.

    ``Catalogue.to_dict`` round-trips: a criterion's ``min_sample`` is held spelled out in
    full (see ``catalogue._resolved_sample``), so what is written is what judges.
    """
    return catalogue.to_dict()


def catalogue_from_body(body: dict[str, Any], source: str) -> Catalogue:
    """A stored catalogue, rebuilt (``source`` names it in an error)."""
    return parse_catalogue(dict(body), Path(source))


# --- what changed between two catalogues ---------------------------------------------------


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys; lists and scalars are values."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class Change:
    """One setting that differs: where (a criterion's field, or a rule's key), before, now."""

    where: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.where} {self.old} -> {self.new}"


def _diff(before: dict[str, Any], now: dict[str, Any], prefix: str = "") -> list[Change]:
    a, b = _flat(before), _flat(now)
    return [
        Change(f"{prefix}{k}", _shown(a.get(k)), _shown(b.get(k)))
        for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    ]


def _rules(c: Catalogue) -> dict[str, Any]:
    """Everything outside the criteria that decides a verdict (as the fingerprint covers)."""
    shadow = c.shadow_production.model_dump() if c.shadow_production else None
    return {
        **c.rules.judging(),
        "freshness_days": dict(c.freshness_days),
        "shadow_production": shadow,
    }


# --- the shift -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalpostShift:
    """A gate that passes under the catalogue in use but not under another one.

    ``kind`` "changed": the other is the catalogue of the initiative's earlier assessment
    (``since``: that assessment's date); "pinned": the catalogue the record pins (the
    supported stage is then the lower of the two); "pin_missing": the pinned catalogue
    could not be found (``gate`` None, nothing compared).
    """

    kind: ShiftKind
    gate: str | None
    #: The other catalogue's fingerprint (for "pin_missing": the pin as written).
    fingerprint: str
    catalogue_name: str | None
    since: str | None
    #: Criteria that held the gate back under the other catalogue and are gone now.
    removed: tuple[str, ...] = ()
    #: Judging fields of those criteria that differ now ("<criterion> <field>").
    relaxed: tuple[Change, ...] = ()
    #: Catalogue rules (answers, samples, limits, freshness, ...) that differ now.
    rules: tuple[Change, ...] = ()

    @property
    def changes(self) -> list[str]:
        """Each difference in a phrase: removed criteria, changed fields, changed rules."""
        return [
            *(f"{c} removed" for c in self.removed),
            *(str(c) for c in self.relaxed),
            *(f"rule {c}" for c in self.rules),
        ]

    def describe(self) -> str:
        """One sentence for the headline: what happened, then what changed."""
        short = self.fingerprint[:SHORT]
        if self.kind == "pin_missing":
            return (
                f"Pinned catalogue {short} cannot be found (not in the ledger, the shipped "
                "catalogues or the catalogue's folder), so it is not held to it."
            )
        what = "; ".join(self.changes) or "the criteria or rules differ"
        gate = stage_label(self.gate)
        if self.kind == "pinned":
            return (
                f"Held to its pinned catalogue {short}{self._name}, under which {gate} does "
                f"not pass; the catalogue in use differs: {what}."
            )
        return f"Passes {gate} only because the catalogue changed{self._since}: {what}."

    def lead(self) -> str:
        """What happened, without the changes: a dossier lists them beneath it."""
        if self.kind == "pin_missing":
            return self.describe()
        short, gate = self.fingerprint[:SHORT], stage_label(self.gate)
        if self.kind == "pinned":
            return (
                f"Held to its pinned catalogue {short}{self._name}, under which {gate} does "
                "not pass. The catalogue in use differs from it:"
            )
        return (
            f"Passes {gate} only because the catalogue changed{self._since}. Under the "
            f"earlier catalogue {short}{self._name} it does not pass; what changed:"
        )

    @property
    def _name(self) -> str:
        return f" ({self.catalogue_name})" if self.catalogue_name else ""

    @property
    def _since(self) -> str:
        return f" since {self.since}" if self.since else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "gate": self.gate,
            "catalogue": self.fingerprint,
            "catalogue_name": self.catalogue_name,
            "since": self.since,
            "removed": list(self.removed),
            "relaxed": [dataclasses.asdict(c) for c in self.relaxed],
            "rules": [dataclasses.asdict(c) for c in self.rules],
            "text": self.describe(),
        }


def _by_id(results: Iterable[CriterionResult]) -> dict[str, CriterionResult]:
    return {r.criterion.id: r for r in results}


def shifts(
    current: Assessment,
    in_use: Catalogue,
    other: Catalogue,
    *,
    kind: ShiftKind = "changed",
    fingerprint: str | None = None,
    since: str | None = None,
) -> tuple[GoalpostShift, ...]:
    """The gates ``current`` (assessed under ``in_use``) rests on that fail under ``other``.

    The same record and evidence are assessed under ``other`` (purely, as of the same
    day). Only gates up to the supported stage count: a gate above it decides nothing.
    """
    then = assess(current.record, other, current.as_of, current.evidence)
    return _shifts(current, then, in_use, other, kind, fingerprint, since)


def _shifts(
    current: Assessment,
    then: Assessment,
    in_use: Catalogue,
    other: Catalogue,
    kind: ShiftKind,
    fingerprint: str | None,
    since: str | None,
) -> tuple[GoalpostShift, ...]:
    now_by_id = _by_id(current.results)
    highest = STAGES.index(current.supported_stage)
    rules = tuple(_diff(_rules(other), _rules(in_use)))
    out = []
    for gate in GATES:
        if STAGES.index(gate) > highest or not current.gates[gate] or then.gates[gate]:
            continue
        held = [r for r in then.results if r.criterion.gate == gate and not r.passes]
        removed = tuple(r.criterion.id for r in held if r.criterion.id not in now_by_id)
        relaxed = tuple(
            dataclasses.replace(c, where=f"{r.criterion.id} {c.where}")
            for r in held
            if (now := now_by_id.get(r.criterion.id)) is not None
            for c in _diff(r.criterion.judging_fields(), now.criterion.judging_fields())
        )
        out.append(
            GoalpostShift(
                kind=kind,
                gate=gate,
                fingerprint=fingerprint or other.fingerprint(),
                catalogue_name=other.name,
                since=since,
                removed=removed,
                relaxed=relaxed,
                rules=rules,
            )
        )
    return tuple(out)


def with_shifts(current: Assessment, found: Iterable[GoalpostShift]) -> Assessment:
    """``current`` with these shifts added to what its headline says."""
    found = tuple(found)
    return dataclasses.replace(current, goalposts=current.goalposts + found) if found else current


def held_to_pin(
    current: Assessment,
    in_use: Catalogue,
    pinned: Catalogue,
    *,
    fingerprint: str | None = None,
    since: str | None = None,
) -> Assessment:
    """``current`` held to its pinned catalogue too: the lower supported stage, and why.

    A gate passes only if it passes under both catalogues; the shifts say which gates the
    pin holds back and how the catalogue in use differs from it.
    """
    then = assess(current.record, pinned, current.as_of, current.evidence)
    found = _shifts(current, then, in_use, pinned, "pinned", fingerprint, since)
    lower = min(current.supported_stage, then.supported_stage, key=STAGES.index)
    gates = {g: current.gates[g] and then.gates[g] for g in GATES}
    # What the pin holds against the record is listed like any other condition: a criterion
    # failing under the pinned catalogue takes the place of its passing namesake, or is
    # added when the catalogue in use dropped it ("Every condition is met" would be false).
    failing = {r.criterion.id: r for r in then.results if not r.passes}
    results = [failing.pop(r.criterion.id, r) if r.passes else r for r in current.results]
    results += failing.values()
    held = dataclasses.replace(current, supported_stage=lower, gates=gates, results=tuple(results))
    return with_shifts(held, found)


def pin_missing(current: Assessment) -> Assessment:
    """``current``, saying that the catalogue its record pins could not be found."""
    pin = current.record.catalogue_pin or ""
    notice = GoalpostShift("pin_missing", None, pin, None, None)
    return with_shifts(current, [notice])
