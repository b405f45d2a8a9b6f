"""Messages that lead to the fix: the real cause of an evidence verdict, a stage that may be
claimed, every problem of a record at once, where to go from an empty folder, counts in
good English. Every expected sentence is written out by hand."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import workbook.present
from conftest import AS_OF, TINY_CATALOGUE, findings, make_record
from workbook.cli import MAX_PROBLEM_LINES, main
from workbook.model.assess import assess
from workbook.present import views

#: 40 passing cases: above the default minimum of 30 real cases for an evaluation.
EVAL_CSV = "case_id,passed\n" + "".join(f"{i},true\n" for i in range(40))
#: Answers the default answer rules accept (no placeholder, enough words).
WORKFLOW = "Motor claims intake at the regional desk"
EVALUATION = "300 labelled claims scored by two adjusters"


def record(stage: str, evidence: list[dict[str, str]]) -> dict:
    return {
        "schema_version": 1,
        "id": "claims",
        "name": "Claims triage",
        "stage": stage,
        "scope": {"workflow": WORKFLOW},
        "trust": {"evaluation": EVALUATION},
        "evidence": evidence,
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with the tiny catalogue and an evaluation file beside where records go."""
    (tmp_path / "gates.yaml").write_text(TINY_CATALOGUE)
    (tmp_path / "eval.csv").write_text(EVAL_CSV)
    return tmp_path


def check(folder: Path, name: str, data: dict, *extra: str):
    (folder / name).write_text(yaml.safe_dump(data))
    args = ["check", str(folder / name), "--gates", str(folder / "gates.yaml")]
    return CliRunner().invoke(main, [*args, "--as-of", AS_OF.isoformat(), *extra])


# --- evidence dated after the as-of date -------------------------------------------


def test_evidence_dated_after_the_as_of_date_says_so_not_that_none_is_cited(folder):
    data = record("mvp", [{"kind": "evaluation", "path": "eval.csv", "date": "2026-11-28"}])
    result = check(folder, "claims.yaml", data)
    why = (
        "evaluation evidence eval.csv is dated 2026-11-28, after the as-of date 2026-11-23, "
        "so it does not count yet"
    )
    # The blocker line: id padded to 34, status to 15 (cli._block's columns).
    assert f"      {'t.eval':<34} {'unverified':<15} {why}" in result.stdout.splitlines()
    assert "is cited" not in result.stdout
    # The status is what it was: only the words changed.
    (entry,) = json.loads(check(folder, "claims.yaml", data, "--json").stdout)
    assert [(r["criterion"], r["status"]) for r in entry["results"]][:2] == [
        ("t.workflow", "met"),
        ("t.eval", "unverified"),
    ]


def test_an_older_file_judged_names_the_later_one_that_does_not_count_yet(folder):
    (folder / "old.csv").write_text(EVAL_CSV)
    data = record(
        "mvp",
        [
            {"kind": "evaluation", "path": "old.csv", "date": "2026-01-05"},
            {"kind": "evaluation", "path": "eval.csv", "date": "2026-11-28"},
        ],
    )
    (entry,) = json.loads(check(folder, "claims.yaml", data, "--json").stdout)
    (blocker,) = [b for b in entry["blockers"] if b["criterion"] == "t.eval"]
    # 2026-01-05 to 2026-11-23: 26 days of January, then 28+31+30+31+30+31+31+30+31 for
    # February to October, then 23 of November = 26 + 273 + 23 = 322 days; the tiny
    # catalogue keeps evaluations fresh for 100.
    assert (blocker["status"], blocker["detail"]) == (
        "stale",
        "newest evaluation evidence (old.csv, 2026-01-05) is 322 days old; at most 100 days "
        "allowed; evaluation evidence eval.csv is dated 2026-11-28, after the as-of date "
        "2026-11-23, so it does not count yet",
    )


