"""The portfolio page in Chromium: the answer first, a table to search, sort and filter, a phone.

Two pages are written by the batch's own path (``render.dossier.write_portfolio``): one from
a summary written by hand (``PAGE``, below), whose sort orders and filter results are
derived by hand in the comments, and one from the example portfolio (12 initiatives), for
the phone layout and the screenshots kept in test-artifacts/. Chromium is required (a
missing one fails, never skips); nothing may leave the page.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from test_portfolio import HAND_WRITTEN, blocker, hand, make_summary

from browser import OpenPage, open_page
from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# HAND_WRITTEN's alpha, beta, gamma, then two more; the page shows them in this order.
#   id       name              owner      claimed   supported  overclaimed  weakest     not met
#   alpha    Alpha triage      not named  mvp       prototype  yes          trust       2
#   beta     Beta search       Ben Ortiz  candidate candidate  no           —           1
#   gamma    Gamma drafts      Cleo Park  production mvp       yes          governance  1
#   delta    delta intake      Ben Ortiz  mvp       mvp        no           data        3
#   epsilon  Epsilon routing   not named  prototype prototype  no           trust       10
PAGE: dict[str, Any] = copy.deepcopy(HAND_WRITTEN)
PAGE["initiatives"] += [
    hand(
        "delta",
        "delta intake",  # lower case: the sort ignores case
        "mvp",
        "mvp",
        owner="Ben Ortiz",
        weakest_area="data",
        gates={"mvp": True, "production_candidate": False, "production": False},
        blockers=[
            blocker(f"data.d{n}", "production_candidate", "data", who=[("builders", None)])
            for n in range(3)
        ],
    ),
    hand(
        "epsilon",
        "Epsilon routing",
        "prototype",
        "prototype",
        weakest_area="trust",
        # 10 sorts after 2 and 3: numbers compare as numbers, not as text
        blockers=[
            blocker(f"trust.t{n}", "mvp", "trust", who=[("builders", None)]) for n in range(10)
        ],
    ),
]
ORDER = ["alpha", "beta", "gamma", "delta", "epsilon"]

ROW_IDS = (
    "Array.from(document.querySelectorAll('table.wb-portfolio tbody tr'))"
    ".filter(tr => !tr.hidden).map(tr => tr.cells[0].querySelector('code').textContent)"
)
ARIA_SORT = (
    "Array.from(document.querySelectorAll('table.wb-portfolio thead th'))"
    ".map(th => th.getAttribute('aria-sort'))"
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    from workbook.render.dossier import write_portfolio

    written = {}
    for name, data in (("hand", PAGE), ("example", make_summary())):
        work = tmp_path_factory.mktemp(f"portfolio-{name}")
        (work / "summary.json").write_text(json.dumps(data))
        written[name] = write_portfolio(work / "summary.json", work)
    return written


def header(page: OpenPage, label: str) -> str:
    """The selector of the sort button in the header cell that reads ``label``.

    Call it outside ``page.run``: it evaluates in the page itself."""
    labels = page.evaluate(
        "Array.from(document.querySelectorAll('table.wb-portfolio thead th'))"
        ".map(th => th.textContent.trim())"
    )
    index = [x.split("\n")[0].strip() for x in labels].index(label)
    return f"table.wb-portfolio thead th:nth-child({index + 1}) button.wb-sort"


def click(page: OpenPage, label: str) -> None:
    """Press the sort button of the column headed ``label`` with the mouse."""
    selector = header(page, label)
    page.run(lambda p: p.click(selector))


def quiet(page: OpenPage) -> None:
    """Nothing left the page, nothing failed in it."""
    report = page.report()
    assert (report.requests, report.console_errors, report.dialogs) == ([], [], [])


# --- without script ----------------------------------------------------------------------


def test_without_script_the_table_is_complete_and_the_page_holds_no_control(pages):
    soup = BeautifulSoup(pages["hand"].read_text(), "html.parser")
    rows = soup.select("table.wb-portfolio tbody tr")
    assert [tr.select_one("td code").get_text() for tr in rows] == ORDER
    # The controls are the script's to make (check_page refuses them in the page's HTML).
    assert soup.select("input, select, button, form") == []
    # One tables script, under the page's nonce, at the end of <body>.
    scripts = [s for s in soup.body.find_all("script") if "data-wb-sortable" in s.get_text()]
    assert len(scripts) == 1 and scripts[0].get("nonce")
    assert scripts[0].find_next("script") is None


# --- sorting ---------------------------------------------------------------------------------


def test_sort_by_clicking_a_header_button(pages):
    with open_page(pages["hand"], wait_for="button.wb-sort") as page:
        assert page.evaluate(ROW_IDS) == ORDER and page.evaluate(ARIA_SORT) == [None] * 8
        click(page, "Not yet met")
        # 1, 1, 2, 3, 10; beta and gamma tie at 1 and keep the page's order
        assert page.evaluate(ROW_IDS) == ["beta", "gamma", "alpha", "delta", "epsilon"]
        assert page.evaluate(ARIA_SORT)[6] == "ascending"
        click(page, "Not yet met")
        assert page.evaluate(ROW_IDS) == ["epsilon", "delta", "alpha", "beta", "gamma"]
        assert page.evaluate(ARIA_SORT)[6] == "descending"
        click(page, "Initiative")
        # by name, ignoring case: Alpha, Beta, delta, Epsilon, Gamma
        assert page.evaluate(ROW_IDS) == ["alpha", "beta", "delta", "epsilon", "gamma"]
        aria = page.evaluate(ARIA_SORT)
        assert aria[0] == "ascending" and aria[1:] == [None] * 7, "one sorted column at a time"
        click(page, "Weakest area")
        # the model's order of areas: data (1), trust (2), trust (2), governance (6), none last
        assert page.evaluate(ROW_IDS) == ["delta", "alpha", "epsilon", "gamma", "beta"]
        quiet(page)


def test_sort_with_the_keyboard(pages):
    with open_page(pages["hand"], wait_for="button.wb-sort") as page:
        supported = header(page, "Supported")
        page.run(lambda p: p.focus(supported))
        assert page.evaluate("document.activeElement.closest('th').textContent.trim()")
        page.run(lambda p: p.keyboard.press("Enter"))
        # stage order, not the alphabet: prototype (alpha, epsilon), mvp (gamma, delta),
        # production candidate (beta)
        assert page.evaluate(ROW_IDS) == ["alpha", "epsilon", "gamma", "delta", "beta"]
        assert page.evaluate(ARIA_SORT)[1] == "ascending"
        page.run(lambda p: p.keyboard.press("Space"))
        assert page.evaluate(ROW_IDS) == ["beta", "gamma", "delta", "alpha", "epsilon"]
        assert page.evaluate(ARIA_SORT)[1] == "descending"
        # Tab reaches the next column's button
        page.run(lambda p: p.keyboard.press("Tab"))
        focused = page.evaluate("document.activeElement.closest('th').textContent")
        assert focused.startswith("Label warnings")
        quiet(page)


# --- search and filters ------------------------------------------------------------------------


def choose(page: OpenPage, label: str, value: str) -> None:
    page.run(lambda p: p.get_by_label(label, exact=True).select_option(value=value))


def test_search_narrows_the_rows(pages):
    with open_page(pages["hand"], wait_for="input.wb-search") as page:
        count = "document.querySelector('.wb-count').textContent"
        assert page.evaluate(count) == "Showing 5 of 5 initiatives."
        page.run(lambda p: p.fill("input.wb-search", "ben"))  # Ben Ortiz owns beta and delta
        assert page.evaluate(ROW_IDS) == ["beta", "delta"]
        assert page.evaluate(count) == "Showing 2 of 5 initiatives."
        page.run(lambda p: p.fill("input.wb-search", "GAMMA drafts"))  # words, any case
        assert page.evaluate(ROW_IDS) == ["gamma"]
        page.run(lambda p: p.fill("input.wb-search", "no such initiative"))
        assert page.evaluate(ROW_IDS) == []
        assert page.evaluate(count) == "Showing 0 of 5 initiatives."
        page.run(lambda p: p.fill("input.wb-search", ""))
        assert page.evaluate(ROW_IDS) == ORDER
        quiet(page)


@pytest.mark.parametrize(
    ("label", "options", "value", "rows"),
    [
        # options: "All", then the column's values in its sort order
        ("Owner", ["Ben Ortiz", "Cleo Park", "not named"], "Ben Ortiz", ["beta", "delta"]),
        ("Owner", ["Ben Ortiz", "Cleo Park", "not named"], "not named", ["alpha", "epsilon"]),
        (
            "Supported stage",
            ["prototype", "mvp", "production candidate"],
            "mvp",
            ["gamma", "delta"],
        ),
        ("Overclaimed", ["not overclaimed", "overclaimed"], "overclaimed", ["alpha", "gamma"]),
        ("Weakest area", ["data", "trust", "governance", "none"], "trust", ["alpha", "epsilon"]),
    ],
)
def test_each_filter_keeps_only_its_rows(pages, label, options, value, rows):
    with open_page(pages["hand"], wait_for="select.wb-filter") as page:
        shown = page.run(
            lambda p: p.get_by_label(label, exact=True).evaluate(
                "s => Array.from(s.options).map(o => o.textContent)"
            )
        )
        assert shown == ["All", *options]
        choose(page, label, value)
        assert page.evaluate(ROW_IDS) == rows
        choose(page, label, "")
        assert page.evaluate(ROW_IDS) == ORDER
        quiet(page)


def test_filters_and_search_combine(pages):
    with open_page(pages["hand"], wait_for="select.wb-filter") as page:
        choose(page, "Overclaimed", "not overclaimed")  # beta, delta, epsilon
        choose(page, "Owner", "Ben Ortiz")  # beta, delta
        assert page.evaluate(ROW_IDS) == ["beta", "delta"]
        page.run(lambda p: p.fill("input.wb-search", "intake"))
        assert page.evaluate(ROW_IDS) == ["delta"]
        click(page, "Not yet met")  # sorting keeps the filter
        assert page.evaluate(ROW_IDS) == ["delta"]
        quiet(page)


# --- the answer first, on a phone and on a desktop -----------------------------------------


FIRST_SCREEN = """(() => {
  const verdict = document.querySelector('.wb-verdict-line').getBoundingClientRect();
  const toc = document.querySelector('nav.dossier-toc').getBoundingClientRect();
  return {verdictTop: verdict.top, verdictBottom: verdict.bottom, tocTop: toc.top,
          height: innerHeight, width: innerWidth,
          scrollWidth: document.scrollingElement.scrollWidth};
})()"""

TABLE_BOX = """(() => {
  const table = document.querySelector('table.wb-portfolio');
  table.scrollLeft = 400;
  const cell = table.tBodies[0].rows[0].cells[0].getBoundingClientRect();
  const box = table.getBoundingClientRect();
  return {scrolls: table.scrollWidth > table.clientWidth, scrolled: table.scrollLeft,
          cellLeft: cell.left, boxLeft: box.left, boxRight: box.right, width: innerWidth};
})()"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_first_screen_holds_the_verdict_and_nothing_scrolls_the_page_sideways(pages, size):
    with open_page(pages["example"], wait_for=".js-plotly-plot .main-svg") as page:
        page.run(lambda p: p.set_viewport_size(size))
        page.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 300)))")
        first = page.evaluate(FIRST_SCREEN)
        assert first["width"] == size["width"]
        assert first["verdictTop"] >= 0 and first["verdictBottom"] <= first["height"], first
        assert first["tocTop"] > first["verdictBottom"], "the contents come after the answer"
        assert first["scrollWidth"] <= first["width"], "no page-level horizontal scroll"
        box = page.evaluate(TABLE_BOX)
        assert box["boxRight"] <= box["width"], "the table's box stays within the page"
        if size is PHONE:
            assert box["scrolls"] and box["scrolled"] > 0, "the table scrolls in its own box"
            assert abs(box["cellLeft"] - box["boxLeft"]) <= 1, "the initiative stays in view"
        assert page.evaluate(FIRST_SCREEN)["scrollWidth"] <= size["width"]
        page.evaluate("document.querySelector('table.wb-portfolio').scrollLeft = 0")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(ARTIFACTS / f"portfolio-{size['width']}.png")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        quiet(page)


