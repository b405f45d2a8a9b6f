"""Portfolio dossier: a batch summary read lightly, shown escaped, counted honestly."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import AS_OF, EXAMPLES, REPO, papermill_cli
from workbook.errors import WorkbookError
from workbook.model.catalogue import load_catalogue
from workbook.pipeline import check_paths
from workbook.present import portfolio
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
        a = c.assessment.to_dict()
        initiatives.append(
            {
                **a,
                "path": f"data/examples/{c.path.name}",
                "dossier": f"{a['id']}.html",
                "outcome": "rendered",
                "error": None,
                "changes": {
                    "new_blockers": [],
                    "resolved": [],
                    "regressions": [],
                    "stage_change": None,
                },
            }
        )
    by_id = {i["id"]: i for i in initiatives}
    failed = by_id[FAILED_ID]
    failed.update(
        dossier=None, outcome="failed", error="cell 7 (chapter 'Data and data gaps'): KeyError"
    )
    by_id["kyc-document-check"]["changes"].update(
        new_blockers=["trust.fallback"],
        regressions=["trust.baseline_evaluation"],
        stage_change="mvp -> prototype",
    )
    by_id["invoice-coding"]["changes"]["resolved"] = ["data.gap_register", "trust.thresholds"]
    by_id["hr-policy-assistant"]["changes"]["stage_change"] = "prototype -> mvp"
    summary = {
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
        first["weakest_area"] = HOSTILE
        first["changes"].update(
            new_blockers=[HOSTILE], resolved=[HOSTILE], regressions=[HOSTILE], stage_change=HOSTILE
        )
        first["waivers"] = [
            {"criterion": HOSTILE, "approver": HOSTILE, "expires": "2026-11-30", "expired": False}
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
    assert "failed: " in line and "\\u000asecond line" in line
    html = p.initiatives_table().html
    assert "⚠ FAILED: &lt;img" in html and "\\u000asecond line" in html


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
        None,
        "",
    ],
)
def test_only_plain_html_file_names_become_links(summary, dossier):
    data = copy.deepcopy(summary)
    data["initiatives"][0]["dossier"] = dossier
    p = portfolio.parse_summary(data)
    assert portfolio.dossier_link(dossier) is None
    for view in (p.initiatives_table(), p.blockers_by_criterion(), p.changes_since_previous()):
        soup = BeautifulSoup(view.html, "html.parser")
        hrefs = {a["href"] for a in soup.select("a")}
        assert all(portfolio.DOSSIER_NAME.fullmatch(h) for h in hrefs), hrefs
        assert str(dossier) not in hrefs
    first = BeautifulSoup(p.initiatives_table().html, "html.parser").select("tbody tr")[0]
    assert first.select("a") == []
    assert "(no dossier)" in first.get_text()


def test_links_are_relative_file_names(pf):
    soup = BeautifulSoup(pf.initiatives_table().html, "html.parser")
    rows = soup.select("tbody tr")
    assert len(rows) == len(pf.initiatives)
    for row, entry in zip(rows, pf.initiatives, strict=True):
        links = [a["href"] for a in row.select("a")]
        assert links == ([f"{entry['id']}.html"] if entry["id"] != FAILED_ID else [])
    assert portfolio.dossier_link("kyc-document-check.html") == "kyc-document-check.html"
    assert portfolio.dossier_link("v1.2_final-x.html") == "v1.2_final-x.html"


# --- numbers match the summary ---------------------------------------------------------


def test_counts_match_the_summary(pf, summary):
    n = portfolio.headline_numbers(pf)
    ins = summary["initiatives"]
    assert n["initiatives"] == len(ins) == 12
    assert n["overclaimed"] == sum(i["overclaimed"] for i in ins) == 4
    assert n["blockers"] == sum(len(i["blockers"]) for i in ins)
    assert n["dossiers_failed"] == 1
    assert n["not_assessed"] == 1
    for stage in ("prototype", "mvp", "production_candidate", "production"):
        assert n[f"supported_{stage}"] == sum(i["supported_stage"] == stage for i in ins)
        assert n[f"claimed_{stage}"] == sum(i["claimed_stage"] == stage for i in ins)
    text = pf.overview().text
    assert f"{len(ins)} initiatives, as of 2026-11-23, catalogue Default readiness gates" in text
    assert f"overclaimed: 4; conditions not yet met: {n['blockers']}" in text
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
        assert row[1] == entry["claimed_stage"].replace("_", " ")
        assert row[2] == entry["supported_stage"].replace("_", " ")
        flags = [
            "⚠ OVERCLAIMED" if entry["overclaimed"] else "",
            "⚠ POSSIBLE SHADOW PRODUCTION" if entry["shadow_production"] else "",
        ]
        assert row[3] == (" ".join(f for f in flags if f) or "no")
        assert row[4] == (entry["weakest_area"] or "—")
        assert row[5] == str(len(entry["blockers"]))
    failed = next(
        r for r, e in zip(rows, summary["initiatives"], strict=True) if e["id"] == FAILED_ID
    )
    assert failed[6] == "⚠ FAILED: cell 7 (chapter 'Data and data gaps'): KeyError"


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
    assert scale[0][1] == portfolio.NOT_YET and scale[-1][1] == portfolio.PASSES
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


def test_blockers_by_area_and_by_criterion(pf, summary):
    (bar,) = pf.blockers_by_area().data
    totals = dict(zip((y.removesuffix(" (most)") for y in bar["y"]), bar["x"], strict=True))
    assert [y for y in bar["y"] if y.endswith(" (most)")] == ["trust (most)"], (
        "named, not only coloured"
    )
    assert bar["marker"]["color"][list(totals).index("trust")] == WEAK
    for area, count in totals.items():
        assert count == sum(
            b["area"] == area for i in summary["initiatives"] for b in i["blockers"]
        )
    assert sum(totals.values()) == portfolio.headline_numbers(pf)["blockers"]
    assert all(
        t.split(" in ")[0] == str(totals[a]) for a, t in zip(totals, bar["text"], strict=True)
    )

    soup = BeautifulSoup(pf.blockers_by_criterion().html, "html.parser")
    rows = {tr.select("td")[0].get_text(): tr for tr in soup.select("tbody tr")}
    holders = {}
    for i in summary["initiatives"]:
        for b in i["blockers"]:
            holders.setdefault(b["criterion"], []).append(i["name"])
    assert set(rows) == set(holders)
    for criterion, names in holders.items():
        cells = [td.get_text() for td in rows[criterion].select("td")]
        assert cells[4] == str(len(names))
        assert cells[5] == ", ".join(names)
    counts = [int(tr.select("td")[4].get_text()) for tr in soup.select("tbody tr")]
    assert counts == sorted(counts, reverse=True)


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


def test_expiring_waivers_nothing_and_renewals(summary):
    p = with_waivers(summary, [31])
    assert p.expiring_waivers().text == (
        "No waiver expires within 30 days of 2026-11-23, and none has expired."
    )
    data = copy.deepcopy(summary)
    for i in data["initiatives"]:
        i["waivers"] = []
    data["initiatives"][0]["waivers"] = [
        {"criterion": "c", "approver": "A", "expires": "2026-10-01", "expired": True},
        {"criterion": "c", "approver": "A", "expires": "2027-06-01", "expired": False},
    ]
    renewed = portfolio.parse_summary(data).expiring_waivers()
    assert "EXPIRED" not in renewed.text, "a renewal supersedes the old waiver"


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
        "kyc-document-check: stage mvp -> prototype; new trust.fallback; "
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
        i["changes"] = None if i["id"] == "claims-triage" else {"new_blockers": []}
    view = portfolio.parse_summary(quiet).changes_since_previous()
    assert view.text == "Nothing changed."
    assert "Nothing changed since run 2." in view.html


# --- reading summaries --------------------------------------------------------------------


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "summary.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


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


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("d.pop('initiatives')", "summary.json: initiatives: got null (expected a JSON array)"),
        (
            "d['as_of'] = '23/11/2026'",
            "summary.json: as_of: got '23/11/2026' (expected a date YYYY-MM-DD)",
        ),
        (
            "d['as_of'] = '2026-02-30'",
            "summary.json: as_of: got '2026-02-30' (expected a date YYYY-MM-DD)",
        ),
        ("d['run_id'] = '3'", "summary.json: run_id: got str (expected an integer or null)"),
        (
            "d['initiatives'][2] = 'x'",
            "summary.json: initiatives[2]: got str (expected a JSON object)",
        ),
        (
            "d['initiatives'][1]['supported_stage'] = 'beta'",
            "summary.json: initiatives[1].supported_stage: got 'beta' "
            "(expected prototype | mvp | production_candidate | production)",
        ),
        (
            "del d['initiatives'][0]['gates']['mvp']",
            "summary.json: initiatives[0].gates.mvp: got null (expected true or false)",
        ),
        (
            "d['initiatives'][0]['id'] = ''",
            "summary.json: initiatives[0].id: got str (expected a non-empty string)",
        ),
        (
            "d['initiatives'][0]['outcome'] = 'ok'",
            "summary.json: initiatives[0].outcome: got 'ok' (expected rendered | skipped | failed | invalid)",
        ),
        (
            "d['initiatives'][1]['id'] = d['initiatives'][0]['id']",
            "summary.json: initiatives[1].id: id 'claims-triage' appears twice",
        ),
        (
            "d['initiatives'][5]['waivers'] = [{'criterion': 'x', 'expires': None}]",
            "summary.json: initiatives[5].waivers[0].expires: got None (expected a date YYYY-MM-DD)",
        ),
        ("d['failed'] = {}", "summary.json: failed: got dict (expected a JSON array)"),
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
        (b"[1, 2]", "got a JSON list (expected a JSON object)"),
        (b"null", "got a JSON null (expected a JSON object)"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_load_summary_garbage_is_one_line(tmp_path, content, expected):
    path = write(tmp_path, content)
    with pytest.raises(WorkbookError) as exc:
        portfolio.load_summary(path)
    message = str(exc.value)
    assert expected in message and "\n" not in message
    assert message.startswith(portfolio.one_line(portfolio.display_path(path)))


def test_load_summary_missing_file_and_empty_folder(tmp_path):
    for path in (tmp_path / "nope.json", tmp_path):
        with pytest.raises(WorkbookError) as exc:
            portfolio.load_summary(path)
        assert "no such file (expected the summary.json a batch run wrote)" in str(exc.value)
        assert "\n" not in str(exc.value)


def test_open_portfolio_parameters(tmp_path, summary):
    path = write(tmp_path, json.dumps(summary))
    assert portfolio.open_portfolio(str(path), "2026-11-23").run_id == 3
    with pytest.raises(WorkbookError, match=r"^as_of: the summary was assessed as of 2026-11-23"):
        portfolio.open_portfolio(str(path), "2026-12-01")
    with pytest.raises(WorkbookError, match="summary_path: got int"):
        portfolio.open_portfolio(3)


# --- the example, the notebook, kernels --------------------------------------------------


def test_example_summary_is_the_real_portfolio_and_deterministic(summary):
    example = portfolio.example_summary()
    assert example == portfolio.example_summary()
    assert example["generated_at"] == "2026-11-23T00:00:00Z"
    assert example["previous_run_id"] is None and example["failed"] == []
    keep = ("id", "supported_stage", "blockers", "gates", "waivers", "digest")
    assert [{k: i[k] for k in keep} for i in example["initiatives"]] == [
        {k: i[k] for k in keep} for i in summary["initiatives"]
    ]
    assert example["initiatives"][0]["path"] == "data/examples/claims-triage.yaml"
    p = portfolio.open_portfolio()
    assert p.source == "the example portfolio, assessed in memory"
    assert p.changes_since_previous().text == "No previous run."
    assert "(no dossier)" in p.initiatives_table().html


def test_charts_are_valid_plotly_figures(pf):
    import plotly.graph_objects as go  # the schema check: plotly validates every key

    empty = portfolio.parse_summary({"as_of": "2026-11-23", "initiatives": []})
    for chart in (
        pf.gate_heatmap(),
        pf.stage_chart(),
        pf.blockers_by_area(),
        empty.gate_heatmap(),
        empty.stage_chart(),
        empty.blockers_by_area(),
    ):
        go.Figure(chart.to_plotly_json())
    for view in everything(empty):
        assert rendered(view)


def test_library_does_not_import_plotly():
    code = (
        "import sys; from workbook.present.portfolio import open_portfolio; pf = open_portfolio(); "
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
