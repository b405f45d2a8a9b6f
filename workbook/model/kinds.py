"""The criterion kinds judged from what a record states: field, evidence, register,
logging plan, sign-off. (Measured verdicts are the ``threshold`` kind, in ``thresholds``.)

What counts as an answer is the catalogue's rule (``model.answers``): a placeholder or a
two-word description is no answer, a closed gap needs evidence of its closure where the
catalogue asks for it, and a sign-off counts only from the person the record names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from workbook.model.answers import (
    Gap,
    describe_gaps,
    entry_gaps,
    field_gaps,
    is_answered,
    is_placeholder,
    person_name,
    required_texts,
    same_person,
)
from workbook.model.criteria import (
    Context,
    Criterion,
    Gate,
    Outcome,
    check_path,
    list_item_model,
    literal_values,
    register,
)
from workbook.model.records import (
    SIGNALS,
    EvidenceKind,
    Role,
    SecurityReview,
    Signal,
    Thresholds,
    get_field,
)
from workbook.model.rules import SampleRule, looser_than_limits, outcome_problem
from workbook.model.selection import evidence_outcome
from workbook.model.yamlio import shown
from workbook.words import counted


def _along(record: BaseModel, path: str) -> list[Any]:
    """Every value on the way to ``path``: the record's section, its part, ..., the field."""
    out, value = [], record
    for part in path.split("."):
        value = getattr(value, part)
        out.append(value)
    return out


@register
class FieldCriterion(Criterion):
    """Fields are answered; if ``evidence`` names a kind, fresh evidence of it backs them.

    Answered means no placeholder, and enough words where the question asks for a
    description. Thresholds may not be looser than the catalogue's limits, and a
    security review section counts only with a passing outcome.
    """

    kind_name: ClassVar[str] = "field"
    kind: Literal["field"]
    fields: list[str] = Field(min_length=1)
    evidence: EvidenceKind | None = None
    max_age_days: int | None = Field(default=None, ge=1)
    #: Overrides the catalogue's ``min_sample`` for measured ``evidence`` (only what it sets).
    min_sample: SampleRule | None = None

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        for path in value:
            check_path(path)
        return value

    def judge(self, ctx: Context) -> Outcome:
        gaps = [g for f in self.fields for g in field_gaps(ctx.record, f, ctx.rules.answers)]
        if gaps:
            return Outcome("missing", describe_gaps(gaps))
        looser = self._looser_than_limits(ctx)
        if looser:
            return Outcome("missing", "; ".join(looser))
        review = self._review_problem(ctx)
        if review is not None:
            return review
        if self.evidence is None:
            return Outcome("met", "answered")
        backed = evidence_outcome(ctx, self.evidence, self.max_age_days, min_sample=self.min_sample)
        if backed is None:
            return Outcome("unverified", f"answered, but no {self.evidence} evidence is cited")
        return backed

    def _looser_than_limits(self, ctx: Context) -> list[str]:
        """Each threshold among the fields that is looser than the organisation allows."""
        out: list[str] = []
        for path in self.fields:
            values = _along(ctx.record, path)
            if isinstance(values[-1], Thresholds):
                found = looser_than_limits(values[-1], ctx.rules.limits)
            elif len(values) > 1 and isinstance(values[-2], Thresholds):
                name = path.rsplit(".", 1)[-1]
                found = [
                    p
                    for p in looser_than_limits(values[-2], ctx.rules.limits)
                    if p.startswith(f"{name} ")
                ]
            else:
                found = []
            out += [p for p in found if p not in out]
        return out

    def _review_problem(self, ctx: Context) -> Outcome | None:
        """A security review among the fields counts only with a passing outcome."""
        rule = ctx.rules.outcomes.get("security_review")
        if rule is None:
            return None
        for path in self.fields:
            review = next(
                (v for v in _along(ctx.record, path) if isinstance(v, SecurityReview)), None
            )
            if review is None:
                continue
            problem = outcome_problem(
                review.outcome, review.open_findings, rule, "the security review"
            )
            if problem is not None:
                status, detail = problem
                return Outcome("failed" if status == "failed" else "unverified", detail)
        return None


@register
class EvidenceCriterion(Criterion):
    """Evidence of a kind is cited, readable and fresh."""

    kind_name: ClassVar[str] = "evidence"
    kind: Literal["evidence"]
    evidence: EvidenceKind
    max_age_days: int | None = Field(default=None, ge=1)
    #: Overrides the catalogue's ``min_sample`` for a measured kind (only what it sets).
    min_sample: SampleRule | None = None

    def judge(self, ctx: Context) -> Outcome:
        backed = evidence_outcome(ctx, self.evidence, self.max_age_days, min_sample=self.min_sample)
        return backed or Outcome("missing", f"no {self.evidence} evidence is cited")


