"""Renders on a cluster without a shared disk: the client ships the files, the worker the page.

The client (the batch) reads every file a render needs, as it has just hashed them
for the plan: the record, each cited evidence file and expectation suite, the
catalogue (and the catalogues beside it, for pins), the notebooks, and the part of the
ledger this initiative's history needs. It packs them in a ``Parcel`` with paths *as
the client's working folder holds them*. The worker lays the parcel out in a private
folder of its own, shows paths from that folder's copy of the client's working folder
(``where.SHOWN_FROM``), renders with the very functions a local worker runs (so the key
is vouched for from the copies, as ``inputs.py`` does from the disk) and sends the page
back; the client writes it. A dossier therefore shows the client's paths, never the
worker's, and the worker never needs to read the portfolio's folder.

Files larger than ``INLINE_BYTES`` travel once per content (``Client.scatter`` with
``hash=True``): a log cited by many initiatives, or unchanged between runs, is sent once.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sqlite3
import tempfile
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbook import __version__
from workbook.batch.tasks import Rendered, Task, render_dossier, render_portfolio
from workbook.errors import Unreadable
from workbook.evidence import NOT_FOUND, open_cited
from workbook.files import atomic_write, remove
from workbook.model.records import Record, cited_file
from workbook.paths import CHAPTER_NOTEBOOKS, FAILED_FOLDER, PORTFOLIO_NOTEBOOK, TEMPLATES
from workbook.where import SHOWN_FROM, shown_from

#: Files up to this size travel inside the parcel; larger ones once per content.
INLINE_BYTES = 256 * 1024
#: Inside a worker's private folder: the copy of the client's working folder, files from
#: outside it, the notebooks, and where pages are written before they travel back.
CWD, OUTSIDE, NOTEBOOKS, OUT = "cwd", "outside", "notebooks", "out"


@dataclass(frozen=True)
class Parcel:
    """One render's files, by their place in the worker's private folder, and what to run."""

    #: The task with every path relative to the private folder (None: the portfolio page).
    task: Task | None
    #: Relative path -> bytes (small files) or a name in ``blobs`` (large ones).
    files: dict[str, bytes | str] = field(default_factory=dict)
    #: Relative paths where the client found a symbolic link (re-made, leading nowhere) or
    #: a folder instead of a file, so that the worker reads the same refusal.
    links: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    #: The client's workbook version and dossier template: a worker with another one would
    #: make another page than the plan's key describes.
    version: str = __version__
    template: str = ""
    #: For the portfolio page: the summary and the page's own arguments.
    portfolio: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Returned:
    """What comes back: the result, the page's bytes and a failed run's notebook."""

    rendered: Rendered
    page: bytes | None = None
    failed_notebook: bytes | None = None


class Packer:
    """Packs parcels on the client, for one run (one working folder, one notebooks folder)."""

    def __init__(self, notebooks: Path, template: str) -> None:
        self.root = shown_from().resolve()
        self.template = template
        self.notebook_files = {
            f"{NOTEBOOKS}/{name}": (notebooks / name).read_bytes()
            for name in (*CHAPTER_NOTEBOOKS.values(), PORTFOLIO_NOTEBOOK)
            if (notebooks / name).is_file()
        }
        self._outside: dict[Path, str] = {}

    def place(self, path: Path) -> str:
        """Where a client file or folder goes in the worker's private folder."""
        absolute = Path(os.path.abspath(path))
        with contextlib.suppress(ValueError):
            return f"{CWD}/{absolute.relative_to(self.root).as_posix()}".rstrip("/")
        folder = absolute.parent
        if folder not in self._outside:  # shown by its name alone, as locally
            self._outside[folder] = f"{OUTSIDE}/{len(self._outside)}"
        return f"{self._outside[folder]}/{absolute.name}"

    def dossier(self, task: Task) -> Parcel:
        """The parcel for one dossier."""
        files: dict[str, bytes | str] = dict(self.notebook_files)
        links: list[str] = []
        folders: list[str] = []
        record = Path(task.path)
        here = self.place(record)
        files[here] = record.read_bytes()
        folder = here.rsplit("/", 1)[0]
        for cited in _cited(task.record):
            _pack_cited(record.parent, cited, f"{folder}/{'/'.join(cited_file(cited))}",
                        files, links, folders)  # fmt: skip
        gates = self._gates(task.gates, files)
        ledger = None
        if task.ledger and Path(task.ledger).is_file():
            ledger = self.place(Path(task.ledger))
            files[ledger] = ledger_extract(Path(task.ledger), task.record.id)
        shipped = replace(
            task,
            path=here,
            out_dir=OUT,
            gates=gates,
            notebooks=NOTEBOOKS,
            ledger=ledger,
        )
        return Parcel(shipped, files, tuple(links), tuple(folders), template=self.template)

    def portfolio(self, summary: Path, gates: str | None, *args: Any) -> Parcel:
        """The parcel for the portfolio page (``tasks.render_portfolio``'s arguments)."""
        files: dict[str, bytes | str] = dict(self.notebook_files)
        files[f"{OUT}/{summary.name}"] = summary.read_bytes()
        shipped_gates = self._gates(gates, files)
        return Parcel(None, files, template=self.template,
                      portfolio=(f"{OUT}/{summary.name}", shipped_gates, *args))  # fmt: skip

    def _gates(self, gates: str | None, files: dict[str, bytes | str]) -> str | None:
        """The catalogue file, and the catalogues beside it (a record may pin one of them)."""
        if not gates:
            return None
        path = Path(gates)
        for sibling in sorted(path.parent.glob("*.y*ml")):
            if sibling.is_file() and not sibling.is_symlink() and sibling != path:
                with contextlib.suppress(OSError):
                    files[self.place(sibling)] = sibling.read_bytes()
        files[self.place(path)] = path.read_bytes()
        return self.place(path)


