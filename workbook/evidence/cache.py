"""What a run keeps on disk for the next: measurements, and records as validated.

Measurements, by the bytes measured and the settings they were read with (below), and
records, by their text: the YAML reader is pure Python (60 ms for a large record), the
validated record read back from JSON takes half a millisecond. A record is kept only
once it has passed the schema; its catalogue references are checked on every read.

A nightly run over an unchanged portfolio hashes each evidence file (it must: the hash
says whether anything changed) but need not measure it again: a 275 MB log takes seconds
to measure and a fraction of that to hash. Each measurement is one JSON file named by
the SHA-256 of (cache layout, workbook version, file SHA-256, reading settings), so a new
release or other settings never read an old entry.

JSON, never pickle: a cache file must not be able to run code. Only the evidence
measures' own dataclasses are rebuilt (``_TYPES``); anything else in an entry makes it a
miss, as does an unreadable, corrupt or linked one. Entries are written atomically into a
folder only the user can read (0700).

Where: ``$WORKBOOK_CACHE`` (``off`` disables it), else ``$XDG_CACHE_HOME/workbook``, else
``~/.cache/workbook``; in its ``measured/`` and ``records/`` folders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbook import __version__

if TYPE_CHECKING:
    from workbook.model.records import Record

#: Bump when the layout of an entry changes.
LAYOUT = 1
ENV = "WORKBOOK_CACHE"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: An entry larger than this is not ours.
MAX_ENTRY = 8 * 1024 * 1024


def folder(kind: str = "measured") -> Path | None:
    """The cache folder in use for ``kind`` (measured, records), or None when it is off."""
    configured = os.environ.get(ENV, "")
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured) / kind
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "workbook" / kind


def _types() -> dict[str, type]:
    from workbook.evidence import documents, evals, extracts, logs

    classes = [
        documents.DocumentMeasures,
        evals.EvalMeasures,
        evals.PassRate,
        extracts.ExtractMeasures,
        extracts.Check,
        logs.LogMeasures,
        logs.FieldPII,
        logs.Percentiles,
    ]
    return {c.__qualname__: c for c in classes}


def entry_name(sha: str, settings: str) -> str:
    """The file name of a measurement: the SHA-256 of everything that decides it."""
    blob = json.dumps([LAYOUT, __version__, sha, settings])
    return hashlib.sha256(blob.encode()).hexdigest() + ".json"


# --- JSON with the types measures use ------------------------------------------------------


def encode(value: Any) -> Any:
    """``value`` as JSON data that ``decode`` turns back into an equal value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"t": type(value).__qualname__, "v": fields}
    if isinstance(value, dt.datetime):
        return {"t": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"t": "list", "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__} in the measurement cache")


def decode(data: Any, types: dict[str, type] | None = None) -> Any:
    """The value ``encode`` made ``data`` from; ValueError for anything else."""
    types = types if types is not None else _types()
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if not isinstance(data, dict) or set(data) != {"t", "v"}:
        raise ValueError("not a cache entry")
    kind, value = data["t"], data["v"]
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind in ("tuple", "list"):
        if not isinstance(value, list):
            raise ValueError("not a cache entry")
        items = [decode(v, types) for v in value]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        if not isinstance(value, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in value
        ):
            raise ValueError("not a cache entry")
        return {decode(k, types): decode(v, types) for k, v in value}
    cls = types.get(kind)
    if cls is None or not isinstance(value, dict):
        raise ValueError(f"not a measurement type: {kind!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    if not set(value) <= names:
        raise ValueError("unknown fields")
    return cls(**{k: decode(v, types) for k, v in value.items()})


# --- on disk ---------------------------------------------------------------------------------


def _read(where: Path | None, name: str) -> Any:
    """The JSON entry ``name`` in ``where``, or None (missing, unreadable, linked, corrupt)."""
    if where is None:
        return None
    try:
        fd = os.open(where / name, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            raw = f.read(MAX_ENTRY + 1)
        return None if len(raw) > MAX_ENTRY else json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None


def _write(where: Path | None, name: str, text: str) -> None:
    """Keep ``text`` as ``name`` in ``where`` atomically; quietly not, when it cannot."""
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            # A rename replaces a link planted at the name; it never writes through it.
            os.replace(tmp, where / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return  # a cache that cannot be written only costs the work again next run


def get(sha: str, settings: str) -> Any:
    """The kept measurement, or None (missing, unreadable, corrupt, linked: a miss)."""
    data = _read(folder(), entry_name(sha, settings))
    if not isinstance(data, dict) or data.get("sha256") != sha:
        return None
    try:
        return decode(data["measured"])
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


def put(sha: str, settings: str, measured: Any) -> None:
    """Keep a measurement (atomically; quietly not, when the folder cannot be written)."""
    if measured is None or folder() is None:
        return
    try:
        text = json.dumps({"sha256": sha, "measured": encode(measured)})
    except (TypeError, ValueError):
        return  # a measure this cache cannot keep: measured again next time
    _write(folder(), entry_name(sha, settings), text)


# --- records ---------------------------------------------------------------------------------


def _text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(text: str) -> Record | None:
    """The record this YAML text was validated as before (by the schema), or None."""
    from workbook.model.records import Record

    sha = _text_sha(text)
    data = _read(folder("records"), entry_name(sha, "record"))
    if not isinstance(data, dict) or data.get("sha256") != sha:
        return None
    try:
        return Record.model_validate_json(data["record"])
    except (ValueError, TypeError, KeyError):
        return None


def keep_record(text: str, validated: Record) -> None:
    """Keep a record that passed validation, by its text."""
    if folder("records") is None:
        return
    sha = _text_sha(text)
    entry = json.dumps({"sha256": sha, "record": validated.model_dump_json()})
    _write(folder("records"), entry_name(sha, "record"), entry)
