"""The lab template's style sheet, cut to the rules a page can use (export.trim_lab_css)."""

from __future__ import annotations

import re

from workbook.render.export import trim_lab_css

PAGE = """<html><head><style type="text/css">{css}</style></head>
<body class="jp-Notebook"><div class="jp-Cell wb-cover"><p>x</p></div></body></html>"""


def kept(css: str) -> str:
    """The style sheet of PAGE after trimming, its whitespace collapsed."""
    html = trim_lab_css(PAGE.format(css=css))
    (style,) = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    return " ".join(style.split())


def test_a_rule_needing_a_lab_class_the_page_lacks_is_dropped():
    # The page carries jp-Notebook and jp-Cell, not jp-Dialog or lm-Menu.
    assert kept(".jp-Dialog { color: red; } .jp-Cell { margin: 0; }") == ".jp-Cell { margin: 0; }"
    assert kept(".lm-Menu .jp-Cell { color: red; } p { margin: 0; }") == "p { margin: 0; }"


def test_rules_that_might_match_are_kept():
    # One matching selector of a list; a class that is not the lab's (a script may add it);
    # a lab class only inside :not(); elements, attributes and the root's variables.
    css = (
        ".jp-Dialog, .jp-Cell p { color: red; }\n"
        ".plotly .modebar { display: none; }\n"
        ".jp-Cell:not(.jp-mod-active) { margin: 0; }\n"
        "[data-jp-theme-light] body { color: black; }\n"
        ":root { --jp-x: 1px; }"
    )
    assert kept(css) == " ".join(css.split())


def test_media_blocks_keep_what_might_match_and_vanish_when_empty():
    css = "@media print { .jp-Toolbar { display: none; } .jp-Cell { break-inside: avoid; } }"
    assert kept(css) == "@media print {.jp-Cell { break-inside: avoid; }}"
    assert kept("@media print { .jp-Toolbar { display: none; } } p { margin: 0; }") == (
        "p { margin: 0; }"
    )


def test_a_style_sheet_with_nothing_to_drop_is_left_as_written():
    css = '.jp-Cell  {  content: " \\2195"; }  /* why */'
    page = PAGE.format(css=css)
    assert trim_lab_css(page) == page


def test_the_body_is_never_touched():
    page = PAGE.format(css=".jp-Dialog { color: red; }").replace("<p>x</p>", "<p>.jp-Dialog {}</p>")
    trimmed = trim_lab_css(page)
    assert trimmed.split("</head>")[1] == page.split("</head>")[1]
