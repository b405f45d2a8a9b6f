"""Starting a new initiative record from the commented template."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from workbook.errors import RecordError, UsageError
from workbook.files import atomic_create_text
from workbook.model.records import STAGES, WHAT, Name, parse_record
from workbook.model.yamlio import (
    parse_mapping,
    plain_reads_as_text,
    shown,
)
from workbook.paths import TEMPLATES


def slugify(name: str) -> str:
    """An id from a display name: lower case, digits and dashes, at most 64 characters."""
    # NFKD splits accents off their letters, so "Ünïcode" becomes "unicode".
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64].rstrip("-")


def record_id(name: str) -> str:
    """The id a record named ``name`` gets, or one line saying why the name cannot be one."""
    if not name.strip() or any(ord(ch) < 32 for ch in name):
        raise UsageError(
            "the name is empty or holds control characters",
            field="NAME",
            expected="a plain display name",
        )
    try:
        TypeAdapter(Name).validate_python(name.strip())
    except ValidationError as exc:
        raise UsageError(
            exc.errors()[0]["msg"].removeprefix("Value error, "),
            field="NAME",
            expected="a plain display name of at most 200 characters",
        ) from None
    slug = slugify(name)
    if not slug:
        raise UsageError(
            f"cannot derive an id from {shown(name)}",
            field="NAME",
            expected="a name with letters or digits",
        )
    return slug


def create_record(name: str, folder: Path, stage: str = "prototype") -> Path:
    """Write ``folder/<id>.yaml`` from the template; never overwrites an existing file."""
    slug = record_id(name)
    if stage not in STAGES:
        raise UsageError(
            f"unknown stage {shown(stage)}", field="stage", expected=f"one of {', '.join(STAGES)}"
        )
    template = (TEMPLATES / "record.yaml").read_text(encoding="utf-8")
    # An id such as `2026` or `yes` is quoted, so every YAML reader takes it as text.
    ident = slug if plain_reads_as_text(slug) else json.dumps(slug)
    values = {"ID": ident, "NAME": json.dumps(name.strip(), ensure_ascii=False), "STAGE": stage}
    # One pass, so a name that itself contains __STAGE__ is not substituted again.
    text = re.sub(r"__(ID|NAME|STAGE)__", lambda m: values[m.group(1)], template)
    target = folder / f"{slug}.yaml"
    # Read back the way every later read will take it before anything is written, so
    # `new` never leaves a record that `workbook check` refuses.
    try:
        parse_record(parse_mapping(text, target, RecordError, WHAT), target, text)
    except RecordError as exc:
        raise UsageError(
            f"not written: {exc.problem}", path=target, field=exc.field, expected=exc.expected
        ) from None
    atomic_create_text(target, text)
    return target
