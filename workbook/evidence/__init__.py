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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.errors import Unreadable
from workbook.evidence import cache, engine
from workbook.model.records import MEASURE_SETTINGS, EvidenceItem, Record, cited_file
from workbook.where import shown_from


@dataclass(frozen=True)
class EvidenceFinding:
    """What was found for one cited evidence item."""

    item: EvidenceItem
    readable: bool
    reason: str | None = None
    sha256: str | None = None
    #: What the inspector measured (LogMeasures, ExtractMeasures, EvalMeasures), if any.
    measured: Any = None
    #: The cited file (or a folder on its way) does not exist. ``reason`` then names the
    #: path as resolved, which reads differently from another working folder: the digest
    #: counts the fact (``NOT_FOUND``), not the words.
    missing: bool = False


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
#: The reason ``open_cited`` gives for a file that is not there (``missing_reason`` says more).
NOT_FOUND = "file not found"
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
        return Unreadable(NOT_FOUND)
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
    parts = list(cited_file(cited))
    if parts[:1] == [".."]:
        raise Unreadable("path leaves the record's folder")
    if not parts or Path(cited).is_absolute():
        raise Unreadable("path leaves the record's folder" if parts else "not a regular file")
    try:
        dir_fd = os.open(base_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise Unreadable(NOT_FOUND) from None
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


def missing_reason(base_dir: Path, cited: str) -> str:
    """Why a cited file is not read, naming where it was looked for: paths are read from
    the record's folder, so one written from the repository's root (``data/...``) reads as
    ``data/initiatives/data/...``, which says what went wrong.

    The path is shown relative to the working folder; outside it (a shared report must
    not sketch the author's disk), as cited from the record's folder.
    """
    where = Path(os.path.abspath(base_dir.joinpath(*cited_file(cited))))
    try:
        relative = Path(os.path.relpath(where, shown_from()))
    except ValueError:  # another drive on Windows
        relative = Path("..")
    inside = relative.parts[:1] != ("..",)
    shown = relative.as_posix() if inside else "/".join(cited_file(cited))
    return f"read from the record's folder: {shown} does not exist"


#: Digests by file identity and change time: a file cited by many records of a run is
#: read once. The change time moves with every write and cannot be set back (unlike the
#: modification time), so equal keys are taken for equal bytes, once the file is settled.
_DIGESTS: dict[tuple[int, ...], str] = {}
_DIGESTS_MAX = 4096


def _settled(mtime_ns: int, now_ns: int) -> bool:
    """Was the file last written long enough before ``now_ns`` that a new write must show?

    A write within the same tick of the file system's clock as the one before leaves the
    times as they were ("racy" in git's words): only a file older than two ticks is known
    by its identity. Whole-second times mark a coarse clock (FAT, some network shares).
    """
    tick = 1_000_000_000 if mtime_ns % 1_000_000_000 == 0 else 20_000_000
    return now_ns - mtime_ns > 2 * tick


def _digest(fd: int, identity: Identity, local: dict[tuple[int, ...], str]) -> str:
    """SHA-256 of the open file's bytes, read from its start, unless known by its identity.

    ``local``: digests of this call (one record's evidence), whether or not settled.
    """
    key = (*identity, os.fstat(fd).st_ctime_ns)
    known = local.get(key) or _DIGESTS.get(key)
    if known is not None:
        return known
    started = time.time_ns()
    with open(fd, "rb", closefd=False) as f:
        f.seek(0)
        digest = hashlib.file_digest(f, hashlib.sha256).hexdigest()
        f.seek(0)  # where a /dev/fd reader sharing the offset expects it
    if (*_identity(fd), os.fstat(fd).st_ctime_ns) == key:  # bytes that held still
        local[key] = digest
        if _settled(identity[3], started):
            if len(_DIGESTS) >= _DIGESTS_MAX:
                _DIGESTS.pop(next(iter(_DIGESTS)))
            _DIGESTS[key] = digest
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


class _Reading:
    """One record's evidence being read: each suite file and each digest found once."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.digests: dict[tuple[int, ...], str] = {}
        self._suites: dict[tuple[tuple[str, ...], str], Any] = {}

    def suite(self, cited: str) -> Any:
        """The suite file ``cited``, read once however often it is named."""
        from workbook.evidence import suites

        # Keyed by the spelling too: the suite names itself as cited in its reasons.
        key = (cited_file(cited), cited)
        if key not in self._suites:
            try:
                self._suites[key] = suites.load_cited(self.base_dir, cited)
            except Unreadable as exc:
                self._suites[key] = exc
        found = self._suites[key]
        if isinstance(found, Unreadable):
            raise Unreadable(found.reason)
        return found


def _measure_once(
    item: EvidenceItem, src: engine.Source, sha: str, before: Identity, reading: _Reading
) -> Any:
    # A suite file decides what is checked: its bytes belong to the key as the file's do.
    cited = item.expectations.suite if item.kind == "data_extract" and item.expectations else None
    suite = reading.suite(cited) if cited else None
    settings = item.model_dump_json(include=set(MEASURE_SETTINGS))
    key = (sha, settings + (suite.sha256 if suite else ""))
    if key not in _MEASURED:
        # Kept on disk by an earlier run (``cache.py``): the same bytes read the same way.
        measured = cache.get(*key)
        if measured is None:
            measured = measure(item, src, suite)
            if _identity(src.fd) != before:
                # Written to while measured: the figures may not be of the bytes hashed.
                raise Unreadable(CHANGED)
            cache.put(*key, measured)
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.pop(next(iter(_MEASURED)))
        _MEASURED[key] = measured
    return _MEASURED[key]


def _examine(
    item: EvidenceItem, src: engine.Source, inspect: bool, reading: _Reading
) -> EvidenceFinding:
    """Hash, and with ``inspect`` measure, the one open file."""
    before = _identity(src.fd)
    if before[2] == 0:
        return EvidenceFinding(item, False, "file is empty")
    try:
        sha = _digest(src.fd, before, reading.digests)
    except OSError as exc:
        return EvidenceFinding(item, False, f"cannot read: {exc.strerror}")
    if _identity(src.fd) != before:
        return EvidenceFinding(item, False, CHANGED)
    if not inspect:
        return EvidenceFinding(item, True, None, sha)
    try:
        measured = _measure_once(item, src, sha, before, reading)
    except Unreadable as exc:
        if exc.reason == CHANGED or _identity(src.fd) != before:
            return EvidenceFinding(item, False, CHANGED)
        return EvidenceFinding(item, False, exc.reason, sha)
    except OSError as exc:
        return EvidenceFinding(item, False, f"cannot read: {exc.strerror}", sha)
    return EvidenceFinding(item, True, None, sha, measured)


def find_evidence(record: Record, base_dir: Path, inspect: bool = True) -> Findings:
    """Check, and with ``inspect`` measure, every cited evidence item.

    Paths are relative to the record's folder. Each file is opened once, however often
    and however spelt it is cited (``a.jsonl``, ``./a.jsonl``, ``sub/../a.jsonl``), and
    read once in a process while its identity holds; its digest and its measurements
    are of the same bytes.
    """
    found: dict[int, EvidenceFinding] = {}
    by_file: dict[tuple[str, ...], list[int]] = {}
    for i, item in enumerate(record.evidence):
        if item.path is None:
            # A link cannot be fetched offline; its date and note are the claim.
            found[i] = EvidenceFinding(item, True)
        else:
            by_file.setdefault(cited_file(item.path), []).append(i)
    reading = _Reading(base_dir)
    for indices in by_file.values():
        cited = record.evidence[indices[0]].path or ""
        try:
            fd = open_cited(base_dir, cited)
        except Unreadable as exc:
            gone = exc.reason == NOT_FOUND
            reason = missing_reason(base_dir, cited) if gone else exc.reason
            found.update(
                (i, EvidenceFinding(record.evidence[i], False, reason, missing=gone))
                for i in indices
            )
            continue
        try:
            for i in indices:
                item = record.evidence[i]
                src = engine.Source(base_dir / (item.path or ""), fd)
                found[i] = _examine(item, src, inspect, reading)
        finally:
            os.close(fd)
    return Findings(tuple(found[i] for i in range(len(record.evidence))))
