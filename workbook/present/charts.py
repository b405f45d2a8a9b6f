"""Charts built from an Assessment, as plotly JSON. Status is always written, never colour alone.

Plotly draws a subset of HTML in chart text, so every user text (record and
criterion names, evidence file names, slice and column names) goes through
``plot_text`` before it becomes a title, label, hover or annotation.

Charts of what the evidence measured draw the file the threshold criteria
judged, and take threshold lines, colours and "below" marks from the
criteria's ``Measurement``: a chart compares no value with a limit itself.

A chart is plain data (``data`` traces and a ``layout``) shown through the
``application/vnd.plotly.v1+json`` mime type, which JupyterLab's plotly
extension and the dossier template both draw. Building dicts instead of
``plotly.graph_objects`` keeps plotly's 1 s import out of every kernel.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from workbook.evidence.evals import EvalMeasures
from workbook.evidence.extracts import ExtractMeasures
from workbook.evidence.logs import LogMeasures, share
from workbook.model.assess import Assessment, stage_label
from workbook.model.criteria import GATES, STATUSES, Reading
from workbook.model.records import SIGNALS, STAGES
from workbook.present.html import (
    PLOT_BREAK,
    PLOT_NO_TRACE_BOX,
    STATUS_STYLE,
    plot_text,
    status_label,
)
from workbook.present.measured import judged_file

PLOTLY_MIME = "application/vnd.plotly.v1+json"
FONT = "Helvetica, Arial, sans-serif"
WEAK, STRONG = "#B34400", "#0072B2"
#: A value no criterion judged (a signal the plan does not log, an evaluation slice).
NEUTRAL = "#6E6E6E"
GRID = "#E5ECF6"


@dataclass
class Chart:
    """A plotly figure as data; displayed by any front end that knows plotly's mime type."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]

    @property
    def title(self) -> str:
        """The title as plain text (in the layout it is escaped for plotly)."""
        return html.unescape(str(self.layout.get("title", {}).get("text", "Chart")))

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
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
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
        # The area labels need the room: without it a 10 px margin cuts them off.
        yaxis={"autorange": "reversed", "automargin": True},
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
        text.append([status_label(r.status) if i == col else "" for i in range(len(GATES))])
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
        "hovertemplate": "%{y} (%{x}): %{text}" + PLOT_BREAK + "%{customdata}" + PLOT_NO_TRACE_BOX,
    }
    layout = _layout(
        "Status of every criterion, by gate",
        140 + 22 * len(a.results),
        xaxis={"side": "top"},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return Chart([heat], layout)


def stage_history_chart(points: list[tuple[str, str, str]]) -> Chart | None:
    """Supported (and claimed) stage over time; ``points`` are (as-of date, supported, claimed)."""
    if len(points) < 2:
        return None
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
            "automargin": True,
        },
        xaxis={"type": "date", "gridcolor": GRID},
        legend={"orientation": "h"},
    )
    return Chart([supported, claimed], layout)


# --- what the evidence measured ----------------------------------------------------


def _vline(
    x: float, label: str, colour: str, dash: str = "dash", log: bool = False
) -> tuple[dict, dict]:
    """A labelled vertical line across the plot (shape, annotation)."""
    shape = {
        "type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1, "yref": "paper",
        "line": {"color": colour, "width": 2, "dash": dash},
    }  # fmt: skip
    # On a log axis plotly places annotations by the logarithm, shapes by the value.
    note = {
        "x": math.log10(x) if log else x, "y": 1, "yref": "paper", "text": plot_text(label),
        "showarrow": False, "xanchor": "left", "yanchor": "bottom",
        "font": {"color": colour, "size": 11}, "bgcolor": "rgba(255,255,255,0.85)",
    }  # fmt: skip
    return shape, note


def _colour(readings: list[Reading]) -> str:
    """Weak if a criterion found the value failing, strong if all passed, neutral if unjudged."""
    if not readings:
        return NEUTRAL
    return STRONG if all(r.passed for r in readings) else WEAK


