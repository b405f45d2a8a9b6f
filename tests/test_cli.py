"""The command line: exit codes, exact output lines, help for every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import TINY_CATALOGUE
from workbook.cli import main
from workbook.model.records import load_record
from workbook.model.scaffold import slugify

#: A waiver reason a reviewer accepts (the catalogue's default asks for 8 words or more).
PILOT = "pilot on one desk while the log export is being built"

RECORD = {
    "schema_version": 1,
    "id": "claims",
    "name": "Claims <b>triage</b>",
    "stage": "mvp",
    "scope": {"workflow": "Motor claims intake at the regional desk"},
    "trust": {"evaluation": "300 labelled claims scored by two adjusters"},
    "evidence": [{"kind": "evaluation", "path": "eval.csv", "date": "2026-11-01"}],
    "waivers": [
        {"criterion": "t.logs", "reason": PILOT, "approver": "CIO", "expires": "2026-11-01"}
    ],
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    # 40 cases: above the default catalogue's minimum of 30 real cases for an evaluation.
    (folder / "eval.csv").write_text("case_id,passed\n" + "".join(f"{i},true\n" for i in range(40)))
    (folder / "claims.yaml").write_text(yaml.safe_dump(RECORD))
    (tmp_path / "gates.yaml").write_text(TINY_CATALOGUE)
    return folder


def run(runner: CliRunner, *args: str):
    return runner.invoke(main, list(args))


def check_claims(runner: CliRunner, portfolio: Path, *extra: str):
    """`workbook check` of the claims record against the tiny catalogue, as of the fixed day."""
    gates = str(portfolio.parent / "gates.yaml")
    return run(
        runner,
        "check",
        str(portfolio / "claims.yaml"),
        "--gates",
        gates,
        "--as-of",
        "2026-11-23",
        *extra,
    )


def test_every_command_has_help(runner):
    for name, command in main.commands.items():
        result = run(runner, name, "--help")
        assert result.exit_code == 0, name
        assert command.get_short_help_str(200).split()[0] in result.stdout, name
    top = run(runner, "--help")
    assert set(main.commands) <= set(top.stdout.split())


def test_check_prints_verdict_grouped_by_gate_and_area(runner, portfolio):
    result = check_claims(runner, portfolio)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"claims  Claims <b>triage</b>  ({portfolio / 'claims.yaml'})",
        "  Labelled mvp; the evidence supports mvp. 1 condition is not yet met for production candidate.",
        "  Weakest area for the production candidate gate: observability (0 of 1 met)",
        "  Waiver EXPIRED on 2026-11-01: t.logs",
        "  production candidate gate",
        "    observability",
        "      t.logs                             waiver_expired  waiver by CIO expired on 2026-11-01; "
        "no log_sample evidence is cited",
        "",
        "1 record: 1 assessed, 0 overclaimed, 0 invalid (as of 2026-11-23; catalogue: Tiny)",
    ]
    assert result.stderr == ""


def test_check_json_reports_documented_fields(runner, portfolio):
    result = run(
        runner,
        "check",
        str(portfolio),
        "--json",
        "--gates",
        str(portfolio.parent / "gates.yaml"),
        "--as-of",
        "2026-11-23",
    )
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert entry["path"] == str(portfolio / "claims.yaml")
    assert (
        entry["id"],
        entry["claimed_stage"],
        entry["supported_stage"],
        entry["overclaimed"],
    ) == ("claims", "mvp", "mvp", False)
    assert entry["weakest_area"] == "observability"
    assert len(entry["digest"]) == 64
    assert [(b["criterion"], b["gate"], b["area"], b["status"]) for b in entry["blockers"]] == [
        ("t.logs", "production_candidate", "observability", "waiver_expired"),
    ]


def test_summary_table(runner, portfolio):
    result = run(
        runner,
        "check",
        str(portfolio / "claims.yaml"),
        "--summary",
        "--as-of",
        "2026-11-23",
        "--gates",
        str(portfolio.parent / "gates.yaml"),
    )
    assert result.stdout.splitlines()[0].split() == [
        "ID",
        "CLAIMED",
        "SUPPORTED",
        "NOT",
        "MET",
        "WEAKEST",
        "AREA",
    ]
    assert result.stdout.splitlines()[1].split() == ["claims", "mvp", "mvp", "1", "observability"]


@pytest.mark.parametrize(
    ("stage", "strict", "code"),
    [("mvp", True, 0), ("production", True, 1), ("production", False, 0)],
)
def test_strict_fails_only_on_overclaim(runner, portfolio, stage, strict, code):
    (portfolio / "claims.yaml").write_text(yaml.safe_dump({**RECORD, "stage": stage}))
    args = [
        "check",
        str(portfolio / "claims.yaml"),
        "--gates",
        str(portfolio.parent / "gates.yaml"),
        "--as-of",
        "2026-11-23",
    ]
    result = run(runner, *args, *(["--strict"] if strict else []))
    assert result.exit_code == code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "--as-of", "23/11/2026", "x"],
            "'23/11/2026' is not a date (expected YYYY-MM-DD)",
        ),
        (
            ["check", "nowhere"],
            "nowhere: no such file or folder (expected a record file or a folder of records)",
        ),
        (
            ["check", "--gates", "nowhere.yaml", "."],
            "nowhere.yaml: file not found (expected an existing gate catalogue file)",
        ),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(runner, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output


def test_empty_folder_is_a_usage_error(runner, tmp_path):
    result = run(runner, "check", str(tmp_path))
    assert result.exit_code == 2
    # Where to go from an empty folder: the command that starts a record in it.
    assert result.stderr == (
        f"{tmp_path}: no record files found (expected *.yaml records; start one with: "
        f"workbook new NAME --dir {tmp_path})\n"
    )


def test_new_writes_a_valid_commented_record_and_never_overwrites(runner, tmp_path):
    result = run(runner, "new", "Invoice Coding — EU", "--dir", str(tmp_path))
    target = tmp_path / "invoice-coding-eu.yaml"
    assert (result.exit_code, result.stdout) == (0, f"wrote {target}\n")
    record = load_record(target)
    assert (record.id, record.name, record.stage) == (
        "invoice-coding-eu",
        "Invoice Coding — EU",
        "prototype",
    )
    assert "# Which business workflow does it serve?" in target.read_text()
    before = target.read_bytes()
    again = run(runner, "new", "Invoice coding EU", "--dir", str(tmp_path))
    assert again.exit_code == 2
    assert (
        again.stderr == f"{target}: file already exists (expected a new name, or edit the "
        "existing record)\n"
    )
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name], "no temp file left behind"


def test_new_record_is_assessed_by_default_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(runner, "new", "HR policy assistant", "--stage", "mvp").exit_code == 0
    result = run(runner, "check", "--json")
    assert result.exit_code == 0
    (entry,) = json.loads(result.stdout)
    assert (entry["id"], entry["claimed_stage"], entry["overclaimed"]) == (
        "hr-policy-assistant",
        "mvp",
        True,
    )


def test_new_template_answers_every_schema_field(runner, tmp_path):
    run(runner, "new", "x", "--dir", str(tmp_path))
    text = (tmp_path / "x.yaml").read_text()
    schema = json.loads(run(runner, "schema").stdout)
    sections = [name for name, spec in schema["properties"].items() if "$ref" in str(spec)]
    for name in list(schema["properties"]) + sections:
        assert f"{name}:" in text, name


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Claims Triage", "claims-triage"),
        ("  A/B  test ", "a-b-test"),
        ("Ünïcode name", "unicode-name"),
        ("x" * 100, "x" * 64),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["", "   ", "!!!", "bad\x1b[31mname"])
def test_new_rejects_names_without_an_id(runner, tmp_path, name):
    result = run(runner, "new", name, "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("NAME: ")
    assert "\x1b" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_schema_is_json_schema_with_questions(runner):
    schema = json.loads(run(runner, "schema").stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["additionalProperties"] is False
    assert (
        schema["properties"]["stage"]["description"]
        == "Which construction stage does the team claim?"
    )


def test_gates_lists_criteria_counts(runner, portfolio):
    result = run(runner, "gates", "--gates", str(portfolio.parent / "gates.yaml"))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Tiny: 5 criteria"
    assert "mvp gate (2: scope 1, trust 1)" in lines
    assert "production gate (1: governance 1)" in lines


def test_check_text_shows_active_waivers_and_not_applicable(runner, portfolio):
    # Eight words or more: a justification the default answer rules accept.
    no_workflow = "no workflow: a nightly batch job that no person ever steps into"
    record = {
        **RECORD,
        "waivers": [
            {"criterion": "t.logs", "reason": PILOT, "approver": "CIO", "expires": "2027-01-31"}
        ],
        "not_applicable": [{"criterion": "t.workflow", "justification": no_workflow}],
    }
    (portfolio / "claims.yaml").write_text(yaml.safe_dump(record))
    result = check_claims(runner, portfolio)
    lines = result.stdout.splitlines()
    assert "  Waived until 2027-01-31 by CIO: t.logs" in lines
    assert f"  Not applicable: t.workflow ({no_workflow})" in lines


def test_new_into_a_file_path_is_one_line_error(runner, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = run(runner, "new", "X", "--dir", str(blocker / "sub"))
    assert result.exit_code == 2
    assert result.stderr == f"{blocker / 'sub'}: cannot write here: Not a directory\n"


def test_new_name_with_placeholder_is_taken_literally(runner, tmp_path):
    run(runner, "new", "Ops __STAGE__ bot", "--dir", str(tmp_path))
    assert load_record(tmp_path / "ops-stage-bot.yaml").name == "Ops __STAGE__ bot"
