"""The criterion kinds judged from what a record states: field, evidence, register,
logging plan, sign-off. (Measured verdicts are the ``threshold`` kind, in ``thresholds``.)
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

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
    Signal,
    get_field,
    is_answered,
    unanswered,
)
from workbook.model.selection import evidence_outcome


@register
class FieldCriterion(Criterion):
    """Fields are answered; if ``evidence`` names a kind, fresh evidence of it backs them."""

    kind_name: ClassVar[str] = "field"
    kind: Literal["field"]
    fields: list[str] = Field(min_length=1)
    evidence: EvidenceKind | None = None
    max_age_days: int | None = Field(default=None, ge=1)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        for path in value:
            check_path(path)
        return value

    def judge(self, ctx: Context) -> Outcome:
        gaps = [gap for f in self.fields for gap in unanswered(get_field(ctx.record, f), f)]
        if gaps:
            return Outcome("missing", "not answered: " + ", ".join(gaps))
        if self.evidence is None:
            return Outcome("met", "answered")
        backed = evidence_outcome(ctx, self.evidence, self.max_age_days)
        if backed is None:
            return Outcome("unverified", f"answered, but no {self.evidence} evidence is cited")
        return backed


@register
class EvidenceCriterion(Criterion):
    """Evidence of a kind is cited, readable and fresh."""

    kind_name: ClassVar[str] = "evidence"
    kind: Literal["evidence"]
    evidence: EvidenceKind
    max_age_days: int | None = Field(default=None, ge=1)

    def judge(self, ctx: Context) -> Outcome:
        backed = evidence_outcome(ctx, self.evidence, self.max_age_days)
        return backed or Outcome("missing", f"no {self.evidence} evidence is cited")


@register
class RegisterCriterion(Criterion):
    """A register (list) has enough entries, each complete, and none matching ``forbid``."""

    kind_name: ClassVar[str] = "register"
    kind: Literal["register"]
    # "register" is the natural YAML key but shadows a pydantic internal name.
    register_path: str = Field(alias="register")
    min_items: int = Field(default=1, ge=0)
    require: list[str] = Field(default_factory=list)
    forbid: dict[str, str] = Field(default_factory=dict)
    forbid_label: str = "forbidden entry"

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
                    f"unknown field '{name}' in register {register}; "
                    f"known: {', '.join(item.model_fields)}"
                )
            # A misspelt forbidden value would silently switch the criterion off.
            allowed = literal_values(item.model_fields[name].annotation)
            if isinstance(value, dict) and allowed and value[name] not in allowed:
                raise ValueError(
                    f"unknown value '{value[name]}' for {register}.{name}; "
                    f"known: {', '.join(allowed)}"
                )
        return value

    @staticmethod
    def _label(entry: BaseModel, index: int) -> str:
        for key in ("id", "name", "system", "condition", "trigger"):
            value = getattr(entry, key, None)
            if value:
                return str(value)
        return f"#{index + 1}"

    def judge(self, ctx: Context) -> Outcome:
        entries = get_field(ctx.record, self.register_path)
        counted = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
        if len(entries) < self.min_items:
            have = f"{self.register_path} has {counted}"
            return Outcome("missing", f"{have}; at least {self.min_items} needed")
        gaps = []
        for i, entry in enumerate(entries):
            lacking = [n for n in self.require if not is_answered(getattr(entry, n))]
            if lacking:
                gaps.append(f"{self._label(entry, i)} lacks {', '.join(lacking)}")
        if gaps:
            return Outcome("missing", "; ".join(gaps))
        hits = [
            self._label(e, i)
            for i, e in enumerate(entries)
            if self.forbid and all(str(getattr(e, k)) == v for k, v in self.forbid.items())
        ]
        if hits:
            return Outcome("missing", f"{len(hits)} {self.forbid_label}: {', '.join(hits)}")
        return Outcome("met", f"{counted}, complete")


@register
class LoggingPlanCriterion(Criterion):
    """Every listed signal is planned: logged (where, how long) or not logged with a reason."""

    kind_name: ClassVar[str] = "logging_plan"
    kind: Literal["logging_plan"]
    signals: list[Signal] = Field(default_factory=lambda: list(SIGNALS))

    def judge(self, ctx: Context) -> Outcome:
        plan = ctx.record.observability.logging_plan
        unplanned = []
        for signal in self.signals:
            entry = plan.get(signal)
            decided = entry is not None and (
                (entry.logged and is_answered(entry.where) and entry.retention_days is not None)
                or (not entry.logged and is_answered(entry.reason))
            )
            if not decided:
                unplanned.append(signal)
        if unplanned:
            return Outcome("missing", "no complete plan for: " + ", ".join(unplanned))
        logged = sum(1 for s in self.signals if plan[s].logged)
        return Outcome("met", f"{logged} of {len(self.signals)} signals logged, the rest justified")


@register
class SignoffCriterion(Criterion):
    """Someone in ``role`` signed off ``signoff_gate`` for the current digest."""

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
            return Outcome("missing", f"no {self.role} sign-off for the {gate} gate")
        current = [s for s in given if ctx.digest.startswith(s.digest)]
        if current:
            s = current[-1]
            return Outcome("met", f"signed by {s.name} on {s.date}")
        s = max(given, key=lambda s: s.date)
        return Outcome(
            "stale",
            f"signed by {s.name} on {s.date} for an earlier version ({s.digest[:12]}); "
            f"the current digest is {ctx.digest[:12]}",
        )
