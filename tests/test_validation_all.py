"""All the problems of a record at once: three typos, three lines, one run."""

from __future__ import annotations

import pytest

from workbook.errors import RecordError, RecordProblems, problems_of
from workbook.model.catalogue import load_catalogue
from workbook.model.validation import validate_record
from workbook.model.yamlio import parse_mapping

# Three typos of the kind an analyst makes: a stage that does not exist, a date written
# the American way, and a waiver naming a criterion the catalogue lacks.
TEXT = """\
schema_version: 1
id: typos
name: Typos
stage: pilot
data:
  gaps:
    - {id: g1, description: Late file, severity: low, due: 12/01/2026}
waivers:
  - {criterion: no.such.criterion, reason: r, approver: A, expires: 2026-12-31}
"""


def test_every_problem_is_reported_with_its_field_and_expectation(tmp_path):
    path = tmp_path / "typos.yaml"
    data = parse_mapping(TEXT, path, RecordError, "record")
    with pytest.raises(RecordProblems) as caught:
        validate_record(data, load_catalogue(), path, TEXT)
    found = problems_of(caught.value)
    fields = [f for f, _, _ in found]
    assert fields == ["stage", "data.gaps[0].due", "waivers[0].criterion"]
    by_field = {f: (p, e) for f, p, e in found}
    assert by_field["stage"][0] == "unknown value 'pilot'"
    assert by_field["data.gaps[0].due"][1] == "a date written YYYY-MM-DD"
    assert by_field["waivers[0].criterion"][0] == "unknown criterion 'no.such.criterion'"
    lines = caught.value.lines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert (
        lines[1]
        == f"{path}: data.gaps[0].due: got '12/01/2026' (expected a date written YYYY-MM-DD)"
    )
    # Where one line is all there is room for, it says how many more there are.
    assert caught.value.line().startswith(
        f"{path}: stage: unknown value 'pilot' (and 2 more problems)"
    )


def test_one_problem_stays_one_plain_line(tmp_path):
    path = tmp_path / "one.yaml"
    text = TEXT.replace("due: 12/01/2026", "due: 2026-12-01").replace("stage: pilot", "stage: mvp")
    data = parse_mapping(text, path, RecordError, "record")
    with pytest.raises(RecordError) as caught:
        validate_record(data, load_catalogue(), path, text)
    assert not isinstance(caught.value, RecordProblems)
    assert caught.value.lines() == [caught.value.line()]
    assert caught.value.field == "waivers[0].criterion"


def test_check_prints_the_schema_and_the_catalogue_problems_together(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "records"
    folder.mkdir()
    path = folder / "typos.yaml"
    path.write_text(TEXT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from workbook.cli import main; main()", "check", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    problems = [line for line in done.stderr.splitlines() if line.startswith(str(path))]
    assert [line.split(": ")[1] for line in problems] == [
        "stage",
        "data.gaps[0].due",
        "waivers[0].criterion",
    ]
