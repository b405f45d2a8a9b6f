"""Notebook views: escaped HTML, honest text twins, loud expiries."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from bs4 import BeautifulSoup

from conftest import (
    AS_OF,
    EXAMPLES,
    FULL,
    findings,
    full_record,
    log_measures,
    make_record,
    signoff,
)
from workbook.evidence import find_evidence
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.ledger import LEDGER_NAME, Ledger
from workbook.model.assess import assess
from workbook.model.criteria import STATUSES
from workbook.model.history import HistoryRow
from workbook.model.records import AREAS, SIGNALS, load_record
from workbook.present import measured, views
from workbook.present.html import LOUD, STATUS_STYLE
from workbook.present.notebook import open_initiative

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def hostile_assessment(default_catalogue):
    record = full_record(
        {
            "name": HOSTILE,
            "summary": f"summary {HOSTILE}",
            "sponsor": "<script>alert(1)</script>",
            "scope.in_scope": [HOSTILE],
            "scope.demo_conditions": [
                {"condition": "other", "description": HOSTILE, "real_use_handling": "<b>bold</b>"}
            ],
            "data.gaps": [
                {
                    "id": "g1",
                    "description": HOSTILE,
                    "severity": "critical",
                    "owner": "<i>o</i>",
                    "due": "2026-11-01",
                    "status": "open",
                }
            ],
            "ownership.escalation": [{"trigger": HOSTILE, "target": "<u>t</u>"}],
            "waivers": [
                {
                    "criterion": "trust.fallback_exercised",
                    "reason": HOSTILE,
                    "approver": "<s>x</s>",
                    "expires": "2026-11-01",
                }
            ],
            "evidence": [
                {"kind": "drill", "path": "a<b>.md", "date": "2026-11-01", "note": HOSTILE}
            ],
        }
    )
    return assess(record, default_catalogue, AS_OF, findings(record))


def all_views(a):
    r = a.record
    return [
        views.cover(a),
        views.status_table(a, ["scope", "data", "trust", "governance"]),
        views.blockers(a),
        views.waivers(a),
        views.signoffs(a),
        views.not_applicable(a),
        views.scope_record(r),
        views.data_record(r, a.as_of),
        views.ownership_record(r),
        views.observability_record(r),
        views.trust_record(r),
        views.governance_record(r),
        views.evidence_list(r, a),
        views.appendix(a, {"initiative_path": HOSTILE}, "default.yaml"),
    ]


def test_every_view_escapes_user_text(hostile_assessment):
    for view in all_views(hostile_assessment):
        html = view._repr_html_()
        # Views use none of these tags themselves; any occurrence came from user text.
        for tag in ("<img", "<script", "<b>", "<i>", "<u>", "<s>"):
            assert tag not in html, (tag, html[:200])
    joined = "".join(v._repr_html_() for v in all_views(hostile_assessment))
    # markupsafe writes a double quote as &#34; (html.escape would write &quot;).
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in joined
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined
    assert "&lt;b&gt;bold&lt;/b&gt;" in joined


def test_views_only_emit_their_own_markup(hostile_assessment):
    own = {
        "div",
        "p",
        "span",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "code",
        "br",
        "a",  # the blockers' chapter links: in-page anchors from the chapter list, never user text
    }
    for view in all_views(hostile_assessment):
        tags = set(re.findall(r"<([a-z]+)[\s>]", view._repr_html_()))
        assert tags <= own, tags - own


def test_badge_spells_every_status_out():
    for status in STATUSES:
        html = views.badge(status)
        assert status.replace("_", " ") in html
        assert "background:" in html


def test_cover_headline_and_overclaim(default_catalogue):
    record = make_record({"stage": "production"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    cover = views.cover(a)
    assert a.headline in cover.html and "OVERCLAIMED" in cover.html
    assert repr(cover).splitlines()[1] == f"{a.headline} OVERCLAIMED"


def test_expired_waiver_is_loud_and_valid_one_counts_days(default_catalogue):
    reason = "pilot on one desk while the log export is being built"  # 11 words: counts
    record = make_record(
        {
            "waivers": [
                {
                    "criterion": "scope.workflow",
                    "reason": reason,
                    "approver": "CIO",
                    "expires": "2026-11-01",
                },
                {
                    "criterion": "data.sources",
                    "reason": reason,
                    "approver": "CIO",
                    "expires": "2026-12-03",
                },
            ]
        }
    )
    v = views.waivers(assess(record, default_catalogue, AS_OF, findings(record)))
    assert "⚠ EXPIRED" in v.html and "valid, 10 days left" in v.html
    assert repr(v).splitlines() == [
        "EXPIRED scope.workflow on 2026-11-01",
        "waived data.sources until 2026-12-03",
    ]


def test_signoff_for_earlier_version_is_marked(tiny):
    record = make_record(
        {"signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Ann")]}
    )
    v = views.signoffs(assess(record, tiny, AS_OF, findings(record)))
    assert "given for an earlier version" in v.html
    assert repr(v) == "production business_owner 2026-11-01 EARLIER VERSION"


def test_overdue_open_gap_is_flagged(default_catalogue):
    record = make_record(
        {
            "data.gaps": [
                {"id": "late", "description": "d", "due": "2026-11-01", "status": "open"},
                {"id": "done", "description": "d", "due": "2026-11-01", "status": "closed"},
            ]
        }
    )
    html = views.data_record(record, AS_OF).html
    assert html.count("overdue") == 1


def test_blockers_say_what_would_satisfy_them(default_catalogue):
    record = make_record({"stage": "mvp"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    rows = BeautifulSoup(views.blockers(a).html, "html.parser").select("table.wb-blockers tbody tr")
    assert [tr.select("td")[5].get_text() for tr in rows] == [
        r.criterion.satisfied_by for r in a.blockers
    ]


def test_cover_counts_expired_waivers_and_outdated_signoffs(tiny):
    record = make_record(
        {
            "waivers": [
                {"criterion": "t.logs", "reason": "r", "approver": "CIO", "expires": "2026-11-01"}
            ],
            "signoffs": [signoff()],
        }
    )
    cover = views.cover(assess(record, tiny, AS_OF, findings(record)))
    facts = {
        tr.th.get_text(): tr.td for tr in BeautifulSoup(cover.html, "html.parser").select("tr")
    }
    # One of each, so each count is loud: a warning sign in a <strong>.
    assert facts["Waivers expired"].select_one("strong").get_text() == "⚠ 1"
    assert facts["Sign-offs for an earlier version"].select_one("strong").get_text() == "⚠ 1"
    assert repr(cover).splitlines()[-1] == "Waivers expired: 1; sign-offs for an earlier version: 1"


def test_badges_reach_wcag_aa_contrast():
    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for status, (_, bg, fg) in STATUS_STYLE.items():
        hi, lo = sorted([luminance(bg), luminance(fg)], reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, status
    hi, lo = luminance("#ffffff"), luminance(LOUD)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5


# --- every text field hostile ---------------------------------------------------------

#: Break out of an attribute and open a tag; and a tag that would redirect the page.
BREAKOUT = '"><img src=x onerror=alert(1)>'
REDIRECT = "<meta http-equiv=refresh content=0;url=//e>"
PAYLOAD = f"{BREAKOUT} {REDIRECT}"
#: The same text as markupsafe writes it: & < > " ' become entities.
ESCAPED = (
    "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; &lt;meta http-equiv=refresh content=0;url=//e&gt;"
)
#: Fields whose value must be one of a fixed set (or a date, an id, a digest).
NOT_TEXT = {
    "schema_version", "id", "stage", "target_stage", "severity", "status", "classification",
    "condition", "kind", "date", "due", "expires", "role", "gate", "digest", "outcome",
}  # fmt: skip


def _every_text(value, key=None):
    if isinstance(value, dict):
        return {k: _every_text(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_every_text(v, key) for v in value]
    return PAYLOAD if isinstance(value, str) and key not in NOT_TEXT else value


@pytest.fixture
def payload_assessment(default_catalogue):
    """FULL with every free-text field (names, answers, lists, notes, paths) set to PAYLOAD."""
    base = _every_text(FULL)
    base["waivers"] = [
        {"criterion": "trust.fallback_exercised", "reason": PAYLOAD, "approver": PAYLOAD,
         "expires": "2026-12-31"},
        {"criterion": PAYLOAD, "reason": PAYLOAD, "approver": PAYLOAD, "expires": "2026-11-01"},
    ]  # fmt: skip
    # Long enough to count as an argument (eight words or more), so the view shows it.
    argued = f"{PAYLOAD} because nothing is retrieved: the model only classifies"
    base["not_applicable"] = [{"criterion": "data.grounding", "justification": argued}]
    base["signoffs"] = [signoff(name=PAYLOAD)]
    record = make_record(None, base)
    assert record.name == PAYLOAD and record.scope.in_scope == [PAYLOAD]
    # Measured evidence whose own text (a mapped field, a column, a slice) is hostile too.
    measured_findings = findings(
        record,
        measured={
            "log_sample": log_measures(mapping=dict.fromkeys(SIGNALS, PAYLOAD)),
            "evaluation": EvalMeasures(
                PassRate(None, 300, 295), (PassRate(PAYLOAD, 30, 29),), PAYLOAD
            ),
            "data_extract": ExtractMeasures(
                40, (PAYLOAD,), (Check("required", PAYLOAD, False, PAYLOAD),), None, None
            ),
        },
    )
    return assess(record, default_catalogue, AS_OF, measured_findings)


def shown_views(a):
    """Every view a notebook or dossier shows, by name."""
    r = a.record
    return {
        "cover": views.cover(a),
        "status": views.status_table(a, AREAS),
        "blockers": views.blockers(a),
        "waivers": views.waivers(a),
        "signoffs": views.signoffs(a),
        "not applicable": views.not_applicable(a),
        "scope": views.scope_record(r),
        "data": views.data_record(r, a.as_of),
        "ownership": views.ownership_record(r),
        "observability": views.observability_record(r),
        "trust": views.trust_record(r),
        "governance": views.governance_record(r),
        "evidence": views.evidence_list(r, a),
        "appendix": views.appendix(a, {"initiative_path": PAYLOAD}, PAYLOAD),
        "logs": measured.logs_view(a),
        "extracts": measured.extracts_view(a),
        "evaluations": measured.evaluations_view(a),
    }


def test_every_text_field_is_shown_escaped(payload_assessment):
    for name, view in shown_views(payload_assessment).items():
        page = BeautifulSoup(view.html, "html.parser")
        assert page.select("img, meta, [onerror], [http-equiv]") == [], name
        # Each view shows the user's text (here: the payload), as text.
        assert ESCAPED in view.html, name
        assert PAYLOAD in page.get_text(), name


def test_views_write_only_their_own_tags_and_attributes(payload_assessment):
    tags = {"div", "p", "h2", "h3", "h4", "span", "strong", "table", "thead", "tbody", "tr",
            "th", "td", "ul", "li", "code", "br", "a"}  # fmt: skip
    # href: the blockers' links to a chapter heading (test_next_steps checks each is in-page).
    attributes = {"class", "style", "scope", "role", "href"}
    for name, view in shown_views(payload_assessment).items():
        page = BeautifulSoup(view.html, "html.parser")
        assert {t.name for t in page.find_all(True)} <= tags, name
        assert {a for t in page.find_all(True) for a in t.attrs} <= attributes, name


# --- a renewed waiver: superseded, not expired ---------------------------------------------


@pytest.fixture
def renewed(default_catalogue):
    """contract-clause-extraction with its expired waiver renewed until 2027-04-30.

    Granted 2026-11-20: 161 days, within the default catalogue's 180-day waiver limit.
    """
    record = load_record(EXAMPLES / "contract-clause-extraction.yaml")
    (old,) = record.waivers
    renewal = old.model_copy(
        update={"granted": dt.date(2026, 11, 20), "expires": dt.date(2027, 4, 30)}
    )
    renewed = record.model_copy(update={"waivers": [old, renewal]})
    return assess(renewed, default_catalogue, AS_OF, find_evidence(renewed, EXAMPLES))


def cover_facts(view: views.View) -> dict[str, str]:
    soup = BeautifulSoup(view.html, "html.parser")
    return {tr.th.get_text(): tr.td.get_text() for tr in soup.select("table.wb-facts tr")}


def test_the_example_cover_counts_its_one_expired_waiver(default_catalogue):
    # As shipped, contract-clause-extraction has one waiver (observability.logging_plan),
    # expiring 2026-10-31, 23 days before AS_OF 2026-11-23: expired, none in force.
    path = EXAMPLES / "contract-clause-extraction.yaml"
    record = load_record(path)
    a = assess(record, default_catalogue, AS_OF, find_evidence(record, EXAMPLES))
    facts = cover_facts(views.cover(a))
    assert (facts["Waivers expired"], facts["Waivers in force"]) == ("⚠ 1", "0")


def test_a_renewed_waiver_is_superseded_not_expired(renewed):
    # Two waivers of observability.logging_plan: the old one (2026-10-31, past AS_OF) and
    # its renewal (2027-04-30: 7 days left in November, then 31 + 31 + 28 + 31 + 30 = 158
    # days after AS_OF). The renewal counts and is in force;
    # the old one is superseded by it, so nothing is expired: 0 expired, 1 in force.
    a = renewed
    assert [(w.waiver.expires.isoformat(), w.superseded, w.expired) for w in a.waivers] == [
        ("2026-10-31", True, False),
        ("2027-04-30", False, False),
    ]
    assert [w.waiver.expires for w in a.counting_waivers] == [dt.date(2027, 4, 30)]
    assert a.expired_waivers == []
    facts = cover_facts(views.cover(a))
    assert (facts["Waivers expired"], facts["Waivers in force"]) == ("0", "1")
    assert "Waivers expired" not in repr(views.cover(a))

    shown = views.waivers(a)
    assert repr(shown).splitlines() == [
        "superseded observability.logging_plan (until 2026-10-31) by the renewal until 2027-04-30",
        "waived observability.logging_plan until 2027-04-30",
    ]
    states = [
        tr.select("td")[-1].get_text()
        for tr in BeautifulSoup(shown.html, "html.parser").select("tbody tr")
    ]
    assert states == ["superseded by the renewal until 2027-04-30", "valid, 158 days left"]
    assert "EXPIRED" not in shown.html


def test_the_check_command_says_superseded_not_expired(tmp_path):
    # The same renewal written into a copy of the example (its evidence beside it), as a
    # team would: the CLI reads the model's word, as the cover does.
    from click.testing import CliRunner

    from workbook.cli import main

    shutil.copytree(EXAMPLES / "evidence" / "contract-clause-extraction",
                    tmp_path / "evidence" / "contract-clause-extraction")  # fmt: skip
    text = (EXAMPLES / "contract-clause-extraction.yaml").read_text()
    # Granted 2026-11-20, 161 days (within the 180-day limit), a reason of eight words or
    # more, approved by the Data Protection Officer (not the sponsor): a renewal that counts.
    renewal = (
        "  - criterion: observability.logging_plan\n"
        "    reason: Renewed while the vendor answers whether contract text may be logged.\n"
        "    approver: Thomas Reid, Data Protection Officer\n"
        "    granted: 2026-11-20\n"
        "    expires: 2027-04-30\n"
    )
    head, tail = text.split("not_applicable:", 1)
    (tmp_path / "c.yaml").write_text(head + renewal + "not_applicable:" + tail)
    run = CliRunner().invoke(main, ["check", str(tmp_path / "c.yaml"), "--as-of", "2026-11-23"])
    assert run.exit_code == 0, run.output
    lines = [ln.strip() for ln in run.output.splitlines() if ln.strip().startswith("Waive")]
    assert lines == [
        "Waiver until 2026-10-31 superseded by the renewal until 2027-04-30: "
        "observability.logging_plan",
        "Waived until 2027-04-30 by Thomas Reid, Data Protection Officer: "
        "observability.logging_plan",
    ]
    assert "EXPIRED" not in run.output


def test_a_refused_renewal_is_said_to_not_count(tmp_path, default_catalogue):
    # The renewal a team under pressure writes: approved by the sponsor (Helena Brandt),
    # five words of reason, 190 days from AS_OF (2026-11-23 to 2027-06-01; limit 180). The
    # CLI and the waivers view both say it does not count, never "Waived until".
    from click.testing import CliRunner

    from workbook.cli import main

    shutil.copytree(EXAMPLES / "evidence" / "contract-clause-extraction",
                    tmp_path / "evidence" / "contract-clause-extraction")  # fmt: skip
    text = (EXAMPLES / "contract-clause-extraction.yaml").read_text()
    renewal = (
        "  - criterion: observability.logging_plan\n"
        "    reason: Renewed while the vendor answers.\n"
        "    approver: Helena Brandt, General Counsel\n"
        "    expires: 2027-06-01\n"
    )
    head, tail = text.split("not_applicable:", 1)
    (tmp_path / "c.yaml").write_text(head + renewal + "not_applicable:" + tail)
    run = CliRunner().invoke(main, ["check", str(tmp_path / "c.yaml"), "--as-of", "2026-11-23"])
    assert run.exit_code == 0, run.output
    (line,) = [ln.strip() for ln in run.output.splitlines() if "Waiver until 2027" in ln]
    assert line.startswith("Waiver until 2027-06-01 DOES NOT COUNT: observability.logging_plan")
    for why in ("it runs 190 days", "too short (5 words; at least 8)", "sponsor"):
        assert why in line, why
    assert "Waived until" not in run.output

    record = load_record(tmp_path / "c.yaml")
    a = assess(record, default_catalogue, AS_OF, find_evidence(record, tmp_path))
    shown = views.waivers(a)
    assert (
        repr(shown)
        .splitlines()[1]
        .startswith("NOT COUNTED observability.logging_plan (until 2027-06-01): it runs 190 days")
    )
    state = BeautifulSoup(shown.html, "html.parser").select("tbody tr")[1].select("td")[-1]
    assert state.get_text().startswith("⚠ DOES NOT COUNT: it runs 190 days")
    assert cover_facts(views.cover(a))["Waivers in force"] == "0"


# --- what changed since the last run: the ledger's comparison -----------------------------


def test_changes_view_tells_regressions_from_criteria_that_stayed_missing(tiny):
    # Now: the workflow is unanswered (t.workflow missing), the evaluation is answered
    # with evidence (t.eval met), no log sample (t.logs missing), no gaps (t.gaps met),
    # no sign-off (t.signoff missing). Claimed production candidate: the blockers are
    # the failing mvp and candidate criteria, t.workflow and t.logs; mvp fails, so the
    # evidence supports prototype.
    record = make_record(
        {
            "stage": "production_candidate",
            "trust.evaluation": "300 labelled claims scored by two adjusters",
            "evidence": [{"kind": "evaluation", "path": "e.csv", "date": "2026-11-01"}],
        }
    )
    a = assess(record, tiny, AS_OF, findings(record))
    last = HistoryRow(
        run_id=1, started_at="2026-10-01T06:00:00+00:00", initiative="r", name="R",
        digest="0" * 64, as_of="2026-10-01", claimed="production_candidate", supported="mvp",
        overclaimed=True, outcome="rendered",
        statuses={"t.workflow": "met", "t.eval": "missing", "t.logs": "missing",
                  "t.gaps": "met", "t.signoff": "missing"},
        blockers=["t.eval", "t.logs"],
    )  # fmt: skip
    view = views.changes_view(last, a)
    # met -> missing: t.workflow is new and a regression; missing -> met: t.eval is
    # resolved; missing -> missing: t.logs neither (it is not a regression).
    assert repr(view).splitlines() == [
        "Since run 1, as of 2026-10-01 (supported: mvp):",
        "supported stage mvp -> prototype (down)",
        "new blocker t.workflow",
        "resolved t.eval",
        "regressed t.workflow",
    ]
    items = BeautifulSoup(view.html, "html.parser").select("li")
    assert [li.get_text() for li in items] == repr(view).splitlines()[1:]
    # The stage went down: that line is loud, and only that one.
    assert [li.strong is not None for li in items] == [True, False, False, False]


def test_changes_view_says_when_nothing_changed(tiny):
    record = make_record({"scope.workflow": "w"})
    a = assess(record, tiny, AS_OF, findings(record))
    last = HistoryRow(
        run_id=1, started_at="", initiative="r", name="R", digest=a.digest, as_of="2026-11-01",
        claimed="prototype", supported="prototype", overclaimed=False, outcome="rendered",
        statuses={r.criterion.id: r.status for r in a.results},
        blockers=[r.criterion.id for r in a.blockers],
    )  # fmt: skip
    assert repr(views.changes_view(last, a)).splitlines()[1:] == ["nothing changed"]


def test_the_dossier_compares_with_the_last_finished_run_as_the_portfolio_does(tmp_path, tiny):
    # Run 1 (finished) assessed the record at mvp; run 2 was interrupted after assessing an
    # edit of it (workflow answered, no evaluation). A dossier rendered now (by run 3,
    # unfinished) compares with run 1, the run the portfolio page names "previous", not
    # with the interrupted run 2 (which would show no stage change at all).
    at_mvp = make_record(
        {
            "scope.workflow": "Motor claims intake at the regional desk",
            "trust.evaluation": "300 labelled claims scored by two adjusters",
            "evidence": [{"kind": "evaluation", "path": "e.csv", "date": "2026-10-01"}],
        }
    )
    at_prototype = make_record()
    path = tmp_path / LEDGER_NAME
    with Ledger(path) as ledger:
        first = ledger.start_run({})
        ledger.record(first, assess(at_mvp, tiny, AS_OF, findings(at_mvp)), "rendered")
        ledger.finish_run(first, {"rendered": 1}, "ok")
        interrupted = ledger.start_run({})
        edited = make_record({"scope.workflow": "Motor claims intake at the regional desk"})
        ledger.record(interrupted, assess(edited, tiny, AS_OF, findings(edited)), "rendered")
        ledger.start_run({})  # the run rendering this dossier
    wb = open_initiative(EXAMPLES / "claims-triage.yaml", "2026-11-23", "", str(path))
    wb.assessment = assess(at_prototype, tiny, AS_OF, findings(at_prototype))  # as run 3 sees it
    lines = repr(wb.changes()).splitlines()
    # mvp (t.workflow, t.eval met) -> prototype (both missing): two regressions, down.
    # At mvp the horizon was the candidate gate, so t.logs was a blocker; at prototype the
    # horizon is the mvp gate and t.logs is no longer one: "resolved".
    assert lines == [
        "Since run 1, as of 2026-11-23 (supported: mvp):",
        "supported stage mvp -> prototype (down)",
        "new blocker t.workflow",
        "new blocker t.eval",
        "resolved t.logs",
        "regressed t.workflow",
        "regressed t.eval",
    ]


def test_the_cover_is_an_executive_summary(tiny):
    # Claimed production against the tiny catalogue, nothing answered but the business
    # owner: the mvp gate fails on t.workflow (scope) and t.eval (trust), so the evidence
    # supports prototype and the next gate is mvp: 2 conditions block it, in the order
    # gate then area (scope before trust). The later gates add t.logs (no log sample) and
    # t.signoff (unsigned): 2 more. t.gaps passes (min_items 0, nothing open).
    record = make_record({"stage": "production", "ownership.business_owner": "Ann Lee, Head"})
    cover = views.cover(assess(record, tiny, AS_OF, findings(record)))
    soup = BeautifulSoup(cover.html, "html.parser")
    blocking = soup.select_one(".wb-blocking")
    assert " ".join(blocking.p.get_text().split()) == (
        "2 conditions block the mvp gate; 2 more are needed for the gates after it."
    )
    urgent = blocking.select("ul.wb-urgent li")
    assert [li.code.get_text() for li in urgent] == ["t.workflow", "t.eval"]
    # Each with the chapter that fixes it, linked to its heading in the dossier: the scope
    # fields are edited in chapter 1, the trust fields in chapter 4.
    assert [li.a["href"] for li in urgent] == [
        "#1.-Stage-and-boundaries",
        "#4.-Logging,-observability-and-trust",
    ]
    # Who must act (next_steps): the named business owner answers the scope question and
    # signs (2 steps); the evaluation and the log sample fall to the builders, whom the
    # record does not name (2 steps).
    people = [" ".join(li.get_text().split()) for li in soup.select(".wb-who li")]
    assert people == [
        "Ann Lee (business owner): 2 steps",
        "builders (not named yet): 2 steps",
    ]
    assert repr(cover).splitlines()[3:5] == [
        "Blocking the next gate: 2 (first: t.workflow, t.eval)",
        "Who must act: Ann Lee (2), builders (not named yet) (2)",
    ]


def test_the_cover_of_an_initiative_past_every_gate_says_so(default_catalogue):
    # As shipped, claims-triage is labelled production and its evidence supports it.
    path = EXAMPLES / "claims-triage.yaml"
    record = load_record(path)
    a = assess(record, default_catalogue, AS_OF, find_evidence(record, EXAMPLES))
    assert (a.supported_stage, a.next_gate) == ("production", None)
    soup = BeautifulSoup(views.cover(a).html, "html.parser")
    assert soup.select_one(".wb-blocking p").get_text() == "Nothing: every gate is passed."
    assert soup.select_one(".wb-who") is None