def _cited(record: Record) -> list[str]:
    """Every file the record cites: evidence and expectation suites, each spelling once."""
    cited = [e.path for e in record.evidence if e.path]
    cited += [
        e.expectations.suite
        for e in record.evidence
        if e.path and e.expectations and e.expectations.suite
    ]
    return list(dict.fromkeys(cited))


def _pack_cited(
    base: Path,
    cited: str,
    place: str,
    files: dict[str, bytes | str],
    links: list[str],
    folders: list[str],
) -> None:
    """Read one cited file as the assessment reads it (never through a link); or say why not.

    A missing file is left out (the worker finds it missing too); a link or a folder on the
    way is re-made as one, so the worker's reason is the client's.
    """
    parts = cited_file(cited)
    if not parts or parts[0] == ".." or Path(cited).is_absolute():
        return  # refused by the reader wherever it runs
    try:
        fd = open_cited(base, cited)
    except Unreadable as exc:
        if exc.reason == NOT_FOUND:
            return
        prefix = place[: len(place) - len("/".join(parts))]
        for depth in range(1, len(parts) + 1):
            on_disk = base.joinpath(*parts[:depth])
            there = prefix + "/".join(parts[:depth])
            if on_disk.is_symlink():
                links.append(there)
                return
            if depth == len(parts) and on_disk.is_dir():
                folders.append(there)
        return
    with open(fd, "rb") as f:
        files[place] = f.read()


def ledger_extract(ledger: Path, initiative: str) -> bytes:
    """The ledger as one initiative's history needs it: every run and catalogue, its rows."""
    from workbook.ledger import Ledger

    with tempfile.TemporaryDirectory(prefix="workbook-ledger-") as private:
        extract = Path(private) / "ledger.sqlite"
        Ledger(extract).close()  # the schema, identity and version of this workbook's ledgers
        source = "file:" + urllib.parse.quote(str(ledger.resolve())) + "?mode=ro"
        con = sqlite3.connect(f"file:{urllib.parse.quote(str(extract))}", uri=True)
        try:
            con.execute("ATTACH DATABASE ? AS src", (source,))
            with con:
                con.execute("INSERT INTO runs SELECT * FROM src.runs")
                con.execute("INSERT INTO catalogues SELECT * FROM src.catalogues")
                con.execute(
                    "INSERT INTO assessments SELECT * FROM src.assessments WHERE initiative = ?",
                    (initiative,),
                )
            con.execute("DETACH DATABASE src")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        return extract.read_bytes()


# --- on the worker ---------------------------------------------------------------------------

#: One parcel at a time per worker process: the private folder and the folder paths are
#: shown from are the process's (a kernel inherits them when it starts).
_LOCK = threading.Lock()
_PRIVATE: list[Path] = []


def _private_folder() -> Path:
    """The worker process's own folder (mode 0700), removed when the process ends."""
    if not _PRIVATE:
        root = Path(tempfile.mkdtemp(prefix="workbook-worker-"))
        (root / CWD).mkdir()
        os.environ[SHOWN_FROM] = str(root / CWD)
        atexit.register(shutil.rmtree, root, True)
        _PRIVATE.append(root)
    return _PRIVATE[0]


def _clear(root: Path) -> None:
    """Empty ``root``, keeping its copy of the working folder (paths are shown from it)."""
    for name in os.listdir(root):
        target = root / name
        if name == CWD:
            for inner in os.listdir(target):
                _remove_tree(target / inner)
        else:
            _remove_tree(target)


