"""Fingerprints of what shapes every dossier besides its record, read from disk once per run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from workbook import __version__
from workbook.batch.plan import Environment
from workbook.model.catalogue import Catalogue
from workbook.paths import CHAPTER_NOTEBOOKS, PORTFOLIO_NOTEBOOK, TEMPLATES


def fingerprint(root: Path, paths: Iterable[Path]) -> str:
    """Paths below ``root`` and their bytes, in path order (length-prefixed: no two sets collide).

    Each file is named by its path relative to ``root``, so moving a file to another
    sub-folder (which changes what the template includes) changes the fingerprint.
    """
    h = hashlib.sha256()
    for p in sorted(paths):
        data = p.read_bytes()
        h.update(f"{p.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def catalogue_fingerprint(catalogue: Catalogue) -> str:
    """The catalogue's whole content as a dossier shows it: wording, names and file name too."""
    text = json.dumps([catalogue.source, catalogue.to_dict()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def read_environment(
    notebooks: Path, catalogue: Catalogue, template: Path | None = None
) -> Environment:
    """The chapter notebooks, the dossier template, the version and the catalogue."""
    template = template or TEMPLATES / "dossier"
    portfolio = notebooks / PORTFOLIO_NOTEBOOK
    return Environment(
        notebooks=fingerprint(notebooks, (notebooks / n for n in CHAPTER_NOTEBOOKS.values())),
        template=fingerprint(template, (p for p in template.rglob("*") if p.is_file())),
        version=__version__,
        catalogue=catalogue_fingerprint(catalogue),
        portfolio_notebook=(
            fingerprint(notebooks, [portfolio]) if portfolio.is_file() else "missing"
        ),
    )
