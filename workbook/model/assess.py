"""The assessment: which stage the evidence supports, and what is not yet true.

``assess`` is pure: it reads the record, the evidence findings and the
catalogue it is given and touches no file, widget or clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workbook.evidence import NOT_FOUND, EvidenceFinding, Findings, finding_dict
from workbook.model.answers import argument_problem, is_placeholder, person_name, same_person
from workbook.model.catalogue import Catalogue
from workbook.model.criteria import GATES, PASSING, Context, Criterion, Measurement, Status
from workbook.model.records import AREAS, STAGES, Record, SignOff, Waiver, get_field
from workbook.model.rules import Rules
from workbook.model.traffic import shadow_traffic, uncontrolled_use
from workbook.model.yamlio import shown


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    status: Status
    detail: str
    #: A measuring criterion's file judged and values compared (also when waived).
    measurement: Measurement | None = None

    @property
    def passes(self) -> bool:
        return self.status in PASSING

    def to_dict(self) -> dict[str, Any]:
        c = self.criterion
        out: dict[str, Any] = {
            "criterion": c.id,
            "gate": c.gate,
            "area": c.area,
            "status": self.status,
            "detail": self.detail,
            "question": c.question,
            "satisfied_by": c.satisfied_by,
        }
        if self.measurement is not None:
            out["measurement"] = self.measurement.to_dict()
        return out


@dataclass(frozen=True)
class WaiverState:
    waiver: Waiver
    #: It counts and its date has passed: the criterion is judged as if it were not waived.
    expired: bool
    days_left: int
    #: The renewal (a later expiry for the same criterion) that replaced this waiver: a
    #: replaced waiver neither counts nor expires.
    superseded_by: Waiver | None = None
    #: Why the waiver does not count although it is in force (``waiver_problems``), or empty.
    refused: tuple[str, ...] = ()

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None


def counting_waiver(waivers: Sequence[Waiver]) -> Waiver:
    """Of one criterion's waivers, the one that counts: a renewal (the latest expiry) supersedes."""
    return max(waivers, key=lambda w: w.expires)


@dataclass(frozen=True)
class SignoffState:
    signoff: SignOff
    current: bool


@dataclass(frozen=True)
class AreaReadiness:
    area: str
    met: int
    total: int

    @property
    def share(self) -> float:
        return self.met / self.total if self.total else 1.0


def stage_label(stage: str | None) -> str:
    """``production_candidate`` -> ``production candidate``."""
    return (stage or "none").replace("_", " ")


