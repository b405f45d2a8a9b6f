"""The folder tree is the path a record takes, and imports only ever point back along it.

model/ and evidence/ (load, validate, measure, assess) know nothing of what shows or runs
them; present/ (views, charts, forms, the notebook facade, the portfolio views) knows
nothing of how notebooks are executed (render/) or scheduled (batch/). What several layers
share sits below all of them: the summary contract and the history types in model/, the
ledger in ledger.py, the chapter notebooks' names in paths.py.

Every ``workbook/**/*.py`` is parsed with ``ast``: an import counts wherever it is
written (module top, inside a function, under ``TYPE_CHECKING``, through
``importlib.import_module``), since a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "workbook"

#: (where, what it must never import, why)
RULES = [
    ("workbook/model/", ("workbook.present", "workbook.render", "workbook.batch"), "pure model"),
    ("workbook/evidence/", ("workbook.present", "workbook.render", "workbook.batch"), "inspectors"),
    ("workbook/present/", ("workbook.render", "workbook.batch"), "presentation"),
    # Shared by present/ and batch/, so below both.
    ("workbook/ledger.py", ("workbook.present", "workbook.render", "workbook.batch"), "ledger"),
    ("workbook/pipeline.py", ("workbook.present", "workbook.render", "workbook.batch"), "I/O"),
    ("workbook/errors.py", ("workbook.",), "every layer imports it"),
    ("workbook/paths.py", ("workbook.",), "every layer imports it"),
    # The plan's input: fingerprints of files, not the presentation layer's objects.
    ("workbook/batch/environment.py", ("workbook.present", "workbook.render"), "fingerprints"),
]


def imported(source: str, module: str) -> list[tuple[int, str]]:
    """(line, module name) of every import in ``source``, a module named ``module``."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from workbook import batch` imports workbook.batch
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def offences(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    rel = path.relative_to(REPO).as_posix()
    return [
        f"{rel}:{line} imports {name}"
        for line, name in imported(path.read_text(encoding="utf-8"), module_name(path))
        if any(name == f or name.startswith(f if f.endswith(".") else f + ".") for f in forbidden)
    ]


def files_under(where: str) -> list[Path]:
    target = REPO / where
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


@pytest.mark.parametrize(("where", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_imports_point_back_along_the_pipeline(where, forbidden, why):
    files = files_under(where)
    assert files, f"{where} holds no module: the rule guards nothing"
    found = [o for path in files for o in offences(path, forbidden)]
    assert found == [], f"{why}: " + "; ".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from workbook.batch.ledger import Ledger",
        "import workbook.batch",
        "import workbook.batch.run as r",
        "from workbook import batch",
        "from workbook import render as R",
        "def f():\n    from workbook.render.execute import run_notebook",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from workbook.batch import x",
        "import importlib\nimportlib.import_module('workbook.batch.tasks')",
        "from ..batch import plan",
        "from ...workbook.render import dossier",
    ],
)
def test_the_rule_sees_every_way_of_importing(source):
    # As if written in workbook/present/views.py: the check must see the import.
    found = [
        name
        for _, name in imported(source, "workbook.present.views")
        if name.startswith(("workbook.batch", "workbook.render"))
    ]
    assert found, f"not seen: {source!r}"


def test_a_clean_module_passes():
    source = "from workbook.model.assess import Assessment\nimport json\n"
    assert [n for _, n in imported(source, "workbook.present.views")] == [
        "workbook.model.assess.Assessment",
        "workbook.model.assess",
        "json",
    ]
