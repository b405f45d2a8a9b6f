"""Issue 13, class 3: expansion bombs and unbounded work (with the catalogue parts of 4 and 5).

Each test is built from an attack: a 4 KB record whose 88 aliases repeat a long text, the
same through a catalogue, one large file cited 300 times (and under several spellings, and
by several records), thousands of entries where a check compared them pair by pair, a
catalogue field of the wrong type (``kind: [field]``), and catalogue text carrying escape
sequences or bidi overrides. Each must end quickly with a result or one line, exit 2.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from samples import workbook_process
from workbook.cli import main
from workbook.evidence import Findings
from workbook.model.criteria import Context
from workbook.model.kinds import RegisterCriterion
from workbook.model.records import Record
from workbook.model.yamlio import MAX_SHOWN, shown

CORPUS = Path(__file__).resolve().parent / "bad_inputs"

#: Anything that could drive a terminal or reorder text: C0/C1 controls (but \n) and bidi.
RAW_CONTROL = frozenset(
    [*map(chr, range(0x00, 0x0A)), *map(chr, range(0x0B, 0x20)), *map(chr, range(0x7F, 0xA0))]
) | frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def run_cli(*args: str | Path, timeout: float = 60) -> tuple[int, str, str, float]:
    """The CLI as users run it, in its own process: (exit code, stdout, stderr, seconds)."""
    code, out, err, seconds = workbook_process(*args, timeout=timeout)
    return code, out.decode(), err.decode(), seconds


def one_line(stderr: str, path: Path) -> str:
    """The single stderr line, which must name ``path`` and hold nothing unprintable."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr[:2000]
    (line,) = lines
    assert line.removeprefix("workbook: ").startswith(f"{path}: "), line
    assert "Traceback" not in line
    assert not any(c in RAW_CONTROL for c in line), repr(line)
    return line


# --- the 4 KB record with 88 aliases --------------------------------------------------------

#: One text of 3,000 characters: what each alias below repeats.
TEXT = "lorem " * 500


def alias_text_bomb(head: str) -> str:
    """A ~4 KB YAML file: a 3,000-character text, then 8 levels of 11 aliases each.

    Level 1 repeats the text 11 times, level k repeats level k-1 11 times: few values
    (the old cap counted values only), yet 11**8 copies of the text once expanded.
    """
    lines = [head.rstrip("\n"), f"t0: &t0 [{TEXT.strip()}]", "levels:"]
    for k in range(1, 9):
        lines.append(f"  - &t{k} [{', '.join([f'*t{k - 1}'] * 11)}]")
    return "\n".join(lines) + "\n"


RECORD_HEAD = "schema_version: 1\nid: example\nname: Example initiative\nstage: prototype\n"


def test_the_4kb_88_alias_record_is_refused_in_one_line_within_seconds(tmp_path):
    text = alias_text_bomb(RECORD_HEAD)
    assert text.count("*t") == 88
    assert 3_500 < len(text.encode()) < 4_500  # the attack: about 4 KB
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")

    code, _, stderr, seconds = run_cli("check", path)

    assert code == 2
    line = one_line(stderr, path)
    # By hand: t0 (line 5) holds 2,999 characters ("lorem" x 500 without the last space).
    # The 11 aliases of t0 on line 7 add 11 x 2,999 = 32,989. Each alias of t1 on line 8
    # adds 32,989 more: after two the total is 98,967, the third brings it to 131,956.
    assert "aliases expand to more than 100,000 characters of text (alias 't1', line 8)" in line
    assert len(line) < 300, "the expanded value is never printed"
    assert seconds < 10, f"took {seconds:.1f} s"


def test_the_same_bomb_in_a_catalogue_is_refused_in_one_line(tmp_path):
    head = "catalogue_version: 1\nname: Gates\n"
    path = tmp_path / "gates.yaml"
    path.write_text(alias_text_bomb(head), encoding="utf-8")

    code, _, stderr, seconds = run_cli("gates", "--gates", path)

    assert code == 2
    line = one_line(stderr, path)
    # Two lines of head: the aliases of t1 are on line 6 (see the record case above).
    assert "aliases expand to more than 100,000 characters of text (alias 't1', line 6)" in line
    assert seconds < 10, f"took {seconds:.1f} s"


