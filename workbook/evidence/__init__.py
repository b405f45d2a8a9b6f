"""Evidence files cited by a record: found, readable, fingerprinted.

Inspectors that measure what is inside a file (logs, extracts, evaluations)
build on these findings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from workbook.records import EvidenceItem, Record

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class EvidenceFinding:
    """What was found for one cited evidence item."""

    item: EvidenceItem
    readable: bool
    reason: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Findings:
    """All evidence findings for one record."""

    items: tuple[EvidenceFinding, ...] = ()

    def of_kind(self, kind: str) -> list[EvidenceFinding]:
        return [f for f in self.items if f.item.kind == kind]


def _fingerprint(path: Path, base_dir: Path) -> tuple[str | None, str | None]:
    """(sha256, None) for a readable non-empty regular file, else (None, reason)."""
    try:
        # Evidence is read and excerpted into shared dossiers: it must not reach
        # outside the record's folder, by `..` or by a symlink.
        if not path.resolve().is_relative_to(base_dir.resolve()):
            return None, "path leaves the record's folder"
        if not path.exists():
            return None, "file not found"
        if not path.is_file():
            return None, "not a regular file"
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}"
    except RuntimeError:  # a symlink loop, on Python 3.11's resolve()
        return None, "symlink loop"
    if size == 0:
        return None, "file is empty"
    return digest.hexdigest(), None


def find_evidence(record: Record, base_dir: Path) -> Findings:
    """Check every cited evidence item; paths are relative to the record's folder."""
    found = []
    for item in record.evidence:
        if item.path is None:
            # A link cannot be fetched offline; its date and note are the claim.
            found.append(EvidenceFinding(item, True, sha256=None))
            continue
        sha, reason = _fingerprint(base_dir / item.path, base_dir)
        found.append(EvidenceFinding(item, sha is not None, reason, sha))
    return Findings(tuple(found))
