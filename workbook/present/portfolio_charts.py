"""The portfolio page's charts: gates passed, claimed against supported, blockers by area.

Each takes the portfolio (``present/portfolio.py``) and returns a plotly figure; chart
text goes through ``plot_text``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from workbook.model.assess import stage_label
from workbook.model.criteria import GATES
from workbook.model.records import AREAS, STAGES
from workbook.present.charts import STRONG, WEAK, Chart, _layout, row_height, wrapped_ticks
from workbook.present.html import LOUD, PLOT_BREAK, PLOT_NO_TRACE_BOX, STATUS_STYLE, plot_text

if TYPE_CHECKING:
    from workbook.present.portfolio import Portfolio

#: Gate cells of the heatmap (Okabe-Ito, as the status badges).
PASSES, NOT_YET = STATUS_STYLE["met"][1], STATUS_STYLE["missing"][1]
#: Above this many initiatives a row per initiative is no longer read (a chart thousands
#: of rows tall): the charts count instead, and the searchable table lists each one.
MANY = 40


def _labels(p: Portfolio) -> list[str]:
    """Plot labels: escaped names, with the id where two initiatives share a name."""
    names = Counter(i.name for i in p.initiatives)
    return [
        plot_text(i.name if names[i.name] == 1 else f"{i.name} ({i.id})") for i in p.initiatives
    ]


def _rows(labels: list[str]) -> dict[str, Any]:
    """A category axis listing rows top to bottom in the given order, every label wrapped."""
    return {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": labels,
        "autorange": "reversed",
        **wrapped_ticks(labels),
    }


#: The stage names as column labels, "production candidate" on two lines: the columns
#: share a phone's width with the initiatives' names.
STAGE_WIDTH = 12


def _empty_note(title: str, height: int = 160) -> dict[str, Any]:
    layout = _layout(title, height, xaxis={"visible": False}, yaxis={"visible": False})
    layout["annotations"] = [
        {"text": "No initiatives in this summary", "showarrow": False, "x": 0.5, "y": 0.5,
         "xref": "paper", "yref": "paper"}
    ]  # fmt: skip
    return layout


def gate_heatmap(p: Portfolio) -> Chart:
    """Initiatives against gates; every cell says "passes" or "not yet"."""
    title = "Gates each initiative passes"
    if not p.initiatives:
        return Chart([], _empty_note(title))
    if len(p.initiatives) > MANY:
        return _gates_counted(p)
    passes = [[getattr(i.gates, g) for g in GATES] for i in p.initiatives]
    heat: dict[str, Any] = {
        "type": "heatmap",
        "z": [[int(x) for x in row] for row in passes],
        "x": [stage_label(g) for g in GATES],
        "y": _labels(p),
        "text": [["passes" if x else "not yet" for x in row] for row in passes],
        "texttemplate": "%{text}",
        "textfont": {"color": "#ffffff"},
        "colorscale": [[0, NOT_YET], [0.5, NOT_YET], [0.5, PASSES], [1, PASSES]],
        "zmin": 0,
        "zmax": 1,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y}, %{x} gate: %{text}" + PLOT_NO_TRACE_BOX,
    }
    layout = _layout(
        title,
        120 + row_height(heat["y"], 30) * len(p.initiatives),
        xaxis={"side": "top", "type": "category", **wrapped_ticks(heat["x"], STAGE_WIDTH)},
        yaxis=_rows(heat["y"]),
    )
    return Chart([heat], layout)


def stage_chart(p: Portfolio) -> Chart:
    """Claimed (open circle) and supported (filled diamond) stage per initiative.

    An overclaimed row is joined by a thick line and says OVERCLAIMED in its label.
    """
    title = "Claimed stage against the stage the evidence supports"
    if not p.initiatives:
        return Chart([], _empty_note(title))
    if len(p.initiatives) > MANY:
        return _stages_counted(p)
    labels = [
        label + ("  ⚠ OVERCLAIMED" if i.overclaimed else "")
        for label, i in zip(_labels(p), p.initiatives, strict=True)
    ]
    claimed = [STAGES.index(i.claimed_stage) for i in p.initiatives]
    supported = [STAGES.index(i.supported_stage) for i in p.initiatives]
    gap_x: list[int | None] = []
    gap_y: list[str | None] = []
    for label, i, c, s in zip(labels, p.initiatives, claimed, supported, strict=True):
        if i.overclaimed:
            gap_x += [s, c, None]
            gap_y += [label, label, None]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter", "mode": "lines", "x": gap_x, "y": gap_y,
            "name": "overclaimed: the label is above the evidence",
            "line": {"color": LOUD, "width": 4}, "hoverinfo": "skip",
        },
        {
            "type": "scatter", "mode": "markers", "x": claimed, "y": labels,
            "name": "claimed stage",
            "marker": {"symbol": "circle-open", "size": 16, "line": {"width": 3},
                       "color": [LOUD if i.overclaimed else STRONG for i in p.initiatives]},
            "text": [stage_label(i.claimed_stage) for i in p.initiatives],
            "hovertemplate": "%{y}: claims %{text}" + PLOT_NO_TRACE_BOX,
        },
        {
            "type": "scatter", "mode": "markers", "x": supported, "y": labels,
            "name": "stage the evidence supports",
            "marker": {"symbol": "diamond", "size": 11, "color": "#000000"},
            "text": [stage_label(i.supported_stage) for i in p.initiatives],
            "hovertemplate": "%{y}: the evidence supports %{text}" + PLOT_NO_TRACE_BOX,
        },
    ]  # fmt: skip
    layout = _layout(
        title,
        160 + row_height(labels, 30) * len(p.initiatives),
        xaxis={**wrapped_ticks([stage_label(s) for s in STAGES], STAGE_WIDTH),
               "tickvals": list(range(len(STAGES))),
               "range": [-0.4, len(STAGES) - 0.6], "side": "top", "gridcolor": "#E5ECF6",
               "zeroline": False},
        yaxis=_rows(labels),
        legend={"orientation": "h", "y": -0.05, "yanchor": "top"},
    )  # fmt: skip
    return Chart(traces, layout)


def _gates_counted(p: Portfolio) -> Chart:
    """Per gate, how many initiatives pass it and how many do not yet (a large portfolio)."""
    n = len(p.initiatives)
    labels = [stage_label(g) for g in GATES]
    passing = [sum(bool(getattr(i.gates, g)) for i in p.initiatives) for g in GATES]
    traces = [
        {"type": "bar", "orientation": "h", "y": labels, "x": passing, "name": "passes",
         "marker": {"color": PASSES}, "text": passing, "textposition": "inside",
         "hovertemplate": "%{y} gate: %{x} pass" + PLOT_NO_TRACE_BOX},
        {"type": "bar", "orientation": "h", "y": labels, "x": [n - k for k in passing],
         "name": "not yet", "marker": {"color": NOT_YET},
         "text": [n - k for k in passing], "textposition": "inside",
         "hovertemplate": "%{y} gate: %{x} not yet" + PLOT_NO_TRACE_BOX},
    ]  # fmt: skip
    layout = _layout(
        f"Gates passed, across {n:,} initiatives (each one is in the table below)",
        260,
        barmode="stack",
        yaxis={**_rows(labels), **wrapped_ticks(labels, STAGE_WIDTH)},
        xaxis={"title": {"text": "initiatives"}, "range": [0, n]},
        legend={"orientation": "h", "y": -0.2, "yanchor": "top"},
    )
    return Chart(traces, layout)


def _stages_counted(p: Portfolio) -> Chart:
    """Initiatives by claimed stage (rows) and supported stage (columns): a large portfolio.

    Cells above the diagonal (claimed beyond the evidence) are the overclaimed labels.
    """
    n = len(p.initiatives)
    counts: Counter[tuple[str, str]] = Counter(
        (i.claimed_stage, i.supported_stage) for i in p.initiatives
    )
    z = [[counts[(c, s)] for s in STAGES] for c in STAGES]
    over = [[STAGES.index(s) < STAGES.index(c) for s in STAGES] for c in STAGES]
    labels = [stage_label(s) for s in STAGES]
    text = [
        [f"{k:,}" + (" ⚠" if k and o else "") for k, o in zip(row, flags, strict=True)]
        for row, flags in zip(z, over, strict=True)
    ]
    heat = {
        "type": "heatmap", "z": z, "x": labels, "y": labels, "text": text,
        "texttemplate": "%{text}", "colorscale": [[0, "#FFFFFF"], [1, STRONG]],
        "showscale": False, "xgap": 2, "ygap": 2,
        "hovertemplate": "claims %{y}, supported %{x}: %{z}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    overclaimed = sum(i.overclaimed for i in p.initiatives)
    layout = _layout(
        f"Claimed (rows) against supported stage (columns), {n:,} initiatives: "
        f"{overclaimed:,} overclaimed (⚠, above the diagonal)",
        360,
        xaxis={"side": "top", "type": "category", **wrapped_ticks(labels, STAGE_WIDTH)},
        yaxis={**_rows(labels), **wrapped_ticks(labels, STAGE_WIDTH)},
    )
    return Chart([heat], layout)


def blockers_by_area(p: Portfolio) -> Chart:
    """Conditions not yet met across the portfolio, per area; the largest stands out."""
    title = "Conditions not yet met across the portfolio, by area"
    count: Counter[str] = Counter()
    where: dict[str, set[str]] = {a: set() for a in AREAS}
    by_gate: dict[str, Counter[str]] = {a: Counter() for a in AREAS}
    for i in p.initiatives:
        for b in i.blockers:
            count[b.area] += 1
            where[b.area].add(i.id)
            by_gate[b.area][b.gate] += 1
    top = max(count.values(), default=0)
    # The area holding back most is named so, not only coloured.
    areas = [a + (" (most)" if top and count[a] == top else "") for a in AREAS]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": [count[a] for a in AREAS],
        "y": areas,
        "marker": {"color": [WEAK if top and count[a] == top else STRONG for a in AREAS]},
        "text": [
            f"{count[a]} in {len(where[a])} initiative{'s' if len(where[a]) != 1 else ''}"
            for a in AREAS
        ],
        "customdata": [
            ", ".join(f"{stage_label(g)} {by_gate[a][g]}" for g in GATES if by_gate[a][g]) or "none"
            for a in AREAS
        ],
        # A long bar holds its text: beside it, the text ran off a phone's chart.
        "textposition": ["inside" if top and count[a] > top / 2 else "outside" for a in AREAS],
        "insidetextanchor": "end",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}"
        + PLOT_BREAK
        + "by gate: %{customdata}"
        + PLOT_NO_TRACE_BOX,
    }
    layout = _layout(
        title,
        120 + row_height(areas, 40) * len(AREAS),
        xaxis={"title": {"text": "conditions not yet met"}, "gridcolor": "#E5ECF6",
               "rangemode": "tozero", "range": [0, max(top, 1) * 1.1]},
        yaxis=_rows(areas),
    )  # fmt: skip
    return Chart([bar], layout)
