"""Executed notebook -> one self-contained, offline HTML dossier (nbconvert, in-process).

The page makes no network request: require.js, MathJax and the widget loader
are dropped, plotly.js is inlined once (packed: see ``plotly_js``), a
Content-Security-Policy refuses every fetch and every script without the
page's nonce, and markdown's raw
HTML passes an allowlist. Before anything is written the HTML is checked for
local absolute paths.
"""

from __future__ import annotations

import base64
import copy
import functools
import gzip
import hashlib
import html as html_lib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

import bleach
import nbformat
import plotly
import tinycss2
from bleach.css_sanitizer import CSSSanitizer
from bs4 import BeautifulSoup
from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from workbook.errors import ExportError
from workbook.paths import TEMPLATES

PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: The plotly.js bundles a page may carry: the partial bundle vendored in workbook/vendor/
#: (bar, heatmap, scatter and the other cartesian traces; 1.5 MB) and the full one the plotly
#: package ships (4.8 MB), for a figure holding any other trace type.
PLOTLY_BUNDLES = {
    "cartesian": Path(__file__).parent.parent / "vendor" / "plotly-cartesian.min.js",
    "full": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
}
#: Trace types the cartesian bundle draws (its package README lists its trace modules).
CARTESIAN_TRACES = frozenset(
    {
        "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
        "image", "pie", "scatter", "scatterternary", "violin",
    }
)  # fmt: skip
#: Base85 digits (Python's ``b85encode`` alphabet) with ``<``, ``>``, ``&`` and the backquote
#: swapped for characters it does not use: the packed text can never open a tag, a comment
#: (``<!--``) or an entity inside the page. The page's loader decodes with the same string.
B85_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%:()*+-;.=,?@^_[{|}~"
_B85_SWAP = bytes.maketrans(b"<>&`", b".,:[")
#: Outputs that can only run inside a live Jupyter front end.
INTERACTIVE_ONLY = ("application/vnd.jupyter.widget-view+json",)
#: Outputs nbconvert's lab template writes into the page unescaped (a script, a mermaid
#: diagram): nothing in them could run offline under the page's policy anyway.
WRITTEN_RAW = ("application/javascript", "text/vnd.mermaid")


@lru_cache(maxsize=2)
def plotly_js(bundle: str = "cartesian") -> str:
    """A plotly.js bundle as the page carries it: gzipped, then base85 text (``B85_DIGITS``).

    Inlined as it is, plotly.js alone made every page 5 MB; packed, the cartesian bundle is
    0.62 MB of text that the template's loader unpacks with the browser's own
    ``DecompressionStream`` and runs as a script carrying the page's nonce.
    """
    path = PLOTLY_BUNDLES[bundle]
    js = path.read_bytes()
    if b"</script" in js.lower() or b"<!--" in js:  # the loader writes it into a <script>
        raise ExportError("plotly.js cannot be inlined safely", path=path.name)
    # mtime=0: the same bundle packs to the same bytes, so unchanged pages stay unchanged.
    packed = base64.b85encode(gzip.compress(js, compresslevel=9, mtime=0))
    return packed.translate(_B85_SWAP).decode("ascii")


def trace_types(nb: nbformat.NotebookNode) -> set[str]:
    """Trace types the notebook's plotly outputs draw (plotly's default type is scatter)."""
    types = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            figure = (out.get("data") or {}).get(PLOTLY_MIME)
            if not isinstance(figure, dict):
                continue
            frames = [
                f.get("data") or [] for f in figure.get("frames") or [] if isinstance(f, dict)
            ]
            for traces in (figure.get("data") or [], *frames):
                types |= {str(t.get("type") or "scatter") for t in traces if isinstance(t, dict)}
    return types


def plotly_bundle(nb: nbformat.NotebookNode) -> str:
    """The smallest bundle that draws every chart of the notebook."""
    return "cartesian" if trace_types(nb) <= CARTESIAN_TRACES else "full"


def toc_headings(cell: Any) -> list[dict[str, Any]]:
    """Headings (h1, h2) of a markdown cell with the ids nbconvert gives them."""
    renderer = IPythonRenderer(
        escape=False, attachments=cell.get("attachments", {}), anchor_link_text=""
    )
    soup = BeautifulSoup(MarkdownWithMath(renderer=renderer).render(cell.source), "html.parser")
    return [
        {"level": int(h.name[1]), "id": h["id"], "text": h.get_text(" ", strip=True)}
        for h in soup.find_all(re.compile(r"^h[12]$"))
        if h.get("id")
    ]


def chart_label(figure: Any) -> str:
    """A text alternative for a chart: its title, as plain text (not escaped).

    plotly titles are HTML-like (``&lt;`` shows as ``<``), so entities are decoded
    to the text a reader sees. The template escapes the label where it writes it,
    in the ``aria-label`` attribute: the one place it is written.
    """
    title = (figure.get("layout") or {}).get("title") if isinstance(figure, dict) else None
    text = title.get("text") if isinstance(title, dict) else title
    return html_lib.unescape(str(text)) if text else "Chart"


# nbconvert's own sanitize_html escapes headings and tables into visible text,
# so markdown goes through our allowlist instead.
_MD_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd",
    "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _md_attribute(tag: str, name: str, value: str) -> bool:
    if name in ("class", "id", "title"):
        return True
    if tag == "a" and name == "href":  # followed only when clicked
        return value.startswith(("#", "http://", "https://", "mailto:"))
    if tag == "img" and name == "src":  # fetched on load: inline data only
        return value.startswith("data:image/")
    if tag == "img" and name in ("alt", "width", "height"):
        return True
    return tag in ("td", "th") and name in ("style", "colspan", "rowspan", "align")


def clean_markdown_html(html: str) -> str:
    """Allowlist the HTML that markdown produced (raw HTML in markdown is allowed by Jupyter)."""
    html = bleach.clean(
        html,
        tags=_MD_TAGS,
        attributes=_md_attribute,
        strip=False,
        protocols={"http", "https", "mailto", "data"},
        css_sanitizer=CSSSanitizer(allowed_css_properties={"text-align"}),
    )
    return _IMG_WITHOUT_SRC.sub("", html)


class DossierExporter(HTMLExporter):
    """HTMLExporter whose markdown passes the allowlist."""

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        return clean_markdown_html(super().markdown2html(context, source))


@lru_cache(maxsize=1)
def _exporter() -> DossierExporter:
    return DossierExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="dossier",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        filters={"toc_headings": toc_headings, "chart_label": chart_label},
        # Belt and braces: should a block ever fall back to the base, no CDN URL is there.
        require_js_url="",
        mathjax_url="",
        jquery_url="",
        jupyter_widgets_base_url="",
        widget_renderer_url="",
    )


