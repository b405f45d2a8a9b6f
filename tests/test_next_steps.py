"""What to do next, by person: who must act on each blocker, in which chapter, on which field.

Expectations are read by hand from the example records (data/examples/*.yaml) and the default
catalogue (templates/gates/default.yaml), as of conftest's AS_OF (2026-11-23); which criteria
block each example is test_examples.py's BLOCKERS table.
"""

from __future__ import annotations

from html.parser import HTMLParser

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import AS_OF, EXAMPLES, REPO, findings, full_record
from workbook.model.assess import assess
from workbook.model.catalogue import load_catalogue
from workbook.pipeline import assess_file
from workbook.present import views
from workbook.present.chapters import CHAPTERS
from workbook.present.next_steps import by_person, chapter_for, next_steps
from workbook.render.export import export_html, toc_headings


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def assessments(catalogue):
    return {p.stem: assess_file(p, catalogue, AS_OF) for p in sorted(EXAMPLES.glob("*.yaml"))}


def steps_of(assessments, catalogue, example):
    """(criterion id, who, role, chapter anchor, fields) of each step of an example."""
    return {
        (s.result.criterion.id, s.actor.who, s.actor.role, s.anchor, s.fields)
        for s in next_steps(assessments[example], catalogue.rules)
    }


# The ids nbconvert gives the dossier's chapter headings ("## 3. Ownership, support and
# integration" -> spaces become "-"), as the dossier's own contents list links them.
STAGE, DATA, OWNERSHIP, OBSERVABILITY, VERDICT = (
    "1.-Stage-and-boundaries",
    "2.-Data-and-data-gaps",
    "3.-Ownership,-support-and-integration",
    "4.-Logging,-observability-and-trust",
    "5.-Promotion-verdict",
)


def test_chapter_anchors_are_the_dossier_heading_ids():
    """The anchors written above are the ids nbconvert gives the committed dossier notebook's
    chapter headings: a link to them lands on the heading."""
    nb = nbformat.read(REPO / "notebooks" / "dossier.ipynb", as_version=4)
    ids = [h["id"] for c in nb.cells if c.cell_type == "markdown" for h in toc_headings(c)]
    assert [i for i in ids if i[0].isdigit()] == [STAGE, DATA, OWNERSHIP, OBSERVABILITY, VERDICT]


def test_support_reply_drafting_by_hand(assessments, catalogue):
    """support-reply-drafting: 7 production-gate blockers (test_examples.BLOCKERS).

    The record names the business owner (Daniel Okafor), the security reviewer (Ola
    Nwankwo), no support lead (ownership.support_owner has team, hours, contact, no lead),
    no builders (no ownership.builders).
    - trust.fallback_exercised asks for drill evidence: drills are run by support; trust
      area -> chapter 4.
    - ownership.enablement (field ownership.enablement): the ownership area's support owner;
      the field is edited in chapter 3.
    - observability.personal_data measures the log sample: builders (redaction is built);
      observability area -> chapter 4.
    - observability.dashboards_alerts (observability.dashboards, .alerts): support watches
      them -> support owner; chapter 4.
    - governance.security_review (governance.security_review): the security reviewer;
      governance is edited in chapter 5.
    - governance.signoff_business / _support: the role that must sign; sign-offs are
      governance -> chapter 5.
    """
    unnamed_support = "support owner (not named yet)"
    assert steps_of(assessments, catalogue, "support-reply-drafting") == {
        ("trust.fallback_exercised", unnamed_support, "support_owner", OBSERVABILITY,
         ("evidence: drill",)),
        ("ownership.enablement", unnamed_support, "support_owner", OWNERSHIP,
         ("ownership.enablement",)),
        ("observability.personal_data", "builders (not named yet)", "builders", OBSERVABILITY,
         ("evidence: log_sample",)),
        ("observability.dashboards_alerts", unnamed_support, "support_owner", OBSERVABILITY,
         ("observability.dashboards", "observability.alerts")),
        ("governance.security_review", "Ola Nwankwo", "security", VERDICT,
         ("governance.security_review",)),
        ("governance.signoff_business", "Daniel Okafor", "business_owner", VERDICT,
         ("signoffs",)),
        ("governance.signoff_support", unnamed_support, "support_owner", VERDICT,
         ("signoffs",)),
    }  # fmt: skip
    # Grouped: all seven are production-gate blockers, so the longest list leads; among
    # the single-step groups, named people (alphabetically) before unnamed roles.
    groups = by_person(next_steps(assessments["support-reply-drafting"], catalogue.rules))
    assert [(g.who, len(g.steps)) for g in groups] == [
        (unnamed_support, 4),
        ("Daniel Okafor", 1),
        ("Ola Nwankwo", 1),
        ("builders (not named yet)", 1),
    ]


