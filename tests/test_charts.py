"""Charts carry the assessment's numbers and spell status out."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import AS_OF, findings, full_record, fully_signed, make_record
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.model import thresholds
from workbook.model.assess import assess
from workbook.model.catalogue import parse_catalogue
from workbook.model.criteria import STATUSES
from workbook.present import charts, portfolio, views
from workbook.present.html import STATUS_STYLE


def test_readiness_chart_shows_shares_and_highlights_weakest(default_catalogue):
    record = full_record({"stage": "prototype", "data.sources": [], "data.boundaries.may_use": []})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    (bar,) = charts.readiness_chart(a).data
    assert bar["x"] == [1.0, 0.0, 1.0, 1.0]
    assert bar["y"] == ["scope", "data (weakest)", "trust", "ownership"]
    # scope has five mvp criteria in the default catalogue: workflow, boundaries,
    # demo_conditions, controlled_use and within_controlled_use (templates/gates/default.yaml).
    assert bar["text"] == ["5 of 5 met", "0 of 2 met", "2 of 2 met", "1 of 1 met"]
    assert bar["marker"]["color"] == [charts.STRONG, charts.WEAK, charts.STRONG, charts.STRONG]
    assert bar["textposition"] == ["inside", "outside", "inside", "inside"], (
        "an empty bar still says 0 of 2"
    )


def test_readiness_chart_absent_when_every_gate_passes(default_catalogue):
    signed = fully_signed(default_catalogue)
    assert (
        charts.readiness_chart(assess(signed, default_catalogue, AS_OF, findings(signed))) is None
    )


def test_status_matrix_one_labelled_cell_per_criterion(default_catalogue):
    record = make_record(
        {
            "stage": "mvp",
            "scope.workflow": "Motor claims intake at the regional desk",
            "scope.ai_step": "Suggests a claim category for the adjuster",
        }
    )
    a = assess(record, default_catalogue, AS_OF, findings(record))
    (heat,) = charts.status_matrix(a).data
    assert heat["y"] == [r.criterion.id for r in a.results]
    assert heat["x"] == ["mvp", "production candidate", "production"]
    for row_z, row_text, r in zip(heat["z"], heat["text"], a.results, strict=True):
        # Exactly one cell per row: the column of the gate that first requires it.
        filled = [i for i, z in enumerate(row_z) if z is not None]
        assert filled == [["mvp", "production_candidate", "production"].index(r.criterion.gate)]
        assert row_text[filled[0]] == r.status.replace("_", " ")
    assert heat["text"][0][0] == "met"


def test_status_matrix_values_by_hand(tiny):
    # The tiny catalogue, for a record with: the workflow answered (t.workflow met); an
    # evaluation described but no evaluation evidence (t.eval unverified); an open
    # critical gap (t.gaps missing: a forbidden entry); a valid waiver on the log
    # sample (t.logs waived); no sign-off (t.signoff missing).
    record = make_record(
        {
            "scope.workflow": "Motor claims intake at the regional desk",
            "trust.evaluation": "300 labelled claims scored by two adjusters",
            "waivers": [
                {"criterion": "t.logs", "approver": "CIO", "expires": "2026-12-31",
                 "reason": "pilot on one desk while the log export is being built"}
            ],
            "data.gaps": [
                {"id": "g", "description": "d", "severity": "critical", "owner": "o",
                 "status": "open"}
            ],
        }
    )  # fmt: skip
    (heat,) = charts.status_matrix(assess(record, tiny, AS_OF, findings(record))).data
    # A value is the status's position in the catalogue's list of statuses, which is
    # met 0, unverified 1, missing 2, not_applicable 3, waived 4, ...; columns are the
    # gates mvp, production candidate, production.
    assert STATUSES[:5] == ("met", "unverified", "missing", "not_applicable", "waived")
    expected = {
        "t.workflow": [0, None, None],
        "t.eval": [1, None, None],
        "t.gaps": [None, 2, None],
        "t.logs": [None, 4, None],
        "t.signoff": [None, None, 2],
    }
    assert dict(zip(heat["y"], heat["z"], strict=True)) == expected
    labels = {y: [t for t in row if t] for y, row in zip(heat["y"], heat["text"], strict=True)}
    assert labels == {
        "t.workflow": ["met"],
        "t.eval": ["unverified"],
        "t.gaps": ["missing"],
        "t.logs": ["waived"],
        "t.signoff": ["missing"],
    }


def test_status_matrix_colour_scale_maps_each_status_to_its_colour(default_catalogue):
    record = make_record()
    (heat,) = charts.status_matrix(assess(record, default_catalogue, AS_OF, findings(record))).data
    n = len(STATUSES)
    for i, status in enumerate(STATUSES):
        position = (i - heat["zmin"]) / (heat["zmax"] - heat["zmin"])
        colours = [c for stop, c in heat["colorscale"] if stop <= position]
        assert colours[-1] == STATUS_STYLE[status][1], status
    assert (heat["zmin"], heat["zmax"]) == (-0.5, n - 0.5)


def test_charts_are_valid_plotly_figures(default_catalogue):
    import plotly.graph_objects as go  # the schema check: plotly validates every key

    record = make_record({"stage": "mvp"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    history = charts.stage_history_chart(
        [("2026-11-22", "mvp", "mvp"), ("2026-11-23", "mvp", "mvp")]
    )
    for chart in (charts.readiness_chart(a), charts.status_matrix(a), history):
        go.Figure(chart.to_plotly_json())
        bundle = chart._repr_mimebundle_()
        assert bundle["text/plain"] == chart.title
        assert bundle[charts.PLOTLY_MIME]["data"] == chart.data


def test_plot_text_escapes_markup():
    # Plotly decodes &lt; &gt; &amp; (not &quot;): quotes stay, so they show as typed.
    assert charts.plot_text('<a href="javascript:x">') == '&lt;a href="javascript:x"&gt;'
    assert charts.plot_text("R&D <b>") == "R&amp;D &lt;b&gt;"


#: A catalogue whose question holds markup (a criterion id cannot: the id pattern).
MARKUP_QUESTION = {
    "catalogue_version": 1,
    "name": "Markup",
    "criteria": [
        {"id": "m.workflow", "gate": "mvp", "area": "scope", "kind": "field",
         "fields": ["scope.workflow"], "question": 'Is the <b>workflow</b> "written"?',
         "rationale": "r", "satisfied_by": "s"},
    ],
}  # fmt: skip


def test_a_question_with_markup_is_plotly_text():
    catalogue = parse_catalogue(MARKUP_QUESTION, Path("markup.yaml"))
    record = make_record()
    (heat,) = charts.status_matrix(assess(record, catalogue, AS_OF, findings(record))).data
    # One criterion, in the mvp column; plot_text turns < and > into entities that
    # plotly shows as typed, and leaves quotes (plotly does not decode &quot;).
    assert heat["customdata"] == [['Is the &lt;b&gt;workflow&lt;/b&gt; "written"?', "", ""]]


def test_user_text_in_charts_is_plotly_text(default_catalogue):
    # An evidence file name can hold markup and quotes: it reaches a chart title.
    name = 'eval "<b>final</b>".csv'
    record = make_record(
        {
            "stage": "mvp",
            "trust.evaluation": "e",
            "evidence": [{"kind": "evaluation", "path": name, "date": "2026-11-01"}],
        }
    )
    a = assess(record, default_catalogue, AS_OF, findings(record))
    chart = charts.pass_rate_chart(a)
    assert chart.layout["title"]["text"] == (
        'Evaluation pass rate with 95% intervals (eval "&lt;b&gt;final&lt;/b&gt;".csv)'
    )
    assert chart.title == f"Evaluation pass rate with 95% intervals ({name})", "plain text"


# --- every label readable (issue 14) --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scope", "scope"),
        # 24 characters a line: "human overrides" is 15, with " (planned:" 25: a new line.
        ("human overrides (planned: not logged)", "human overrides<br>(planned: not logged)"),
        # A path breaks after a '/': "evidence/invoice-coding/" is 8 + 1 + 14 + 1 = 24
        # characters, the rest "eval-2026-11-release.csv" 24 again: two lines.
        (
            "evidence/invoice-coding/eval-2026-11-release.csv",
            "evidence/invoice-coding/<br>eval-2026-11-release.csv",
        ),
        # Nowhere to break (no space, '/', '-' or '_'): cut at the 24th character.
        ("x" * 30, "x" * 24 + "<br>" + "x" * 6),
        # ... but never inside an entity: 22 x then "&lt;" would be cut after "&l"; the cut
        # moves before the "&" (22 characters), and "&lt;" plus 4 y (8) is the next line.
        ("x" * 22 + "&lt;" + "y" * 4, "x" * 22 + "<br>&lt;yyyy"),
        # A 200-letter name: 24 + 24 + 24 + 24 shown on 4 lines (MAX_LINES), the last
        # ending in "…"; the hover keeps the whole name.
        ("n" * 200, "<br>".join(["n" * 24] * 3) + "<br>" + "n" * 24 + "…"),
        # Already escaped text: an entity holds no space, '/', '-' or '_', so stays whole.
        ("a &lt;b&gt; c", "a &lt;b&gt; c"),
    ],
)
def test_long_labels_wrap_at_word_boundaries(text, expected):
    assert charts.wrap(text) == expected


def test_category_ticks_wrap_while_the_data_keep_whole_labels(default_catalogue):
    record = make_record({"stage": "mvp"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    chart = charts.status_matrix(a)
    (heat,) = chart.data
    assert heat["x"] == ["mvp", "production candidate", "production"]
    # 12 characters a line: "production candidate" (20) on two lines, "production" (10) on one.
    assert chart.layout["xaxis"]["ticktext"] == ["mvp", "production<br>candidate", "production"]
    # Every criterion named, one tick per row: plotly thins out the labels of a tall matrix.
    assert chart.layout["yaxis"]["tickvals"] == heat["y"] == [r.criterion.id for r in a.results]
    for axis in ("xaxis", "yaxis"):
        assert chart.layout[axis]["automargin"] is True, "labels push the margins"


def test_a_row_holds_its_label_with_most_lines():
    # Three lines of 17 px plus 6 px between labels: 57; one line keeps the least, 30.
    three = "Supplier risk summaries for category managers ⚠ OVERCLAIMED"
    assert charts.wrap(three).count("<br>") == 2
    assert charts.row_height([three, "Beta"], 30) == 57
    assert charts.row_height(["Beta"], 30) == 30


def test_notes_stand_above_the_plot_one_a_line():
    layout = charts._layout("t", 300, notes=2, annotations=charts._notes([{"text": "a"}, {}]))
    # The top margin holds the title's line and both notes: 10 + 23 + 14 + 2 x 17 = 81;
    # the chart grows by the notes' 34 px so the plot keeps its height.
    assert layout["margin"]["t"] == 81 and layout["height"] == 334
    first, second = layout["annotations"]
    assert (first["y"], first["yanchor"], first["yref"]) == (1, "bottom", "paper")
    assert (first["yshift"], second["yshift"]) == (19, 2), "the first note on top"
    assert first["xanchor"] == second["xanchor"] == "right"


def test_stage_axis_is_categorical_and_one_pinned_date_stays_a_date():
    # Two assessments as of one date: alone, plotly zooms into milliseconds.
    points = [("2026-11-23", "prototype", "mvp"), ("2026-11-23", "mvp", "mvp")]
    chart = charts.stage_history_chart(points)
    (supported, claimed) = chart.data
    assert supported["y"] == ["prototype", "mvp"] and claimed["y"] == ["mvp", "mvp"]
    y, x = chart.layout["yaxis"], chart.layout["xaxis"]
    assert (y["type"], y["categoryarray"]) == (
        "category", ["prototype", "mvp", "production candidate", "production"]
    )  # fmt: skip
    assert x["type"] == "date" and x["tickformat"] == "%Y-%m-%d"
    # A day either side: 2 days, one tick a day (86,400,000 ms).
    assert x["range"] == ["2026-11-22", "2026-11-24"] and x["dtick"] == 86_400_000


def test_date_ticks_are_whole_days_at_most_four():
    # 2026-10-31 to 2026-11-24 (a day beyond each point) is 24 days: a tick every
    # ceil(24 / 4) = 6 days, 6 x 86,400,000 = 518,400,000 ms.
    x = charts.date_axis(["2026-11-01", "2026-11-23"])
    assert x["range"] == ["2026-10-31", "2026-11-24"]
    assert (x["tick0"], x["dtick"]) == ("2026-10-31", 518_400_000)


def test_a_failed_expectation_says_how_many_rows_in_a_few_words(default_catalogue):
    # 4 rows, one with a supplier outside the allowed values; a missing column counts none.
    measured = ExtractMeasures(4, ("id", "supplier"), (
        Check("allowed values", "supplier", False, "1 of 4 values outside a, c, d", rows=1),
        Check("required", "owner", False, "no such column"),
        Check("required", "id", True, "present"),
    ))  # fmt: skip
    record = make_record(
        {"stage": "mvp", "evidence": [{"kind": "data_extract", "path": "x.csv",
                                       "date": "2026-11-01"}]}
    )  # fmt: skip
    a = assess(
        record, default_catalogue, AS_OF, findings(record, measured={"data_extract": measured})
    )
    (bar,) = charts.expectations_chart(a).data
    assert bar["y"] == ["supplier: allowed values", "owner: required", "id: required"]
    assert bar["text"] == ["✗ gap: 1 of 4 rows", "✗ gap", "✓ met"]
    # 3 of 4 rows kept, 0.75: a long bar holds its text; the missing column's empty bar
    # has it beside.
    assert bar["x"] == [0.75, 0.0, 1.0]
    assert bar["textposition"] == ["inside", "outside", "inside"]
    assert bar["customdata"][1] == "no such column", "the detail is in the hover"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1500.0, "1,500"), (1500, "1,500"), (2.5, "2.5"), (1234567.25, "1,234,567.25"), (None, None)],
)
def test_limits_read_as_people_write_them(value, expected):
    assert thresholds.figure(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    # 0.85 x 100 is 85.00000000000001 in binary floating point: still "85%".
    [(0.02, "2%"), (0.0125, "1.25%"), (0.85, "85%"), (1.0, "100%"), (None, None)],
)
def test_shares_read_as_percentages(value, expected):
    assert thresholds.percent(value) == expected


def test_the_record_table_shows_its_thresholds_for_people():
    record = make_record(
        {
            "trust.thresholds.latency_p95_ms": 1500.0,
            "trust.thresholds.error_rate": 0.02,
            "trust.thresholds.quality_pass_rate": 0.85,
        }
    )
    cells = BeautifulSoup(views.trust_record(record).html, "html.parser")
    shown = {tr.th.get_text(): tr.td.get_text() for tr in cells.select("tr")}
    assert shown["Latency p95 at most (ms)"] == "1,500"
    assert shown["Error rate at most"] == "2%"
    assert shown["Quality pass rate at least"] == "85%"


def test_portfolio_charts_wrap_stage_names_and_keep_bar_text_inside_the_chart():
    from test_portfolio import HAND_WRITTEN

    p = portfolio.parse_summary(copy.deepcopy(HAND_WRITTEN))
    # 12 characters a line: "production candidate" (20) breaks at its space.
    wrapped = ["mvp", "production<br>candidate", "production"]
    assert p.gate_heatmap().layout["xaxis"]["ticktext"] == wrapped
    assert p.stage_chart().layout["xaxis"]["ticktext"] == ["prototype", *wrapped]
    blockers = p.blockers_by_area()
    (bar,) = blockers.data
    # trust has the most blockers (2, see test_portfolio): more than half the longest bar
    # holds its text; ownership and governance (1 each) and the empty areas have it beside.
    where = dict(zip(bar["y"], bar["textposition"], strict=True))
    assert where == {
        "scope": "outside", "data": "outside", "trust (most)": "inside",
        "integration": "outside", "ownership": "outside", "observability": "outside",
        "governance": "outside",
    }  # fmt: skip
    assert blockers.layout["xaxis"]["range"] == [0, pytest.approx(2.2)]
