"""The only place HTML is produced: autoescaping Jinja2 templates and their macros.

Every view, message and dossier fragment comes out of a template in
``workbook/present/templates/`` rendered by one Environment with autoescape on
for every template and ``StrictUndefined`` (a misspelt name fails instead of
printing nothing). A value handed to a template is data: a ``str`` is escaped
where it is written. Only ``markupsafe.Markup`` passes through unescaped, and
the only Markup in the code base is what ``render`` and ``macro`` return, i.e.
what a template produced. So forgetting to escape is not possible: there is
nothing to remember.

How a contributor adds a view
-----------------------------

1. Gather the data in Python, in ``views.py`` (or the module of its concept):
   read the Assessment, decide nothing that the model already decided, and
   build no HTML. Plain values (records' text, numbers, lists) go as they are.
2. Lay it out in ``templates/<name>.html.j2``. Import the macros you need::

       {% from "macros.html.j2" import table, facts, badge, dash %}
       {% call(r) table(["Criterion", "Status"], results, "wb-mine") %}
         <td><code>{{ r.criterion.id }}</code></td><td>{{ badge(r.status) }}</td>
       {% endcall %}

   The macros are the customisation points, each writes the classes the
   dossier CSS and the tests rely on: ``badge(status)``, ``table(headers, rows,
   cls)`` (rows of cells, or a ``call`` block that writes each row's cells),
   ``facts(pairs)``, ``items(values)``, ``loud(count)``, ``warn(text)``,
   ``note(text)`` (a sentence alone), ``dash(value)`` (an em dash for "not
   answered"). Filters: ``stage`` (stage label), ``words`` (``not_applicable``
   -> ``not applicable``), ``status`` (a status as a reader reads it:
   ``insufficient`` -> ``too small to judge``), ``thousands`` (``1,234``),
   ``share`` (``12.5%``).
3. Return ``View(render("<name>.html.j2", **data), text)``, ``text`` being the
   plain twin shown in a terminal. A small fragment (a form message) is a macro
   in the module's own template: ``macro("forms.html.j2", "not_saved", line)``.
4. Add the view to ``shown_views`` in ``tests/test_views.py``: it is then
   rendered for a record whose every text field is hostile markup.
5. Never write a tag in a Python string: ``tests/test_no_handmade_html.py``
   fails on any string literal in ``workbook/`` that holds one (or a
   concatenation whose constant parts make one), and on any import of
   ``markupsafe`` or ``Markup`` and any ``Markup(...)`` call outside this module.
   Annotate what ``render``/``macro`` return as ``str`` elsewhere.

Line breaks in template source are layout for the reader, not output: a break
between a tag or ``{% %}``/``{{ }}`` and the next tag or ``{% %}``/``{{ }}``
disappears with the indentation after it; any other becomes one space (so a
sentence may wrap). Jinja's ``{%-``/``-%}`` trim the rest. Templates stay
readable and the HTML stays compact.

Plotly renders a subset of HTML in chart text (``<b>``, ``<br>``, ``<a href>``),
so user text for a chart title, axis label or hover goes through ``plot_text``;
plotly's own markup in a hover template is ``PLOT_BREAK`` and ``PLOT_NO_TRACE_BOX``.
"""

from __future__ import annotations

import re
from html import escape as _html_escape
from typing import Any

import jinja2
from jinja2.ext import Extension
from markupsafe import Markup

from workbook.evidence.logs import share
from workbook.model.assess import stage_label
from workbook.model.thresholds import figure, percent

__all__ = [
    "LOUD",
    "PLOT_BREAK",
    "PLOT_NO_TRACE_BOX",
    "STATUS_LABEL",
    "STATUS_STYLE",
    "macro",
    "plot_text",
    "render",
    "status_label",
]

