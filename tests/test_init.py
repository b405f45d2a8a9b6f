"""`workbook init DIR`: a team's portfolio repository that checks and runs as written."""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbook.model.catalogue import DEFAULT_CATALOGUE

BIN = Path(sys.executable).parent
#: What init writes (the issue's list), relative to DIR.
EXPECTED = {
    "workbook.toml",
    "README.md",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".github/workflows/readiness.yml",
    ".gitlab-ci.yml",
    "ops/crontab",
    "ops/airflow_dag.py",
    "gates/catalogue.yaml",
    "records/evidence/.gitkeep",
    "records/first-initiative.yaml",
}


def workbook(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "workbook", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def team(tmp_path) -> Path:
    done = workbook("init", "team", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / "team"


def test_init_writes_the_repository(team):
    written = {p.relative_to(team).as_posix() for p in team.rglob("*") if p.is_file()}
    assert written == EXPECTED
    # The team owns a copy of the shipped catalogue, byte for byte.
    assert (team / "gates/catalogue.yaml").read_bytes() == DEFAULT_CATALOGUE.read_bytes()


def test_the_first_record_checks_with_no_arguments(team):
    # workbook.toml names the records and the catalogue: nothing to type.
    done = workbook("check", "--strict", cwd=team)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.rstrip()
        .splitlines()[-1]
        .startswith("1 record: 1 assessed, 0 overclaimed, 0 invalid")
    )
    # From a folder below, too: the configuration is found upwards.
    assert workbook("check", cwd=team / "records").returncode == 0


def test_the_automation_files_parse(team):
    workflow = yaml.safe_load((team / ".github/workflows/readiness.yml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert "workbook check --strict" in steps and "workbook batch" in steps
    # PyYAML reads the key `on` as True (YAML 1.1): GitHub reads it as "on".
    assert workflow[True]["schedule"][0]["cron"] == "30 2 * * *"
    gitlab = yaml.safe_load((team / ".gitlab-ci.yml").read_text())
    assert gitlab["check"]["script"] == ["workbook check --strict"]
    assert gitlab["nightly"]["script"] == ["workbook batch"]
    hooks = yaml.safe_load((team / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"] == [{"id": "workbook-check"}]
    py_compile.compile(str(team / "ops/airflow_dag.py"), doraise=True)
    lines = (team / "ops/crontab").read_text().splitlines()
    cron = [line for line in lines if not line.startswith("#")]
    assert len(cron) == 1 and cron[0].split()[:5] == ["30", "2", "*", "*", "*"]


def test_this_project_offers_the_hook_the_repository_uses():
    repo = Path(__file__).resolve().parent.parent
    (hook,) = yaml.safe_load((repo / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "workbook-check"
    assert hook["entry"] == "workbook check --strict" and hook["pass_filenames"] is False


def test_init_never_overwrites(team):
    readme = team / "README.md"
    readme.write_text("ours\n")
    (team / "records/first-initiative.yaml").unlink()
    done = workbook("init", "team", cwd=team.parent)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "already exists; nothing was written" in done.stderr
    # Nothing written: the README kept, the removed record not written again.
    assert readme.read_text() == "ours\n"
    assert not (team / "records/first-initiative.yaml").exists()


def test_a_hostile_folder_name_is_taken_literally(tmp_path):
    name = "team; rm -rf x $(id)\x1b[31m"
    done = workbook("init", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / name / "workbook.toml").is_file()
    assert "\x1b" not in done.stdout  # the terminal is not driven
    # The next-step line quotes the folder for the shell.
    assert "cd 'team; rm -rf x $(id)" in done.stdout
