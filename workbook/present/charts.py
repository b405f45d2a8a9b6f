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

import datetime as dt
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
from workbook.words import counted

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


#: Characters per line of a wrapped label: a 390 px phone leaves a chart about 350 px,
#: some 50 characters of 13 px text, shared by the labels and the plot.
LABEL_WIDTH = 24
#: The most lines a wrapped label takes (a 200-letter name must not fill a chart).
MAX_LINES = 4
#: Size in px of a chart title, and the height of one of its lines (plotly sets lines
#: 1.3 font sizes apart). The dossier's chart script wraps a title to its chart's width
#: and grows the top margin by a line for each line added (templates/dossier/chart.js.j2).
TITLE_SIZE, TITLE_LINE = 17, 23
#: Room above the title, and the height of one note stacked above the plot (11 px text).
TOP_PAD, NOTE_LINE = 10, 17
#: Room for column labels above the plot: "production" (13 px, some 70 px) on end.
TOP_TICKS = 80


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """Plotly text (already escaped) broken into lines of about ``width`` characters.

    Lines break at spaces; a word longer than a line (a file path) also after a '/', '-'
    or '_', else at the width itself, never inside an entity (``&lt;``). A label that would
    take more than ``MAX_LINES`` lines ends its last line with "…" (the hover keeps it whole).
    """
    # (piece, whether it continues the previous piece without a space)
    pieces: list[tuple[str, bool]] = []
    for word in text.split():
        glued = False
        while len(word) > width:
            cut = max(word.rfind(c, 0, width) for c in "/-_") + 1
            if cut <= 0:  # nowhere to break: at the width, before an entity it would split
                amp = word.rfind("&", 0, width)
                cut = amp if amp > 0 and ";" not in word[amp:width] else width
            pieces.append((word[:cut], glued))
            word, glued = word[cut:], True
        pieces.append((word, glued))
    lines: list[str] = []
    for piece, glued in pieces:
        joined = (lines[-1] if glued else f"{lines[-1]} ") + piece if lines else piece
        if lines and len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(piece)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1] + "…"]
    return PLOT_BREAK.join(lines)


def wrapped_ticks(labels: list[str], width: int = LABEL_WIDTH) -> dict[str, Any]:
    """Axis settings that show each category label wrapped, every one of them.

    The data keep the labels whole (hover, tests, the notebook); only the ticks wrap.
    """
    return {"tickmode": "array", "tickvals": labels, "ticktext": [wrap(t, width) for t in labels]}


#: Height in px of one line of a 13 px tick label (plotly sets lines 1.3 sizes apart).
LABEL_LINE = 17


def row_height(labels: list[str], least: int, width: int = LABEL_WIDTH) -> int:
    """Height of one row of a category axis: ``least``, or more for labels wrapped on lines.

    Every row gets the room of the label with most lines, and 6 px between labels.
    """
    lines = max((wrap(t, width).count(PLOT_BREAK) + 1 for t in labels), default=1)
    return max(least, LABEL_LINE * lines + 6)


def _layout(title: str, height: int, notes: int = 0, **axes: Any) -> dict[str, Any]:
    """A layout whose every label pushes the margins instead of being cut off.

    The title stands at the top left of the chart box; ``notes`` one-line notes (``_notes``)
    stack between it and the plot, so they overlap neither each other nor the data.
    ``height`` is that of a chart with a one-line title and no notes.
    """
    top = TOP_PAD + TITLE_LINE + 14 + NOTE_LINE * notes
    layout = {
        "title": {
            "text": plot_text(title), "font": {"size": TITLE_SIZE},
            "x": 0, "xanchor": "left", "xref": "container", "pad": {"l": 4, "t": TOP_PAD},
            "y": 1, "yanchor": "top", "yref": "container",
        },
        "height": height + NOTE_LINE * notes,
        "margin": {"l": 10, "r": 20, "t": top, "b": 40},
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        **axes,
    }  # fmt: skip
    if layout.get("xaxis", {}).get("side") == "top":
        # Column labels above the plot stand between the title and the plot: automargin
        # would only keep them inside the chart, so reserve their room below the title,
        # as tall as "production candidate" turned on end on a phone.
        layout["margin"]["t"] += TOP_TICKS
        layout["height"] += TOP_TICKS
    # Long labels (areas, signals, criterion ids, stage names) grow the margins.
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
        title_of = layout[axis].get("title")
        if title_of and "text" in title_of:
            layout[axis]["title"] = {**title_of, "text": wrap(title_of["text"])}
    return layout


