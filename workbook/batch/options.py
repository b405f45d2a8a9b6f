"""What a batch run is asked to do: the records, the output folder, how and where to render.

The options are checked when they are made (``BatchOptions.__post_init__``), so a run
asked for something it cannot do stops with one line before it takes the lock.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.errors import UsageError
from workbook.model.yamlio import shown
from workbook.paths import NOTEBOOKS

#: The longest a notebook cell may be allowed to run, in seconds (one day); None: no limit.
MAX_TIMEOUT = 86_400
#: More worker processes than this is a typing mistake, not a machine.
MAX_WORKERS = 256
#: How long to wait for a Dask scheduler to answer, in seconds.
CONNECT_TIMEOUT = 10


def default_workers() -> int:
    """One worker process per core, within ``MAX_WORKERS``."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def cell_timeout(value: object) -> int | None:
    """``value`` if nbclient can honour it as a cell timeout: whole seconds, 1 to a day, or None.

    nbclient counts whole seconds (a fraction fails every notebook) and reads 0 or a
    negative number as "no limit": no limit is asked for by name (None), never by accident.
    """
    if value is None or (type(value) is int and 1 <= value <= MAX_TIMEOUT):
        return value
    raise UsageError(
        f"{shown(value)} is not a cell timeout",
        field="--timeout",
        expected=f"a whole number of seconds from 1 to {MAX_TIMEOUT}, or 'none' for no limit",
    )


@dataclass
class BatchOptions:
    paths: list[Path]
    out_dir: Path
    as_of: dt.date | None = None
    gates: Path | None = None
    notebooks: Path = NOTEBOOKS
    workers: int = field(default_factory=default_workers)
    executor: str = "local"
    scheduler: str | None = None
    force: bool = False
    #: Seconds one notebook cell may run (whole seconds; None: no limit).
    timeout: int | None = 600
    log: Path | None = None
    #: Each worker's own shell (``render/inprocess.py``; off the main thread a kept kernel,
    #: ``render/kernels.py``), reset between records; False: a fresh kernel per record.
    reuse_kernels: bool = True
    #: Also print each dossier and the portfolio page to PDF (``render/pdf.py``).
    pdf: bool = False

    def __post_init__(self) -> None:
        cell_timeout(self.timeout)
        if type(self.workers) is not int or not 1 <= self.workers <= MAX_WORKERS:
            raise UsageError(
                f"{shown(self.workers)} worker processes",
                field="--workers",
                expected=f"a whole number from 1 to {MAX_WORKERS}",
            )
        if self.scheduler is not None and self.executor != "dask":
            raise UsageError(
                "a scheduler address is only used by the dask executor",
                field="--scheduler",
                expected="--executor dask with --scheduler, or no --scheduler",
            )

    def describe(self) -> dict[str, Any]:
        """The options as the ledger and the run log keep them."""
        return {
            "paths": [str(p) for p in self.paths],
            "as_of": str(self.as_of or ""),
            "workers": self.workers,
            "executor": self.executor,
            "force": self.force,
            "timeout": self.timeout,
            "reuse_kernels": self.reuse_kernels,
            "pdf": self.pdf,
        }
