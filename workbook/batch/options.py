"""What a batch run is asked to do: the records, the output folder, how and where to render."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.paths import NOTEBOOKS


@dataclass
class BatchOptions:
    paths: list[Path]
    out_dir: Path
    as_of: dt.date | None = None
    gates: Path | None = None
    notebooks: Path = NOTEBOOKS
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    executor: str = "local"
    scheduler: str | None = None
    force: bool = False
    timeout: float | None = 600.0
    log: Path | None = None
    reuse_kernels: bool = False

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
        }
