"""`workbook dossier --pdf` and `workbook batch --pdf`: PDFs printed by headless Chromium.

The PDFs come from the real Debian Chromium (a missing one fails these tests, it never
skips them) and are read back with poppler's pdfinfo and pdftotext. The charts are drawn
by the page's own script after it unpacks plotly.js: a PDF printed before they are drawn
holds none of their titles (checked by hand: printed without a virtual time budget, none
of the five chart titles of the claims-triage dossier is in the text; with it, all five).

Failures (no Chromium, a Chromium that fails or hangs, a link at the PDF's name) are
checked with stand-in executables where the real browser cannot be made to fail on cue.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser import require_chromium
from conftest import AS_OF, EXAMPLES
from samples import workbook_process
from workbook.errors import ChromiumMissing, PdfFailed, UsageError
from workbook.render.pdf import FLAGS, find_chromium, is_current, print_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Each chart's accessible name is its title (the dossier template's `.dossier-plotly`).
CHART = re.compile(r'<div\b[^>]*\bclass="dossier-plotly"[^>]*>')
LABEL = re.compile(r'\baria-label="([^"]*)"')
#: Said by the one line for a missing Chromium: what to install, or what to set.
INSTALL = "`apt-get install chromium`, or WORKBOOK_CHROMIUM set to a Chromium"


def with_evidence(folder: Path, *ids: str) -> Path:
    """Example records with their evidence, laid out as in data/examples."""
    folder.mkdir(parents=True)
    for rid in ids:
        shutil.copy2(EXAMPLES / f"{rid}.yaml", folder)
        if (EXAMPLES / "evidence" / rid).is_dir():
            shutil.copytree(EXAMPLES / "evidence" / rid, folder / "evidence" / rid)
    return folder


def text_of(pdf: Path, *pages: int) -> str:
    """The PDF's text (only pages ``first, last`` when given), its whitespace collapsed."""
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    done = subprocess.run(["pdftotext", *span, str(pdf), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def page_count(pdf: Path) -> int:
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)$", done.stdout, re.M)[1])


def chart_openings(page: Path) -> list[str]:
    """The first 20 characters of each chart's title (a long title wraps after them)."""
    titles = [
        m[1] for tag in CHART.findall(page.read_text(encoding="utf-8")) if (m := LABEL.search(tag))
    ]
    return [" ".join(html.unescape(t).split())[:20] for t in titles]


def environment(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WORKBOOK_CHROMIUM"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def workbook_with(env: dict[str, str], *args: str | Path) -> tuple[int, str, str]:
    """The CLI in its own process with the environment ``env``: (exit code, stdout, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "workbook.cli", *map(str, args)],
        capture_output=True,
        timeout=600,
        check=False,
        env=env,
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def fake_chromium(folder: Path, body: str) -> Path:
    """An executable shell script standing in for Chromium."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chromium"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# --- the dossier command ------------------------------------------------------------------


@pytest.fixture(scope="module")
def dossier(tmp_path_factory) -> dict[str, object]:
    """`workbook dossier claims-triage.yaml --pdf` with the real Chromium."""
    require_chromium()
    work = tmp_path_factory.mktemp("dossier-pdf")
    records = with_evidence(work / "records", "claims-triage")
    out = work / "out"
    code, stdout, stderr, _ = workbook_process(
        "dossier", records / "claims-triage.yaml", "-o", out, "--as-of", AS_OF.isoformat(), "--pdf"
    )
    return {"code": code, "stdout": stdout.decode(), "stderr": stderr.decode(), "out": out}


def test_dossier_pdf_is_written_beside_the_html(dossier):
    out = dossier["out"]
    assert dossier["code"] == 0, dossier["stderr"]
    assert dossier["stdout"].splitlines() == [
        f"wrote {out / 'claims-triage.html'}",
        f"wrote {out / 'claims-triage.pdf'}",
    ]
    pdf = out / "claims-triage.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert page_count(pdf) > 0
    # Nothing else is left in OUT: Chromium printed into its own private folder.
    assert sorted(p.name for p in out.iterdir()) == ["claims-triage.html", "claims-triage.pdf"]


def test_dossier_pdf_holds_the_cover_verdict_on_page_one(dossier):
    # The examples' README: claims-triage is labelled production and its evidence supports
    # production; `workbook check` prints the headline the cover shows.
    code, stdout, _, _ = workbook_process(
        "check", EXAMPLES / "claims-triage.yaml", "--as-of", AS_OF.isoformat()
    )
    assert code == 0
    headline = stdout.decode().splitlines()[1].strip()
    assert "the evidence supports production" in headline
    assert " ".join(headline.split()) in text_of(dossier["out"] / "claims-triage.pdf", 1)


def test_dossier_pdf_holds_every_chart_drawn(dossier):
    out = dossier["out"]
    text = text_of(out / "claims-triage.pdf")
    openings = chart_openings(out / "claims-triage.html")
    assert len(openings) >= 5, "the claims-triage dossier draws five titled charts"
    assert [o for o in openings if o not in text] == []
    # The latency chart's title counts the requests: one per line of the log sample.
    log = EXAMPLES / "evidence" / "claims-triage" / "logs-2026-11-10-to-16.jsonl"
    requests = len(log.read_text(encoding="utf-8").splitlines())
    assert requests == 273
    assert f"Latency of {requests} requests" in text
    assert "Status of every criterion, by gate" in text


def test_dossier_without_chromium_writes_the_html_and_says_how_to_install(tmp_path):
    records = with_evidence(tmp_path / "records", "claims-triage")
    out = tmp_path / "out"
    empty = tmp_path / "bin"
    empty.mkdir()
    code, stdout, stderr = workbook_with(
        environment(PATH=str(empty)),
        "dossier",
        records / "claims-triage.yaml",
        "-o",
        out,
        "--as-of",
        AS_OF.isoformat(),
        "--pdf",
    )
    assert code == 2
    assert stdout.splitlines() == [f"wrote {out / 'claims-triage.html'}"]
    assert len(stderr.splitlines()) == 1, stderr
    assert "no Chromium to print PDFs with" in stderr
    assert INSTALL in stderr
    page = (out / "claims-triage.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>")
    assert sorted(p.name for p in out.iterdir()) == ["claims-triage.html"]


def test_dossier_refuses_a_link_at_the_pdf_name_and_keeps_its_target(tmp_path):
    require_chromium()
    records = with_evidence(tmp_path / "records", "claims-triage")
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"not yours")
    (out / "claims-triage.pdf").symlink_to(victim)
    code, stdout, stderr, _ = workbook_process(
        "dossier", records / "claims-triage.yaml", "-o", out, "--as-of", AS_OF.isoformat(), "--pdf"
    )
    assert code == 2
    assert stdout.decode().splitlines() == [f"wrote {out / 'claims-triage.html'}"]
    assert stderr.decode().splitlines() == [
        f"{out / 'claims-triage.pdf'}: is a symbolic link; refusing to use it (expected a plain "
        "file; remove the link, which anyone who can write this folder could plant)"
    ]
    assert victim.read_bytes() == b"not yours"
    assert (out / "claims-triage.pdf").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["claims-triage.html", "claims-triage.pdf"]


# --- the batch ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict[str, object]:
    """`workbook batch --pdf` on two examples with the real Chromium."""
    require_chromium()
    work = tmp_path_factory.mktemp("batch-pdf")
    records = with_evidence(work / "records", "claims-triage", "invoice-coding")
    out = work / "out"
    code, stdout, stderr, _ = workbook_process(
        "batch", records, "-o", out, "--as-of", AS_OF.isoformat(), "--workers", "1", "--pdf"
    )
    return {
        "code": code,
        "stdout": stdout.decode(),
        "stderr": stderr.decode(),
        "records": records,
        "out": out,
    }


def batch_again(batch: dict[str, object], out: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """The fixture's `workbook batch --pdf` run again on ``out``, with the environment ``env``."""
    return workbook_with(
        env, "batch", batch["records"], "-o", out, "--as-of", AS_OF.isoformat(),
        "--workers", "1", "--pdf",
    )  # fmt: skip


def copy_run(batch: dict[str, object], tmp_path: Path) -> Path:
    """A copy of the batch's output folder, modification times kept, to run again on."""
    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)
    return out


def test_batch_pdf_writes_one_per_dossier_and_one_for_the_portfolio(batch):
    out = batch["out"]
    assert batch["code"] == 0, batch["stderr"]
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "claims-triage.pdf",
        "index.pdf",
        "invoice-coding.pdf",
    ]
    for pdf in out.glob("*.pdf"):
        assert pdf.read_bytes().startswith(b"%PDF-"), pdf
        assert page_count(pdf) > 0, pdf
        text = text_of(pdf)
        openings = chart_openings(pdf.with_suffix(".html"))
        assert openings, f"{pdf.with_suffix('.html')} draws titled charts"
        assert [o for o in openings if o not in text] == [], pdf
    assert "pdf: 3 printed, 0 failed" in batch["stdout"].splitlines()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_no_pdf_holds_a_local_path(batch):
    """A printed link to a sibling page would be file:///<output folder>/<id>.html: a local
    path in a mailed document (and a dead link). The portfolio links every dossier; its PDF
    names them (the file name written beside each link) but links none. Skia writes each
    link's /URI in plain text (no object streams), so the bytes show one if it is there."""
    out = batch["out"]
    for pdf in sorted(out.glob("*.pdf")):
        data = pdf.read_bytes()
        assert b"file:" not in data, pdf.name
        assert str(out).encode() not in data and str(out.resolve()).encode() not in data, pdf
    # pdftotext joins a name hyphenated at a line end ("invoice-" + "coding.html").
    assert re.search(r"\(invoice-?coding\.html\)", text_of(out / "index.pdf"))