#: Tags the views emit, plus what pandas tables use; any other HTML in an output is escaped.
_OUTPUT_TAGS = {
    "div", "p", "span", "strong", "em", "b", "i", "code", "pre", "br", "ul", "ol", "li",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "h2", "h3", "h4", "a",
}  # fmt: skip
#: A link may only point at a sibling dossier (``claims-triage.html``) or into the page
#: (a chapter heading's id holds commas: ``#3.-Ownership,-support-and-integration``).
_SHAREABLE_LINK = re.compile(r"^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\.html)?(?:#[A-Za-z0-9.,_-]+)?$")


#: Data attributes the tables script reads (templates/dossier/tables.js.j2), by element:
#: text it compares and shows as text, never markup or an address.
_TABLE_DATA = {
    "table": ("data-wb-sortable",),
    "th": ("data-wb-filter",),
    "td": ("data-wb-sort", "data-wb-value"),
}


def _output_attribute(tag: str, name: str, value: str) -> bool:
    if name in ("class", "style", "role", "aria-label", "aria-level"):
        return True
    if name in _TABLE_DATA.get(tag, ()):
        return True
    if tag == "a" and name == "href":
        return bool(value) and _SHAREABLE_LINK.match(value) is not None
    return (tag == "th" and name == "scope") or (
        tag in ("th", "td") and name in ("colspan", "rowspan")
    )


_OUTPUT_CSS = CSSSanitizer(
    allowed_css_properties={
        "background", "background-color", "color", "padding", "border-radius", "white-space",
        "font-size", "font-weight", "margin", "border-left", "border-bottom", "text-align",
        "width", "vertical-align",
    }
)  # fmt: skip


def clean_output_html(html: str) -> str:
    """Allowlist an output's HTML: no meta refresh, base, style sheet, frame, form or script."""
    return bleach.clean(
        html,
        tags=_OUTPUT_TAGS,
        attributes=_output_attribute,
        strip=False,
        css_sanitizer=_OUTPUT_CSS,
    )


