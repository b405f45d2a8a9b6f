"""Export of in-memory notebooks: self-contained, script-safe, nothing local leaks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbook.paths import TEMPLATES
from workbook.render.export import ExportError, export_html, plotly_js

PLOTLY_MIME = "application/vnd.plotly.v1+json"
HOSTILE = '</script><img src=x onerror="window.__pwned=1">'


def plotly_output(title: str = "chart") -> nbformat.NotebookNode:
    figure = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {"title": {"text": title}}}
    return new_output("display_data", data={PLOTLY_MIME: figure, "text/plain": "Figure"})


def notebook(*cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def code(source: str, *outputs) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.outputs = list(outputs)
    return cell


def outside_plotly(html: str) -> str:
    return html.replace(plotly_js(), "")


def test_plotly_output_renders_with_plotly_js_inlined_once():
    nb = notebook(code("fig1", plotly_output()), code("fig2", plotly_output()))
    html = export_html(nb, "t")
    assert html.count(plotly_js()) == 1
    assert html.count("Plotly.newPlot(el") == 2


def test_no_plotly_js_without_charts():
    html = export_html(notebook(new_markdown_cell("# Only text")), "t")
    assert plotly_js()[:200] not in html
    assert len(html) < 400_000


def test_nothing_is_fetched_from_a_network():
    nb = notebook(
        new_markdown_cell("# T\n\n![remote](https://example.com/x.png)"), code("f", plotly_output())
    )
    html = outside_plotly(export_html(nb, "t"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select("script[src]") == [] and soup.select("link") == []
    assert soup.select("img[src^=http]") == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "cdnjs" not in html and "MathJax.js" not in html and "require.min.js" not in html


def test_content_security_policy_blocks_fetches_and_foreign_scripts():
    html = export_html(notebook(code("f", plotly_output())), "t")
    soup = BeautifulSoup(html, "html.parser")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = soup.find_all("script")
    assert scripts and all(s.get("nonce") == nonce for s in scripts)


def test_markdown_raw_html_cannot_run_script():
    nb = notebook(
        new_markdown_cell(f"# Title\n\nHello {HOSTILE} <a href='javascript:alert(1)'>x</a>")
    )
    soup = BeautifulSoup(export_html(nb, "t"), "html.parser")
    assert soup.select("[onerror]") == []
    assert not [a for a in soup.find_all("a") if a.get("href", "").startswith("javascript")]
    assert not [s for s in soup.find_all("script") if "__pwned" in s.text]


def test_hostile_text_in_chart_json_cannot_close_the_script():
    html = export_html(notebook(code("f", plotly_output(HOSTILE))), "t")
    assert HOSTILE not in html
    assert "\\u003c/script\\u003e\\u003cimg src=x onerror" in html


def test_inputs_stderr_widgets_and_run_metadata_are_dropped():
    cell = code(
        "secret_source_code()",
        new_output("stream", name="stderr", text="/home/alice/venv/lib/warnings.py:1: Warning"),
        new_output("stream", name="stdout", text="visible output"),
        new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}
        ),
    )
    nb = notebook(cell)
    nb.metadata["papermill"] = {"input_path": "/somewhere/secret.ipynb"}
    html = export_html(nb, "t")
    assert "secret_source_code" not in html
    assert "visible output" in html
    assert "warnings.py" not in html and "/somewhere" not in html and "model_id" not in html


def test_local_absolute_path_refuses_to_export():
    nb = notebook(
        code("x", new_output("stream", name="stdout", text=f"read {Path.cwd()}/data.csv"))
    )
    with pytest.raises(ExportError) as err:
        export_html(nb, "t", source="x.yaml")
    assert str(err.value) == (
        f"x.yaml: cell 1 shows the local path {str(Path.cwd())!r}; a shared dossier must not "
        "(expected relative paths in records and notebooks)"
    )


@pytest.mark.parametrize("user", ["build", "lib", "dist", "app"])
def test_user_names_that_occur_in_plotly_js_do_not_block_export(monkeypatch, user):
    monkeypatch.setenv("USER", user)
    html = export_html(notebook(code("f", plotly_output(f"https://portal/{user}/x"))), "t")
    assert plotly_js() in html


def test_temp_folder_paths_are_caught(tmp_path):
    nb = notebook(
        code("x", new_output("stream", name="stdout", text="see /tmp/alice-secret/data.csv"))
    )
    with pytest.raises(ExportError, match="/tmp/"):
        export_html(nb, "t")


def test_html_outputs_pass_an_allowlist():
    hostile = (
        '<meta http-equiv="refresh" content="0;url=http://evil.example/">'
        '<base href="http://evil.example/"><link rel="stylesheet" href="http://evil.example/x.css">'
        "<style>.wb-blockers{display:none}</style><iframe src='http://evil.example'></iframe>"
        "<form action='http://evil.example'><input name=q></form>"
        '<table class="wb-table"><tr><td style="background:#007A5A;position:fixed">kept</td></tr></table>'
    )
    nb = notebook(
        code("x", new_output("display_data", data={"text/html": hostile, "text/plain": "x"}))
    )
    soup = BeautifulSoup(export_html(nb, "t"), "html.parser")
    for tag in ("iframe", "form", "input", "base"):
        assert soup.find_all(tag) == [], tag
    assert not [m for m in soup.find_all("meta") if m.get("http-equiv") == "refresh"]
    assert not [s for s in soup.find_all("style") if "wb-blockers" in s.text]
    cell = soup.find("td", string="kept")
    assert cell["style"] == "background:#007A5A;", "view styling kept, layout tricks dropped"


def test_table_of_contents_lists_chapter_headings():
    nb = notebook(
        new_markdown_cell("# Readiness dossier"),
        new_markdown_cell("## 1. Stage <em>x</em>"),
        new_markdown_cell("### detail"),
    )
    soup = BeautifulSoup(export_html(nb, "t"), "html.parser")
    assert [a.get_text() for a in soup.select("nav.dossier-toc a")] == [
        "Readiness dossier",
        "1. Stage x",
    ]
    assert all(soup.find(id=a["href"][1:]) for a in soup.select("nav.dossier-toc a"))


def test_contents_stand_where_the_toc_cell_is_and_charts_have_labels():
    toc = new_markdown_cell("")
    toc.metadata["tags"] = ["toc"]
    nb = notebook(
        new_markdown_cell("# Title"),
        code("f", plotly_output("Readiness &lt;x&gt;")),
        toc,
        new_markdown_cell("## Chapter"),
    )
    html = export_html(nb, "t")
    assert html.index('class="dossier-plotly"') < html.index("<nav") < html.index('id="Chapter"')
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".dossier-plotly")["aria-label"] == "Readiness <x>"
    assert soup.select_one(".dossier-plotly")["role"] == "img"
    assert soup.select_one("nav.dossier-toc .dossier-toc-title").get_text() == "Contents"


def test_title_is_escaped():
    html = export_html(notebook(new_markdown_cell("# x")), "Readiness dossier: <b>x</b>")
    assert "<title>Readiness dossier: &lt;b&gt;x&lt;/b&gt;</title>" in html


def test_export_is_reproducible():
    nb = notebook(new_markdown_cell("# x"), code("f", plotly_output()))
    assert export_html(nb, "t") == export_html(nb, "t")


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("claims-triage.html", True),
        ("#Chapter", True),
        ("x.html#top", True),
        ("../../etc/passwd", False),
        ("javascript:alert(1)", False),
        ("https://evil.example/x.html", False),
        (".hidden.html", False),
        ("/abs/x.html", False),
    ],
)
def test_output_links_only_to_sibling_dossiers(href, kept):
    html = f'<table><tr><td><a href="{href}">go</a></td></tr></table>'
    nb = notebook(
        code("x", new_output("display_data", data={"text/html": html, "text/plain": "x"}))
    )
    soup = BeautifulSoup(export_html(nb, "t"), "html.parser")
    links = [a for a in soup.find_all("a") if a.get_text() == "go"]
    assert [a.get("href") for a in links] == ([href] if kept else [None])


# Attribute break-out and tag injection, written as a chart title and as heading text.
META = '"><meta http-equiv=refresh content="0;url=//x">'
IMG = "<img src=x onerror=alert(1)>"
#: The same words in markdown: entities, so that the heading's *text* is the hostile literal.
MD_HOSTILE = "&quot;&gt;&lt;meta http-equiv=refresh content=&quot;0;url=//x&quot;&gt; &lt;img src=x onerror=alert(1)&gt;"


def test_hostile_chart_title_heading_and_page_title_stay_text():
    toc = new_markdown_cell("")
    toc.metadata["tags"] = ["toc"]
    nb = notebook(
        new_markdown_cell(f"# Dossier {MD_HOSTILE}"),
        code("f", plotly_output(f"Readiness {META} {IMG}")),
        toc,
        new_markdown_cell(f"## Chapter {MD_HOSTILE}"),
    )
    html = export_html(nb, f"Readiness dossier: {META} {IMG}")
    soup = BeautifulSoup(html, "html.parser")
    # Exactly the <meta> tags the template writes: the CSP, then the lab template's two.
    assert [
        (m.get("http-equiv"), m.get("charset"), m.get("name")) for m in soup.find_all("meta")
    ] == [
        ("Content-Security-Policy", None, None),
        (None, "utf-8", None),
        (None, None, "viewport"),
    ]
    assert soup.find_all("img") == [] and soup.select("[onerror]") == []
    # Each value is the literal text again once parsed, so it was escaped where written.
    assert soup.select_one(".dossier-plotly")["aria-label"] == f"Readiness {META} {IMG}"
    assert [a.get_text() for a in soup.select("nav.dossier-toc a")] == [
        f"Dossier {META} {IMG}",
        f"Chapter {META} {IMG}",
    ]
    for a in soup.select("nav.dossier-toc a"):
        (target,) = soup.find_all(id=a["href"][1:])
        assert target.name in ("h1", "h2")
    assert soup.title.get_text() == f"Readiness dossier: {META} {IMG}"
    # Nowhere in the page does the literal stand unescaped (the chart JSON escapes it too).
    assert META not in html and IMG not in html


#: Output expressions the dossier template may write unescaped, each for a reason:
#: the template's own markup, plotly.js (checked to hold no '</script'), script-safe JSON.
UNESCAPED = {"super()", "toc_nav()", "resources.plotly_js()", "output.data[PLOTLY_MIME] | tojson"}


def test_every_value_the_dossier_template_writes_is_escaped():
    # The page template and every piece it includes (print rules, tables, chart script).
    parts = sorted((TEMPLATES / "dossier").glob("*.j2"))
    assert len(parts) >= 5, parts
    template = "\n".join(p.read_text() for p in parts)
    code_only = re.sub(r"\{#.*?#\}", "", template, flags=re.S)
    expressions = [e.strip() for e in re.findall(r"\{\{(.*?)\}\}", code_only, flags=re.S)]
    assert expressions, "the template writes values"
    for expression in expressions:
        assert expression.endswith("| e") or expression in UNESCAPED, expression
    # Nothing marks a value safe, un-escapes it, or switches escaping off for a block.
    tags = re.findall(r"\{[{%](.*?)[}%]\}", code_only, flags=re.S)
    assert [t for t in tags if re.search(r"\|\s*safe\b|unescape|autoescape|Markup", t)] == []


def printed(text: str) -> nbformat.NotebookNode:
    return notebook(code("x", new_output("stream", name="stdout", text=text)))


@pytest.mark.parametrize(
    "text",
    [
        # The red team's case: HOME=/app and a link whose path starts with "apps".
        "summary: https://example.org/apps/readiness/claims-triage.html",
        "see https://example.org/app/readiness (a host's path, not this machine's)",
        "the /application folder of the vendor's guide",
    ],
)
def test_a_word_that_starts_like_the_home_folder_is_no_local_path(monkeypatch, text):
    monkeypatch.setenv("HOME", "/app")
    assert "readiness" in export_html(printed(text), "t") or "application" in export_html(
        printed(text), "t"
    )


def test_prose_that_names_the_temporary_folder_is_no_local_path():
    import tempfile

    folder = tempfile.gettempdir()
    html = export_html(printed(f"scratch files go to {folder}/ and are purged nightly"), "t")
    assert "purged nightly" in html


def test_a_real_path_below_the_temporary_folder_is_refused(tmp_path):
    import tempfile

    # tmp_path lies below the temporary folder and exists: naming it leaks this machine.
    assert str(tmp_path).startswith(tempfile.gettempdir())
    with pytest.raises(ExportError, match="shows the local path"):
        export_html(printed(f"wrote {tmp_path}/out.csv"), "t", source="x.yaml")


@pytest.mark.parametrize("spelling", ["{home}/notes.md", "file://{home}/notes.md", "'{home}'"])
def test_the_home_folder_itself_is_still_refused(monkeypatch, spelling):
    monkeypatch.setenv("HOME", "/app")
    with pytest.raises(ExportError, match="'/app'"):
        export_html(printed("see " + spelling.format(home="/app")), "t", source="x.yaml")
