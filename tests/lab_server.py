"""JupyterLab for the browser tests: a server on 127.0.0.1 only, and what a test does in it.

`jupyter_lab` serves a folder with a random token and an isolated HOME; the page helpers
(run every cell, type into a form field, press Save, read the live verdict) run on the
browser harness thread (`browser.lab_session`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

SERVER_START_S = 60
SERVER_STOP_S = 20
# Playwright's default for every wait in the page; kernel start-up is the slowest one.
PAGE_TIMEOUT_MS = 45_000

# --- the JupyterLab server -------------------------------------------------------------


@dataclass(frozen=True)
class Lab:
    origin: str
    token: str
    log: Path

    def url(self, path: str) -> str:
        return f"{self.origin}/{path}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Straight to the server, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def api(lab_origin: str, token: str, path: str, method: str = "GET") -> int:
    request = urllib.request.Request(
        f"{lab_origin}{path}", method=method, headers={"Authorization": f"token {token}"}
    )
    with _DIRECT.open(request, timeout=5) as response:
        return response.status


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of the server: user config, data, settings and runtime in `home`.

    The venv's own share/jupyter (the widgets extension, the python3 kernel) is still on
    the data path: Jupyter looks there through sys.prefix, not through HOME.
    """
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / ".ipython"),
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONUNBUFFERED="1",
    )
    # Lab settings: never ask about, nor fetch, the news feed or update checks (the toast
    # would also cover part of the page).
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return env


def _stop(process: subprocess.Popen[bytes], lab_origin: str, token: str) -> None:
    """Shut the server and its kernels down; kill whatever is left, group and all."""
    try:
        survivors = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        survivors = []
    if process.poll() is None:
        with contextlib.suppress(OSError, urllib.error.URLError):
            api(lab_origin, token, "/api/shutdown", method="POST")
        try:
            process.wait(timeout=SERVER_STOP_S)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
    # Kernels run in sessions of their own: the server's group does not hold them.
    for child in survivors:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(survivors, timeout=5)


@contextlib.contextmanager
def jupyter_lab(root: Path, home: Path) -> Iterator[Lab]:
    """JupyterLab serving `root` on 127.0.0.1 with a random token; stopped on exit."""
    port, token = free_port(), secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        "--ServerApp.terminals_enabled=False",
        # Nothing from the internet: no news feed, no update check, no PyPI listing.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # window.jupyterapp, to run the notebook's commands.
        "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    with serving(command, root, home, port, token) as lab:
        yield lab


@contextlib.contextmanager
def workbook_open(
    record: Path, home: Path, folder: Path, extra: tuple[str, ...] = ()
) -> Iterator[Lab]:
    """`workbook open RECORD --no-browser` as a user runs it; the Lab serves the working copy
    in `folder`. The token is given through JUPYTER_TOKEN, which `workbook open` honours."""
    port, token = free_port(), secrets.token_hex(24)
    command = [
        sys.executable, "-c", "from workbook.cli import main; main()",
        "open", str(record), "--no-browser", "--port", str(port), "--dir", str(folder), *extra,
    ]  # fmt: skip
    env = {
        "JUPYTER_TOKEN": token,
        # window.jupyterapp, to run the notebook's commands from the test.
        "WORKBOOK_LAB_ARGS": "--LabApp.expose_app_in_browser=True",
    }
    with serving(command, record.parent, home, port, token, env) as lab:
        yield lab


