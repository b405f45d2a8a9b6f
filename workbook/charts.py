"""Charts built from an Assessment, as plotly JSON. Status is always written, never colour alone.

A chart is plain data (``data`` traces and a ``layout``) shown through the
``application/vnd.plotly.v1+json`` mime type, which JupyterLab's plotly
extension and the dossier template both draw. Building dicts instead of
``plotly.graph_objects`` keeps plotly's 1 s import out of every kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from workbook.assess import Assessment, stage_label
from workbook.criteria import GATES, STATUSES
from workbook.views import STATUS_STYLE

PLOTLY_MIME = "application/vnd.plotly.v1+json"
FONT = "Helvetica, Arial, sans-serif"
WEAK, STRONG = "#B34400", "#0072B2"
GRID = "#E5ECF6"


def plot_text(value: object) -> str:
    """Escape text for plotly labels (it renders <b>, <a href> and friends)."""
    return escape(str(value), quote=False)


@dataclass
class Chart:
    """A plotly figure as data; displayed by any front end that knows plotly's mime type."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.layout.get("title", {}).get("text", "Chart"))

    def to_plotly_json(self) -> dict[str, Any]:
        return {"data": self.data, "layout": self.layout}

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        figure = {**self.to_plotly_json(), "config": {"displaylogo": False, "responsive": True}}
        return {PLOTLY_MIME: figure, "text/plain": self.title}


def _layout(title: str, height: int, **axes: Any) -> dict[str, Any]:
    return {
        "title": {"text": plot_text(title), "x": 0, "xanchor": "left"},
        "height": height,
        "margin": {"l": 10, "r": 40, "t": 60, "b": 40},
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        **axes,
    }


def readiness_chart(a: Assessment) -> Chart | None:
    """Share of the next gate's criteria met, per area; the weakest area stands out."""
    if a.next_gate is None:
        return None
    ready = a.readiness
    weakest = a.weakest_area
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": [r.share for r in ready],
        "y": [plot_text(r.area) + (" (weakest)" if r.area == weakest else "") for r in ready],
        "marker": {"color": [WEAK if r.area == weakest else STRONG for r in ready]},
        "text": [f"{r.met} of {r.total} met" for r in ready],
        # A short (or empty) bar has no room inside: its label goes beside it.
        "textposition": ["outside" if r.share < 0.25 else "inside" for r in ready],
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}<extra></extra>",
    }
    layout = _layout(
        f"Readiness for the {stage_label(a.next_gate)} gate, by area",
        120 + 40 * len(ready),
        xaxis={
            "range": [0, 1],
            "tickformat": ".0%",
            "title": {"text": "criteria of the gate met"},
            "gridcolor": GRID,
        },
        yaxis={"autorange": "reversed"},
    )
    return Chart([bar], layout)


def status_matrix(a: Assessment) -> Chart:
    """Every criterion against the gate that first requires it, coloured and labelled by status."""
    order = list(STATUSES)
    z: list[list[int | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for r in a.results:
        col = GATES.index(r.criterion.gate)
        z.append([order.index(r.status) if i == col else None for i in range(len(GATES))])
        text.append([r.status.replace("_", " ") if i == col else "" for i in range(len(GATES))])
        hover.append(
            [plot_text(r.criterion.question) if i == col else "" for i in range(len(GATES))]
        )
    n = len(order)
    # A stepped colour scale: each status index maps to exactly its own colour.
    scale = []
    for i, status in enumerate(order):
        colour = STATUS_STYLE[status][1]
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": [stage_label(g) for g in GATES],
        "y": [plot_text(r.criterion.id) for r in a.results],
        "text": text,
        "customdata": hover,
        "texttemplate": "%{text}",
        "colorscale": scale,
        "zmin": -0.5,
        "zmax": n - 0.5,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y} (%{x}): %{text}<br>%{customdata}<extra></extra>",
    }
    layout = _layout(
        "Status of every criterion, by gate",
        140 + 22 * len(a.results),
        xaxis={"side": "top"},
        yaxis={"autorange": "reversed"},
    )
    return Chart([heat], layout)


def stage_history_chart(points: list[tuple[str, str, str]]) -> Chart | None:
    """Supported (and claimed) stage over time; ``points`` are (as-of date, supported, claimed)."""
    if len(points) < 2:
        return None
    from workbook.records import STAGES

    dates = [p[0] for p in points]
    supported = {
        "type": "scatter",
        "mode": "lines+markers+text",
        "name": "supported by the evidence",
        "x": dates,
        "y": [STAGES.index(p[1]) for p in points],
        "line": {"shape": "hv", "color": STRONG},
        "text": [stage_label(p[1]) for p in points],
        "textposition": "top center",
    }
    claimed = {
        "type": "scatter",
        "mode": "lines",
        "name": "claimed",
        "x": dates,
        "y": [STAGES.index(p[2]) for p in points],
        "line": {"shape": "hv", "dash": "dash", "color": WEAK},
    }
    layout = _layout(
        "Supported stage over time",
        320,
        yaxis={
            "tickvals": list(range(len(STAGES))),
            "ticktext": [stage_label(s) for s in STAGES],
            "range": [-0.5, len(STAGES) - 0.5],
            "gridcolor": GRID,
        },
        xaxis={"type": "date", "gridcolor": GRID},
        legend={"orientation": "h"},
    )
    return Chart([supported, claimed], layout)
