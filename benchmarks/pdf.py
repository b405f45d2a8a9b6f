"""What a PDF costs: the pages of a batch folder printed by headless Chromium, 1 and 2 at a time.

Run: .venv/bin/python benchmarks/pdf.py FOLDER [--rounds N]

FOLDER holds a batch's pages (for example `build/dossiers` after `make demo`). Every
`*.html` page in it is copied to a temporary folder and printed with
`workbook.render.pdf.print_pdfs`, as `workbook batch --pdf` prints them: one Chromium
start per page (headless Chromium prints one page per start), first one page at a time,
then two at a time; and an empty page, for what one Chromium start costs by itself.
Prints the wall-clock seconds per PDF for each, the best of N rounds, and a WARNING when
other processes compete for the CPU (the figures are then inflated).

Every PDF is checked: it starts with `%PDF-` and pdftotext finds in it the title of each
chart of its page (the charts are drawn by the page's script, so a PDF printed before
they are drawn fails). Any failure prints one `FAILED page: what` line per problem on
stderr, no figures, and exits 1.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbook.render.pdf import find_chromium, print_pdfs

#: Each chart's accessible name is its title (templates/dossier, `.dossier-plotly`).
CHART = re.compile(r'<div\b[^>]*\bclass="dossier-plotly"[^>]*>')
LABEL = re.compile(r'\baria-label="([^"]*)"')


def chart_titles(page: Path) -> list[str]:
    tags = CHART.findall(page.read_text(encoding="utf-8"))
    return [html.unescape(m[1]) for tag in tags if (m := LABEL.search(tag))]


def check(pdf: Path, page: Path) -> list[str]:
    """What is wrong with ``pdf`` as a print of ``page`` (nothing: an empty list)."""
    if not pdf.read_bytes().startswith(b"%PDF-"):
        return [f"FAILED {page.name}: not a PDF"]
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    text = " ".join(done.stdout.decode().split())
    problems = []
    for title in chart_titles(page):
        start = " ".join(title.split())[:20]  # long titles wrap after this
        if start not in text:
            problems.append(f"FAILED {page.name}: chart {start!r} not in the PDF")
    return problems


def timed(pages: list[Path], chromium: Path, workers: int, problems: list[str]) -> float:
    """Seconds to print ``pages`` ``workers`` at a time; what went wrong added to ``problems``."""
    started = time.perf_counter()
    printed = print_pdfs(pages, chromium=chromium, workers=workers)
    took = time.perf_counter() - started
    for p in printed:
        if p.error is not None:
            problems.append(f"FAILED {p.page.name}: {p.error.line()}")
        elif p.page.name != "empty.html":
            problems += check(p.target, p.page)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    chromium = find_chromium()
    sources = sorted(args.folder.glob("*.html"))
    problems = [] if sources else [f"FAILED {args.folder}: no *.html pages"]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        # What one Chromium start costs by itself: an empty page printed.
        empty = Path(tmp) / "empty.html"
        empty.write_text("<!doctype html><title>empty</title>", encoding="utf-8")
        alone = min(timed([empty], chromium, 1, problems) for _ in range(args.rounds))
        lines.append(f"an empty page: {alone:.2f} s (Chromium's start and a blank print)")
        pages = [Path(shutil.copy2(p, tmp)) for p in sources]
        for workers in (1, 2):
            best = min(timed(pages, chromium, workers, problems) for _ in range(args.rounds))
            lines.append(
                f"{len(pages)} pages, {workers} at a time: {best:.1f} s, "
                f"{best / max(len(pages), 1):.2f} s per PDF"
            )
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        lines.insert(
            0, f"WARNING: load average {load:.1f}: other processes compete; times inflated"
        )
    if problems:
        print(*problems, sep="\n", file=sys.stderr)
        return 1
    print(*lines, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