def test_a_few_reused_paragraphs_still_read(tmp_path):
    """Honest reuse: one 2,000-character paragraph cited by 40 aliases adds 80,000."""
    paragraph = "word " * 400
    lines = [RECORD_HEAD.rstrip("\n"), "scope:", f"  workflow: &p {paragraph.strip()}"]
    lines.append("  in_scope: [" + ", ".join(["*p"] * 40) + "]")
    path = tmp_path / "reuse.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, stderr, _ = run_cli("check", path)
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (("description",), "description"),
        (("name",), "name"),
        (("criteria", 0), "criteria[0]"),
        (("criteria", 0, "kind"), "criteria[0].kind"),
        (("criteria", 0, "rationale"), "criteria[0].rationale"),
    ],
)
def test_a_catalogue_field_given_an_expanded_list_is_named_not_printed(tmp_path, where, field):
    """Below every cap (30 values, 84,100 characters added): a list where one value belongs."""
    doc = _set(yaml.safe_load(TINY), where, "@@bomb@@")
    # A 2,900-character text anchored once and aliased 29 times: 29 x 2,900 = 84,100.
    bomb = "[&t " + "y" * 2_900 + ", " + ", ".join(["*t"] * 29) + "]"
    text = yaml.safe_dump(doc, sort_keys=False).replace("'@@bomb@@'", bomb)
    path = tmp_path / "gates.yaml"
    path.write_text(text, encoding="utf-8")

    code, _, stderr, seconds = run_cli("gates", "--gates", path)

    assert code == 2
    line = one_line(stderr, path)
    assert line.startswith(f"{path}: {field}: got list"), line
    assert "yyyy" not in line and len(line) < 300
    assert seconds < 10


def test_shown_never_formats_a_container():
    """An error line quotes at most 40 characters, and never repr()s a container at all."""

    class Trap(list):
        def __repr__(self) -> str:
            raise AssertionError("a container was formatted")

        __str__ = __repr__

    assert shown(Trap([1, 2, 3])) == "Trap"
    assert shown({"k": Trap()}) == "dict"
    assert shown("x" * 10_000) == "'" + "x" * 36 + "..."  # 40 characters, cut
    assert len(shown(10**4000)) <= MAX_SHOWN


# --- one large file cited 300 times ---------------------------------------------------------

#: Runs the CLI with an audit hook counting how the cited file is opened: by its name
#: (``os.open``), and through a descriptor to read it (``open(fd)``: hash or inspection).
COUNTING = textwrap.dedent(
    """
    import json, os, sys
    target = os.stat(sys.argv[1])
    counts = {"by_name": 0, "read": 0, "code": 0}
    def hook(event, args):
        if event != "open":
            return
        what = args[0]
        if isinstance(what, int):
            try:
                st = os.fstat(what)
            except OSError:
                return
            if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                counts["read"] += 1
        elif os.path.basename(os.fsdecode(what)) == os.path.basename(sys.argv[1]):
            counts["by_name"] += 1
    sys.addaudithook(hook)
    from workbook.cli import main
    try:
        main(sys.argv[3:])
    except SystemExit as exc:
        counts["code"] = exc.code
    with open(sys.argv[2], "w") as f:
        json.dump(counts, f)
    """
)


