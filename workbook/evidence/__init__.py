"""Evidence files cited by a record: found, readable, fingerprinted and measured.

Log samples, data extracts and evaluation results are opened and measured by
their inspectors (``logs``, ``extracts``, ``evals``); a file that cannot be
measured is unreadable, with the reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, hashlib.sha256)
            size = f.tell()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}"
    except RuntimeError:  # a symlink loop, on Python 3.11's resolve()
        return None, "symlink loop"
    if size == 0:
        return None, "file is empty"
    return digest.hexdigest(), None


def finding_dict(f: EvidenceFinding, as_of: Any) -> dict[str, Any]:
    """One finding as JSON-able data (``workbook check --json``)."""
    from workbook.evidence import evals, extracts, logs

    m = f.measured
    shown: Any = None
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
    return {
        "kind": f.item.kind,
        "location": f.item.location,
        "date": f.item.date.isoformat(),
        "readable": f.readable,
        "reason": f.reason,
        "measured": shown,
    }


def measure(item: EvidenceItem, path: Path) -> Any:
    """The inspector's measurements for a file of a measurable kind, else None.

    Raises ``engine.Unreadable`` when the file cannot be measured.
    """
    from workbook.evidence import evals, extracts, logs

    if item.kind == "log_sample":
        return logs.inspect_log(path, item.mapping)
    if item.kind == "data_extract":
        return extracts.inspect_extract(path, item.expectations)
    if item.kind == "evaluation":
        return evals.inspect_evaluation(path, item.columns)
    return None


#: Measurements by file content and reading settings. A notebook re-assesses after
#: every form save; the bytes (already hashed) decide whether to measure again.
_MEASURED: dict[tuple[str, str], Any] = {}
_MEASURED_MAX = 64


def _measure_once(item: EvidenceItem, path: Path, sha: str) -> Any:
    key = (sha, item.model_dump_json(include={"kind", "mapping", "expectations", "columns"}))
    if key not in _MEASURED:
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.pop(next(iter(_MEASURED)))
        _MEASURED[key] = measure(item, path)
    return _MEASURED[key]


def find_evidence(record: Record, base_dir: Path, inspect: bool = True) -> Findings:
    """Check, and with ``inspect`` measure, every cited evidence item.

    Paths are relative to the record's folder.
    """
    from workbook.evidence.engine import Unreadable

    found = []
    for item in record.evidence:
        if item.path is None:
            # A link cannot be fetched offline; its date and note are the claim.
            found.append(EvidenceFinding(item, True))
            continue
        path = base_dir / item.path
        sha, reason = _fingerprint(path, base_dir)
        if sha is None or not inspect:
            found.append(EvidenceFinding(item, sha is not None, reason, sha))
            continue
        try:
            measured = _measure_once(item, path, sha)
        except Unreadable as exc:
            found.append(EvidenceFinding(item, False, exc.reason, sha))
            continue
        except OSError as exc:
            found.append(EvidenceFinding(item, False, f"cannot read: {exc.strerror}", sha))
            continue
        found.append(EvidenceFinding(item, True, None, sha, measured))
    return Findings(tuple(found))
