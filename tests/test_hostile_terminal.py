"""Issue 13, class 4 (terminal part): nothing from a file drives the terminal.

The attack: a file name, a ledger row, a catalogue or a message quoting a file carries
an escape sequence (``ESC [31m``, the one-byte C1 CSI ``\\x9b``, an OSC window title),
a carriage return or newline (to overwrite or forge a line), a bidi override
(``U+202E``, ``U+2066``: text shown in another order than it reads) or a line separator
(``U+2028``). Every command prints it spelled out instead, on every path: ``check``,
``gates``, ``history``, ``dossier``, ``batch`` progress lines (cron and a terminal's
progress bar) and closing summary, click's own usage errors, and anything else that
writes to the standard streams.

What counts as raw is written out here from the definitions, not imported: C0 controls
(U+0000-U+001F) other than the newline that ends each output line, DEL (U+007F), C1
controls (U+0080-U+009F, ECMA-48: ``\\x9b`` is CSI on its own), the Bidi_Control
characters of Unicode's UAX #9 (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)
and the line and paragraph separators (U+2028, U+2029).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES, TINY_CATALOGUE
from samples import workbook_process
from workbook.batch import BatchResult, Entry, progress_printer, summary_lines
from workbook.cli import main
from workbook.ledger import Ledger

BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
RAW = (
    {chr(c) for c in range(0x20) if chr(c) != "\n"}
    | {"\x7f"}
    | {chr(c) for c in range(0x80, 0xA0)}
    | {chr(c) for c in BIDI_CONTROLS}
    | {"\u2028", "\u2029"}
)

#: One of each: CSI colour, C1 CSI, carriage return, newline, RLO, LRI, line separator.
HOSTILE = "a\x1b[31mb\x9bc\rd\ne\u202ef\u2066g\u2028h"
#: The same, as every terminal path must show it: by hand, ``\\xNN`` for a character
#: below U+0100, ``\\uNNNN`` above.
SPELLED = r"a\x1b[31mb\x9bc\x0dd\x0ae\u202ef\u2066g\u2028h"
#: A newline followed by a line that would pass for the program's own.
FORGED = "\nFORGED run 99: 0 failed"
#: A file name holding it all, and an OSC window-title sequence (ends with BEL).
NAME = f"ev{HOSTILE}\x1b]0;owned\x07il"
NAME_SPELLED = SPELLED.join(("ev", r"\x1b]0;owned\x07il"))


def raw_in(text: str) -> list[str]:
    """The raw control, bidi and separator characters in ``text`` (newlines allowed)."""
    return sorted({c for c in text if c in RAW})


def assert_inert(*streams: str) -> None:
    """No raw character, no forged line, no traceback on any stream."""
    for text in streams:
        assert raw_in(text) == [], repr(text)
        assert not any(line.startswith("FORGED") for line in text.split("\n")), text
        assert "Traceback" not in text


def cli(*args: str | Path, cwd: Path | None = None) -> tuple[int, str, str]:
    """The command as a process, its output as the bytes it wrote (decoded strictly)."""
    code, out, err, _ = workbook_process(*args, cwd=cwd)
    return code, out.decode("utf-8"), err.decode("utf-8")


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    """The example claims record under a hostile file name, beside a hostile invalid one."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    (folder / f"{NAME}.yaml").write_bytes((EXAMPLES / "claims-triage.yaml").read_bytes())
    (folder / "evidence").symlink_to(EXAMPLES / "evidence")
    (folder / f"bad{HOSTILE}{FORGED}.yaml").write_text("schema_version: 1\nid: x\n")
    return folder


def test_check_spells_out_a_hostile_record_file_name(portfolio):
    """Class 4, attack: record file names with escape and bidi characters, `check`."""
    code, out, err = cli("check", portfolio, "--as-of", "2026-11-23")
    assert code == 2  # one record is invalid
    assert_inert(out, err)
    assert f"({portfolio}/{NAME_SPELLED}.yaml)" in out
    # the invalid one: its name spelled out, the forged line kept inside it
    assert err.startswith(f"{portfolio}/bad{SPELLED}\\x0aFORGED run 99: 0 failed.yaml: ")
    # One line per problem (`name` and `stage` are missing), each starting with the
    # spelled-out file name: no line is forged.
    prefix = f"{portfolio}/bad{SPELLED}\\x0aFORGED run 99: 0 failed.yaml: "
    assert [line.startswith(prefix) for line in err.splitlines()] == [True, True]


@pytest.mark.parametrize("view", ["--summary", "--json"])
def test_check_summary_and_json_carry_no_raw_character(portfolio, view):
    """Class 4, attack: the same names through the table and the JSON output."""
    code, out, err = cli("check", portfolio, "--as-of", "2026-11-23", view)
    assert code == 2
    assert_inert(out, err)
    if view == "--json":  # JSON escapes them itself; the names survive a round trip
        [item] = json.loads(out)
        assert item["path"] == f"{portfolio}/{NAME}.yaml"


