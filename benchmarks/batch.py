"""A portfolio rendered by the naive loop (serial, then in parallel) and by `workbook batch`.

Run: .venv/bin/python benchmarks/batch.py [--records N ...] [--workers W] [--fresh-kernels]
                                         [--initiatives 1000]

For each size N (default 8 and 24) it builds a portfolio of N records in a temporary
folder (the twelve examples, cycled, each copy with its own id and its evidence copied
once), then times, side by side in one run:

  naive serial  per record, a fresh `papermill notebooks/dossier.ipynb ...` and a
                fresh `jupyter nbconvert --to html --no-input ...`, one record at a time
  naive -P W    the same two commands per record, W records at a time (`xargs -P W`),
                the parallelism the batch gets from its W workers
  cold          `workbook batch PORTFOLIO -o OUT --workers W` into an empty folder
  unchanged     the same command again with nothing changed

For each step it reports the wall time and the peak memory: the RSS of the
command and all its descendants (kernels, workers), summed, sampled every
50 ms (psutil when the venv has it, /proc otherwise). The batch keeps one kernel per
worker (its default); `--fresh-kernels` is passed to both batch runs when asked. Each
size has a measurement cache of its own, emptied before the cold batch.

`--initiatives 1000` adds a generated portfolio of that many records (built the same
way) without the naive loop: `workbook check` over all of them, a cold batch, an
unchanged batch, and the size of the portfolio page.

Every step is checked: each command exits 0, every record has its HTML, the
cold batch renders every record and the portfolio page, the unchanged batch
renders none. Any failure prints one `FAILED step: what` line per failure and
exits 1 without a ratio. Otherwise the last line holds, per size, the three ratios
naive serial/cold, naive -P W/cold and cold/unchanged (and the large portfolio's times).
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


def run_measured(cmd: list[str], logs: Path, env: dict[str, str] | None = None) -> Run:
    """Run one command (cwd: the project) and measure its wall time and tree peak RSS."""
    out_path, err_path = logs.with_suffix(".out"), logs.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
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


def last_line(text: str) -> str:
    """The last non-blank line of a command's stderr: usually the error itself."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(nothing on stderr)"


