"""Criterion kinds: how one gate criterion is judged against a record.

A kind is one class with one method, ``judge``. The catalogue names the kind
and its parameters; the registry maps names to classes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from workbook.evidence import EvidenceFinding, Findings
from workbook.model.records import (
    SIGNALS,
    Area,
    EvidenceItem,
    EvidenceKind,
    Record,
    Role,
    Signal,
    get_field,
    is_answered,
    unanswered,
)

Status = Literal[
    "met",
    "unverified",
    "missing",
    "not_applicable",
    "waived",
    "waiver_expired",
    "stale",
    "unreadable",
    "below_threshold",
]
STATUSES: tuple[str, ...] = get_args(Status)
PASSING: frozenset[str] = frozenset({"met", "not_applicable", "waived"})

Gate = Literal["mvp", "production_candidate", "production"]
#: A gate is named for the stage it admits; they are passed in this order.
GATES: tuple[str, ...] = get_args(Gate)


@dataclass(frozen=True)
class Context:
    """Everything a criterion may look at; assembled once per assessment."""

    record: Record
    evidence: Findings
    freshness_days: dict[str, int]
    as_of: dt.date
    digest: str


#: Which side of its limit a measured value must stay on.
Bound = Literal["at_most", "at_least"]


@dataclass(frozen=True)
class Reading:
    """One measured value against the limit that applies, as a threshold criterion judged it.

    ``shown`` and ``limit_shown`` are the figures of the criterion's detail: written
    with the same decimals, enough that a value other than its limit never reads as it.
    """

    name: str
    value: float
    limit: float
    bound: Bound
    passed: bool
    shown: str
    limit_shown: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Measurement:
    """What a threshold criterion judged: which evidence file, and each value against its limit.

    The file is the one the verdict is about (``location`` None when none is cited);
    ``readings`` is empty when nothing could be compared (unreadable, stale, a link).
    Views and charts read this instead of comparing values with limits themselves.
    """

    measure: str
    evidence: str
    location: str | None = None
    date: dt.date | None = None
    readings: tuple[Reading, ...] = ()

    def judged(self, item: EvidenceItem) -> bool:
        """Is ``item`` the evidence file this measurement judged?"""
        return (item.kind, item.location, item.date) == (self.evidence, self.location, self.date)

    def reading(self, name: str) -> Reading | None:
        return next((r for r in self.readings if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "evidence": self.evidence,
            "location": self.location,
            "date": None if self.date is None else self.date.isoformat(),
            "readings": [r.to_dict() for r in self.readings],
        }


@dataclass(frozen=True)
class Outcome:
    status: Status
    detail: str
    #: Set by measuring kinds (``threshold``): the file judged and the values compared.
    measurement: Measurement | None = None


class Criterion(BaseModel):
    """Common fields of every criterion; subclasses add parameters and ``judge``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind_name: ClassVar[str] = ""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]{1,80}$")
    gate: Gate
    area: Area
    kind: str
    question: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    satisfied_by: str = Field(min_length=1)
    tags: dict[str, list[str]] = Field(default_factory=dict)
    # Governance decides which criteria a team may declare irrelevant or defer:
    # a sign-off must never be waived away, and most conditions always apply.
    allow_not_applicable: bool = False
    waivable: bool = True

    #: Fields that change a verdict; the rest (wording, tags) may be edited freely.
    JUDGING: ClassVar[frozenset[str]] = frozenset({"question", "rationale", "satisfied_by", "tags"})

    def judging_fields(self) -> dict[str, Any]:
        """What the digest covers: everything but the explanatory text."""
        return self.model_dump(mode="json", by_alias=True, exclude=set(self.JUDGING))

    def judge(self, ctx: Context) -> Outcome:
        """Decide this criterion's status for the record in ``ctx``."""
        raise NotImplementedError


KINDS: dict[str, type[Criterion]] = {}


