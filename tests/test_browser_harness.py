"""The browser harness itself, on tiny static pages: what it records, blocks and saves."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest

import browser
from browser import DialogSeen, inspect_page, open_page

pytestmark = pytest.mark.browser

SVG_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Static SVG</title></head>
<body><svg width="40" height="40"><circle cx="20" cy="20" r="15" fill="teal"/></svg>
<svg width="40" height="40"><rect width="30" height="30"/></svg></body></html>
"""


def write(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>")
    return path


def test_static_svg_page_has_no_requests_or_errors(tmp_path):
    page = tmp_path / "svg.html"
    page.write_text(SVG_PAGE)
    report = inspect_page(page)
    assert report.title == "Static SVG"
    assert report.url == page.resolve().as_uri()
    assert report.svg_count == 2
    assert report.requests == []
    assert report.console_errors == []
    assert report.dialogs == []


def test_external_requests_are_recorded_and_blocked(tmp_path):
    sibling = tmp_path / "local.css"
    sibling.write_text("body { color: red }")
    page = write(
        tmp_path,
        '<img src="https://example.com/x.png">'
        '<script src="http://127.0.0.1:9/x.js"></script>'
        '<link rel="stylesheet" href="local.css">'
        "<script>window.__loaded = typeof x_js_ran;"
        "fetch('https://example.net/f').then(() => window.__fetched = 'yes',"
        " () => window.__fetched = 'blocked');</script>",
    )
    with open_page(page) as opened:
        report = opened.report(evaluate=["window.__fetched"])
        img_loaded = opened.evaluate(
            "document.images[0].complete && document.images[0].naturalWidth"
        )
        color = opened.evaluate("getComputedStyle(document.body).color")
    assert sorted(report.requests) == sorted(
        [
            "https://example.com/x.png",
            "http://127.0.0.1:9/x.js",
            sibling.resolve().as_uri(),
            "https://example.net/f",
        ]
    )
    # Aborted: nothing loaded, not even the sibling file, and fetch() failed.
    assert report.values["window.__fetched"] == "blocked"
    assert img_loaded == 0
    assert color == "rgb(0, 0, 0)"
    # The "Failed to load resource" noise of the aborted requests is left out.
    assert report.console_errors == []


def test_websocket_is_recorded_and_never_connected(tmp_path):
    page = write(
        tmp_path,
        "<script>const ws = new WebSocket('wss://example.com/socket');"
        "ws.onopen = () => window.__ws = 'open';"
        "ws.onclose = () => window.__ws = window.__ws || 'closed';</script>",
    )
    report = inspect_page(page, evaluate=["window.__ws"])
    assert report.requests == ["wss://example.com/socket"]
    assert report.values["window.__ws"] != "open"


def test_alert_is_reported_and_dismissed(tmp_path):
    page = write(
        tmp_path,
        "<script>alert('pwned'); window.__answer = confirm('sure?');</script><svg></svg>",
    )
    report = inspect_page(page, evaluate=["window.__answer"])
    assert report.dialogs == [DialogSeen("alert", "pwned"), DialogSeen("confirm", "sure?")]
    assert report.values["window.__answer"] is False
    assert report.svg_count == 1


def test_onerror_injection_marker_is_visible_to_evaluate(tmp_path):
    executed = write(tmp_path, '<img src=x onerror="window.__pwned=1">', "executed.html")
    escaped = write(
        tmp_path, "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;", "inert.html"
    )
    # wait_for="body": no network idle wait; the load event comes after the image error.
    marker = ["window.__pwned"]
    assert inspect_page(executed, wait_for="body", evaluate=marker).values["window.__pwned"] == 1
    report = inspect_page(escaped, wait_for="body", evaluate=marker)
    assert report.values["window.__pwned"] is None
    assert report.dialogs == []


def test_console_errors_and_uncaught_errors_are_reported(tmp_path):
    page = write(
        tmp_path,
        "<script>console.error('boom'); console.log('fine'); console.warn('meh');</script>"
        "<script>throw new TypeError('kaboom');</script>",
    )
    report = inspect_page(page)
    assert report.console_errors == ["boom", "TypeError: kaboom"]


def test_popup_is_watched_too(tmp_path):
    write(
        tmp_path,
        "<script>alert('from popup')</script><img src='https://example.org/p.png'>",
        "popup.html",
    )
    page = write(tmp_path, "<script>window.open('popup.html')</script>")
    report = inspect_page(page)
    # The opener's file is the only one allowed: the popup's own file is blocked too.
    assert (tmp_path / "popup.html").resolve().as_uri() in report.requests


def test_wait_for_selector_waits_for_late_content(tmp_path):
    page = write(
        tmp_path,
        "<script>setTimeout(() => document.body.insertAdjacentHTML('beforeend',"
        " '<div class=\"late\"><svg></svg><svg></svg></div>'), 300);</script>",
    )
    report = inspect_page(
        page, wait_for=".late svg", evaluate=["document.querySelectorAll('.late svg').length"]
    )
    assert report.svg_count == 2
    with pytest.raises(Exception, match="Timeout"):
        inspect_page(page, wait_for=".never", timeout_ms=500)


def test_screenshot_is_a_png(tmp_path):
    page = tmp_path / "svg.html"
    page.write_text(SVG_PAGE)
    shot = tmp_path / "shots" / "svg.png"
    report = inspect_page(page, screenshot=shot)
    assert report.screenshot == shot
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 1000


def test_asyncio_still_works_while_chromium_is_open(tmp_path):
    # Notebook and dask tests call asyncio.run(); the harness must not break them.
    page = write(tmp_path, "<p>x</p>")
    with open_page(page, wait_for="p") as opened:
        assert asyncio.run(asyncio.sleep(0, result="ok")) == "ok"
        assert opened.evaluate("1 + 1") == 2


def test_one_chromium_serves_every_page(tmp_path):
    page = write(tmp_path, "<p>x</p>")
    inspect_page(page, wait_for="p")
    first = browser._chromium
    inspect_page(page, wait_for="p")
    assert first is not None and browser._chromium is first


def test_missing_chromium_fails_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception) as failure:
        browser.require_chromium()
    assert str(failure.value) == (
        "Debian chromium is not installed: run `make test` (it installs it) "
        "or `apt-get install chromium`"
    )
