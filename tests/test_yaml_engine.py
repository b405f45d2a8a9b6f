"""One YAML engine: what a form saves is what every later read sees, in any YAML reader.

Records are read and written as YAML 1.2 by one function (`parse_mapping`); strings that a
YAML 1.1 reader would take for a boolean, a number, a date or null are written quoted. The
independent reader here is PyYAML (YAML 1.1), which the package itself never uses.
Every expected value below is the literal string typed, never one computed by the code.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import AS_OF
from workbook.cli import main
from workbook.errors import RecordError, UsageError
from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.model.roundtrip import RecordFile
from workbook.model.scaffold import create_record
from workbook.model.yamlio import atomic_write, atomic_write_text
from workbook.present.forms import ChapterForm


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def form(path: Path, key: str, catalogue) -> ChapterForm:
    return ChapterForm(path, key, catalogue, AS_OF)


def field(f: ChapterForm, dotted: str):
    return next(x for x in f._all_fields() if x.path == dotted)


def check(*paths: Path):
    """`workbook check` in-process, as the command line runs it."""
    return CliRunner().invoke(main, ["check", *map(str, paths)])


# --- typing YAML 1.1 look-alikes into text fields ------------------------------------

# fmt: off
TYPED = [
    # YAML 1.1 booleans (yaml.org/type/bool.html), every spelling it lists ...
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    # ... and mixed case, which it does not list: quoted as well, harmlessly.
    "yEs", "oN",
    # null (yaml.org/type/null.html)
    "null", "Null", "NULL", "~",
    # numbers: YAML 1.2 float without a dot, hexadecimal, octal both ways, binary,
    # underscores, sexagesimal int and float, infinity and not-a-number
    "1e3", "0x10", "0o17", "017", "0b101", "1_000", "1:20", "190:20:30.15",
    ".inf", "-.inf", ".nan",
    # dates and timestamps (yaml.org/type/timestamp.html)
    "2026-01-31", "2026-01-31T10:00:00Z", "2026-01-31 10:00:00", "2026-01-31t10:00:00.5+01:00",
    # version-like strings
    "1.10", "1.2.3", "01", "12",
    # YAML 1.1's merge and value keys, written as values
    "<<", "=",
]
# fmt: on


@pytest.mark.parametrize("typed", TYPED)
def test_typed_text_saves_and_reads_back_as_typed_everywhere(tmp_path, catalogue, typed):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "stage", catalogue)
    field(f, "sponsor").input.value = typed
    field(f, "scope.workflow").input.value = typed
    field(f, "scope.in_scope").input.value = typed  # one line: a list of one item

    assert f.save(), f.message.value
    assert f.message.value.startswith("Saved claims-triage.yaml")

    run = check(path)
    assert (run.exit_code, run.stderr) == (0, ""), run.output

    record = load_record(path)
    assert record.sponsor == typed
    assert record.scope.workflow == typed
    assert record.scope.in_scope == [typed]

    other = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert other["sponsor"] == typed
    assert other["scope"]["workflow"] == typed
    assert other["scope"]["in_scope"] == [typed]


def test_only_the_edited_value_changes_and_its_comment_stays(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    before = path.read_text(encoding="utf-8").splitlines()
    f = form(path, "stage", catalogue)
    field(f, "scope.workflow").input.value = "yes"
    assert f.save(), f.message.value
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            "  workflow: null                # Which business workflow does it serve?",
            "  workflow: 'yes'               # Which business workflow does it serve?",
        )
    ]


# --- hand-written files: one dialect, YAML 1.2 -----------------------------------------

HAND_WRITTEN = """\
schema_version: 1
id: no
name: yes
sponsor: on
stage: prototype
scope:
  workflow: 1:20
  in_scope: [off, y, 017]
