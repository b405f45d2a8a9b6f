"""Maintainers' tool: refresh the committed notebooks.

``python -m workbook.render.authoring [--as-of YYYY-MM-DD]`` re-executes the walk-through
chapters and the portfolio notebook in place (their outputs are what nbval checks) and
rewrites ``notebooks/dossier.ipynb`` from the chapters. The committed parameters say
``as_of = ""`` (today, for an analyst); the outputs are made as of one pinned day, set
through the parameters of the copy that runs, as nbval pins it (conftest.py).
"""

from __future__ import annotations

import argparse

import nbformat
from nbclient import NotebookClient

from workbook.files import atomic_write_text
from workbook.paths import NOTEBOOKS, PORTFOLIO_NOTEBOOK
from workbook.present.chapters import CHAPTERS
from workbook.present.lab import set_parameters
from workbook.render.dossier import main as write_dossier_notebook
from workbook.render.kernels import KERNEL, SocketKernelManager

#: The day the committed outputs are assessed as of (the example portfolio's day; the
#: Makefile's AS_OF says the same; nbval pins it through the root conftest.py).
AS_OF = "2026-11-23"


def refresh_chapter(name: str, as_of: str | None = AS_OF) -> None:
    """Execute one notebook top to bottom where it lives, as JupyterLab would.

    ``as_of`` is set in the parameters of the copy that runs (None: run as committed);
    the committed parameters cell is written back unchanged.
    """
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    committed = [c.source for c in params]
    for cell in params:
        if as_of is not None and "as_of" in cell.source:
            cell.source = set_parameters(cell.source, {"as_of": as_of})
    # No timing metadata: committed outputs should change only when content does.
    NotebookClient(
        nb,
        kernel_name=KERNEL,
        kernel_manager_class=SocketKernelManager,
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
    ).execute()
    for cell, source in zip(params, committed, strict=True):
        cell.source = source
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    atomic_write_text(path, nbformat.writes(nb) + "\n")
    print(f"refreshed {path.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Refresh the committed notebooks' outputs.")
    parser.add_argument("--as-of", default=AS_OF, help=f"assess as of (default {AS_OF})")
    as_of = parser.parse_args().as_of
    for chapter in CHAPTERS:
        refresh_chapter(chapter.notebook, as_of)
    # The portfolio notebook's own default is the example's day: run as committed.
    refresh_chapter(PORTFOLIO_NOTEBOOK, None)
    write_dossier_notebook()


if __name__ == "__main__":
    main()
