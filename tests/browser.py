"""A headless Chromium harness for browser tests of the offline HTML dossiers.

Debian's Chromium is driven through Playwright's sync API; Playwright's own browser
downloads are never used. One Chromium starts on first use and serves the whole test
session (the Python process); it is closed when Python exits, or by `close_browser()`.

    from browser import inspect_page, open_page

    PLOTS = "document.querySelectorAll('.js-plotly-plot .main-svg').length"

    @pytest.mark.browser
    def test_dossier(tmp_path):
        report = inspect_page(path, screenshot=tmp_path / "dossier.png", evaluate=[PLOTS])
        assert report.requests == []
        assert report.values[PLOTS] == 3

Every request other than the opened file itself is recorded and aborted, so nothing
leaves the machine. A missing Chromium fails the test, it is never skipped.

`lab_session(url)` opens a local web application instead (a JupyterLab server on
127.0.0.1, say) in a Chromium of its own, with a fresh profile: requests and WebSockets
to the URL's own origin (http://127.0.0.1:PORT) go through, everything else is recorded
and aborted as above. The session's page is driven with `run(lambda page: ...)`.

Playwright runs on a thread of its own. Its sync API marks its event loop as running
on the thread that uses it, for as long as it is open, so a browser kept open on the
test thread would break `asyncio.run()` in every later test (notebooks, dask).
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Error,
    Page,
    Playwright,
    Request,
    Route,
    WebError,
    WebSocketRoute,
    sync_playwright,
)

from workbook.render.pdf import FLAGS

T = TypeVar("T")

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
# The flags from the project brief, as `workbook --pdf` runs Chromium with them. Playwright
# adds flags of its own, and launches with a fresh temporary --user-data-dir of ours (it
# refuses --user-data-dir in `args`).
CHROMIUM_FLAGS = FLAGS
# A proxy nobody listens on: a backstop for connections that request interception
# cannot see (preconnect hints, for instance) - they go to a closed local port.
BLACKHOLE_PROXY = "http://127.0.0.1:9"
MISSING_CHROMIUM = (
    "Debian chromium is not installed: run `make test` (it installs it) "
    "or `apt-get install chromium`"
)
LAUNCH_TIMEOUT_S = 60.0
SVG_COUNT = "document.querySelectorAll('svg').length"
# Chromium logs one of these for every request the harness aborts; the request itself
# is already in PageReport.requests.
_ABORTED = "Failed to load resource: net::ERR_FAILED"


class DialogSeen(NamedTuple):
    """An alert, confirm, prompt or beforeunload dialog the page opened."""

    kind: str
    message: str


@dataclass
class PageReport:
    """What one page did, from loading to the moment the report was taken."""

    url: str
    title: str
    # Every URL requested other than the file itself, in order; all of them were aborted.
    requests: list[str]
    # console.error() messages and uncaught errors ("Error: message").
    console_errors: list[str]
    dialogs: list[DialogSeen]
    svg_count: int
    # Results of the `evaluate` expressions, by expression.
    values: dict[str, Any] = field(default_factory=dict)
    screenshot: Path | None = None


def require_chromium() -> Path:
    """The Chromium executable; fails the calling test when it is not installed."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    return CHROMIUM


