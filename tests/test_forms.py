"""Chapter forms through the ipywidgets API: save, validate, conflicts, drafts, sign-off."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner
from ipywidgets import FloatText, IntText

from conftest import AS_OF, EXAMPLES, REPO
from workbook.cli import main
from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.model.scaffold import create_record
from workbook.pipeline import assess_file
from workbook.present.chapters import CHAPTERS
from workbook.present.forms import ChapterForm, FormDisplay, css_class, new_initiative_form
from workbook.present.html import macro
from workbook.present.notebook import DEFAULT_EXAMPLE


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path / "examples"


def form(path: Path, key: str, catalogue) -> ChapterForm:
    return ChapterForm(path, key, catalogue, AS_OF)


def field(f: ChapterForm, dotted: str):
    return next(x for x in f._all_fields() if x.path == dotted)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.key)
def test_every_example_saves_unchanged_byte_for_byte(portfolio, catalogue, chapter):
    for path in sorted(portfolio.glob("*.yaml")):
        before = path.read_bytes()
        assert form(path, chapter.key, catalogue).save()
        assert path.read_bytes() == before, f"{path.name}: a save without edits changed the file"


def test_form_fields_come_from_the_model(portfolio, catalogue):
    f = form(portfolio / "kyc-document-check.yaml", "stage", catalogue)
    workflow = field(f, "scope.workflow")
    assert css_class("scope.workflow") in workflow.input._dom_classes
    assert "Which business workflow does it serve?" in workflow.box.children[0].value
    stage = field(f, "stage")
    assert [v for _, v in stage.input.options] == [
        "prototype",
        "mvp",
        "production_candidate",
        "production",
    ]
    assert field(f, "target_stage").input.options[0] == ("—", None)
    assert "wb-form" in f.widget._dom_classes


def test_save_writes_the_edit_keeps_comments_and_refreshes_the_verdict(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "stage", catalogue)
    assert (
        "scope.workflow" in f.verdict.value
        and "✗ missing" in f.verdict.value.split("scope.workflow")[1][:400]
    )
    field(f, "scope.workflow").input.value = "Motor claims intake, from first notice to a queue"
    field(f, "scope.ai_step").input.value = "Suggest a triage queue for each new claim"
    assert f.save()
    record = load_record(path)
    assert (record.scope.workflow, record.scope.ai_step) == (
        "Motor claims intake, from first notice to a queue",
        "Suggest a triage queue for each new claim",
    )
    text = path.read_text()
    assert "# Which business workflow does it serve?" in text
    assert "# Answer the questions in the comments" in text
    assert "✓ met" in f.verdict.value.split("scope.workflow")[1][:400]
    assert f.message.value.startswith("Saved claims-triage.yaml")
    assert not f.draft_path.exists()


def test_invalid_values_are_all_shown_beside_their_fields_at_once(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    f = form(path, "observability", catalogue)
    # Three typos at once: the model bounds error_rate and quality_pass_rate to [0, 1]
    # and latency_p95_ms above 0 (records.Thresholds).
    for name, value in (("error_rate", 1.5), ("quality_pass_rate", 2.0), ("latency_p95_ms", -5.0)):
        number = field(f, f"trust.thresholds.{name}")
        number.unanswered.value = False
        number.number.value = value
    assert not f.save()
    assert path.read_bytes() == before
    for name in ("error_rate", "quality_pass_rate", "latency_p95_ms"):
        shown = text_of(field(f, f"trust.thresholds.{name}").error.value)
        assert shown.startswith("⚠"), (name, shown)
    message = text_of(f.message.value)
    assert message.startswith("Not saved.")
    assert all(f"trust.thresholds.{n}" in message for n in ("error_rate", "quality_pass_rate",
                                                             "latency_p95_ms"))  # fmt: skip


# --- a save is checked as `workbook check` checks the file -------------------------------


def check(*args: str | Path):
    """`workbook check` in-process, as the command line runs it."""
    return CliRunner().invoke(main, ["check", "--as-of", AS_OF.isoformat(), *map(str, args)])


def text_of(markup: str) -> str:
    return " ".join(BeautifulSoup(markup, "html.parser").get_text().split())


def add_waiver(f: ChapterForm, criterion: str) -> None:
    """A waiver typed into the verdict form's register, every field filled in."""
    waivers = f.fields["waivers"]
    waivers._add(None, notify=True)
    row = waivers.rows[-1].children
    row["criterion"].input.value = criterion
    row["reason"].input.value = "Decided at the steering meeting"
    row["approver"].input.value = "Dana Whitfield"
    row["expires"].input.value = dt.date(2027, 3, 31)