def _lay_out(root: Path, parcel: Parcel, blobs: Mapping[str, bytes]) -> None:
    """The parcel's files under ``root``, and nothing left from the previous parcel."""
    _clear(root)
    (root / OUT).mkdir()
    for rel, data in parcel.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else blobs[data])
    for rel in parcel.folders:
        (root / rel).mkdir(parents=True, exist_ok=True)
    for rel in parcel.links:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to("nowhere")


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _mismatch(parcel: Parcel) -> str | None:
    """Why this worker cannot make the page the client planned (another workbook), or None."""
    from workbook.batch.environment import fingerprint

    if parcel.version != __version__:
        return f"the worker runs workbook {__version__}, the client {parcel.version}"
    template = TEMPLATES / "dossier"
    mine = fingerprint(template, (p for p in template.rglob("*") if p.is_file()))
    if parcel.template and mine != parcel.template:
        return "the worker's dossier template differs from the client's (another install)"
    return None


def render_parcel(parcel: Parcel, blobs: Mapping[str, bytes]) -> Returned:
    """Lay the parcel out, render its dossier (or the portfolio page), return the page."""
    with _LOCK:
        task = parcel.task
        rid, shown = (task.record_id, task.path) if task else ("portfolio", "portfolio page")
        wrong = _mismatch(parcel)
        if wrong is not None:
            return Returned(Rendered(rid, False, 0.0, error=f"{shown}: {wrong}"))
        root = _private_folder()
        try:
            _lay_out(root, parcel, blobs)
        except OSError as exc:
            error = f"{shown}: the worker cannot lay out its copies: {exc.strerror}"
            return Returned(Rendered(rid, False, 0.0, error=error))
        if task is None:
            return _portfolio(root, parcel)
        local = replace(
            task,
            path=str(root / task.path),
            out_dir=str(root / OUT),
            gates=str(root / task.gates) if task.gates else None,
            notebooks=str(root / NOTEBOOKS),
            ledger=str(root / task.ledger) if task.ledger else None,
        )
        try:
            rendered = render_dossier(local)
            page = (root / OUT / rendered.dossier).read_bytes() if rendered.dossier else None
            failed = root / OUT / FAILED_FOLDER / f"{task.record_id}.ipynb"
            kept = failed.read_bytes() if failed.is_file() else None
        finally:
            _clear(root)  # the copies are the client's files: not kept longer than needed
        return Returned(rendered, page, kept)


def _portfolio(root: Path, parcel: Parcel) -> Returned:
    summary, gates, timeout, reuse_kernel, key = parcel.portfolio or ()
    written, error, vouched = render_portfolio(
        str(root / summary),
        str(root / OUT),
        str(root / NOTEBOOKS),
        timeout,
        reuse_kernel,
        str(root / gates) if gates else None,
        key,
    )
    page = Path(written).read_bytes() if written else None
    _clear(root)
    return Returned(Rendered("portfolio", bool(written), 0.0, error=error, key=vouched), page)


# --- back on the client -----------------------------------------------------------------------


def receive(returned: Returned, task: Task, out_dir: Path) -> Rendered:
    """Write what a worker sent back into OUT (link-safe, atomic) and speak the client's paths."""
    r = returned.rendered
    if returned.failed_notebook is not None:
        kept = out_dir / FAILED_FOLDER / f"{task.record_id}.ipynb"
        data = returned.failed_notebook
        atomic_write(kept, lambda f: f.write(data), binary=True, base=out_dir)
    if returned.page is not None and r.ok and r.dossier:
        page = returned.page
        atomic_write(out_dir / r.dossier, lambda f: f.write(page), binary=True, base=out_dir)
    if r.error:
        r = replace(r, error=client_words(r.error, out_dir))
    return r


def client_words(error: str, out_dir: Path) -> str:
    """An error line in the client's words: no path of the worker's in it.

    The worker's copy of OUT becomes OUT, its copy of the working folder the working folder
    (so ``portfolio/x.yaml`` reads as locally); any other path of the worker's (its Python,
    its home) is reduced to its name.
    """
    import re

    private = r"\S*workbook-worker-[^/\s]+/"
    error = re.sub(private + OUT + "/", "\0OUT\0", error)
    error = re.sub(private + CWD + "/", "", error)
    error = re.sub(r"(?<![\w.])(?:/[^\s/'\"]+)+/([^\s/'\"]+)", r"\1", error)
    return error.replace("\0OUT\0", f"{out_dir}{os.sep}")


def write_portfolio_page(returned: Returned, out_dir: Path, name: str) -> str | None:
    """Write a shipped portfolio page into OUT; its path (None if none came back)."""
    if returned.page is None:
        return None
    page = returned.page
    target = out_dir / name
    remove(out_dir / FAILED_FOLDER / "portfolio.ipynb", base=out_dir)
    atomic_write(target, lambda f: f.write(page), binary=True, base=out_dir)
    return str(target)
