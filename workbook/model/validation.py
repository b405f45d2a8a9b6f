"""What makes a record valid for a catalogue: the schema, then the catalogue's criterion ids.

`validate_record` is the one check between a record's data and everything that uses it:
`workbook check` (through ``pipeline.assess_file``) and a form's save (through
``RecordFile.save``) both call it, so a save can never write a record that check refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbook.errors import RecordError
from workbook.model.catalogue import Catalogue
from workbook.model.records import NotApplicable, Record, Waiver, parse_record
from workbook.model.yamlio import shown


def check_references(record: Record, catalogue: Catalogue, path: Path | str) -> None:
    """Waivers and not-applicable entries must name criteria the catalogue has."""
    references: list[tuple[str, Sequence[Waiver | NotApplicable]]] = [
        ("waivers", record.waivers),
        ("not_applicable", record.not_applicable),
    ]
    for section, entries in references:
        for i, entry in enumerate(entries):
            if catalogue.by_id(entry.criterion) is None:
                raise RecordError(
                    f"unknown criterion {shown(entry.criterion)}",
                    path=path,
                    field=f"{section}[{i}].criterion",
                    expected=f"a criterion id of the catalogue '{catalogue.name}'",
                )


def validate_record(
    data: dict[str, Any] | Record,
    catalogue: Catalogue,
    path: Path | str,
    text: str | None = None,
) -> Record:
    """The record ``data`` holds, valid by the schema and for ``catalogue``; else RecordError.

    ``data`` is a parsed mapping (validated here) or a Record already validated by the
    schema; ``text``, the YAML it was parsed from, lets an error quote values as typed.
    """
    record = data if isinstance(data, Record) else parse_record(data, path, text)
    check_references(record, catalogue, path)
    return record