def hostile_ledger(path: Path) -> None:
    """A ledger whose every text column of one assessment carries the hostile text."""
    Ledger(path).__enter__().__exit__(None, None, None)  # the real schema, empty
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "INSERT INTO runs (id, started_at, options) VALUES (1, ?, '{}')",
            (f"2026-11-23T10{HOSTILE}",),
        )
        con.execute(
            "INSERT INTO assessments (run_id, initiative, name, digest, as_of, claimed,"
            " supported, overclaimed, outcome, statuses, blockers, recorded_at)"
            " VALUES (1, 'claims', ?, ?, ?, ?, ?, 0, 'rendered', '{}', ?, '2026-11-23')",
            (
                NAME,
                f"{HOSTILE}{FORGED}",
                f"2026{HOSTILE}{FORGED}",
                # The stages must be stages (a row naming none is refused in one line, see
                # test_hostile_faults); every other text column carries the attack.
                "mvp",
                "prototype",
                json.dumps([HOSTILE]),
            ),
        )
    con.close()


def test_history_spells_out_every_ledger_column(tmp_path):
    """Class 4, attack: a ledger row edited by anyone who can write the output folder."""
    ledger = tmp_path / "ledger.sqlite"
    hostile_ledger(ledger)
    code, out, err = cli("history", "claims", "--ledger", ledger)
    assert (code, err) == (0, "")
    assert_inert(out)
    header, row = out.splitlines()
    # STARTED: the first 16 characters, the T shown as a space: "2026-11-23 10" + "a\x1b["
    assert r"2026-11-23 10a\x1b[" in row
    assert f"2026{SPELLED}" + r"\x0aFORGED run 99: 0 failed" in row
    # DIGEST: its first 12 characters, a ESC [ 3 1 m b CSI c CR d LF, spelled out and
    # starting under the header's DIGEST (the widths are measured after spelling out)
    digest = r"a\x1b[31mb\x9bc\x0dd\x0a"
    assert row.endswith(digest)
    assert header.index("DIGEST") == len(row) - len(digest)


def test_history_of_an_unknown_hostile_id_is_one_inert_line(tmp_path):
    """Class 4, attack: the initiative id on the command line itself."""
    ledger = tmp_path / "ledger.sqlite"
    hostile_ledger(ledger)
    code, out, err = cli("history", HOSTILE, "--ledger", ledger)
    assert code == 2
    assert_inert(out, err)
    assert len(err.splitlines()) == 1


def test_gates_with_a_hostile_catalogue_is_inert(tmp_path):
    """Class 4, attack: catalogue text and the catalogue's file name, `gates` listing.

    A catalogue refuses such text at load (one line naming the file) or lists it
    spelled out: either way nothing raw reaches the terminal.
    """
    body = yaml.safe_load(TINY_CATALOGUE)
    body["name"] = f"Tiny{HOSTILE}"
    body["criteria"][0]["question"] = f"Is it {HOSTILE}{FORGED}?"
    gates = tmp_path / f"gates{HOSTILE}.yaml"
    gates.write_text(yaml.safe_dump(body))
    code, out, err = cli("gates", "--gates", gates)
    assert_inert(out, err)
    assert (code, len(err.splitlines())) in ((0, 0), (2, 1))


def test_dossier_lines_spell_out_a_hostile_record_name(portfolio, tmp_path):
    """Class 4, attack: `dossier` of an invalid record with a hostile file name."""
    bad = next(p for p in portfolio.iterdir() if p.name.startswith("bad"))
    code, out, err = cli("dossier", bad, "-o", tmp_path / "out")
    assert code == 2
    assert_inert(out, err)
    assert err.startswith(f"{portfolio}/bad{SPELLED}\\x0aFORGED")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check", "--as-of", HOSTILE, "."], id="as-of"),
        pytest.param(["check", "--gates", f"no{HOSTILE}.yaml", "."], id="missing-gates"),
        pytest.param(["check", f"no{HOSTILE}"], id="missing-record"),
        pytest.param([f"cmd{HOSTILE}"], id="unknown-command"),
        pytest.param(["check", f"--opt{HOSTILE}"], id="unknown-option"),
        pytest.param(["dossier", "x", "--notebooks", f"nb{HOSTILE}"], id="missing-notebooks"),
        pytest.param(["batch", "--timeout", HOSTILE], id="timeout"),
        pytest.param(["batch", "--executor", "dask", "--scheduler", HOSTILE], id="scheduler"),
        pytest.param(["history", "x", "--ledger", f"l{HOSTILE}"], id="missing-ledger"),
        pytest.param(["new", HOSTILE, "--dir", f"d{HOSTILE}"], id="new"),
    ],
)
def test_usage_errors_quoting_hostile_values_are_one_inert_line(tmp_path, args):
    """Class 4, attack: click's own messages and ours quoting what was typed."""
    code, out, err = cli(*args, cwd=tmp_path)
    assert code == 2
    assert_inert(out, err)
    assert len(err.splitlines()) == 1


