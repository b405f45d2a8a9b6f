"""One record -> one HTML readiness dossier.

The dossier notebook is the walk-through chapters stitched into one notebook,
so a dossier costs one kernel start: cover, chapters, appendix.
``notebooks/dossier.ipynb`` is this stitched notebook, committed for people
who run papermill by hand; ``python -m workbook.render.dossier`` rewrites it.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbook.errors import NotebookFailed, WorkbookError
from workbook.files import atomic_write, atomic_write_text, remove
from workbook.model.catalogue import load_catalogue
from workbook.paths import FAILED_FOLDER, NOTEBOOKS, PORTFOLIO_NOTEBOOK
from workbook.pipeline import assess_file
from workbook.present.chapters import CHAPTERS
from workbook.render.execute import run_notebook

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from workbook.model.records import Record
    from workbook.render.inprocess import InProcessShell
    from workbook.render.kernels import Kernels

DOSSIER_NOTEBOOK = "dossier.ipynb"

#: Cells the walk-through needs but a dossier must not repeat or cannot show.
WALKTHROUGH_ONLY = {"parameters", "setup", "walkthrough", "form"}


def _cell(cell: nbformat.NotebookNode, *tags: str) -> nbformat.NotebookNode:
    cell.metadata["tags"] = list(tags)
    return cell


def read_chapter(notebooks: Path, name: str) -> nbformat.NotebookNode:
    path = notebooks / name
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise WorkbookError(f"cannot read notebook: {exc}", path=path) from None


def build_notebook(notebooks: Path = NOTEBOOKS) -> nbformat.NotebookNode:
    """The dossier notebook: parameters and setup once, cover, every chapter, appendix."""
    first = read_chapter(notebooks, CHAPTERS[0].notebook)
    head = [c for c in first.cells if {"parameters", "setup"} & set(c.metadata.get("tags", []))]
    cells = [
        _cell(new_markdown_cell("# Readiness dossier"), "cover"),
        *(_cell(new_code_cell(c.source), *c.metadata["tags"]) for c in head),
        _cell(new_code_cell("wb.cover()"), "cover"),
        _cell(new_code_cell("wb.readiness_chart()"), "cover", "chart"),
        _cell(new_markdown_cell(""), "toc"),  # the template puts the contents list here
    ]
    for chapter in CHAPTERS:
        nb = read_chapter(notebooks, chapter.notebook)
        for c in nb.cells:
            tags = c.metadata.get("tags", [])
            if WALKTHROUGH_ONLY & set(tags):
                continue
            copy = new_code_cell(c.source) if c.cell_type == "code" else new_markdown_cell(c.source)
            cells.append(_cell(copy, f"chapter:{chapter.key}", *tags))
    cells += [
        _cell(new_markdown_cell("## Appendix: how this dossier was made"), "appendix"),
        _cell(new_code_cell("wb.appendix()"), "appendix"),
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"dossier-{i:03d}"  # stable ids: the committed copy diffs cleanly
    return new_notebook(cells=cells, metadata=first.metadata)


def failed_notebook(out_dir: Path, record_id: str) -> Path:
    """Where a failed run's notebook is kept: apart from the dossiers, which get shared.

    It holds tracebacks with this machine's paths, so it is for the team, not for sharing.
    """
    return out_dir / FAILED_FOLDER / f"{record_id}.ipynb"


def _run_keeping_failure(
    nb: nbformat.NotebookNode, parameters: dict[str, Any], *, record: Path, kept: Path, **run: Any
) -> nbformat.NotebookNode:
    """``run_notebook``, the failed notebook kept at ``kept`` (``OUT/failed/NAME``) link-safely.

    papermill writes a failed notebook with a plain ``open()``, which would follow a link
    planted (in a shared OUT) at its name or at ``failed/``, even during the run. So it
    writes into a private temporary folder, and the copy into OUT is ``atomic_write``'s,
    which opens every folder below OUT without following links and never writes through one.
    """
    out_dir = kept.parent.parent
    remove(kept, base=out_dir)  # what is found there after this run is from this run
    with tempfile.TemporaryDirectory(prefix="workbook-") as private:
        try:
            return run_notebook(
                nb, parameters, record=record, partial=Path(private) / kept.name, **run
            )
        except NotebookFailed as exc:
            if exc.partial is None:
                raise
            data = exc.partial.read_bytes()
            atomic_write(kept, lambda f: f.write(data), binary=True, base=out_dir)
            where = f"; partial notebook kept at {exc.partial}"
            exc.problem = exc.problem.removesuffix(where) + f"; partial notebook kept at {kept}"
            exc.partial, exc.args = kept, (exc.line(),)
            raise


def _kernels(reuse: bool, prestart: bool) -> Kernels | InProcessShell | None:
    """Where the cells run: this process's own shell, a kernel kept and reset, one started
    ahead, or (None) one started now."""
    from workbook.render import inprocess
    from workbook.render.kernels import kept_kernel, spare_kernels

    if reuse:
        return inprocess.in_process() if inprocess.usable() else kept_kernel()
    return spare_kernels() if prestart else None


def write_dossier(
    record_path: Path,
    out_dir: Path,
    *,
    as_of: dt.date | None = None,
    gates: Path | None = None,
    notebooks: Path = NOTEBOOKS,
    timeout: float | None = None,
    ledger: Path | None = None,
    reuse_kernel: bool = False,
    prestart_kernel: bool = False,
    record: Record | None = None,
    shared: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Execute the dossier notebook for one record and write ``OUT/<id>.html`` atomically.

    With a ``ledger`` the dossier also shows the supported stage over time and
    what changed since the last finished run's assessment. ``as_of`` (default:
    today, read once) is handed to the kernel explicitly. ``record``: the record
    as the caller (a batch plan) already validated and assessed it; not loaded again.
    ``shared``: the record's evidence files (sha256) that other initiatives of the run cite
    too; the kernel assesses one record alone and would not know it otherwise.
    """
    from workbook.render.export import export_html

    # One day for the check below and the kernel, even when the run crosses midnight.
    as_of = as_of or dt.date.today()
    # Everything `check` would refuse is refused here, with its one line, before a kernel starts.
    if record is None:
        record = assess_file(record_path, load_catalogue(gates), as_of).record
    parameters = {
        "initiative_path": str(record_path),
        "as_of": as_of.isoformat(),
        "gates": str(gates) if gates else "",
        "ledger": str(ledger) if ledger else "",
        # JSON text: papermill writes parameters as source, and the kernel validates it.
        "shared": json.dumps({k: list(v) for k, v in sorted(shared.items())}) if shared else "",
    }
    executed = _run_keeping_failure(
        build_notebook(notebooks),
        parameters,
        record=record_path,
        kept=failed_notebook(out_dir, record.id),
        timeout=timeout,
        kernels=_kernels(reuse_kernel, prestart_kernel),
    )
    html = export_html(executed, title=f"Readiness dossier: {record.name}", source=record_path)
    target = out_dir / f"{record.id}.html"
    atomic_write_text(target, html)
    return target


