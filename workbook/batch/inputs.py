"""What a dossier or the portfolio page was rendered from, and whether it held still.

The plan computes each render key in the parent, from the files as they were when
it planned. A worker renders later, and the kernel reads the files again (it must:
the notebook gives the same dossier when an analyst runs it by hand). A file edited
in between would leave a dossier made from other bytes than its key describes, and
once the edit is reverted the stale dossier would look unchanged for ever. So the
key the state remembers is one the worker vouches for, where it read the files
(on a Dask cluster, on the machine that rendered), and it vouches only when

1. no input file changed while it rendered: each file's identity (device, inode,
   size, modification and change time) is the same just before the key is
   recomputed and just after the page is written. A
   write moves a file's change time even when it restores the old bytes and
   ``touch`` cannot set it back, so an edit made and reverted during the render
   shows; a file replaced by a rename or a new link target shows by its inode; and
2. the key recomputed from the files just before rendering is the key it was asked
   to render (the plan's): the bytes did not move between the plan and the render.

Otherwise it vouches for nothing (``None``): the state forgets that dossier (or the
portfolio page) and the next run renders it again, from whatever the files say then.
The inputs are every file that goes into the key: the record, each cited evidence
file and expectation suite, the catalogue, the chapter (or portfolio) notebooks, the
dossier template, and for the portfolio page the run's summary.json.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from workbook.batch.environment import read_environment
from workbook.batch.plan import portfolio_key, render_key
from workbook.errors import WorkbookError
from workbook.model.catalogue import DEFAULT_CATALOGUE, load_catalogue
from workbook.model.records import Record
from workbook.model.summary import read_summary
from workbook.paths import CHAPTER_NOTEBOOKS, PORTFOLIO_NOTEBOOK, TEMPLATES
from workbook.pipeline import History, Shared, assess_file

#: Per input file: its identity, or why it could not be looked at.
Snapshot = dict[str, tuple[tuple[int, ...], tuple[int, ...]] | str]
#: The inputs' identities before rendering, and the key their bytes gave (None: none).
Observed = tuple[Snapshot, str | None]


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Each file's identity: the link itself and what it leads to (a missing file counts too)."""
    seen: Snapshot = {}
    for p in paths:
        try:
            seen[str(p)] = (_identity(os.lstat(p)), _identity(os.stat(p)))
        except OSError as exc:
            seen[str(p)] = type(exc).__name__
    return seen


def _template_files(template: Path) -> list[Path]:
    return sorted(p for p in template.rglob("*") if p.is_file())


def _environment_files(notebooks: Path, gates: str | None) -> list[Path]:
    return [
        Path(gates) if gates else DEFAULT_CATALOGUE,
        *(notebooks / n for n in CHAPTER_NOTEBOOKS.values()),
        *_template_files(TEMPLATES / "dossier"),
    ]


def dossier_inputs(path: Path, record: Record, notebooks: Path, gates: str | None) -> list[Path]:
    """The files one dossier's key is computed from, as the plan's record cites them."""
    folder = path.parent
    cited = [Path(os.path.normpath(folder / e.path)) for e in record.evidence if e.path]
    suites = [
        Path(os.path.normpath(folder / e.expectations.suite))
        for e in record.evidence
        if e.path and e.expectations and e.expectations.suite
    ]
    return [path, *cited, *suites, *_environment_files(notebooks, gates)]


def portfolio_inputs(summary: Path, notebooks: Path, gates: str | None) -> list[Path]:
    """The files the portfolio page's key is computed from."""
    return [summary, notebooks / PORTFOLIO_NOTEBOOK, *_environment_files(notebooks, gates)]


def dossier_key(
    path: Path,
    *,
    as_of: dt.date,
    gates: str | None,
    notebooks: Path,
    ledger: str | None,
    shared: Shared,
) -> str:
    """The render key of the files as they are now, computed as the plan computes it."""
    catalogue = load_catalogue(Path(gates) if gates else None)
    gates_path = Path(gates) if gates else None
    if ledger and Path(ledger).is_file():
        from workbook.ledger import Ledger

        # The plan held the assessment to the ledger's history (goalposts): so does this.
        with Ledger(Path(ledger)) as opened:
            a = assess_file(path, catalogue, as_of, History(opened, gates_path), shared)
    else:
        a = assess_file(path, catalogue, as_of, History(gates=gates_path), shared)
    return render_key(a, read_environment(notebooks, catalogue))


def summary_key(summary: Path, notebooks: Path, gates: str | None) -> str:
    """The portfolio page's key from the summary.json on disk, as the plan computes it."""
    catalogue = load_catalogue(Path(gates) if gates else None)
    facts = read_summary(summary, summary.name)
    return portfolio_key(read_environment(notebooks, catalogue), facts)


def observe(inputs: list[Path], key_now: Callable[[], str]) -> Observed:
    """Before rendering: the inputs' identities, then the key their bytes give (None: none)."""
    before = snapshot(inputs)
    try:
        key = key_now()
    except (WorkbookError, OSError):
        key = None  # the record no longer reads: nothing to vouch for
    except Exception:  # a worker never raises; not vouching only costs a render next run
        key = None
    return before, key


def vouched(asked: str | None, inputs: list[Path], observed: Observed) -> str | None:
    """After rendering: ``asked`` if the inputs held still since ``observe`` and gave it.

    No write between the two looks means the key's reads and the kernel's saw the same
    bytes. The key is computed before the render, so that the dossier, once written,
    is reported at once (a run killed then keeps it).
    """
    before, key = observed
    if asked is None or key != asked:
        return None
    return asked if snapshot(inputs) == before else None
