"""Chapter forms through the ipywidgets API: save, validate, conflicts, drafts, sign-off."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import AS_OF, EXAMPLES, REPO
from workbook.cli import main
from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.model.scaffold import create_record
from workbook.pipeline import assess_file
from workbook.present.chapters import CHAPTERS
from workbook.present.forms import ChapterForm, FormDisplay, css_class, new_initiative_form
from workbook.present.html import macro


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


def test_invalid_value_is_shown_beside_the_field_and_nothing_is_written(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    before = path.read_bytes()
    f = form(path, "stage", catalogue)
    volume = field(f, "scope.controlled_use.max_daily_volume")
    volume.input.value = "about forty"
    assert not f.save()
    assert path.read_bytes() == before
    assert "about forty" in volume.error.value and "integer" in volume.error.value
    assert "Not saved." in f.message.value


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


def test_change_on_disk_refuses_the_save_and_shows_what_changed(portfolio, catalogue):
    path = portfolio / "kyc-document-check.yaml"
    f = form(path, "stage", catalogue)
    field(f, "sponsor").input.value = "Someone else"
    edited = path.read_text().replace("Catriona Leith", "Catriona Leith-Moore")
    path.write_text(edited)
    assert not f.save()
    assert path.read_text() == edited, "the other writer's change survives"
    assert "changed on disk" in f.message.value
    assert "+sponsor: Catriona Leith-Moore" in f.message.value


def test_unsaved_edits_survive_a_restart_as_a_draft(portfolio, catalogue):
    path = portfolio / "kyc-document-check.yaml"
    f = form(path, "data", catalogue)
    original = field(f, "data.grounding").get()
    field(f, "data.grounding").input.value = "Lookups in the accepted-document list"
    assert f.draft_path.exists() and f.draft_path.name.startswith(".")
    restarted = form(path, "data", catalogue)  # a kernel restart: a fresh form
    assert field(restarted, "data.grounding").get() == original
    assert [b.description for b in restarted.draft_bar.children[1:]] == [
        "Restore draft",
        "Discard draft",
    ]
    restarted.restore_draft()
    assert field(restarted, "data.grounding").get() == "Lookups in the accepted-document list"
    assert restarted.save()
    assert load_record(path).data.grounding == "Lookups in the accepted-document list"
    assert not restarted.draft_path.exists()


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
    plan.planned[signal].value = True
    plan.plans[signal].children["logged"].input.value = False
    plan.plans[signal].children["reason"].input.value = "not collected by the platform"
    assert f.save()
    saved = load_record(path).observability.logging_plan[signal]
    assert (saved.logged, saved.reason) == (False, "not collected by the platform")


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


def test_new_initiative_form_creates_a_record(tmp_path):
    box = new_initiative_form(tmp_path)
    _, name, stage, button, out = box.children
    name.value = "HR policy assistant"
    stage.value = "mvp"
    button.click()
    record = load_record(tmp_path / "hr-policy-assistant.yaml")
    assert (record.name, record.stage) == ("HR policy assistant", "mvp")
    assert "Created" in out.value
    button.click()
    assert "already exists" in out.value


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
    assert "otel_genai" in field(f, "evidence.0.mapping").input.value
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
    "kept": (PAYLOAD,),
    "problems": ([(PAYLOAD, PAYLOAD)],),
    "changed_on_disk": (PAYLOAD,),
    "not_saved": (PAYLOAD,),
    "saved": (PAYLOAD, "10:00:00"),
    "verdict": (PAYLOAD, ""),
    "problem": (PAYLOAD,),
    "refused": (PAYLOAD,),
    "signed": ("production", PAYLOAD, "0123456789abcdef"),
    "not_created": (PAYLOAD,),
    "created": (PAYLOAD, repr(PAYLOAD)),
}
#: Messages that take no text at all.
FIXED = {"unsaved", "draft_offer", "draft_restored"}


def test_every_form_message_shows_user_text_as_text():
    source = (REPO / "workbook/present/templates/forms.html.j2").read_text()
    assert set(re.findall(r"{% macro (\w+)", source)) == set(MESSAGES) | FIXED
    for name, args in MESSAGES.items():
        assert_shown_as_text(macro("forms.html.j2", name, *args))


def test_a_hostile_value_typed_into_a_form_is_shown_as_text(tmp_path, catalogue):
    path = create_record("Claims triage", tmp_path)
    f = form(path, "stage", catalogue)
    volume = field(f, "scope.controlled_use.max_daily_volume")
    volume.input.value = PAYLOAD
    assert not f.save()
    # The problem quotes the value, shortened: its start is the attribute break-out.
    assert_shown_as_text(volume.error.value, BREAKOUT)
    assert_shown_as_text(f.message.value, BREAKOUT)
    # Someone else writes the payload into the file: the diff is shown, as text.
    field(f, "sponsor").input.value = "Someone"
    path.write_text(path.read_text() + f"# {PAYLOAD}\n")
    assert not f.save()
    assert "changed on disk" in f.message.value
    assert_shown_as_text(f.message.value)
