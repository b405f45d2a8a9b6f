"""Charts carry the assessment's numbers and spell status out."""

from __future__ import annotations

from pathlib import Path

from conftest import AS_OF, findings, full_record, fully_signed, make_record
from workbook.model.assess import assess
from workbook.model.catalogue import parse_catalogue
from workbook.model.criteria import STATUSES
from workbook.present import charts
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
    for chart in (charts.readiness_chart(a), charts.status_matrix(a)):
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