def test_anything_written_to_the_streams_during_a_command_is_escaped(monkeypatch, tmp_path):
    """Class 4, attack: a message nobody routed through one_line (a library's warning)."""
    import workbook.cli as cli_module

    def noisy(*args, **kwargs):
        print(f"stray{HOSTILE}", file=sys.stderr)
        print(f"stray{HOSTILE}")
        raise SystemExit(0)

    monkeypatch.setattr(cli_module, "load_catalogue", noisy)
    result = CliRunner().invoke(main, ["gates"], color=True)
    assert result.exit_code == 0
    # The streams cannot tell a newline inside a value from the writer's own: newlines
    # pass (the lines the commands compose spell theirs out), nothing else does.
    expected = f"stray{SPELLED}\n".replace(r"\x0a", "\n")
    assert (result.stdout, result.stderr) == (expected, expected)


def entry(name: str, outcome: str, error: str | None = None) -> Entry:
    return Entry(Path(name), outcome, error=error, duration=1.25)  # type: ignore[arg-type]


def test_progress_lines_and_closing_summary_spell_out_names_and_errors(tmp_path):
    """Class 4, attack: non-TTY progress lines (cron mails them) and the closing table."""
    import io

    stream = io.StringIO()
    at = dt.datetime(2026, 11, 23, 2, 30, 5, tzinfo=dt.UTC)
    show = progress_printer(stream, now=lambda: at)
    show(entry(f"p/{NAME}.yaml", "invalid"), 1, 2)
    show(entry(f"p/x{FORGED}.yaml", "failed"), 2, 2)
    assert stream.getvalue().splitlines() == [
        f"2026-11-23T02:30:05Z [1/2] invalid p/{NAME_SPELLED}.yaml (1.2 s)",  # 1.25 -> 1.2
        r"2026-11-23T02:30:05Z [2/2] failed p/x\x0aFORGED run 99: 0 failed.yaml (1.2 s)",
    ]
    result = BatchResult(
        run_id=7,
        previous_run_id=None,
        as_of=dt.date(2026, 11, 23),
        catalogue="Tiny",
        out_dir=tmp_path,
        generated_at="2026-11-23T10:00:00+00:00",
        entries=[
            entry("a.yaml", "invalid", f"a.yaml: name: {HOSTILE}"),
            entry("b.yaml", "failed", f"b.yaml: cell 3: {FORGED}"),
        ],
        portfolio_error=f"portfolio: {HOSTILE}",
    )
    assert summary_lines(result) == [
        "run 7: 0 rendered, 0 unchanged, 1 failed, 1 invalid (as of 2026-11-23)",
        f"  INVALID a.yaml: name: {SPELLED}",
        r"  FAILED b.yaml: cell 3: \x0aFORGED run 99: 0 failed",
        f"  PORTFOLIO FAILED portfolio: {SPELLED}",
        "  first run: nothing to compare with yet",
        f"digest: {tmp_path / 'digest.txt'}",
    ]


@pytest.fixture
def invalid_only(tmp_path: Path) -> Path:
    """A portfolio of one invalid record with a hostile name: nothing to render."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    (folder / f"bad{HOSTILE}{FORGED}\x1b]0;owned\x07.yaml").write_text("schema_version: 1\n")
    return folder


def test_batch_output_and_run_log_carry_no_raw_character(invalid_only, tmp_path):
    """Class 4, attack: `batch` without a terminal: progress lines, summary, run log."""
    out = tmp_path / "out"
    code, stdout, stderr = cli("batch", invalid_only, "-o", out, "--workers", "1")
    assert code == 1  # an invalid record fails the run
    assert_inert(stdout, stderr)
    assert r"\x1b]0;owned\x07.yaml" in stderr  # the progress line
    assert r"\x1b]0;owned\x07.yaml" in stdout  # the closing summary
    # The run log is JSON: json.dumps (ensure_ascii) writes every one of them as \u escapes.
    log = (out / "run.jsonl").read_bytes().decode("utf-8")
    assert raw_in(log.replace("\n", "")) == []
    assert "\\u001b]0;owned\\u0007" in log


def test_batch_on_a_terminal_never_writes_the_hostile_sequences(invalid_only, tmp_path):
    """Class 4, attack: `batch` on a TTY, where the rich progress bar draws.

    The bar writes its own cursor and colour sequences; the attack's OSC title, C1
    CSI, bidi override and line separator must not appear among them.
    """
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "workbook.cli", "batch", str(invalid_only), "-o", str(out)]
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=child_fd, stdout=child_fd, stderr=child_fd, close_fds=True)
    os.close(child_fd)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main_fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(main_fd)
    assert proc.wait(timeout=60) == 1
    text = seen.decode("utf-8")
    for sequence in ("\x1b]0;owned", "\x07", "\x9b", "\u202e", "\u2066", "\u2028"):
        assert sequence not in text
    # a terminal ends lines with CR LF
    assert not any(line.startswith("FORGED") for line in text.replace("\r", "\n").split("\n"))
    assert r"\x1b]0;owned\x07.yaml" in text  # the summary line, spelled out
