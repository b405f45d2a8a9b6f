"""Evidence files cited by a record: found, readable, fingerprinted and measured.

Log samples, data extracts and evaluation results are opened and measured by
their inspectors (``logs``, ``extracts``, ``evals``); documents (notices,
policies, reports, dashboards) are checked to be what their ending says, and
text ones have their words counted (``documents``). A file that cannot be
measured, or holds no document, is unreadable, with the reason.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.errors import Unreadable
from workbook.evidence import engine
from workbook.model.records import EvidenceItem, Record


@dataclass(frozen=True)
class EvidenceFinding:
    """What was found for one cited evidence item."""

    item: EvidenceItem
    readable: bool
    reason: str | None = None
    sha256: str | None = None
    #: What the inspector measured (LogMeasures, ExtractMeasures, EvalMeasures), if any.
    measured: Any = None


@dataclass(frozen=True)
class Findings:
    """All evidence findings for one record."""

    items: tuple[EvidenceFinding, ...] = ()
    #: Per file digest: the other initiatives that cite the same bytes (filled by the
    #: pipeline when it checks several records; a pure assessment only reads it).
    shared: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def shared_with(self, finding: EvidenceFinding) -> tuple[str, ...]:
        """The other initiatives citing the very file ``finding`` is."""
        return self.shared.get(finding.sha256 or "", ())

    def of_kind(self, kind: str) -> list[EvidenceFinding]:
        return [f for f in self.items if f.item.kind == kind]


#: A file's identity while it is read: device, inode, size, modification time (ns).
Identity = tuple[int, int, int, int]
CHANGED = "changed while it was read"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _identity(fd: int) -> Identity:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _refusal(exc: OSError, dir_fd: int, name: str, shown: str, folder: bool) -> Unreadable:
    """Why ``name`` (in the folder ``dir_fd``) could not be opened, in the reader's words."""
    try:
        is_link = stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        is_link = False
    if is_link:
        where = f"folder '{shown}'" if folder else "the file"
        return Unreadable(f"{where} is a symbolic link; cite the file itself")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Unreadable("file not found")
    if exc.errno == errno.EISDIR:
        return Unreadable("not a regular file")
    return Unreadable(f"cannot read: {exc.strerror}")


