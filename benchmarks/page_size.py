"""Page weight: every example dossier and the portfolio page, before and after packing plotly.js.

Run: .venv/bin/python benchmarks/page_size.py [--workers W] [--keep DIR]

Renders the twelve examples and the portfolio page with `workbook batch` (as of a fixed
date) into a temporary folder, then prints, side by side for each page:

  before  the page with the full plotly.min.js of the plotly package inlined as text, as the
          export wrote it until issue 14 (the packed bundle swapped back for it; the loader,
          about 2 KB, stays in both)
  after   the page as written: the cartesian partial bundle, gzipped and base85-encoded
  ratio   before / after

Every step is checked: the batch exits 0, every example has its dossier, the portfolio
page is written, and every page holds the packed bundle. A failure, or any page above
1 MB (1,048,576 bytes), prints one `FAILED step: what` line per problem and exits 1. The
last line is the largest page after, and the smallest and largest ratio.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"
BIN = ROOT / ".venv" / "bin"
AS_OF = "2026-11-23"
BUDGET = 1024 * 1024
FULL_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The packed bundle's element, its attributes in any order (the batch may rewrite the page).
PACKED = re.compile(r'<script\b[^>]*\bid="wb-plotly-packed"[^>]*>[^<]*</script>')
NONCE = re.compile(r'\bnonce="([^"]+)"')


def before(page: str, full_js: str) -> str | None:
    """The page with plotly.js inlined in full, as before; None when it holds no packed bundle."""
    match = PACKED.search(page)
    if match is None:
        return None
    nonce = NONCE.search(match.group(0))
    attributes = f' nonce="{nonce.group(1)}"' if nonce else ""
    inline = f'<script type="text/javascript"{attributes}>\n{full_js}\n</script>'
    return page[: match.start()] + inline + page[match.end() :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="render into this folder and keep it")
    args = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "out"
        cmd = [str(BIN / "workbook"), "batch", str(EXAMPLES), "-o", str(out), "--force",
               "--as-of", AS_OF, "--workers", str(args.workers)]  # fmt: skip
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        if run.returncode != 0:
            tail = (run.stderr or run.stdout).strip().splitlines()[-1:]
            failures.append(f"batch: exit {run.returncode}: {' '.join(tail)}")
        names = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
        pages = [(name, out / f"{name}.html") for name in names]
        pages.append(("portfolio (index.html)", out / "index.html"))
        full_js = FULL_PLOTLY.read_text(encoding="utf-8")
        rows = []
        for name, path in pages:
            if not path.is_file():
                failures.append(f"render: {name}: no {path.name}")
                continue
            page = path.read_text(encoding="utf-8")
            old = before(page, full_js)
            if old is None:
                failures.append(f"render: {name}: no packed plotly.js in {path.name}")
                continue
            size, old_size = path.stat().st_size, len(old.encode("utf-8"))
            rows.append((name, old_size, size))
            if size > BUDGET:
                failures.append(f"budget: {name}: {size:,} bytes > {BUDGET:,}")
    print(f"{'page':<34} {'before':>11} {'after':>11} {'ratio':>6}")
    for name, old_size, size in rows:
        print(f"{name:<34} {old_size:>11,} {size:>11,} {old_size / size:>6.2f}")
    if failures:
        for failure in failures:
            print(f"FAILED {failure}", file=sys.stderr)
        return 1
    ratios = [old_size / size for _, old_size, size in rows]
    largest = max(size for _, _, size in rows)
    print(f"largest_after={largest} budget={BUDGET} ratio_min={min(ratios):.2f} "
          f"ratio_max={max(ratios):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