def _lacks(gap: Gap) -> str:
    """``owner (placeholder 'TBD')``: one field of a register entry and why it is no answer."""
    if gap.reason == "placeholder":
        return f"{gap.path} (placeholder {gap.value})"
    if gap.reason == "short":
        n = f"{gap.words} word{'s' * (gap.words != 1)}"
        return f"{gap.path} (too short for a description: {n}, at least {gap.needed})"
    return gap.path


@register
class RegisterCriterion(Criterion):
    """A register (list) has enough entries, each complete, and none matching ``forbid``.

    Complete: each ``require``d field, and every free text an entry must have (a gap's
    description, a trigger), is answered. With ``closed_needs_evidence`` a closed entry
    counts as open unless its ``closure_evidence`` names evidence the record cites.
    """

    kind_name: ClassVar[str] = "register"
    kind: Literal["register"]
    # "register" is the natural YAML key but shadows a pydantic internal name.
    register_path: str = Field(alias="register")
    min_items: int = Field(default=1, ge=0)
    require: list[str] = Field(default_factory=list)
    forbid: dict[str, str] = Field(default_factory=dict)
    forbid_label: str = "forbidden entry"
    #: A closed entry counts as open unless its ``closure_evidence`` is cited evidence.
    closed_needs_evidence: bool = False

    @field_validator("register_path")
    @classmethod
    def _known_register(cls, value: str) -> str:
        list_item_model(value)
        return value

    @field_validator("require", "forbid")
    @classmethod
    def _known_item_fields(cls, value: Any, info: ValidationInfo) -> Any:
        register = info.data.get("register_path")
        if register is None:  # the register itself is invalid and already reported
            return value
        item = list_item_model(register)
        for name in value:
            if name not in item.model_fields:
                raise ValueError(
                    f"unknown field {shown(name)} in register {register}; "
                    f"known: {', '.join(item.model_fields)}"
                )
            # A misspelt forbidden value would silently switch the criterion off.
            allowed = literal_values(item.model_fields[name].annotation)
            if isinstance(value, dict) and allowed and value[name] not in allowed:
                raise ValueError(
                    f"unknown value {shown(value[name])} for {register}.{name}; "
                    f"known: {', '.join(allowed)}"
                )
        return value

    @model_validator(mode="after")
    def _closure_is_recorded(self) -> RegisterCriterion:
        if self.closed_needs_evidence:
            item = list_item_model(self.register_path)
            if not {"status", "closure_evidence"} <= set(item.model_fields):
                raise ValueError(
                    f"closed_needs_evidence needs a register whose entries have a status and "
                    f"closure_evidence ({self.register_path} has not)"
                )
        return self

    @staticmethod
    def _label(entry: BaseModel, index: int) -> str:
        for key in ("id", "name", "system", "condition", "trigger"):
            value = getattr(entry, key, None)
            if value:
                return str(value)
        return f"#{index + 1}"

    @staticmethod
    def _cited(ctx: Context) -> tuple[dict[str, list[str]], dict[str, dt.date]]:
        """Evidence cited by the assessment date, by location without ``./``: its locations;
        and evidence dated only after it, by location: its earliest date.

        Built once per judgement: a register and an evidence list of thousands of entries
        each must not be compared pair by pair.
        """
        cited: dict[str, list[str]] = {}
        later: dict[str, dt.date] = {}
        for e in ctx.record.evidence:
            key = e.location.removeprefix("./")
            if e.date <= ctx.as_of:
                cited.setdefault(key, []).append(e.location)
            else:
                later[key] = min(e.date, later.get(key, e.date))
        return cited, {k: d for k, d in later.items() if k not in cited}

    def _unproven_closure(
        self,
        entry: BaseModel,
        ctx: Context,
        cited: tuple[dict[str, list[str]], dict[str, dt.date]],
        broken: set[str],
    ) -> str | None:
        """Why a closed entry still counts as open (None: it is open anyway, or proven)."""
        if not self.closed_needs_evidence or getattr(entry, "status", None) != "closed":
            return None
        named = (getattr(entry, "closure_evidence", None) or "").strip()
        if is_placeholder(named, ctx.rules.answers):
            return "marked closed with no evidence of closure"
        locations = cited[0].get(named.removeprefix("./"), [])
        later = cited[1].get(named.removeprefix("./"))
        if not locations and later is not None:
            return (
                f"marked closed, but its closure evidence {shown(named)} is dated {later}, "
                f"after the as-of date {ctx.as_of}, so it does not count yet"
            )
        if not locations:
            return f"marked closed, but its closure evidence {shown(named)} is not cited evidence"
        if all(location in broken for location in locations):
            return f"marked closed, but its closure evidence {shown(named)} cannot be read"
        return None

    def judge(self, ctx: Context) -> Outcome:
        entries = get_field(ctx.record, self.register_path)
        if len(entries) < self.min_items:
            have = f"{self.register_path} has {counted(len(entries), 'entry', 'entries')}"
            return Outcome("missing", f"{have}; at least {self.min_items} needed")
        gaps = []
        for i, entry in enumerate(entries):
            names = [*self.require]
            names += [n for n in required_texts(type(entry)) if n not in names]
            lacking = entry_gaps(entry, names, ctx.rules.answers)
            if lacking:
                gaps.append(f"{self._label(entry, i)} lacks {', '.join(map(_lacks, lacking))}")
        if gaps:
            return Outcome("missing", "; ".join(gaps))
        hits = []
        cited = self._cited(ctx)
        broken = {f.item.location for f in ctx.evidence.items if not f.readable}
        for i, entry in enumerate(entries):
            unproven = self._unproven_closure(entry, ctx, cited, broken)
            seen = {k: "open" if k == "status" and unproven else str(getattr(entry, k))
                    for k in self.forbid}  # fmt: skip
            if self.forbid and seen == self.forbid:
                label = self._label(entry, i)
                hits.append(f"{label} ({unproven})" if unproven else label)
        if hits:
            return Outcome("missing", f"{len(hits)} {self.forbid_label}: {', '.join(hits)}")
        return Outcome("met", f"{counted(len(entries), 'entry', 'entries')}, complete")