def for_sharing(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy fit to leave the machine: no stderr, no widget state, no run metadata."""
    nb = copy.deepcopy(nb)
    # papermill records paths and timings here; nothing of it belongs in a shared file.
    nb.metadata = nbformat.NotebookNode(
        {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info", "title")}
    )
    for i, cell in enumerate(nb.cells):
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k == "tags"}
        )
        cell["id"] = f"cell-{i:03d}"  # papermill's injected cell has a random id
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.outputs:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue  # warnings name library files on this machine
            data = out.get("data")
            if data is not None:
                for mime in (*INTERACTIVE_ONLY, *WRITTEN_RAW):
                    data.pop(mime, None)
                if not data:
                    continue
                if PLOTLY_MIME in data:
                    data[PLOTLY_MIME] = inert_chart(data[PLOTLY_MIME])
                if "text/html" in data:
                    data["text/html"] = clean_output_html("".join(data["text/html"]))
            kept.append(out)
        cell.outputs = kept
    return nb


def local_markers() -> list[str]:
    """Absolute paths of this machine that must never appear in a shared dossier."""
    markers = {str(Path.cwd()), str(Path.home()), sys.prefix, tempfile.gettempdir() + os.sep}
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or ""
    if user:
        markers |= {f"/home/{user}/", f"/Users/{user}/"}
    # Longest first: the most specific path is the one worth naming in the error.
    return sorted((m for m in markers if len(m) > 2 and m != os.sep), key=len, reverse=True)


#: Characters that continue a path or a host name: a marker next to one is inside a longer
#: word (``https://example.org/apps`` does not name the local folder ``/app``).
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-~")
#: Shared folders every machine has: named alone in prose, they say nothing of this machine;
#: a path below one (``/tmp/alice-secret/``) does.
_SHARED_FOLDERS = (tempfile.gettempdir(),)


def _names_local_path(text: str, marker: str) -> bool:
    """``text`` names ``marker`` as a path of its own (on path boundaries), not inside a word.

    A path starts where no path or host character precedes it (``file://`` counts as a
    start) and ends at the marker's end, at a separator, or at a character no path holds.
    Under a shared folder (the temporary folder) only a path below it counts.
    """
    start = text.find(marker)
    while start >= 0:
        end = start + len(marker)
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        opens = (
            not before
            or (before not in _PATH_CHARS and before != "/")
            or text[:start].endswith("file://")
        )
        closes = marker.endswith(os.sep) or not after or after not in _PATH_CHARS
        if opens and closes and _beyond_shared_folder(text, start, marker):
            return True
        start = text.find(marker, start + 1)
    return False


def _beyond_shared_folder(text: str, start: int, marker: str) -> bool:
    """Under a shared folder, only a path below it counts: the folder named alone is prose."""
    if not any(marker.rstrip(os.sep) == f.rstrip(os.sep) for f in _SHARED_FOLDERS):
        return True
    # A path below has a name right after the folder's separator.
    below = text[start + len(marker.rstrip(os.sep)) :].removeprefix(os.sep)
    return re.match(r"[^/\\\s\"'<>()\[\]{}:;,]", below) is not None


def find_local_path(
    nb: nbformat.NotebookNode, extra: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """(marker, where) for the first local absolute path in the notebook's shown text."""
    markers = [*local_markers(), *extra]
    for i, cell in enumerate(nb.cells):
        texts = [cell.source] if cell.cell_type == "markdown" else []
        for out in cell.get("outputs", []):
            texts.append(json.dumps(out, ensure_ascii=False))
        for text in texts:
            for marker in markers:
                if marker and _names_local_path(text, marker):
                    return marker, f"cell {i + 1}"
    return None


# --- the last line: nothing in the page but what the template writes -----------------


def content_security_policy(nonce: str) -> str:
    """The page's policy, written by the template as the first element of ``<head>``.

    Every fetch, frame and plugin is refused (``default-src 'none'``); only scripts with
    the page's nonce run ('unsafe-eval' for plotly's WebGL traces). ``base-uri`` and
    ``form-action`` stop a ``<base>`` or ``<form>`` from redirecting links or posting
    anywhere. Styles stay 'unsafe-inline': plotly.js adds ``<style>`` elements and style
    attributes while it draws, and the views colour their badges with style attributes;
    ``check_page`` keeps every style element and style property to the template's own.
    A meta policy cannot set ``frame-ancestors`` or ``sandbox``, and no browser implements
    ``navigate-to``: a ``<meta http-equiv=refresh>`` is refused by ``check_page`` instead.
    """
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}' 'unsafe-eval'; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