def _notes(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Line labels stacked above the plot, one a line, right-aligned: never on the data.

    Right-aligned, a note may reach left over the axis labels' column, the widest room
    a narrow chart has.
    """
    n = len(notes)
    return [
        {**note, "x": 1, "xref": "paper", "xanchor": "right", "y": 1, "yref": "paper",
         "yanchor": "bottom", "yshift": 2 + NOTE_LINE * (n - 1 - i)}
        for i, note in enumerate(notes)
    ]  # fmt: skip


def readiness_chart(a: Assessment) -> Chart | None:
    """Share of the next gate's criteria met, per area; the weakest area stands out."""
    if a.next_gate is None:
        return None
    ready = a.readiness
    weakest = a.weakest_area
    areas = [plot_text(r.area) + (" (weakest)" if r.area == weakest else "") for r in ready]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": [r.share for r in ready],
        "y": areas,
        "marker": {"color": [WEAK if r.area == weakest else STRONG for r in ready]},
        "text": [f"{r.met} of {r.total} met" for r in ready],
        # A short (or empty) bar has no room inside: its label goes beside it.
        "textposition": ["outside" if r.share < 0.25 else "inside" for r in ready],
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
    }
    layout = _layout(
        f"Readiness for the {stage_label(a.next_gate)} gate, by area",
        120 + row_height(areas, 40) * len(ready),
        xaxis={
            "range": [0, 1],
            "tickformat": ".0%",
            "title": {"text": "criteria of the gate met"},
            "gridcolor": GRID,
        },
        yaxis={"autorange": "reversed", **wrapped_ticks(areas)},
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
    columns = [stage_label(g) for g in GATES]
    rows = [plot_text(r.criterion.id) for r in a.results]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": columns,
        "y": rows,
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
        # "production candidate" on two lines: three columns share a phone's width.
        xaxis={"side": "top", **wrapped_ticks(columns, 12)},
        # Every criterion named: plotly would thin the labels out of a tall matrix.
        yaxis={"autorange": "reversed", **wrapped_ticks(rows, 60)},
    )
    return Chart([heat], layout)


DAY_MS = 86_400_000
#: At most this many date ticks: on a phone each "2026-11-23" takes some 75 px.
DATE_TICKS = 4


def date_axis(dates: list[str]) -> dict[str, Any]:
    """A date axis of whole days, a day beyond the first and the last point.

    Alone, plotly zooms into hours, or into milliseconds when every point has one date
    (``23:59:59.9995``): assessments are dated by the day.
    """
    days = sorted(dt.date.fromisoformat(d[:10]) for d in dates)
    first, last = days[0] - dt.timedelta(days=1), days[-1] + dt.timedelta(days=1)
    step = max(1, math.ceil((last - first).days / DATE_TICKS))
    return {
        "type": "date", "range": [first.isoformat(), last.isoformat()],
        "tick0": first.isoformat(), "dtick": step * DAY_MS, "tickformat": "%Y-%m-%d",
        "hoverformat": "%Y-%m-%d", "gridcolor": GRID,
    }  # fmt: skip