@dataclass
class Step:
    name: str
    wall: float = 0.0
    peak: int = 0
    checks: list[str] = field(default_factory=list)
    #: What went wrong; any entry makes the benchmark exit 1 without a ratio.
    failures: list[str] = field(default_factory=list)


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
            sys.exit(f"FAILED setup: {source} has no `id:` line to rewrite")
        original = match.group(1)
        new_id = f"{original}-{i // len(examples) + 1:02d}"
        text = text[: match.start()] + f"id: {new_id}" + text[match.end() :]
        (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        evidence = EXAMPLES / "evidence" / original
        if evidence.is_dir() and not (folder / "evidence" / original).exists():
            shutil.copytree(evidence, folder / "evidence" / original)
        ids.append(new_id)
    return ids


# --- the four steps ----------------------------------------------------------------------


def papermill_cmd(records: Path, rid: str, notebook: Path) -> list[str]:
    return [
        str(BIN / "papermill"),
        str(DOSSIER_NOTEBOOK),
        str(notebook),
        "-p",
        "initiative_path",
        str(records / f"{rid}.yaml"),
        "-p",
        "as_of",
        AS_OF,
    ]


def nbconvert_cmd(notebook: Path) -> list[str]:
    return [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(notebook)]


def check_html(step: Step, out: Path, ids: list[str], reported: set[str]) -> None:
    """Every record has its HTML; records whose command already failed are not named twice."""
    missing = [rid for rid in ids if not (out / f"{rid}.html").is_file()]
    step.checks.append(f"{len(ids) - len(missing)}/{len(ids)} html files")
    unexplained = [rid for rid in missing if rid not in reported]
    if unexplained:
        step.failures.append(f"no HTML written for {', '.join(unexplained)}")


def naive_serial(records: Path, ids: list[str], out: Path, logs: Path) -> Step:
    """The loop people write today: papermill then nbconvert, one record after the other."""
    step = Step("naive serial, 1 at a time")
    out.mkdir()
    failed: set[str] = set()
    start = time.perf_counter()
    for rid in ids:
        notebook = out / f"{rid}.ipynb"
        for tool, cmd in (
            ("papermill", papermill_cmd(records, rid, notebook)),
            ("nbconvert", nbconvert_cmd(notebook)),
        ):
            run = run_measured(cmd, logs / f"{tool}-{rid}")
            step.peak = max(step.peak, run.peak)
            if run.returncode != 0:
                step.failures.append(
                    f"{tool} exited {run.returncode} for {rid}: {last_line(run.stderr)}"
                )
                failed.add(rid)
                break
    step.wall = time.perf_counter() - start
    check_html(step, out, ids, failed)
    return step


# One record per shell: $1 is its id; paths come in through the environment so that
# nothing is quoted by hand. Each record's stderr goes to its own file (the jobs interleave).
NAIVE_JOB = (
    '{ "$PAPERMILL" "$NOTEBOOK" "$OUT/$1.ipynb" -p initiative_path "$RECORDS/$1.yaml" '
    '-p as_of "$AS_OF" && "$JUPYTER" nbconvert --to html --no-input "$OUT/$1.ipynb"; } '
    '2>"$LOGS/xargs-$1.err"'
)


def naive_parallel(records: Path, ids: list[str], out: Path, logs: Path, jobs: int) -> Step:
    """The same two commands per record, `jobs` records at a time, as `xargs -P` runs them."""
    step = Step(f"naive xargs -P {jobs}")
    out.mkdir()
    id_file = logs / "ids.txt"
    id_file.write_text("".join(f"{rid}\n" for rid in ids), encoding="utf-8")
    cmd = ["xargs", "-a", str(id_file), "-d", "\\n", "-P", str(jobs), "-I", "{}"]
    cmd += ["sh", "-c", NAIVE_JOB, "sh", "{}"]
    env = {
        "PAPERMILL": str(BIN / "papermill"),
        "JUPYTER": str(BIN / "jupyter"),
        "NOTEBOOK": str(DOSSIER_NOTEBOOK),
        "RECORDS": str(records),
        "OUT": str(out),
        "LOGS": str(logs),
        "AS_OF": AS_OF,
    }
    run = run_measured(cmd, logs / "xargs", env)
    step.wall, step.peak = run.wall, run.peak
    failed: set[str] = set()
    for rid in ids:
        if not (out / f"{rid}.html").is_file():
            err = logs / f"xargs-{rid}.err"
            reason = last_line(err.read_text(errors="replace")) if err.is_file() else "not run"
            step.failures.append(f"no HTML written for {rid}: {reason}")
            failed.add(rid)
    if run.returncode != 0 and not failed:
        step.failures.append(f"xargs exited {run.returncode}: {last_line(run.stderr)}")
    check_html(step, out, ids, failed)
    return step


# The batch's closing line: "run ID: 3 rendered, 0 unchanged, 0 failed, 0 invalid".
RUN_LINE = re.compile(
    r"^run \S+: (\d+) rendered, (\d+) unchanged, (\d+) failed, (\d+) invalid"
    r"(?: \(as of \S+\))?$",
    re.MULTILINE,
)
# The lines under it that name each failure and its reason.
REASON_PREFIXES = ("FAILED", "INVALID", "PORTFOLIO FAILED")


def batch(name: str, cmd: list[str], ids: list[str], out: Path, logs: Path, cold: bool) -> Step:
    """One `workbook batch` run; cold renders every record, unchanged renders none."""
    step = Step(name)
    result = run_measured(cmd, logs)
    step.wall, step.peak = result.wall, result.peak
    if result.returncode != 0:
        reasons = [
            line.strip()
            for line in result.stdout.splitlines()
            if line.strip().startswith(REASON_PREFIXES)
        ]
        why = reasons[0] if reasons else last_line(result.stderr)
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        step.failures.append(f"workbook batch exited {result.returncode}: {why}{more}")
    dossiers = sum((out / f"{rid}.html").is_file() for rid in ids)
    index = (out / "index.html").is_file()
    step.checks.append(f"{dossiers}/{len(ids)} dossiers, {'an' if index else 'no'} index.html")
    if dossiers != len(ids):
        step.failures.append(f"{dossiers} of {len(ids)} dossiers in {out.name}")
    if not index:
        step.failures.append(f"no portfolio page (index.html) in {out.name}")
    n = len(ids)
    expected = (n, 0, 0, 0) if cold else (0, n, 0, 0)
    match = RUN_LINE.search(result.stdout)
    if match is None:
        step.failures.append("no `run ID: N rendered, N unchanged, N failed, N invalid` line")
        return step
    step.checks.append(match.group(0))
    if tuple(int(g) for g in match.groups()) != expected:
        step.failures.append(
            "expected {} rendered, {} unchanged, {} failed, {} invalid; got: {}".format(
                *expected, match.group(0)
            )
        )
    return step


# --- report ----------------------------------------------------------------------------------


def run_size(n: int, w: int, extra: list[str], naive: bool, keep: Path | None = None) -> list[Step]:
    """The four steps (or, without ``naive``, the two batch steps) on an N-record portfolio."""
    with tempfile.TemporaryDirectory(prefix="workbook-batch-bench-") as tmp:
        base = Path(tmp)
        records = base / "portfolio"
        logs = base / "logs"
        logs.mkdir()
        ids = build_portfolio(records, n)
        out_batch = base / "out-batch"
        cmd = [str(BIN / "workbook"), "batch", str(records), "-o", str(out_batch),
               "--as-of", AS_OF, "--workers", str(w), *extra]  # fmt: skip
        # The measurement cache of this run only: the cold batch measures every file.
        env_cache = base / "cache"
        os.environ["WORKBOOK_CACHE"] = str(env_cache)
        print(f"records={n} workers={w} as_of={AS_OF} batch_options={' '.join(extra) or '-'}",
              flush=True)  # fmt: skip
        steps = []
        if naive:
            steps.append(naive_serial(records, ids, base / "out-naive-serial", logs))
            print(f"  naive serial done: {steps[-1].wall:.1f} s", flush=True)
            steps.append(naive_parallel(records, ids, base / "out-naive-parallel", logs, w))
            print(f"  naive -P {w} done: {steps[-1].wall:.1f} s", flush=True)
        shutil.rmtree(env_cache, ignore_errors=True)  # the naive loop's kernels filled it
        steps.append(batch(f"batch cold, {w} workers", cmd, ids, out_batch, logs / "cold", True))
        print(f"  cold done: {steps[-1].wall:.1f} s", flush=True)
        steps.append(batch("batch unchanged", cmd, ids, out_batch, logs / "unchanged", False))
        print(f"  unchanged done: {steps[-1].wall:.1f} s", flush=True)
        if not naive:
            check = run_measured(
                [str(BIN / "workbook"), "check", str(records), "--summary", "--as-of", AS_OF],
                logs / "check",
            )
            step = Step("workbook check", check.wall, check.peak)
            if check.returncode not in (0, 1):
                step.failures.append(f"check exited {check.returncode}: {last_line(check.stderr)}")
            steps.insert(0, step)
            page = out_batch / "index.html"
            size = page.stat().st_size if page.is_file() else 0
            steps[-1].checks.append(f"index.html {size / 1e6:.2f} MB")
            if keep is not None and page.is_file():
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(page, keep / "index.html")  # to look at (benchmarks/README.md)
        for s in steps:
            s.name = f"{n:>5} {s.name}"
        return steps


def report(steps: list[Step], n: int) -> None:
    width = max(len(s.name) for s in steps)
    print(f"{'step':<{width}}  {'wall s':>8}  {'peak MiB':>9}  {'per record s':>12}  checks")
    for s in steps:
        print(
            f"{s.name:<{width}}  {s.wall:>8.1f}  {s.peak / MIB:>9.0f}  "
            f"{s.wall / n:>12.3f}  {'; '.join(s.checks)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records",
        type=int,
        nargs="*",
        default=[8, 24],
        help="portfolio sizes (default 8 24; none with --initiatives: only the large one)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="batch workers, and records at a time in the parallel naive loop (default 2)",
    )
    parser.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="pass --fresh-kernels to the batch runs (a kernel per dossier)",
    )
    parser.add_argument(
        "--initiatives",
        type=int,
        default=0,
        help="also a generated portfolio of this many initiatives (e.g. 1000): workbook check, "
        "a cold batch, an unchanged batch and the portfolio page's size; no naive loop",
    )
    parser.add_argument(
        "--keep-page",
        type=Path,
        default=None,
        help="copy the large portfolio's index.html into this folder, to look at",
    )
    args = parser.parse_args()
    if any(n < 1 for n in args.records) or args.workers < 1:
        parser.error("--records and --workers must be at least 1")
    tools = [BIN / "papermill", BIN / "jupyter", BIN / "workbook"]
    missing = [str(t) for t in tools if not t.is_file()]
    missing += [] if shutil.which("xargs") else ["xargs"]
    if missing:
        sys.exit(f"FAILED setup: not found: {', '.join(missing)}")
    extra = ["--fresh-kernels"] if args.fresh_kernels else []
    w = args.workers
    runs = {n: run_size(n, w, extra, naive=True) for n in args.records}
    large = (
        run_size(args.initiatives, w, extra, naive=False, keep=args.keep_page)
        if args.initiatives
        else []
    )

    failures = [f"FAILED {s.name.strip()}: {f}" for steps in [*runs.values(), large]
                for s in steps for f in s.failures]  # fmt: skip
    if failures:
        # A figure from a failed run would flatter whichever side did less work: no ratio.
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)

    print()
    for n, steps in runs.items():
        report(steps, n)
        print()
    if large:
        report(large, args.initiatives)
        print()
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()}), memory sampled with {SAMPLER} "
        f"every {POLL_SECONDS * 1000:.0f} ms"
    )
    print(
        f"naive serial renders one record at a time; naive -P {w} renders {w} at a time "
        f"(xargs -P {w}), as many as the batch's {w} workers"
    )
    ratios = []
    for n, steps in runs.items():
        serial, parallel, cold, unchanged = (s.wall for s in steps)
        ratios.append(
            f"records={n}: naive_serial_over_cold={serial / cold:.1f} "
            f"naive_p{w}_over_cold={parallel / cold:.1f} cold_over_unchanged={cold / unchanged:.1f}"
        )
    if large:
        check, cold, unchanged = (s.wall for s in large)
        ratios.append(
            f"initiatives={args.initiatives}: check_s={check:.1f} cold_s={cold:.1f} "
            f"unchanged_s={unchanged:.1f} cold_over_unchanged={cold / unchanged:.1f}"
        )
    print(" | ".join(ratios))


if __name__ == "__main__":
    main()
