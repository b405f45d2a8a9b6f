"""Gate catalogues: the criteria an organisation holds its initiatives to, as data."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import workbook.model.kinds
import workbook.model.thresholds  # noqa: F401  (registers the threshold kind)
from workbook.errors import CatalogueError
from workbook.model.criteria import GATES, KINDS, Criterion, check_path, known_kinds
from workbook.model.records import (
    AREAS,
    EVIDENCE_KINDS,
    MAX_TEXT,
    ROLES,
    control_character,
    describe_error,
)
from workbook.model.rules import RULE_KEYS, Rules, SampleRule, sample_for
from workbook.model.yamlio import load_mapping, shown
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


#: Catalogue fields written as paragraphs: they may hold line breaks and tabs. Every
#: other text (names, ids, tags, keys, rules) is one line.
PROSE_FIELDS = frozenset({"description", "question", "rationale", "satisfied_by"})
#: The longest catalogue name, as the longest record name.
MAX_NAME = 200


def _key(key: object) -> str:
    """A mapping key as a field path names it: cut, whatever its type."""
    return shown(key if isinstance(key, str) else str(key), quoted=False)


def _texts(data: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """Every text in a catalogue, keys included: (field path, text, may span lines)."""
    stack: list[tuple[str, Any, bool]] = [(_key(k), v, k in PROSE_FIELDS) for k, v in data.items()]
    yield from ((_key(k), k, False) for k in data if isinstance(k, str))
    while stack:
        where, value, prose = stack.pop()
        if isinstance(value, str):
            yield where, value, prose
        elif isinstance(value, dict):
            for k, v in value.items():
                field = f"{where}.{_key(k)}"
                if isinstance(k, str):
                    yield field, k, False
                stack.append((field, v, k in PROSE_FIELDS))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v, False) for i, v in enumerate(value))


def _plain_texts(data: dict[str, Any], path: Path) -> None:
    """Refuse control and bidi characters, and over-long text, anywhere in a catalogue.

    A catalogue's text reaches terminals, dossiers and summaries: an escape sequence or
    a right-to-left override could disguise what a criterion asks.
    """
    for where, text, prose in _texts(data):
        name = control_character(text, one_line=not prose)
        if name is not None:
            raise CatalogueError(
                f"contains the control character {name}",
                path=path,
                field=where,
                expected="paragraphs of printable text"
                if prose
                else "one line of printable text (no line break or tab)",
            )
        if len(text) > MAX_TEXT:
            raise CatalogueError(
                f"text of {len(text):,} characters",
                path=path,
                field=where,
                expected=f"at most {MAX_TEXT:,} characters",
            )


def _expected(err: Any, expected: str | None) -> str | None:
    """What a field takes, from pydantic's message when the description has none."""
    msg = str(err.get("msg", ""))
    if expected is None and msg.startswith("Input should be "):
        return msg.removeprefix("Input should be ")
    return expected


