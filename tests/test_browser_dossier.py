"""A real dossier opened in headless Chromium: charts draw, nothing is fetched, nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_dossier import HOSTILE_CHARTS, LARGEST_CHARTS  # counted by hand there

from browser import inspect_page
from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"


CHARTS = [
    "document.querySelectorAll('.jp-RenderedPlotly').length",
    "Array.from(document.querySelectorAll('.jp-RenderedPlotly'))"
    ".filter(el => el.querySelector('.js-plotly-plot svg.main-svg')).length",
]


def test_largest_example_opens_offline_with_its_charts(dossiers):
    report = inspect_page(
        dossiers["largest"], wait_for=".js-plotly-plot .main-svg", evaluate=CHARTS
    )
    charts, drawn = report.values.values()
    assert charts == LARGEST_CHARTS and drawn == charts
    assert (report.requests, report.console_errors, report.dialogs) == ([], [], [])


def test_dossier_opens_offline_with_every_chart_drawn(dossiers):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dossier.png"
    report = inspect_page(
        dossiers["hostile"],
        screenshot=shot,
        wait_for=".js-plotly-plot .main-svg",
        evaluate=[
            "document.querySelectorAll('.jp-RenderedPlotly').length",
            "Array.from(document.querySelectorAll('.jp-RenderedPlotly'))"
            ".filter(el => el.querySelector('.js-plotly-plot svg.main-svg')).length",
            "document.querySelectorAll('.js-plotly-plot .heatmaplayer image, .js-plotly-plot .bars path').length",
            "typeof window.__pwned",
            "document.querySelector('.wb-title').textContent",
        ],
    )
    charts, drawn, marks, pwned, title = (report.values[k] for k in list(report.values))
    assert charts == HOSTILE_CHARTS and drawn == charts, "every plotly output drew its SVG"
    assert marks > 0, "the charts hold data marks, not just axes"
    assert report.requests == [], "no request left the file"
    assert report.console_errors == []
    assert report.dialogs == []
    assert pwned == "undefined", "the injection marker did not execute"
    assert title == '<img src=x onerror="window.__pwned=1">', "the hostile name is shown as text"
    assert shot.stat().st_size > 50_000
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
