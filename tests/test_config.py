"""workbook.toml: the defaults a portfolio repository gives every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbook.config import Config, find_config, load_config
from workbook.errors import UsageError

BIN = Path(sys.executable).parent


def test_no_file_means_the_built_in_defaults(tmp_path):
    (tmp_path / ".git").mkdir()  # the search stops at a repository's root
    config = load_config(tmp_path)
    assert config == Config()
    assert config.targets == [Path("data/initiatives")] and config.out_dir == Path("build/dossiers")


def test_found_from_a_folder_below_and_paths_relative_to_the_file(tmp_path, monkeypatch):
    (tmp_path / "workbook.toml").write_text(
        'records = ["records", "more"]\nout = "site"\ngates = "gates/c.yaml"\n'
    )
    below = tmp_path / "records" / "deep"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    assert find_config(below) == tmp_path / "workbook.toml"
    config = load_config(below)
    # Shown from the working folder, records/deep: records is its parent.
    assert config.targets == [Path(".."), Path("../../more")]
    assert config.out_dir == Path("../../site") and config.gates == Path("../../gates/c.yaml")


def test_the_search_stops_at_a_repository_root(tmp_path):
    (tmp_path / "workbook.toml").write_text('out = "x"\n')
    inner = tmp_path / "inner"
    (inner / ".git").mkdir(parents=True)
    assert find_config(inner) is None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("records = 3\n", "records: 3 is not a list (expected a list of paths)"),
        ("out = 1\n", 'out: 1 is not a path (expected a path as text, e.g. "records")'),
        ('gates = ""\n', "gates: '' is not a path"),
        ('colour = "blue"\n', "colour: unknown key (expected one of gates, out, records)"),
        ("out = \n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_key(tmp_path, text, line):
    (tmp_path / "workbook.toml").write_text(text)
    with pytest.raises(UsageError) as exc:
        load_config(tmp_path)
    assert line in exc.value.line() and "workbook.toml" in exc.value.line()
    # Through the CLI: one line, exit 2, no traceback.
    done = subprocess.run([BIN / "workbook", "check"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and line in done.stderr


def test_options_on_the_command_line_win(tmp_path):
    (tmp_path / "workbook.toml").write_text('records = ["nowhere"]\n')
    done = subprocess.run(
        [BIN / "workbook", "new", "Here", "--dir", "mine"], cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0
    # The configured records folder does not exist: check without arguments says so...
    missing = subprocess.run(
        [BIN / "workbook", "check"], cwd=tmp_path, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "nowhere" in missing.stderr
    # ...while a folder named on the command line is checked.
    named = subprocess.run([BIN / "workbook", "check", "mine"], cwd=tmp_path, capture_output=True)
    assert named.returncode == 0


def test_history_finds_the_configured_ledger_or_says_where_it_looked(tmp_path):
    (tmp_path / "workbook.toml").write_text('out = "site"\n')
    done = subprocess.run(
        [BIN / "workbook", "history", "x"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.startswith("site/ledger.sqlite: no ledger in the batch's output folder")