#: The <meta> elements of the page, in order: the policy, then the lab template's two.
def _own_metas(csp: str) -> list[dict[str, str]]:
    return [
        {"http-equiv": "Content-Security-Policy", "content": csp},
        {"charset": "utf-8"},
        {"name": "viewport", "content": "width=device-width, initial-scale=1.0"},
    ]


#: Elements that navigate, submit, load, or hold a document of their own. None is ours
#: (meta, style and script are checked apart: the template writes some of each).
_FOREIGN_TAGS = frozenset(
    {
        "applet", "audio", "base", "button", "dialog", "embed", "form", "frame", "frameset",
        "iframe", "input", "link", "math", "noscript", "object", "option", "portal", "select",
        "source", "svg", "template", "textarea", "track", "video",
    }
)  # fmt: skip
#: Attributes that name an address. Only ``a[href]`` and ``img[src]`` are ours.
_URL_ATTRIBUTES = frozenset(
    {
        "action", "background", "cite", "codebase", "data", "formaction", "href", "longdesc",
        "manifest", "ping", "poster", "src", "srcdoc", "srcset", "xlink:href",
    }
)  # fmt: skip
#: What a style attribute may set: the output allowlist's properties and markdown's alignment.
_STYLE_PROPERTIES = frozenset(cast("Iterable[str]", _OUTPUT_CSS.allowed_css_properties)) | {
    "text-align"
}


def _refusal(problem: str, source: str) -> ExportError:
    return ExportError(
        f"the page holds {problem}, which its template does not write",
        path=source,
        expected="text only from records, evidence and catalogues: markup is shown as text",
    )


def _attribute_problem(tag: Any, name: str, value: str) -> str | None:
    """Why an attribute of a body element is foreign, or None."""
    if name.startswith("on"):
        return f"an event handler ({name}= on a {tag.name} element)"
    if name == "http-equiv":
        return f"an http-equiv attribute on a {tag.name} element"
    if name == "style":
        for declaration in value.split(";"):
            prop = declaration.partition(":")[0].strip().lower()
            if prop and prop not in _STYLE_PROPERTIES:
                return f"a style attribute that sets {prop!r} on a {tag.name} element"
        if re.search(r"url\s*\(|expression\s*\(|@import", value, re.I):
            return f"a style attribute that loads something on a {tag.name} element"
        return None
    if name not in _URL_ATTRIBUTES:
        return None
    if tag.name == "img" and name == "src" and value.startswith("data:image/"):
        return None
    if tag.name == "a" and name == "href":
        # Into the page (heading anchors hold any character), or to a sibling dossier.
        if value.startswith("#") or _SHAREABLE_LINK.match(value):
            return None
        # A link the notebook's own markdown writes (allowlisted there); never an output's.
        outward = value.startswith(("http://", "https://", "mailto:"))
        if outward and tag.find_parent(class_="jp-MarkdownCell") is not None:
            return None
    return f"a link or address ({name}= on a {tag.name} element)"


def check_page(html: str, *, csp: str, nonce: str, source: str = "") -> None:
    """Refuse (ExportError) a page holding any element or attribute its template does not write.

    The last line behind escaping at the source: the page's <meta> elements are exactly the
    template's three at the top of <head>; style elements stand only in <head>; every script
    carries the page's nonce; no element navigates, submits or loads (base, form, iframe,
    object, embed, link...); no event handler, no address but the page's own anchors, its
    sibling dossiers, inline images and the notebook's markdown links; style attributes set
    only the properties the views use.
    """
    soup = BeautifulSoup(html, "html.parser")
    metas = soup.find_all("meta")
    head = soup.head
    first = head.find(True) if head is not None else None
    if [dict(m.attrs) for m in metas] != _own_metas(csp) or first is not metas[0]:
        raise _refusal("a meta element", source)
    if any(m.parent is not head for m in metas):
        raise _refusal("a meta element outside the head", source)
    for style in soup.find_all("style"):
        if style.parent is not head:
            raise _refusal("a style element outside the head", source)
    for script in soup.find_all("script"):
        if script.get("nonce") != nonce or script.has_attr("src"):
            raise _refusal("a script element without the page's nonce", source)
    for tag in soup.find_all(True):
        if tag.name in _FOREIGN_TAGS:
            raise _refusal(f"a {tag.name} element", source)
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            problem = _attribute_problem(tag, name.lower(), text)
            if problem is not None and not (tag in metas and name == "http-equiv"):
                raise _refusal(problem, source)


