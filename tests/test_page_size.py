"""Light pages: a dossier carries plotly.js packed, stays under 1 MB, and its charts still work."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from pathlib import Path

import plotly
import plotly.offline
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_notebook, new_output
from test_dossier import LARGEST_CHARTS  # counted by hand there

from browser import open_page
from conftest import REPO
from workbook.render.export import PLOTLY_MIME, check_page, export_html

#: The issue's budget: at most 1 MB (MiB) per page.
BUDGET = 1024 * 1024
VENDOR = REPO / "workbook" / "vendor"
FULL_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: Python's base85 alphabet (RFC 1924 order, as `base64.b85encode` writes it).
RFC1924 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"


def unpacked(html: str) -> bytes:
    """The plotly.js a page carries, unpacked by the standard library, not by the exporter."""
    packed = BeautifulSoup(html, "html.parser").find(id="wb-plotly-packed")
    digits = packed["data-digits"].encode()
    text = packed.get_text().encode().translate(bytes.maketrans(digits, RFC1924))
    return gzip.decompress(base64.b85decode(text))


def chart_page(*traces: dict) -> str:
    figure = {"data": list(traces), "layout": {"title": {"text": "t"}}}
    out = new_output("display_data", data={PLOTLY_MIME: figure, "text/plain": "Figure"})
    cell = new_code_cell("fig")
    cell.outputs = [out]
    nb = new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return export_html(nb, "t")


def test_the_vendored_bundle_is_the_version_plotly_draws_with_and_unmodified():
    js = (VENDOR / "plotly-cartesian.min.js").read_bytes()
    version = plotly.offline.get_plotlyjs_version()
    # The MIT licence header stays at the top of the file.
    assert js.startswith(
        f"/**\n* plotly.js (cartesian - minified) v{version}\n* Copyright 2012-".encode()
    )
    assert b"Licensed under the MIT license" in js[:200]
    recorded = re.search(r"`([0-9a-f]{64})`", (VENDOR / "PROVENANCE.md").read_text()).group(1)
    assert hashlib.sha256(js).hexdigest() == recorded
    assert (VENDOR / "LICENSE.plotly.js").read_text().startswith("MIT License")


def test_the_page_carries_the_cartesian_bundle_packed_for_bar_heatmap_and_scatter():
    html = chart_page({"type": "bar"}, {"type": "heatmap"}, {"x": [1], "y": [2]})
    assert unpacked(html) == (VENDOR / "plotly-cartesian.min.js").read_bytes()
    # No plotly.js source stands in the page as text: only the packed form.
    assert "plotly.js (cartesian" not in html and "Plotly.register" not in html


def test_a_trace_the_cartesian_bundle_lacks_gets_the_full_plotly_js():
    html = chart_page({"type": "bar"}, {"type": "scattergl", "x": [1], "y": [2]})
    assert unpacked(html) == FULL_PLOTLY.read_bytes()


def test_the_packed_text_can_open_no_tag_comment_or_entity():
    digits = BeautifulSoup(chart_page({"type": "bar"}), "html.parser").find(id="wb-plotly-packed")[
        "data-digits"
    ]
    assert len(set(digits)) == 85
    assert set(digits).isdisjoint("<>&`\"'\\/ ")


#: For each chart, the hover labels it shows: plotly's own hover on the first point of the
#: first hoverable trace; failing that (a heatmap's points are cells), the pointer moved over
#: the plot area, points of a grid in turn, as a reader's would, until one lands on a mark.
HOVER_EVERY_CHART = """async () => {
  const pause = () => new Promise(done => setTimeout(done, 60));
  const labels = gd => gd.querySelectorAll('.hoverlayer .hovertext').length;
  const shown = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    gd.scrollIntoView();
    const curve = gd.data.findIndex(t => t.hoverinfo !== 'skip' && t.visible !== false);
    if (gd.data[curve].type !== 'heatmap') {
      Plotly.Fx.hover(gd, [{curveNumber: curve, pointNumber: 0}]);
    }
    await pause();
    const drag = gd.querySelector('.nsewdrag');
    const area = drag.getBoundingClientRect();
    for (let i = 1; i < 10 && !labels(gd); i += 2) {
      for (let j = 1; j < 10 && !labels(gd); j += 2) {
        const at = {clientX: area.left + area.width * i / 10,
                    clientY: area.top + area.height * j / 10, bubbles: true};
        drag.dispatchEvent(new MouseEvent('mousemove', at));
        await pause();
      }
    }
    shown.push(labels(gd));
    Plotly.Fx.unhover(gd);
  }
  return shown;
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_the_largest_dossier_is_under_1_mb_with_every_chart_drawn_offline(dossiers):
    page = dossiers["largest"]
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size <= BUDGET, f"{page.name}: {page.stat().st_size:,} bytes"
    # Still nothing in the page its template does not write.
    csp = BeautifulSoup(html, "html.parser").find("meta", attrs={"http-equiv": True})["content"]
    nonce = re.search(r"'nonce-([A-Za-z0-9_=-]+)'", csp).group(1)
    check_page(html, csp=csp, nonce=nonce, source=page.name)
    with open_page(page, wait_for=".js-plotly-plot .main-svg") as opened:
        # The charts draw after plotly.js is unpacked: wait until the last one has.
        opened.evaluate("new Promise(done => wbPlotly.then(() => setTimeout(done, 500)))")
        charts = opened.evaluate("document.querySelectorAll('.jp-RenderedPlotly').length")
        drawn = opened.evaluate(
            "Array.from(document.querySelectorAll('.jp-RenderedPlotly'))"
            ".filter(el => el.querySelector('.js-plotly-plot svg.main-svg')).length"
        )
        hovers = opened.evaluate(f"({HOVER_EVERY_CHART})()")
        report = opened.report()
    assert charts == LARGEST_CHARTS and drawn == charts, "every plotly output drew its SVG"
    assert len(hovers) == charts and all(n > 0 for n in hovers), f"hover labels: {hovers}"
    assert (report.requests, report.console_errors, report.dialogs) == ([], [], [])


@pytest.mark.slow
@pytest.mark.browser
def test_a_browser_without_decompression_stream_says_so_in_place_of_each_chart(dossiers, tmp_path):
    html = dossiers["largest"].read_text(encoding="utf-8")
    packed = re.search(r'<script\b[^>]*\bid="wb-plotly-packed"[^>]*>', html)
    nonce = re.search(r'\bnonce="([^"]+)"', packed.group(0)).group(1)
    # A browser from before 2023: a first script of the page takes DecompressionStream away.
    older = tmp_path / "older-browser.html"
    first = f'<script nonce="{nonce}">window.DecompressionStream = undefined;</script>'
    older.write_text(html[: packed.start()] + first + html[packed.start() :], encoding="utf-8")
    with open_page(older) as opened:
        notices = opened.evaluate(
            "Array.from(document.querySelectorAll('.dossier-plotly')).map(el => el.textContent)"
        )
        report = opened.report(evaluate=["document.querySelectorAll('svg.main-svg').length"])
    notice = (
        "This browser cannot unpack the charts (it lacks DecompressionStream); open the file in "
        "a current Chrome, Edge, Firefox or Safari."
    )
    assert notices == [notice] * LARGEST_CHARTS
    assert list(report.values.values()) == [0]
    assert (report.requests, report.console_errors, report.dialogs) == ([], [], [])
