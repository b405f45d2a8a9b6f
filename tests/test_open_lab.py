"""`workbook open RECORD`: JupyterLab on a working copy set to the record, in one step.

The real command starts a real JupyterLab on 127.0.0.1; Chromium runs chapter 1 there; the
shipped notebooks are byte-identical afterwards (JupyterLab autosaves what it opens, so
they must never be what it opens).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from browser import lab_session
from conftest import REPO
from lab_server import PAGE_TIMEOUT_MS, api_json, run_all_cells, workbook_open
from workbook.paths import CHAPTER_NOTEBOOKS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
CLI = [sys.executable, "-c", "from workbook.cli import main; main()"]


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def new_record(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([*CLI, "new", name, "--dir", str(folder)], check=True, capture_output=True)
    (record,) = folder.glob("*.yaml")
    return record


def parameters(notebook: dict) -> str:
    (cell,) = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    return "".join(cell["source"])


def test_open_serves_every_chapter_set_to_the_record_and_leaves_the_shipped_ones(tmp_path):
    record = new_record(tmp_path / "team" / "records", "Open probe")
    shipped = digests(REPO / "notebooks")
    copy = tmp_path / "copy"

    with workbook_open(record, tmp_path / "home", copy) as lab:
        listed = {c["name"] for c in api_json(lab, "/api/contents")["content"]}
        assert set(CHAPTER_NOTEBOOKS.values()) <= listed
        for name in CHAPTER_NOTEBOOKS.values():
            source = parameters(api_json(lab, f"/api/contents/{name}?content=1")["content"])
            # The absolute path as a JSON string, and today (no pinned date).
            assert f"initiative_path = {json.dumps(str(record.resolve()))}" in source
            assert 'as_of = ""' in source
        first = next(iter(CHAPTER_NOTEBOOKS.values()))
        with lab_session(lab.url(f"lab/tree/{first}"), timeout_ms=PAGE_TIMEOUT_MS) as s:
            errors = s.run(run_all_cells, timeout_s=120)
            assert errors == [], f"cells failed: {errors}\n{lab.log_tail()}"
            editing = s.run(
                lambda page: page.locator(".wb-form .wb-editing").first.text_content() or ""
            )
            s.run(lambda page: page.keyboard.press("Control+s"))
            s.screenshot(ARTIFACTS / "open-lab.png")

    # The form names the record it edits, not the shipped example.
    assert record.name in editing
    assert "kyc-document-check" not in editing
    # Ran and saved in the copy; the shipped notebooks did not move a byte.
    assert digests(REPO / "notebooks") == shipped
    assert (copy / ".workbook-open.json").is_file()


def test_open_a_missing_record_is_one_line_pointing_to_new(tmp_path):
    done = subprocess.run(
        [*CLI, "open", str(tmp_path / "nope.yaml"), "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "nope.yaml" in lines[0] and "workbook new" in lines[0]
    assert "Traceback" not in done.stderr
