"""Run one notebook with papermill, in this process, keeping the failed notebook.

One path for every run, papermill's own steps: prepare (load, parameterize),
execute with the ``workbook`` engine on a kernel from a ``Kernels`` source
(started for this notebook, started ahead, or kept and reset), raise for a
failed cell. The notebook is written only when the run failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from workbook.errors import KernelDidNotStart, NotebookFailed, UsageError
from workbook.model.yamlio import shown

if TYPE_CHECKING:
    from workbook.render.inprocess import InProcessShell
    from workbook.render.kernels import Kernels

__all__ = ["KernelDidNotStart", "NotebookFailed", "describe_cell", "run_notebook", "running_cell"]


def describe_cell(nb: nbformat.NotebookNode, index: int) -> str:
    """``cell 12 (chapter 'Data and data gaps')``: where a failure happened, for humans."""
    from workbook.present.chapters import chapter as find

    tags = nb.cells[index].get("metadata", {}).get("tags", []) if 0 <= index < len(nb.cells) else []
    key = next((t.removeprefix("chapter:") for t in tags if t.startswith("chapter:")), None)
    return f"cell {index + 1}" + (f" (chapter '{find(key).title}')" if key else "")


def running_cell(nb: nbformat.NotebookNode) -> int:
    """Where a run stopped: the last cell papermill started (-1 if none).

    papermill marks every cell completed when a run ends early, but only cells
    that actually ran carry a start time.
    """
    started = [
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return started[-1] if started else -1


def run_notebook(
    nb: nbformat.NotebookNode,
    parameters: dict[str, Any],
    *,
    record: str | Path,
    partial: Path,
    timeout: int | None = None,
    kernels: Kernels | InProcessShell | None = None,
) -> nbformat.NotebookNode:
    """Execute ``nb`` with ``parameters``; on failure keep it at ``partial`` and raise.

    ``kernels`` says where the kernel comes from (default: one started for this
    notebook and stopped after it), or that this process's own shell runs the cells
    (``inprocess.InProcessShell``). ``partial`` is written only when something
    failed: a raising cell (with papermill's error banner), a cell over
    ``timeout`` seconds (whole seconds, at least 1; None: no limit), a dead
    kernel or one that never started; a notebook kept there by an earlier run is
    removed first. ``NotebookFailed`` names the
    record, the cell and its chapter; ``KernelDidNotStart`` (a NotebookFailed)
    says no cell ran, which a caller may try once more.
    """
    # papermill takes two seconds to import: only when a notebook really runs.
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from workbook.render.engine import ENGINE
    from workbook.render.inprocess import InProcessShell
    from workbook.render.kernels import FRESH, KERNEL

    # nbclient's timeout is whole seconds, and it reads 0 or less as "no limit": refuse
    # either before a kernel starts, not as a TraitError on every notebook.
    if timeout is not None and (type(timeout) is not int or timeout < 1):
        raise UsageError(
            f"{shown(timeout)} is not a cell timeout",
            field="timeout",
            expected="a whole number of seconds, at least 1, or None for no limit",
        )
    partial.unlink(missing_ok=True)  # what is found there after this run is from this run
    # papermill.execute_notebook, step by step, without its write of every successful run.
    try:
        prepared = remove_error_markers(load_notebook_node(nb))
        if parameters:
            prepared = parameterize_notebook(
                prepared, parameters, kernel_name=KERNEL, language="python", engine_name=ENGINE
            )
        engine = kernels.engine if isinstance(kernels, InProcessShell) else ENGINE
        executed = papermill_engines.execute_notebook_with_engine(
            engine,
            prepared,
            kernel_name=KERNEL,
            progress_bar=False,
            autosave_cell_every=0,
            execution_timeout=timeout,
            kernels=FRESH if kernels is None else kernels,
            partial=partial,
        )
        if executed.metadata.papermill.get("exception"):
            partial.parent.mkdir(parents=True, exist_ok=True)  # papermill makes no folder
        raise_for_execution_errors(executed, str(partial))  # writes the notebook only on error
    except PapermillExecutionError as exc:
        # The cell is counted as it ran, without the two banner cells papermill added.
        ran = remove_error_markers(nbformat.read(partial, as_version=4))
        raise NotebookFailed(
            f"{exc.ename}: {exc.evalue}",
            path=record,
            cell=describe_cell(ran, exc.cell_index),
            partial=partial,
        ) from None
    except Exception as exc:  # timeouts, dead kernels, kernels that never started
        kind = type(exc).__name__
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        kept = partial if partial.exists() else None
        stopped = nbformat.read(kept, as_version=4) if kept is not None else None
        index = running_cell(stopped) if stopped is not None else -1
        if stopped is None or index < 0:  # no cell started: the kernel never came up
            raise KernelDidNotStart(
                f"{kind}: {first}", path=record, cell="kernel", partial=kept
            ) from None
        where = describe_cell(stopped, index)
        raise NotebookFailed(f"{kind}: {first}", path=record, cell=where, partial=kept) from None
    return executed
