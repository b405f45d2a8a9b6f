"""Issue 13, class 5 (command-line part): every option refuses a bad value in one line.

The attacks: ``--timeout 1.5`` (nbclient's timeout is whole seconds: every dossier
failed with a TraitError), ``--timeout 0`` and ``-1`` (nbclient reads them as "no
limit": a hung cell held the nightly run forever), an unparseable or unreachable
``--scheduler`` (a traceback, or a wait with no end), and a hostile value for every
other option. Each: one line on stderr naming the option or path and what to do,
exit 2, no traceback. And the last line of defence: a file-system error nobody
named, or a bug, still reaches the user as one line.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from samples import workbook_process
from workbook.batch import BatchOptions
from workbook.cli import main
from workbook.errors import UsageError

#: What the timeout refusal says (by hand: whole seconds, 1 to one day = 86,400 s).
TIMEOUT_EXPECTED = "(expected a whole number of seconds from 1 to 86400, or 'none' for no limit)"
SCHEDULER_EXPECTED = "(expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786)"


def cli(*args: str | Path, cwd: Path | None = None, timeout: float = 300) -> tuple[int, str, str]:
    """The command as users run it: a process."""
    code, out, err, _ = workbook_process(*args, cwd=cwd, timeout=timeout)
    return code, out.decode(), err.decode()


def assert_one_line(code: int, err: str, *phrases: str) -> None:
    assert "Traceback" not in err
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    for phrase in phrases:
        assert phrase in err


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    """The example claims record with its evidence: something a batch must render."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    (folder / "claims-triage.yaml").write_bytes((EXAMPLES / "claims-triage.yaml").read_bytes())
    (folder / "evidence").symlink_to(EXAMPLES / "evidence")
    (tmp_path / "a-file").write_text("x\n")
    (tmp_path / "a-folder").mkdir()
    return folder


