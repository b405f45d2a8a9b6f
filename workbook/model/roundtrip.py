"""Editing a record file the way a careful person would: change only what changed.

The analyst's comments, key order and formatting survive a save; only the
values that differ are rewritten, and new keys are added in schema order.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from workbook.errors import RecordError
from workbook.model.records import Record, parse_record
from workbook.model.yamlio import atomic_write_text, load_mapping, read_text


def _yaml() -> YAML:
    y = YAML()  # round-trip mode: comments and order are kept
    y.preserve_quotes = True
    y.width = 1_000_000  # never re-wrap the analyst's lines
    y.indent(mapping=2, sequence=4, offset=2)
    # Write empty answers as `null`, as the template does, not as nothing.
    y.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


def fingerprint(text: str) -> str:
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


def _to_yaml(value: Any) -> Any:
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _to_yaml(v)
        return out
    if isinstance(value, list):
        return CommentedSeq([_to_yaml(v) for v in value])
    return value


def merge(node: CommentedMap, key: str, value: Any) -> None:
    """Set ``node[key]`` to ``value`` touching only what differs (comments stay put)."""
    if key not in node:
        if not _empty(value):
            node[key] = _to_yaml(value)
        return
    old = node[key]
    if plain(old) == value:
        return
    if isinstance(old, dict) and isinstance(value, dict):
        for k, v in value.items():
            merge(old, k, v)
        for k in [k for k in old if k not in value]:
            del old[k]
        return
    if isinstance(old, list) and isinstance(value, list) and len(old) == len(value):
        for i, v in enumerate(value):
            if isinstance(old[i], dict) and isinstance(v, dict):
                for k, item in v.items():
                    merge(old[i], k, item)
                for k in [k for k in old[i] if k not in v]:
                    del old[i][k]
            elif plain(old[i]) != v:
                old[i] = _to_yaml(v)
        return
    node[key] = _to_yaml(value)


class RecordFile:
    """A record file opened for editing: its text, its parsed record, and its fingerprint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reload()

    def reload(self) -> None:
        self.text = read_text(self.path, RecordError, "initiative record")
        self.loaded = fingerprint(self.text)
        self.data = load_mapping(self.path, RecordError, "initiative record")
        self.record: Record = parse_record(self.data, self.path)

    def changed_on_disk(self) -> str | None:
        """A unified diff of what changed on disk since loading, or None if nothing did."""
        try:
            now = self.path.read_text(encoding="utf-8")
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
        y = _yaml()
        doc = y.load(self.text)
        for key, value in changes.items():
            merge(doc, key, value)
        out = io.StringIO()
        y.dump(doc, out)
        return out.getvalue()

    def candidate(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The record data as it would be after ``changes`` (for validation before saving)."""
        data = {k: v for k, v in self.data.items()}
        data.update(changes)
        return data

    def save(self, changes: dict[str, Any]) -> Record:
        """Validate, refuse on a conflicting change on disk, then write atomically."""
        if self.changed_on_disk() is not None:
            raise RecordError(
                "changed on disk since it was loaded; reload before saving",
                path=self.path,
            )
        text = self.render(changes)
        written = Path(self.path)
        # What we write must read back as a valid record, comments and all.
        reread = _yaml().load(text)
        record = parse_record(plain(reread), written)
        atomic_write_text(written, text)
        self.reload()
        return record
