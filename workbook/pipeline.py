"""From paths on disk to assessments: discover, load, find evidence, assess, hold to history.

Several records checked together are loaded first, so that an evidence file cited by
more than one initiative is known to each (``Findings.shared``) before any is assessed.
With a ledger, each assessment is compared with the catalogue of its earlier one
(``model.goalposts``), and a record that pins a catalogue is held to it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import CatalogueError, RecordError, WorkbookError
from workbook.evidence import Findings, cache, find_evidence
from workbook.ledger import Ledger, StoredCatalogue
from workbook.model.assess import Assessment, assess
from workbook.model.catalogue import DEFAULT_CATALOGUE, Catalogue, load_catalogue
from workbook.model.goalposts import (
    catalogue_from_body,
    held_to_pin,
    pin_missing,
    shifts,
    with_shifts,
)
from workbook.model.records import WHAT, Record
from workbook.model.validation import validate_record
from workbook.model.yamlio import parse_mapping, read_text, shown
from workbook.where import shown_from

RECORD_SUFFIXES = (".yaml", ".yml")


def display_path(path: Path) -> str:
    """A path fit for a shared report: relative to the working folder, else just the name.

    A path climbing out of the working folder (``../../tmp/...``) would sketch
    the author's disk in a shared file, so it is reduced to the file name.
    """
    try:
        relative = Path(os.path.relpath(path.resolve(), shown_from()))
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


def _load(path: Path, catalogue: Catalogue) -> tuple[Record, Findings]:
    """Load and validate a record (as a form's save does); find its evidence."""
    # From the mapping, not a loaded Record: the schema's problems and the catalogue's
    # are reported together, in one run.
    text = read_text(path, RecordError, WHAT)
    kept = cache.record(text)  # the same text validated by an earlier run: no YAML parse
    if kept is not None:
        record = validate_record(kept, catalogue, path, text)
    else:
        record = validate_record(
            parse_mapping(text, path, RecordError, WHAT), catalogue, path, text
        )
        cache.keep_record(text, record)
    return record, find_evidence(record, path.parent)


class History:
    """Where an assessment's history is looked up: earlier catalogues and pinned ones.

    ``ledger``: the batch ledger (earlier assessments and the catalogues they used);
    ``gates``: the catalogue file in use, whose folder (beside the shipped catalogues)
    is searched for a pinned catalogue the ledger does not hold.
    """

    def __init__(self, ledger: Ledger | None = None, gates: Path | None = None) -> None:
        self.ledger, self.gates = ledger, gates
        self._files: list[tuple[str, Catalogue]] | None = None

    def hold(self, a: Assessment, catalogue: Catalogue) -> Assessment:
        """``a`` with what the catalogue's history says: goalpost shifts, its pin applied."""
        fingerprint = catalogue.fingerprint()
        if self.ledger is not None:
            earlier = self.ledger.earlier_catalogue(a.id, fingerprint)
            if earlier is not None:
                row, stored = earlier
                other = self._rebuilt(stored)
                if other is not None:
                    found = shifts(a, catalogue, other, fingerprint=stored.fingerprint,
                                   since=row.as_of)  # fmt: skip
                    a = with_shifts(a, found)
        pin = a.record.catalogue_pin
        if pin is None or fingerprint.startswith(pin):
            return a
        pinned = self.pinned(pin)
        if pinned is None:
            return pin_missing(a)
        fp, since, other = pinned
        return held_to_pin(a, catalogue, other, fingerprint=fp, since=since)

    def _rebuilt(self, stored: StoredCatalogue) -> Catalogue | None:
        try:
            return catalogue_from_body(stored.body, f"catalogue {stored.fingerprint[:12]}")
        except CatalogueError:
            return None  # stored by a workbook whose catalogues this one cannot read

    def pinned(self, pin: str) -> tuple[str, str | None, Catalogue] | None:
        """The catalogue whose fingerprint starts with ``pin``: (fingerprint, since, it)."""
        if self.ledger is not None:
            stored = self.ledger.catalogues(pin)
            if len(stored) == 1 and (other := self._rebuilt(stored[0])) is not None:
                return stored[0].fingerprint, stored[0].first_seen[:10], other
        matches = [(fp, c) for fp, c in self._catalogue_files() if fp.startswith(pin)]
        if len({fp for fp, _ in matches}) == 1:
            return matches[0][0], None, matches[0][1]
        return None

    def _catalogue_files(self) -> list[tuple[str, Catalogue]]:
        if self._files is None:
            folders = [DEFAULT_CATALOGUE.parent]
            if self.gates is not None:
                folders.append(self.gates.parent)
            files = sorted({p for f in folders for s in RECORD_SUFFIXES for p in f.glob(f"*{s}")})
            self._files = []
            for path in files:
                try:
                    c = load_catalogue(path)
                except WorkbookError:
                    continue  # not a catalogue: nothing to pin to
                self._files.append((c.fingerprint(), c))
        return self._files


#: Per evidence file (sha256): the other initiatives that cite it too.
Shared = Mapping[str, Sequence[str]]


def assess_file(
    path: Path,
    catalogue: Catalogue,
    as_of: dt.date | None = None,
    history: History | None = None,
    shared: Shared | None = None,
) -> Assessment:
    """Load, validate and assess one record file (with its ``history``, when given).

    ``shared``: what ``check_paths`` found for this record among the others of its run
    (``shared_evidence``), so that one record assessed alone (a dossier) is judged as
    the run judged it.
    """
    record, evidence = _load(path, catalogue)
    mine = {f.sha256 for f in evidence.items if f.sha256}
    cited = {sha: tuple(ids) for sha, ids in (shared or {}).items() if sha in mine and ids}
    if cited:
        evidence = dataclasses.replace(evidence, shared=cited)
    a = assess(record, catalogue, as_of or dt.date.today(), evidence)
    return history.hold(a, catalogue) if history is not None else a


@dataclass(frozen=True)
class Checked:
    path: Path
    assessment: Assessment | None = None
    error: WorkbookError | None = None


def shared_evidence(cited: dict[str, Findings]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Per initiative: each of its evidence files (by sha256) that other initiatives cite too."""
    by_file: dict[str, set[str]] = {}
    for rid, findings in cited.items():
        for f in findings.items:
            if f.sha256:
                by_file.setdefault(f.sha256, set()).add(rid)
    return {
        rid: {
            sha: tuple(sorted(by_file[sha] - {rid}))
            for sha in dict.fromkeys(f.sha256 for f in findings.items if f.sha256)
            if by_file[sha] - {rid}
        }
        for rid, findings in cited.items()
    }


def check_paths(
    paths: Iterable[Path],
    catalogue: Catalogue,
    as_of: dt.date | None = None,
    history: History | None = None,
) -> list[Checked]:
    """Assess every record found; invalid ones carry their error instead of stopping the rest.

    Every record is loaded and its evidence read first, so that a file cited by several
    initiatives is known to each of them (``Findings.shared``) before any is assessed.
    """
    when = as_of or dt.date.today()
    loaded: list[tuple[Path, Record, Findings] | Checked] = []
    seen: dict[str, Path] = {}
    for path in discover(paths):
        try:
            record, evidence = _load(path, catalogue)
            if record.id in seen:
                raise RecordError(
                    f"id {shown(record.id)} is already used by {seen[record.id]}",
                    path=path,
                    field="id",
                    expected="an id unique in the portfolio",
                )
            seen[record.id] = path
            loaded.append((path, record, evidence))
        except WorkbookError as exc:
            loaded.append(Checked(path, error=exc))
    shared = shared_evidence({r.id: e for x in loaded if not isinstance(x, Checked)
                              for _, r, e in [x]})  # fmt: skip
    out: list[Checked] = []
    for x in loaded:
        if isinstance(x, Checked):
            out.append(x)
            continue
        path, record, evidence = x
        if shared[record.id]:
            evidence = dataclasses.replace(evidence, shared=shared[record.id])
        try:
            a = assess(record, catalogue, when, evidence)
            out.append(Checked(path, assessment=history.hold(a, catalogue) if history else a))
        except WorkbookError as exc:
            out.append(Checked(path, error=exc))
    return out