@pytest.mark.parametrize("command", ["dossier", "batch"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1.5", id="fraction"),  # the TraitError of the attack
        pytest.param("0", id="zero"),  # nbclient: no limit
        pytest.param("-1", id="minus-one"),  # nbclient: no limit
        pytest.param("1e3", id="exponent"),
        pytest.param("86401", id="over-a-day"),
        pytest.param("99999999999999999999999", id="huge"),
        pytest.param("", id="empty"),
        pytest.param("ten", id="word"),
        pytest.param("\uff15", id="fullwidth-digit"),  # str.isdigit() is true for it
    ],
)
def test_a_timeout_that_is_not_whole_seconds_is_refused_at_once(portfolio, command, value):
    """Class 5, attack: --timeout 1.5, 0, -1 and friends, on every command taking it."""
    code, _, err = cli(command, portfolio, "--timeout", value, "-o", portfolio.parent / "out")
    assert_one_line(code, err, "workbook: Invalid value for '--timeout': ", TIMEOUT_EXPECTED)
    assert not (portfolio.parent / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("value", ["none", "NONE", "1", "86400"])
def test_a_timeout_in_whole_seconds_or_none_is_accepted(tmp_path, value):
    """Class 5: the values the refusal names are accepted (an invalid record stops the run)."""
    record = tmp_path / "r.yaml"
    record.write_text("schema_version: 1\nid: r\nname: R\n")  # one problem: no stage
    code, _, err = cli("dossier", record, "--timeout", value, "-o", tmp_path / "out")
    assert_one_line(code, err, f"{record}: ")
    assert "--timeout" not in err


@pytest.mark.parametrize("timeout", [1.5, 0, -1, 86401, True, "600"])
def test_batch_options_refuse_a_timeout_nbclient_would_misread(tmp_path, timeout):
    """Class 5: the library refuses the same values (a caller without the CLI)."""
    with pytest.raises(UsageError, match="is not a cell timeout"):
        BatchOptions(paths=[tmp_path], out_dir=tmp_path, timeout=timeout)


def test_run_notebook_refuses_a_fractional_timeout_before_any_kernel(tmp_path):
    """Class 5: the dossier path's consumer refuses it too, in one line, not a TraitError."""
    import nbformat

    from workbook.render.execute import run_notebook

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    partial = tmp_path / "failed" / "x.ipynb"
    with pytest.raises(UsageError, match=r"^timeout: 1\.5 is not a cell timeout"):
        run_notebook(nb, {}, record="r.yaml", partial=partial, timeout=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "address",
    [
        "notaurl",
        "tcp://",
        "tcp://host:notaport",
        "tcp://host:0",
        "tcp://host:65536",  # ports end at 65535
        "ftp://host:21",
        "tcp://host",
        "",
        "tcp://host:8786/extra",
        "tcp://a b:8786",
    ],
)
def test_an_unparseable_scheduler_is_one_line(portfolio, address):
    """Class 5, attack: --scheduler that is no address: refused before any connection."""
    code, _, err = cli("batch", portfolio, "--executor", "dask", "--scheduler", address,
                       "-o", portfolio.parent / "out")  # fmt: skip
    assert_one_line(code, err, "workbook: Invalid value for '--scheduler': ", SCHEDULER_EXPECTED)


def test_a_scheduler_with_the_local_executor_is_refused(portfolio):
    """Class 5: --scheduler with --executor local would be silently ignored; alone, it
    means Dask (tests/test_dask_cluster.py)."""
    code, _, err = cli("batch", portfolio, "--scheduler", "tcp://127.0.0.1:8786",
                       "--executor", "local", "-o", portfolio.parent / "out")  # fmt: skip
    assert_one_line(code, err, "--scheduler names a Dask scheduler: leave out --executor local")


def test_an_unreachable_scheduler_fails_in_bounded_time(portfolio):
    """Class 5, attack: --scheduler tcp://127.0.0.1:1 (nothing listens on port 1).

    Dask's default is to retry for 30 s; the run says within the connect timeout (10 s)
    that nobody answers, with startup and planning well inside 60 s.
    """
    start = time.monotonic()
    code, _, err = cli("batch", portfolio, "--executor", "dask", "--scheduler",
                       "tcp://127.0.0.1:1", "-o", portfolio.parent / "out", timeout=120)  # fmt: skip
    took = time.monotonic() - start
    assert_one_line(
        code,
        err,
        "--scheduler: no Dask scheduler answered at 'tcp://127.0.0.1:1' within 10 s",
        "(expected the address of a running scheduler",
    )
    # 10 s to connect plus start-up; Dask alone would retry for 30 s.
    assert took < 28


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (
            ["batch", "{p}", "--workers", "0"],
            "Invalid value for '--workers': 0 is not in the range",
        ),
        (["batch", "{p}", "--workers", "-1"], "Invalid value for '--workers': -1 is not in"),
        (["batch", "{p}", "--workers", "1.5"], "Invalid value for '--workers': '1.5'"),
        (["batch", "{p}", "--workers", "257"], "257 is not in the range 1<=x<=256"),
        (["batch", "{p}", "--workers", "many"], "Invalid value for '--workers': 'many'"),
        (["check", "{p}", "--as-of", "2026-02-30"], "'2026-02-30' is not a date"),
        (["check", "{p}", "--as-of", "tomorrow"], "'tomorrow' is not a date"),
        (["check", "{p}", "--as-of", "26-11-23"], "'26-11-23' is not a date"),
        (["check", "{p}", "--as-of", ""], "'' is not a date"),
        (["check", "{p}", "--gates", "{t}/a-folder"], "a-folder: not a regular file"),
        (["gates", "--gates", "{t}/a-folder"], "a-folder: not a regular file"),
        (["check", "{p}", "--ledger", "{t}/a-folder"], "'{t}/a-folder' is a directory"),
        (["check", "{p}", "--ledger", "{t}/a-file"], "a-file: not a ledger database"),
        (["history", "x", "--ledger", "{t}/a-file"], "a-file: not a ledger database"),
        (["history", "x", "--ledger", "{t}/a-folder"], "'{t}/a-folder' is a directory"),
        (["dossier", "{p}", "--notebooks", "{t}/a-file"], "'{t}/a-file' is a file"),
        (["dossier", "{p}", "--notebooks", "{t}/a-folder"], "chapter notebook not found"),
        (["batch", "{p}", "--notebooks", "{t}/a-folder"], "chapter notebook not found"),
        (["dossier", "{p}", "--ledger", "{t}/a-file"], "a-file: not a ledger database"),
        (["dossier", "{p}", "-o", "{t}/a-file"], "'{t}/a-file' is a file"),
        (["batch", "{p}", "-o", "{t}/a-file"], "'{t}/a-file' is a file"),
        (["dossier", "{p}", "-o", "{t}/a-file/sub"], "{t}/a-file/sub: "),
        (["batch", "{p}", "-o", "{t}/a-file/sub"], "{t}/a-file/sub: "),
        (["batch", "{p}", "--log", "{t}/a-folder"], "'{t}/a-folder' is a directory"),
        (["batch", "{p}", "--executor", "ray"], "'ray' is not one of 'local', 'dask'"),
        (["new", "x", "--dir", "{t}/a-file"], "'{t}/a-file' is a file"),
        (["new", "x", "--dir", "{t}/a-file/sub"], "{t}/a-file/sub"),
        (["new", "x", "--stage", "live"], "'live' is not one of"),
    ],
)
def test_every_option_refuses_a_bad_value_in_one_line(portfolio, args, phrase):
    """Class 5, attack: each option of each command given a value it cannot take."""
    t = portfolio.parent
    fill = {"{p}": str(portfolio), "{t}": str(t)}

    def filled(text: str) -> str:
        for key, value in fill.items():
            text = text.replace(key, value)
        return text

    code, _, err = cli(*map(filled, args), cwd=t)
    assert_one_line(code, err, filled(phrase))


def test_a_file_system_error_nobody_named_is_one_line_naming_its_path(monkeypatch):
    """Class 5: the last line of defence, an OSError reaching the command line."""
    import workbook.cli as cli_module

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/srv/shared/gates.yaml")

    monkeypatch.setattr(cli_module, "load_catalogue", denied)
    result = CliRunner().invoke(main, ["gates"])
    assert result.exit_code == 2
    assert result.stderr.startswith("/srv/shared/gates.yaml: ")
    assert "permission denied" in result.stderr.lower()
    assert len(result.stderr.splitlines()) == 1


def test_a_bug_is_one_line_asking_for_a_report_and_shows_where_on_request(monkeypatch):
    """Class 5: an unexpected exception is no traceback, but it is not hidden either."""
    import workbook.cli as cli_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "load_catalogue", broken)
    result = CliRunner().invoke(main, ["gates"])
    assert result.exit_code == 2
    assert result.stderr == (
        "workbook: internal error: RuntimeError: boom (please report it with the command "
        "that caused it; WORKBOOK_TRACEBACK=1 shows where it happened)\n"
    )
    monkeypatch.setenv("WORKBOOK_TRACEBACK", "1")
    result = CliRunner().invoke(main, ["gates"])
    assert isinstance(result.exception, RuntimeError)
