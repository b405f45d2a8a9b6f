"""The built wheel, installed in a fresh environment, works from an unrelated folder.

Offline: the wheel is built without an isolated build environment (hatchling is a dev
dependency), and the fresh environment gets this one's dependencies through a .pth file
listing its site-packages (not the checkout: workbook itself comes from the wheel only).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import AS_OF, REPO

pytestmark = pytest.mark.slow

CHAPTERS = (
    "01-stage-and-boundaries.ipynb",
    "02-data-gaps.ipynb",
    "03-ownership-and-support.ipynb",
    "04-logging-and-observability.ipynb",
    "05-promotion-verdict.ipynb",
)


def run(*args, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(the wheel, the environment of a fresh venv with only the wheel's workbook)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            tmp / "dist",
            REPO,
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp / "dist").glob("workbook-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            venv / "bin" / "python",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            wheel,
        ],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        # A real install puts nbconvert's templates under its own prefix; these live here.
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
    }
    env.pop("PYTHONPATH", None)
    return wheel, env


def test_the_wheel_carries_notebooks_templates_catalogue_and_examples(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for chapter in (*CHAPTERS, "portfolio.ipynb"):
        assert f"workbook/_notebooks/{chapter}" in names
    assert "workbook/_templates/gates/default.yaml" in names
    assert "workbook/_templates/record.yaml" in names
    assert "workbook/_templates/dossier/index.html.j2" in names
    assert "workbook/_templates/init/github-workflow.yml" in names
    assert "workbook/_examples/claims-triage.yaml" in names


def test_init_then_batch_in_an_unrelated_folder(installed, tmp_path):
    _, env = installed
    # The fresh environment's python (first on PATH), not this one's.
    where = run("python", "-c", "import workbook; print(workbook.__file__)", cwd=tmp_path, env=env)
    assert str(REPO) not in where.stdout and "site-packages/workbook/" in where.stdout

    run("workbook", "init", "team", cwd=tmp_path, env=env)
    team = tmp_path / "team"
    run("workbook", "check", "--strict", cwd=team, env=env)
    batch = run("workbook", "batch", cwd=team, env=env)
    assert "1 rendered, 0 unchanged, 0 failed, 0 invalid" in batch.stdout
    out = team / "build" / "dossiers"
    assert (out / "first-initiative.html").is_file() and (out / "index.html").is_file()
    run("workbook", "history", "first-initiative", cwd=team / "records", env=env)

    dossier = run("workbook", "dossier", "records/first-initiative.yaml", "-o", "one",
                  cwd=team, env=env)  # fmt: skip
    assert (team / "one" / "first-initiative.html").is_file(), dossier.stdout


def test_the_shipped_examples_render_from_the_installed_package(installed, tmp_path):
    _, env = installed
    examples = run("python", "-c", "import workbook.paths as p; print(p.EXAMPLES)",
                   cwd=tmp_path, env=env).stdout.strip()  # fmt: skip
    assert "_examples" in examples
    done = run("workbook", "batch", examples, "-o", "out", "--as-of", AS_OF.isoformat(),
               cwd=tmp_path, env=env)  # fmt: skip
    assert "12 rendered, 0 unchanged, 0 failed, 0 invalid" in done.stdout