def write_portfolio(
    summary: Path,
    out_dir: Path,
    *,
    notebooks: Path = NOTEBOOKS,
    timeout: float | None = None,
    reuse_kernel: bool = False,
) -> Path:
    """Execute the portfolio notebook on a batch's summary.json and write ``OUT/index.html``."""
    from workbook.render.export import export_html

    nb = read_chapter(notebooks, PORTFOLIO_NOTEBOOK)
    executed = _run_keeping_failure(
        nb,
        {"summary_path": str(summary)},
        record=summary,
        kept=out_dir / FAILED_FOLDER / "portfolio.ipynb",
        timeout=timeout,
        kernels=_kernels(reuse_kernel, prestart=False),
    )
    html = export_html(executed, title="Portfolio readiness", source=summary)
    target = out_dir / "index.html"
    atomic_write_text(target, html)
    return target


def main() -> None:
    """Rewrite notebooks/dossier.ipynb from the chapters (for maintainers)."""
    nb = build_notebook()
    nb.metadata.pop("widgets", None)
    atomic_write_text(NOTEBOOKS / DOSSIER_NOTEBOOK, nbformat.writes(nb) + "\n")
    print(f"wrote {NOTEBOOKS / DOSSIER_NOTEBOOK}")


if __name__ == "__main__":
    main()