def test_a_later_sign_off_is_said_to_be_dated_after_the_as_of_date(tiny):
    signed = {"gate": "production", "name": "Ann", "role": "business_owner"}
    rec = make_record(
        {
            "ownership.business_owner": "Ann",
            "signoffs": [{**signed, "date": "2026-12-01", "digest": "abcdef012345"}],
        }
    )
    a = assess(rec, tiny, AS_OF, findings(rec))
    (result,) = [r for r in a.results if r.criterion.id == "t.signoff"]
    assert (result.status, result.detail) == (
        "missing",
        "the business_owner sign-off for the production gate is dated 2026-12-01, after the "
        "as-of date 2026-11-23, so it does not count yet",
    )


# --- a cited file that is not there --------------------------------------------------


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose record cites its evidence by a path written from the top."""
    records = tmp_path / "data" / "initiatives"
    (records / "evidence").mkdir(parents=True)
    (records / "evidence" / "eval.csv").write_text(EVAL_CSV)
    (tmp_path / "gates.yaml").write_text(TINY_CATALOGUE)
    cited = [{"kind": "evaluation", "path": "data/initiatives/evidence/eval.csv",
              "date": "2026-11-01"}]  # fmt: skip
    (records / "claims.yaml").write_text(yaml.safe_dump(record("mvp", cited)))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check_here(records: str, gates: str, *extra: str):
    args = ["check", records, "--gates", gates, "--as-of", AS_OF.isoformat(), *extra]
    return CliRunner().invoke(main, args)


def test_a_missing_file_names_where_it_was_looked_for(repository):
    result = check_here("data/initiatives", "gates.yaml")
    # Read from the record's folder, the path written from the repository's top doubles:
    # that is the mistake, shown from where the command runs.
    why = (
        "read from the record's folder: data/initiatives/data/initiatives/evidence/eval.csv "
        "does not exist"
    )
    lines = result.stdout.splitlines()
    assert f"  Evidence UNREADABLE: data/initiatives/evidence/eval.csv: {why}" in lines
    row = f"      {'t.eval':<34} {'unreadable':<15} data/initiatives/evidence/eval.csv: {why}"
    assert row in lines


def test_a_missing_file_outside_the_working_folder_is_shown_as_cited(
    repository, tmp_path, monkeypatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    records = str(repository / "data" / "initiatives")
    monkeypatch.chdir(elsewhere)
    (entry,) = json.loads(check_here(records, str(repository / "gates.yaml"), "--json").stdout)
    (finding,) = entry["evidence"]
    assert finding["reason"] == (
        "read from the record's folder: data/initiatives/evidence/eval.csv does not exist"
    )


def test_the_digest_of_a_missing_file_does_not_depend_on_the_working_folder(
    repository, monkeypatch
):
    (here,) = json.loads(check_here("data/initiatives", "gates.yaml", "--json").stdout)
    monkeypatch.chdir(repository / "data")
    (there,) = json.loads(check_here("initiatives", "../gates.yaml", "--json").stdout)
    # The words differ with the folder; the digest (and so a sign-off) must not.
    assert here["evidence"][0]["reason"] != there["evidence"][0]["reason"]
    assert here["digest"] == there["digest"]


# --- a stage the evidence supports beyond the claim -----------------------------------


def test_check_says_a_higher_stage_may_be_claimed(folder):
    data = record("prototype", [{"kind": "evaluation", "path": "eval.csv", "date": "2026-11-01"}])
    result = check(folder, "claims.yaml", data)
    # The tiny catalogue's mvp gate asks a workflow and an evaluation backed by evidence:
    # both met. Its production candidate gate asks a log sample: none, 1 condition.
    assert result.stdout.splitlines()[1] == (
        "  Labelled prototype. The evidence supports mvp: you may claim it (set stage: mvp). "
        "1 condition is not yet met for production candidate."
    )


def test_no_claim_advice_when_the_claim_is_what_the_evidence_supports(folder):
    data = record("mvp", [{"kind": "evaluation", "path": "eval.csv", "date": "2026-11-01"}])
    result = check(folder, "claims.yaml", data)
    assert result.stdout.splitlines()[1] == (
        "  Labelled mvp; the evidence supports mvp. 1 condition is not yet met for "
        "production candidate."
    )


def test_the_cover_says_a_higher_stage_may_be_claimed(tiny):
    rec = make_record(
        {
            "scope.workflow": WORKFLOW,
            "trust.evaluation": EVALUATION,
            "evidence": [{"kind": "evaluation", "path": "e.csv", "date": "2026-11-01"}],
        }
    )
    a = assess(rec, tiny, AS_OF, findings(rec))
    sentence = "The evidence supports mvp: you may claim it (set stage: mvp)."
    assert sentence in views.cover(a).html
    assert repr(views.cover(a)).splitlines()[1].startswith(f"Labelled prototype. {sentence}")


# --- the command line: every problem, empty folders, opening a record -----------------


def test_check_prints_every_problem_of_a_bad_record(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nid: r\nname: R\nstage: beta\ncolour: red\n")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    # One line each, naming the file and the field: fixed in one run, not two.
    assert sorted(line.split(" (expected")[0] for line in lines) == [
        f"{bad}: colour: unknown field",
        f"{bad}: stage: unknown value 'beta'",
    ]


def test_a_flood_of_problems_is_cut_short_with_a_count(tmp_path):
    bad = tmp_path / "bad.yaml"
    keys = "".join(f"k{i}: 1\n" for i in range(MAX_PROBLEM_LINES + 10))
    bad.write_text("schema_version: 1\nid: r\nname: R\nstage: mvp\n" + keys)
    result = CliRunner().invoke(main, ["check", str(bad)])
    lines = result.stderr.splitlines()
    assert len(lines) == MAX_PROBLEM_LINES + 1
    assert lines[-1] == "... and 10 more problems"


def test_check_on_a_folder_without_records_suggests_workbook_new(tmp_path):
    empty = tmp_path / "my records"
    empty.mkdir()
    result = CliRunner().invoke(main, ["check", str(empty)])
    assert result.exit_code == 2
    # Quoted as a shell needs it: the folder's name holds a space.
    assert result.stderr == (
        f"{empty}: no record files found (expected *.yaml records; start one with: "
        f"workbook new NAME --dir '{empty}')\n"
    )


def test_open_a_missing_record_suggests_workbook_new(tmp_path):
    result = CliRunner().invoke(main, ["open", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{tmp_path / 'nope.yaml'}: no such record (expected an initiative record file; "
        f"start one with: workbook new NAME --dir {tmp_path})\n"
    )
    assert "Traceback" not in result.output


def test_open_a_folder_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["open", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"{tmp_path}: not a record file (expected one initiative's .yaml file)\n",
    )


@pytest.fixture
def fake_lab(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, dict]]:
    """``workbook.present.lab`` replaced: the calls ``open_record`` gets, JupyterLab never run."""
    calls: list[tuple[Path, dict]] = []

    def open_record(record: Path, **options: object) -> int:
        calls.append((record, options))
        return 0

    lab = types.ModuleType("workbook.present.lab")
    lab.open_record = open_record  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "workbook.present.lab", lab)
    monkeypatch.setattr(workbook.present, "lab", lab, raising=False)
    return calls


def test_open_passes_the_record_and_options_to_the_lab(tmp_path, monkeypatch, fake_lab):
    monkeypatch.chdir(tmp_path)
    Path("rec.yaml").write_text("schema_version: 1\n")
    Path("gates.yaml").write_text(TINY_CATALOGUE)
    args = ["open", "rec.yaml", "--port", "8899", "--no-browser", "--as-of", "2026-11-23"]
    result = CliRunner().invoke(main, [*args, "--gates", "gates.yaml", "--dir", "copy"])
    assert result.exit_code == 0, result.output
    # Absolute: JupyterLab runs in the working copy, where a relative path means nothing.
    assert fake_lab == [
        (
            tmp_path / "rec.yaml",
            {
                "port": 8899,
                "open_browser": False,
                "as_of": "2026-11-23",
                "gates": tmp_path / "gates.yaml",
                "folder": Path("copy"),
            },
        )
    ]


def test_open_without_jupyterlab_says_how_to_install_it(tmp_path, monkeypatch, fake_lab):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name)
    )
    (tmp_path / "rec.yaml").write_text("schema_version: 1\n")
    result = CliRunner().invoke(main, ["open", str(tmp_path / "rec.yaml")])
    assert (result.exit_code, result.stderr) == (
        2,
        "JupyterLab is not installed (expected pip install 'workbook[notebooks]')\n",
    )
    assert fake_lab == []


# --- counts in good English ----------------------------------------------------------


def test_counts_of_one_are_singular(tiny, folder):
    rec = make_record(
        {
            "data.sources": [{"name": "claims", "system_of_record": "ClaimsDB"}],
            "data.gaps": [{"id": "postcodes", "description": "postcodes missing on old claims"}],
            "evidence": [{"kind": "evaluation", "path": "e.csv", "date": "2026-11-01"}],
        }
    )
    a = assess(rec, tiny, AS_OF, findings(rec))
    assert repr(views.data_record(rec, AS_OF)) == "1 source; 1 gap, 1 open"
    assert repr(views.evidence_list(rec, a)) == "1 item"
    one = TINY_CATALOGUE.split("  - {id: t.eval")[0]  # the catalogue's first criterion only
    (folder / "one.yaml").write_text(one)
    result = CliRunner().invoke(main, ["gates", "--gates", str(folder / "one.yaml")])
    assert result.stdout.splitlines()[0] == "Tiny: 1 criterion"


def test_a_waiver_with_one_day_left_says_day(default_catalogue):
    reason = "pilot on one desk while the log export is being built"
    rec = make_record(
        {
            "waivers": [
                {"criterion": "data.sources", "reason": reason, "approver": "CIO",
                 "expires": "2026-11-24"}
            ]
        }
    )  # fmt: skip
    v = views.waivers(assess(rec, default_catalogue, AS_OF, findings(rec)))
    assert "valid, 1 day left" in v.html


def test_closure_evidence_dated_after_the_as_of_date_says_so(default_catalogue):
    gap = {"id": "pii", "description": "names left in free text of old claims",
           "severity": "critical", "owner": "Ann", "status": "closed",
           "closure_evidence": "evidence/fix.md"}  # fmt: skip
    fix = {"kind": "document", "path": "evidence/fix.md", "date": "2026-11-30"}
    rec = make_record({"data.gaps": [gap], "evidence": [fix]})
    a = assess(rec, default_catalogue, AS_OF, findings(rec))
    (result,) = [r for r in a.results if r.criterion.id == "data.no_open_critical_gap"]
    assert (result.status, result.detail) == (
        "missing",
        "1 open critical gap(s): pii (marked closed, but its closure evidence 'evidence/fix.md' "
        "is dated 2026-11-30, after the as-of date 2026-11-23, so it does not count yet)",
    )


def test_counts_take_the_word_they_need():
    from workbook.words import counted

    assert counted(1, "record") == "1 record"
    assert counted(0, "record") == "0 records"
    assert counted(1200, "entry", "entries") == "1,200 entries"
    assert counted(1, "entry", "entries") == "1 entry"


def test_batch_on_a_folder_without_records_suggests_workbook_new(tmp_path):
    import subprocess
    import sys

    empty = tmp_path / "records"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", "from workbook.cli import main; main()", "batch", str(empty),
         "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"{empty}: no record files found (expected *.yaml records; start one with: "
        f"workbook new NAME --dir {empty})"
    ]
    assert not (tmp_path / "out" / "index.html").exists()
