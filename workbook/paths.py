"""Where the shipped templates live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# A checkout (or editable install) reads templates/ at the top of the repository;
# a wheel carries a copy inside the package.
TEMPLATES = (
    _PACKAGE.parent / "templates"
    if (_PACKAGE.parent / "templates" / "gates").is_dir()
    else _PACKAGE / "_templates"
)
#: The shipped example portfolio (present in a checkout, not in a wheel).
EXAMPLES = _PACKAGE.parent / "data" / "examples"
#: The walk-through notebooks.
NOTEBOOKS = _PACKAGE.parent / "notebooks"
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