def coverage_chart(a: Assessment) -> Chart | None:
    """Per signal: share of log records carrying it, against the plan and each criterion's level."""

    found, results = judged_file(a, "log_sample", "signal_coverage")
    if found is None or not isinstance(found.measured, LogMeasures):
        return None
    m = found.measured
    plan = a.record.observability.logging_plan
    # Each coverage criterion's verdicts on this file, by criterion id.
    judged = {r.criterion.id: r.measurement for r in results if r.measurement}

    def planned(s: str) -> str:
        p = plan.get(s)  # type: ignore[call-overload]
        if p is None:
            return "no plan"
        return "planned: logged" if p.logged else "planned: not logged"

    def readings(s: str) -> list[Reading]:
        return [r for j in judged.values() if (r := j.reading(s)) is not None]

    def text(s: str) -> str:
        failed = [r for r in readings(s) if not r.passed]
        if not failed:
            return share(m.coverage(s))
        # The criterion's own figures: a value below its limit never reads as the limit.
        return f"{failed[0].shown} ▼ below {' and '.join(r.limit_shown for r in failed)}"

    labels = [f"{s.replace('_', ' ')} ({planned(s)})" for s in SIGNALS]
    bar = {
        "type": "bar", "orientation": "h",
        "x": [m.coverage(s) for s in SIGNALS], "y": labels,
        "marker": {"color": [_colour(readings(s)) for s in SIGNALS]},
        "text": [text(s) for s in SIGNALS],
        "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    lines = [
        _vline(j.readings[0].limit, f"required {j.readings[0].limit_shown}"
               + (f" ({cid})" if len(judged) > 1 else ""), WEAK)
        for cid, j in judged.items() if j.readings
    ]  # fmt: skip
    layout = _layout(
        f"Signal coverage in {found.item.location} ({m.records:,} records)",
        140 + 34 * len(SIGNALS),
        xaxis={"range": [0, 1.15], "tickformat": ".0%", "gridcolor": GRID,
               "title": {"text": "records carrying the signal"}},
        yaxis={"autorange": "reversed", "automargin": True},
        shapes=[s for s, _ in lines],
        annotations=[{**n, "y": 1 - 0.09 * i, "yanchor": "top"} if i else n
                     for i, (_, n) in enumerate(lines)],
    )  # fmt: skip
    return Chart([bar], layout)


def latency_chart(a: Assessment) -> Chart | None:
    """Latency distribution on a log scale, with p50/p95/p99 and the threshold judged."""

    found, results = judged_file(a, "log_sample", "latency_p95")
    if found is None or not isinstance(found.measured, LogMeasures):
        return None
    m = found.measured
    if m.latency is None:
        return None
    judged = next(
        (j for r in results if r.measurement and (j := r.measurement.reading("p95"))), None
    )
    bins = m.latency_bins
    bar = {
        "type": "bar",
        "x": [(lo * hi) ** 0.5 for lo, hi, _ in bins],
        "width": [hi - lo for lo, hi, _ in bins],
        "y": [n for _, _, n in bins],
        "marker": {"color": "#9DB9D3"},
        "name": "requests",
        "customdata": [f"{lo:,.0f}–{hi:,.0f} ms" for lo, hi, _ in bins],
        "hovertemplate": "%{customdata}: %{y} requests" + PLOT_NO_TRACE_BOX,
    }
    lines = [
        _vline(m.latency.p50, f"p50 {m.latency.p50:,.0f} ms", "#000000", "dot", log=True),
        _vline(
            m.latency.p95,
            f"p95 {m.latency.p95:,.0f} ms" if judged is None else f"p95 {judged.shown}",
            STRONG,
            "dot",
            log=True,
        ),
        _vline(m.latency.p99, f"p99 {m.latency.p99:,.0f} ms", NEUTRAL, "dot", log=True),
    ]
    if judged is not None:
        label = f"threshold: p95 at most {judged.limit_shown}"
        lines.append(_vline(judged.limit, label, WEAK, log=True))
    layout = _layout(
        f"Latency of {m.latency.count:,} requests",
        340,
        xaxis={"type": "log", "title": {"text": "latency (ms, log scale)"}, "gridcolor": GRID},
        yaxis={"title": {"text": "requests"}, "gridcolor": GRID, "automargin": True},
        shapes=[s for s, _ in lines],
        annotations=[{**n, "y": 1 - 0.09 * i, "yanchor": "top"} for i, (_, n) in enumerate(lines)],
        showlegend=False,
        bargap=0,
    )
    return Chart([bar], layout)


