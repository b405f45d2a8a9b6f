"""Who must act on each blocker, and which chapter and record field fix it.

A blocker says what is not yet true; a next step adds who must make it true (a person the
record names, or the role when it names nobody yet: ``model/actors.py`` decides, and the
summary carries the same answer to the portfolio) and where: the walk-through chapter and
the record field.

Pure: it reads an Assessment and the catalogue's rules, and judges nothing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbook.model.actors import (
    AREA_ROLES,
    EVIDENCE_ROLES,
    FIELD_ROLES,
    MEASURE_ROLES,
    REGISTER_OWNERS,
    REGISTER_ROLES,
    ROLE_LABELS,
    Actor,
    actors_for,
    role_actor,
)
from workbook.model.assess import Assessment, CriterionResult
from workbook.model.criteria import GATES, Criterion
from workbook.model.kinds import (
    EvidenceCriterion,
    FieldCriterion,
    LoggingPlanCriterion,
    RegisterCriterion,
    SignoffCriterion,
)
from workbook.model.records import AREAS
from workbook.model.rules import Rules
from workbook.model.thresholds import EVIDENCE_FOR, ThresholdCriterion
from workbook.present.chapters import CHAPTERS, Chapter

__all__ = [
    "AREA_ROLES",
    "EVIDENCE_ROLES",
    "FIELD_ROLES",
    "MEASURE_ROLES",
    "REGISTER_OWNERS",
    "REGISTER_ROLES",
    "ROLE_LABELS",
    "Actor",
    "NextStep",
    "PersonSteps",
    "actors_for",
    "by_person",
    "chapter_anchor",
    "chapter_for",
    "next_steps",
    "role_actor",
]


@dataclass(frozen=True)
class NextStep:
    """One blocker, who must act on it, and where it is fixed."""

    result: CriterionResult
    actor: Actor
    chapter: Chapter
    #: Record fields (or ``evidence: <kind>``) that fix it.
    fields: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return chapter_anchor(self.chapter)


@dataclass(frozen=True)
class PersonSteps:
    """One person's (or unnamed role's) next steps, most urgent gate first."""

    who: str
    roles: tuple[str, ...]
    named: bool
    steps: tuple[NextStep, ...]


def chapter_anchor(ch: Chapter) -> str:
    """The id nbconvert gives the chapter's heading in a dossier (``## 3. Ownership, ...``).

    A dossier chapter opens with ``## <n>. <title>``; nbconvert's heading id is its text
    with spaces turned into ``-``.
    """
    number = CHAPTERS.index(ch) + 1
    return f"{number}. {ch.title}".replace(" ", "-")


def chapter_for(paths: Sequence[str], area: str) -> Chapter:
    """The chapter whose form edits the first record field; else the area's chapter."""
    for path in paths:
        top = path.split(".", 1)[0]
        for ch in CHAPTERS:
            if top in ch.form_fields and top != "evidence":
                return ch
    return next((ch for ch in CHAPTERS if area in ch.areas), CHAPTERS[-1])


def _where(c: Criterion) -> tuple[str, ...]:
    """The record fields (or ``evidence: <kind>``) that fix the criterion."""
    if isinstance(c, FieldCriterion):
        return tuple(c.fields)
    if isinstance(c, RegisterCriterion):
        return (c.register_path,)
    if isinstance(c, LoggingPlanCriterion):
        return ("observability.logging_plan",)
    if isinstance(c, SignoffCriterion):
        return ("signoffs",)
    if isinstance(c, EvidenceCriterion):
        return (f"evidence: {c.evidence}",)
    if isinstance(c, ThresholdCriterion):
        if c.measure == "gaps_registered":
            return ("data.gaps",)
        if c.measure == "controlled_use":
            return ("scope.controlled_use",)
        return (f"evidence: {EVIDENCE_FOR[c.measure]}",)
    return (c.area,)


def next_steps(a: Assessment, rules: Rules | None = None) -> list[NextStep]:
    """Every blocker of ``a`` with who must act, most urgent gate first.

    ``rules`` are the catalogue's (its ``roles`` say which record field names whom);
    without them, the rules ``a`` was assessed under.
    """
    rules = rules or a.rules
    out = []
    for r in a.blockers:
        c = r.criterion
        fields = _where(c)
        chapter = chapter_for(fields, c.area)
        out += [NextStep(r, actor, chapter, fields) for actor in actors_for(c, a.record, rules)]
    return sorted(
        out,
        key=lambda s: (GATES.index(s.result.criterion.gate), AREAS.index(s.result.criterion.area)),
    )


def by_person(steps: Sequence[NextStep]) -> list[PersonSteps]:
    """Steps grouped by who must act; groups with the most urgent gate first, then the
    longest list; unnamed roles after named people at the same urgency."""
    groups: dict[str, list[NextStep]] = {}
    for s in steps:
        groups.setdefault(s.actor.key, []).append(s)
    out = []
    for group in groups.values():
        roles = tuple(dict.fromkeys(s.actor.role_label for s in group))
        first = group[0].actor
        out.append(PersonSteps(first.who, roles, first.name is not None, tuple(group)))

    def urgency(p: PersonSteps) -> tuple[int, int, int, str]:
        gate = min(GATES.index(s.result.criterion.gate) for s in p.steps)
        return (gate, -len(p.steps), not p.named, p.who.casefold())

    return sorted(out, key=urgency)
