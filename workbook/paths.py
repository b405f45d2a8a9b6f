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