#: The line `workbook check` prints after the file's path for a waiver on `trust.no_such`
#: (the default catalogue is named "Default readiness gates" in templates/gates/default.yaml).
UNKNOWN_WAIVER = (
    "waivers[0].criterion: unknown criterion 'trust.no_such' "
    "(expected a criterion id of the catalogue 'Default readiness gates')"
)


def test_a_waiver_on_a_criterion_the_catalogue_lacks_is_refused_as_check_refuses_it(
    tmp_path, catalogue
):
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    f = form(path, "verdict", catalogue)
    add_waiver(f, "trust.no_such")

    assert not f.save()
    assert path.read_bytes() == before
    assert "Not saved" in f.message.value
    assert UNKNOWN_WAIVER in text_of(f.message.value)
    assert "unknown criterion 'trust.no_such'" in text_of(
        field(f, "waivers.0.criterion").error.value
    )

    # The same waiver written by hand: `workbook check` refuses it with the same words.
    by_hand = tmp_path / "by-hand.yaml"
    by_hand.write_bytes(before)
    write_unknown_waiver(by_hand)
    run = check(by_hand)
    assert (run.exit_code, run.stderr) == (2, f"{by_hand}: {UNKNOWN_WAIVER}\n")


def write_unknown_waiver(path: Path) -> None:
    """Add, by hand, a waiver on `trust.no_such` to a record made by `create_record`."""
    text = path.read_text().replace("waivers: []", "")
    path.write_text(
        text + "waivers:\n  - criterion: trust.no_such\n    reason: Decided at the steering "
        "meeting\n    approver: Dana Whitfield\n    expires: 2027-03-31\n"
    )


