"""A three-way merge of record values by field path: two editors, one file, no lost edit.

A chapter form remembers the values it loaded (the base). When it saves, the file may
have changed since (another chapter saved, a colleague edited the YAML): every field
changed on one side only takes that side's value, and only a field both sides changed,
differently, is a conflict, with the three values to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Conflict:
    """A field both sides changed, differently."""

    path: str  # "trust.evaluation.method", "data.gaps[2].owner"
    base: Any  # when the form loaded
    mine: Any  # in the form
    theirs: Any  # on disk now


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _rows(*values: Any) -> bool:
    """Lists of the same length whose items are all mappings: merged row by row."""
    first = values[0]
    return all(
        isinstance(v, list) and len(v) == len(first) and all(isinstance(i, dict) for i in v)
        for v in values
    )


def three_way(base: Any, mine: Any, theirs: Any, path: str = "") -> tuple[Any, list[Conflict]]:
    """Merge ``mine`` and ``theirs``, both edited from ``base``; conflicts keep MINE.

    Mappings merge key by key (an absent key is None); lists of rows of one length on all
    three sides merge row by row; any other value changed on both sides, differently, is a
    Conflict.
    """
    if mine == theirs:
        return mine, []
    if mine == base:
        return theirs, []
    if theirs == base:
        return mine, []
    if isinstance(mine, dict) and isinstance(theirs, dict) and isinstance(base, dict | None):
        base = base or {}
        merged: dict[str, Any] = {}
        conflicts: list[Conflict] = []
        # Mine's key order first: the form's order is the schema's.
        for key in [*mine, *(k for k in theirs if k not in mine)]:
            value, found = three_way(
                base.get(key), mine.get(key), theirs.get(key), _join(path, key)
            )
            merged[key] = value
            conflicts += found
        return merged, conflicts
    if _rows(base, mine, theirs):
        items, conflicts = [], []
        for i, (b, m, t) in enumerate(zip(base, mine, theirs, strict=True)):
            value, found = three_way(b, m, t, f"{path}[{i}]")
            items.append(value)
            conflicts += found
        return items, conflicts
    return mine, [Conflict(path, base, mine, theirs)]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def steps(path: str) -> list[str | int]:
    """``data.gaps[2].owner`` -> ``["data", "gaps", 2, "owner"]``."""
    return [int(index) if index else key for key, index in _STEP.findall(path)]


def get(data: Any, path: str) -> Any:
    """The value at ``path`` (None where a key or row is absent)."""
    for step in steps(path):
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


def put(data: Any, path: str, value: Any) -> Any:
    """A copy of ``data`` with the value at ``path`` (as Conflict.path spells it) replaced."""
    route = steps(path)
    if not route:
        return value
    head, rest = (
        route[0],
        "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in route[1:]).lstrip("."),
    )
    if isinstance(head, int):
        items = list(data or [])
        items[head] = put(items[head], rest, value)
        return items
    mapping = dict(data or {})
    mapping[head] = put(mapping.get(head), rest, value)
    return mapping
