"""What makes a record valid for a catalogue: the schema, then the catalogue's criterion ids.

`validate_record` is the one check between a record's data and everything that uses it:
`workbook check` (through ``pipeline.assess_file``) and a form's save (through
``RecordFile.save``) both call it, so a save can never write a record that check refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbook.errors import RecordError, RecordProblems, raise_all
from workbook.model.catalogue import Catalogue
from workbook.model.records import Record, parse_record
from workbook.model.yamlio import shown


def _entries(data: dict[str, Any] | Record, section: str) -> list[tuple[int, object]]:
    """(index, criterion) of a waiver or not-applicable list, read before the schema passes."""
    if isinstance(data, Record):
        return list(enumerate(e.criterion for e in getattr(data, section)))
    entries = data.get(section)
    if not isinstance(entries, list):
        return []
    return [(i, e.get("criterion")) for i, e in enumerate(entries) if isinstance(e, dict)]


def reference_problems(
    data: dict[str, Any] | Record, catalogue: Catalogue, path: Path | str
) -> list[RecordError]:
    """Waivers and not-applicable entries that name a criterion the catalogue lacks.

    Read from the data as given, so a record with a schema problem too gets both
    reported in one run.
    """
    found = []
    for section in ("waivers", "not_applicable"):
        for i, criterion in _entries(data, section):
            if isinstance(criterion, str) and catalogue.by_id(criterion) is None:
                found.append(
                    RecordError(
                        f"unknown criterion {shown(criterion)}",
                        path=path,
                        field=f"{section}[{i}].criterion",
                        expected=f"a criterion id of the catalogue '{catalogue.name}'",
                    )
                )
    return found


def check_references(record: Record, catalogue: Catalogue, path: Path | str) -> None:
    """Waivers and not-applicable entries must name criteria the catalogue has."""
    raise_all(reference_problems(record, catalogue, path))


def validate_record(
    data: dict[str, Any] | Record,
    catalogue: Catalogue,
    path: Path | str,
    text: str | None = None,
) -> Record:
    """The record ``data`` holds, valid by the schema and for ``catalogue``; else RecordError.

    ``data`` is a parsed mapping (validated here) or a Record already validated by the
    schema; ``text``, the YAML it was parsed from, lets an error quote values as typed.
    Every problem is reported at once (RecordProblems when there are several): the schema's
    and the catalogue references'. A wrong schema version is reported alone: nothing else
    can be judged against a schema the file is not written for.
    """
    if isinstance(data, Record):
        record = data
    else:
        try:
            record = parse_record(data, path, text)
        except RecordError as exc:
            if exc.field == "schema_version":
                raise
            found = list(exc.problems) if isinstance(exc, RecordProblems) else [exc]
            raise_all([*found, *reference_problems(data, catalogue, path)])
            raise  # pragma: no cover - raise_all raised: there is at least one problem
    check_references(record, catalogue, path)
    return record
