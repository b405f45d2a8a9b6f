"""Maintainers' tool: refresh the committed notebooks.

``python -m workbook.render.authoring`` re-executes the walk-through chapters and the
portfolio notebook in place (their outputs are what nbval checks, from the
example and date in their parameters cell) and rewrites
``notebooks/dossier.ipynb`` from the chapters.
"""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from workbook.files import atomic_write_text
from workbook.paths import NOTEBOOKS, PORTFOLIO_NOTEBOOK
from workbook.present.chapters import CHAPTERS
from workbook.render.dossier import main as write_dossier_notebook
from workbook.render.kernels import KERNEL, SocketKernelManager


def refresh_chapter(name: str) -> None:
    """Execute one notebook top to bottom where it lives, as JupyterLab would."""
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    # No timing metadata: committed outputs should change only when content does.
    NotebookClient(
        nb,
        kernel_name=KERNEL,
        kernel_manager_class=SocketKernelManager,
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
    ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    atomic_write_text(path, nbformat.writes(nb) + "\n")
    print(f"refreshed {path.name}")


def main() -> None:
    for chapter in CHAPTERS:
        refresh_chapter(chapter.notebook)
    refresh_chapter(PORTFOLIO_NOTEBOOK)
    write_dossier_notebook()


if __name__ == "__main__":
    main()