def test_the_open_critical_gap_goes_to_its_owner_only(assessments, catalogue):
    """hr-policy-assistant's register: superseded-family-leave is critical and open (owner
    Marcus Ellery); Chidi Obi's gaps are medium/open and high/mitigated, so not his step."""
    got = {s for s in steps_of(assessments, catalogue, "hr-policy-assistant")
           if s[0] == "data.no_open_critical_gap"}  # fmt: skip
    assert got == {
        ("data.no_open_critical_gap", "Marcus Ellery", "data_gap_owner", DATA, ("data.gaps",))
    }


def test_a_source_without_owner_is_an_unnamed_data_source_owner(assessments, catalogue):
    """marketing-copy-review: the brand voice guide is complete (Chloe Dubois), the
    compliance rulebook has owner: null, so its owner, not yet named, must act."""
    got = [s for s in next_steps(assessments["marketing-copy-review"], catalogue.rules)
           if s.result.criterion.id == "data.sources"]  # fmt: skip
    assert [(s.actor.who, s.actor.field, s.anchor) for s in got] == [
        ("data source owner (not named yet)", "data.sources[1].owner", DATA)
    ]


def test_an_empty_register_goes_to_its_keeper(assessments, catalogue):
    """month-end-variance-commentary: integration.systems is [], so no interface owner
    exists; the business owner (Naledi Khumalo) keeps the register. Chapter 3 edits it."""
    got = {s for s in steps_of(assessments, catalogue, "month-end-variance-commentary")
           if s[0] == "integration.interfaces"}  # fmt: skip
    assert got == {
        ("integration.interfaces", "Naledi Khumalo", "business_owner", OWNERSHIP,
         ("integration.systems",))
    }  # fmt: skip


def test_every_blocker_of_every_example_has_someone_and_a_chapter(assessments, catalogue):
    """Property over the shipped examples: no blocker is left without who and where."""
    anchors = {STAGE, DATA, OWNERSHIP, OBSERVABILITY, VERDICT}
    for name, a in assessments.items():
        steps = next_steps(a, catalogue.rules)
        assert {s.result.criterion.id for s in steps} == {r.criterion.id for r in a.blockers}
        for s in steps:
            assert s.actor.who.strip() and s.fields and s.anchor in anchors, (name, s)
        gates = [s.result.criterion.gate for s in steps]
        order = ["mvp", "production_candidate", "production"]
        assert gates == sorted(gates, key=order.index), name


class Groups(HTMLParser):
    """Collects each person heading (h4) and the links and fields of the rows under it."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[tuple[str, list[str]]] = []
        self._in_h4 = False

    def handle_starttag(self, tag, attrs):
        if tag == "h4":
            self._in_h4 = True
            self.groups.append(("", []))
        elif tag == "a":
            self.groups[-1][1].append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "h4":
            self._in_h4 = False

    def handle_data(self, data):
        if self._in_h4:
            who, links = self.groups[-1]
            self.groups[-1] = (who + data, links)


def test_the_view_groups_by_person_and_links_each_chapter(assessments, catalogue):
    """The rendered blockers view of support-reply-drafting: the groups above, each row
    linking its chapter's heading in the page."""
    page = Groups()
    page.feed(views.blockers(assessments["support-reply-drafting"], catalogue.rules).html)
    assert [(" ".join(w.split()), links) for w, links in page.groups] == [
        ("support owner (not named yet)",
         [f"#{OBSERVABILITY}", f"#{OWNERSHIP}", f"#{OBSERVABILITY}", f"#{VERDICT}"]),
        ("Daniel Okafor (business owner)", [f"#{VERDICT}"]),
        ("Ola Nwankwo (security reviewer)", [f"#{VERDICT}"]),
        ("builders (not named yet)", [f"#{OBSERVABILITY}"]),
    ]  # fmt: skip
    text = views.blockers(assessments["support-reply-drafting"], catalogue.rules).text
    assert (
        "Ola Nwankwo (security reviewer):\n  production governance.security_review: "
        "governance.security_review in chapter Promotion verdict"
    ) in text