#: A tag as plotly.js tokenises chart text (``svg_text_utils``: split on ``<[^<>]*>``).
_PLOT_TAG = re.compile(r"<(/?)([^ >]*)(\s+[^>]*)?>")
#: Tags plotly.js draws as markup (its ``TAG_STYLES`` and ``br``); any other it shows as text.
_PLOT_MARKUP = frozenset({"a", "span", "b", "i", "em", "s", "u", "sub", "sup", "br"})
#: Of those, the ones that cannot link or restyle, when they carry no attribute.
_PLOT_BARE = _PLOT_MARKUP - {"a", "span"}


def _inert(text: str) -> str:
    def shown(m: re.Match[str]) -> str:
        name = m.group(2).lower()
        bare = name in _PLOT_BARE and not (m.group(3) or "").strip(" /")
        return m.group(0) if bare or name not in _PLOT_MARKUP else "&lt;" + m.group(0)[1:]

    return _PLOT_TAG.sub(shown, text)


def inert_chart(value: Any) -> Any:
    """A plotly figure whose text plotly draws as text: no link, no styled span.

    Plotly draws ``<a href>`` in chart text as a live link and ``style=`` as styled text.
    Chart code escapes user text with ``plot_text``; an ``<a>`` or ``<span>`` still there,
    or a ``<b>``, ``<br>``... with attributes, is a side door, so its ``<`` becomes
    ``&lt;``, which plotly shows as the character. Tags plotly does not know (``<script>``,
    ``<meta>``, ``<extra>`` of a hover) it leaves to their own use or shows as text;
    ``tojson`` escapes them in the page.
    """
    if isinstance(value, str):
        return _inert(value)
    if isinstance(value, dict):
        return {k: inert_chart(v) for k, v in value.items()}
    if isinstance(value, list):
        return [inert_chart(v) for v in value]
    return value


# --- the lab template's style sheet, cut to what the page uses ------------------------

#: Class prefixes of JupyterLab's own widgets and editors: in a page, only the lab
#: template's markup carries them (the page's scripts never add one).
_LAB_CLASS = re.compile(r"^(?:jp-|lm-|p-|cm-|CodeMirror)")
_CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')


def _lab_classes_needed(selector: list[Any]) -> set[str]:
    """The lab classes one selector needs, outside functional pseudo-classes (``:not(.x)``
    needs no ``x``; those are function tokens, not looked into)."""
    needed, dot = set(), False
    for token in selector:
        if token.type == "ident" and dot and _LAB_CLASS.match(token.value):
            needed.add(token.value)
        dot = token.type == "literal" and token.value == "."
    return needed


@dataclass(frozen=True)
class _Rule:
    """A rule of a style sheet, read once: its text, and the lab classes each of its
    selectors needs (None: kept on any page, as at-rules other than @media are)."""

    text: str
    needs: tuple[frozenset[str], ...] | None = None
    #: An @media or @supports block: its prelude ("@media print") and its own rules.
    block: tuple[_Rule, ...] | None = None


def _read_rules(rules: Iterable[Any]) -> tuple[_Rule, ...]:
    """Parsed rules as ``_Rule``s; ValueError on a parse error."""
    read = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors: list[list[Any]] = [[]]
            for token in rule.prelude:
                if token.type == "literal" and token.value == ",":
                    selectors.append([])
                else:
                    selectors[-1].append(token)
            needs = tuple(frozenset(_lab_classes_needed(s)) for s in selectors)
            read.append(_Rule(rule.serialize(), needs))
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
            inner = tinycss2.parse_rule_list(
                rule.content or [], skip_comments=True, skip_whitespace=True
            )
            prelude = tinycss2.serialize(rule.prelude)
            read.append(_Rule(f"@{rule.at_keyword}{prelude}", block=_read_rules(inner)))
        elif rule.type == "at-rule":
            read.append(_Rule(rule.serialize()))
        else:  # a parse error: leave the style sheet as it was
            raise ValueError(getattr(rule, "message", "unreadable CSS"))
    return tuple(read)


