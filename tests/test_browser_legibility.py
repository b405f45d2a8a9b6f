"""Every chart label readable, measured in Chromium: at 1280 px, at 390 px and in print.

For every plotly chart of the largest example dossier and of the portfolio page, each
piece of SVG text (tick labels, axis and chart titles, annotations, bar and point labels,
legend entries) must lie inside the chart's own box, no two tick labels of one axis may
overlap, a category axis must name every category (plotly thins out labels that do not
fit) and a date axis must show dates, not times of day. Plotly draws what does not fit
outside its SVG, on top of its neighbour or not at all without complaint, so only a
browser measuring the laid-out text can tell.

The print layout is the page at the width of an A4 sheet less the print margins of
print.css.j2: 210 mm less 2 x 12 mm is 186 mm, 703 px at 96 dpi. Printing fires
`beforeprint`, on which the page redraws every chart to the printed width (and a chart
taller than a page to a page's height): the test fires the same event.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
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
PHONE, DESKTOP, PRINT = 390, 1280, 703
TOLERANCE_PX = 1
LAYOUTS = (("1280", DESKTOP, "screen"), ("390", PHONE, "screen"), ("print", PRINT, "print"))

#: Per chart: its title, the text outside its box, the overlapping tick-label pairs, the
#: text on the title, the category axes missing labels and the date-axis ticks that show
#: a time of day.
MEASURE = """
(tol) => {
  const label = (el) => (el.textContent || '').trim();
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return label(el) && r.width > 0 && r.height > 0 && style.display !== 'none'
      && style.visibility !== 'hidden' && style.opacity !== '0';
  };
  const out = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const box = gd.getBoundingClientRect();
    // The hover layer only holds text while the pointer is over a point.
    const texts = Array.from(gd.querySelectorAll('svg text'))
      .filter((t) => !t.closest('.hoverlayer') && visible(t));
    const outside = texts.filter((t) => {
      const r = t.getBoundingClientRect();
      return r.left < box.left - tol || r.right > box.right + tol
        || r.top < box.top - tol || r.bottom > box.bottom + tol;
    }).map(label);
    const overlaps = [], unlabelled = [], times = [];
    const meets = (ra, rb) => Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > tol
      && Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > tol;
    // The title stands clear of every other text (ticks on top, notes, legend).
    const heading = gd.querySelector('.gtitle');
    const onTitle = heading ? texts.filter((t) => t !== heading
      && meets(t.getBoundingClientRect(), heading.getBoundingClientRect())).map(label) : [];
    for (const name of ['xaxis', 'yaxis']) {
      const axis = gd._fullLayout[name];
      if (!axis || !axis.visible) continue;
      const letter = name[0];
      const ticks = Array.from(gd.querySelectorAll(`.${letter}axislayer-above .${letter}tick text`))
        .filter(visible).map((t) => [label(t), t.getBoundingClientRect()]);
      for (let i = 0; i < ticks.length; i++) {
        for (let j = i + 1; j < ticks.length; j++) {
          const [a, ra] = ticks[i], [b, rb] = ticks[j];
          if (meets(ra, rb)) overlaps.push([a, b]);
        }
      }
      if (axis.type === 'category' && ticks.length < axis._categories.length) {
        unlabelled.push(`${name}: ${ticks.length} of ${axis._categories.length} labelled`);
      }
      if (axis.type === 'date') {
        times.push(...ticks.map(([t]) => t).filter((t) => /\\d:\\d\\d/.test(t)));
      }
    }
    out.push({title: heading ? label(heading) : '(untitled)', texts: texts.length,
              outside, overlaps, onTitle, unlabelled, times});
  }
  return out;
}
"""

#: On screen, a new width: each chart follows the window (plotly's responsive resize).
RESIZE = """
() => Promise.all(Array.from(document.querySelectorAll('.dossier-plotly'))
  .map((el) => window.Plotly.Plots.resize(el)))
"""
#: In print: what the browser does before it lays the page out for paper.
BEFOREPRINT = "() => { window.dispatchEvent(new Event('beforeprint')); }"
#: Every chart drawn: plotly.js is unpacked asynchronously, then each chart draws.
DRAWN = """
() => wbPlotly.then(() => new Promise((done) => setTimeout(done, 300))).then(() =>
  Array.from(document.querySelectorAll('.dossier-plotly'))
    .filter((el) => el.querySelector('svg.main-svg')).length)
"""


def layout_at(page: OpenPage, width: int, media: str) -> None:
    """Lay the page out `width` CSS px wide for `media`, and let every chart follow."""
    page.run(lambda p: p.emulate_media(media=media))
    page.run(lambda p: p.set_viewport_size({"width": width, "height": 900}))
    page.run(lambda p: p.evaluate(BEFOREPRINT if media == "print" else RESIZE))
    # Plotly redraws in an animation frame after the resize promise settles.
    page.run(lambda p: p.wait_for_timeout(300))


def legibility(path: Path, shots: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every chart's findings at 1280 px, 390 px and in print; screenshots on screen."""
    found = {}
    with open_page(path, wait_for=".js-plotly-plot .main-svg", timeout_ms=30_000) as page:
        charts = page.evaluate("document.querySelectorAll('.dossier-plotly').length")
        assert charts > 0 and page.run(lambda p: p.evaluate(DRAWN)) == charts, "all drawn"
        for name, width, media in LAYOUTS:
            layout_at(page, width, media)
            found[name] = page.run(lambda p: p.evaluate(MEASURE, TOLERANCE_PX))
            if shots and media == "screen":
                page.screenshot(ARTIFACTS / f"{shots}-{name}.png")
    return found


def defects(charts: list[dict[str, Any]]) -> dict[str, int]:
    """Per kind of defect, how many over all the charts of one layout."""
    kinds = ("outside", "overlaps", "onTitle", "unlabelled", "times")
    return {k: sum(len(c[k]) for c in charts) for k in kinds}


def explain(found: dict[str, list[dict[str, Any]]]) -> str:
    bad = {
        layout: [c for c in charts if any(c[k] for k in defects([c]))]
        for layout, charts in found.items()
    }
    return json.dumps({k: v for k, v in bad.items() if v}, indent=1, ensure_ascii=False)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The examples' batch, run as of the day before the suite's date and as of that date:
    every dossier of the second run has a history of two assessments a day apart (the
    stage-over-time chart), which plotly alone would mark in hours."""
    work = tmp_path_factory.mktemp("legibility")
    records = work / "records"
    shutil.copytree(EXAMPLES, records)
    out = work / "out"
    for as_of in (AS_OF - dt.timedelta(days=1), AS_OF):
        args = ["batch", str(records), "-o", str(out), "--as-of", as_of.isoformat()]
        run = CliRunner().invoke(main, [*args, "--workers", "1", "--force"])
        assert run.exit_code == 0, run.output
    return {"dossier": out / f"{LARGEST}.html", "portfolio": out / "index.html"}


@pytest.mark.parametrize("which", ["dossier", "portfolio"])
def test_every_chart_label_lies_inside_its_chart(pages, which):
    found = legibility(pages[which], shots=f"legibility-{which}")
    assert all(c["texts"] > 0 for charts in found.values() for c in charts)
    # The history chart is drawn: two assessments (see the fixture).
    if which == "dossier":
        assert any(c["title"] == "Supported stage over time" for c in found["1280"])
    none = {"outside": 0, "overlaps": 0, "onTitle": 0, "unlabelled": 0, "times": 0}
    counts = {layout: defects(charts) for layout, charts in found.items()}
    assert counts == {"1280": none, "390": none, "print": none}, explain(found)
