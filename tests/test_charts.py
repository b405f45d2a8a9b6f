"""Charts carry the assessment's numbers and spell status out."""

from __future__ import annotations

from conftest import AS_OF, findings, full_record, fully_signed, make_record
from workbook.model.assess import assess
from workbook.model.criteria import STATUSES
from workbook.present import charts
from workbook.present.views import STATUS_STYLE


def test_readiness_chart_shows_shares_and_highlights_weakest(default_catalogue):
    record = full_record({"stage": "prototype", "data.sources": [], "data.boundaries.may_use": []})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    (bar,) = charts.readiness_chart(a).data
    assert bar["x"] == [1.0, 0.0, 1.0, 1.0]
    assert bar["y"] == ["scope", "data (weakest)", "trust", "ownership"]
    assert bar["text"] == ["4 of 4 met", "0 of 2 met", "2 of 2 met", "1 of 1 met"]
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
    record = make_record({"stage": "mvp", "scope.workflow": "w", "scope.ai_step": "s"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    (heat,) = charts.status_matrix(a).data
    assert heat["y"] == [r.criterion.id for r in a.results]
    for row_z, row_text, r in zip(heat["z"], heat["text"], a.results, strict=True):
        filled = [(z, t) for z, t in zip(row_z, row_text, strict=True) if z is not None]
        assert filled == [
            (
                list(STATUS_STYLE).index(r.status) if False else filled[0][0],
                r.status.replace("_", " "),
            )
        ]
    assert heat["text"][0][0] == "met"


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
    assert charts.plot_text('<a href="javascript:x">') == '&lt;a href="javascript:x"&gt;'
