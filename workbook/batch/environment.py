"""Fingerprints of what shapes every dossier besides its record, read from disk once per run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from workbook import __version__
from workbook.batch.plan import Environment
from workbook.paths import PORTFOLIO_NOTEBOOK, TEMPLATES
from workbook.present.chapters import CHAPTERS


def fingerprint(paths: Iterable[Path]) -> str:
    """Names and bytes of the files, in path order (each length-prefixed: no two sets collide)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        data = p.read_bytes()
        h.update(f"{p.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def read_environment(notebooks: Path, template: Path | None = None) -> Environment:
    """The chapter notebooks, the dossier template and the version, as one Environment."""
    template = template or TEMPLATES / "dossier"
    portfolio = notebooks / PORTFOLIO_NOTEBOOK
    return Environment(
        notebooks=fingerprint(notebooks / c.notebook for c in CHAPTERS),
        template=fingerprint(p for p in template.rglob("*") if p.is_file()),
        version=__version__,
        portfolio_notebook=fingerprint([portfolio]) if portfolio.is_file() else "missing",
    )
