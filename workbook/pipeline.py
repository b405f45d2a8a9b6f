"""From paths on disk to assessments: discover, load, find evidence, assess."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import RecordError, WorkbookError
from workbook.evidence import find_evidence
from workbook.model.assess import Assessment, assess
from workbook.model.catalogue import Catalogue
from workbook.model.records import load_record
from workbook.model.validation import validate_record
from workbook.model.yamlio import shown

RECORD_SUFFIXES = (".yaml", ".yml")


def display_path(path: Path) -> str:
    """A path fit for a shared report: relative to the working folder, else just the name.

    A path climbing out of the working folder (``../../tmp/...``) would sketch
    the author's disk in a shared file, so it is reduced to the file name.
    """
    try:
        relative = Path(os.path.relpath(path.resolve(), Path.cwd()))
    except ValueError:  # another drive on Windows
        return path.name
    return path.name if relative.parts[:1] == ("..",) else relative.as_posix()


#: Folders below a portfolio folder that hold evidence, not records.
EVIDENCE_FOLDER = "evidence"


def discover(paths: Iterable[Path]) -> list[Path]:
    """Record files named directly, or found below folders.

    Hidden and ``_``-prefixed files and folders are skipped, and so are folders
    named ``evidence``, where YAML files are evidence (config snapshots), not records.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix in RECORD_SUFFIXES
                and (p.is_file() or p.is_symlink())
                and not any(
                    part.startswith((".", "_")) or part == EVIDENCE_FOLDER
                    for part in p.relative_to(path).parts[:-1]
                )
                and not p.name.startswith((".", "_"))
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def assess_file(path: Path, catalogue: Catalogue, as_of: dt.date | None = None) -> Assessment:
    """Load, validate (`validate_record`, as a form's save does) and assess one record file."""
    record = validate_record(load_record(path), catalogue, path)
    evidence = find_evidence(record, path.parent)
    return assess(record, catalogue, as_of or dt.date.today(), evidence)


@dataclass(frozen=True)
class Checked:
    path: Path
    assessment: Assessment | None = None
    error: WorkbookError | None = None


def check_paths(
    paths: Iterable[Path], catalogue: Catalogue, as_of: dt.date | None = None
) -> list[Checked]:
    """Assess every record found; invalid ones carry their error instead of stopping the rest."""
    out: list[Checked] = []
    seen: dict[str, Path] = {}
    for path in discover(paths):
        try:
            result = assess_file(path, catalogue, as_of)
            if result.id in seen:
                raise RecordError(
                    f"id {shown(result.id)} is already used by {seen[result.id]}",
                    path=path,
                    field="id",
                    expected="an id unique in the portfolio",
                )
            seen[result.id] = path
            out.append(Checked(path, assessment=result))
        except WorkbookError as exc:
            out.append(Checked(path, error=exc))
    return out
