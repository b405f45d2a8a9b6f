"""Plotly figures built from an Assessment. Status is always written, never colour alone."""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from workbook.assess import Assessment, stage_label
from workbook.criteria import GATES, STATUSES
from workbook.views import STATUS_STYLE

#: Plotly renders a small HTML subset inside labels; user text must not be markup.
FONT = "Helvetica, Arial, sans-serif"
WEAK, STRONG = "#B34400", "#0072B2"


def plot_text(value: object) -> str:
    """Escape text for plotly labels (it renders <b>, <a href> and friends)."""
    return escape(str(value), quote=False)


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": plot_text(title), "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 10, "r": 40, "t": 60, "b": 40},
        font={"family": FONT, "size": 13},
        template="plotly_white",
    )
    return fig


def readiness_chart(a: Assessment) -> go.Figure | None:
    """Share of the next gate's criteria met, per area; the weakest area stands out."""
    if a.next_gate is None:
        return None
    ready = a.readiness
    weakest = a.weakest_area
    fig = go.Figure(
        go.Bar(
            x=[r.share for r in ready],
            y=[plot_text(r.area) + (" (weakest)" if r.area == weakest else "") for r in ready],
            orientation="h",
            marker={"color": [WEAK if r.area == weakest else STRONG for r in ready]},
            text=[f"{r.met} of {r.total} met" for r in ready],
            # A short (or empty) bar has no room inside: its label goes beside it.
            textposition=["outside" if r.share < 0.25 else "inside" for r in ready],
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="criteria of the gate met")
    fig.update_yaxes(autorange="reversed")
    title = f"Readiness for the {stage_label(a.next_gate)} gate, by area"
    return _layout(fig, title, 120 + 40 * len(ready))


def status_matrix(a: Assessment) -> go.Figure:
    """Every criterion against the gate that first requires it, coloured and labelled by status."""
    order = list(STATUSES)
    gates = [stage_label(g) for g in GATES]
    ids = [plot_text(r.criterion.id) for r in a.results]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for r in a.results:
        col = GATES.index(r.criterion.gate)
        z.append([order.index(r.status) if i == col else None for i in range(len(GATES))])
        text.append([r.status.replace("_", " ") if i == col else "" for i in range(len(GATES))])
        hover.append(
            [plot_text(r.criterion.question) if i == col else "" for i in range(len(GATES))]
        )
    n = len(order) - 1
    # A stepped colour scale: each status index maps to exactly its own colour.
    scale = []
    for i, status in enumerate(order):
        colour = STATUS_STYLE[status][1]
        scale += [[i / (n + 1), colour], [(i + 1) / (n + 1), colour]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=gates,
            y=ids,
            text=text,
            customdata=hover,
            texttemplate="%{text}",
            colorscale=scale,
            zmin=-0.5,
            zmax=n + 0.5,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y} (%{x}): %{text}<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    return _layout(fig, "Status of every criterion, by gate", 140 + 22 * len(ids))