@lru_cache(maxsize=16)
def _style_sheet(text: str) -> tuple[_Rule, ...] | None:
    """A style sheet's rules, read once per process (every page carries the same lab
    style sheet: parsing it was a third of an export); None when tinycss2 cannot read it."""
    try:
        parsed = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        return _read_rules(parsed)
    except ValueError:
        return None


def _used_rules(rules: tuple[_Rule, ...], classes: set[str]) -> tuple[list[str], bool]:
    """The rules (as text) whose selectors can match with these classes, and whether any
    rule was dropped."""
    kept, dropped = [], False
    for rule in rules:
        if rule.block is not None:
            used, less = _used_rules(rule.block, classes)
            dropped |= less
            if used:
                kept.append(f"{rule.text}{{{chr(10).join(used)}}}")
        elif rule.needs is None or any(needed <= classes for needed in rule.needs):
            kept.append(rule.text)
        else:
            dropped = True
    return kept, dropped


def trim_lab_css(html: str) -> str:
    """The page with every CSS rule dropped that needs a JupyterLab class it does not carry.

    nbconvert's lab template inlines all of JupyterLab's style sheet (menus, dialogs, file
    browser, editors: 240 KB); a rule needing a class no element of the page has can match
    nothing, so the page looks the same without it (benchmarks/page_size.py; screenshots
    compared byte for byte at 1280 px, 390 px and in print). Rules on elements, other
    classes and attributes are all kept. A style sheet tinycss2 cannot read is kept whole.
    """
    classes = {c for m in _CLASS_ATTRIBUTE.finditer(html) for c in m.group(1).split()}
    out, done = [], 0
    for start, end in _style_sheets(html):
        rules = _style_sheet(html[start:end])
        if rules is None:
            continue
        used, dropped = _used_rules(rules, classes)
        if dropped:  # else nothing to drop: kept as written
            out += [html[done:start], "\n".join(used)]
            done = end
    return "".join(out) + html[done:]


class _StyleSheets(HTMLParser):
    """Where the text of each style element of the page's head begins and ends."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", page)]
        self.spans: list[tuple[int, int]] = []
        self.opened: int | None = None
        self.in_head = True

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_head = False
        elif tag == "style" and self.in_head:
            self.opened = self.position() + len(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        elif tag == "style" and self.opened is not None:
            self.spans.append((self.opened, self.position()))
            self.opened = None


def _style_sheets(html: str) -> list[tuple[int, int]]:
    """(start, end) of the text of every style element in the page's head."""
    parser = _StyleSheets(html)
    parser.feed(html)
    parser.close()
    return parser.spans


def export_html(
    nb: nbformat.NotebookNode,
    title: str,
    *,
    source: str | Path = "",
    extra_markers: tuple[str, ...] = (),
) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Refuses (ExportError) when what the page shows contains a local absolute path, or
    when the page or a chart holds markup its template does not write.
    """
    shared = for_sharing(nb)
    leak = find_local_path(shared, extra_markers)
    if leak is not None:
        marker, where = leak
        raise ExportError(
            f"{where} shows the local path {marker!r}; a shared dossier must not",
            path=source or title,
            expected="relative paths in records and notebooks",
        )
    # The nonce comes from the content: reproducible output, yet unguessable by that content.
    nonce_src = hashlib.sha256(nbformat.writes(shared).encode()).digest()[:18]
    nonce = base64.urlsafe_b64encode(nonce_src).decode()
    csp = content_security_policy(nonce)
    html, _ = _exporter().from_notebook_node(
        shared,
        resources={
            "metadata": {"name": title},
            "plotly_js": functools.partial(plotly_js, plotly_bundle(shared)),
            "plotly_digits": B85_DIGITS,
            "csp_nonce": nonce,
            "csp": csp,
        },
    )
    html = trim_lab_css(html)
    check_page(html, csp=csp, nonce=nonce, source=str(source or title))
    return html


def warm_exporter() -> None:
    """Export a one-cell notebook, so a worker's first dossier finds the templates compiled
    and the markdown renderer and sanitizer imported (a third of a second, paid at start)."""
    cell = nbformat.v4.new_markdown_cell("# Warm")
    output = nbformat.v4.new_output("display_data", data={"text/html": "warm"})
    code = nbformat.v4.new_code_cell("", outputs=[output])
    export_html(nbformat.v4.new_notebook(cells=[cell, code]), title="warm")
    plotly_js("cartesian")
