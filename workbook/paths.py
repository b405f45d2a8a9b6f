"""Where the shipped templates live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(in_checkout: str, marker: str, in_wheel: str) -> Path:
    """A checkout (or editable install) reads the folder at the top of the repository;
    a wheel carries a copy inside the package (``[tool.hatch...force-include]``)."""
    checkout = _PACKAGE.parent / in_checkout
    return checkout if (checkout / marker).exists() else _PACKAGE / in_wheel


#: Gate catalogues, the record template, the dossier template, ``workbook init``'s files.
TEMPLATES = _shipped("templates", "gates", "_templates")
#: The shipped example portfolio.
EXAMPLES = _shipped("data/examples", "claims-triage.yaml", "_examples")
#: The walk-through notebooks.
NOTEBOOKS = _shipped("notebooks", "01-stage-and-boundaries.ipynb", "_notebooks")
#: Inside an output folder: where the notebook of a failed dossier is kept.
FAILED_FOLDER = "failed"
#: The portfolio dossier's notebook, inside a notebooks folder.
PORTFOLIO_NOTEBOOK = "portfolio.ipynb"
#: The walk-through chapters' notebooks by chapter key, in reading order. A dossier is
#: these stitched together (``present/chapters.py`` says what each chapter covers), and
#: the batch fingerprints them; here, so the batch need not import the presentation layer.
CHAPTER_NOTEBOOKS = {
    "stage": "01-stage-and-boundaries.ipynb",
    "data": "02-data-gaps.ipynb",
    "ownership": "03-ownership-and-support.ipynb",
    "observability": "04-logging-and-observability.ipynb",
    "verdict": "05-promotion-verdict.ipynb",
}
