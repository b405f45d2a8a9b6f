"""What every criterion shares: statuses, the context it judges in, its verdict, the registry.

A kind is one class with one method, ``judge`` (``kinds`` and ``thresholds`` hold
them). The catalogue names the kind and its parameters; the registry maps names
to classes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from workbook.evidence import Findings
from workbook.model.records import Area, EvidenceItem, Record
from workbook.model.rules import Rules
from workbook.model.yamlio import shown

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
    # The evidence records an outcome that does not pass (a rejected review, a failed drill).
    "failed",
    # The sample is too small or too short to judge (a 3-line log, a 5-case evaluation).
    "insufficient",
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
    #: The catalogue's rules besides its criteria (answers, outcomes, samples, limits, ...).
    rules: Rules = field(default_factory=Rules)


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


# --- record field paths, checked when a catalogue is loaded ---------------


def check_path(path: str, model: type[BaseModel] = Record) -> type[Any]:
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
            raise ValueError(f"unknown record field {shown(path)}{hint} known in {where}: {known}")
        ann = fields[part].annotation
        walked.append(part)
    return ann


def literal_values(annotation: Any) -> tuple[str, ...]:
    """The allowed values of a Literal (or Optional Literal) annotation, else ()."""
    if typing.get_origin(annotation) is Literal:
        return tuple(map(str, typing.get_args(annotation)))
    for arg in typing.get_args(annotation):
        if values := literal_values(arg):
            return values
    return ()


def list_item_model(path: str) -> type[BaseModel]:
    ann = check_path(path)
    if typing.get_origin(ann) is not list:
        raise ValueError(f"record field {shown(path)} is not a list (a register must be a list)")
    (item,) = typing.get_args(ann)
    return item
