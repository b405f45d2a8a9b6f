"""`workbook open RECORD`: the walk-through in JupyterLab, set to one record, in one step.

The chapters are copied into a working folder with every parameters cell pointing at the
record, so the shipped notebooks never change (JupyterLab autosaves what it opens). The
record and its per-chapter drafts hold the analyst's work; the copy is refreshed from the
shipped chapters each time a record is opened.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import nbformat

from workbook.errors import UsageError
from workbook.files import atomic_write_text
from workbook.paths import CHAPTER_NOTEBOOKS, NOTEBOOKS

#: In a working copy: which record its chapters are set to.
MARKER = ".workbook-open.json"

_PARAMETERS = ("initiative_path", "as_of", "gates")


def default_folder(record: Path) -> Path:
    """<user cache>/workbook/open/<record stem>-<8 hex of its absolute path>."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(record.resolve()).encode()).hexdigest()[:8]
    return cache / "workbook" / "open" / f"{record.stem}-{digest}"


def set_parameters(source: str, values: dict[str, str]) -> str:
    """The parameters cell with each named assignment's value replaced (comments kept)."""
    for name, value in values.items():
        pattern = re.compile(rf"^{name}\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*')", re.MULTILINE)
        source, count = pattern.subn(f"{name} = {json.dumps(value)}", source, count=1)
        if count != 1:
            raise UsageError(
                f"the parameters cell does not set {name}",
                expected=f'a line {name} = "..." in the cell tagged parameters',
            )
    return source


def _write_chapter(source: Path, target: Path, values: dict[str, str]) -> None:
    nb = nbformat.read(source, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise UsageError(
            "no single parameters cell", path=source, expected="one cell tagged parameters"
        )
    cells[0].source = set_parameters(cells[0].source, values)
    for cell in nb.cells:
        if cell.cell_type == "code":
            # A fresh start: no output of the example the shipped chapters were run on.
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    atomic_write_text(target, nbformat.writes(nb) + "\n")


def _values(record: Path, as_of: str, gates: Path | None) -> dict[str, str]:
    return {
        "initiative_path": str(record.resolve()),
        "as_of": as_of,
        "gates": str(gates.resolve()) if gates else "",
    }


def working_copy(
    record: Path,
    *,
    as_of: str = "",
    gates: Path | None = None,
    folder: Path | None = None,
    notebooks: Path = NOTEBOOKS,
) -> Path:
    """The five chapters, set to ``record``, outputs cleared, in ``folder``; its path."""
    folder = folder or default_folder(record)
    folder.mkdir(parents=True, exist_ok=True)
    values = _values(record, as_of, gates)
    for name in CHAPTER_NOTEBOOKS.values():
        _write_chapter(notebooks / name, folder / name, values)
    atomic_write_text(folder / MARKER, json.dumps(values, indent=1) + "\n")
    return folder


def retarget(folder: Path, record: Path) -> None:
    """Point every chapter of a working copy at another record (a new initiative)."""
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    values = {**{k: str(marker.get(k, "")) for k in _PARAMETERS}, "initiative_path": str(record)}
    for name in CHAPTER_NOTEBOOKS.values():
        path = folder / name
        if path.is_file():
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if "parameters" in cell.metadata.get("tags", []):
                    cell.source = set_parameters(cell.source, values)
            atomic_write_text(path, nbformat.writes(nb) + "\n")
    atomic_write_text(folder / MARKER, json.dumps(values, indent=1) + "\n")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lab_command(folder: Path, port: int, token: str, open_browser: bool) -> list[str]:
    """JupyterLab on 127.0.0.1 serving ``folder``, chapter 1 opened, nothing fetched."""
    first = next(iter(CHAPTER_NOTEBOOKS.values()))
    return [
        sys.executable, "-m", "jupyter", "lab", first,
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={folder}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.open_browser={open_browser}",
        # No news feed, no update check, no extension listing from the internet.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # A container's only user is often root; JupyterLab refuses root unless told.
        *(["--ServerApp.allow_root=True"] if os.name == "posix" and os.geteuid() == 0 else []),
        # More JupyterLab settings, e.g. --LabApp.expose_app_in_browser=True for scripts.
        *shlex.split(os.environ.get("WORKBOOK_LAB_ARGS", "")),
    ]  # fmt: skip


def open_record(
    record: Path,
    *,
    port: int | None = None,
    open_browser: bool = True,
    as_of: str = "",
    gates: Path | None = None,
    folder: Path | None = None,
) -> int:
    """Make the working copy and run JupyterLab on it until it stops; its exit code."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise UsageError(
            "JupyterLab is not installed", expected="pip install 'workbook[notebooks]'"
        )
    copy = working_copy(record, as_of=as_of, gates=gates, folder=folder)
    port = port or _free_port()
    # JUPYTER_TOKEN, when set, is the token (scripts and tests know it); else a random one.
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    first = next(iter(CHAPTER_NOTEBOOKS.values()))
    print(f"Opening {record} in JupyterLab (the chapters are a working copy in {copy})")
    print(f"  http://127.0.0.1:{port}/lab/tree/{first}?token={token}")
    print("  Stop it with Ctrl-C; the record and its drafts keep the work.", flush=True)
    try:
        return subprocess.call(lab_command(copy, port, token, open_browser), cwd=copy)
    except KeyboardInterrupt:
        return 0