"""


def test_hand_written_record_reads_as_yaml_1_2(tmp_path):
    """Plain `no`, `on`, `1:20` are text in YAML 1.2; `017` is the number 17, so it is refused."""
    path = tmp_path / "hand.yaml"
    path.write_text(HAND_WRITTEN.replace(", 017]", "]"), encoding="utf-8")
    record = load_record(path)
    assert (record.id, record.name, record.sponsor) == ("no", "yes", "on")
    assert record.scope.workflow == "1:20"
    assert record.scope.in_scope == ["off", "y"]

    path.write_text(HAND_WRITTEN, encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        load_record(path)
    assert caught.value.field == "scope.in_scope[2]"
    # Quoted as typed, not as the number 17 that YAML 1.2 made of it.
    assert caught.value.problem == "got 017, which YAML 1.2 reads as a number"
    assert caught.value.expected == "text; write it in quotes to keep it as text: '017'"


def test_saving_a_hand_written_record_quotes_what_yaml_1_1_would_misread(tmp_path, catalogue):
    path = tmp_path / "hand.yaml"
    path.write_text(HAND_WRITTEN.replace(", 017]", "]"), encoding="utf-8")
    assert form(path, "stage", catalogue).save()
    assert path.read_text(encoding="utf-8") == (
        "schema_version: 1\n"
        "id: 'no'\n"
        "name: 'yes'\n"
        "sponsor: 'on'\n"
        "stage: prototype\n"
        "scope:\n"
        "  workflow: '1:20'\n"
        "  in_scope: ['off', 'y']\n"
        # The form shows controlled_use's three fields, all unanswered: nothing is written
        # for them (no `users: null` clutter).
    )
    other = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (other["id"], other["name"], other["sponsor"]) == ("no", "yes", "on")


def test_yaml_1_1_directive_is_refused_with_one_line(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(
        "%YAML 1.1\n---\nschema_version: 1\nid: x\nname: yes\nstage: prototype\n",
        encoding="utf-8",
    )
    run = check(path)
    assert run.exit_code == 2
    assert run.stderr == (
        f"{path}: malformed YAML at line 2, column 1: the document asks for YAML 1.1; "
        "records are read as YAML 1.2 (remove the %YAML line) (expected valid YAML)\n"
    )


@pytest.mark.parametrize(("name", "ident"), [("2026", "2026"), ("Yes", "yes"), ("1e3", "1e3")])
def test_new_record_id_reads_as_text_everywhere(tmp_path, name, ident):
    path = create_record(name, tmp_path)
    assert path.name == f"{ident}.yaml"
    assert load_record(path).id == ident
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["id"] == ident


# --- what is validated is what is written ---------------------------------------------


def test_refused_save_leaves_the_file_byte_identical(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    with pytest.raises(RecordError) as caught:
        RecordFile(path).save({"stage": "pilot"}, catalogue)
    assert caught.value.field == "stage"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims-triage.yaml"]


def test_save_refuses_what_check_refuses_even_without_the_forms_own_check(tmp_path, catalogue):
    """`RecordFile.save` is the last gate before the disk (sign-offs save through it too):
    it checks criterion ids against the catalogue, as `workbook check` does."""
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    with pytest.raises(RecordError) as caught:
        RecordFile(path).save(
            {"not_applicable": [{"criterion": "data.no_such", "justification": "No data"}]},
            catalogue,
        )
    assert caught.value.line() == (
        f"{path}: not_applicable[0].criterion: unknown criterion 'data.no_such' "
        "(expected a criterion id of the catalogue 'Default readiness gates')"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims-triage.yaml"]


def test_save_refuses_text_that_a_read_would_refuse(tmp_path, catalogue):
    """Each line is within the schema's 20,000 characters, but 60 of them make the file
    1,200,000+ bytes: over the 1 MiB (1,048,576 bytes) every read accepts."""
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    f = form(path, "stage", catalogue)
    field(f, "scope.in_scope").input.value = "\n".join(
        [f"{i:02d}" + "x" * 19_998 for i in range(60)]
    )
    assert f.validate() == [], "the schema alone accepts the values"
    assert not f.save()
    assert "Not saved" in f.message.value
    assert "at most 1,048,576 bytes" in f.message.value
    assert path.read_bytes() == before


# --- alias bombs ------------------------------------------------------------------------


def alias_bomb(levels: int = 8, fanout: int = 11) -> str:
    """A record whose anchors each repeat the previous one ``fanout`` times."""
    lines = [
        "schema_version: 1",
        "id: example",
        "name: Example initiative",
        "stage: prototype",
        "scope:",
        "  in_scope: &level_0_of_the_same_list_once_again [" + ", ".join(["lol"] * fanout) + "]",
        "  out_of_scope:",
    ]
    for k in range(1, levels + 1):
        items = ", ".join([f"*level_{k - 1}_of_the_same_list_once_again"] * fanout)
        lines.append(f"    - &level_{k}_of_the_same_list_once_again [{items}]")
    return "\n".join(lines) + "\n"


def test_alias_expansion_is_refused_quickly_with_one_line(tmp_path):
    text = alias_bomb()
    # 8 levels of 11 aliases: 88 aliases, below the cap of 100; expanded, the last level
    # alone holds 11**9 (2,357,947,691) texts.
    assert text.count("*level_") == 88
    assert 3_500 < len(text.encode()) < 4_500  # about 4 KB
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")

    started = time.perf_counter()
    run = check(path)
    elapsed = time.perf_counter() - started

    assert run.exit_code == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"{path}: malformed YAML: aliases expand to more than 10,000 values")
    assert len(line) < 300, "the expanded value is never printed"
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_a_few_aliases_still_read(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "schema_version: 1\nid: example\nname: Example initiative\nstage: prototype\n"
        "scope:\n  in_scope: &cases [Motor claims, Home claims]\n"
        "  user_expectations: *cases\n  never_assume: *cases\n",
        encoding="utf-8",
    )
    record = load_record(path)
    assert record.scope.user_expectations == ["Motor claims", "Home claims"]
    assert record.scope.never_assume == ["Motor claims", "Home claims"]


# --- atomic writes ----------------------------------------------------------------------


def test_a_writer_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_bytes(b"old content\n")

    def half(f) -> None:
        f.write(b"new con")
        f.flush()
        raise OSError(28, "No space left on device")

    # A failed write is one line naming the file (workbook.files), the old file intact.
    with pytest.raises(UsageError, match=r"record\.yaml: cannot write: No space left"):
        atomic_write(path, half, binary=True)
    assert path.read_bytes() == b"old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["record.yaml"]


def test_a_reader_holding_the_old_file_still_sees_the_old_bytes(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_bytes(b"old content\n")
    path.chmod(0o640)
    old_inode = path.stat().st_ino
    with path.open("rb") as held:
        atomic_write_text(path, "new content\n")
        assert held.read() == b"old content\n"
    assert path.read_bytes() == b"new content\n"
    assert path.stat().st_ino != old_inode, "replaced by rename, not rewritten in place"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640, "the file keeps its mode"
    assert [p.name for p in tmp_path.iterdir()] == ["record.yaml"]


def test_a_failed_write_during_a_form_save_keeps_the_record(tmp_path, catalogue, monkeypatch):
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    f = form(path, "stage", catalogue)
    field(f, "scope.workflow").input.value = "Motor claims intake"

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert not f.save()
    assert "No space left on device" in f.message.value
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".draft.json")) == [
        "claims-triage.yaml"
    ]
