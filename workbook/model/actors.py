"""Who must act on a blocker: the person a record names for a role, or the role itself.

A blocker says what is not yet true; this says who must make it true. The mapping is a
small set of tables, decided per criterion:

1. a sign-off criterion: the person in the role that must sign;
2. a register criterion: the owners its failing entries name (a data gap's owner, a data
   source's owner, an interface owner), else the role that keeps the register;
3. otherwise, the longest-matching record field prefix (``FIELD_ROLES``) of the fields it
   judges, the evidence kind it asks for (``EVIDENCE_ROLES``) or what it measures
   (``MEASURE_ROLES``), else its area's role (``AREA_ROLES``).

Pure: it reads a record, a criterion and the catalogue's rules, and judges nothing again.
It lives in the model because the summary contract carries who must act on each blocker
(the portfolio sums it up); ``present/next_steps.py`` adds the chapter and field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from workbook.model.answers import (
    entry_gaps,
    is_placeholder,
    person_key,
    person_name,
    required_texts,
)
from workbook.model.criteria import Criterion
from workbook.model.kinds import (
    EvidenceCriterion,
    FieldCriterion,
    RegisterCriterion,
    SignoffCriterion,
)
from workbook.model.records import Record, get_field
from workbook.model.rules import Rules
from workbook.model.thresholds import ThresholdCriterion

#: Who acts, in words, by role key (the catalogue's roles and the record's other owners).
ROLE_LABELS: dict[str, str] = {
    "business_owner": "business owner",
    "support_owner": "support owner",
    "security": "security reviewer",
    "risk": "risk owner",
    "sponsor": "sponsor",
    "builders": "builders",
    "data_gap_owner": "data gap owner",
    "data_source_owner": "data source owner",
    "interface_owner": "interface owner",
}

#: Record fields naming the holders of the roles the catalogue's ``roles`` do not cover.
EXTRA_ROLE_FIELDS: dict[str, str] = {"builders": "ownership.builders"}

#: How the names of a team (a role a list of people holds) are joined into one ``name``.
TEAM_JOIN = ", "

#: Each area's default: who answers that area's questions when nothing more specific does.
AREA_ROLES: dict[str, str] = {
    "scope": "business_owner",  # the business decides the workflow, its bounds and its users
    "data": "business_owner",
    "trust": "builders",  # evaluations, guardrails and failure handling are built
    "integration": "business_owner",
    "ownership": "support_owner",  # support, escalation, change control, enablement
    "observability": "builders",  # logging is built into the system
    # The usage policy is the business's to write and have approved; the default
    # catalogue asks no criterion of the risk owner but its sign-off role.
    "governance": "business_owner",
}

#: Record field prefixes that name someone else than their area's default.
FIELD_ROLES: dict[str, str] = {
    "trust.thresholds": "business_owner",  # what is good enough is the business's call
    "trust.review_path": "business_owner",  # who reviews is agreed with the business
    "ownership.business_owner": "sponsor",  # the sponsor names the business owner
    "observability.privacy_decisions": "business_owner",  # what logs may keep: a business call
    "observability.dashboards": "support_owner",  # who watches them
    "observability.alerts": "support_owner",
    "governance.security_review": "security",
}

#: Evidence kinds that someone else than the area's default produces.
EVIDENCE_ROLES: dict[str, str] = {
    "drill": "support_owner",  # the team that runs it exercises the fallback
    "training": "support_owner",
    "dashboard": "support_owner",
    "security_review": "security",
    "policy": "business_owner",
    "user_notice": "business_owner",
}

#: Measures whose fix is someone else's than the area's default.
MEASURE_ROLES: dict[str, str] = {
    "controlled_use": "business_owner",  # the business keeps use within its declared limits
    "gaps_registered": "business_owner",  # who keeps the gap register
    "data_expectations": "data_source_owner",
}

#: Registers whose entries name their own owner: (role, the entry's owner field).
REGISTER_OWNERS: dict[str, tuple[str, str]] = {
    "data.gaps": ("data_gap_owner", "owner"),
    "data.sources": ("data_source_owner", "owner"),
    "integration.systems": ("interface_owner", "interface_owner"),
}

#: Who keeps each register (acts when no entry names an owner, or the register is short).
REGISTER_ROLES: dict[str, str] = {
    "data.gaps": "business_owner",
    "data.sources": "business_owner",
    "integration.systems": "business_owner",
    "ownership.escalation": "support_owner",
    "scope.demo_conditions": "business_owner",
}


@dataclass(frozen=True)
class Actor:
    """Who must act: a role and, where the record names them, the person."""

    role: str
    #: The person's name as the record writes it (``person_name``); None: not named yet.
    name: str | None
    #: The record field that names (or should name) them.
    field: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.replace("_", " "))

    @property
    def who(self) -> str:
        """The person, or the role with "not named yet"."""
        return self.name or f"{self.role_label} (not named yet)"

    @property
    def key(self) -> str:
        """Groups one person's steps across roles; unnamed roles stay apart."""
        return actor_key(self.role, self.name)


