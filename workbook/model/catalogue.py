"""Gate catalogues: the criteria an organisation holds its initiatives to, as data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import workbook.model.kinds
import workbook.model.thresholds  # noqa: F401  (registers the threshold kind)
from workbook.errors import CatalogueError
from workbook.model.criteria import GATES, KINDS, Criterion, check_path, known_kinds
from workbook.model.records import AREAS, EVIDENCE_KINDS, ROLES, describe_error
from workbook.model.rules import RULE_KEYS, Rules, SampleRule, sample_for
from workbook.model.yamlio import load_mapping
from workbook.paths import TEMPLATES

DEFAULT_CATALOGUE = TEMPLATES / "gates" / "default.yaml"
_TOP_KEYS = {
    "catalogue_version",
    "name",
    "description",
    "freshness_days",
    "shadow_production",
    "criteria",
    *RULE_KEYS,
}


class ShadowRule(BaseModel):
    """When a prototype's logs look like production: enough requests on enough days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_daily_volume: int = Field(ge=1)
    min_days: int = Field(ge=1)


@dataclass(frozen=True)
class Catalogue:
    """A named, ordered set of criteria plus evidence freshness windows."""

    name: str
    criteria: tuple[Criterion, ...]
    freshness_days: dict[str, int] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    shadow_production: ShadowRule | None = None
    #: What counts as an answer, a sample, a limit: the rules beside the criteria.
    rules: Rules = field(default_factory=Rules)

    def __iter__(self) -> Iterator[Criterion]:
        return iter(self.criteria)

    def by_id(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def for_gate(self, gate: str) -> list[Criterion]:
        return [c for c in self.criteria if c.gate == gate]

    def to_dict(self) -> dict[str, Any]:
        return {
            "catalogue_version": 1,
            "name": self.name,
            "description": self.description,
            "freshness_days": dict(sorted(self.freshness_days.items())),
            "shadow_production": self._shadow(),
            **self.rules.judging(),
            "criteria": [c.model_dump(mode="json", by_alias=True) for c in self.criteria],
        }

    def _shadow(self) -> dict[str, int] | None:
        return self.shadow_production.model_dump() if self.shadow_production else None

    def fingerprint(self) -> str:
        """Hash of what decides verdicts: criteria rules and freshness, not wording or location.

        Rewording a rationale must not void every sign-off in the portfolio.
        """
        judged: dict[str, Any] = {
            "freshness_days": dict(sorted(self.freshness_days.items())),
            "criteria": [c.judging_fields() for c in self.criteria],
            "rules": self.rules.judging(),
        }
        if self.shadow_production is not None:
            judged["shadow_production"] = self._shadow()
        text = json.dumps(judged, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def _criterion(raw: Any, where: str, path: Path) -> Criterion:
    if not isinstance(raw, dict):
        raise CatalogueError(
            "not a mapping", path=path, field=where, expected="a criterion mapping"
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CatalogueError(
            f"unknown criterion kind {kind!r}" if kind is not None else "no criterion kind",
            path=path,
            field=f"{where}.kind",
            expected=f"one of {known_kinds()}",
        )
    try:
        return KINDS[kind].model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc, problem, expected = describe_error(first)
        if first["type"] == "extra_forbidden":
            fields = KINDS[kind].model_fields
            keys = [f.alias or name for name, f in fields.items()]
            expected = f"a key of a {kind} criterion: {', '.join(keys)}"
        raise CatalogueError(
            problem, path=path, field=f"{where}.{loc}", expected=expected
        ) from None


def _merged(default: Any, given: Any) -> Any:
    """``given`` over ``default``, mapping by mapping: what is left out keeps its default.

    A catalogue that sets only ``min_sample.log_sample.records`` keeps the default time span;
    a rule is relaxed only where the catalogue says so (and its fingerprint shows it).
    """
    if isinstance(default, dict) and isinstance(given, dict):
        return {**default, **{k: _merged(default.get(k), v) for k, v in given.items()}}
    return given


def _rules(data: dict[str, Any], path: Path) -> Rules:
    given = {k: data[k] for k in RULE_KEYS if k in data}
    try:
        rules = Rules.model_validate(_merged(Rules().model_dump(), given))
    except ValidationError as exc:
        loc, problem, expected = describe_error(exc.errors()[0], Rules)
        raise CatalogueError(problem, path=path, field=loc, expected=expected) from None
    for kind in [*rules.outcomes, *rules.min_sample, *rules.own_evidence]:
        if kind not in EVIDENCE_KINDS:
            where = next(
                k for k in ("outcomes", "min_sample", "own_evidence") if kind in getattr(rules, k)
            )
            raise CatalogueError(
                f"unknown evidence kind {kind!r}",
                path=path,
                field=f"{where}.{kind}" if where != "own_evidence" else where,
                expected=f"one of {', '.join(EVIDENCE_KINDS)}",
            )
    for role, field_path in rules.roles.items():
        if role not in ROLES:
            raise CatalogueError(
                f"unknown role {role!r}", path=path, field=f"roles.{role}",
                expected=f"one of {', '.join(ROLES)}",
            )  # fmt: skip
        try:
            check_path(field_path)
        except ValueError as exc:
            raise CatalogueError(
                str(exc),
                path=path,
                field=f"roles.{role}",
                expected="a record field naming a person",
            ) from None
    return rules


def parse_catalogue(data: dict[str, Any], path: Path) -> Catalogue:
    """Validate a catalogue mapping; every problem names the criterion and field."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise CatalogueError(
            "unknown field",
            path=path,
            field=unknown[0],
            expected=f"one of {', '.join(sorted(_TOP_KEYS))}",
        )
    if data.get("catalogue_version") != 1:
        raise CatalogueError(
            f"unsupported version {data.get('catalogue_version')!r}",
            path=path,
            field="catalogue_version",
            expected="1",
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError(
            "missing or empty", path=path, field="name", expected="a catalogue name"
        )
    fresh = data.get("freshness_days") or {}
    if not isinstance(fresh, dict):
        raise CatalogueError(
            "not a mapping", path=path, field="freshness_days", expected="kind: days"
        )
    for kind, days in fresh.items():
        if kind not in EVIDENCE_KINDS:
            raise CatalogueError(
                f"unknown evidence kind {kind!r}",
                path=path,
                field=f"freshness_days.{kind}",
                expected=f"one of {', '.join(EVIDENCE_KINDS)}",
            )
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise CatalogueError(
                f"got {days!r}",
                path=path,
                field=f"freshness_days.{kind}",
                expected="a whole number of days >= 1",
            )
    shadow = None
    if data.get("shadow_production") is not None:
        try:
            shadow = ShadowRule.model_validate(data["shadow_production"])
        except ValidationError as exc:
            loc, problem, expected = describe_error(exc.errors()[0], ShadowRule)
            raise CatalogueError(
                problem,
                path=path,
                field=f"shadow_production.{loc}" if loc else "shadow_production",
                expected=expected or "min_daily_volume and min_days, whole numbers >= 1",
            ) from None
    raw = data.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise CatalogueError(
            "missing or empty", path=path, field="criteria", expected="a list of criteria"
        )
    criteria = [_criterion(c, f"criteria[{i}]", path) for i, c in enumerate(raw)]
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        if c.id in seen:
            raise CatalogueError(
                f"duplicate criterion id {c.id!r}",
                path=path,
                field=f"criteria[{i}].id",
                expected="unique ids",
            )
        seen.add(c.id)
    # Present criteria gate by gate, then area by area, whatever order the file uses.
    criteria.sort(key=lambda c: (GATES.index(c.gate), AREAS.index(c.area)))
    rules = _rules(data, path)
    return Catalogue(
        name=name.strip(),
        criteria=tuple(_resolved_sample(c, rules) for c in criteria),
        freshness_days=dict(fresh),
        description=str(data.get("description") or ""),
        source=path.name,
        shadow_production=shadow,
        rules=rules,
    )


def _resolved_sample(criterion: Criterion, rules: Rules) -> Criterion:
    """The criterion with its ``min_sample`` override spelled out in full.

    A criterion's ``min_sample`` overrides only the fields it names (``sample_for``); the
    rest come from the catalogue's ``min_sample`` for its evidence kind. Stored as given,
    the fields left out would read as their model defaults when written out (``to_dict``,
    the fingerprint): ``{records: 100}`` would come back as ``span_days: 1`` overriding the
    catalogue's 7. Spelled out, what is written is what judges, and it reads back the same.
    """
    override = getattr(criterion, "min_sample", None)
    kind = getattr(criterion, "evidence", None)
    if override is None or kind is None:
        return criterion
    effective = sample_for(rules, kind, override)
    assert effective is not None  # an override always gives a rule
    full = SampleRule(**effective.model_dump())  # every field set: all of it overrides
    return criterion.model_copy(update={"min_sample": full})


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load a gate catalogue (the default one when ``path`` is None)."""
    path = path or DEFAULT_CATALOGUE
    return parse_catalogue(load_mapping(path, CatalogueError, "gate catalogue"), path)
