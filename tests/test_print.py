"""Printing: the largest example dossier and the portfolio page, printed to PDF in Chromium.

What a reviewer filing the PDF relies on: page 1 is the executive summary and nothing else
(the dossier's verdict, what blocks the next gate, who must act, the readiness chart), the
page count stays within a budget, and nothing is cut: no element runs past the page's
content box, no table or code block scrolls (a scrollbar would print instead of the rest),
every chart fits the page width.

The print layout is A4 less the print stylesheet's 12 mm margins (templates/dossier/
print.css.j2): 210 - 2 x 12 = 186 mm, at 96 px per 25.4 mm that is 702.99 px: 703 CSS px.

Page budgets, measured (pdfinfo) on the examples as of AS_OF, A4, 12 mm margins. Before the
print stylesheet the invoice-coding dossier printed to 31-32 pages and the portfolio to
22-29 (every h2 forced a page, the cover's title too; wide tables made Chromium shrink
every page to fit). With it, at 9 pt and nothing shrunk: 17 and 10-12 (the portfolio page
is still growing). The budgets leave room for that, about 25 %: 22 and 14 pages.

The first two pages of each PDF are kept as PNG (pdftoppm, 60 dpi) in test-artifacts/,
with screenshots of the top of the dossier (its executive summary) at 1280 and 390 px:
cover-1280.png, cover-390.png.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from browser import OpenPage, open_page
from conftest import AS_OF, EXAMPLES, REPO
from workbook.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
#: The largest example page (benchmarks/page_size.py prints every page's size).
LARGEST = "invoice-coding"
#: 186 mm of A4 content width in CSS px (see the module docstring).
CONTENT_WIDTH = 703
MARGIN = "12mm"
#: Pages, measured and budgeted (see the module docstring).
BUDGET = {"dossier": 22, "portfolio": 14}
TOLERANCE_PX = 1
POPPLER_MISSING = (
    "poppler-utils is not installed (pdfinfo, pdftotext, pdftoppm): apt-get install poppler-utils"
)

#: Every chart drawn: plotly.js is unpacked asynchronously, then each chart draws.
DRAWN = """
() => wbPlotly.then(() => new Promise((done) => setTimeout(done, 300))).then(() =>
  Array.from(document.querySelectorAll('.dossier-plotly'))
    .filter((el) => el.querySelector('svg.main-svg')).length)
"""

#: What is cut in the layout as it is: elements past the content box, boxes that scroll,
#: charts wider than the page, and the page's own horizontal overflow.
CUT = """
(tol) => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const past = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;  // the chart test's
    if (el.closest('#js-plotly-tester')) continue;  // plotly measures text there, off the page
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -tol || r.right > width + tol) past.push([name(el), Math.round(r.left), Math.round(r.right)]);
  }
  const scrolling = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll', 'hidden'].includes(style.overflowX)) continue;
    if (el.closest('.js-plotly-plot')) continue;  // plotly clips its own drag layers
    if (shown(el) && el.scrollWidth > el.clientWidth + tol) {
      scrolling.push([name(el), el.clientWidth, el.scrollWidth]);
    }
  }
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot svg.main-svg'))
    .map((svg) => Math.round(svg.getBoundingClientRect().right))
    .filter((right) => right > width + tol);
  return {width, past: past.slice(0, 20), pastCount: past.length,
          scrolling: scrolling.slice(0, 20), scrollingCount: scrolling.length,
          chartsTooWide: charts, pageScroll: document.documentElement.scrollWidth - width};
}
"""
CHART_WIDTHS = """
Array.from(document.querySelectorAll('.js-plotly-plot svg.main-svg'))
  .map((svg) => Math.round(svg.getBoundingClientRect().width))