@dataclass(frozen=True)
class Assessment:
    """The result of assessing one record: everything presentation needs, computed once."""

    record: Record
    catalogue_name: str
    as_of: dt.date
    digest: str
    results: tuple[CriterionResult, ...]
    gates: dict[str, bool]
    supported_stage: str
    waivers: tuple[WaiverState, ...]
    signoffs: tuple[SignoffState, ...]
    #: Set when a prototype's logs show sustained real traffic: what they show.
    shadow_production: str | None = None
    #: Set when the logs show more use than the declared controlled use allows: what they show.
    uncontrolled_use: str | None = None
    #: Gates that pass only because the catalogue changed since an earlier assessment (or
    #: differ from the pinned catalogue): ``model.goalposts.GoalpostShift`` each.
    goalposts: tuple[Any, ...] = ()
    #: The evidence findings assessed, with what the inspectors measured.
    evidence: Findings = field(default_factory=Findings)
    #: The catalogue's rules it was judged under (its ``roles`` say which field names whom).
    rules: Rules = field(default_factory=Rules)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def claimed_stage(self) -> str:
        return self.record.stage

    @property
    def overclaimed(self) -> bool:
        return STAGES.index(self.claimed_stage) > STAGES.index(self.supported_stage)

    @property
    def underclaimed(self) -> bool:
        """The evidence supports a later stage than the one claimed: it may be claimed."""
        return STAGES.index(self.claimed_stage) < STAGES.index(self.supported_stage)

    @property
    def may_claim(self) -> str | None:
        """The sentence that says a later stage may be claimed, and how; None when not."""
        if not self.underclaimed:
            return None
        stage = self.supported_stage
        return f"The evidence supports {stage_label(stage)}: you may claim it (set stage: {stage})."

    @property
    def next_gate(self) -> str | None:
        """The gate that would admit the next stage after the supported one."""
        i = STAGES.index(self.supported_stage)
        return STAGES[i + 1] if i + 1 < len(STAGES) else None

    @property
    def horizon(self) -> str | None:
        """The furthest gate this record is answerable to: claimed, target or next."""
        wanted = [self.claimed_stage, self.record.target_stage, self.next_gate]
        highest = max(STAGES.index(s) for s in wanted if s)
        return STAGES[highest] if highest > 0 else None

    @property
    def counting_waivers(self) -> list[WaiverState]:
        """The waivers that count: one per waived criterion, the latest renewal, unless
        it is refused (too long, no reason, approved by the sponsor or a builder)."""
        return [w for w in self.waivers if not w.superseded and not w.refused]

    @property
    def expired_waivers(self) -> list[WaiverState]:
        """Waivers that count and have expired (a replaced waiver is not one of them)."""
        return [w for w in self.waivers if w.expired]

    @property
    def blockers(self) -> list[CriterionResult]:
        """Failing criteria of every gate up to the horizon, by gate then area."""
        if self.horizon is None:
            return []
        last = GATES.index(self.horizon)
        return [r for r in self.results if not r.passes and GATES.index(r.criterion.gate) <= last]

    def results_for(
        self, gate: str | None = None, area: str | None = None
    ) -> list[CriterionResult]:
        return [
            r
            for r in self.results
            if (gate is None or r.criterion.gate == gate)
            and (area is None or r.criterion.area == area)
        ]

    @property
    def readiness(self) -> list[AreaReadiness]:
        """Per area: criteria of the next gate that pass (areas with none are left out)."""
        if self.next_gate is None:
            return []
        out = []
        for area in AREAS:
            rs = self.results_for(self.next_gate, area)
            if rs:
                out.append(AreaReadiness(area, sum(r.passes for r in rs), len(rs)))
        return out

    @property
    def weakest_area(self) -> str | None:
        """The area furthest from the next gate (the weakest sets the pace, not the average)."""
        lagging = [a for a in self.readiness if a.met < a.total]
        if not lagging:
            return None
        return min(lagging, key=lambda a: (a.share, -(a.total - a.met), AREAS.index(a.area))).area

    @property
    def headline(self) -> str:
        n = len(self.blockers)
        conditions = f"{n} condition{'s are' if n != 1 else ' is'} not yet met"
        claimed = stage_label(self.claimed_stage)
        lead = f"Labelled {claimed}; the evidence supports {stage_label(self.supported_stage)}."
        if self.may_claim:
            # Said where the verdict is read: a team that earned a stage should know it.
            lead = f"Labelled {claimed}. {self.may_claim}"
        if n == 0:
            text = f"{lead} Every condition is met."
        elif self.overclaimed:
            text = f"{lead} {conditions}."
        else:
            text = f"{lead} {conditions} for {stage_label(self.horizon)}."
        waived = sum(r.status == "waived" for r in self.results)
        if waived:
            # A gate passed by waiver is a decision to accept risk; say so up front.
            text += f" {waived} pass{'es' if waived == 1 else ''} only by waiver."
        if self.shadow_production:
            text += f" Possible shadow production: {self.shadow_production}."
        if self.uncontrolled_use:
            text += f" Uncontrolled use: {self.uncontrolled_use}."
        for shift in self.goalposts:
            text += f" {shift.describe()}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``workbook check --json``)."""
        return {
            "id": self.id,
            "name": self.record.name,
            "claimed_stage": self.claimed_stage,
            "target_stage": self.record.target_stage,
            "supported_stage": self.supported_stage,
            "overclaimed": self.overclaimed,
            "shadow_production": self.shadow_production,
            "uncontrolled_use": self.uncontrolled_use,
            "goalposts": [g.to_dict() for g in self.goalposts],
            "next_gate": self.next_gate,
            "weakest_area": self.weakest_area,
            "headline": self.headline,
            "as_of": self.as_of.isoformat(),
            "catalogue": self.catalogue_name,
            "digest": self.digest,
            "gates": self.gates,
            "readiness": {a.area: {"met": a.met, "total": a.total} for a in self.readiness},
            "blockers": [r.to_dict() for r in self.blockers],
            "results": [
                {"criterion": r.criterion.id, "gate": r.criterion.gate, "status": r.status}
                for r in self.results
            ],
            "waivers": [
                {
                    "criterion": w.waiver.criterion,
                    "approver": w.waiver.approver,
                    "expires": w.waiver.expires.isoformat(),
                    "expired": w.expired,
                    "superseded": w.superseded,
                }
                for w in self.waivers
            ],
            "evidence": [finding_dict(f, self.as_of) for f in self.evidence.items],
            "signoffs": [
                {
                    "gate": s.signoff.gate,
                    "name": s.signoff.name,
                    "role": s.signoff.role,
                    "date": s.signoff.date.isoformat(),
                    "current": s.current,
                }
                for s in self.signoffs
            ],
        }


