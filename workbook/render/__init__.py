"""Executed notebooks and exported dossiers: papermill and nbconvert in-process."""

import sys


def lighter_imports() -> None:
    """Keep an optional grammar out of a process that is about to import nbformat.

    jsonschema (under nbformat) imports ``rfc3987_syntax`` when it is installed (JupyterLab's
    jupyter-events brings it), and that compiles a grammar at import: 0.7 s of every
    worker's start, for the ``iri`` format checks, which nothing here asks for (nbformat
    validates without a format checker). Marked absent before the first import, it is
    skipped, as jsonschema provides for; a process that already has it keeps it.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
