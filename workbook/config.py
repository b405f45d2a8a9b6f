"""A portfolio repository's defaults: ``workbook.toml``, found from the working folder up.

``workbook init`` writes one. Every command reads it, so that inside the repository
``workbook check``, ``workbook batch`` and ``workbook history ID`` need no arguments:

    records = ["records"]          # what check and batch assess (files or folders)
    out = "build/dossiers"         # batch's and dossier's output folder; history's ledger
    gates = "gates/catalogue.yaml" # the catalogue (default: the shipped one)

Paths are relative to the file's folder. Options on the command line win. The search
stops at the first folder holding ``workbook.toml`` or ``.git`` (a repository's root).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook.errors import UsageError
from workbook.model.yamlio import shown

CONFIG_NAME = "workbook.toml"
#: Without a configuration (or a key in it): the records, and the batch's output folder.
DEFAULT_RECORDS = Path("data/initiatives")
DEFAULT_OUT = Path("build/dossiers")
#: Larger is not a configuration file.
MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Config:
    """The defaults in force: from ``path`` (None: no file found)."""

    path: Path | None = None
    records: tuple[Path, ...] = ()
    out: Path | None = None
    gates: Path | None = None

    @property
    def targets(self) -> list[Path]:
        return list(self.records) or [DEFAULT_RECORDS]

    @property
    def out_dir(self) -> Path:
        return self.out or DEFAULT_OUT


def find_config(start: Path | None = None) -> Path | None:
    """``workbook.toml`` in ``start`` (the working folder) or the nearest folder above it.

    The search ends at a repository's root (a folder holding ``.git``) or the file system's.
    """
    folder = (start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate / CONFIG_NAME
        if (candidate / ".git").exists():
            return None
    return None


def _refuse(path: Path, key: str | None, problem: str, expected: str) -> UsageError:
    return UsageError(problem, path=path, field=key, expected=expected)


def _path(path: Path, key: str, value: Any) -> Path:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise _refuse(path, key, f"{shown(value)} is not a path", 'a path as text, e.g. "records"')
    # Relative to the working folder, as a path typed there reads (and is shown).
    return Path(os.path.relpath(path.parent / value))


def parse_config(path: Path, text: str) -> Config:
    """The configuration in ``text`` (read from ``path``), or one line naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _refuse(
            path, None, f"not valid TOML: {exc}", "TOML as workbook init writes it"
        ) from None
    known = {"records", "out", "gates"}
    for key in data:
        if key not in known:
            raise _refuse(path, key, "unknown key", f"one of {', '.join(sorted(known))}")
    records = data.get("records", [])
    if isinstance(records, str):
        records = [records]
    if not isinstance(records, list):
        raise _refuse(path, "records", f"{shown(records)} is not a list", "a list of paths")
    return Config(
        path=path,
        records=tuple(_path(path, "records", r) for r in records),
        out=_path(path, "out", data["out"]) if "out" in data else None,
        gates=_path(path, "gates", data["gates"]) if "gates" in data else None,
    )


def load_config(start: Path | None = None) -> Config:
    """The configuration found from ``start`` up; the built-in defaults when there is none."""
    path = find_config(start)
    if path is None:
        return Config()
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _refuse(path, None, f"cannot read: {exc.strerror}", "a readable file") from None
    if len(raw) > MAX_BYTES:
        raise _refuse(path, None, f"larger than {MAX_BYTES // 1024} KB", "a small TOML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(path, None, "not UTF-8 text", "a UTF-8 TOML file") from None
    return parse_config(path, text)