def counted_check(cited: Path, *args: str | Path) -> dict[str, int]:
    out = cited.parent / "counts.json"
    subprocess.run(
        [sys.executable, "-c", COUNTING, str(cited), str(out), "check", *map(str, args)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return json.loads(out.read_text())


def big_policy(folder: Path) -> Path:
    """A 4 MB policy document (text: its words are counted)."""
    path = folder / "policy.md"
    path.write_text("The policy says what the assistant may do. " * 100_000, encoding="utf-8")
    assert path.stat().st_size > 4_000_000
    return path


def citing(rid: str, spellings: list[str]) -> str:
    items = "".join(f"  - {{kind: policy, path: {s}, date: 2026-11-01}}\n" for s in spellings)
    return f"schema_version: 1\nid: {rid}\nname: Example\nstage: prototype\nevidence:\n{items}"


def test_a_file_cited_300_times_is_opened_once_and_read_once(tmp_path):
    policy = big_policy(tmp_path)
    record = tmp_path / "record.yaml"
    record.write_text(citing("example", ["policy.md"] * 300), encoding="utf-8")

    counts = counted_check(policy, record)

    assert counts["code"] == 0
    # Read once, by definition: the name is opened once, and the bytes pass once through
    # the digest and once through the document check (its words counted), not per citation.
    assert counts == {"by_name": 1, "read": 2, "code": 0}


def test_one_file_under_several_spellings_is_opened_once(tmp_path):
    policy = big_policy(tmp_path)
    (tmp_path / "sub").mkdir()
    spellings = ["policy.md", "./policy.md", "sub/../policy.md", "./sub/.././policy.md"]
    record = tmp_path / "record.yaml"
    record.write_text(citing("example", spellings * 25), encoding="utf-8")

    counts = counted_check(policy, record)

    assert counts == {"by_name": 1, "read": 2, "code": 0}


def test_a_file_cited_by_several_records_of_a_run_is_read_once(tmp_path):
    policy = big_policy(tmp_path)
    for i in range(3):
        (tmp_path / f"r{i}.yaml").write_text(citing(f"r{i}", ["policy.md"]), encoding="utf-8")

    counts = counted_check(policy, tmp_path)

    # Each record opens the file to learn its identity (device, inode, size, times): 3.
    # Its bytes are read by one digest and one document check for the whole run: 2.
    assert counts == {"by_name": 3, "read": 2, "code": 0}


def test_10000_citations_of_one_file_finish_quickly(tmp_path):
    (tmp_path / "p.md").write_text("A usage policy of more than twenty words. " * 5)
    record = tmp_path / "record.yaml"
    record.write_text(citing("example", ["p.md"] * 10_000), encoding="utf-8")

    code, _, stderr, seconds = run_cli("check", record)

    assert code == 0, stderr
    assert seconds < 30, f"took {seconds:.1f} s"


def test_more_than_50_different_readings_are_refused_in_one_line(tmp_path):
    """Each reading of a log costs a query engine's pass: 51 different mappings of one file."""
    (tmp_path / "a.jsonl").write_text('{"timestamp": "2026-11-01T00:00:00Z"}\n')
    items = "".join(
        f"  - {{kind: log_sample, path: a.jsonl, date: 2026-11-01, "
        f"mapping: {{fields: {{user: u{i}}}}}}}\n"
        for i in range(51)
    )
    record = tmp_path / "record.yaml"
    record.write_text(citing("example", []) + items, encoding="utf-8")

    code, _, stderr, seconds = run_cli("check", record)

    assert code == 2
    line = one_line(stderr, record)
    assert line.startswith(f"{record}: evidence: 51 measured files or readings are cited")
    assert "at most 50 are measured for one record" in line
    assert seconds < 10


def test_50_identical_readings_under_other_spellings_count_once(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"timestamp": "2026-11-01T00:00:00Z"}\n')
    spellings = [f"{'./' * i}a.jsonl" for i in range(60)]  # 60 spellings, one file
    items = "".join(f"  - {{kind: log_sample, path: {s}, date: 2026-11-01}}\n" for s in spellings)
    record = tmp_path / "record.yaml"
    record.write_text(citing("example", []) + items, encoding="utf-8")
    code, _, stderr, _ = run_cli("check", record)
    assert code == 0, stderr


# --- thousands of entries, never compared pair by pair --------------------------------------

BASE = {"schema_version": 1, "id": "example", "name": "Example", "stage": "prototype"}


def test_60000_not_applicable_entries_validate_in_linear_time():
    # 60,000 entries fit in the 1 MB a record may hold ("- criterion: c12345" is 20 bytes).
    data = {**BASE, "not_applicable": [{"criterion": f"c{i}"} for i in range(60_000)]}
    started = time.perf_counter()
    record = Record.model_validate(data)
    seconds = time.perf_counter() - started
    assert len(record.not_applicable) == 60_000
    assert seconds < 5, f"took {seconds:.1f} s"  # counted pair by pair: 3.6e9 comparisons


def test_a_register_of_thousands_against_thousands_of_citations_is_judged_quickly():
    n = 5_000
    gaps = [
        {"id": f"g{i}", "description": "A gap that is described here.", "status": "closed",
         "closure_evidence": f"fix-{i}.md"}
        for i in range(n)
    ]  # fmt: skip
    evidence = [{"kind": "document", "path": f"fix-{i}.md", "date": "2026-11-01"} for i in range(n)]
    record = Record.model_validate({**BASE, "data": {"gaps": gaps}, "evidence": evidence})
    criterion = RegisterCriterion.model_validate(
        {"id": "data.gaps", "gate": "mvp", "area": "data", "kind": "register",
         "register": "data.gaps", "question": "q", "rationale": "r", "satisfied_by": "s",
         "forbid": {"status": "open"}, "closed_needs_evidence": True}
    )  # fmt: skip
    ctx = Context(record, Findings(), {}, dt.date(2026, 12, 1), "0" * 64)
    started = time.perf_counter()
    outcome = criterion.judge(ctx)
    seconds = time.perf_counter() - started
    # Every gap is closed and its closure evidence is cited (and unread, not broken): met.
    assert outcome.status == "met", outcome.detail[:200]
    assert seconds < 2, f"took {seconds:.1f} s"  # pair by pair: 25,000,000 comparisons


# --- catalogue fields of the wrong type (class 5) -------------------------------------------

#: A valid catalogue setting every field the sweep below breaks.
TINY = """\
catalogue_version: 1
name: Small gates
description: Gates for a test.
freshness_days:
  policy: 30
shadow_production:
  min_daily_volume: 50
  min_days: 5
answers:
  min_description_words: 5
limits:
  error_rate: 0.1
waivers:
  max_days: 180
roles:
  sponsor: sponsor
own_evidence: [log_sample]
criteria:
  - id: scope.workflow
    gate: mvp
    area: scope
    kind: field
    fields: [scope.workflow]
    evidence: policy
    max_age_days: 30
    question: Is the workflow written down?
    rationale: A workflow nobody wrote down cannot be supported.
    satisfied_by: A paragraph naming the workflow.
    tags:
      owner: [governance]
    allow_not_applicable: false
    waivable: true
"""

#: Every field of TINY, as a path into the parsed document and as an error line names it.
FIELDS: list[tuple[tuple[Any, ...], str]] = [
    (("catalogue_version",), "catalogue_version"),
    (("name",), "name"),
    (("description",), "description"),
    (("freshness_days",), "freshness_days"),
    (("freshness_days", "policy"), "freshness_days.policy"),
    (("shadow_production",), "shadow_production"),
    (("shadow_production", "min_days"), "shadow_production.min_days"),
    (("answers",), "answers"),
    (("answers", "min_description_words"), "answers.min_description_words"),
    (("limits", "error_rate"), "limits.error_rate"),
    (("waivers", "max_days"), "waivers.max_days"),
    (("roles",), "roles"),
    (("roles", "sponsor"), "roles.sponsor"),
    (("own_evidence",), "own_evidence"),
    (("criteria",), "criteria"),
    (("criteria", 0), "criteria[0]"),
    *[
        (("criteria", 0, key), f"criteria[0].{key}")
        for key in (
            "id",
            "gate",
            "area",
            "kind",
            "fields",
            "evidence",
            "max_age_days",
            "question",
            "rationale",
            "satisfied_by",
            "tags",
            "allow_not_applicable",
            "waivable",
        )
    ],
    (("criteria", 0, "tags", "owner"), "criteria[0].tags.owner"),
]
WRONG: list[tuple[str, Any]] = [
    ("list", [["field"]]),
    ("mapping", {"a": "b"}),
    ("number", 7),
    ("null", None),
    ("bool", True),
]
#: Which wrong values a field legitimately takes (by the schema: optional fields take
#: null; a whole number >= 1 takes 7; yes/no fields take true; pydantic reads true as 1).
ACCEPTED = {
    ("description", "null"),
    ("freshness_days", "null"),
    ("shadow_production", "null"),
    ("shadow_production.min_days", "number"),
    ("shadow_production.min_days", "bool"),
    ("answers.min_description_words", "number"),
    ("answers.min_description_words", "bool"),
    ("limits.error_rate", "bool"),
    ("waivers.max_days", "number"),
    ("waivers.max_days", "bool"),
    ("freshness_days.policy", "number"),
    ("criteria[0].evidence", "null"),
    ("criteria[0].max_age_days", "null"),
    ("criteria[0].max_age_days", "number"),
    ("criteria[0].max_age_days", "bool"),
    ("criteria[0].allow_not_applicable", "bool"),
    ("criteria[0].waivable", "bool"),
}


def _set(doc: dict[str, Any], where: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    return out


def gates(tmp_path: Path, doc: dict[str, Any] | str) -> tuple[Path, Any]:
    path = tmp_path / "gates.yaml"
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path, CliRunner().invoke(main, ["gates", "--gates", str(path)], color=True)


def test_the_tiny_catalogue_is_valid(tmp_path):
    _, result = gates(tmp_path, TINY)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("wrong", "value"), WRONG, ids=[w for w, _ in WRONG])
@pytest.mark.parametrize(("where", "field"), FIELDS, ids=[f for _, f in FIELDS])
def test_every_catalogue_field_of_the_wrong_type_is_one_line(tmp_path, where, field, wrong, value):
    doc = _set(yaml.safe_load(TINY), where, value)
    path, result = gates(tmp_path, doc)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if (field, wrong) in ACCEPTED:
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 2
    line = one_line(result.stderr, path)
    rest = line.removeprefix("workbook: ").removeprefix(f"{path}: ")
    assert rest.startswith((f"{field}: ", f"{field}.", f"{field}[")), line
    assert "(expected " in line, line


def test_kind_given_as_a_list_is_one_line():
    """The reported attack, from the corpus: ``kind: [field]`` was an unhashable-list crash."""
    path = CORPUS / "catalogues" / "kind_is_a_list.yaml"
    result = CliRunner().invoke(main, ["gates", "--gates", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}: criteria[0].kind: got list "
        "(expected one of evidence, field, logging_plan, register, signoff, threshold)\n"
    )


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        (("catalogue_version",), True, "catalogue_version: unsupported version True"),
        (("catalogue_version",), 1.0, "catalogue_version: unsupported version 1.0"),
        (("name",), ["Gates"], "name: got list"),
        (("description",), {"a": 1}, "description: got dict (expected text, or nothing)"),
        (("freshness_days", 7), 30, "freshness_days.7: unknown evidence kind 7"),
        (("criteria", 0, "kind"), {"field": 1}, "criteria[0].kind: got dict"),
        (("criteria", 0, "question"), 12, "criteria[0].question: got 12, a number"),
        (("criteria", 0, "fields"), "scope.workflow", "criteria[0].fields: got 'scope.workflow'"),
        (("criteria", 0), "field", "criteria[0]: got 'field' (expected a criterion mapping)"),
    ],
)
def test_wrong_types_say_what_was_given(tmp_path, where, value, expected):
    path, result = gates(tmp_path, _set(yaml.safe_load(TINY), where, value))
    assert result.exit_code == 2
    assert f"{path}: {expected}" in one_line(result.stderr, path)