def test_portfolio_pdf_holds_its_three_charts(batch):
    text = text_of(batch["out"] / "index.pdf")
    for title in (
        "Gates each initiative passes",
        "Claimed stage against the stage the evidence supports",
        "Conditions not yet met across the portfolio, by area",
    ):
        assert title in text


def test_rerun_keeps_current_pdfs_and_prints_a_missing_one(batch, tmp_path):
    out = copy_run(batch, tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    (out / "invoice-coding.pdf").unlink()
    code, _stdout, stderr = batch_again(batch, out, environment())
    assert code == 0, stderr
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert (out / "invoice-coding.pdf").read_bytes().startswith(b"%PDF-")
    # A page the run did not rewrite keeps its PDF as it was; one it rewrote gets a new one.
    for name in ("claims-triage", "index"):
        if after[f"{name}.html"] == before[f"{name}.html"]:
            assert after[f"{name}.pdf"] == before[f"{name}.pdf"], name
        else:
            assert after[f"{name}.pdf"] >= after[f"{name}.html"], name


def test_batch_without_chromium_exits_2_with_the_html_intact(batch, tmp_path):
    out = copy_run(batch, tmp_path)
    (out / "invoice-coding.pdf").unlink()
    empty = tmp_path / "bin"
    empty.mkdir()
    code, _stdout, stderr = batch_again(batch, out, environment(PATH=str(empty)))
    assert code == 2
    lines = [line for line in stderr.splitlines() if not re.match(r"\S+Z \[", line)]  # progress
    assert len(lines) == 1, stderr
    assert "no Chromium to print PDFs with" in lines[0] and INSTALL in lines[0]
    for name in ("claims-triage.html", "invoice-coding.html", "index.html"):
        assert (out / name).read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert (out / "claims-triage.pdf").read_bytes().startswith(b"%PDF-")
    assert not (out / "invoice-coding.pdf").exists()


def test_batch_chromium_failing_is_one_line_and_exit_1(batch, tmp_path):
    out = copy_run(batch, tmp_path)
    (out / "invoice-coding.pdf").unlink()
    broken = fake_chromium(tmp_path / "bin", "echo 'it broke' >&2\nexit 3")
    code, stdout, stderr = batch_again(batch, out, environment(WORKBOOK_CHROMIUM=str(broken)))
    assert code == 1, stderr
    failed = [line for line in stdout.splitlines() if "PDF FAILED" in line]
    # The missing PDF at least; the others too if the run rewrote their pages (a dossier
    # template edited since the fixture's run).
    assert f"  PDF FAILED {out / 'invoice-coding.html'}: Chromium exited with code 3" in failed
    for line in failed:
        assert re.fullmatch(
            rf"  PDF FAILED {re.escape(str(out))}/[a-z-]+\.html: Chromium "
            "exited with code 3",
            line,
        ), line
    assert not (out / "invoice-coding.pdf").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", ["claims-triage.pdf", "index.pdf"])
def test_batch_refuses_a_link_at_a_pdf_name_before_any_work(batch, tmp_path, name):
    out = copy_run(batch, tmp_path)
    victim = tmp_path / "victim"
    victim.write_bytes(b"not yours")
    (out / name).unlink()
    (out / name).symlink_to(victim)
    # Every file but the lock, which the run takes before it looks at the names.
    files = [p for p in out.iterdir() if not p.is_symlink() and p.name != ".workbook-batch.lock"]
    before = {p.name: p.stat().st_mtime_ns for p in files}
    code, _stdout, stderr = batch_again(batch, out, environment())
    assert code == 2
    assert stderr.splitlines() == [
        f"{out / name}: is a symbolic link; refusing to use it (expected a plain file; remove "
        "the link, which anyone who can write this folder could plant)"
    ]
    assert victim.read_bytes() == b"not yours"
    assert (out / name).is_symlink()
    assert {p.name: p.stat().st_mtime_ns for p in files} == before


# --- the library: which Chromium, how it is run, how failures end -------------------------


def test_dossier_print_refuses_a_link_at_the_pdf_name(tmp_path):
    page = tmp_path / "a.html"
    page.write_text("<!doctype html><title>a</title><p>a</p>", encoding="utf-8")
    victim = tmp_path / "victim"
    victim.write_bytes(b"not yours")
    (tmp_path / "a.pdf").symlink_to(victim)
    ran = tmp_path / "ran"
    chromium = fake_chromium(tmp_path / "bin", f"touch {ran}")
    with pytest.raises(UsageError, match="is a symbolic link; refusing"):
        print_pdf(page, chromium=chromium)
    assert victim.read_bytes() == b"not yours"
    assert not ran.exists(), "refused before Chromium starts"


def test_chromium_is_run_with_the_documented_flags_and_a_fresh_profile(tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    page = tmp_path / "out" / "a.html"
    page.parent.mkdir()
    page.write_text("<!doctype html><title>a</title>", encoding="utf-8")
    argv = tmp_path / "argv"
    # Writes a minimal PDF where it is told to, after noting its arguments and the profile.
    chromium = fake_chromium(
        tmp_path / "bin",
        f'for a in "$@"; do echo "$a"; done > {argv}\n'
        'for a in "$@"; do case "$a" in\n'
        '  --user-data-dir=*) ls -d "${a#--user-data-dir=}" >/dev/null 2>&1 || mkdir -p "${a#--user-data-dir=}";;\n'
        '  --print-to-pdf=*) printf "%%PDF-1.4 fake" > "${a#--print-to-pdf=}";;\n'
        "esac; done",
    )
    assert print_pdf(page, chromium=chromium) == tmp_path / "out" / "a.pdf"
    assert (tmp_path / "out" / "a.pdf").read_bytes() == b"%PDF-1.4 fake"
    args = argv.read_text(encoding="utf-8").splitlines()
    assert args[: len(FLAGS)] == [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ]
    rest = dict(a.partition("=")[::2] for a in args[len(FLAGS) : -1])
    assert sorted(rest) == [
        "--no-pdf-header-footer",
        "--print-to-pdf",
        "--user-data-dir",
        "--virtual-time-budget",
    ]
    assert int(rest["--virtual-time-budget"]) >= 1000
    assert args[-1] == page.resolve().as_uri()
    # Profile and PDF in a private folder of the temporary folder, removed afterwards.
    assert Path(rest["--user-data-dir"]).is_relative_to(private)
    assert Path(rest["--print-to-pdf"]).is_relative_to(private)
    assert list(private.iterdir()) == []
    assert sorted(p.name for p in page.parent.iterdir()) == ["a.html", "a.pdf"]


def process_state(pid: int) -> str:
    """The state letter of a process (R, S, Z, ...), or "gone"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"


def test_a_hanging_chromium_is_stopped_with_everything_it_started(tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr("tempfile.tempdir", None)
    page = tmp_path / "out" / "a.html"
    page.parent.mkdir()
    page.write_text("<!doctype html><title>a</title>", encoding="utf-8")
    (tmp_path / "out" / "a.pdf").write_bytes(b"%PDF-old")
    child = tmp_path / "child"
    chromium = fake_chromium(tmp_path / "bin", f"sleep 60 &\necho $! > {child}\nwait")
    started = time.monotonic()
    with pytest.raises(PdfFailed, match=r"did not finish printing within 1 s"):
        print_pdf(page, chromium=chromium, timeout=1)
    assert time.monotonic() - started < 30
    # Its helper was stopped with it: gone, or a zombie waiting for its new parent to reap it.
    pid = int(child.read_text())
    deadline = time.monotonic() + 5  # a signal is delivered soon, not at once
    while (state := process_state(pid)) not in ("gone", "Z", "X") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state in ("gone", "Z", "X"), state
    assert (tmp_path / "out" / "a.pdf").read_bytes() == b"%PDF-old"  # the old PDF stays
    assert sorted(p.name for p in page.parent.iterdir()) == ["a.html", "a.pdf"]
    assert list(private.iterdir()) == []


def test_real_chromium_failing_to_load_is_one_line(tmp_path):
    chromium = require_chromium()
    with pytest.raises(PdfFailed) as failed:
        print_pdf(tmp_path / "missing.html", chromium=chromium)
    assert failed.value.line() == (
        f"{tmp_path / 'missing.html'}: Chromium could not print: Page load failed: "
        "net::ERR_FILE_NOT_FOUND"
    )
    assert list(tmp_path.iterdir()) == []


def executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_find_chromium_prefers_the_variable_then_names_in_order(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    chrome = executable(first, "google-chrome")
    browser = executable(second, "chromium-browser")
    path = f"{first}{os.pathsep}{second}"
    # chromium-browser comes before google-chrome in the order, wherever they are on PATH.
    assert find_chromium({"PATH": path}) == browser
    assert find_chromium({"PATH": str(first)}) == chrome
    mine = executable(tmp_path / "c", "my-chrome")
    assert find_chromium({"PATH": path, "WORKBOOK_CHROMIUM": str(mine)}) == mine


def test_find_chromium_says_what_is_missing(tmp_path):
    with pytest.raises(ChromiumMissing) as missing:
        find_chromium({"PATH": str(tmp_path)})
    assert missing.value.line() == (
        "no Chromium to print PDFs with: none of chromium, chromium-browser, google-chrome is "
        f"on PATH and WORKBOOK_CHROMIUM is not set (expected {INSTALL} or Chrome executable)"
    )
    with pytest.raises(ChromiumMissing, match="WORKBOOK_CHROMIUM names no executable file"):
        find_chromium({"PATH": str(tmp_path), "WORKBOOK_CHROMIUM": str(tmp_path / "nothing")})


@pytest.mark.parametrize(
    ("pdf_age", "link", "current"),
    [
        (None, False, False),  # no PDF yet
        (-10, False, False),  # printed before the page was last written
        (+10, False, True),  # printed after it
        (+10, True, False),  # a link is never a current PDF
    ],
)
def test_a_pdf_is_current_only_when_printed_after_its_page(tmp_path, pdf_age, link, current):
    page = tmp_path / "a.html"
    page.write_text("page", encoding="utf-8")
    pdf = tmp_path / "a.pdf"
    if pdf_age is not None:
        made = tmp_path / "made.pdf"
        made.write_bytes(b"%PDF-")
        when = page.stat().st_mtime + pdf_age
        os.utime(made, (when, when))
        if link:
            pdf.symlink_to(made)
        else:
            made.rename(pdf)
    assert is_current(page, pdf) is current