# --- any page: the script's attributes survive the sanitizer, and nothing else does --------


def exported(tmp_path: Path, html: str) -> Path:
    """A one-output page through the dossier exporter (its sanitizer and check_page)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from workbook.render.export import export_html

    cell = new_code_cell(
        "x", outputs=[new_output("display_data", data={"text/html": html, "text/plain": "t"})]
    )
    nb = new_notebook(cells=[cell])
    path = tmp_path / "page.html"
    path.write_text(export_html(nbformat.from_dict(nb), "page"))
    return path


TABLE = (
    '<table class="wb-table" {attrs}><thead><tr><th {th}>Name</th></tr></thead>'
    "<tbody><tr><td {td}>b</td></tr><tr><td {td}>a</td></tr></tbody></table>"
)
CONTROLS = "document.querySelectorAll('.wb-controls, button, input, select').length"


def test_a_page_without_a_sortable_table_gets_no_control(tmp_path):
    page = exported(tmp_path, TABLE.format(attrs="", th="", td=""))
    with open_page(page) as opened:
        assert opened.evaluate(CONTROLS) == 0
        quiet(opened)


def test_only_the_tables_own_data_attributes_reach_the_page(tmp_path):
    html = TABLE.format(
        attrs='data-wb-sortable="rows" data-x="1" data-wb-sort="no"',
        th='data-wb-filter="Name" data-wb-value="no"',
        td='data-wb-sort="k" data-wb-value="v" data-wb-filter="no" data-href="x"',
    )
    page = exported(tmp_path, html)
    soup = BeautifulSoup(page.read_text(), "html.parser")
    table = soup.select_one("table.wb-table")
    assert table.attrs == {"class": ["wb-table"], "data-wb-sortable": "rows"}
    assert soup.select_one("th").attrs == {"data-wb-filter": "Name"}
    assert [td.attrs for td in soup.select("td")] == [
        {"data-wb-sort": "k", "data-wb-value": "v"}
    ] * 2
    with open_page(page, wait_for=".wb-controls") as opened:
        # a search box, one filter, the count; a sort button in the one header cell
        assert opened.evaluate(CONTROLS) == 1 + 2 + 1
        quiet(opened)
