"""Where a shared report's paths are shown from.

A path in a dossier or a message is shown relative to the working folder, or reduced
to its name outside it, so a shared page does not sketch the author's disk. A batch
worker that renders from copies (a Dask worker without the portfolio's disk,
``batch/shipping.py``) lays them out as the client's working folder holds them, and
says so here: the dossier then shows the client's paths, never the worker's.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable: the folder paths are shown relative to (default: the working folder).
SHOWN_FROM = "WORKBOOK_SHOWN_FROM"


def shown_from() -> Path:
    """The folder shared paths are shown relative to."""
    return Path(os.environ.get(SHOWN_FROM) or os.getcwd())