def actor_key(role: str, name: str | None) -> str:
    """One group per person (across roles and initiatives), per team, or per unnamed role.

    A team of two or more (the builders) is its own group, keyed by all its members: it is
    never folded into one of them, who may hold another role too. A team of one is that
    person.
    """
    if not name:
        return f"role:{role}"
    members = sorted({person_key(n) for n in name.split(TEAM_JOIN)})
    if len(members) > 1:
        return "team:" + "|".join(members)
    return f"person:{members[0]}"


def _named(value: object, rules: Rules) -> str | None:
    if isinstance(value, str) and value.strip() and not is_placeholder(value, rules.answers):
        return person_name(value)
    return None


def role_actor(record: Record, role: str, rules: Rules) -> Actor:
    """The holder of ``role`` as the record names them (the catalogue's ``roles`` say where)."""
    where = rules.roles.get(role) or EXTRA_ROLE_FIELDS.get(role, "")
    value = get_field(record, where) if where else None
    if isinstance(value, list):  # builders: one group for the team that built it
        names = [n for n in (_named(v, rules) for v in value) if n]
        return Actor(role, TEAM_JOIN.join(names) or None, where)
    return Actor(role, _named(value, rules), where)


def _failing_entries(
    c: RegisterCriterion, entries: Sequence[BaseModel], rules: Rules
) -> list[BaseModel]:
    """The entries a register criterion fails on: incomplete ones, or ones it forbids.

    A forbidding criterion with ``closed_needs_evidence`` also counts closed entries of the
    forbidden kind: their owner is the one who must prove the closure.
    """
    if not c.forbid:
        out = []
        for e in entries:
            names = [*c.require, *(n for n in required_texts(type(e)) if n not in c.require)]
            if entry_gaps(e, names, rules.answers):
                out.append(e)
        return out

    def forbidden(e: BaseModel) -> bool:
        for k, v in c.forbid.items():
            seen = str(getattr(e, k))
            if k == "status" and c.closed_needs_evidence and seen == "closed":
                continue
            if seen != v:
                return False
        return True

    return [e for e in entries if forbidden(e)]


def _register_actors(c: RegisterCriterion, record: Record, rules: Rules) -> list[Actor]:
    keeper = REGISTER_ROLES.get(c.register_path, AREA_ROLES[c.area])
    if c.register_path not in REGISTER_OWNERS:
        return [role_actor(record, keeper, rules)]
    role, owner_field = REGISTER_OWNERS[c.register_path]
    entries = get_field(record, c.register_path)
    # By identity: two entries written alike are still two entries.
    failing = {id(e) for e in _failing_entries(c, entries, rules)}
    actors: dict[str, Actor] = {}
    for index, e in enumerate(entries):
        if id(e) in failing:
            actor = Actor(role, _named(getattr(e, owner_field), rules),
                          f"{c.register_path}[{index}].{owner_field}")  # fmt: skip
            actors.setdefault(actor.key, actor)
    # Too few entries, or none failing by name: the register's keeper acts.
    return list(actors.values()) or [role_actor(record, keeper, rules)]


def _prefix_role(paths: Iterable[str]) -> str | None:
    for path in paths:
        matches = [p for p in FIELD_ROLES if path == p or path.startswith(f"{p}.")]
        if matches:
            return FIELD_ROLES[max(matches, key=len)]
    return None


def _source_owners(record: Record, rules: Rules) -> list[Actor]:
    actors: dict[str, Actor] = {}
    for i, s in enumerate(record.data.sources):
        actor = Actor("data_source_owner", _named(s.owner, rules), f"data.sources[{i}].owner")
        actors.setdefault(actor.key, actor)
    return list(actors.values()) or [role_actor(record, "business_owner", rules)]


def actors_for(c: Criterion, record: Record, rules: Rules) -> list[Actor]:
    """Who must act so that ``c`` is met (never empty)."""
    if isinstance(c, SignoffCriterion):
        return [role_actor(record, c.role, rules)]
    if isinstance(c, RegisterCriterion):
        return _register_actors(c, record, rules)
    role: str | None = None
    if isinstance(c, FieldCriterion):
        role = _prefix_role(c.fields)
    elif isinstance(c, EvidenceCriterion):
        role = EVIDENCE_ROLES.get(c.evidence)
    elif isinstance(c, ThresholdCriterion):
        role = MEASURE_ROLES.get(c.measure)
    if role == "data_source_owner":
        return _source_owners(record, rules)
    return [role_actor(record, role or AREA_ROLES.get(c.area, "business_owner"), rules)]
