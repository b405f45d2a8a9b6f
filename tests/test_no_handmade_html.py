"""No HTML is written by hand in Python: it comes from workbook/present/templates only.

Every ``workbook/**/*.py`` is parsed with ``ast``; a string literal or f-string
holding an HTML tag fails the test, and so does wrapping anything in ``Markup``
outside the presentation layer (that is how escaping would be bypassed).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "workbook"

#: A tag (``<td>``, ``</p >``, ``<span class=``, ``<br/>``): as in HTML's tokenizer, the
#: name follows ``<`` or ``</`` at once ("a < b" is text). The name is then checked
#: against HTML's element names, so placeholders in prose and messages (``<id>.html``,
#: ``trust.thresholds.<name>``, a regex's ``(?P<x>``) are not mistaken for markup.
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)[\s>/]")
_ELEMENT_NAMES = """a abbr address area article aside audio b base bdi bdo blockquote body br button
    canvas caption cite code col colgroup data datalist dd del details dfn dialog div dl dt
    em embed fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr
    html i iframe img input ins kbd label legend li link main map mark math menu meta meter
    nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby
    s samp script search section select slot small source span strong style sub summary sup
    svg table tbody td template textarea tfoot th thead time title tr track u ul var video
    wbr"""
ELEMENTS = frozenset(_ELEMENT_NAMES.split())

#: Files that may hold markup in strings. Keep this tiny; say why for each.
ALLOWED = {
    # The presentation layer itself: its docstring shows a template, and its plotly
    # constants are plotly's own hover-template markup (PLOT_BREAK, PLOT_NO_TRACE_BOX).
    "workbook/present/html.py": "the escaped presentation layer",
}


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of docstring nodes: documentation is never output as HTML."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _literal_text(node: ast.AST) -> str | None:
    """The text of a string literal; an f-string with each placeholder as ``x``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        # A placeholder stands in as a letter: f"<td>{v}</td>" reads "<td>x</td>".
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def markup_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal or f-string in ``source`` holding an HTML tag."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    inner = {  # the constant parts of an f-string are reported once, as the f-string
        id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values
    }
    hits = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        text = _literal_text(node)
        if text is None:
            continue
        if any(m.group(1).lower() in ELEMENTS for m in TAG.finditer(text)):
            hits.append((node.lineno, text))
    return sorted(hits)


def markup_calls(source: str) -> list[int]:
    """Lines that call ``Markup(...)``: only the presentation layer may declare text safe."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
            if name == "Markup":
                lines.append(node.lineno)
    return lines


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_allowlist_names_existing_files():
    for name in ALLOWED:
        assert (REPO / name).is_file(), f"stale allowlist entry {name}"


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_no_string_in_the_package_holds_an_html_tag(path):
    if _rel(path) in ALLOWED:
        return
    hits = markup_in(path.read_text(encoding="utf-8"))
    assert hits == [], (
        f"{_rel(path)} builds HTML in Python; write it in workbook/present/templates "
        f"(see workbook/present/html.py): {hits}"
    )


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_only_the_presentation_layer_declares_text_safe(path):
    if _rel(path) in ALLOWED:
        return
    assert markup_calls(path.read_text(encoding="utf-8")) == []


# The detector itself: each case written by hand.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('x = "<td>cell</td>"', [1]),
        ("x = f'<span class=\"{c}\">'", [1]),
        ('x = f"<td class={cls}>{v}"', [1]),
        ('x = "</p >"', [1]),
        ('x = "<br/>"', [1]),
        ('x = ("a"\n     "<li>b")', [1]),  # implicit concatenation is one literal
        ('"""A docstring may show <td>."""', []),
        ('def f():\n    """Or <b>bold</b>."""\n    return "<b>"', [3]),
        ('x = "expected a file name like <id>.html"', []),
        ('x = "trust.thresholds.<name>"', []),
        ('x = f"(?P<{name}>[0-9]+)"', []),
        ('x = "a < b and c > d"', []),
        ('x = "%{y}: %{text}"', []),
    ],
)
def test_markup_detector(source, expected):
    assert [line for line, _ in markup_in(source)] == expected


def test_markup_call_detector():
    assert markup_calls("from markupsafe import Markup\ny = Markup(f'<b>{x}</b>')") == [2]
    assert markup_calls("import markupsafe\ny = markupsafe.Markup(x)") == [2]
    assert markup_calls("y = str(x)") == []