@contextlib.contextmanager
def serving(
    command: list[str],
    cwd: Path,
    home: Path,
    port: int,
    token: str,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Lab]:
    """Run `command` (a JupyterLab on `port`) until it answers; stop it, kernels and all."""
    lab = Lab(f"http://127.0.0.1:{port}", token, home / "jupyter-lab.log")
    env = {**isolated_env(home), **(extra_env or {})}
    with lab.log.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{lab.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                if api(lab.origin, token, "/api/status") == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in {SERVER_START_S} s:\n{lab.log_tail()}")
            time.sleep(0.25)
        yield lab
    finally:
        _stop(process, lab.origin, token)


def api_json(lab: Lab, path: str) -> Any:
    """GET a JupyterLab REST path, as JSON."""
    request = urllib.request.Request(
        f"{lab.origin}{path}", headers={"Authorization": f"token {lab.token}"}
    )
    with _DIRECT.open(request, timeout=5) as response:
        return json.loads(response.read())


# --- the temporary workbook -------------------------------------------------------------


# --- in the page (these run on the browser harness thread) -----------------------------

NOTEBOOK_PANEL = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

KERNEL_IDLE = f"""() => {{
    const panel = {NOTEBOOK_PANEL};
    return !!(panel && panel.sessionContext && panel.sessionContext.session
              && panel.sessionContext.kernelDisplayStatus === 'idle');
}}"""

# JupyterLab's widget manager has registered its comm target on the notebook's kernel
# (a private field of @jupyterlab/services' KernelConnection: tests only).
WIDGETS_LISTEN = f"""() => {{
    const panel = {NOTEBOOK_PANEL};
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!(kernel && kernel._targetRegistry && kernel._targetRegistry['jupyter.widget']);
}}"""

# The kernel is idle again and every code cell has run, or one failed (Run All stops
# there): the notebook is done.
ALL_RAN = f"""() => {{
    const panel = {NOTEBOOK_PANEL};
    const code = panel.content.widgets.filter(c => c.model.type === 'code');
    const failed = code.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
    return panel.sessionContext.kernelDisplayStatus === 'idle'
        && (failed || code.every(c => c.model.executionCount !== null));
}}"""

CELL_ERRORS = f"""() => {{
    const panel = {NOTEBOOK_PANEL};
    return panel.content.widgets
        .filter(c => c.model.type === 'code')
        .flatMap(c => c.model.outputs.toJSON())
        .filter(o => o.output_type === 'error')
        .map(o => o.ename + ': ' + o.evalue);
}}"""

# The status of one criterion in the form's live verdict: its badge's wb-<status> class.
CRITERION_STATUS = """(id) => {
    for (const row of document.querySelectorAll('.wb-form .wb-verdict tr')) {
        const code = row.querySelector('code');
        if (code && code.textContent.trim() === id) {
            const badge = row.querySelector('.wb-status');
            const cls = badge && [...badge.classList].find(c => c !== 'wb-status');
            return cls ? cls.replace(/^wb-/, '') : (badge ? badge.textContent.trim() : '?');
        }
    }
    return null;
}"""

VERDICT_HEADLINE = """() => {
    const b = document.querySelector('.wb-form .wb-verdict p b');
    return b ? b.textContent.trim() : null;
}"""

# Requests the page must not get through: the harness records and aborts them.
ELSEWHERE = ["https://example.com/probe.png", "http://127.0.0.1:9/probe", "ws://127.0.0.1:9/probe"]
PROBE = """async (urls) => {
    const outcomes = [];
    for (const url of urls) {
        outcomes.push(await new Promise(done => {
            if (url.startsWith('ws')) {
                const ws = new WebSocket(url);
                ws.onopen = () => done('open');
                ws.onclose = () => done('closed');
            } else {
                fetch(url).then(() => done('fetched'), () => done('failed'));
            }
            setTimeout(() => done('no answer'), 5000);
        }));
    }
    return outcomes;
}"""

MESSAGE = "() => (document.querySelector('.wb-form .wb-message') || {}).textContent || ''"


def run_all_cells(page: Page) -> list[str]:
    """Run every cell of the notebook in front, once its kernel is idle; the errors."""
    # Another notebook may be open behind this one: its cells are in the page too.
    page.wait_for_function(f"() => {{ const p = {NOTEBOOK_PANEL}; return !!(p && p.content); }}")
    panel = page.evaluate(f"() => ({NOTEBOOK_PANEL}).id")
    page.wait_for_selector(f"#{panel} .jp-Notebook .jp-Cell", state="visible")
    page.wait_for_function(KERNEL_IDLE)
    # The widget manager listens for the kernel's widgets once it has registered its comm
    # target on the kernel; a form displayed before that never shows (seen in CI).
    page.wait_for_function(WIDGETS_LISTEN)
    # Named by id: the notebook tracker learns which panel is in front a moment after the
    # shell does, and an unnamed run-all runs the notebook it last knew (seen in CI).
    # Not awaited: the command's promise would hold the harness for as long as it runs;
    # ALL_RAN waits instead, within the page's timeout.
    page.evaluate(
        "(id) => { window.jupyterapp.commands.execute('notebook:run-all-cells', {widgetId: id}); }",
        panel,
    )
    page.wait_for_function(ALL_RAN)
    return page.evaluate(CELL_ERRORS)


def verdict(page: Page, criterion: str, wait_for: str | None = None) -> dict[str, Any]:
    """The criterion's status in the live verdict, and its headline.

    Waits until the criterion is shown (with the status `wait_for`, if given), then
    reports what is shown, whether or not the wait succeeded.
    """
    expected = "s !== null" if wait_for is None else f"s === {json.dumps(wait_for)}"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            f"(id) => {{ const s = ({CRITERION_STATUS})(id); return {expected}; }}",
            arg=criterion,
            timeout=15_000,
        )
    return {
        "status": page.evaluate(CRITERION_STATUS, criterion),
        "headline": page.evaluate(VERDICT_HEADLINE),
    }


def type_into(page: Page, field: str, text: str) -> None:
    """Type a new value into a field of the form and leave it, as a person would.

    The form's text boxes sync on change (continuous_update=False): leaving the box
    sends the value to the kernel.
    """
    box = page.locator(f".wb-form .wb-field-{field} textarea")
    box.scroll_into_view_if_needed()
    box.fill(text)
    box.press("Tab")


def save(page: Page) -> str:
    """Press Save and wait for the message that it was saved (or why not)."""
    button = page.locator(".wb-form .wb-save button, .wb-form button.wb-save").first
    button.scroll_into_view_if_needed()
    button.click()
    page.wait_for_function(f"() => /^\\s*(Saved|Not saved)/.test(({MESSAGE})())")
    return page.evaluate(MESSAGE).strip()


# --- the test ---------------------------------------------------------------------------
