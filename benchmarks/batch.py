"""A portfolio rendered three ways: the naive per-record loop, `workbook batch` cold, unchanged.

Run: .venv/bin/python benchmarks/batch.py [--records N] [--workers W] [--reuse-kernels]

Builds a portfolio of N records in a temporary folder (the twelve examples,
cycled, each copy with its own id and its evidence copied once), then times,
side by side in one run:

  naive      per record, a fresh `papermill notebooks/dossier.ipynb ...` and a
             fresh `jupyter nbconvert --to html --no-input ...`, one after another
  cold       `workbook batch PORTFOLIO -o OUT --workers W` into an empty folder
  unchanged  the same command again with nothing changed

For each step it reports the wall time and the peak memory: the RSS of the
command and all its descendants (kernels, workers), summed, sampled every
50 ms (psutil when the venv has it, /proc otherwise). `--reuse-kernels` is
passed to both batch runs when `workbook batch --help` lists it.
The last line is the two ratios: naive/cold and cold/unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"
BIN = ROOT / ".venv" / "bin"
DOSSIER_NOTEBOOK = ROOT / "notebooks" / "dossier.ipynb"
AS_OF = "2026-11-23"
POLL_SECONDS = 0.05
MIB = 1024 * 1024
ID_LINE = re.compile(r"^id:[ \t]*(\S+)[^\n]*$", re.MULTILINE)

try:
    import psutil
except ImportError:  # sample /proc directly
    psutil = None


# --- memory: peak RSS of a process tree ------------------------------------------------


def _tree_rss_psutil(root: int) -> int:
    try:
        parent = psutil.Process(root)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):  # exited between listing and reading
            total += p.memory_info().rss
    return total


def _tree_rss_proc(root: int) -> int:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # "pid (comm) state ppid ..."
        children[ppid].append(int(entry.name))
    page = os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        with contextlib.suppress(OSError, IndexError, ValueError):  # exited meanwhile
            total += int(Path("/proc", str(pid), "statm").read_text().split()[1]) * page
    return total


tree_rss = _tree_rss_psutil if psutil is not None else _tree_rss_proc
SAMPLER = "psutil" if psutil is not None else "/proc"


class PeakSampler:
    """Poll the RSS of a process and all its descendants until stopped; keep the maximum."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.pid))
            if self._stop.wait(POLL_SECONDS):
                return

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- running commands ------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    wall: float
    peak: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], logs: Path) -> Run:
    """Run one command (cwd: the project) and measure its wall time and tree peak RSS."""
    out_path, err_path = logs.with_suffix(".out"), logs.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        with PeakSampler(proc.pid) as sampler:
            returncode = proc.wait()
        wall = time.perf_counter() - start
    return Run(
        returncode,
        wall,
        sampler.peak,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def tail(text: str, lines: int = 5) -> str:
    return "\n".join(f"    {line}" for line in text.strip().splitlines()[-lines:])


@dataclass
class Step:
    name: str
    wall: float = 0.0
    peak: int = 0
    checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- the portfolio -----------------------------------------------------------------------


def build_portfolio(folder: Path, n: int) -> list[str]:
    """N records: the examples cycled, each copy with a distinct id; evidence copied once."""
    examples = sorted(EXAMPLES.glob("*.yaml"))
    folder.mkdir(parents=True)
    ids = []
    for i in range(n):
        source = examples[i % len(examples)]
        text = source.read_text(encoding="utf-8")
        match = ID_LINE.search(text)
        if match is None:
            sys.exit(f"{source}: no `id:` line to rewrite")
        original = match.group(1)
        new_id = f"{original}-{i // len(examples) + 1:02d}"
        text = text[: match.start()] + f"id: {new_id}" + text[match.end() :]
        (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        evidence = EXAMPLES / "evidence" / original
        if evidence.is_dir() and not (folder / "evidence" / original).exists():
            shutil.copytree(evidence, folder / "evidence" / original)
        ids.append(new_id)
    return ids


# --- the three steps ---------------------------------------------------------------------


def naive(records: Path, ids: list[str], out: Path, logs: Path) -> Step:
    step = Step("naive papermill + nbconvert")
    out.mkdir()
    start = time.perf_counter()
    for rid in ids:
        notebook = out / f"{rid}.ipynb"
        papermill = run_measured(
            [
                str(BIN / "papermill"),
                str(DOSSIER_NOTEBOOK),
                str(notebook),
                "-p",
                "initiative_path",
                str(records / f"{rid}.yaml"),
                "-p",
                "as_of",
                AS_OF,
            ],
            logs / f"papermill-{rid}",
        )
        step.peak = max(step.peak, papermill.peak)
        if papermill.returncode != 0:
            step.warnings.append(
                f"papermill exited {papermill.returncode} for {rid}:\n{tail(papermill.stderr)}"
            )
            if not notebook.is_file():
                continue
        nbconvert = run_measured(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(notebook)],
            logs / f"nbconvert-{rid}",
        )
        step.peak = max(step.peak, nbconvert.peak)
        if nbconvert.returncode != 0:
            step.warnings.append(
                f"nbconvert exited {nbconvert.returncode} for {rid}:\n{tail(nbconvert.stderr)}"
            )
    step.wall = time.perf_counter() - start
    html = sum((out / f"{rid}.html").is_file() for rid in ids)
    step.checks.append(f"{html}/{len(ids)} html files")
    if html != len(ids):
        step.warnings.append(f"expected {len(ids)} html files, found {html}")
    return step


def batch(name: str, cmd: list[str], ids: list[str], out: Path, logs: Path) -> Step:
    step = Step(name)
    result = run_measured(cmd, logs)
    step.wall, step.peak = result.wall, result.peak
    if result.returncode != 0:
        step.warnings.append(f"workbook batch exited {result.returncode}:\n{tail(result.stderr)}")
    dossiers = sum((out / f"{rid}.html").is_file() for rid in ids)
    index = "index.html present" if (out / "index.html").is_file() else "no index.html"
    step.checks.append(f"{dossiers}/{len(ids)} dossiers, {index}")
    if dossiers != len(ids):
        step.warnings.append(f"expected {len(ids)} dossiers, found {dossiers}")
    summary = next((line for line in result.stdout.splitlines() if line.startswith("run ")), None)
    if summary:
        step.checks.append(summary.strip())
    return step


def supports_reuse_kernels() -> bool:
    helptext = subprocess.run(
        [str(BIN / "workbook"), "batch", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "--reuse-kernels" in helptext


# --- report ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=24, help="portfolio size (default 24)")
    parser.add_argument("--workers", type=int, default=2, help="batch workers (default 2)")
    parser.add_argument(
        "--reuse-kernels",
        action="store_true",
        help="pass --reuse-kernels to both batch runs (when the CLI has it)",
    )
    args = parser.parse_args()
    if args.records < 1 or args.workers < 1:
        parser.error("--records and --workers must be at least 1")

    extra = []
    if args.reuse_kernels:
        if supports_reuse_kernels():
            extra = ["--reuse-kernels"]
        else:
            print("note: `workbook batch --help` does not list --reuse-kernels; running without it")

    with tempfile.TemporaryDirectory(prefix="workbook-batch-bench-") as tmp:
        base = Path(tmp)
        records = base / "portfolio"
        logs = base / "logs"
        logs.mkdir()
        ids = build_portfolio(records, args.records)
        out_batch = base / "out-batch"
        cmd = [
            str(BIN / "workbook"),
            "batch",
            str(records),
            "-o",
            str(out_batch),
            "--as-of",
            AS_OF,
            "--workers",
            str(args.workers),
            *extra,
        ]
        print(
            f"records={args.records} workers={args.workers} as_of={AS_OF} "
            f"batch_options={' '.join(extra) or '-'}",
            flush=True,
        )
        steps = [naive(records, ids, base / "out-naive", logs)]
        print(f"  naive done: {steps[0].wall:.1f} s", flush=True)
        steps.append(batch("batch cold", cmd, ids, out_batch, logs / "batch-cold"))
        print(f"  cold done: {steps[1].wall:.1f} s", flush=True)
        steps.append(batch("batch unchanged", cmd, ids, out_batch, logs / "batch-unchanged"))
        print(f"  unchanged done: {steps[2].wall:.1f} s", flush=True)

    for s in steps:
        for w in s.warnings:
            print(f"WARNING {s.name}: {w}")
    print()
    width = max(len(s.name) for s in steps)
    print(f"{'step':<{width}}  {'wall s':>8}  {'peak MiB':>9}  {'per record s':>12}  checks")
    for s in steps:
        print(
            f"{s.name:<{width}}  {s.wall:>8.1f}  {s.peak / MIB:>9.0f}  "
            f"{s.wall / args.records:>12.2f}  {'; '.join(s.checks)}"
        )
    print()
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()}), memory sampled with {SAMPLER} "
        f"every {POLL_SECONDS * 1000:.0f} ms"
    )
    a, b, c = (s.wall for s in steps)
    print(f"naive_over_cold={a / b:.1f} cold_over_unchanged={b / c:.1f}")


if __name__ == "__main__":
    main()
