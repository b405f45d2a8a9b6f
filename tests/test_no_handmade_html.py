"""No HTML is written by hand in Python: it comes from workbook/present/templates only.

Every ``workbook/**/*.py`` is parsed with ``ast``; a string literal, f-string or
concatenation whose constant text holds an HTML tag fails the test, and so does
any import of ``markupsafe`` or of ``Markup``, or any use of ``Markup``, outside
the presentation layer (that is how escaping would be bypassed).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TypeGuard

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


def _is_concatenation(node: ast.AST) -> TypeGuard[ast.BinOp]:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)


def _text(node: ast.AST) -> str:
    """The constant text an expression builds; anything computed stands in as ``x``.

    A placeholder stands in as a letter: f"<td>{v}</td>" reads "<td>x</td>", and
    "<" + "td>" reads "<td>", as does f"{'<'}td>".
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _text(node.value)
    if _is_concatenation(node):
        return _text(node.left) + _text(node.right)
    return "x"


def _literal_text(node: ast.AST) -> str | None:
    """The text of a string literal, f-string or concatenation holding a string; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return _text(node)
    if _is_concatenation(node):
        parts = [n for n in ast.walk(node) if isinstance(n, ast.Constant | ast.JoinedStr)]
        return _text(node) if parts else None
    return None


def markup_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal, f-string or concatenation holding an HTML tag."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    # The parts of an f-string or a concatenation are reported once, as the whole.
    inner = {
        id(part)
        for n in ast.walk(tree)
        if isinstance(n, ast.JoinedStr) or _is_concatenation(n)
        for part in ast.walk(n)
        if part is not n
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


def _names_markupsafe(module: str | None) -> bool:
    return module is not None and (module == "markupsafe" or module.startswith("markupsafe."))


def markup_bypasses(source: str) -> list[int]:
    """Lines that could declare text safe: only the presentation layer may.

    Any import of ``markupsafe`` (aliases included), any import of a name ``Markup``
    (from anywhere), any name or attribute ``Markup`` (a call, an alias, an
    annotation), and ``__import__``/``import_module``/``getattr`` reaching either.
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            hit = any(_names_markupsafe(a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            hit = _names_markupsafe(node.module) or any(
                a.name in ("Markup", "markupsafe") for a in node.names
            )
        elif isinstance(node, ast.Name):
            hit = node.id == "Markup"
        elif isinstance(node, ast.Attribute):
            hit = node.attr == "Markup"
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
            hit = name in ("__import__", "import_module", "getattr") and any(
                isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and (arg.value == "Markup" or _names_markupsafe(arg.value))
                for arg in node.args
            )
        else:
            continue
        if hit:
            lines.append(node.lineno)
    return sorted(set(lines))


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
    assert markup_bypasses(path.read_text(encoding="utf-8")) == [], (
        f"{_rel(path)} reaches markupsafe or Markup; only workbook/present/html.py may"
    )


def test_the_presentation_layer_does_not_offer_markup():
    from workbook.present import html

    assert "Markup" not in html.__all__, "exporting it invites bypassing the templates"


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
        # Concatenation: the constant text the pieces make is checked as one.
        ('x = "<" + "td>"', [1]),
        ('x = "<t" + "d>" + cell + "</" + "td>"', [1]),
        ("x = '<' + f'td class={c}>'", [1]),
        ("x = f\"{'<'}td>\"", [1]),
        ('x = ("<"\n     + "li>")', [1]),
        ('x = "<" + tag + ">"', []),  # the tag is computed: nothing to read
        ('x = "a <" + " b"', []),
        ("x = 1 + 2", []),
    ],
)
def test_markup_detector(source, expected):
    assert [line for line, _ in markup_in(source)] == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from markupsafe import Markup\ny = Markup(f'<b>{x}</b>')", [1, 2]),
        ("import markupsafe\ny = markupsafe.Markup(x)", [1, 2]),
        ("from markupsafe import Markup as M\ny = M(x)", [1]),
        ("import markupsafe as ms", [1]),
        ("from markupsafe import escape", [1]),
        ("import markupsafe._native", [1]),
        ("from workbook.present.html import Markup as Safe", [1]),
        ("from workbook.present import html\nSafe = html.Markup", [2]),
        ("def f(x: Markup) -> str: ...", [1]),
        ("m = __import__('markupsafe')", [1]),
        ("import importlib\nm = importlib.import_module('markupsafe')", [2]),
        ("from workbook.present import html\nS = getattr(html, 'Markup')", [2]),
        ("y = str(x)", []),
        ("from workbook.present.html import macro, render", []),
        ('x = "Markup is explained in html.py"', []),
    ],
)
def test_markup_bypass_detector(source, expected):
    assert markup_bypasses(source) == expected
