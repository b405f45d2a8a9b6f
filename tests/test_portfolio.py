"""Portfolio dossier: a batch summary read lightly, shown escaped, counted honestly."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import AS_OF, EXAMPLES, REPO, papermill_cli
from samples import NO_CHANGES
from workbook.batch.portfolio import example_summary, open_portfolio
from workbook.errors import SummaryError, WorkbookError, one_line
from workbook.evidence import find_evidence
from workbook.model import summary as contract
from workbook.model.assess import assess
from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.pipeline import check_paths, display_path
from workbook.present import portfolio, portfolio_charts
from workbook.present.charts import WEAK, Chart
from workbook.present.views import View

HOSTILE = "<img src=x onerror=alert(1)>"
FAILED_ID = "marketing-copy-review"


def make_summary(hostile: bool = False) -> dict[str, Any]:
    """A summary.json as a batch run writes it, from the real example portfolio.

    Batch fields are invented: one dossier failed, a few changes, one record not assessed.
    """
    checked = check_paths([EXAMPLES], load_catalogue(), AS_OF)
    initiatives = []
    for c in checked:
        assert c.assessment is not None, c.error
        entry = contract.initiative(
            c.assessment,
            path=f"data/examples/{c.path.name}",
            outcome="rendered",
            dossier=f"{c.assessment.id}.html",
        )
        initiatives.append(entry.model_dump(mode="json"))
    by_id = {i["id"]: i for i in initiatives}
    failed = by_id[FAILED_ID]
    failed.update(
        dossier=None, outcome="failed", error="cell 7 (chapter 'Data and data gaps'): KeyError"
    )
    by_id["kyc-document-check"]["changes"].update(
        new_blockers=["trust.fallback"],
        regressions=["trust.baseline_evaluation"],
        stage_from="mvp",
        stage_to="prototype",
        down=True,
    )
    by_id["invoice-coding"]["changes"]["resolved"] = ["data.gap_register", "trust.thresholds"]
    by_id["hr-policy-assistant"]["changes"].update(stage_from="prototype", stage_to="mvp")
    summary = {
        "summary_version": contract.SUMMARY_VERSION,
        "generated_at": "2026-11-23T12:00:00Z",
        "as_of": "2026-11-23",
        "catalogue": "Default readiness gates",
        "run_id": 3,
        "previous_run_id": 2,
        "initiatives": initiatives,
        "failed": [
            {
                "path": "data/initiatives/broken.yaml",
                "error": "data/initiatives/broken.yaml: stage: got 'beta' (expected one of ...)",
            }
        ],
    }
    if hostile:
        first = initiatives[0]
        first["name"] = HOSTILE
        first["id"] = "hostile"
        first["changes"].update(new_blockers=[HOSTILE], resolved=[HOSTILE], regressions=[HOSTILE])
        first["waivers"] = [
            {
                "criterion": HOSTILE,
                "approver": HOSTILE,
                "expires": "2026-11-30",
                "expired": False,
                "superseded": False,
            }
        ]
        first["blockers"] = [
            {
                "criterion": HOSTILE,
                "gate": "mvp",
                "area": "data",
                "status": "stale",
                "detail": HOSTILE,
                "question": HOSTILE,
                "satisfied_by": HOSTILE,
            }
        ]
        failed["name"] = HOSTILE + "2"
        failed["error"] = f"{HOSTILE}\nsecond line"
        summary["catalogue"] = HOSTILE
        summary["generated_at"] = HOSTILE
        summary["failed"][0] = {"path": HOSTILE, "error": HOSTILE}
    return summary


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return make_summary()


@pytest.fixture
def pf(summary) -> portfolio.Portfolio:
    return portfolio.parse_summary(copy.deepcopy(summary))


# --- a summary written by hand: every expected value below is read off it ----------------


def hand(iid: str, name: str, claimed: str, supported: str, **fields: Any) -> dict[str, Any]:
    """One initiative as summary.json holds it; the fields a test does not read are blank."""
    over = ("prototype", "mvp", "production_candidate", "production")
    entry = {
        "id": iid,
        "name": name,
        "path": f"data/initiatives/{iid}.yaml",
        "claimed_stage": claimed,
        "target_stage": None,
        "supported_stage": supported,
        "overclaimed": over.index(claimed) > over.index(supported),
        "shadow_production": None,
        "uncontrolled_use": None,
        "goalposts": [],
        "shared_evidence": [],
        "next_gate": None,
        "weakest_area": None,
        "owner": None,
        "headline": "",
        "digest": "0" * 64,
        "gates": {"mvp": False, "production_candidate": False, "production": False},
        "readiness": {},
        "results": [],
        "blockers": [],
        "waivers": [],
        "signoffs": [],
        "outcome": "rendered",
        "dossier": f"{iid}.html",
        "error": None,
        "changes": NO_CHANGES,
    }
    return {**entry, **fields}


def blocker(
    criterion: str, gate: str, area: str, status: str = "missing", who: Any = ()
) -> dict[str, Any]:
    """``who``: (role, name or None) pairs, as model/actors.py would name them."""
    return {
        "criterion": criterion,
        "gate": gate,
        "area": area,
        "status": status,
        "detail": "",
        "question": f"{criterion}?",
        "satisfied_by": "",
        "who": [{"role": role, "name": name} for role, name in who],
    }


HAND_WRITTEN: dict[str, Any] = {
    "summary_version": contract.SUMMARY_VERSION,
    "generated_at": "2026-11-23T02:30:00+00:00",
    "as_of": "2026-11-23",
    "catalogue": "Hand-written gates",
    "run_id": 5,
    "previous_run_id": 4,
    "initiatives": [
        # Labelled mvp, supported prototype: overclaimed. Two blockers (trust, ownership):
        # builders nobody named, and the sponsor Ada Byrne (who must name a business owner).
        hand(
            "alpha",
            "Alpha triage",
            "mvp",
            "prototype",
            weakest_area="trust",
            blockers=[
                blocker("trust.baseline_evaluation", "mvp", "trust", who=[("builders", None)]),
                blocker(
                    "ownership.business_owner", "mvp", "ownership", who=[("sponsor", "Ada Byrne")]
                ),
            ],
        ),
        # Labelled and supported production candidate; its dossier was unchanged (skipped).
        # Its security review is stale: the reviewer Ada Byrne again (as "ada  BYRNE": the
        # same person, model.answers.person_key), and a support owner nobody named.
        hand(
            "beta",
            "Beta search",
            "production_candidate",
            "production_candidate",
            owner="Ben Ortiz",
            gates={"mvp": True, "production_candidate": True, "production": False},
            blockers=[
                blocker(
                    "governance.security_review",
                    "production",
                    "governance",
                    "stale",
                    who=[("security", "ada  BYRNE"), ("support_owner", None)],
                ),
            ],
            outcome="skipped",
        ),
        # Labelled production, supported mvp: overclaimed; its dossier failed.
        hand(
            "gamma",
            "Gamma drafts",
            "production",
            "mvp",
            owner="Cleo Park",
            weakest_area="governance",
            gates={"mvp": True, "production_candidate": False, "production": False},
            blockers=[
                blocker("trust.fallback", "production_candidate", "trust", who=[("builders", None)])
            ],
            outcome="failed",
            dossier=None,
            error="cell 3 (chapter 'Trust'): KeyError",
        ),
    ],
    "failed": [{"path": "data/initiatives/broken.yaml", "error": "malformed YAML"}],
}


def test_hand_written_summary_overview_counts():
    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    assert [i.id for i in p.initiatives if i.overclaimed] == ["alpha", "gamma"]
    soup = BeautifulSoup(p.overview().html, "html.parser")
    facts = {tr.th.get_text(): tr.td.get_text() for tr in soup.select("table.wb-facts tr")}
    assert facts["Initiatives"] == "3"
    assert facts["Overclaimed (label above the evidence)"] == "⚠ 2"  # alpha, gamma
    assert facts["Conditions not yet met, in total"] == "4"  # 2 + 1 + 1
    assert facts["Dossiers that failed"] == "⚠ 1"  # gamma
    assert facts["Records that could not be assessed"] == "⚠ 1"  # broken.yaml
    assert facts["Run"] == "5 (compared with run 4)"
    stages = [
        [td.get_text() for td in tr.select("td")]
        for tr in soup.select("table.wb-portfolio-stages tbody tr")
    ]
    # claimed: alpha mvp, beta candidate, gamma production;
    # supported: alpha prototype, beta candidate, gamma mvp.
    assert stages == [
        ["prototype", "0", "1"],
        ["mvp", "1", "1"],
        ["production candidate", "1", "1"],
        ["production", "1", "0"],
    ]
    assert "NOT ASSESSED data/initiatives/broken.yaml: malformed YAML" in p.overview().text


def test_hand_written_summary_table_links_each_dossier():
    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    soup = BeautifulSoup(p.initiatives_table().html, "html.parser")
    rows = soup.select("table.wb-portfolio tbody tr")
    assert [[a["href"] for a in tr.select("a")] for tr in rows] == [
        ["alpha.html"],
        ["beta.html"],
        [],  # gamma's dossier failed: nothing to link to
    ]
    cells = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in rows]
    # Beside each link, the dossier's file name: the attachment to open when this page is
    # mailed alone (the page says so above the table).
    assert cells == [
        ["Alpha triage (alpha.html) alpha", "prototype", "⚠ OVERCLAIMED", "mvp", "not named", "trust",
         "2", "rendered"],
        ["Beta search (beta.html) beta", "production candidate", "no", "production candidate",
         "Ben Ortiz", "—", "1", "unchanged"],
        ["Gamma drafts gamma", "mvp", "⚠ OVERCLAIMED", "production", "Cleo Park", "governance",
         "1", "⚠ FAILED: cell 3 (chapter 'Trust'): KeyError"],
    ]  # fmt: skip
    assert "open the attachment of that name" in soup.select_one("p.wb-files-note").get_text()


def test_the_initiatives_table_carries_what_the_script_sorts_and_filters_on():
    """The keys the tables script reads (templates/dossier/tables.js.j2), read off
    HAND_WRITTEN: stage indexes (prototype 0 ... production 3), the number of label warnings,
    the weakest area's place in the model's order (scope 0, ..., trust 2, ..., governance 6;
    none: 7), supported stage, overclaimed and weakest area as filter values. The name and
    the owner are the record's own text: the script reads them from the cell, never from an
    attribute."""
    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    soup = BeautifulSoup(p.initiatives_table().html, "html.parser")
    table = soup.select_one("table.wb-portfolio")
    assert table["data-wb-sortable"] == "initiatives"
    assert [th.get("data-wb-filter") for th in table.select("thead th")] == [
        None, "Supported stage", "Overclaimed", None, "Owner", "Weakest area", None, None
    ]  # fmt: skip
    rows = table.select("tbody tr")
    sort = [[td.get("data-wb-sort") for td in tr.select("td")] for tr in rows]
    assert sort == [
        [None, "0", "1", "1", None, "2", None, None],
        [None, "2", "0", "2", None, "7", None, None],
        [None, "1", "1", "3", None, "6", None, None],
    ]
    values = [[td.get("data-wb-value") for td in tr.select("td")] for tr in rows]
    assert values == [
        [None, "prototype", "overclaimed", None, None, "trust", None, None],
        [None, "production candidate", "not overclaimed", None, None, "none", None, None],
        [None, "mvp", "overclaimed", None, None, "governance", None, None],
    ]


def test_the_verdict_comes_first_in_words_and_figures():
    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    # HAND_WRITTEN: 3 initiatives, alpha and gamma overclaimed; supported: production
    # candidate 1 (beta), mvp 1 (gamma), prototype 1 (alpha); blockers 2 + 1 + 1 = 4;
    # gamma's dossier failed; broken.yaml not assessed.
    assert portfolio.verdict_sentence(p) == (
        "2 of 3 initiatives are labelled above what the evidence supports. "
        "The evidence supports production candidate for 1, mvp for 1 and prototype for 1; "
        "4 conditions are not yet met. 1 dossier failed and 1 record could not be assessed."
    )
    view = p.verdict()
    soup = BeautifulSoup(view.html, "html.parser")
    assert soup.select_one(".wb-verdict-line strong").get_text() == (
        "2 of 3 initiatives are labelled above what the evidence supports."
    )
    # Who must act (test below): Ada Byrne, builders, support owner: 3.
    assert [li.get_text(" ", strip=True) for li in soup.select("ul.wb-glance li")] == [
        "3 initiatives",
        "⚠ 2 overclaimed",
        "4 conditions not yet met",
        "3 people or roles must act",
        "⚠ 1 dossier failed",
        "⚠ 1 record not assessed",
    ]
    # HAND_WRITTEN's as_of and run_id, on the first screen with the answer.
    assert (
        soup.select_one(".wb-verdict .wb-kicker").get_text() == "Assessed as of 2026-11-23, run 5"
    )
    assert view.text.splitlines()[-1] == "Assessed as of 2026-11-23, run 5"
    honest = copy.deepcopy(HAND_WRITTEN)
    honest["initiatives"] = [honest["initiatives"][1]]
    honest["failed"] = []
    assert portfolio.verdict_sentence(portfolio.parse_summary(honest)) == (
        "All 1 initiatives carry a label their evidence supports. The evidence supports "
        "production candidate for 1; 1 condition is not yet met."
    )


def test_who_must_act_sums_up_people_and_roles_across_the_portfolio():
    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    # By hand from HAND_WRITTEN's "who": Ada Byrne is alpha's sponsor (1) and beta's security
    # reviewer as "ada  BYRNE" (1): one person, 2 blockers in 2 initiatives, the name as first
    # written. Builders, named nowhere: alpha's baseline evaluation and gamma's fallback (2).
    # The support owner nobody named: beta (1). Most blockers first, named before unnamed.
    rows = portfolio.who_must_act_rows(p)
    assert [(r.who, r.roles, r.blockers, [(i.id, k) for i, k in r.initiatives]) for r in rows] == [
        ("Ada Byrne", ("sponsor", "security reviewer"), 2, [("alpha", 1), ("beta", 1)]),
        ("builders (not named yet)", ("builders",), 2, [("alpha", 1), ("gamma", 1)]),
        ("support owner (not named yet)", ("support owner",), 1, [("beta", 1)]),
    ]
    view = p.who_must_act()
    assert view.text.splitlines() == [
        "Ada Byrne (sponsor, security reviewer): 2 blockers in alpha (1), beta (1)",
        "builders (not named yet): 2 blockers in alpha (1), gamma (1)",
        "support owner (not named yet): 1 blocker in beta (1)",
    ]
    soup = BeautifulSoup(view.html, "html.parser")
    first = [
        td.get_text(" ", strip=True) for td in soup.select("table.wb-portfolio-who tr")[1]("td")
    ]
    assert first == ["Ada Byrne", "sponsor, security reviewer", "2",
                     "Alpha triage (alpha.html) ×1; Beta search (beta.html) ×1"]  # fmt: skip
    # A blocker a hand-written summary names nobody for is counted, not dropped.
    data = copy.deepcopy(HAND_WRITTEN)
    del data["initiatives"][2]["blockers"][0]["who"]
    rows = portfolio.who_must_act_rows(portfolio.parse_summary(data))
    assert ("not recorded in the summary", 1) in [(r.who, r.blockers) for r in rows]
    assert portfolio.parse_summary(EMPTY).who_must_act().text == "Nobody has to act."


def test_hand_written_summary_charts_and_criteria():
    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    (heat,) = p.gate_heatmap().data
    assert heat["z"] == [[0, 0, 0], [1, 1, 0], [1, 0, 0]]
    gap, claimed, supported = p.stage_chart().data
    # Stage indexes: prototype 0, mvp 1, candidate 2, production 3.
    assert claimed["x"] == [1, 2, 3] and supported["x"] == [0, 2, 1]
    assert gap["x"] == [0, 1, None, 1, 3, None]  # alpha 0->1, gamma 1->3
    assert claimed["y"] == [
        "Alpha triage  ⚠ OVERCLAIMED",
        "Beta search",
        "Gamma drafts  ⚠ OVERCLAIMED",
    ]
    (bar,) = p.blockers_by_area().data
    # trust: alpha's baseline_evaluation + gamma's fallback; ownership 1; governance 1.
    assert dict(zip(bar["y"], bar["x"], strict=True)) == {
        "scope": 0,
        "data": 0,
        "trust (most)": 2,
        "integration": 0,
        "ownership": 1,
        "observability": 0,
        "governance": 1,
    }
    assert p.blockers_by_criterion().text.splitlines() == [
        # one initiative each; ordered by gate (mvp first), then id
        "ownership.business_owner: 1 (alpha)",
        "trust.baseline_evaluation: 1 (alpha)",
        "trust.fallback: 1 (gamma)",
        "governance.security_review: 1 (beta)",
    ]
    assert p.stale_evidence().text == "beta: governance.security_review stale (-)"


def everything(p: portfolio.Portfolio) -> list[View | Chart]:
    return [
        p.overview(),
        p.gate_heatmap(),
        p.stage_chart(),
        p.initiatives_table(),
        p.blockers_by_area(),
        p.blockers_by_criterion(),
        p.expiring_waivers(),
        p.stale_evidence(),
        p.changes_since_previous(),
    ]


def rendered(item: View | Chart) -> str:
    if isinstance(item, View):
        return item._repr_html_()
    return json.dumps(item.to_plotly_json(), ensure_ascii=False)


# --- escaping and links ---------------------------------------------------------------


def test_every_view_and_chart_escapes_a_hostile_name():
    p = portfolio.parse_summary(make_summary(hostile=True))
    shown = everything(p)
    assert [type(x) for x in shown] == [View, Chart, Chart, View, Chart, View, View, View, View]
    for item in shown:
        html = rendered(item)
        assert "<img" not in html, (type(item), html[:300])
    for view in (x for x in shown if isinstance(x, View)):
        soup = BeautifulSoup(view.html, "html.parser")
        assert soup.select("img, script, [onerror]") == []
        assert not any(ln.startswith("second line") for ln in view.text.splitlines())
    # Shown as text, so a reader still sees exactly what the record says.
    table = BeautifulSoup(p.initiatives_table().html, "html.parser")
    assert HOSTILE in table.get_text()
    heat = p.gate_heatmap().data[0]
    assert heat["y"][0] == "&lt;img src=x onerror=alert(1)&gt;"


def test_a_failure_line_stays_one_line():
    p = portfolio.parse_summary(make_summary(hostile=True))
    text = p.initiatives_table().text
    line = next(ln for ln in text.splitlines() if ln.startswith(FAILED_ID))
    assert "failed: " in line and "\\x0asecond line" in line  # errors.one_line spells it
    html = p.initiatives_table().html
    assert "⚠ FAILED: &lt;img" in html and "\\x0asecond line" in html


@pytest.mark.parametrize(
    "dossier",
    [
        "../../etc/passwd",
        "../x.html",
        "javascript:x",
        "javascript:alert(1)//.html",
        "/abs/x.html",
        "sub/x.html",
        "x.html\n",
        "x.htm",
        "x.HTML ",
        ".html",
        ".hidden.html",
        "x y.html",
        "x.html?q=1",
        "https://example.com/x.html",
        42,
        "",
    ],
)
def test_a_dossier_is_only_a_plain_html_file_name(summary, dossier):
    data = copy.deepcopy(summary)
    data["initiatives"][0]["dossier"] = dossier
    with pytest.raises(SummaryError) as exc:
        portfolio.parse_summary(data)
    message = str(exc.value)
    expected = (
        "text; write it in quotes to keep it as text"  # a number where text belongs
        if dossier == 42
        else "a file name like <id>.html, or null"
    )
    assert message.startswith("summary.json: initiatives[0].dossier: got ")
    assert message.endswith(f"(expected {expected})")
    assert "\n" not in message


def test_no_dossier_means_no_link(summary):
    data = copy.deepcopy(summary)
    data["initiatives"][0]["dossier"] = None
    p = portfolio.parse_summary(data)
    first = BeautifulSoup(p.initiatives_table().html, "html.parser").select("tbody tr")[0]
    assert first.select("a") == []
    assert first.select("td")[-1].get_text() == "rendered (no dossier)"


def test_links_are_relative_file_names(pf):
    soup = BeautifulSoup(pf.initiatives_table().html, "html.parser")
    rows = soup.select("tbody tr")
    assert len(rows) == len(pf.initiatives)
    for row, entry in zip(rows, pf.initiatives, strict=True):
        links = [a["href"] for a in row.select("a")]
        assert links == ([f"{entry.id}.html"] if entry.id != FAILED_ID else [])
    assert contract.DOSSIER_NAME.fullmatch("v1.2_final-x.html")


# --- numbers match the summary ---------------------------------------------------------


def test_counts_of_the_example_portfolio(pf):
    # Read off data/examples/README.md's table (claimed; supported on 2026-11-23):
    # claimed    production 2 (claims-triage, invoice-coding); production candidate 4
    #            (support-reply-drafting, field-service-notes, hr-policy-assistant,
    #            kyc-document-check); mvp 3 (contract-clause-extraction, it-ticket-routing,
    #            sales-forecast-narrative); prototype 3 (month-end-variance-commentary,
    #            supplier-risk-summaries, marketing-copy-review).
    # supported  production 1 (claims-triage); production candidate 2 (support-reply-drafting,
    #            field-service-notes); mvp 4 (invoice-coding, hr-policy-assistant,
    #            contract-clause-extraction, month-end-variance-commentary);
    #            prototype 5 (kyc-document-check, sales-forecast-narrative,
    #            supplier-risk-summaries, marketing-copy-review, it-ticket-routing).
    # overclaimed: hr-policy-assistant, invoice-coding, it-ticket-routing (mvp, in use beyond
    # its controlled limits: prototype), kyc-document-check and sales-forecast-narrative;
    # possible shadow production: marketing-copy-review; uncontrolled use: it-ticket-routing.
    # No example cites another's file, and check_paths without a ledger moves no goalposts.
    # make_summary() failed one dossier and has one record not assessed.
    n = portfolio.headline_numbers(pf)
    assert [i.id for i in pf.initiatives if i.overclaimed] == [
        "hr-policy-assistant",
        "invoice-coding",
        "it-ticket-routing",
        "kyc-document-check",
        "sales-forecast-narrative",
    ]
    assert {k: v for k, v in n.items() if k != "blockers"} == {
        "initiatives": 12,
        "overclaimed": 5,
        "shadow_production": 1,
        "uncontrolled_use": 1,
        "goalposts_moved": 0,
        "held_to_pin": 0,
        "pin_not_found": 0,
        "shared_evidence": 0,
        "dossiers_failed": 1,
        "not_assessed": 1,
        "supported_prototype": 5,
        "supported_mvp": 4,
        "supported_production_candidate": 2,
        "supported_production": 1,
        "claimed_prototype": 3,
        "claimed_mvp": 3,
        "claimed_production_candidate": 4,
        "claimed_production": 2,
    }
    text = pf.overview().text
    assert "12 initiatives, as of 2026-11-23, catalogue Default readiness gates" in text
    assert "supported: prototype 5, mvp 4, production_candidate 2, production 1" in text
    assert "uncontrolled use: 1" in text
    assert "possible shadow production: 1" in text
    assert "dossiers failed: 1; not assessed: 1" in text
    assert "NOT ASSESSED data/initiatives/broken.yaml" in text
    html = pf.overview().html
    assert "2026-11-23T12:00:00Z" in html and "(compared with run 2)" in html


def test_initiatives_table_rows(pf, summary):
    soup = BeautifulSoup(pf.initiatives_table().html, "html.parser")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in soup.select("tbody tr")
    ]
    for row, entry in zip(rows, summary["initiatives"], strict=True):
        assert row[0].startswith(entry["name"])
        # Columns: initiative, supported, warnings, claimed, owner, weakest area, ...
        assert row[4] == (entry["owner"] or "not named")
        row = [row[0], row[3], row[1], row[2], *row[5:]]  # initiative, claimed, supported, ...
        assert row[1] == entry["claimed_stage"].replace("_", " ")
        assert row[2] == entry["supported_stage"].replace("_", " ")
        flags = [
            "⚠ OVERCLAIMED" if entry["overclaimed"] else "",
            "⚠ POSSIBLE SHADOW PRODUCTION" if entry["shadow_production"] else "",
            "⚠ UNCONTROLLED USE" if entry["uncontrolled_use"] else "",
        ]
        assert row[3] == (" ".join(f for f in flags if f) or "no")
        assert row[4] == (entry["weakest_area"] or "—")
        assert row[5] == str(len(entry["blockers"]))
    failed = next(
        r for r, e in zip(rows, summary["initiatives"], strict=True) if e["id"] == FAILED_ID
    )
    assert failed[7] == "⚠ FAILED: cell 7 (chapter 'Data and data gaps'): KeyError"
    # The README's story: it-ticket-routing is overclaimed and in use beyond its limits.
    ticket = next(
        r
        for r, e in zip(rows, summary["initiatives"], strict=True)
        if e["id"] == "it-ticket-routing"
    )
    assert ticket[2] == "⚠ OVERCLAIMED ⚠ UNCONTROLLED USE"


def test_heatmap_cells_match_gates(pf, summary):
    (heat,) = pf.gate_heatmap().data
    assert heat["x"] == ["mvp", "production candidate", "production"]
    assert heat["y"] == [i["name"] for i in summary["initiatives"]]
    for zs, texts, entry in zip(heat["z"], heat["text"], summary["initiatives"], strict=True):
        gates = [entry["gates"][g] for g in ("mvp", "production_candidate", "production")]
        assert zs == [int(g) for g in gates]
        assert texts == ["passes" if g else "not yet" for g in gates]
    # Colour follows the label: 0 -> not yet's colour, 1 -> passes' colour.
    scale = heat["colorscale"]
    assert scale[0][1] == portfolio_charts.NOT_YET and scale[-1][1] == portfolio_charts.PASSES
    assert heat["texttemplate"] == "%{text}"


def test_heatmap_keeps_rows_apart_when_names_repeat(summary):
    data = copy.deepcopy(summary)
    data["initiatives"][1]["name"] = data["initiatives"][0]["name"]
    (heat,) = portfolio.parse_summary(data).gate_heatmap().data
    assert len(set(heat["y"])) == len(heat["y"])
    assert heat["y"][0].endswith("(claims-triage)")


def test_stage_chart_marks_overclaimed_rows(pf, summary):
    gap, claimed, supported = pf.stage_chart().data
    over = [i for i in summary["initiatives"] if i["overclaimed"]]
    assert len([y for y in gap["y"] if y is not None]) == 2 * len(over)
    stages = ["prototype", "mvp", "production_candidate", "production"]
    for y, x_c, x_s, entry in zip(
        claimed["y"], claimed["x"], supported["x"], summary["initiatives"], strict=True
    ):
        assert (x_c, x_s) == (
            stages.index(entry["claimed_stage"]),
            stages.index(entry["supported_stage"]),
        )
        assert y.endswith("⚠ OVERCLAIMED") == entry["overclaimed"]
    assert claimed["marker"]["symbol"] != supported["marker"]["symbol"], "not by colour alone"


def test_blockers_by_area_and_by_criterion_agree_with_each_other(pf):
    # Exact counts are pinned on the hand-written summary above; here, on the real
    # portfolio, the three views of the same blockers must tell one story.
    (bar,) = pf.blockers_by_area().data
    totals = dict(zip((y.removesuffix(" (most)") for y in bar["y"]), bar["x"], strict=True))
    most = [y.removesuffix(" (most)") for y in bar["y"] if y.endswith(" (most)")]
    assert most and all(totals[a] == max(totals.values()) for a in most), "named, not coloured"
    assert all(bar["marker"]["color"][list(totals).index(a)] == WEAK for a in most)
    assert sum(totals.values()) == portfolio.headline_numbers(pf)["blockers"]

    soup = BeautifulSoup(pf.blockers_by_criterion().html, "html.parser")
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")]
    counts = [int(r[4]) for r in rows]
    assert counts == sorted(counts, reverse=True), "most widespread first"
    assert all(int(r[4]) == len(r[5].split(", ")) for r in rows), "the count is who is named"
    assert sum(counts) == sum(totals.values()), "every blocker is under one criterion"


# --- waivers, stale evidence, changes --------------------------------------------------


def with_waivers(summary: dict[str, Any], days: list[int]) -> portfolio.Portfolio:
    data = copy.deepcopy(summary)
    for i in data["initiatives"]:
        i["waivers"] = []
    data["initiatives"][0]["waivers"] = [
        {
            "criterion": f"c{d}",
            "approver": "Ann",
            "expires": (AS_OF + dt.timedelta(days=d)).isoformat(),
            "expired": d < 0,
            "superseded": False,
        }
        for d in days
    ]
    return portfolio.parse_summary(data)


def test_expiring_waivers_window_boundaries(summary):
    p = with_waivers(summary, [29, 30, 31, 0, -1, -40])
    view = p.expiring_waivers()
    shown = [ln.split()[2] for ln in view.text.splitlines()]
    assert shown == ["c-40", "c-1", "c0", "c29", "c30"], "31 days is outside the window"
    assert view.text.splitlines()[0].startswith("EXPIRED")
    assert "(30 days left)" in view.text and "(expires today)" in view.text
    html = view.html
    assert "⚠ EXPIRED 40 days ago" in html and "⚠ EXPIRED 1 day ago" in html
    assert "c31" not in html
    assert "c31" in p.expiring_waivers(within_days=31).text
    assert "c30" not in p.expiring_waivers(within_days=29).text
    assert with_waivers(summary, [31]).expiring_waivers().text == (
        "No waiver expires within 30 days of 2026-11-23, and none has expired."
    )


def test_a_renewal_supersedes_the_old_waiver_by_the_models_word():
    # contract-clause-extraction's one waiver (observability.logging_plan) expired on
    # 2026-10-31, 23 days before AS_OF. Renewed on 2026-11-20 until 2027-04-30 (158 days
    # after AS_OF: 7 left in November + 31 + 31 + 28 + 31 + 30; 161 from the grant, within
    # the default 180-day limit), nothing is expired or expiring within 30 days any more,
    # and the model says which waiver counts: the old one is superseded, so it is not
    # expired either (it no longer counts at all).
    record = load_record(EXAMPLES / "contract-clause-extraction.yaml")
    (old,) = record.waivers
    renewal = old.model_copy(
        update={"granted": dt.date(2026, 11, 20), "expires": dt.date(2027, 4, 30)}
    )
    renewed = record.model_copy(update={"waivers": [old, renewal]})
    a = assess(renewed, load_catalogue(), AS_OF, find_evidence(renewed, EXAMPLES))
    entry = contract.initiative(a, path="x.yaml", outcome="rendered", dossier="x.html")
    assert [(w.expires.isoformat(), w.expired, w.superseded) for w in entry.waivers] == [
        ("2026-10-31", False, True),
        ("2027-04-30", False, False),
    ]
    assert {r.criterion: r.status for r in entry.results}["observability.logging_plan"] == (
        "waived"
    )
    data = {**HAND_WRITTEN, "initiatives": [entry.model_dump(mode="json")]}
    assert portfolio.parse_summary(data).expiring_waivers().text == (
        "No waiver expires within 30 days of 2026-11-23, and none has expired."
    )


def test_the_portfolio_follows_the_summarys_superseded_flag_not_the_dates(summary):
    # The model, not the page, decides which waiver counts: mark the LATER one
    # superseded and the page shows the earlier, expired one.
    data = copy.deepcopy(summary)
    for i in data["initiatives"]:
        i["waivers"] = []
    data["initiatives"][0]["waivers"] = [
        {"criterion": "c", "approver": "A", "expires": "2026-10-01", "expired": True,
         "superseded": False},
        {"criterion": "c", "approver": "A", "expires": "2027-06-01", "expired": False,
         "superseded": True},
    ]  # fmt: skip
    text = portfolio.parse_summary(data).expiring_waivers().text
    assert text == "EXPIRED claims-triage c on 2026-10-01"


def test_example_expired_waiver_is_loud(pf):
    view = pf.expiring_waivers()
    assert (
        "EXPIRED contract-clause-extraction observability.logging_plan on 2026-10-31" in view.text
    )
    assert "⚠ EXPIRED 23 days ago" in view.html


def test_stale_evidence_lists_stale_blockers_with_detail(pf, summary):
    expected = [
        (i["id"], b["criterion"], b["detail"])
        for i in summary["initiatives"]
        for b in i["blockers"]
        if b["status"] == "stale"
    ]
    assert expected, "the examples carry stale evidence"
    lines = pf.stale_evidence().text.splitlines()
    assert lines == [f"{i}: {c} stale ({d})" for i, c, d in expected]
    assert pf.stale_evidence().html.count("wb-stale") == len(expected)
    data = copy.deepcopy(summary)
    for i in data["initiatives"]:
        i["blockers"] = [b for b in i["blockers"] if b["status"] != "stale"]
    assert portfolio.parse_summary(data).stale_evidence().text == "No stale evidence."


def test_changes_since_previous_texts(pf, summary):
    view = pf.changes_since_previous()
    assert view.text.splitlines() == [
        "Compared with run 2.",
        "hr-policy-assistant: stage prototype -> mvp",
        "invoice-coding: resolved data.gap_register, trust.thresholds",
        "kyc-document-check: stage mvp -> prototype (down); new trust.fallback; "
        "REGRESSED trust.baseline_evaluation",
    ]
    assert "⚠ mvp -&gt; prototype (down)" in view.html
    assert "prototype -&gt; mvp (down)" not in view.html

    first = copy.deepcopy(summary)
    first["previous_run_id"] = None
    assert portfolio.parse_summary(first).changes_since_previous().text == "No previous run."
    assert "No previous run" in portfolio.parse_summary(first).changes_since_previous().html

    quiet = copy.deepcopy(summary)
    for i in quiet["initiatives"]:
        i["changes"] = NO_CHANGES
    view = portfolio.parse_summary(quiet).changes_since_previous()
    assert view.text == "Nothing changed."
    assert "Nothing changed since run 2." in view.html


# --- reading summaries --------------------------------------------------------------------


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "summary.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_summary_csv_rows_from_the_same_objects():
    rows = list(csv.reader(portfolio.parse_summary(HAND_WRITTEN).summary.to_csv().splitlines()))
    assert rows == [
        ["id", "name", "path", "claimed_stage", "supported_stage", "overclaimed",
         "weakest_area", "blockers", "outcome", "dossier", "error"],
        ["alpha", "Alpha triage", "data/initiatives/alpha.yaml", "mvp", "prototype", "True",
         "trust", "2", "rendered", "alpha.html", ""],
        ["beta", "Beta search", "data/initiatives/beta.yaml", "production_candidate",
         "production_candidate", "False", "", "1", "skipped", "beta.html", ""],
        ["gamma", "Gamma drafts", "data/initiatives/gamma.yaml", "production", "mvp", "True",
         "governance", "1", "failed", "", "cell 3 (chapter 'Trust'): KeyError"],
        ["", "", "data/initiatives/broken.yaml", "", "", "", "", "", "invalid", "",
         "malformed YAML"],
    ]  # fmt: skip


def test_summary_json_round_trips_through_the_contract(tmp_path):
    parsed = portfolio.parse_summary(HAND_WRITTEN).summary
    path = write(tmp_path, parsed.to_json())
    assert json.loads(path.read_text()) == HAND_WRITTEN
    assert portfolio.load_summary(path).summary == parsed


def test_load_summary_round_trip_and_folder(tmp_path, summary):
    path = write(tmp_path, json.dumps(summary))
    p = portfolio.load_summary(path)
    assert p.run_id == 3 and p.previous_run_id == 2 and p.as_of == AS_OF
    assert len(p.initiatives) == 12
    assert portfolio.load_summary(tmp_path).initiatives == p.initiatives, "a folder is read too"


def broken(summary: dict[str, Any], change: str) -> dict[str, Any]:
    data = copy.deepcopy(summary)
    exec(change, {"d": data})
    return data


AREAS_EXPECTED = (
    "(expected one of scope, data, trust, integration, ownership, observability or governance)"
)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("d.pop('initiatives')", "summary.json: initiatives: required field is missing"),
        (
            "d.pop('summary_version')",
            "summary.json: summary_version: missing (expected 3; a summary from another "
            "workbook version: run the batch again)",
        ),
        (
            # Version 1 predates uncontrolled use, goalposts and shared files: a reader
            # showing it would say "none" where nothing was checked; it is refused.
            "d['summary_version'] = 1",
            "summary.json: summary_version: unsupported version 1 (expected 3; a summary from "
            "another workbook version: run the batch again)",
        ),
        (
            # Version 2 predates who must act: read as it is, the portfolio would say
            # nobody has to act where nobody was asked; it is refused the same way.
            "d['summary_version'] = 2",
            "summary.json: summary_version: unsupported version 2 (expected 3; a summary from "
            "another workbook version: run the batch again)",
        ),
        (
            "d['as_of'] = '23/11/2026'",
            "summary.json: as_of: got '23/11/2026' (expected a date YYYY-MM-DD)",
        ),
        (
            "d['as_of'] = '2026-02-30'",
            "summary.json: as_of: got '2026-02-30' (expected a date YYYY-MM-DD)",
        ),
        # The lines come from records.describe_error, as a record's do (one wording).
        ("d['run_id'] = '3'", "summary.json: run_id: got '3' (expected a valid integer)"),
        ("d['run_id'] = True", "summary.json: run_id: got True (expected a valid integer)"),
        (
            "d['initiatives'][2] = 'x'",
            "summary.json: initiatives[2]: got 'x' "
            "(expected a valid dictionary or instance of Initiative)",
        ),
        (
            "d['initiatives'][1]['supported_stage'] = 'beta'",
            "summary.json: initiatives[1].supported_stage: unknown value 'beta' "
            "(expected one of prototype, mvp, production_candidate or production)",
        ),
        (
            "d['initiatives'][0]['overclaimed'] = 'yes'",
            "summary.json: initiatives[0].overclaimed: got 'yes' (expected a valid boolean)",
        ),
        (
            "del d['initiatives'][0]['gates']['mvp']",
            "summary.json: initiatives[0].gates.mvp: required field is missing",
        ),
        (
            "d['initiatives'][0]['gates']['beta'] = True",
            "summary.json: initiatives[0].gates.beta: unknown field "
            "(expected one of mvp, production_candidate, production)",
        ),
        (
            "d['initiatives'][0]['gates']['x\\ny'] = True",
            "summary.json: initiatives[0].gates.x\\x0ay: unknown field "
            "(expected one of mvp, production_candidate, production)",
        ),
        (
            "d['initiatives'][0]['weakest_area'] = '<img src=x onerror=alert(1)>'",
            "summary.json: initiatives[0].weakest_area: unknown value "
            "'<img src=x onerror=alert(1)>' " + AREAS_EXPECTED,
        ),
        (
            "d['initiatives'][0]['id'] = ''",
            "summary.json: initiatives[0].id: got '' "
            "(expected text that should have at least 1 character)",
        ),
        (
            "d['initiatives'][0]['outcome'] = 'ok'",
            "summary.json: initiatives[0].outcome: unknown value 'ok' "
            "(expected one of rendered, skipped, failed or invalid)",
        ),
        (
            "d['initiatives'][1]['id'] = d['initiatives'][0]['id']",
            "summary.json: initiatives[1].id: id 'claims-triage' appears twice",
        ),
        (
            "d['initiatives'][5]['waivers'] = [{'criterion': 'x', 'approver': 'A', "
            "'expires': None, 'expired': False, 'superseded': False}]",
            "summary.json: initiatives[5].waivers[0].expires: no value given",
        ),
        (
            "d['initiatives'][5]['waivers'] = [{'criterion': 'x', 'expires': '2026-12-01'}]",
            "summary.json: initiatives[5].waivers[0].approver: required field is missing "
            "(and 2 more problems)",
        ),
        ("d['failed'] = {}", "summary.json: failed: got dict (expected a valid list)"),
        (
            "d['initiatives'][0]['changes']['down'] = True",
            "summary.json: initiatives[0].changes: down is true for None -> None "
            "(expected true exactly when the stage went down)",
        ),
    ],
)
def test_load_summary_shape_errors_are_one_line(tmp_path, summary, change, expected):
    path = write(tmp_path, json.dumps(broken(summary, change)))
    with pytest.raises(WorkbookError) as exc:
        portfolio.load_summary(path)
    assert str(exc.value).endswith(expected.removeprefix("summary.json"))
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not valid JSON: Expecting value at line 1 column 1"),
        (b"{'a': 1}", "not valid JSON: Expecting property name enclosed in double quotes"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text (expected a JSON file)"),
        (b"[1, 2]", "got an array (expected a JSON object)"),
        (b"null", "got null (expected a JSON object)"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_load_summary_garbage_is_one_line(tmp_path, content, expected):
    path = write(tmp_path, content)
    with pytest.raises(WorkbookError) as exc:
        portfolio.load_summary(path)
    message = str(exc.value)
    assert expected in message and "\n" not in message
    assert message.startswith(one_line(display_path(path)))


def test_load_summary_missing_file_and_empty_folder(tmp_path):
    for path in (tmp_path / "nope.json", tmp_path):
        with pytest.raises(WorkbookError) as exc:
            portfolio.load_summary(path)
        assert "no such file (expected the summary.json a batch run wrote)" in str(exc.value)
        assert "\n" not in str(exc.value)


def test_open_portfolio_parameters(tmp_path, summary):
    path = write(tmp_path, json.dumps(summary))
    assert open_portfolio(str(path), "2026-11-23").run_id == 3
    with pytest.raises(WorkbookError, match=r"^as_of: the summary was assessed as of 2026-11-23"):
        open_portfolio(str(path), "2026-12-01")
    with pytest.raises(WorkbookError, match="summary_path: got int"):
        open_portfolio(3)


# --- the example, the notebook, kernels --------------------------------------------------


def test_example_summary_is_the_real_portfolio_and_deterministic(summary):
    example = example_summary()
    assert example == example_summary()
    assert example.generated_at == "2026-11-23T00:00:00Z"
    assert example.previous_run_id is None and example.failed == []
    keep = ("id", "supported_stage", "blockers", "gates", "waivers", "digest")
    shown = example.model_dump(mode="json")["initiatives"]
    assert [{k: i[k] for k in keep} for i in shown] == [
        {k: i[k] for k in keep} for i in summary["initiatives"]
    ]
    assert example.initiatives[0].path == "data/examples/claims-triage.yaml"
    p = open_portfolio()
    assert p.source == "the example portfolio, assessed in memory"
    assert p.changes_since_previous().text == "No previous run."
    assert "(no dossier)" in p.initiatives_table().html


EMPTY = {**HAND_WRITTEN, "initiatives": [], "failed": []}


def test_charts_are_valid_plotly_figures(pf):
    import plotly.graph_objects as go  # the schema check: plotly validates every key

    empty = portfolio.parse_summary(EMPTY)
    for chart in (
        pf.gate_heatmap(),
        pf.stage_chart(),
        pf.blockers_by_area(),
        empty.gate_heatmap(),
        empty.stage_chart(),
        empty.blockers_by_area(),
    ):
        go.Figure(chart.to_plotly_json())


def test_an_empty_summary_says_so_in_every_view():
    empty = portfolio.parse_summary(EMPTY)
    assert [v.text for v in everything(empty) if isinstance(v, View)][1:] == [
        "No initiatives.",
        "No blockers.",
        "No waiver expires within 30 days of 2026-11-23, and none has expired.",
        "No stale evidence.",
        "Nothing changed.",
    ]
    assert empty.overview().text.splitlines()[:3] == [
        "0 initiatives, as of 2026-11-23, catalogue Hand-written gates",
        "supported: prototype 0, mvp 0, production_candidate 0, production 0",
        "overclaimed: 0; conditions not yet met: 0",
    ]
    for chart in (empty.gate_heatmap(), empty.stage_chart(), empty.blockers_by_area()):
        annotations = chart.layout.get("annotations", [])
        assert chart.data == [] or chart.data[0]["x"] == [0] * 7
        if chart.data == []:
            assert [a["text"] for a in annotations] == ["No initiatives in this summary"]


def test_library_does_not_import_plotly():
    code = (
        "import sys; from workbook.batch.portfolio import open_portfolio; pf = open_portfolio(); "
        "[getattr(pf, m)() for m in ('gate_heatmap', 'stage_chart', 'blockers_by_area')]; "
        "assert 'plotly' not in sys.modules, 'plotly imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")


def test_notebook_is_thin_and_parameterised():
    nb = nbformat.read(REPO / "notebooks" / "portfolio.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert 'summary_path = ""' in params[0].source and 'as_of = ""' in params[0].source
    code = [c for c in nb.cells if c.cell_type == "code" and c is not params[0]]
    assert "open_portfolio(summary_path, as_of)" in code[0].source
    for cell in code[1:]:
        assert len(cell.source.strip().splitlines()) == 1, cell.source
    assert nb.cells[0].source.startswith("# Portfolio readiness")


@pytest.mark.slow
def test_plain_papermill_cli_runs_the_portfolio_notebook(tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps(make_summary(hostile=True)))
    code, stderr, outputs = papermill_cli(
        "notebooks/portfolio.ipynb", tmp_path / "out.ipynb", summary_path=str(summary)
    )
    assert code == 0, stderr[-2000:]
    shown = json.dumps(outputs)
    # What a browser renders (HTML and chart JSON) never holds the raw tag.
    rendered_parts = json.dumps(
        [{k: v for k, v in o.get("data", {}).items() if k != "text/plain"} for o in outputs]
    )
    assert "<img" not in rendered_parts
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert 'href=\\"kyc-document-check.html\\"' in shown
    assert "Compared with run 2." in shown


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_summary_csv_cells_never_start_a_formula(start):
    """OWASP's CSV-injection rule: a cell starting =, +, -, @, tab or CR gets a leading '."""
    data = copy.deepcopy(HAND_WRITTEN)
    data["initiatives"][0]["name"] = f'{start}HYPERLINK("http://evil.example","x")'
    data["failed"][0]["error"] = f"{start}cmd|' /C calc'!A0"
    text = portfolio.parse_summary(data).summary.to_csv()
    rows = list(csv.reader(io.StringIO(text, newline="")))  # a quoted CR stays in its cell
    name, error = rows[1][1], rows[-1][10]
    assert name == f'\'{start}HYPERLINK("http://evil.example","x")'
    assert error == f"'{start}cmd|' /C calc'!A0"
    # Counts and flags stay what they are; only text that starts a formula is quoted.
    assert rows[1][5:8] == ["True", "trust", "2"]


# --- who must act, in the contract ------------------------------------------------------------


def test_the_summary_names_who_must_act_on_each_blocker(summary):
    """Read off data/examples/hr-policy-assistant.yaml and the default catalogue: the business
    owner is "Joanna Pereira, HR Director" (ownership.business_owner, the catalogue's role
    field; the name without its title); scope.user_expectations is the business owner's to
    answer, data.no_open_critical_gap fails on the open critical gap superseded-family-leave,
    whose owner is "Marcus Ellery, Head of Reward and Policy"."""
    by_id = {i["id"]: i for i in summary["initiatives"]}
    hr = by_id["hr-policy-assistant"]
    assert hr["owner"] == "Joanna Pereira"
    assert {b["criterion"]: b["who"] for b in hr["blockers"]} == {
        "scope.user_expectations": [{"role": "business_owner", "name": "Joanna Pereira"}],
        "data.no_open_critical_gap": [{"role": "data_gap_owner", "name": "Marcus Ellery"}],
    }
    # invoice-coding: "Marguerite Lindqvist, Financial Controller" owns it.
    assert by_id["invoice-coding"]["owner"] == "Marguerite Lindqvist"
    # As a run writes it, every blocker names someone (a person, or the role to fill).
    assert all(b["who"] for i in summary["initiatives"] for b in i["blockers"])


def test_the_dossier_and_the_portfolio_name_the_same_people(summary):
    """The dossier's "what to do next" (present.next_steps) and the summary agree."""
    from workbook.present.next_steps import next_steps

    catalogue = load_catalogue()
    for c in check_paths([EXAMPLES], catalogue, AS_OF):
        assert c.assessment is not None
        steps: dict[str, list[dict[str, Any]]] = {}
        for s in next_steps(c.assessment, catalogue.rules):
            steps.setdefault(s.result.criterion.id, []).append(
                {"role": s.actor.role, "name": s.actor.name}
            )
        entry = contract.initiative(c.assessment, path="x.yaml", outcome="skipped")
        assert {b.criterion: [w.model_dump() for w in b.who] for b in entry.blockers} == steps