#: Okabe-Ito hues (distinguishable with common colour-vision deficiencies), darkened
#: where needed so every badge reaches WCAG AA contrast (4.5:1). Every status is
#: also spelled out, never shown by colour alone.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    # status: (symbol, background, text colour)
    "met": ("✓", "#007A5A", "#ffffff"),
    "not_applicable": ("–", "#6E6E6E", "#ffffff"),
    "waived": ("⚑", "#0072B2", "#ffffff"),
    "unverified": ("?", "#E69F00", "#000000"),
    "stale": ("↻", "#F0E442", "#000000"),
    "missing": ("✗", "#B34400", "#ffffff"),
    "waiver_expired": ("⚠", "#CC79A7", "#000000"),
    "unreadable": ("⚠", "#000000", "#ffffff"),
    "below_threshold": ("▼", "#B34400", "#ffffff"),
    # Paul Tol's wine (also safe for colour-vision deficiencies): an outcome that fails.
    "failed": ("⊗", "#882255", "#ffffff"),
    # Okabe-Ito sky blue: not a verdict against the team, a sample too small to judge.
    "insufficient": ("◔", "#56B4E9", "#000000"),
}
#: How a status is written where its identifier would mislead or say too little.
STATUS_LABEL: dict[str, str] = {"insufficient": "too small to judge"}


def status_label(status: str) -> str:
    """``insufficient`` -> ``too small to judge``; ``not_applicable`` -> ``not applicable``."""
    return STATUS_LABEL.get(status, status.replace("_", " "))


#: Warnings written in running text (5.6:1 on white).
LOUD = "#B34400"


# A break between two tags (or template tags) is dropped; any other break is a space.
_TAG_BREAK = re.compile(r"(?<=[>}])[ \t]*\n\s*(?=[<{])")
_OTHER_BREAK = re.compile(r"[ \t]*\n\s*")


class _Compact(Extension):
    """Template source line breaks are for the reader; see the module docstring."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _OTHER_BREAK.sub(" ", _TAG_BREAK.sub("", source)).strip()


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _thousands(value: float) -> str:
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


_ENV = jinja2.Environment(
    # PackageLoader reads through importlib, so templates work from a wheel and a zip.
    loader=jinja2.PackageLoader("workbook.present", "templates"),
    autoescape=True,  # every template, whatever its name
    undefined=jinja2.StrictUndefined,
    extensions=[_Compact],
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(
    stage=stage_label, words=_words, thousands=_thousands, share=share, status=status_label
)
# Record limits as people write them (1,500; 2%), not as floats (1500.0; 0.02).
_ENV.filters.update(figure=figure, percent=percent)
_ENV.globals.update(LOUD=LOUD, STATUS_STYLE=STATUS_STYLE)


def render(template: str, **context: Any) -> Markup:
    """Render ``templates/<template>`` with ``context`` as data; the result is safe HTML."""
    # The template escaped every value it wrote: its output is markup by construction.
    return Markup(_ENV.get_template(template).render(**context))


def macro(template: str, name: str, /, *args: Any, **kwargs: Any) -> Markup:
    """Call macro ``name`` of ``templates/<template>`` (e.g. a form message) with data."""
    module = _ENV.get_template(template).module
    try:
        fn = getattr(module, name)
    except AttributeError:
        known = ", ".join(n for n in dir(module) if not n.startswith("_"))
        raise KeyError(f"no macro {name!r} in {template}; known: {known}") from None
    return Markup(fn(*args, **kwargs))


#: A line break in a plotly hover template.
PLOT_BREAK = "<br>"
#: Ends a plotly hover template: hides the box naming the trace beside the hover.
PLOT_NO_TRACE_BOX = "<extra></extra>"


def plot_text(value: object) -> str:
    """User text for a plotly title, label or hover: shows ``<``, ``>``, ``&`` literally.

    Plotly parses a few tags in chart text and decodes only a few named entities
    (``&lt;``, ``&gt;``, ``&amp;``), so quotes stay as they are (``&quot;`` would
    show as typed) while every ``<`` becomes text.
    """
    return _html_escape(str(value), quote=False)