"""


def poppler(tool: str, *args: str) -> str:
    """Run a poppler tool; fail (never skip) when it is not installed."""
    if shutil.which(tool) is None:
        pytest.fail(POPPLER_MISSING, pytrace=False)
    run = subprocess.run([tool, *args], capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def pdf_pages(pdf: Path) -> int:
    (line,) = [x for x in poppler("pdfinfo", str(pdf)).splitlines() if x.startswith("Pages:")]
    return int(line.split()[1])


def page_text(pdf: Path, number: int) -> str:
    """The text of one PDF page, its whitespace collapsed."""
    text = poppler("pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-")
    return " ".join(text.split())


#: A word's box in ``pdftotext -bbox`` output, in points.
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)"')
#: 12 mm in points (72 per inch of 25.4 mm): 34.02.
MARGIN_PT = 12 / 25.4 * 72


def words_past_the_margins(pdf: Path) -> list[tuple[int, str]]:
    """(page, word) for every word printed into the side margins or past the page edge.

    What runs off the content box of a printed page is cut; poppler reports the words
    that still touch the page, so a chart drawn at screen width shows up here.
    """
    out = []
    for number, page in enumerate(poppler("pdftotext", "-bbox", str(pdf), "-").split("</page>"), 1):
        width = _PAGE.search(page)
        if width is None:
            continue
        right = float(width.group(1)) - MARGIN_PT
        for x_min, _, x_max, _, word in _WORD.findall(page):
            if float(x_min) < MARGIN_PT - 1 or float(x_max) > right + 1:
                out.append((number, word))
    return out


def text_height(pdf: Path) -> float:
    """The median height of the document's words, in points.

    Chromium shrinks a page wider than the paper to fit it: every word gets smaller.
    """
    page = poppler("pdftotext", "-bbox", str(pdf), "-")
    heights = sorted(float(y1) - float(y0) for _, y0, _, y1, _ in _WORD.findall(page))
    return heights[len(heights) // 2]


def print_pdf(page: OpenPage, pdf: Path) -> Path:
    """Print as a reader would: A4, the page's own margins (print.css.j2 sets 12 mm)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    margins = dict.fromkeys(("top", "right", "bottom", "left"), MARGIN)
    page.run(
        lambda p: p.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, margin=margins),
        timeout_s=180,
    )
    return pdf


def keep_first_pages(pdf: Path, name: str) -> list[Path]:
    """The first two pages as PNG in test-artifacts/ (name-1.png, name-2.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / f"print-{name}"
    for old in ARTIFACTS.glob(f"print-{name}-*.png"):
        old.unlink()
    poppler("pdftoppm", "-r", "60", "-f", "1", "-l", "2", "-png", str(pdf), str(prefix))
    # pdftoppm numbers pages with as many digits as the document's page count needs.
    kept = sorted(ARTIFACTS.glob(f"print-{name}-*.png"))
    renamed = []
    for png in kept:
        number = int(re.search(r"-(\d+)\.png$", png.name).group(1))
        renamed.append(png.rename(ARTIFACTS / f"print-{name}-{number}.png"))
    return renamed


def cut_in_print(page: OpenPage) -> dict[str, Any]:
    """Lay the page out as printed (print media, A4 content width, `beforeprint` fired as
    printing fires it) and measure what would be cut."""
    page.run(lambda p: p.emulate_media(media="print"))
    page.run(lambda p: p.set_viewport_size({"width": CONTENT_WIDTH, "height": 1000}))
    page.run(lambda p: p.evaluate("window.dispatchEvent(new Event('beforeprint'))"))
    page.run(lambda p: p.wait_for_timeout(300))
    return page.run(lambda p: p.evaluate(CUT, TOLERANCE_PX))


def back_on_screen(page: OpenPage) -> list[int]:
    """`afterprint` on a 1280 px screen: the charts' widths once they have followed."""
    page.run(lambda p: p.emulate_media(media="screen"))
    page.run(lambda p: p.set_viewport_size({"width": 1280, "height": 900}))
    page.run(lambda p: p.evaluate("window.dispatchEvent(new Event('afterprint'))"))
    page.run(lambda p: p.wait_for_timeout(300))
    return page.evaluate(CHART_WIDTHS)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The examples' batch as of AS_OF: every dossier and the portfolio page."""
    out = tmp_path_factory.mktemp("print") / "out"
    args = ["batch", str(EXAMPLES), "-o", str(out), "--as-of", AS_OF.isoformat()]
    run = CliRunner().invoke(main, [*args, "--workers", "2"])
    assert run.exit_code == 0, run.output
    return {"dossier": out / f"{LARGEST}.html", "portfolio": out / "index.html"}