def test_the_catalogues_roles_decide_who_is_named():
    """A catalogue whose business owner is the record's sponsor field: invoice-coding's
    sponsor is "Henrik Aalto, Chief Financial Officer" (data/examples/invoice-coding.yaml)."""
    import dataclasses

    catalogue = load_catalogue()
    roles = {**catalogue.rules.roles, "business_owner": "sponsor"}
    own = dataclasses.replace(catalogue, rules=catalogue.rules.model_copy(update={"roles": roles}))
    (c,) = check_paths([EXAMPLES / "invoice-coding.yaml"], own, AS_OF)
    assert c.assessment is not None
    entry = contract.initiative(c.assessment, path="x.yaml", outcome="skipped")
    assert entry.owner == "Henrik Aalto"
    named = {w.name for b in entry.blockers for w in b.who if w.role == "business_owner"}
    assert named == {"Henrik Aalto"}


def test_a_thousand_initiatives_are_counted_not_drawn_one_row_each():
    # 1,000 initiatives: initiative i claims STAGES[i % 4] (250 each); it is supported at
    # its claim when i % 10 == 0, else at prototype. By hand: i % 10 == 0 means i even, so
    # i % 4 is 0 (i % 20 == 0: 50 of them, prototype) or 2 (i % 20 == 10: 50, production
    # candidate). So 50 are supported at production candidate, 950 at prototype; 750 claim
    # above prototype, 50 of them honestly: 700 overclaimed; the mvp gate passes 50.
    stages = ("prototype", "mvp", "production_candidate", "production")
    many = []
    for i in range(1000):
        claimed = stages[i % 4]
        supported = claimed if i % 10 == 0 else "prototype"
        gates = {g: stages.index(supported) >= stages.index(g)
                 for g in ("mvp", "production_candidate", "production")}  # fmt: skip
        many.append(hand(f"i{i:04d}", f"Initiative {i}", claimed, supported, gates=gates))
    data = {**copy.deepcopy(HAND_WRITTEN), "initiatives": many, "failed": []}
    p = portfolio.parse_summary(data)
    assert sum(i.overclaimed for i in p.initiatives) == 700
    heat = p.stage_chart()
    (trace,) = heat.data
    assert len(trace["z"]) == 4 and all(len(row) == 4 for row in trace["z"])
    assert sum(map(sum, trace["z"])) == 1000
    # Rows claimed, columns supported (prototype .. production).
    assert trace["z"] == [[250, 0, 0, 0], [250, 0, 0, 0], [200, 0, 50, 0], [250, 0, 0, 0]]
    assert trace["z"][1] == [250, 0, 0, 0]
    assert trace["z"][2] == [200, 0, 50, 0]
    assert "700 overclaimed" in heat.layout["title"]["text"]
    gates = p.gate_heatmap()
    passing, not_yet = gates.data
    assert (
        passing["x"][0] == 50 + 0 and not_yet["x"][0] == 950
    )  # mvp gate: i % 20 == 10, i % 4 == 2
    # Both charts stay within a screen's height, not 30 px per initiative (30,000 px).
    assert heat.layout["height"] <= 500 and gates.layout["height"] <= 500
    # The table still lists every one of them, each once, with its dossier.
    table = BeautifulSoup(p.initiatives_table().html, "html.parser")
    assert len(table.select("table.wb-portfolio tbody tr")) == 1000
    assert {a["href"] for a in table.select("a[href$='.html']")} >= {
        f"i{i:04d}.html" for i in range(1000)
    }


def test_long_lists_on_the_page_name_twelve_and_count_the_rest():
    # 30 initiatives share one blocker, each from the same support owner: the criterion's
    # row and the person's row name 12 of them, then "and 18 more" (30 - 12).
    many = [
        hand(f"i{i:02d}", f"Initiative {i}", "prototype", "prototype",
             blockers=[blocker("ops.runbook", "mvp", "ownership", "stale",
                               who=[("support_owner", "Ana Ruiz")])])
        for i in range(30)
    ]  # fmt: skip
    p = portfolio.parse_summary({**copy.deepcopy(HAND_WRITTEN), "initiatives": many})
    for view in (p.blockers_by_criterion(), p.who_must_act()):
        soup = BeautifulSoup(view.html, "html.parser")
        (row,) = [tr for tr in soup.select("tbody tr") if "Initiative 0" in tr.get_text()]
        assert len(row.select("a[href$='.html']")) == 12
        assert "and 18 more in the table of every initiative" in row.get_text(" ")
    stale = BeautifulSoup(p.stale_evidence().html, "html.parser")
    assert len(stale.select("tbody tr")) == 30  # under the 50 listed: all of them
