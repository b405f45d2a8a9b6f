"""A real Dask cluster without a shared disk: `dask scheduler` and `dask worker` processes.

The worker runs as another user (``nobody``) who cannot read the portfolio folder, from
another working folder, so it can render only what the client ships. Switching users
needs root (CI runs as root); elsewhere these tests are skipped with that reason.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("setpriv") is None,
        reason="running a worker as another user needs root and setpriv",
    ),
]

BIN = Path(sys.executable).parent
NOBODY = 65534
#: The twelve example records (data/examples/*.yaml).
IDS = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)


@pytest.fixture
def scheduler() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_port(port)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        _stop(proc)


@pytest.fixture
def elsewhere() -> Iterator[Path]:
    """The worker's home and working folder: outside pytest's (root-only) tmp folder."""
    home = Path(tempfile.mkdtemp(prefix="dask-worker-home-"))
    os.chown(home, NOBODY, NOBODY)
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _runs_as_nobody(python: str, lib: Path = Path("/nonexistent")) -> bool:
    # Through env: setpriv itself may run another interpreter than the one named.
    want = ".".join(map(str, sys.version_info[:2]))
    probe = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "env", "-i",
         f"LD_LIBRARY_PATH={lib}", python, "-c", "import sys; print(*sys.version_info[:2], sep='.')"],
        capture_output=True,
        text=True,
        cwd="/",
    )  # fmt: skip
    return probe.returncode == 0 and probe.stdout.strip() == want


def worker_python(home: Path) -> Path:
    """This very Python, runnable by the other user, seeing this environment's packages.

    The interpreter may live where only root can go (a pyenv under /root): then its
    installation (less site-packages and the test suite) is copied into the worker's home
    (``LD_LIBRARY_PATH`` then finds its libpython there). A virtual environment made from
    it without pip (offline) sees this environment's packages and the checkout through a
    .pth file (the editable install's own .pth is not read from there).
    """
    python = os.path.realpath(sys.executable)
    if not _runs_as_nobody(python):
        base, version = Path(sys.base_prefix), f"python{sys.version_info[0]}.{sys.version_info[1]}"
        copy = home / "python"
        (copy / "bin").mkdir(parents=True)
        (copy / "lib").mkdir()
        shutil.copy2(base / "bin" / version, copy / "bin" / version)
        for lib in (base / "lib").glob("libpython*"):
            shutil.copy2(lib, copy / "lib" / lib.name)
        ignore = shutil.ignore_patterns("site-packages", "test", "__pycache__")
        shutil.copytree(base / "lib" / version, copy / "lib" / version, ignore=ignore)
        python = str(copy / "bin" / version)
    venv = home / "venv"
    env = {**os.environ, "LD_LIBRARY_PATH": str(home / "python" / "lib")}
    subprocess.run([python, "-m", "venv", "--without-pip", venv], check=True, env=env)
    site = subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()  # fmt: skip
    import sysconfig

    mine = sysconfig.get_paths()["purelib"]
    checkout = Path(__file__).resolve().parent.parent
    Path(site, "this-environment.pth").write_text(f"{mine}\n{checkout}\n")
    for path in [home, *home.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    if not _runs_as_nobody(str(venv / "bin" / "python"), home / "python" / "lib"):
        pytest.fail(f"user {NOBODY} cannot run the worker's Python {venv / 'bin' / 'python'}")
    return venv / "bin" / "python"


def start_worker(address: str, home: Path) -> subprocess.Popen:
    python = home / "venv" / "bin" / "python"
    if not python.exists():
        python = worker_python(home)
    env = {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LD_LIBRARY_PATH": str(home / "python" / "lib"),
        # nbconvert's templates, as this environment has them (the worker's venv has none).
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
    }
    log = (home / "worker.log").open("ab")
    with log:
        return subprocess.Popen(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                python,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
                "--local-directory",
                str(home / "dask"),
            ],
            cwd=home,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_worker(address: str, home: Path, seconds: float = 90) -> None:
    from dask.distributed import Client

    with Client(address, timeout=30) as client:
        try:
            client.wait_for_workers(1, timeout=seconds)
        except TimeoutError:
            log = (home / "worker.log").read_text(errors="replace")
            raise AssertionError("the worker did not start:\n" + log[-3000:]) from None


def portfolio(tmp_path: Path) -> Path:
    """A copy of the examples in a folder only root can read."""
    tmp_path.chmod(0o700)
    folder = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES, folder)
    folder.chmod(0o700)
    return folder


#: The batch as an operator runs it, from the folder holding the portfolio.
BATCH = [BIN / "workbook", "batch", "portfolio", "-o", "out", "--as-of", AS_OF.isoformat()]


def batch(tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
    return subprocess.run(
        [*BATCH, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_a_worker_that_cannot_read_the_portfolio_renders_every_dossier(
    tmp_path, scheduler, elsewhere
):
    records = portfolio(tmp_path)
    worker = start_worker(scheduler, elsewhere)
    try:
        wait_for_worker(scheduler, elsewhere)
        # The setup means what it says: the worker's user cannot read a record.
        probe = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                "cat",
                str(records / f"{IDS[0]}.yaml"),
            ],
            capture_output=True,
        )
        assert probe.returncode != 0

        # --scheduler alone means Dask.
        first = batch(tmp_path, "--scheduler", scheduler)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "12 rendered, 0 unchanged, 0 failed, 0 invalid" in first.stdout
        out = tmp_path / "out"
        for rid in IDS:
            html = (out / f"{rid}.html").read_text(encoding="utf-8")
            # The client's path, as a local run shows it; nothing of the worker's folders.
            assert f"portfolio/{rid}.yaml" in html
            assert str(elsewhere) not in html and "workbook-worker-" not in html
            assert str(tmp_path) not in html
        index = (out / "index.html").read_text(encoding="utf-8")
        assert all(f"{rid}.html" in index for rid in IDS)
        assert str(elsewhere) not in index and "workbook-worker-" not in index

        # The worker vouched for each key from the copies: nothing changed, nothing redone.
        again = batch(tmp_path, "--scheduler", scheduler)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "0 rendered, 12 unchanged, 0 failed, 0 invalid" in again.stdout
    finally:
        _stop(worker)


def test_a_scheduler_without_workers_ends_the_run_with_one_line(tmp_path, scheduler):
    portfolio(tmp_path)
    started = time.monotonic()
    run = batch(tmp_path, "--scheduler", scheduler, env={"WORKBOOK_DASK_WORKER_WAIT": "3"})
    took = time.monotonic() - started
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith("--scheduler: no Dask worker joined the scheduler at ")
    assert "within 3 s" in lines[0]
    # 3 s of waiting, plus the client's own start (imports, connecting): far below 400 s.
    assert took < 60


def test_nobody_at_the_address_ends_the_run_with_one_line(tmp_path):
    portfolio(tmp_path)
    address = f"tcp://127.0.0.1:{_free_port()}"
    run = batch(tmp_path, "--scheduler", address, timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith(f"--scheduler: no Dask scheduler answered at '{address}' within ")


def test_a_worker_lost_mid_run_fails_the_rest_within_bounds(tmp_path, scheduler, elsewhere):
    portfolio(tmp_path)
    worker = start_worker(scheduler, elsewhere)
    try:
        wait_for_worker(scheduler, elsewhere)
        run = subprocess.Popen(
            [*BATCH, "--scheduler", scheduler],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "WORKBOOK_DASK_WORKER_WAIT": "3"},
        )
        assert run.stderr is not None
        first = run.stderr.readline()  # the first dossier has come back
        assert re.search(r"\[1/12\] rendered ", first), first
        _stop(worker)
        stdout, stderr = run.communicate(timeout=180)
    finally:
        _stop(worker)
    assert run.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    failed = [line for line in stdout.splitlines() if line.strip().startswith("FAILED")]
    # Every dossier not yet back fails with the reason, each on one line.
    assert failed and all("no Dask worker is left to render it" in f for f in failed), stdout
    rendered = int(re.search(r"(\d+) rendered", stdout).group(1))
    assert rendered + len(failed) == 12