def test_a_person_in_two_roles_is_one_group(catalogue):
    """The full test record's only blockers are its two production sign-offs (business owner
    Ann, support lead Bo). With "ann" also leading support, both steps are one person's."""
    record = full_record({"ownership.support_owner.lead": "ann"})
    a = assess(record, catalogue, AS_OF, findings(record))
    groups = by_person(next_steps(a, catalogue.rules))
    assert [(g.who, g.roles, len(g.steps)) for g in groups] == [
        ("Ann", ("business owner", "support owner"), 2)
    ]


def test_names_are_escaped_in_the_view(catalogue):
    """A business owner's name with markup is shown as text, never as markup."""
    record = full_record({"ownership.business_owner": "<b>Eve</b>, Head of Claims"})
    a = assess(record, catalogue, AS_OF, findings(record))
    html = views.next_steps(a, catalogue.rules).html
    assert "<b>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html


def test_a_placeholder_names_nobody_and_the_sponsor_names_the_owner(catalogue):
    """Business owner "TBD" (a placeholder in the catalogue's list): the MVP criterion
    ownership.business_owner is missing and the sponsor (Cy) must name one; the business
    sign-off goes to the role, not yet named. Both fixed in chapter 3 and 5 respectively."""
    record = full_record({"ownership.business_owner": "TBD"})
    a = assess(record, catalogue, AS_OF, findings(record))
    got = {
        (s.result.criterion.id, s.actor.who, s.anchor)
        for s in next_steps(a, catalogue.rules)
        if s.result.criterion.id in ("ownership.business_owner", "governance.signoff_business")
    }
    assert got == {
        ("ownership.business_owner", "Cy", OWNERSHIP),
        ("governance.signoff_business", "business owner (not named yet)", VERDICT),
    }


def test_the_catalogues_roles_say_which_field_names_the_signer(catalogue):
    """A catalogue whose support owner is the team field: the team must sign, not Bo."""
    roles = {**catalogue.rules.roles, "support_owner": "ownership.support_owner.team"}
    rules = catalogue.rules.model_copy(update={"roles": roles})
    record = full_record()
    a = assess(record, catalogue, AS_OF, findings(record))
    support = [s for s in next_steps(a, rules) if s.result.criterion.id.endswith("support")]
    assert [(s.actor.who, s.actor.field) for s in support] == [
        ("Claims application support", "ownership.support_owner.team")
    ]


@pytest.mark.parametrize(
    ("fields", "area", "title"),
    [
        # A record field: the chapter whose form edits its section (ownership -> chapter 3),
        # whatever area a catalogue files the criterion under.
        (("ownership.change_control",), "governance", "Ownership, support and integration"),
        (("trust.thresholds",), "trust", "Logging, observability and trust"),
        (("scope.controlled_use",), "scope", "Stage and boundaries"),
        # Evidence and sign-offs are cited in chapter 5, but explained in their area's chapter.
        (("evidence: drill",), "trust", "Logging, observability and trust"),
        (("evidence: data_extract",), "data", "Data and data gaps"),
        (("signoffs",), "governance", "Promotion verdict"),
    ],
)
def test_the_chapter_is_the_fields_else_the_areas(fields, area, title):
    assert chapter_for(fields, area).title == title