def test_keys_that_are_not_text_are_named_not_sorted(tmp_path):
    """YAML keys may be numbers: mixed with text they could not be sorted (a TypeError)."""
    path, result = gates(tmp_path, TINY + "1: one\nzz: two\n")
    assert result.exit_code == 2
    assert one_line(result.stderr, path).startswith(f"{path}: 1: unknown field")


# --- control and bidi characters in catalogue text (class 4) --------------------------------

#: (character, as the error line names it): unicodedata's name, or U+XXXX where it has none.
CONTROLS = [
    ("\x1b", "U+001B"),  # ESC: starts every terminal escape sequence
    ("\x9b", "U+009B"),  # C1 CSI: the one-byte escape sequence start
    ("\x07", "U+0007"),  # BEL, ends an OSC title sequence
    ("\x7f", "U+007F"),  # DEL
    ("\x00", "U+0000"),  # NUL, written as an escape in double quotes
    ("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
    ("\u202a", "LEFT-TO-RIGHT EMBEDDING"),
    ("\u2066", "LEFT-TO-RIGHT ISOLATE"),
    ("\u2069", "POP DIRECTIONAL ISOLATE"),
    ("\u200f", "RIGHT-TO-LEFT MARK"),
    ("\u200e", "LEFT-TO-RIGHT MARK"),
    ("\u061c", "ARABIC LETTER MARK"),
    ("\u2028", "LINE SEPARATOR"),
]
#: Every kind of text a catalogue holds: its name and prose, a criterion's text, tags
#: (keys and values), rules (lists of text, a mapping's value).
TEXT_FIELDS: list[tuple[tuple[Any, ...], str]] = [
    (("name",), "name"),
    (("description",), "description"),
    (("criteria", 0, "question"), "criteria[0].question"),
    (("criteria", 0, "rationale"), "criteria[0].rationale"),
    (("criteria", 0, "satisfied_by"), "criteria[0].satisfied_by"),
    (("criteria", 0, "tags", "owner"), "criteria[0].tags.owner[0]"),
    (("answers", "placeholders"), "answers.placeholders[0]"),
]


def _with_text(where: tuple[Any, ...], text: str) -> dict[str, Any]:
    doc = yaml.safe_load(TINY)
    value: Any = [text] if where[-1] in ("owner", "placeholders") else text
    return _set(doc, where, value)


@pytest.mark.parametrize(("char", "named"), CONTROLS, ids=[n for _, n in CONTROLS])
@pytest.mark.parametrize(("where", "field"), TEXT_FIELDS, ids=[f for _, f in TEXT_FIELDS])
def test_control_and_bidi_characters_in_catalogue_text_are_refused(
    tmp_path, where, field, char, named
):
    doc = _with_text(where, f"Is it{char} written down?")
    path, result = gates(tmp_path, doc)
    assert result.exit_code == 2, result.stdout
    line = one_line(result.stderr, path)
    assert line.startswith(f"{path}: {field}: contains the control character {named} ("), line


def test_a_bidi_override_in_a_tag_key_is_refused(tmp_path):
    doc = _set(yaml.safe_load(TINY), ("criteria", 0, "tags"), {"own\u202eer": ["x"]})
    path, result = gates(tmp_path, doc)
    assert result.exit_code == 2
    line = one_line(result.stderr, path)
    # The key is named as a field path names it (its bidi character spelled out).
    assert "criteria[0].tags.own\\u202eer: contains the control character RIGHT-TO-LEFT" in line


@pytest.mark.parametrize(
    ("where", "field", "ok"),
    [
        (("description",), "description", True),
        (("criteria", 0, "rationale"), "criteria[0].rationale", True),
        (("criteria", 0, "question"), "criteria[0].question", True),
        (("name",), "name", False),
        (("criteria", 0, "tags", "owner"), "criteria[0].tags.owner[0]", False),
    ],
)
def test_line_breaks_only_in_paragraphs(tmp_path, where, field, ok):
    """Prose (description, question, rationale, satisfied_by) may run over lines."""
    path, result = gates(tmp_path, _with_text(where, "First line.\nSecond line."))
    if ok:
        assert result.exit_code == 0, result.stderr
    else:
        line = one_line(result.stderr, path)
        assert f"{field}: contains the control character U+000A" in line


def test_an_over_long_catalogue_text_is_refused(tmp_path):
    path, result = gates(tmp_path, _with_text(("criteria", 0, "rationale"), "w" * 20_001))
    line = one_line(result.stderr, path)
    assert "criteria[0].rationale: text of 20,001 characters (expected at most 20,000" in line


def test_a_file_rewritten_with_its_old_size_and_time_is_read_again(tmp_path):
    """Read once per identity, never a stale digest: a rewrite that sets the old time back
    still moves the change time, which the memo's key holds."""
    import hashlib
    import os

    from workbook.evidence import find_evidence

    path = tmp_path / "policy.md"
    path.write_text("The first version of the policy, twenty words or more. " * 3)
    hour_ago = time.time_ns() - 3_600 * 10**9  # settled: written long before it is read
    os.utime(path, ns=(hour_ago, hour_ago))
    record = Record.model_validate(
        {**BASE, "evidence": [{"kind": "policy", "path": "policy.md", "date": "2026-11-01"}]}
    )
    first = find_evidence(record, tmp_path).items[0].sha256
    second_text = "The other version of the policy, twenty words or more. " * 3
    assert len(second_text) == path.stat().st_size  # same size, by construction
    path.write_text(second_text)
    os.utime(path, ns=(hour_ago, hour_ago))  # and the same modification time

    again = find_evidence(record, tmp_path).items[0].sha256

    assert (
        first
        == hashlib.sha256(
            b"The first version of the policy, twenty words or more. " * 3
        ).hexdigest()
    )
    assert again == hashlib.sha256(second_text.encode()).hexdigest()
