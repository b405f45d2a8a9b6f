"""Editing a record file the way a careful person would: change only what changed.

The analyst's comments, key order and formatting survive a save; only the
values that differ are rewritten, and new keys are added in schema order.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from workbook.errors import RecordError
from workbook.files import atomic_write_text, editable_target
from workbook.model.catalogue import Catalogue
from workbook.model.records import WHAT, Record, parse_record
from workbook.model.validation import validate_record
from workbook.model.yamlio import (
    dump_edited,
    load_for_editing,
    parse_mapping,
    read_text,
)


def fingerprint(text: str) -> str:
    """The SHA-256 of ``text``: what the form loaded, to notice a change on disk."""
    return hashlib.sha256(text.encode()).hexdigest()


def plain(value: Any) -> Any:
    """ruamel containers and scalars as plain Python, for comparing with form values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return str(value)
    return value


def _empty(value: Any) -> bool:
    # False is every optional flag's default: an absent key already means it.
    return value is None or value is False or value == [] or value == {} or value == ""


def _blank(value: Any) -> bool:
    # Unanswered. Not False: `logged: false` is an answer (and a required one).
    return value is None or value == [] or value == {} or value == ""


def _strip(annotation: Any) -> Any:
    """The type under Optional[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _shape(annotation: Any) -> Any:
    """What a value of this type holds: a model, ("items", shape) for a list or a mapping."""
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return ("items", _shape(typing.get_args(annotation)[-1]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _field_shape(shape: Any, key: str) -> Any:
    """The shape of ``key`` inside a value of ``shape``."""
    if isinstance(shape, tuple):
        return shape[1]
    if isinstance(shape, type) and issubclass(shape, BaseModel) and key in shape.model_fields:
        return _shape(shape.model_fields[key].annotation)
    return None


def _default(shape: Any, key: str, value: Any) -> bool:
    """The value is the model's default for an optional field: absent already means it."""
    if not (isinstance(shape, type) and issubclass(shape, BaseModel) and key in shape.model_fields):
        return False
    info = shape.model_fields[key]
    return not info.is_required() and info.get_default(call_default_factory=True) == value


def _to_yaml(value: Any, shape: Any = None) -> Any:
    """A new value as YAML nodes; unanswered keys and defaults are left out, never ``null``."""
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            if not _blank(v) and not _default(shape, k, v):
                node = _to_yaml(v, _field_shape(shape, k))
                if not _blank(node):
                    out[k] = node
        return out
    if isinstance(value, list):
        return CommentedSeq([_to_yaml(v, _field_shape(shape, "")) for v in value])
    return value


def merge(node: dict[str, Any], key: str, value: Any, shape: Any = Record) -> None:
    """Set ``node[key]`` to ``value`` touching only what differs (comments stay put).

    ``shape``: the model ``node`` is a value of, so new keys leave out its defaults.
    """
    inner = _field_shape(shape, key)
    if key not in node:
        new = _to_yaml(value, inner)
        if not _empty(new) and not _default(shape, key, value):
            node[key] = new
        return
    old = node[key]
    if plain(old) == value:
        return
    if _blank(value):
        # Cleared in the form: the key goes, rather than a `null` or `[]` left behind.
        del node[key]
        return
    if isinstance(old, dict) and isinstance(value, dict):
        for k, v in value.items():
            merge(old, k, v, inner)
        for k in [k for k in old if k not in value]:
            del old[k]
        return
    if isinstance(old, list) and isinstance(value, list) and len(old) == len(value):
        row = _field_shape(inner, "")
        for i, v in enumerate(value):
            if isinstance(old[i], dict) and isinstance(v, dict):
                for k, item in v.items():
                    merge(old[i], k, item, row)
                for k in [k for k in old[i] if k not in v]:
                    del old[i][k]
            elif plain(old[i]) != v:
                old[i] = _to_yaml(v, row)
        return
    node[key] = _to_yaml(value, inner)


class RecordFile:
    """A record file opened for editing: its text, its parsed record, and its fingerprint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reload()

    def reload(self) -> None:
        """Read the file once: the text, its fingerprint and the record all come from it."""
        self.text = read_text(self.path, RecordError, WHAT)
        self.loaded = fingerprint(self.text)
        self.data = parse_mapping(self.text, self.path, RecordError, WHAT)
        # The schema only: a form must open a record whose waiver names a criterion the
        # catalogue lacks, so that the analyst can correct it; saving checks it all.
        self.record: Record = parse_record(self.data, self.path, self.text)

    def changed_on_disk(self) -> str | None:
        """A unified diff of what changed on disk since loading, or None if nothing did."""
        try:
            # Decoded as `read_text` does, so a byte-order mark is not taken for a change.
            now = self.path.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            return f"the file can no longer be read: {exc.strerror}"
        if fingerprint(now) == self.loaded:
            return None
        diff = difflib.unified_diff(
            self.text.splitlines(keepends=True),
            now.splitlines(keepends=True),
            fromfile="when the form loaded it",
            tofile="on disk now",
        )
        return "".join(diff) or "the file changed on disk"

    def render(self, changes: dict[str, Any]) -> str:
        """The file's text with top-level ``changes`` applied, comments preserved."""
        doc = load_for_editing(self.text)
        for key, value in changes.items():
            merge(doc, key, value)
        return dump_edited(doc)

    def candidate(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The record data as it would be after ``changes`` (for validation before saving)."""
        data = {k: v for k, v in self.data.items()}
        data.update(changes)
        return data

    def save(self, changes: dict[str, Any], catalogue: Catalogue) -> Record:
        """Refuse on a conflicting change on disk; validate the new text; write it atomically.

        The text about to be written is read by `parse_mapping`, the function every
        later read uses, and checked by `validate_record` against ``catalogue``, as
        `workbook check` checks it; only then is the file replaced, so a refused save
        leaves it byte for byte as it was, with the line check would have printed.

        A record that is a symbolic link stays one: the file it points to is replaced
        (atomically), if it lies in the link's folder; a link out of it is refused
        (``files.editable_target``). A write that fails (a read-only folder, a full disk)
        is one line naming the file; the old file is intact.
        """
        if self.changed_on_disk() is not None:
            raise RecordError(
                "changed on disk since it was loaded; reload before saving",
                path=self.path,
            )
        text = self.render(changes)
        data = parse_mapping(text, self.path, RecordError, WHAT)
        record = validate_record(data, catalogue, self.path, text)
        atomic_write_text(editable_target(self.path), text)
        # The file now holds exactly this text: no need to read and parse it again.
        self.text, self.loaded, self.data, self.record = text, fingerprint(text), data, record
        return record