def register(cls: type[Criterion]) -> type[Criterion]:
    """Class decorator adding a criterion kind to the registry."""
    KINDS[cls.kind_name] = cls
    return cls


def known_kinds() -> str:
    return ", ".join(sorted(KINDS))


# --- helpers shared by kinds -------------------------------------------------


def select_evidence(
    ctx: Context, kind: str, max_age_days: int | None = None
) -> tuple[EvidenceFinding | None, Outcome | None]:
    """The newest readable, fresh evidence of ``kind``; else why there is none.

    Returns (finding, None) when one counts, (None, outcome) when evidence is
    cited but none counts, and (None, None) when none is cited. Evidence dated
    after the assessment date did not exist yet and is not counted.
    ``max_age_days`` overrides the catalogue's window for this kind.
    """
    found = [f for f in ctx.evidence.of_kind(kind) if f.item.date <= ctx.as_of]
    if not found:
        return None, None
    window = max_age_days or ctx.freshness_days.get(kind)
    readable = [f for f in found if f.readable]
    fresh = [f for f in readable if window is None or (ctx.as_of - f.item.date).days <= window]
    if fresh:
        return max(fresh, key=lambda f: f.item.date), None
    if readable:
        newest = max(readable, key=lambda f: f.item.date)
        age = (ctx.as_of - newest.item.date).days
        return None, Outcome(
            "stale",
            f"newest {kind} evidence ({newest.item.location}, {newest.item.date}) is {age} days "
            f"old; at most {window} days allowed",
        )
    return None, Outcome("unreadable", "; ".join(f"{f.item.location}: {f.reason}" for f in found))


def evidence_outcome(ctx: Context, kind: str, max_age_days: int | None = None) -> Outcome | None:
    """Met if readable, fresh evidence of ``kind`` is cited; None if none is cited."""
    finding, problem = select_evidence(ctx, kind, max_age_days)
    if finding is None:
        return problem
    return Outcome("met", f"{kind} evidence {finding.item.location} of {finding.item.date}")


def _check_path(path: str, model: type[BaseModel] = Record) -> type[Any]:
    """Resolve a dotted field path against the record model; return its annotation."""
    ann: Any = model
    walked: list[str] = []
    for part in path.split("."):
        fields = ann.model_fields if isinstance(ann, type) and issubclass(ann, BaseModel) else {}
        if part not in fields:
            where = ".".join(walked) or "the record"
            near = difflib.get_close_matches(part, fields)
            hint = f"; did you mean '{near[0]}'?" if near else ";"
            known = ", ".join(fields) or "none"
            raise ValueError(f"unknown record field '{path}'{hint} known in {where}: {known}")
        ann = fields[part].annotation
        walked.append(part)
    return ann


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The allowed values of a Literal (or Optional Literal) annotation, else ()."""
    if typing.get_origin(annotation) is Literal:
        return tuple(map(str, typing.get_args(annotation)))
    for arg in typing.get_args(annotation):
        if values := _literal_values(arg):
            return values
    return ()


def _list_item_model(path: str) -> type[BaseModel]:
    ann = _check_path(path)
    if typing.get_origin(ann) is not list:
        raise ValueError(f"record field '{path}' is not a list (a register must be a list)")
    (item,) = typing.get_args(ann)
    return item


# --- the kinds ------------------------------------------------------------


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
            _check_path(path)
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
        _list_item_model(value)
        return value

    @field_validator("require", "forbid")
    @classmethod
    def _known_item_fields(cls, value: Any, info: ValidationInfo) -> Any:
        register = info.data.get("register_path")
        if register is None:  # the register itself is invalid and already reported
            return value
        item = _list_item_model(register)
        for name in value:
            if name not in item.model_fields:
                raise ValueError(
                    f"unknown field '{name}' in register {register}; "
                    f"known: {', '.join(item.model_fields)}"
                )
            # A misspelt forbidden value would silently switch the criterion off.
            allowed = _literal_values(item.model_fields[name].annotation)
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