def stage_history_chart(points: list[tuple[str, str, str]]) -> Chart | None:
    """Supported (and claimed) stage over time; ``points`` are (as-of date, supported, claimed).

    The stage axis is categorical, in stage order; the date axis has whole days only.
    """
    if len(points) < 2:
        return None
    dates = [p[0] for p in points]
    stages = [stage_label(s) for s in STAGES]
    supported = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "supported by the evidence",
        "x": dates,
        "y": [stage_label(p[1]) for p in points],
        "line": {"shape": "hv", "color": STRONG},
        "hovertemplate": "%{x}: supported %{y}" + PLOT_NO_TRACE_BOX,
    }
    claimed = {
        "type": "scatter",
        "mode": "lines",
        "name": "claimed",
        "x": dates,
        "y": [stage_label(p[2]) for p in points],
        "line": {"shape": "hv", "dash": "dash", "color": WEAK},
        "hovertemplate": "%{x}: claimed %{y}" + PLOT_NO_TRACE_BOX,
    }
    layout = _layout(
        "Supported stage over time",
        340,
        yaxis={
            "type": "category", "categoryorder": "array", "categoryarray": stages,
            "range": [-0.5, len(STAGES) - 0.5], "gridcolor": GRID,
            **wrapped_ticks(stages, 12),
        },
        xaxis=date_axis(dates),
        # At the foot of the chart, below the dates (in the bottom margin made for it).
        legend={"orientation": "h", "x": 0, "xref": "container", "y": 0, "yref": "container",
                "yanchor": "bottom"},
    )  # fmt: skip
    layout["margin"]["b"] = 80
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
        # A long bar holds its figure (shrunk to fit if need be): beside it, the figure
        # of a full bar ran off a phone's chart; a short bar leaves room beside it.
        "textposition": ["inside" if m.coverage(s) >= 0.5 else "outside" for s in SIGNALS],
        "insidetextanchor": "end", "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    lines = [
        _vline(j.readings[0].limit, f"required {j.readings[0].limit_shown}"
               + (f" ({cid})" if len(judged) > 1 else ""), WEAK)
        for cid, j in judged.items() if j.readings
    ]  # fmt: skip
    layout = _layout(
        f"Signal coverage in {found.item.location} ({counted(m.records, 'record')})",
        140 + row_height(labels, 34) * len(SIGNALS),
        notes=len(lines),
        xaxis={"range": [0, 1.05], "tickvals": [0, 0.5, 1], "tickformat": ".0%",
               "gridcolor": GRID, "title": {"text": "records carrying the signal"}},
        yaxis={"autorange": "reversed", **wrapped_ticks(labels)},
        shapes=[s for s, _ in lines],
        annotations=_notes([n for _, n in lines]),
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
        f"Latency of {counted(m.latency.count, 'request')}",
        340,
        notes=len(lines),
        # Powers of ten only: the 2 and 5 between them collide on a phone.
        xaxis={
            "type": "log",
            "dtick": 1,
            "tickformat": ",d",
            "title": {"text": "latency (ms, log scale)"},
            "gridcolor": GRID,
        },
        yaxis={"title": {"text": "requests"}, "gridcolor": GRID, "tickformat": ",d"},
        shapes=[s for s, _ in lines],
        annotations=_notes([n for _, n in lines]),
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
    figures = [
        f"{share(r.rate)} ({low}–{share(r.interval[1])})" for r, low in zip(rows, lows, strict=True)
    ]
    points = {
        "type": "scatter", "mode": "markers",
        "x": [r.rate for r in rows], "y": labels,
        "marker": {"color": colours, "size": 11, "symbol": "diamond"},
        "error_x": {
            "type": "data", "symmetric": False, "color": "#444444",
            "array": [r.interval[1] - r.rate for r in rows],
            "arrayminus": [r.rate - r.interval[0] for r in rows],
        },
        "text": figures,
        "hovertemplate": "%{y}: %{text}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    shapes, notes = [], []
    if judged is not None:
        shape, note = _vline(
            judged.limit, f"threshold {judged.limit_shown}: the lower bound must reach it", WEAK
        )
        shapes, notes = [shape], _notes([note])
    # Zoom to where the intervals are; the axis says where it starts.
    left = max(0.0, min([r.lower for r in rows] + ([limit] if limit is not None else [])) - 0.1)
    ticks = [f"{wrap(lab)}{PLOT_BREAK}{fig}" for lab, fig in zip(labels, figures, strict=True)]
    # A row holds its tick label's lines (18 px each) and the interval's room (16 px).
    lines = max(t.count(PLOT_BREAK) + 1 for t in ticks)
    layout = _layout(
        f"Evaluation pass rate with 95% intervals ({found.item.location})",
        110 + (18 * lines + 16) * len(rows),
        notes=len(notes),
        # Four ticks at most: more are turned on end beside the labels of a phone's chart.
        xaxis={"range": [left, 1.02], "tickformat": ".0%", "gridcolor": GRID, "nticks": 4,
               "title": {"text": "cases passing"}},
        # Each row's figures under its name: beside the point they ran off the chart.
        yaxis={"autorange": "reversed", "tickmode": "array", "tickvals": labels,
               "ticktext": ticks},
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
        # Short enough to read on a phone; the detail is in the hover (and the table).
        "text": [
            "✓ met" if c.passed else f"✗ gap: {c.rows:,} of {counted(m.rows, 'row')}" if c.rows
            else "✗ gap" for c in results
        ],
        "customdata": [plot_text(c.detail) for c in results],
        # A long bar holds its text; an empty one (a missing column) has it beside.
        "textposition": ["inside" if k >= 0.5 else "outside" for k in kept],
        "insidetextanchor": "start", "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}" + PLOT_BREAK + "%{customdata}" + PLOT_NO_TRACE_BOX,
    }  # fmt: skip
    layout = _layout(
        f"Data expectations on {found.item.location} ({counted(m.rows, 'row')})",
        120 + row_height(labels, 34) * len(results),
        # Three ticks: the plot beside the labels is narrow on a phone.
        xaxis={"range": [0, 1], "tickvals": [0, 0.5, 1], "tickformat": ".0%", "gridcolor": GRID,
               "title": {"text": "rows that satisfy the expectation (0% for a missing column "
                                 "or stale data)"}},
        yaxis={"autorange": "reversed", **wrapped_ticks(labels)},
    )  # fmt: skip
    return Chart([bar], layout)