def compute_digest(record: Record, evidence: Findings, catalogue: Catalogue) -> str:
    """Stable fingerprint of what was assessed: record, cited evidence, catalogue.

    Sign-offs are left out: they are given *for* a digest and cannot be part of it.
    Unset defaults are left out too, so a new optional schema field does not
    invalidate every sign-off already given.
    """
    body = record.model_dump(mode="json", exclude={"signoffs"}, exclude_defaults=True)
    files = sorted(
        (f.item.location, (f.sha256 or f"unreadable: {_unread(f)}") if f.item.path else "link")
        for f in evidence.items
    )
    # A suite an extract is judged by is assessed input too: editing it voids a sign-off.
    # Only records citing one get the entry, so every other digest stays as it was.
    files += sorted(
        (f"{f.item.location} suite {f.item.expectations.suite}", suite)
        for f in evidence.items
        if f.item.expectations and (suite := getattr(f.measured, "suite_sha256", None))
    )
    blob = json.dumps(
        {"record": body, "evidence": files, "catalogue": catalogue.fingerprint()},
        sort_keys=True,
        ensure_ascii=False,  # pragma: no mutate -- None reads as False: the same text
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _unread(f: EvidenceFinding) -> str | None:
    """Why a file was not read, as the digest counts it: a missing file is missing from
    whichever folder it is checked (its reason names the path as seen from there)."""
    return NOT_FOUND if f.missing else f.reason


#: Who may not approve a waiver, as the record names them (``rules.waivers.independent_of``).
_ROLE_WORDS = {
    "sponsor": "the initiative's sponsor",
    "business_owner": "its business owner",
    "builders": "one of its builders",
}


def _people(record: Record, rules: Rules, role: str) -> list[str]:
    """The people the record names in ``role`` (``builders``: each builder)."""
    if role == "builders":
        return list(record.ownership.builders)
    where = rules.roles.get(role)
    named = get_field(record, where) if where else None
    return [named] if isinstance(named, str) else []


def waiver_problems(waiver: Waiver, record: Record, rules: Rules, as_of: dt.date) -> list[str]:
    """Why ``waiver`` does not count, each in a phrase; empty when it counts.

    A waiver is a dated, reasoned decision by someone independent of the initiative: it runs
    at most ``rules.waivers.max_days`` (from its grant, and from the assessment date), gives
    a reason that is an argument, and is approved by neither its sponsor nor its builders.
    """
    out = []
    most = rules.waivers.max_days
    if waiver.granted is not None and waiver.granted > as_of:
        out.append(f"it is granted on {waiver.granted}, after the as-of date {as_of}")
    # Counted from its grant (or, without one, from today): from an earlier grant the
    # length is never shorter than what is left of it, so one figure covers both.
    start = waiver.granted if waiver.granted is not None and waiver.granted <= as_of else as_of
    days = (waiver.expires - start).days
    if days > most:
        out.append(
            f"it runs {days:,} day{'' if days == 1 else 's'}, from {start} to "
            f"{waiver.expires}, and waivers.max_days allows at most {most}"
        )
    reason = argument_problem(waiver.reason, rules.answers)
    if reason:
        out.append(f"its reason {reason}")
    if is_placeholder(waiver.approver, rules.answers):
        out.append(f"its approver {shown(waiver.approver)} names nobody")
    else:
        for role in rules.waivers.independent_of:
            if any(same_person(waiver.approver, p) for p in _people(record, rules, role)):
                out.append(
                    f"{person_name(waiver.approver)} is {_ROLE_WORDS[role]} and cannot "
                    "approve its exception"
                )
    return out


def _judge(criterion: Criterion, ctx: Context) -> CriterionResult:
    """The criterion's own verdict, then not-applicable and waivers where the catalogue allows.

    A not-applicable needs a justification that is an argument; a waiver counts only when
    ``waiver_problems`` finds nothing, else the criterion is judged as if it were not waived
    and the detail says why the waiver does not count.
    """
    record = ctx.record
    refused: list[str] = []
    na = next((n for n in record.not_applicable if n.criterion == criterion.id), None)
    if na is not None and criterion.allow_not_applicable:
        if not (na.justification or "").strip():
            return CriterionResult(
                criterion, "missing", "marked not applicable without a justification"
            )
        problem = argument_problem(na.justification, ctx.rules.answers)
        if problem is None:
            return CriterionResult(criterion, "not_applicable", (na.justification or "").strip())
        detail = f"marked not applicable, but the justification {problem}"
        return CriterionResult(criterion, "missing", detail)
    if na is not None:
        refused.append("the catalogue does not accept not-applicable for this criterion")
    outcome = criterion.judge(ctx)
    measured = outcome.measurement
    if outcome.status == "met":
        return CriterionResult(criterion, "met", outcome.detail, measured)
    waivers = [w for w in record.waivers if w.criterion == criterion.id]
    if waivers and not criterion.waivable:
        refused.append("the catalogue does not accept waivers for this criterion")
    elif waivers:
        w = counting_waiver(waivers)
        if w.expires < ctx.as_of:
            detail = f"waiver by {w.approver} expired on {w.expires}; {outcome.detail}"
            return CriterionResult(criterion, "waiver_expired", detail, measured)
        problems = waiver_problems(w, record, ctx.rules, ctx.as_of)
        if not problems:
            detail = f"waived by {w.approver} until {w.expires}: {w.reason}"
            return CriterionResult(criterion, "waived", detail, measured)
        refused.append(f"waiver by {w.approver} does not count ({'; '.join(problems)})")
    detail = "; ".join([*refused, outcome.detail])
    return CriterionResult(criterion, outcome.status, detail, measured)


def assess(
    record: Record, catalogue: Catalogue, as_of: dt.date, evidence: Findings | None = None
) -> Assessment:
    """Assess ``record`` against ``catalogue`` as of a date, given its evidence findings."""
    evidence = evidence or Findings()
    digest = compute_digest(record, evidence, catalogue)
    ctx = Context(record, evidence, catalogue.freshness_days, as_of, digest, catalogue.rules)
    results = tuple(_judge(c, ctx) for c in catalogue)
    gates = {g: all(r.passes for r in results if r.criterion.gate == g) for g in GATES}
    supported = "prototype"
    for gate in GATES:
        if not gates[gate]:
            break
        supported = gate
    counting = {
        w.criterion: counting_waiver([v for v in record.waivers if v.criterion == w.criterion])
        for w in record.waivers
    }
    return Assessment(
        record=record,
        catalogue_name=catalogue.name,
        as_of=as_of,
        digest=digest,
        results=results,
        gates=gates,
        supported_stage=supported,
        waivers=tuple(
            WaiverState(
                w,
                expired=w is counting[w.criterion] and w.expires < as_of,
                days_left=(w.expires - as_of).days,
                superseded_by=None if w is counting[w.criterion] else counting[w.criterion],
                refused=tuple(waiver_problems(w, record, catalogue.rules, as_of))
                if w is counting[w.criterion] and w.expires >= as_of
                else (),
            )
            for w in record.waivers
        ),
        signoffs=tuple(
            SignoffState(s, digest.startswith(s.digest)) for s in record.signoffs if s.date <= as_of
        ),
        rules=catalogue.rules,
        shadow_production=shadow_traffic(record, catalogue, as_of, evidence),
        uncontrolled_use=uncontrolled_use(record, catalogue, as_of, evidence),
        evidence=evidence,
    )