class _Recorder:
    """What one page and the popups it opens do. Used on the harness thread only."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[DialogSeen] = []


def _page_of(request: Request) -> Page | None:
    try:
        return request.frame.page
    except Error:  # a service worker's request has no frame
        return None


class _Chromium:
    """One Chromium, driven from a thread of its own; `call` runs a function there."""

    def __init__(self, executable: Path) -> None:
        self._executable = executable
        self._playwright: Playwright | None = None
        # Open `lab_session` browsers; closed with the harness at the latest.
        self._sessions: list[_LabSession] = []
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]] | None] = queue.Queue()
        self._ready: Future[None] = Future()
        # One for each page opened by `open`; its file is all that page may load.
        self._recorders: list[_Recorder] = []
        self.context: BrowserContext
        self._thread = threading.Thread(
            target=self._run, args=(executable,), name="chromium-harness", daemon=True
        )
        self._thread.start()
        self._ready.result(timeout=LAUNCH_TIMEOUT_S)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def call(self, function: Callable[[], T], timeout: float | None = None) -> T:
        if not self.alive:
            raise RuntimeError("the Chromium harness thread is not running")
        future: Future[T] = Future()
        self._jobs.put((function, future))
        return future.result(timeout=timeout)

    def close(self) -> None:
        if self.alive:
            self._jobs.put(None)
            self._thread.join(timeout=30)

    def _run(self, executable: Path) -> None:
        user_data_dir = tempfile.mkdtemp(prefix="dossier-chromium-")
        playwright: Playwright | None = None
        context: BrowserContext | None = None
        try:
            playwright = sync_playwright().start()
            self._playwright = playwright
            context = playwright.chromium.launch_persistent_context(
                user_data_dir,
                executable_path=executable,
                headless=True,
                args=list(CHROMIUM_FLAGS),
                proxy={"server": BLACKHOLE_PROXY},
                service_workers="block",
                viewport={"width": 1280, "height": 900},
                timeout=LAUNCH_TIMEOUT_S * 1000,
            )
            context.route("**/*", self._route)
            context.route_web_socket("**/*", self._route_web_socket)
            # On the context, so that popups are watched from their first request on.
            context.on("request", self._on_request)
            context.on("console", self._on_console)
            context.on("weberror", self._on_weberror)
            context.on("dialog", self._on_dialog)
            self.context = context
        except BaseException as error:
            self._ready.set_exception(error)
        else:
            self._ready.set_result(None)
            self._serve()
        finally:
            try:
                for session in list(self._sessions):
                    self.close_lab(session)
                if context is not None:
                    context.close()
            finally:
                if playwright is not None:
                    playwright.stop()
                shutil.rmtree(user_data_dir, ignore_errors=True)

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            function, future = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function())
                except BaseException as error:
                    future.set_exception(error)

    def _route(self, route: Route) -> None:
        if self._is_own_file(route.request):
            route.continue_()
        else:
            route.abort()

    def _is_own_file(self, request: Request) -> bool:
        """Whether this is a page opened by `open` loading its file."""
        page = _page_of(request)
        return any(r.page is page and r.url == request.url for r in self._recorders)

    def _route_web_socket(self, websocket: WebSocketRoute) -> None:
        # Never connected to a server. No request event fires for it, and the route does
        # not tell which page opened it: every open page is told.
        for recorder in self._recorders:
            recorder.requests.append(websocket.url)
        websocket.close()

    def _recorders_of(self, page: Page | None) -> list[_Recorder]:
        """The recorder of a page, or of the page that opened it; all when unknown."""
        while page is not None:
            for recorder in self._recorders:
                if recorder.page is page:
                    return [recorder]
            page = page.opener()
        return list(self._recorders)

    def _on_request(self, request: Request) -> None:
        if not self._is_own_file(request):
            for recorder in self._recorders_of(_page_of(request)):
                recorder.requests.append(request.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        for recorder in self._recorders_of(message.page):
            aborted = message.location.get("url") in recorder.requests
            if not (message.text == _ABORTED and aborted):
                recorder.console_errors.append(message.text)

    def _on_weberror(self, web_error: WebError) -> None:
        error = web_error.error
        for recorder in self._recorders_of(web_error.page):
            recorder.console_errors.append(f"{error.name or 'Error'}: {error.message}")

    def _on_dialog(self, dialog: Dialog) -> None:
        for recorder in self._recorders_of(dialog.page):
            recorder.dialogs.append(DialogSeen(dialog.type, dialog.message))
        if dialog.type == "alert":
            dialog.accept()
        else:
            dialog.dismiss()

    def open(self, url: str, wait_for: str | None, timeout_ms: float) -> tuple[Page, _Recorder]:
        page = self.context.new_page()
        recorder = _Recorder(page, url)
        self._recorders.append(recorder)
        try:
            page.set_default_timeout(timeout_ms)
            page.goto(url, wait_until="load")
            if wait_for is None:
                page.wait_for_load_state("networkidle")
            else:
                page.wait_for_selector(wait_for, state="attached")
        except BaseException:
            self.close_page(page, recorder)
            raise
        return page, recorder

    def close_page(self, page: Page, recorder: _Recorder) -> None:
        if recorder in self._recorders:
            self._recorders.remove(recorder)
        if not page.is_closed():
            page.close()

    def open_lab(self, url: str, origin: str, timeout_ms: float) -> _LabSession:
        assert self._playwright is not None
        session = _LabSession(self._playwright, self._executable, url, origin, timeout_ms)
        self._sessions.append(session)
        try:
            session.open()
        except BaseException:
            self.close_lab(session)
            raise
        return session

    def close_lab(self, session: _LabSession) -> None:
        if session in self._sessions:
            self._sessions.remove(session)
        session.close()


def origin_of(url: str) -> str:
    """scheme://host:port of a URL; ws(s) counts as http(s), blob: URLs as their creator.

    A data: URL never leaves the page and has no origin of its own: "data:".
    """
    parts = urlsplit(url)
    if parts.scheme == "blob":
        return origin_of(url[len("blob:") :])
    if parts.scheme == "data":
        return "data:"
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}" if port is not None else f"{scheme}://{host}"


@dataclass
class LabReport:
    """What the pages of one `lab_session` did, from opening to the moment of the report."""

    url: str
    # The one origin the session may reach, e.g. http://127.0.0.1:8888.
    origin: str
    # Every URL requested (WebSockets included), allowed or not, in order.
    requests: list[str]
    # The requests of `requests` that were aborted: everything outside `origin`.
    blocked: list[str]
    console_errors: list[str]
    dialogs: list[DialogSeen]


class _LabSession:
    """A Chromium of its own for a local web app; used on the harness thread only."""

    def __init__(
        self, playwright: Playwright, executable: Path, url: str, origin: str, timeout_ms: float
    ) -> None:
        self._playwright = playwright
        self._executable = executable
        self.url = url
        self.origin = origin
        self.timeout_ms = timeout_ms
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[DialogSeen] = []
        self.user_data_dir = tempfile.mkdtemp(prefix="lab-chromium-")
        self.context: BrowserContext | None = None
        self.page: Page | None = None

    def open(self) -> None:
        netloc = urlsplit(self.origin).netloc
        context = self._playwright.chromium.launch_persistent_context(
            self.user_data_dir,
            executable_path=self._executable,
            headless=True,
            args=list(CHROMIUM_FLAGS),
            # The backstop of `_Chromium`, with one way through: the app's own host and
            # port. Listing "<-loopback>" first keeps Playwright from appending it after
            # the exception, where it would win; other loopback ports stay proxied.
            proxy={"server": BLACKHOLE_PROXY, "bypass": f"<-loopback>,{netloc}"},
            service_workers="block",
            viewport={"width": 1280, "height": 900},
            timeout=LAUNCH_TIMEOUT_S * 1000,
        )
        self.context = context
        context.route("**/*", self._route)
        context.route_web_socket("**/*", self._route_web_socket)
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)
        context.on("dialog", self._on_dialog)
        context.set_default_timeout(self.timeout_ms)
        page = context.pages[0] if context.pages else context.new_page()
        self.page = page
        page.goto(self.url, wait_until="load")

    def allowed(self, url: str) -> bool:
        return origin_of(url) in (self.origin, "data:")

    def _route(self, route: Route) -> None:
        if self.allowed(route.request.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _route_web_socket(self, websocket: WebSocketRoute) -> None:
        # No request event fires for a WebSocket: it is recorded here.
        self.requests.append(websocket.url)
        if self.allowed(websocket.url):
            websocket.connect_to_server()
        else:
            self.blocked.append(websocket.url)
            websocket.close()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        aborted = message.location.get("url") in self.blocked
        if not (message.text == _ABORTED and aborted):
            self.console_errors.append(message.text)

    def _on_weberror(self, web_error: WebError) -> None:
        error = web_error.error
        self.console_errors.append(f"{error.name or 'Error'}: {error.message}")

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(DialogSeen(dialog.type, dialog.message))
        if dialog.type == "alert":
            dialog.accept()
        else:
            dialog.dismiss()

    def report(self) -> LabReport:
        return LabReport(
            url=self.url,
            origin=self.origin,
            requests=list(self.requests),
            blocked=list(self.blocked),
            console_errors=list(self.console_errors),
            dialogs=list(self.dialogs),
        )

    def close(self) -> None:
        try:
            if self.context is not None:
                self.context.close()
        finally:
            self.context = None
            shutil.rmtree(self.user_data_dir, ignore_errors=True)


_lock = threading.Lock()
_chromium: _Chromium | None = None


def _browser() -> _Chromium:
    global _chromium
    with _lock:
        if _chromium is None or not _chromium.alive:
            _chromium = _Chromium(require_chromium())
        return _chromium


def close_browser() -> None:
    """Close the shared Chromium (if it runs); the next page starts a fresh one."""
    global _chromium
    with _lock:
        if _chromium is not None:
            _chromium.close()
            _chromium = None


atexit.register(close_browser)


class OpenPage:
    """A page kept open by `open_page`; every call runs in the page, on the harness thread."""

    def __init__(
        self, chromium: _Chromium, page: Page, recorder: _Recorder, timeout_s: float
    ) -> None:
        self.url = recorder.url
        self._chromium = chromium
        self._page = page
        self._recorder = recorder
        self._timeout_s = timeout_s

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (undefined is None)."""
        return self._chromium.call(lambda: self._page.evaluate(expression), self._timeout_s)

    def run(self, function: Callable[[Page], T], timeout_s: float | None = None) -> T:
        """Call `function(page)` on the harness thread and return its result.

        For what `evaluate` cannot do (viewport size, emulated media, PDF): the Playwright
        `Page` must not escape the function.
        """
        return self._chromium.call(lambda: function(self._page), timeout_s or self._timeout_s)

    def screenshot(self, path: Path) -> Path:
        """Save a full-page PNG screenshot."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._chromium.call(
            lambda: self._page.screenshot(path=path, full_page=True, type="png"), self._timeout_s
        )
        return path

    def report(self, evaluate: Sequence[str] = (), screenshot: Path | None = None) -> PageReport:
        """What the page did so far, with the values of `evaluate`, and a screenshot."""
        if screenshot is not None:
            screenshot = self.screenshot(screenshot)

        def take() -> PageReport:
            recorder = self._recorder
            return PageReport(
                url=self.url,
                title=self._page.title(),
                requests=list(recorder.requests),
                console_errors=list(recorder.console_errors),
                dialogs=list(recorder.dialogs),
                svg_count=self._page.evaluate(SVG_COUNT),
                values={expression: self._page.evaluate(expression) for expression in evaluate},
                screenshot=screenshot,
            )

        return self._chromium.call(take, self._timeout_s)


@contextmanager
def open_page(
    html_path: Path, *, wait_for: str | None = None, timeout_ms: float = 15_000
) -> Iterator[OpenPage]:
    """Open a local HTML file and keep it open for the `with` block.

    Waits for the load event and then for network idle, or for `wait_for` (a CSS
    selector) to be in the DOM. Fails the test when Chromium is not installed.
    """
    url = Path(html_path).resolve().as_uri()
    chromium = _browser()
    timeout_s = timeout_ms / 1000 * 4 + 30
    page, recorder = chromium.call(lambda: chromium.open(url, wait_for, timeout_ms), timeout_s)
    try:
        yield OpenPage(chromium, page, recorder, timeout_s)
    finally:
        if chromium.alive:
            chromium.call(lambda: chromium.close_page(page, recorder), timeout_s)


def inspect_page(
    html_path: Path,
    screenshot: Path | None = None,
    wait_for: str | None = None,
    timeout_ms: float = 15_000,
    evaluate: Sequence[str] = (),
) -> PageReport:
    """Open a local HTML file, wait as `open_page` does, and report what it did.

    `evaluate` holds JavaScript expressions; their values are in `PageReport.values`.
    """
    if isinstance(evaluate, str):
        evaluate = [evaluate]
    with open_page(html_path, wait_for=wait_for, timeout_ms=timeout_ms) as page:
        return page.report(evaluate=evaluate, screenshot=screenshot)


class LabSession:
    """A page of a local web app kept open by `lab_session`.

    Every call runs on the harness thread: `run(lambda page: page.click("#go"))` gets the
    Playwright `Page`, which must not escape the function.
    """

    def __init__(self, chromium: _Chromium, session: _LabSession, timeout_s: float) -> None:
        self.url = session.url
        self.origin = session.origin
        self._chromium = chromium
        self._session = session
        self._timeout_s = timeout_s

    def run(self, function: Callable[[Page], T], timeout_s: float | None = None) -> T:
        """Call `function(page)` on the harness thread and return its result."""
        page = self._session.page
        assert page is not None
        return self._chromium.call(lambda: function(page), timeout_s or self._timeout_s)

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """The value of a JavaScript expression or function in the page (awaited)."""
        return self.run(lambda page: page.evaluate(expression, arg))

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """Save a PNG screenshot of the viewport (or of the whole page)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.run(lambda page: page.screenshot(path=path, full_page=full_page, type="png"))
        return path

    def report(self) -> LabReport:
        """What the session's pages requested, logged and opened so far."""
        return self._chromium.call(self._session.report, self._timeout_s)


@contextmanager
def lab_session(
    url: str, *, allowed_origin: str | None = None, timeout_ms: float = 30_000
) -> Iterator[LabSession]:
    """Open `url` of a web app served on this machine and keep it open for the `with` block.

    Only `allowed_origin` (by default the URL's own, which must be http://127.0.0.1:PORT
    or http://localhost:PORT) may be reached, WebSockets included; every other request is
    recorded and aborted. The session has a Chromium and profile of its own, closed at the
    end of the block. `timeout_ms` is Playwright's default timeout for every wait.
    """
    origin = origin_of(allowed_origin or url)
    parts = urlsplit(origin)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"only a local http://127.0.0.1:PORT origin is allowed, got {origin}")
    if origin_of(url) != origin:
        raise ValueError(f"{url} is not served from {origin}")
    chromium = _browser()
    timeout_s = timeout_ms / 1000 * 4 + 30
    session = chromium.call(
        lambda: chromium.open_lab(url, origin, timeout_ms), timeout_s + LAUNCH_TIMEOUT_S
    )
    try:
        yield LabSession(chromium, session, timeout_s)
    finally:
        if chromium.alive:
            chromium.call(lambda: chromium.close_lab(session), timeout_s)