@register
class LoggingPlanCriterion(Criterion):
    """Every listed signal is planned: logged (where, how long) or not logged with a reason."""

    kind_name: ClassVar[str] = "logging_plan"
    kind: Literal["logging_plan"]
    signals: list[Signal] = Field(default_factory=lambda: list(SIGNALS))

    def judge(self, ctx: Context) -> Outcome:
        plan = ctx.record.observability.logging_plan
        answers = ctx.rules.answers
        unplanned: list[str] = []
        for signal in self.signals:
            entry = plan.get(signal)
            if entry is None:
                unplanned.append(signal)
                continue
            said = entry.where if entry.logged else entry.reason
            decided = is_answered(said, answers) and (
                not entry.logged or entry.retention_days is not None
            )
            if decided:
                continue
            if said is not None and said.strip() and is_placeholder(said, answers):
                what = "where" if entry.logged else "reason"
                unplanned.append(f"{signal} (placeholder {what} {shown(said.strip())})")
            else:
                unplanned.append(signal)
        if unplanned:
            return Outcome("missing", "no complete plan for: " + ", ".join(unplanned))
        logged = sum(1 for s in self.signals if plan[s].logged)
        return Outcome("met", f"{logged} of {len(self.signals)} signals logged, the rest justified")


@register
class SignoffCriterion(Criterion):
    """The person the record names for ``role`` signed off ``signoff_gate`` for the current
    digest (the catalogue's ``roles`` say which record field names that person)."""

    kind_name: ClassVar[str] = "signoff"
    kind: Literal["signoff"]
    role: Role
    signoff_gate: Gate | None = None

    def judge(self, ctx: Context) -> Outcome:
        gate = self.signoff_gate or self.gate
        # A sign-off dated after the assessment date had not been given yet.
        given = [
            s
            for s in ctx.record.signoffs
            if s.gate == gate and s.role == self.role and s.date <= ctx.as_of
        ]
        if not given:
            later = [s.date for s in ctx.record.signoffs if s.gate == gate and s.role == self.role]
            if later:
                return Outcome(
                    "missing",
                    f"the {self.role} sign-off for the {gate} gate is dated {min(later)}, after "
                    f"the as-of date {ctx.as_of}, so it does not count yet",
                )
            return Outcome("missing", f"no {self.role} sign-off for the {gate} gate")
        role = self.role.replace("_", " ")
        where = ctx.rules.roles.get(self.role)
        holder = get_field(ctx.record, where) if where else None
        if not isinstance(holder, str) or is_placeholder(holder, ctx.rules.answers):
            named = f" ({where})" if where else ""
            return Outcome(
                "missing",
                f"the record names no {role}{named}, so no {self.role} sign-off can count",
            )
        signed = [s for s in given if same_person(s.name, holder)]
        if not signed:
            s = max(given, key=lambda s: s.date)
            return Outcome(
                "missing",
                f"signed by {s.name}, but the record names {person_name(holder)} as {role} "
                f"({where})",
            )
        # Two signatures are two people's judgement: one person cannot sign a gate twice.
        other = next(
            (
                o
                for o in ctx.record.signoffs
                if o.gate == gate and o.role != self.role and o.date <= ctx.as_of
                and same_person(o.name, holder)
            ),
            None,
        )  # fmt: skip
        if other is not None:
            return Outcome(
                "missing",
                f"{person_name(holder)} also signs the {gate} gate as "
                f"{other.role.replace('_', ' ')}; each role needs its own person",
            )
        current = [s for s in signed if ctx.digest.startswith(s.digest)]
        if current:
            s = current[-1]
            return Outcome("met", f"signed by {s.name} on {s.date}")
        s = max(signed, key=lambda s: s.date)
        return Outcome(
            "stale",
            f"signed by {s.name} on {s.date} for an earlier version ({s.digest[:12]}); "
            f"the current digest is {ctx.digest[:12]}",
        )