def printed(path: Path, pdf: Path, name: str) -> dict[str, Any]:
    """Print `path` to `pdf`; then what print layout cuts, and the charts after printing."""
    with open_page(path, wait_for=".js-plotly-plot .main-svg", timeout_ms=30_000) as page:
        charts = page.evaluate("document.querySelectorAll('.dossier-plotly').length")
        assert charts > 0 and page.run(lambda p: p.evaluate(DRAWN)) == charts, "all drawn"
        if name == "dossier":
            for width in (1280, 390):
                page.run(lambda p, w=width: p.set_viewport_size({"width": w, "height": 900}))
                page.run(lambda p: p.wait_for_timeout(300))
                page.run(
                    lambda p, w=width: p.screenshot(
                        path=str(ARTIFACTS / f"cover-{w}.png"), type="png"
                    )
                )
            page.run(lambda p: p.set_viewport_size({"width": 1280, "height": 900}))
        print_pdf(page, pdf)
        cut = cut_in_print(page)
        after = back_on_screen(page)
        headline = page.evaluate("(document.querySelector('.wb-headline') || {}).textContent || ''")
    return {"cut": cut, "after": after, "headline": " ".join(headline.split())}


@pytest.fixture(scope="module")
def dossier(pages, tmp_path_factory) -> dict[str, Any]:
    pdf = tmp_path_factory.mktemp("pdf") / f"{LARGEST}.pdf"
    return {"pdf": pdf, **printed(pages["dossier"], pdf, "dossier")}


@pytest.fixture(scope="module")
def portfolio(pages, tmp_path_factory) -> dict[str, Any]:
    pdf = tmp_path_factory.mktemp("pdf") / "index.pdf"
    return {"pdf": pdf, **printed(pages["portfolio"], pdf, "portfolio")}


@pytest.mark.parametrize("which", ["dossier", "portfolio"])
def test_the_pdf_stays_within_its_page_budget(which, request):
    result = request.getfixturevalue(which)
    kept = keep_first_pages(result["pdf"], which)
    assert [p.name for p in kept] == [f"print-{which}-1.png", f"print-{which}-2.png"]
    assert pdf_pages(result["pdf"]) <= BUDGET[which]


@pytest.mark.parametrize("which", ["dossier", "portfolio"])
def test_nothing_is_cut_in_print(which, request):
    cut = request.getfixturevalue(which)["cut"]
    assert cut["width"] == CONTENT_WIDTH
    found = {k: cut[k] for k in ("past", "scrolling", "chartsTooWide")}
    assert (cut["pageScroll"], cut["pastCount"], cut["scrollingCount"]) == (0, 0, 0), found
    assert cut["chartsTooWide"] == [], found


@pytest.mark.parametrize("which", ["dossier", "portfolio"])
def test_nothing_is_printed_into_the_margins(which, request):
    pdf = request.getfixturevalue(which)["pdf"]
    assert words_past_the_margins(pdf) == []
    # Printed at its own size: the tables' 10.2 CSS px text (7.65 pt; most of the words)
    # has word boxes 8.9 pt high, the 12 px prose 9.6 pt. A page shrunk to fit the paper
    # (a chart left at screen width) measured 5.9 pt.
    assert text_height(pdf) > 7.5


@pytest.mark.parametrize("which", ["dossier", "portfolio"])
def test_after_printing_the_charts_take_the_screen_width_again(which, request):
    # At 1280 px a chart's box is far wider than the 703 px it had on paper.
    after = request.getfixturevalue(which)["after"]
    assert after and all(w > CONTENT_WIDTH + 100 for w in after), after


def test_page_one_is_the_executive_summary_alone(dossier):
    first, second = page_text(dossier["pdf"], 1), page_text(dossier["pdf"], 2)
    # The verdict (the cover's headline), what blocks the next gate, who must act, and the
    # readiness chart (its title: the chart draws with the page).
    assert dossier["headline"] and dossier["headline"] in first
    for part in ("What blocks the next gate", "Who must act", "Readiness for the"):
        assert part in first, part
    # Nothing else: the contents and the first chapter start on page 2.
    assert "Contents" not in first and "1. Stage and boundaries" not in first
    assert second.startswith("Contents")