def open_cited(base_dir: Path, cited: str) -> int:
    """A descriptor for the cited file, opened once: the file hashed is the file measured.

    Every folder on the way is opened from the record's folder without following a
    link, so neither ``..`` nor a symbolic link (at the file or any folder above it) can
    lead elsewhere, and a link swapped in after a check is never read. Raises
    ``Unreadable`` with the reason.
    """
    parts: list[str] = []
    for part in Path(cited).parts:
        if part == "..":
            if not parts:
                raise Unreadable("path leaves the record's folder")
            parts.pop()
        elif part != ".":
            parts.append(part)
    if not parts or Path(cited).is_absolute():
        raise Unreadable("path leaves the record's folder" if parts else "not a regular file")
    try:
        dir_fd = os.open(base_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise Unreadable("file not found") from None
    try:
        for depth, part in enumerate(parts[:-1], start=1):
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                raise _refusal(exc, dir_fd, part, "/".join(parts[:depth]), True) from None
            os.close(dir_fd)
            dir_fd = inner
        try:
            return engine.open_regular(Path(parts[-1]), dir_fd=dir_fd)
        except OSError as exc:
            raise _refusal(exc, dir_fd, parts[-1], cited, False) from None
    finally:
        os.close(dir_fd)


def _digest(fd: int) -> str:
    """SHA-256 of the open file's bytes, read from its start."""
    with open(fd, "rb", closefd=False) as f:
        f.seek(0)
        digest = hashlib.file_digest(f, hashlib.sha256).hexdigest()
        f.seek(0)  # where a /dev/fd reader sharing the offset expects it
    return digest


def finding_dict(f: EvidenceFinding, as_of: Any) -> dict[str, Any]:
    """One finding as JSON-able data (``workbook check --json``)."""
    from workbook.evidence import documents, evals, extracts, logs

    m = f.measured
    shown: Any = None
    if isinstance(m, documents.DocumentMeasures):
        shown = {"format": m.format, "words": m.words}
    if isinstance(m, logs.LogMeasures):
        shown = logs.as_dict(m)
    elif isinstance(m, evals.EvalMeasures):
        shown = {
            "rule": m.rule,
            **{k: v for k, v in evals.as_dict(m.overall).items() if k != "slice"},
            "slices": [evals.as_dict(s) for s in m.slices],
        }
    elif isinstance(m, extracts.ExtractMeasures):
        shown = {
            "rows": m.rows,
            "expectations": [
                {"column": c.column, "expectation": c.expectation, "passed": c.passed,
                 "detail": c.detail}
                for c in m.results(as_of)
            ],
        }  # fmt: skip
        if m.unchecked:  # declared, yet not checked: listed, never counted as held
            shown["not_checked"] = [
                {"column": c.column, "expectation": c.expectation, "detail": c.detail}
                for c in m.unchecked
            ]
        if m.reported_by:  # checked by a tool (a validation result), not measured here
            shown["reported_by"] = m.reported_by
    return {
        "kind": f.item.kind,
        "location": f.item.location,
        "date": f.item.date.isoformat(),
        "readable": f.readable,
        "reason": f.reason,
        # The SHA-256 of the very bytes measured (None when unread or changed while read).
        "sha256": f.sha256,
        "measured": shown,
    }


def measure(item: EvidenceItem, path: Path | engine.Source, suite: Any = None) -> Any:
    """The inspector's measurements for a file of a measured or document kind, else None.

    ``suite``: the data extract's suite file, already read (``suites.load_cited``).
    Raises ``engine.Unreadable`` when the file cannot be measured.
    """
    from workbook.evidence import documents, evals, extracts, logs

    fmt, records = item.format or "auto", item.records
    if item.kind == "log_sample":
        return logs.inspect_log(path, item.mapping, declared=fmt, records=records)
    if item.kind == "data_extract":
        cited = item.expectations.suite if item.expectations else None
        if cited and (suite is None or suite.cited != cited):
            # Never measured as if the suite declared nothing.
            raise Unreadable(f"suite {cited}: not read; measure through find_evidence")
        return extracts.inspect_extract(
            path, item.expectations, declared=fmt, records=records, suite=suite
        )
    if item.kind == "evaluation":
        return evals.inspect_evaluation(path, item.columns, declared=fmt, records=records)
    if item.kind in documents.DOCUMENT_KINDS:
        # A PNG named .md, or one byte called a dashboard, is no document.
        return documents.inspect_document(path)
    return None


#: Measurements by file content and reading settings. A notebook re-assesses after
#: every form save; the bytes (already hashed) decide whether to measure again.
_MEASURED: dict[tuple[str, str], Any] = {}
_MEASURED_MAX = 64


def _measure_once(
    item: EvidenceItem, src: engine.Source, sha: str, before: Identity, base_dir: Path
) -> Any:
    from workbook.evidence import suites

    settings = {"kind", "mapping", "expectations", "columns", "format", "records"}
    # A suite file decides what is checked: its bytes belong to the key as the file's do.
    cited = item.expectations.suite if item.kind == "data_extract" and item.expectations else None
    suite = suites.load_cited(base_dir, cited) if cited else None
    key = (sha, item.model_dump_json(include=settings) + (suite.sha256 if suite else ""))
    if key not in _MEASURED:
        measured = measure(item, src, suite)
        if _identity(src.fd) != before:
            # Written to while measured: the figures may not be of the bytes hashed.
            raise Unreadable(CHANGED)
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.pop(next(iter(_MEASURED)))
        _MEASURED[key] = measured
    return _MEASURED[key]


def _examine(
    item: EvidenceItem, src: engine.Source, inspect: bool, base_dir: Path
) -> EvidenceFinding:
    """Hash, and with ``inspect`` measure, the one open file."""
    before = _identity(src.fd)
    if before[2] == 0:
        return EvidenceFinding(item, False, "file is empty")
    try:
        sha = _digest(src.fd)
    except OSError as exc:
        return EvidenceFinding(item, False, f"cannot read: {exc.strerror}")
    if _identity(src.fd) != before:
        return EvidenceFinding(item, False, CHANGED)
    if not inspect:
        return EvidenceFinding(item, True, None, sha)
    try:
        measured = _measure_once(item, src, sha, before, base_dir)
    except Unreadable as exc:
        if exc.reason == CHANGED or _identity(src.fd) != before:
            return EvidenceFinding(item, False, CHANGED)
        return EvidenceFinding(item, False, exc.reason, sha)
    except OSError as exc:
        return EvidenceFinding(item, False, f"cannot read: {exc.strerror}", sha)
    return EvidenceFinding(item, True, None, sha, measured)


def find_evidence(record: Record, base_dir: Path, inspect: bool = True) -> Findings:
    """Check, and with ``inspect`` measure, every cited evidence item.

    Paths are relative to the record's folder. Each file is opened once; its digest
    and its measurements are of the same bytes.
    """
    found = []
    for item in record.evidence:
        if item.path is None:
            # A link cannot be fetched offline; its date and note are the claim.
            found.append(EvidenceFinding(item, True))
            continue
        try:
            fd = open_cited(base_dir, item.path)
        except Unreadable as exc:
            found.append(EvidenceFinding(item, False, exc.reason))
            continue
        try:
            src = engine.Source(base_dir / item.path, fd)
            found.append(_examine(item, src, inspect, base_dir))
        finally:
            os.close(fd)
    return Findings(tuple(found))
