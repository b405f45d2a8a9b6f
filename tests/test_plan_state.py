"""The batch plan's state file and defaults, as a scheduled run relies on them.

The state file is read back by the next run and read by people when a dossier is not
redrawn: one initiative per key, sorted, indented, so that runs diff line by line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import EXAMPLES
from workbook.batch.plan import Environment, Planned, Seen, dump_state, plan, render_key
from workbook.model.catalogue import load_catalogue
from workbook.pipeline import Checked, assess_file

ENV = Environment(notebooks="n", template="t", version="1.0", catalogue="c")


def test_the_state_file_is_sorted_and_indented_by_one_space():
    state = {"b-id": Seen("k2", "b.html"), "a-id": Seen("k1", "a.html")}
    assert dump_state(state) == (
        "{\n"
        ' "a-id": {\n'
        '  "key": "k1",\n'
        '  "output": "a.html"\n'
        " },\n"
        ' "b-id": {\n'
        '  "key": "k2",\n'
        '  "output": "b.html"\n'
        " }\n"
        "}"
    )


def test_an_unchanged_record_is_skipped_unless_forced_and_keeps_its_path():
    path = EXAMPLES / "claims-triage.yaml"
    a = assess_file(path, load_catalogue(), dt.date(2026, 11, 23))
    key = render_key(a, ENV)
    state = {a.id: Seen(key, "claims-triage.html")}
    existing = {"claims-triage.html"}
    # Without ``force`` (its default is off) the same key and dossier mean: nothing to do.
    assert plan([Checked(path, a)], ENV, state, existing) == [
        Planned(path, "skip", a, key, dossier="claims-triage.html")
    ]
    assert plan([Checked(path, a)], ENV, state, existing, force=True) == [
        Planned(path, "render", a, key)
    ]


def test_a_record_that_could_not_be_assessed_is_named_by_its_path():
    path = Path("portfolio/broken.yaml")
    assert plan([Checked(path)], ENV, {}, set()) == [
        Planned(path, "invalid", error="portfolio/broken.yaml")
    ]
