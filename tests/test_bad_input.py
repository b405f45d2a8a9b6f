"""Bad input: every broken, hostile or inconsistent file gets one clear line and exit 2.

The committed corpus lives in ``tests/bad_inputs/`` (one small file per mistake,
named for it); cases that would be large or need the file system's help
(size cap, deep nesting, unreadable files) are generated in ``tmp_path``.

For every case the command must exit 2, print exactly one line on stderr that
starts with the file's path and names the field, let no traceback escape, and
never echo raw control or bidi characters back to the terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook.cli import main
from workbook.model.yamlio import MAX_YAML_BYTES

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CATALOGUES = CORPUS / "catalogues"

VALID_RECORD = """\
schema_version: 1
id: valid-one
name: A valid initiative
stage: prototype
"""

#: Anything that could drive a terminal or reorder text: C0/C1 controls (but \\n) and bidi.
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# --- running the command -------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def invoke(*args: str | Path) -> Run:
    """The real CLI in-process; ``color=True`` so click does not hide escape sequences."""
    result = CliRunner().invoke(main, [str(a) for a in args], color=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"Traceback escaped the CLI (exit {result.exit_code}):\n{trace}")
    return Run(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str | Path, program: list[str] | None = None) -> Run:
    """The CLI as a separate process, as users run it."""
    cmd = [*(program or [sys.executable, "-m", "workbook.cli"]), *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    return Run(done.returncode, done.stdout, done.stderr)


def normalise(text: str) -> str:
    """``waivers[0].criterion`` and ``waivers.0.criterion`` name the same field."""
    return re.sub(r"\[(\d+)\]", r".\1", text)


def assert_clean(run: Run) -> None:
    """No traceback, and nothing that could drive the terminal, on either stream."""
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream
        bad = RAW_CONTROL.search(stream)
        assert bad is None, f"raw U+{ord(bad.group()):04X} in output: {stream!r}"


def assert_one_line(
    run: Run,
    path: Path | str,
    field: str | None = None,
    phrases: tuple[str, ...] = (),
    absent: tuple[str, ...] = (),
) -> str:
    """Exit 2 and one stderr line ``[workbook: ]path: field: problem``; returns the line."""
    assert_clean(run)
    assert run.code == 2, (run.code, run.stderr)
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    line = lines[0]
    # Per-record problems in `check` are listed as bare lines; fatal ones carry the prefix.
    located = line.removeprefix("workbook: ")
    assert located.startswith(f"{path}: "), line
    rest = normalise(located[len(f"{path}: ") :])
    if field is not None:
        assert rest.startswith(f"{field}: "), f"expected field {field!r}: {line}"
    for phrase in phrases:
        assert phrase in line, f"expected {phrase!r} in: {line}"
    for phrase in absent:
        assert phrase not in line, f"did not expect {phrase!r} in: {line}"
    return line


# --- the record corpus -----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    field: str | None  # field path (list indices as .N); None for problems of the whole file
    phrases: tuple[str, ...]
    absent: tuple[str, ...] = ()


def case(file: str, field: str | None, *phrases: str, absent: tuple[str, ...] = ()):
    return pytest.param(Case(file, field, phrases, absent), id=file.removesuffix(".yaml"))


RECORD_CASES = [
    # the file itself
    case("empty.yaml", None, "file is empty"),
    case("whitespace_only.yaml", None, "file is empty"),
    case(
        "comments_only.yaml",
        None,
        "empty",
        absent=("NoneType",),
    ),
    case("latin1.yaml", None, "byte 39 is not valid UTF-8"),
    case("nul_bytes.yaml", None, "file holds binary data"),
    case("png_header.yaml", None, "file holds binary data"),
    case("utf16_with_bom.yaml", None, "file holds binary data", "UTF-8"),
    # not YAML, or not one mapping
    case("malformed_yaml.yaml", None, "malformed YAML at line 4"),
    case("tab_indentation.yaml", None, "malformed YAML at line 6", "'\\t'"),
    case(
        "multiple_documents.yaml",
        None,
        "malformed YAML at line 5",
        "single document",
    ),
    case(
        "raw_escape_byte.yaml",
        None,
        "position 44",
        absent=("\\x0a", "<unicode string>"),
    ),
    case("top_level_list.yaml", None, "top level is a list"),
    case("top_level_scalar.yaml", None, "top level is a single str value"),
    case(
        "python_object_tag.yaml", None, "could not determine a constructor", "python/object/apply"
    ),
    # Each alias adds the values it stands for (a list counts itself and its items): the
    # aliases on lines 6-8 add 10, 10*11 and 10*111 values (1,230); on line 9 each *lol3
    # adds 1,111, and the 8th brings the total to 10,118, past the cap of 10,000.
    case("billion_laughs.yaml", None, "aliases expand to more than 10,000 values (line 9)"),
    # a0 is 4 values, a(k) is 1 + 3*a(k-1): 13, 40, 121, 364, 1093, 3280. Lines 9-14 add
    # 3*(4+13+40+121+364+1093) = 4,905; on line 15 two *a6 add 6,560: 11,465 > 10,000.
    case(
        "alias_fanout_below_cap.yaml", None, "aliases expand to more than 10,000 values (line 15)"
    ),
    case("too_many_aliases.yaml", None, "more than 100 aliases (line 9)"),
    case(
        "recursive_alias.yaml", None, "alias 'loop' (line 6) refers to the value that contains it"
    ),
    case("deeply_nested_lists.yaml", "scope.in_scope.0", "got list"),
    case("duplicate_key_top_level.yaml", None, "duplicate key 'name' (line 5)"),
    case("duplicate_key_nested.yaml", None, "duplicate key 'workflow' (line 8)"),
    case("explicit_int_tag_not_a_number.yaml", None, "malformed YAML at line 7"),
    case(
        "explicit_timestamp_tag_not_a_date.yaml",
        None,
        "malformed YAML at line 7",
    ),
    # schema version
    case("schema_version_2.yaml", "schema_version", "unsupported version 2", "(expected 1)"),
    case("schema_version_missing.yaml", "schema_version", "missing"),
    case("schema_version_text.yaml", "schema_version", "unsupported version '1'"),
    case(
        "schema_version_true.yaml",
        "schema_version",
        "unsupported version",
    ),
    # unknown keys and values
    case(
        "unknown_key_top_level.yaml",
        "owner",
        "unknown field",
        "expected one of schema_version, id, name",
    ),
    case("unknown_key_nested.yaml", "scope.workflows", "unknown field"),
    case("unknown_key_in_list_item.yaml", "evidence.0.file", "unknown field"),
    case(
        "unknown_key_bidi_override.yaml",
        None,
        "unknown field",
    ),
    case("unknown_stage.yaml", "stage", "unknown value 'pilot'", "prototype, mvp"),
    case("target_below_claim.yaml", "target_stage", "mvp is not above the claimed stage"),
    case("not_applicable_twice.yaml", "not_applicable", "data.grounding is named more than once"),
    case("waived_and_not_applicable.yaml", "not_applicable", "data.grounding is also waived"),
    case(
        "stage_null.yaml",
        "stage",
        "prototype, mvp",
        absent=("NoneType",),
    ),
    case(
        "unknown_signal.yaml",
        "observability.logging_plan.vibes",
        "unknown value 'vibes'",
    ),
    case("missing_name.yaml", "name", "required field is missing"),
    # wrong types and ranges
    case("wrong_type_name_list.yaml", "name", "got list", "valid string"),
    case("wrong_type_scope_list.yaml", "scope", "got list"),
    case("wrong_type_volume_text.yaml", "scope.controlled_use.max_daily_volume", "got 'lots'"),
    case(
        "wrong_type_logged_text.yaml",
        "observability.logging_plan.prompts.logged",
        "got 'sometimes'",
    ),
    case("error_rate_above_one.yaml", "trust.thresholds.error_rate", "less than or equal to 1"),
    # Text that YAML 1.2 reads as a number or a boolean: the line quotes the value as typed
    # in the file, never the number Python made of it (1e3 is 1000.0, 0o17 is 15, +.5 is
    # 0.5, 1.10 is 1.1), and says how to keep it as text.
    case(
        "text_read_as_number_exponent.yaml",
        "scope.workflow",
        "scope.workflow: got 1e3, which YAML 1.2 reads as a number "
        "(expected text; write it in quotes to keep it as text: '1e3')",
        absent=("1000",),
    ),
    case(
        "text_read_as_number_negative_exponent.yaml",
        "summary",
        "summary: got 2e-5, which YAML 1.2 reads as a number "
        "(expected text; write it in quotes to keep it as text: '2e-5')",
        absent=("2e-05", "0.00002"),
    ),
    case(
        "text_read_as_number_octal.yaml",
        "sponsor",
        "sponsor: got 0o17, which YAML 1.2 reads as a number "
        "(expected text; write it in quotes to keep it as text: '0o17')",
        absent=("15",),
    ),
    case(
        "text_read_as_number_signed_fraction.yaml",
        "trust.fallback",
        "trust.fallback: got +.5, which YAML 1.2 reads as a number "
        "(expected text; write it in quotes to keep it as text: '+.5')",
        absent=("0.5",),
    ),
    case(
        "text_read_as_number_version.yaml",
        "scope.in_scope.1",
        "scope.in_scope[1]: got 1.10, which YAML 1.2 reads as a number "
        "(expected text; write it in quotes to keep it as text: '1.10')",
        absent=("1.1 ", "1.1,", "1.1)"),
    ),
    case(
        "text_read_as_boolean.yaml",
        "scope.ai_step",
        "scope.ai_step: got true, which YAML 1.2 reads as a boolean "
        "(expected text; write it in quotes to keep it as text: 'true')",
        absent=("True",),
    ),
    case(
        "column_name_read_as_number.yaml",
        "evidence.0.expectations.types.2024",
        "got 2024, which YAML 1.2 reads as a number "
        "(expected text; write it in quotes to keep it as text: '2024')",
    ),
    # dates
    case(
        "bad_date_words.yaml",
        "evidence.0.date",
        "got 'last Tuesday'",
        "expected a date written YYYY-MM-DD",
    ),
    case("bad_date_february_30.yaml", "evidence.0.date", "2026-02-30"),
    case("bad_date_month_13.yaml", "data.gaps.0.due", "2026-13-01"),
    case(
        "bad_date_as_number.yaml",
        "governance.security_review.date",
        "YYYY-MM-DD",
    ),
    # evidence
    case("evidence_absolute_path.yaml", "evidence.0.path", "must be relative"),
    case("evidence_windows_drive_path.yaml", "evidence.0.path", "must be relative"),
    case("evidence_path_and_url.yaml", "evidence.0", "exactly one of path or url"),
    case("evidence_neither_path_nor_url.yaml", "evidence.0", "exactly one of path or url"),
    case(
        "evidence_url_javascript.yaml", "evidence.0.url", "'javascript:alert(1)' has the wrong form"
    ),
    # waivers, not-applicable entries, sign-offs
    case("waiver_expiry_not_a_date.yaml", "waivers.0.expires", "got 'end of the quarter'"),
    case("waiver_expiry_february_30.yaml", "waivers.0.expires", "2026-02-30"),
    case(
        "waiver_unknown_criterion.yaml",
        "waivers.0.criterion",
        "unknown criterion 'scope.no_such_criterion'",
    ),
    case(
        "not_applicable_unknown_criterion.yaml",
        "not_applicable.0.criterion",
        "unknown criterion 'data.no_such_criterion'",
    ),
    case(
        "signoff_non_hex_digest.yaml",
        "signoffs.0.digest",
        "'not-a-digest-at-all' has the wrong form",
    ),
    case("signoff_upper_case_digest.yaml", "signoffs.0.digest", "wrong form", "[0-9a-f]"),
    # ids and names
    case("id_with_spaces.yaml", "id", "'claims triage' has the wrong form"),
    case("id_upper_case.yaml", "id", "'ClaimsTriage' has the wrong form"),
    case(
        "id_yaml_boolean.yaml",
        "id",
        "id: got false, which YAML 1.2 reads as a boolean "
        "(expected text; write it in quotes to keep it as text: 'false')",
        absent=("False",),
    ),
    case("name_empty.yaml", "name", "at least 1 character"),
    case("name_ansi_escape.yaml", "name", "control character U+001B"),
    case("name_bidi_override.yaml", "name", "RIGHT-TO-LEFT OVERRIDE"),
    case("name_control_characters.yaml", "name", "control character U+0008"),
]


@pytest.mark.parametrize("c", RECORD_CASES)
def test_bad_record_gets_one_line_naming_file_and_field(c: Case):
    path = CORPUS / c.file
    run = invoke("check", path)
    assert_one_line(run, path, c.field, c.phrases, c.absent)
    assert "1 record: 0 assessed, 0 overclaimed, 1 invalid" in run.stdout


def test_corpus_is_complete():
    """Every committed record file is in the table, and the table names no missing file."""
    committed = {p.name for p in CORPUS.glob("*.yaml")}
    listed = {p.values[0].file for p in RECORD_CASES}
    assert committed == listed
    assert len(committed) >= 25


# --- generated cases --------------------------------------------------------------


def record_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_file_over_the_size_cap(tmp_path):
    path = tmp_path / "too_large.yaml"
    padding = "# padding\n" * (MAX_YAML_BYTES // 10 + 1)
    path.write_text(VALID_RECORD + padding, encoding="utf-8")
    assert path.stat().st_size > MAX_YAML_BYTES
    assert_one_line(invoke("check", path), path, None, (f"at most {MAX_YAML_BYTES:,} bytes",))


def test_name_of_100k_characters(tmp_path):
    path = record_file(
        tmp_path, "long_name.yaml", VALID_RECORD.replace("A valid initiative", "A" * 100_000)
    )
    run = invoke("check", path)
    assert_one_line(run, path, "name", ("at most 200 characters",))
    assert len(run.stderr) < 500


def test_unknown_key_of_100k_characters(tmp_path):
    path = record_file(tmp_path, "long_key.yaml", f"{VALID_RECORD}? {'k' * 100_000}\n: 1\n")
    run = invoke("check", path)
    assert_one_line(run, path, None, ("unknown field",))
    assert len(run.stderr) < 1000


# An error line quotes at most 40 characters of a value (README, "Bad input"): a longer
# one is cut to 37 and ends "...", the first of the 37 being the opening quote if quoted.
LONG = "p" * 150
CUT = "'" + "p" * 36 + "..."


@pytest.mark.parametrize(
    ("added", "field", "problem"),
    [
        pytest.param(f"target_stage: {LONG}\n", "target_stage", f"unknown value {CUT}", id="value"),
        pytest.param(
            "waivers:\n  - {criterion: " + LONG + ", reason: R, approver: A, "
            "expires: 2027-01-01}\n",
            "waivers.0.criterion",
            f"unknown criterion {CUT}",
            id="criterion",
        ),
        pytest.param(
            "evidence:\n  - {kind: log_sample, path: l.jsonl, date: 2026-11-01, "
            "mapping: {fields: {" + LONG + ": x}}}\n",
            "evidence.0.mapping.fields",
            f"unknown signal {CUT}",
            id="signal",
        ),
        # The YAML library's own message quotes the name it did not find.
        pytest.param(f"summary: *{LONG}\n", None, f"found undefined alias {CUT}", id="alias"),
    ],
)
def test_a_long_value_is_quoted_cut_to_40_characters(tmp_path, added, field, problem):
    path = record_file(tmp_path, "long_value.yaml", VALID_RECORD + added)
    line = assert_one_line(invoke("check", path), path, field)
    assert problem in line
    assert "p" * 37 not in line


def test_a_long_number_in_a_text_field_is_quoted_cut_to_40_characters(tmp_path):
    path = record_file(tmp_path, "long_number.yaml", f"{VALID_RECORD}sponsor: {'7' * 100}\n")
    line = assert_one_line(invoke("check", path), path, "sponsor")
    assert "sponsor: got " + "7" * 37 + "..., which YAML 1.2 reads as a number" in line
    assert "write it in quotes to keep it as text: '" + "7" * 36 + "...)" in line
    assert "7" * 38 not in line


def test_a_long_unknown_key_is_quoted_cut_to_40_characters(tmp_path):
    path = record_file(tmp_path, "long_key_cut.yaml", f"{VALID_RECORD}{'k' * 100}: 1\n")
    line = assert_one_line(invoke("check", path), path, "k" * 37 + "...", ("unknown field",))
    assert "k" * 38 not in line


def test_integer_of_5000_digits(tmp_path):
    path = record_file(
        tmp_path,
        "huge_integer.yaml",
        f"{VALID_RECORD}scope:\n  controlled_use:\n    max_daily_volume: {'9' * 5000}\n",
    )
    assert_one_line(invoke("check", path), path, None, ("line 7",))


@pytest.mark.parametrize(
    "nested",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="lists"),
        pytest.param("{a: " * 20_000 + "1" + "}" * 20_000, id="mappings"),
    ],
)
def test_deeply_nested_yaml(tmp_path, nested):
    path = record_file(tmp_path, "deep.yaml", f"{VALID_RECORD}scope:\n  in_scope: {nested}\n")
    assert_one_line(invoke("check", path), path, None, ("nests too deeply",))


def test_missing_file(tmp_path):
    path = tmp_path / "no_such_record.yaml"
    assert_one_line(invoke("check", path), path, None, ("no such file or folder",))


def test_broken_symlink(tmp_path):
    path = tmp_path / "dangling.yaml"
    path.symlink_to(tmp_path / "gone.yaml")
    assert_one_line(invoke("check", path), path, None, ("no such file or folder",))


def test_named_pipe_is_not_read(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    assert_one_line(invoke("check", path), path, None, ("not a regular file",))


def test_unreadable_file_permission_error(tmp_path, monkeypatch):
    """What mode 000 does for an ordinary user, simulated: CI runs as root, who reads anyway."""
    path = record_file(tmp_path, "locked.yaml", VALID_RECORD)
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "locked.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert_one_line(invoke("check", path), path, None, ("cannot read file: Permission denied",))


def test_broken_symlink_inside_folder_is_reported(tmp_path):
    record_file(tmp_path, "good.yaml", VALID_RECORD)
    ghost = tmp_path / "ghost.yaml"
    ghost.symlink_to(tmp_path / "gone.yaml")
    run = invoke("check", tmp_path)
    assert_one_line(run, ghost, None, ("not found",))


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param("\x1b[31m", id="ansi"),
        pytest.param(
            "\u202e",
            id="bidi",
        ),
    ],
)
def test_hostile_file_name_is_escaped(tmp_path, marker):
    path = record_file(
        tmp_path, f"evil{marker}name.yaml", "schema_version: 1\nid: x\nname: X\nstage: pilot\n"
    )
    run = invoke("check", path)
    assert_clean(run)
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith(str(tmp_path / "evil")) and "name.yaml: stage: unknown value" in line


# --- folders: the valid ones are still reported ---------------------------------------


FOLDER_BAD = [
    "unknown_stage.yaml",
    "latin1.yaml",
    "python_object_tag.yaml",
    "empty.yaml",
    "top_level_list.yaml",
    "evidence_path_and_url.yaml",
    "billion_laughs.yaml",
]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_folder_reports_valid_record_and_lists_each_invalid_one(tmp_path):
    folder = tmp_path / "portfolio"
    folder.mkdir()
    record_file(folder, "valid.yaml", VALID_RECORD)
    for name in FOLDER_BAD:
        shutil.copyfile(CORPUS / name, folder / name)
    before = snapshot(folder)

    run = invoke("check", folder)

    assert_clean(run)
    assert run.code == 2
    assert run.stdout.startswith(f"valid-one  A valid initiative  ({folder / 'valid.yaml'})\n")
    n = len(FOLDER_BAD)
    assert f"{n + 1} records: 1 assessed, 0 overclaimed, {n} invalid" in run.stdout
    lines = run.stderr.splitlines()
    assert len(lines) == n
    assert sorted(line.split(": ", 1)[0] for line in lines) == sorted(
        str(folder / name) for name in FOLDER_BAD
    )
    assert snapshot(folder) == before, "check must not write or touch any file"


def test_duplicate_id_across_two_files():
    folder = CORPUS / "duplicate_id"
    run = invoke("check", folder)
    assert_one_line(
        run,
        folder / "second.yaml",
        "id",
        (f"id 'shared-id' is already used by {folder / 'first.yaml'}",),
    )
    assert run.stdout.startswith(f"shared-id  First of two  ({folder / 'first.yaml'})")


# --- nothing is written ------------------------------------------------------------------


def test_new_never_overwrites(tmp_path):
    target = tmp_path / "claims-triage.yaml"
    original = b"# hand-written; must survive\nschema_version: 1\n\x00\xff"
    target.write_bytes(original)
    before = sorted(tmp_path.iterdir())

    run = invoke("new", "Claims triage", "--dir", tmp_path)

    assert_one_line(run, target, None, ("file already exists",))
    assert target.read_bytes() == original
    assert sorted(tmp_path.iterdir()) == before, "no temporary file may be left behind"


@pytest.mark.parametrize("name", ["A" * 300, "Claims \u202etriage"], ids=["long", "bidi"])
def test_new_refuses_a_name_the_schema_rejects(tmp_path, name):
    run = invoke("new", name, "--dir", tmp_path)
    assert run.code == 2
    assert list(tmp_path.iterdir()) == []


def test_new_writes_only_a_record_that_reads_back(tmp_path):
    """U+FFFF passes the name's own checks, but YAML 1.2 may not hold it (its printable set
    stops at U+FFFD before U+10000): `new` reads its text back before writing, and refuses."""
    run = invoke("new", "Claims triage \uffff", "--dir", tmp_path)
    target = tmp_path / "claims-triage.yaml"
    assert_one_line(run, target, None, ("not written: character U+FFFF", "not allowed in YAML"))
    assert list(tmp_path.iterdir()) == []


# --- the CLI as a process: no traceback escapes ------------------------------------------


def test_corpus_as_a_process_one_line_per_file():
    """All record files the library handles, in one `check`: one stderr line each, in order."""
    files = [CORPUS / p.values[0].file for p in RECORD_CASES]
    run = run_process("check", *files)
    assert_clean(run)
    assert run.code == 2
    lines = run.stderr.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [str(f) for f in files]


@pytest.mark.parametrize(
    "file",
    ["python_object_tag.yaml", "billion_laughs.yaml", "png_header.yaml", "unknown_stage.yaml"],
)
def test_workbook_script(file):
    # The editable install puts the console script next to the interpreter; a missing
    # script is a broken install, which this test must report rather than skip.
    script = Path(sys.executable).with_name("workbook")
    assert script.is_file(), f"{script} is missing: reinstall with `pip install -e .`"
    path = CORPUS / file
    assert_one_line(run_process("check", path, program=[str(script)]), path)


def test_catalogue_error_as_a_process(tmp_path):
    gates = CATALOGUES / "unknown_criterion_kind.yaml"
    valid = record_file(tmp_path, "valid.yaml", VALID_RECORD)
    run = run_process("check", "--gates", gates, valid)
    assert_one_line(run, gates, "criteria.0.kind", ("unknown criterion kind 'checklist'",))
    assert run.stdout == ""


# --- bad gate catalogues ----------------------------------------------------------


def cat(file: str, field: str | None, *phrases: str):
    return pytest.param(Case(file, field, phrases), id=file.removesuffix(".yaml"))


KINDS = "evidence, field, logging_plan, register, signoff"
CATALOGUE_CASES = [
    cat(
        "catalogues/unknown_criterion_kind.yaml",
        "criteria.0.kind",
        "unknown criterion kind 'checklist'",
        KINDS,
    ),
    cat(
        "catalogues/unknown_record_field.yaml",
        "criteria.0.fields",
        "unknown record field 'scope.workflw'",
        "did you mean 'workflow'",
        "known in scope: workflow, ai_step",
    ),
    cat(
        "catalogues/unknown_register_item_field.yaml",
        "criteria.0.require",
        "unknown field 'steward'",
        "known: name, system_of_record, owner",
    ),
    cat(
        "catalogues/register_not_a_list.yaml",
        "criteria.0.register",
        "'data.grounding' is not a list",
    ),
    cat(
        "catalogues/duplicate_criterion_id.yaml",
        "criteria.1.id",
        "duplicate criterion id 'ownership.signoff'",
    ),
    cat(
        "catalogues/unknown_evidence_kind_in_freshness.yaml",
        "freshness_days.selfie",
        "unknown evidence kind 'selfie'",
        "document, user_notice, policy",
    ),
    cat(
        "catalogues/unknown_key_in_criterion.yaml",
        "criteria.0.weight",
        "unknown field",
        "role, signoff_gate",
    ),
    cat(
        "catalogues/unknown_top_level_key.yaml",
        "gates",
        "unknown field",
        "catalogue_version, controlled_use, criteria",
    ),
    cat("catalogues/catalogue_version_2.yaml", "catalogue_version", "unsupported version 2"),
    # The rules beside the criteria are checked as strictly as the criteria.
    cat(
        "catalogues/min_sample_unknown_kind.yaml",
        "min_sample.selfie",
        "unknown evidence kind 'selfie'",
        "log_sample",
    ),
    cat(
        "catalogues/limit_out_of_range.yaml",
        "limits.error_rate",
        "got 2",
        "less than or equal to 1",
    ),
    cat(
        "catalogues/role_unknown_field.yaml",
        "roles.business_owner",
        "unknown record field 'ownership.busines_owner'",
        "did you mean 'business_owner'?",
    ),
    cat(
        "catalogues/answers_wrong_type.yaml",
        "answers.min_description_words",
        "got 'many'",
        "integer",
    ),
    cat("catalogues/no_criteria.yaml", "criteria", "missing or empty"),
    # The YAML defences hold for catalogues too.
    cat("python_object_tag.yaml", None, "could not determine a constructor"),
    cat("billion_laughs.yaml", None, "aliases expand to more than 10,000 values"),
    cat("too_many_aliases.yaml", None, "more than 100 aliases"),
    cat("latin1.yaml", None, "not valid UTF-8", "gate catalogue"),
    cat("top_level_list.yaml", None, "top level is a list", "gate catalogue"),
    cat("empty.yaml", None, "file is empty"),
]


@pytest.mark.parametrize("c", CATALOGUE_CASES)
@pytest.mark.parametrize("command", ["gates", "check"])
def test_bad_catalogue_gets_one_line(c: Case, command, tmp_path):
    path = CORPUS / c.file
    extra = [record_file(tmp_path, "valid.yaml", VALID_RECORD)] if command == "check" else []
    run = invoke(command, "--gates", path, *extra)
    assert_one_line(run, path, c.field, c.phrases)
    assert run.stdout == ""


def test_register_item_field_lists_the_known_names():
    """The message lists the valid item fields; the field path is checked in the table above."""
    path = CATALOGUES / "unknown_register_item_field.yaml"
    line = assert_one_line(invoke("gates", "--gates", path), path)
    assert "criteria[0]" in line
    assert (
        "unknown field 'steward' in register data.sources; known: name, system_of_record, owner"
        in line
    )


def test_missing_catalogue(tmp_path):
    path = tmp_path / "no_such_gates.yaml"
    assert_one_line(invoke("gates", "--gates", path), path, None, ("file not found",))


def test_catalogue_that_is_a_folder(tmp_path):
    assert_one_line(invoke("gates", "--gates", tmp_path), tmp_path, None, ("not a regular file",))


@pytest.mark.parametrize("command", ["gates", "check"])
def test_hostile_catalogue_name_is_refused(command, tmp_path):
    """Issue 13, class 4: a catalogue refuses escape sequences in its text (README promise)."""
    gates = CATALOGUES / "hostile_name_ansi.yaml"
    extra = [record_file(tmp_path, "valid.yaml", VALID_RECORD)] if command == "check" else []
    run = invoke(command, "--gates", gates, *extra)
    # The name's first unprintable character is the ESC (U+001B) that opens its first sequence.
    assert_one_line(run, gates, "name", ("contains the control character U+001B",))
