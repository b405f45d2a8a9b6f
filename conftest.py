"""nbval re-runs the committed notebooks as of the day their outputs were made; no test
reads or writes the measurement cache.

Here, at the root, so it applies to `pytest notebooks/` as much as to `make test`.
"""

from __future__ import annotations

import os

import pytest

# Every test measures its evidence itself (the disk cache, workbook/evidence/cache.py, is
# off for the whole run, the commands and kernels tests start included); the cache's own
# tests turn it on in a folder of their own.
os.environ["WORKBOOK_CACHE"] = "off"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """nbval re-runs the committed notebooks as of the day their outputs were made.

    The notebooks' parameters say ``as_of = ""`` (today, for an analyst); the date is pinned
    here, through the parameters cell nbval executes, as ``make notebooks`` pins it.
    """
    # One date for both: `make notebooks` (workbook.render.authoring) made the outputs with it.
    from workbook.present.lab import set_parameters
    from workbook.render.authoring import AS_OF

    for item in items:
        cell = getattr(item, "cell", None)
        if cell is None or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        if "as_of" in cell.source and "summary_path" not in cell.source:
            cell.source = set_parameters(cell.source, {"as_of": AS_OF})
