"""Exported pages -> PDF, printed by headless Chromium: ``find_chromium`` -> ``print_pdf``.

Chromium prints what a reader's browser would print: the page's own print stylesheet,
its charts drawn by the page's own script. Each page costs one Chromium start:
headless Chromium prints one page per start ("Multiple targets are not supported in
headless mode"), so a batch prints several pages side by side (``print_pdfs``).

Chromium writes the PDF with a plain ``open()``, which would follow a link planted in a
shared output folder. So it writes into a private temporary folder (0700, beside its
throw-away profile), and the PDF reaches the output folder through ``files.atomic_write``:
a temporary file beside the target, renamed over it, never through a link; a link at the
target is refused and its target left as it was. A failed or timed-out print leaves the
old PDF intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import ChromiumMissing, PdfFailed, WorkbookError
from workbook.files import atomic_write, refuse_link

#: The environment variable naming the Chromium (or Chrome) executable to use.
CHROMIUM_VARIABLE = "WORKBOOK_CHROMIUM"
#: Looked for on PATH, in this order, when the variable is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: No sandbox (the page is our own, and root cannot run one), no GPU, nothing fetched or
#: updated in the background; the page's Content-Security-Policy forbids every request.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
#: Virtual milliseconds the page may run before it is printed. The page unpacks plotly.js
#: with DecompressionStream and then draws each chart, asynchronously: without a budget
#: Chromium prints before any chart is drawn. Virtual time runs ahead when the page is idle,
#: so a generous budget costs almost no real time (50 ms sufficed on the example pages;
#: 30 s at no measurable extra cost).
VIRTUAL_TIME_MS = 30_000
#: Real seconds one print may take before Chromium is stopped (a print takes 1-2 s).
TIMEOUT = 120.0
#: The lines Chromium writes on stderr that say what went wrong (not the D-Bus chatter).
_CHROMIUM_ERROR = re.compile(r"^\[[^\]]*:ERROR:[^\]]*\]\s*(?P<message>.+)$")


def find_chromium(environ: Mapping[str, str] | None = None) -> Path:
    """The Chromium to print with: WORKBOOK_CHROMIUM, else the first of CHROMIUM_NAMES on PATH."""
    env = os.environ if environ is None else environ
    path = env.get("PATH", os.defpath)
    named = env.get(CHROMIUM_VARIABLE, "").strip()
    if named:
        found = shutil.which(named, path=path)
        if found is None:
            raise ChromiumMissing(
                f"{CHROMIUM_VARIABLE} names no executable file",
                path=named,
                expected=f"{CHROMIUM_VARIABLE} set to a Chromium or Chrome executable, "
                "or unset to use chromium from PATH",
            )
        return Path(found)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=path)
        if found is not None:
            return Path(found)
    raise ChromiumMissing(
        f"no Chromium to print PDFs with: none of {', '.join(CHROMIUM_NAMES)} is on PATH "
        f"and {CHROMIUM_VARIABLE} is not set",
        expected=f"`apt-get install chromium`, or {CHROMIUM_VARIABLE} set to a Chromium "
        "or Chrome executable",
    )


def pdf_path(page: Path) -> Path:
    """Where a page's PDF goes: beside it, ``<name>.pdf``."""
    return page.with_suffix(".pdf")


def is_current(page: Path, pdf: Path) -> bool:
    """Whether ``pdf`` is a plain file written after ``page`` (so printed from this page).

    The modification time decides, not a state file: a run killed between writing a page
    and printing it leaves an older PDF, which the next run prints again.
    """
    try:
        written, printed = page.stat(), pdf.lstat()
    except OSError:
        return False
    return pdf.is_file() and not pdf.is_symlink() and printed.st_mtime_ns >= written.st_mtime_ns