def pass_rate_chart(a: Assessment) -> Chart | None:
    """Pass rate overall and per slice, with 95% Wilson intervals and the threshold judged.

    Only the overall lower bound is judged: slices are drawn in the neutral colour.
    """

    found, results = judged_file(a, "evaluation", "quality_lower_bound")
    if found is None or not isinstance(found.measured, EvalMeasures):
        return None
    m = found.measured
    rows = [m.overall, *m.slices]
    labels = [
        plot_text(f"{'all cases' if i == 0 else r.slice or '(empty slice)'} (n={r.cases})")
        for i, r in enumerate(rows)
    ]
    judged = next(
        (j for r in results if r.measurement and (j := r.measurement.reading("lower bound"))),
        None,
    )
    limit = None if judged is None else judged.limit
    colours = [_colour([judged] if judged is not None else []), *[NEUTRAL] * len(m.slices)]
    lows = [share(r.interval[0]) for r in rows]
    if judged is not None:
        lows[0] = judged.shown  # the criterion's figure: never reads as the threshold
    points = {
        "type": "scatter", "mode": "markers+text",
        "x": [r.rate for r in rows], "y": labels,
        "marker": {"color": colours, "size": 11, "symbol": "diamond"},
        "error_x": {
            "type": "data", "symmetric": False, "color": "#444444",
            "array": [r.interval[1] - r.rate for r in rows],
            "arrayminus": [r.rate - r.interval[0] for r in rows],
        },
        "text": [
            f"{share(r.rate)} ({low}–{share(r.interval[1])})"
            for r, low in zip(rows, lows, strict=True)
        ],
        "textposition": "top center",
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    shapes, notes = [], []
    if judged is not None:
        shape, note = _vline(
            judged.limit, f"threshold {judged.limit_shown}: the lower bound must reach it", WEAK
        )
        shapes, notes = [shape], [{**note, "y": 0, "yanchor": "bottom", "xanchor": "right"}]
    # Zoom to where the intervals are; the axis says where it starts.
    left = max(0.0, min([r.lower for r in rows] + ([limit] if limit is not None else [])) - 0.1)
    layout = _layout(
        f"Evaluation pass rate with 95% intervals ({found.item.location})",
        150 + 46 * len(rows),
        xaxis={"range": [left, 1.02], "tickformat": ".0%", "gridcolor": GRID,
               "title": {"text": "cases passing"}},
        margin={"l": 10, "r": 40, "t": 84, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True},
        shapes=shapes, annotations=notes, showlegend=False,
    )  # fmt: skip
    return Chart([points], layout)


def expectations_chart(a: Assessment) -> Chart | None:
    """Each declared data expectation: rows that satisfy it, met or failed (a measured gap)."""

    found, _ = judged_file(a, "data_extract", "data_expectations")
    if found is None or not isinstance(found.measured, ExtractMeasures):
        return None
    m = found.measured
    results = m.results(a.as_of)
    if not results:
        return None
    labels = [plot_text(f"{c.column}: {c.expectation}") for c in results]
    kept = [1.0 if c.passed else max(0.0, 1 - c.rows / m.rows) if c.rows else 0.0 for c in results]
    bar = {
        "type": "bar", "orientation": "h", "x": kept, "y": labels,
        "marker": {"color": [STATUS_STYLE["met"][1] if c.passed else WEAK for c in results]},
        "text": [
            # Cut before escaping, so an entity (&lt;) is never cut in half.
            "✓ met" if c.passed else f"✗ gap: {plot_text(c.detail[:70])}" for c in results
        ],
        "textposition": "inside", "insidetextanchor": "start", "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    layout = _layout(
        f"Data expectations on {found.item.location} ({m.rows:,} rows)",
        120 + 34 * len(results),
        xaxis={"range": [0, 1], "tickformat": ".0%", "gridcolor": GRID,
               "title": {"text": "rows that satisfy the expectation (0% for a missing column "
                                 "or stale data)"}},
        yaxis={"autorange": "reversed", "automargin": True},
    )  # fmt: skip
    return Chart([bar], layout)