def _criterion(raw: Any, where: str, path: Path) -> Criterion:
    if not isinstance(raw, dict):
        raise CatalogueError(
            f"got {shown(raw)}", path=path, field=where, expected="a criterion mapping"
        )
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        if kind is None:
            problem = "no criterion kind"
        elif isinstance(kind, str):
            problem = f"unknown criterion kind {shown(kind)}"
        else:  # a list or a mapping is no kind: never looked up, never quoted in full
            problem = f"got {shown(kind)}"
        raise CatalogueError(
            problem, path=path, field=f"{where}.kind", expected=f"one of {known_kinds()}"
        )
    try:
        return KINDS[kind].model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc, problem, expected = describe_error(first)
        expected = _expected(first, expected)
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
        first = exc.errors()[0]
        loc, problem, expected = describe_error(first, Rules)
        raise CatalogueError(
            problem, path=path, field=loc, expected=_expected(first, expected)
        ) from None
    for kind in [*rules.outcomes, *rules.min_sample, *rules.own_evidence]:
        if kind not in EVIDENCE_KINDS:
            where = next(
                k for k in ("outcomes", "min_sample", "own_evidence") if kind in getattr(rules, k)
            )
            raise CatalogueError(
                f"unknown evidence kind {shown(kind)}",
                path=path,
                field=f"{where}.{_key(kind)}" if where != "own_evidence" else where,
                expected=f"one of {', '.join(EVIDENCE_KINDS)}",
            )
    for role, field_path in rules.roles.items():
        if role not in ROLES:
            raise CatalogueError(
                f"unknown role {shown(role)}", path=path, field=f"roles.{_key(role)}",
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
    # Keys may be numbers or null in YAML: compared and named as text, never sorted as given.
    unknown = sorted(_key(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise CatalogueError(
            "unknown field",
            path=path,
            field=unknown[0],
            expected=f"one of {', '.join(sorted(_TOP_KEYS))}",
        )
    version = data.get("catalogue_version")
    if type(version) is not int or version != 1:  # true and 1.0 are no version numbers
        raise CatalogueError(
            "missing" if version is None else f"unsupported version {shown(version)}",
            path=path,
            field="catalogue_version",
            expected="1",
        )
    _plain_texts(data, path)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise CatalogueError(
            "missing or empty" if not name else f"got {shown(name)}",
            path=path,
            field="name",
            expected=f"a catalogue name of at most {MAX_NAME} characters",
        )
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise CatalogueError(
            f"got {shown(description)}",
            path=path,
            field="description",
            expected="text, or nothing",
        )
    fresh = data.get("freshness_days")
    fresh = {} if fresh is None else fresh
    if not isinstance(fresh, dict):
        raise CatalogueError(
            f"got {shown(fresh)}", path=path, field="freshness_days", expected="kind: days"
        )
    for kind, days in fresh.items():
        if kind not in EVIDENCE_KINDS:
            raise CatalogueError(
                f"unknown evidence kind {shown(kind)}",
                path=path,
                field=f"freshness_days.{_key(kind)}",
                expected=f"one of {', '.join(EVIDENCE_KINDS)}",
            )
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise CatalogueError(
                f"got {shown(days)}",
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
                field=f"shadow_production.{loc}" if loc != "(top level)" else "shadow_production",
                expected=expected or "min_daily_volume and min_days, whole numbers >= 1",
            ) from None
    raw = data.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise CatalogueError(
            "missing or empty" if not raw else f"got {shown(raw)}",
            path=path,
            field="criteria",
            expected="a list of criteria",
        )
    criteria = [_criterion(c, f"criteria[{i}]", path) for i, c in enumerate(raw)]
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        if c.id in seen:
            raise CatalogueError(
                f"duplicate criterion id {shown(c.id)}",
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
        description=description or "",
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


#: Catalogues read in this process, by file identity: a kernel kept for many dossiers
#: (or a batch) parses the same catalogue once, not once per record (0.17 s each).
_LOADED: dict[tuple[object, ...], Catalogue] = {}
#: A file written this recently may be written again within its clock's tick, keeping
#: its identity: it is read again next time.
_SETTLE_NS = 2_000_000_000


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load a gate catalogue (the default one when ``path`` is None)."""
    path = path or DEFAULT_CATALOGUE
    try:
        st = os.stat(path)
        key: tuple[object, ...] | None = (
            os.path.abspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            st.st_ctime_ns,
        )  # fmt: skip
        settled = time.time_ns() - st.st_mtime_ns > _SETTLE_NS
    except OSError:
        key, settled = None, False  # load_mapping says why, in one line
    if key is not None and key in _LOADED:
        return _LOADED[key]
    catalogue = parse_catalogue(load_mapping(path, CatalogueError, "gate catalogue"), path)
    if key is not None and settled:
        if len(_LOADED) >= 16:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = catalogue
    return catalogue