def print_pdf(
    page: Path,
    target: Path | None = None,
    *,
    chromium: Path,
    timeout: float = TIMEOUT,
    base: Path | None = None,
) -> Path:
    """Print ``page`` to ``target`` (default: beside it, ``<name>.pdf``) and return ``target``.

    Raises PdfFailed when Chromium fails, times out or writes no PDF, and UsageError for
    a link at ``target`` (or a folder between ``base`` and it); the old PDF is then intact.
    """
    target = target or pdf_path(page)
    refuse_link(target)  # said before Chromium starts; atomic_write refuses it again
    with tempfile.TemporaryDirectory(prefix="workbook-pdf-", ignore_cleanup_errors=True) as tmp:
        printed = Path(tmp) / "page.pdf"
        command = [
            str(chromium),
            *FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            f"--print-to-pdf={printed}",
            page.resolve().as_uri(),
        ]
        # Chromium keeps caches and certificates under HOME: in the throwaway folder, so a
        # nightly batch run as root leaves nothing in root's home.
        home = str(Path(tmp) / "home")
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home}
        _run(command, page, timeout, env)
        try:
            data = printed.read_bytes()
        except OSError:
            data = b""
        if not data.startswith(b"%PDF-"):
            raise PdfFailed(
                "Chromium wrote no PDF"
                if not data
                else "Chromium wrote something that is not a PDF",
                path=page,
                expected="a page Chromium can open and print",
            )
        atomic_write(target, lambda f: f.write(data), binary=True, base=base)
    return target


def _run(command: list[str], page: Path, timeout: float, env: Mapping[str, str]) -> None:
    """Run Chromium to its end, or stop it (and every process it started) at ``timeout``."""
    try:
        # A session of its own: on a timeout its whole process group is stopped.
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
    except OSError as exc:
        raise PdfFailed(
            f"cannot start Chromium: {exc.strerror or exc}",
            path=command[0],
            expected=f"an executable Chromium; check {CHROMIUM_VARIABLE} and PATH",
        ) from None
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise PdfFailed(
            f"Chromium did not finish printing within {timeout:g} s; stopped it", path=page
        ) from None
    finally:
        _stop(proc)  # helpers it left behind
    reason = _reason(err.decode("utf-8", errors="replace"))
    if proc.returncode != 0:
        raise PdfFailed(f"Chromium exited with code {proc.returncode}{reason}", path=page)
    if reason:
        raise PdfFailed(f"Chromium could not print{reason}", path=page)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=10)


def _reason(stderr: str) -> str:
    """``: <what Chromium said>`` for a failed load or write, else empty."""
    for line in reversed(stderr.splitlines()):
        m = _CHROMIUM_ERROR.match(line.strip())
        if m and "headless" in line:  # the headless command handler: load or write failed
            return f": {m['message'][:200]}"
    return ""


@dataclass(frozen=True)
class Printed:
    """One page's print: the PDF written, or the error that stopped it."""

    page: Path
    target: Path
    error: WorkbookError | None = None


def print_pdfs(
    pages: Sequence[Path],
    *,
    chromium: Path,
    workers: int = 1,
    timeout: float = TIMEOUT,
    base: Path | None = None,
) -> list[Printed]:
    """Print each page beside itself, ``workers`` Chromiums at a time; never raises for one page.

    Results come in the order of ``pages``; a page that failed carries its error.
    """

    def one(page: Path) -> Printed:
        target = pdf_path(page)
        try:
            return Printed(
                page, print_pdf(page, target, chromium=chromium, timeout=timeout, base=base)
            )
        except WorkbookError as exc:
            return Printed(page, target, exc)

    if workers <= 1 or len(pages) <= 1:
        return [one(p) for p in pages]
    with ThreadPoolExecutor(max_workers=min(workers, len(pages))) as pool:
        return list(pool.map(one, pages))


__all__ = [
    "CHROMIUM_NAMES",
    "CHROMIUM_VARIABLE",
    "FLAGS",
    "TIMEOUT",
    "VIRTUAL_TIME_MS",
    "Printed",
    "find_chromium",
    "is_current",
    "pdf_path",
    "print_pdf",
    "print_pdfs",
]
