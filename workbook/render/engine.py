"""The papermill engine every notebook runs on: nbclient on a kernel it is handed.

Registered with papermill as ``workbook``. Importing this module imports
papermill (two seconds), so it is imported only when a notebook really runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from workbook.render.kernels import Kernels

ENGINE = "workbook"


def keep(nb: nbformat.NotebookNode, partial: Path) -> None:
    """Write a failed run's notebook to ``partial``."""
    # The folder is made here, at failure time, and never removed by a worker:
    # another worker may be about to keep its own failure in it.
    partial.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, partial)


class WorkbookEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel from a ``Kernels`` source; keeps failed runs.

    papermill's own engine, asked to keep a partial copy, rewrites the whole
    notebook at every cell start and end: a second of CPU per dossier spent on
    JSON. This one writes nothing while the notebook runs. When the run ends in
    an exception (a timeout, a dead kernel, a kernel that never started) it
    keeps the notebook as far as it got. A raising cell ends the run without
    one; the caller keeps that notebook with papermill's error banner.
    """

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: NotebookExecutionManager,
        kernel_name: str,
        *,
        kernels: Kernels,
        partial: Path,
        **kwargs: Any,
    ) -> nbformat.NotebookNode:
        km = None
        failed = True
        try:
            km = kernels.take()
            # papermill's own method runs the cells; the kernel manager passed in
            # is the only difference, and nbclient then leaves it running.
            with quiet_papermill():
                nb = super().execute_managed_notebook(nb_man, kernel_name, km=km, **kwargs)
            failed = bool(nb_man.nb.metadata.papermill.get("exception"))
        except BaseException:
            keep(nb_man.nb, partial)
            raise
        finally:
            if km is not None:
                kernels.give_back(km, failed=failed)
        return nb


@contextlib.contextmanager
def quiet_papermill() -> Iterator[None]:
    """papermill's logger silenced while our engine runs a notebook, and only then.

    papermill hands its logger to nbclient, which logs timeouts and kernel deaths
    itself; the caller's one line (``NotebookFailed``) says it better. A program
    that uses papermill for its own notebooks keeps papermill's log.
    """
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


papermill_engines.register(ENGINE, WorkbookEngine)