def test_a_record_check_refuses_opens_in_its_form_to_be_corrected(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    write_unknown_waiver(path)
    before = path.read_bytes()
    f = form(path, "verdict", catalogue)
    assert UNKNOWN_WAIVER in text_of(f.verdict.value)

    f.signoff_name.value = "Dana Whitfield"
    assert not f.sign_off()
    assert UNKNOWN_WAIVER in text_of(f.signoff_message.value)
    assert path.read_bytes() == before

    waivers = f.fields["waivers"]
    waivers._remove(waivers.rows[0])
    assert f.save(), f.message.value
    assert check(path).exit_code == 0


def test_a_waiver_saved_by_the_form_passes_workbook_check(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "verdict", catalogue)
    add_waiver(f, "scope.workflow")
    assert f.save(), f.message.value
    run = check(path)
    assert (run.exit_code, run.stderr) == (0, ""), run.output
    assert [w.criterion for w in load_record(path).waivers] == ["scope.workflow"]


CUSTOM_GATES = """\
catalogue_version: 1
name: Our gates
criteria:
  - id: ours.workflow
    gate: mvp
    area: scope
    kind: field
    fields: [scope.workflow]
    question: Is the workflow written down?
    rationale: Because.
    satisfied_by: A sentence.
"""


def test_a_form_checks_a_save_against_the_catalogue_it_assesses_with(tmp_path):
    gates = tmp_path / "gates" / "ours.yaml"
    gates.parent.mkdir()
    gates.write_text(CUSTOM_GATES)
    ours = load_catalogue(gates)
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()

    f = form(path, "verdict", ours)
    add_waiver(f, "scope.workflow")  # a criterion of the default catalogue, not of ours
    assert not f.save()
    assert path.read_bytes() == before
    assert (
        "waivers[0].criterion: unknown criterion 'scope.workflow' "
        "(expected a criterion id of the catalogue 'Our gates')"
    ) in text_of(f.message.value)

    f = form(path, "verdict", ours)
    add_waiver(f, "ours.workflow")
    assert f.save(), f.message.value
    assert check("--gates", gates, path).exit_code == 0
    # The default catalogue has no `ours.workflow`: check with it refuses the file.
    assert check(path).exit_code == 2


def test_target_stage_below_claim_is_refused(tmp_path, catalogue):
    path = create_record("X", tmp_path, stage="mvp")
    f = form(path, "stage", catalogue)
    field(f, "target_stage").input.value = "prototype"
    assert not f.save()
    assert "not above the claimed stage" in field(f, "target_stage").error.value


KYC = "kyc-document-check.yaml"
#: The sponsor written in data/examples/kyc-document-check.yaml.
KYC_SPONSOR = "Catriona Leith, Chief Operating Officer, Retail Banking"


def test_a_change_on_disk_to_another_field_is_merged_into_the_save(portfolio, catalogue):
    path = portfolio / KYC
    f = form(path, "stage", catalogue)
    field(f, "scope.ai_step").input.value = "Reads the documents and flags mismatches"
    # Someone else edits another field of the same chapter meanwhile.
    path.write_text(path.read_text().replace(KYC_SPONSOR, "Dana Whitfield, COO"))
    assert f.save(), f.message.value
    saved = load_record(path)
    assert saved.sponsor == "Dana Whitfield, COO", "the other writer's change survives"
    assert saved.scope.ai_step == "Reads the documents and flags mismatches"
    assert "Changes made on disk meanwhile were kept" in f.message.value
    # The form now shows the merged record, and it is the base of the next edit.
    assert field(f, "sponsor").get() == "Dana Whitfield, COO"
    assert not f.edited() and not f.draft_path.exists()


def test_a_field_changed_here_and_on_disk_is_refused_naming_both_values(portfolio, catalogue):
    path = portfolio / KYC
    f = form(path, "stage", catalogue)
    field(f, "sponsor").input.value = "Someone else"
    field(f, "summary").input.value = "A summary typed in the form"
    edited = path.read_text().replace(KYC_SPONSOR, "Catriona Leith-Moore")
    path.write_text(edited)
    assert not f.save()
    assert path.read_text() == edited, "nothing is written while a conflict is open"
    shown = text_of(f.message.value)
    assert shown.startswith("Not saved: 1 field was changed both here and on disk"), shown
    assert "sponsor: yours: Someone else / on disk: Catriona Leith-Moore" in shown
    assert [c.path for c in f.conflicts] == ["sponsor"]
    (buttons,) = f.conflict_box.children
    assert [b.description for b in buttons.children] == ["Keep mine", "Take theirs"]
    assert ["wb-keep-mine" in buttons.children[0]._dom_classes,
            "wb-take-theirs" in buttons.children[1]._dom_classes] == [True, True]  # fmt: skip

    f.take_theirs()  # the disk's sponsor comes into the form; the summary edit stays
    assert field(f, "sponsor").get() == "Catriona Leith-Moore"
    assert f.save(), f.message.value
    saved = load_record(path)
    assert (saved.sponsor, saved.summary) == ("Catriona Leith-Moore", "A summary typed in the form")


def test_keep_mine_saves_the_form_value_over_the_one_on_disk(portfolio, catalogue):
    path = portfolio / KYC
    f = form(path, "stage", catalogue)
    field(f, "sponsor").input.value = "Someone else"
    path.write_text(path.read_text().replace(KYC_SPONSOR, "Catriona Leith-Moore"))
    assert not f.save()
    assert f.keep_mine(), f.message.value
    assert load_record(path).sponsor == "Someone else"
    assert f.conflict_box.children == ()


def test_two_chapters_edited_without_saving_in_between_both_reach_the_disk(portfolio, catalogue):
    path = portfolio / KYC
    ch4, ch5 = form(path, "observability", catalogue), form(path, "verdict", catalogue)
    field(ch4, "trust.evaluation").input.value = "Weekly sample of 200 cases, two reviewers"
    field(ch5, "governance.usage_policy").input.value = "Staff may use it for KYC checks only"
    assert ch4.draft_path != ch5.draft_path
    assert ch4.draft_path.exists() and ch5.draft_path.exists()
    assert ch4.save(), ch4.message.value
    assert ch5.save(), ch5.message.value  # loaded before ch4's save: merged, not refused
    saved = load_record(path)
    assert saved.trust.evaluation == "Weekly sample of 200 cases, two reviewers"
    assert saved.governance.usage_policy == "Staff may use it for KYC checks only"


def test_each_chapter_keeps_its_own_draft_across_a_restart(portfolio, catalogue):
    path = portfolio / KYC
    ch5 = form(path, "verdict", catalogue)
    field(ch5, "governance.usage_policy").input.value = "Only for KYC checks"
    ch4 = form(path, "observability", catalogue)
    field(ch4, "trust.fallback").input.value = "Manual checks by the back office"
    # A kernel restart: fresh forms. Chapter 4's typing did not touch chapter 5's draft.
    restarted = form(path, "verdict", catalogue)
    assert field(restarted, "governance.usage_policy").get() != "Only for KYC checks"
    assert [b.description for b in restarted.draft_bar.children[1:]] == [
        "Restore draft",
        "Discard draft",
    ]
    restarted.restore_draft()
    assert field(restarted, "governance.usage_policy").get() == "Only for KYC checks"
    assert "Draft restored" in restarted.message.value
    assert restarted.save(), restarted.message.value
    assert load_record(path).governance.usage_policy == "Only for KYC checks"
    assert not restarted.draft_path.exists()
    # Chapter 4's draft is still there, and merges with chapter 5's save.
    again = form(path, "observability", catalogue)
    again.restore_draft()
    assert again.save(), again.message.value
    saved = load_record(path)
    assert (saved.trust.fallback, saved.governance.usage_policy) == (
        "Manual checks by the back office",
        "Only for KYC checks",
    )


def test_a_restored_draft_merges_with_what_changed_on_disk_since_it_was_written(
    portfolio, catalogue
):
    path = portfolio / KYC
    f = form(path, "data", catalogue)
    field(f, "data.grounding").input.value = "Lookups in the accepted-document list"
    # Later someone else edits another field; then the kernel restarts.
    path.write_text(path.read_text().replace(KYC_SPONSOR, "Dana Whitfield, COO"))
    restarted = form(path, "data", catalogue)
    restarted.restore_draft()
    assert restarted.save(), restarted.message.value
    saved = load_record(path)
    assert (saved.data.grounding, saved.sponsor) == (
        "Lookups in the accepted-document list",
        "Dana Whitfield, COO",
    )


def test_the_old_shared_draft_is_not_offered(portfolio, catalogue):
    path = portfolio / KYC
    old = path.with_name(f".{path.name}.draft.json")
    old.write_text('{"data": {"grounding": "from the old shared draft"}}')
    f = form(path, "data", catalogue)
    assert f.draft_bar.children == ()


def test_discarding_a_draft_removes_it(portfolio, catalogue):
    path = portfolio / "kyc-document-check.yaml"
    form(path, "data", catalogue)
    f = form(path, "data", catalogue)
    field(f, "data.grounding").input.value = "x"
    again = form(path, "data", catalogue)
    again.discard_draft()
    assert not again.draft_path.exists() and again.draft_bar.children == ()


def test_register_rows_can_be_added_and_removed(portfolio, catalogue):
    path = portfolio / "kyc-document-check.yaml"
    f = form(path, "data", catalogue)
    gaps = f.fields["data"].children["gaps"]
    count = len(gaps.rows)
    gaps._add(None, notify=True)
    new = gaps.rows[-1]
    new.children["id"].input.value = "late-feed"
    new.children["description"].input.value = "Address file arrives a day late"
    new.children["severity"].input.value = "low"
    assert f.save()
    assert [g.id for g in load_record(path).data.gaps][-1] == "late-feed"
    gaps._remove(gaps.rows[0])
    assert f.save()
    assert len(load_record(path).data.gaps) == count


def test_logging_plan_signal_can_be_planned(portfolio, catalogue):
    path = portfolio / "kyc-document-check.yaml"
    f = form(path, "observability", catalogue)
    plan = f.fields["observability"].children["logging_plan"]
    missing = [s for s, box in plan.planned.items() if not box.value]
    assert missing, "the example leaves a signal unplanned"
    signal = missing[0]
    row = plan.plans[signal]
    assert row["reason"].input.disabled, "a row out of the plan is greyed"
    plan.planned[signal].value = True
    assert not row["reason"].input.disabled
    row["logged"].input.value = False
    row["reason"].input.value = "not collected by the platform"
    assert f.save()
    saved = load_record(path).observability.logging_plan[signal]
    assert (saved.logged, saved.reason, saved.retention_days) == (
        False,
        "not collected by the platform",
        None,  # left "unanswered": no number is made up
    )
    # Only what was answered is written (no `retention_days: null`, `where: null`...).
    written = yaml.safe_load(path.read_text())["observability"]["logging_plan"][signal]
    assert written == {"logged": False, "reason": "not collected by the platform"}


def test_the_logging_plan_is_a_grid_with_a_row_per_signal(portfolio, catalogue):
    f = form(portfolio / KYC, "observability", catalogue)
    plan = f.fields["observability"].children["logging_plan"]
    grid = plan.input
    assert "wb-logging-plan" in grid._dom_classes
    # A head row and nine signal rows (records.SIGNALS), each: the signal's name, "in plan"
    # and the six questions of a signal's plan (logged, where, days kept, redacted, keeps
    # personal data, why not) = 8 cells.
    assert len(grid.children) == (1 + 9) * 8
    days = plan.plans["prompts"]["retention_days"]
    assert isinstance(days.number, IntText)


def test_a_number_is_a_number_box_that_may_stay_unanswered(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "observability", catalogue)
    rate = field(f, "trust.thresholds.error_rate")
    latency = field(f, "trust.thresholds.latency_p95_ms")
    assert isinstance(rate.number, FloatText)
    assert (rate.get(), rate.unanswered.value, rate.number.disabled) == (None, True, True)
    rate.unanswered.value = False
    rate.number.value = 0.02
    assert f.save(), f.message.value
    saved = load_record(path).trust.thresholds
    assert (saved.error_rate, saved.latency_p95_ms) == (0.02, None)
    # Left unanswered: the template's empty answer stays empty, no number is made up.
    assert latency.get() is None and "latency_p95_ms: null" in path.read_text()


def test_signoff_refused_when_the_gate_does_not_pass(portfolio, catalogue):
    path = portfolio / "kyc-document-check.yaml"
    before = path.read_bytes()
    f = form(path, "verdict", catalogue)
    f.signoff_name.value = "Mehmet Aydin"
    f.signoff_gate.value = "mvp"
    assert not f.sign_off()
    assert "the mvp gate does not pass" in f.signoff_message.value
    assert path.read_bytes() == before


def test_signoff_records_the_current_digest(portfolio, catalogue):
    path = portfolio / "claims-triage.yaml"  # passes every gate as of AS_OF
    f = form(path, "verdict", catalogue)
    f.signoff_name.value = "Jon Ekberg"
    f.signoff_role.value = "risk"
    f.signoff_date.value = dt.date(2026, 11, 22)
    assert f.sign_off(), f.signoff_message.value
    after = assess_file(path, catalogue, AS_OF)
    mine = [s for s in after.signoffs if s.signoff.name == "Jon Ekberg"]
    assert [(s.signoff.role, s.current) for s in mine] == [("risk", True)]
    assert after.supported_stage == "production", "signing changes nothing that was assessed"
    assert "# " in path.read_text().split("signoffs:")[0], "comments above are kept"


def test_signoff_refused_while_edits_are_unsaved(portfolio, catalogue):
    path = portfolio / "claims-triage.yaml"
    f = form(path, "verdict", catalogue)
    field(f, "governance.usage_policy").input.value = "changed"
    f.signoff_name.value = "Priya Raman"
    assert not f.sign_off()
    assert "save (or discard) the edits first" in f.signoff_message.value


def test_headless_display_is_one_sentence(portfolio, catalogue):
    bundle = FormDisplay(
        form(portfolio / "kyc-document-check.yaml", "data", catalogue)
    )._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Form: Data and data gaps (open this notebook in JupyterLab to edit the record)"
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_new_initiative_form_creates_a_record_and_opens_it(tmp_path):
    opened: list[Path] = []
    box = new_initiative_form(tmp_path, on_created=opened.append)
    _, name, stage, button, out = box.children
    name.value = "HR policy assistant"
    stage.value = "mvp"
    button.click()
    record = load_record(tmp_path / "hr-policy-assistant.yaml")
    assert (record.name, record.stage) == ("HR policy assistant", "mvp")
    assert opened == [tmp_path / "hr-policy-assistant.yaml"]
    assert "Created" in out.value and "The chapters now edit it." in out.value
    button.click()
    assert "already exists" in out.value
    assert len(opened) == 1


def test_without_a_notebook_to_open_it_the_new_record_says_how_to_open_it(tmp_path):
    box = new_initiative_form(tmp_path)
    _, name, _, button, out = box.children
    name.value = "HR policy assistant"
    button.click()
    assert "workbook open" in text_of(out.value)
    assert "hr-policy-assistant.yaml" in text_of(out.value)


def test_evidence_settings_survive_a_verdict_save(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    settings = {
        "mapping": {"preset": "otel_genai", "fields": {"decision_context": 'attributes."app.ctx"'}},
    }
    extract = {"expectations": {"unique_key": ["id"], "max_missing_share": {"note": 0.1}}}
    text = path.read_text() + (
        "evidence:\n"
        "  - {kind: log_sample, path: logs.jsonl, date: 2026-11-01, "
        "mapping: {preset: otel_genai, fields: {decision_context: 'attributes.\"app.ctx\"'}}}\n"
        "  - {kind: data_extract, path: x.csv, date: 2026-11-01, "
        "expectations: {unique_key: [id], max_missing_share: {note: 0.1}}}\n"
    )
    path.write_text(text.replace("evidence: []\n", ""))
    f = form(path, "verdict", catalogue)
    assert field(f, "evidence.0.mapping").input.value == (
        'preset: otel_genai\nfields:\n  decision_context: attributes."app.ctx"'
    )
    field(f, "evidence.0.note").input.value = "A morning of spans"
    assert f.save(), f.message.value
    saved = load_record(path).evidence
    assert saved[0].note == "A morning of spans"
    assert saved[0].mapping.model_dump(exclude_defaults=True) == settings["mapping"]
    assert saved[1].expectations.model_dump(exclude_defaults=True) == extract["expectations"]


def test_first_production_signature_is_allowed_once_everything_else_passes(portfolio, catalogue):
    # claims-triage passes every gate with its two production signatures; without them
    # only the two signature criteria fail, and those are what the sign-off gives.
    path = portfolio / "claims-triage.yaml"
    path.write_text(path.read_text().split("signoffs:")[0] + "signoffs: []\n")
    before = assess_file(path, catalogue, AS_OF)
    assert [r.criterion.id for r in before.results if not r.passes] == [
        "governance.signoff_business",
        "governance.signoff_support",
    ]
    f = form(path, "verdict", catalogue)
    for name, role in (("Priya Raman", "business_owner"), ("Kwame Mensah", "support_owner")):
        f.signoff_name.value = name
        f.signoff_role.value = role
        f.signoff_gate.value = "production"
        f.signoff_date.value = dt.date(2026, 11, 22)  # a signature after AS_OF would not count
        assert f.sign_off(), f.signoff_message.value
    assert assess_file(path, catalogue, AS_OF).supported_stage == "production"


def test_signoff_refused_when_an_earlier_gate_fails(portfolio, catalogue):
    # kyc-document-check fails its mvp gate: no later gate may be signed either.
    path = portfolio / "kyc-document-check.yaml"
    f = form(path, "verdict", catalogue)
    f.signoff_name.value = "Mehmet Aydin"
    f.signoff_gate.value = "production_candidate"
    assert not f.sign_off()
    assert "the mvp gate does not pass" in f.signoff_message.value


# --- hostile text in what the forms show -----------------------------------------------

BREAKOUT = '"><img src=x onerror=alert(1)>'
REDIRECT = "<meta http-equiv=refresh content=0;url=//e>"
PAYLOAD = f"{BREAKOUT} {REDIRECT}"
#: PAYLOAD as markupsafe writes it.
ESCAPED = (
    "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; &lt;meta http-equiv=refresh content=0;url=//e&gt;"
)


#: As written escaped (by hand: " > < as &#34; &gt; &lt;).
ESCAPED = {
    BREAKOUT: "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
    PAYLOAD: "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; "
    "&lt;meta http-equiv=refresh content=0;url=//e&gt;",
}


def assert_shown_as_text(html: str, shown: str = PAYLOAD) -> None:
    """No tag of the payload survives, and ``shown`` (part of it) appears escaped, as text."""
    page = BeautifulSoup(html, "html.parser")
    assert page.select("img, meta, [onerror], [http-equiv]") == [], html
    assert ESCAPED[shown] in html and shown in page.get_text(), html


#: Every message of templates/forms.html.j2, with user text in each argument.
MESSAGES = {
    "label": (PAYLOAD,),
    "heading": (PAYLOAD,),
    "field_error": (PAYLOAD,),
    "count": (PAYLOAD,),
    "grid_head": (PAYLOAD, PAYLOAD),
    "editing": (PAYLOAD,),
    "example": (PAYLOAD,),
    "problems": ([(PAYLOAD, PAYLOAD)],),
    "conflicts": ([(PAYLOAD, PAYLOAD, PAYLOAD)], PAYLOAD),
    "not_saved": (PAYLOAD,),
    "saved": (PAYLOAD, "10:00:00", True),
    "verdict": (PAYLOAD, ""),
    "problem": (PAYLOAD,),
    "refused": (PAYLOAD,),
    "signed": ("production", PAYLOAD, "0123456789abcdef"),
    "not_created": (PAYLOAD,),
    "created": (PAYLOAD, False),
}
#: Messages that take no text at all.
FIXED = {"unsaved", "draft_offer", "draft_restored", "settings_hint", "took_theirs"}


def test_every_form_message_shows_user_text_as_text():
    source = (REPO / "workbook/present/templates/forms.html.j2").read_text()
    assert set(re.findall(r"{% macro (\w+)", source)) == set(MESSAGES) | FIXED
    for name, args in MESSAGES.items():
        assert_shown_as_text(macro("forms.html.j2", name, *args))


def test_a_hostile_value_typed_into_a_form_is_shown_as_text(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "verdict", catalogue)
    add_waiver(f, PAYLOAD)
    assert not f.save()
    # The problem quotes the value, shortened: its start is the attribute break-out.
    assert_shown_as_text(field(f, "waivers.0.criterion").error.value, BREAKOUT)
    assert_shown_as_text(f.message.value, BREAKOUT)
    # Someone else writes the payload into a field the form edits too: the conflict shows
    # both values, as text.
    f = form(path, "stage", catalogue)
    field(f, "sponsor").input.value = "Someone"
    path.write_text(path.read_text().replace("sponsor: null", f"sponsor: '{PAYLOAD}'"))
    assert not f.save()
    assert "changed both here and on disk" in f.message.value
    assert_shown_as_text(f.message.value)


# --- issue 15: the file it edits, the example, the saved text, the layout ------------------


def test_the_form_names_the_file_it_edits(tmp_path, catalogue, monkeypatch):
    path = create_record("Claims triage", tmp_path / "records")
    monkeypatch.chdir(tmp_path)
    f = form(path, "stage", catalogue)
    (line,) = [x for x in f.widget.children if "wb-editing" in x._dom_classes]
    assert text_of(line.value) == "Editing records/claims-triage.yaml"


def widgets(root):
    yield root
    for child in getattr(root, "children", ()):
        yield from widgets(child)


def test_the_shipped_example_is_shown_read_only_and_says_how_to_open_ones_own(portfolio, catalogue):
    path = portfolio / DEFAULT_EXAMPLE.name
    before = path.read_bytes()
    f = ChapterForm(path, "verdict", catalogue, AS_OF, example=True)
    (line,) = [x for x in f.widget.children if "wb-editing" in x._dom_classes]
    assert "wb-example" in line._dom_classes
    assert "This is the shipped example" in text_of(line.value)
    assert "workbook open YOUR-RECORD.yaml" in text_of(line.value)
    everything = list(widgets(f.widget))
    inputs = [x for x in everything if hasattr(x, "disabled") and "wb-save" not in x._dom_classes]
    assert inputs and all(x.disabled for x in inputs)
    assert not any("wb-save" in x._dom_classes for x in everything)
    field(f, "governance.usage_policy").input.value = "typed anyway"  # by code, not by hand
    assert not f.save() and not f.sign_off()
    assert path.read_bytes() == before and not f.draft_path.exists()


def test_a_new_evidence_row_writes_no_empty_keys(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "verdict", catalogue)
    evidence = f.fields["evidence"]
    evidence._add(None, notify=True)
    row = evidence.rows[0].children
    row["kind"].input.value = "policy"
    row["path"].input.value = "usage-policy.pdf"
    row["date"].input.value = dt.date(2026, 11, 20)
    assert f.save(), f.message.value
    written = path.read_text().split("\nevidence:")[1].split("\nwaivers:")[0]
    # Only the three answers given: no `url: null`, `mapping: null`, `note: null`...
    assert "null" not in written and "url" not in written and "mapping" not in written
    assert yaml.safe_load("evidence:" + written)["evidence"] == [
        {"kind": "policy", "path": "usage-policy.pdf", "date": dt.date(2026, 11, 20)}
    ]


@pytest.mark.parametrize("word", ["yes", "no", "on", "off"])
def test_a_yaml_1_1_word_typed_as_text_stays_text(tmp_path, catalogue, word):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "stage", catalogue)
    field(f, "sponsor").input.value = word
    assert f.save(), f.message.value
    assert load_record(path).sponsor == word
    assert yaml.safe_load(path.read_text())["sponsor"] == word  # PyYAML reads YAML 1.1


def test_chapter_4_is_split_into_tabs_that_hold_every_field(portfolio, catalogue):
    f = form(portfolio / KYC, "observability", catalogue)
    (tabs,) = [x for x in widgets(f.widget) if "wb-sections" in x._dom_classes]
    assert tabs.titles == (
        "Logging plan",
        "Privacy, alerts",
        "Evaluation",
        "Failure, fallback",
        "Thresholds",
    )
    shown = {id(x) for x in widgets(tabs)}
    leaves = [x for x in f._all_fields() if x.path.count(".") >= 1]
    assert all(id(x.input) in shown for x in leaves), "a field of chapter 4 has no tab"


def test_evidence_settings_are_edited_as_yaml_and_checked(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "verdict", catalogue)
    evidence = f.fields["evidence"]
    evidence._add(None, notify=True)
    row = evidence.rows[0].children
    # A row shows the settings of its kind only.
    row["kind"].input.value = "document"
    assert row["mapping"].box.layout.display == "none"
    row["kind"].input.value = "log_sample"
    assert row["mapping"].box.layout.display is None
    assert row["expectations"].box.layout.display == "none"
    row["path"].input.value = "logs.jsonl"
    row["date"].input.value = dt.date(2026, 11, 20)
    mapping = row["mapping"]
    mapping.input.value = "preset: otel_genai\nfields: {decision_context: [unclosed"
    assert not f.save()
    assert "evidence.0.mapping" in text_of(f.message.value)
    assert text_of(mapping.error.value).startswith("⚠")
    mapping.input.value = "preset: otel_genai\nfields:\n  decision_contxt: attributes.ctx"
    assert not f.save()
    assert "unknown signal 'decision_contxt'" in text_of(mapping.error.value)
    mapping.input.value = "preset: otel_genai\nfields:\n  decision_context: attributes.ctx"
    assert f.save(), f.message.value
    saved = load_record(path).evidence[0].mapping
    assert (saved.preset, saved.fields) == ("otel_genai", {"decision_context": "attributes.ctx"})


def test_a_register_counts_its_entries_in_words(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    gaps = form(path, "data", catalogue).fields["data"].children["gaps"]
    counted = []
    for _ in range(2):
        gaps._add(None, notify=True)
        counted.append(text_of(gaps.count.value))
    assert counted == ["1 entry", "2 entries"]


def test_a_save_tells_the_notebook_to_redraw_its_views(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    calls: list[str] = []
    f = ChapterForm(path, "stage", catalogue, AS_OF, on_saved=lambda: calls.append("saved"))
    field(f, "sponsor").input.value = "Dana Whitfield"
    assert f.save()
    assert calls == ["saved"]


def test_a_sign_off_reads_a_change_on_disk_instead_of_refusing(portfolio, catalogue):
    path = portfolio / "claims-triage.yaml"  # passes every gate as of AS_OF
    f = form(path, "verdict", catalogue)
    text = path.read_text()
    path.write_text(
        text.replace("name: Motor and home claims triage", "name: Claims triage (motor)", 1)
    )
    f.signoff_name.value = "Jon Ekberg"
    f.signoff_role.value = "risk"
    f.signoff_date.value = dt.date(2026, 11, 22)
    assert f.sign_off(), f.signoff_message.value
    saved = load_record(path)
    assert saved.name == "Claims triage (motor)"
    assert [s.name for s in saved.signoffs][-1] == "Jon Ekberg"


def test_typing_back_what_was_loaded_leaves_no_draft(portfolio, catalogue):
    f = form(portfolio / KYC, "data", catalogue)
    grounding = field(f, "data.grounding")
    original = grounding.input.value
    grounding.input.value = "x"
    assert f.draft_path.exists()
    grounding.input.value = original
    assert not f.draft_path.exists()