def test_named_builders_are_one_group(catalogue):
    """No guardrails in the full record (builders: [Di]): trust.guardrails goes to Di."""
    record = full_record({"trust.guardrails": []})
    a = assess(record, catalogue, AS_OF, findings(record))
    got = [(s.actor.who, s.actor.role) for s in next_steps(a, catalogue.rules)
           if s.result.criterion.id == "trust.guardrails"]  # fmt: skip
    assert got == [("Di", "builders")]


def test_a_team_is_never_folded_into_one_of_its_members(catalogue):
    """Builders Ann (also the business owner) and Di; no guardrails, so trust.guardrails is
    the team's. The full record's other blockers are Ann's and Bo's sign-offs. By hand:
    three groups (Ann 1 step, the team "Ann, Di" 1 step, Bo 1 step), not Ann with 2."""
    record = full_record({"trust.guardrails": [], "ownership.builders": ["Ann", "Di"]})
    a = assess(record, catalogue, AS_OF, findings(record))
    groups = {g.who: (g.roles, len(g.steps)) for g in by_person(next_steps(a, catalogue.rules))}
    assert groups["Ann, Di"] == (("builders",), 1)
    assert groups["Ann"] == (("business owner",), 1)
    # A team of one is that person: Ann alone building folds into Ann's group.
    record = full_record({"trust.guardrails": [], "ownership.builders": ["Ann"]})
    a = assess(record, catalogue, AS_OF, findings(record))
    groups = {g.who: (g.roles, len(g.steps)) for g in by_person(next_steps(a, catalogue.rules))}
    assert set(groups["Ann"][0]) == {"business owner", "builders"} and groups["Ann"][1] == 2


def test_a_critical_gap_closed_without_evidence_is_its_owners_to_prove(catalogue):
    """The catalogue counts a closed gap as open without cited closure evidence
    (closed_needs_evidence): Gil closed a critical gap and cited nothing, so Gil must act."""
    gap = {"id": "g1", "description": "Branch codes are missing from older claims",
           "severity": "critical", "owner": "Gil", "due": "2026-12-01", "status": "closed"}  # fmt: skip
    record = full_record({"data.gaps": [gap]})
    a = assess(record, catalogue, AS_OF, findings(record))
    got = [(s.actor.who, s.actor.field) for s in next_steps(a, catalogue.rules)
           if s.result.criterion.id == "data.no_open_critical_gap"]  # fmt: skip
    assert got == [("Gil", "data.gaps[0].owner")]


def test_the_most_urgent_gate_comes_first_whatever_the_area(catalogue):
    """trust.review_path is an MVP criterion, scope.user_expectations a candidate one: the
    MVP step leads, though scope comes before trust in the area order."""
    record = full_record({"trust.review_path": None, "scope.user_expectations": []})
    a = assess(record, catalogue, AS_OF, findings(record))
    ids = [s.result.criterion.id for s in next_steps(a, catalogue.rules)]
    assert ids.index("trust.review_path") < ids.index("scope.user_expectations")
    groups = by_person(next_steps(a, catalogue.rules))
    # Both are Ann's (business owner: scope and trust.review_path), so one group.
    assert [s.result.criterion.id for s in groups[0].steps][:2] == [
        "trust.review_path",
        "scope.user_expectations",
    ]


def test_each_link_lands_on_its_chapter_heading_in_an_exported_page(assessments, catalogue):
    """Through the export (its output allowlist and last-line check): the chapter headings
    as the dossier writes them, then the blockers view; every link survives and has a target."""
    view = views.blockers(assessments["month-end-variance-commentary"], catalogue.rules)
    cells = [new_markdown_cell(f"## {i}. {c.title}") for i, c in enumerate(CHAPTERS, 1)]
    output = new_output("display_data", data={"text/html": view.html, "text/plain": view.text})
    cells.append(new_code_cell("wb.blockers()", outputs=[output], execution_count=1))
    soup = BeautifulSoup(export_html(new_notebook(cells=cells), "t"), "html.parser")
    links = [a["href"] for a in soup.select(".wb-next-steps a")]
    # month-end: 11 blockers, each with one person or role (integration.systems is empty).
    assert len(links) == 11
    assert all(soup.find(id=href[1:]) is not None for href in links), links
    assert f"#{OWNERSHIP}" in links
