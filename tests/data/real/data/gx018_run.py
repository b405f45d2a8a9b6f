"""Run Great Expectations 0.18 (the older ``expectation_type`` spelling) on the extracts.

Usage: python gx018_run.py OUT_DIR   (run offline; regenerate.sh does it under ``unshare -n``)

The same expectations as gx_run.py, declared the 0.x way (``ExpectationConfiguration``
with ``expectation_type`` and ``kwargs``), saved with ``ExpectationSuite.to_json_dict()``;
validated by a checkpoint on GX's pandas CSV asset with ``result_format="COMPLETE"``; the
file is the checkpoint's one ``ExpectationSuiteValidationResult.to_json_dict()``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.expectation_configuration import ExpectationConfiguration

HERE = Path(__file__).resolve().parent

REQUESTS = [
    ("expect_column_to_exist", {"column": "request_id"}),
    ("expect_column_to_exist", {"column": "consent_given"}),
    ("expect_column_values_to_not_be_null", {"column": "customer_id"}),
    ("expect_column_values_to_not_be_null", {"column": "language", "mostly": 0.95}),
    (
        "expect_column_values_to_be_in_set",
        {"column": "channel", "value_set": ["web", "email", "chat"]},
    ),
    (
        "expect_column_values_to_be_in_set",
        {"column": "language", "value_set": ["en", "de", "fr", "es"]},
    ),
    ("expect_column_values_to_be_unique", {"column": "request_id"}),
    (
        "expect_column_values_to_be_between",
        {"column": "prompt_tokens", "min_value": 1, "max_value": 4000},
    ),
    (
        "expect_column_values_to_be_between",
        {"column": "latency_ms", "max_value": 10000, "mostly": 0.99},
    ),
    ("expect_column_values_to_be_between", {"column": "rating", "min_value": 0, "max_value": 1}),
    ("expect_column_values_to_be_of_type", {"column": "request_id", "type_": "int64"}),
    ("expect_column_values_to_be_of_type", {"column": "customer_id", "type_": "int64"}),
    ("expect_column_values_to_be_of_type", {"column": "resolved", "type_": "bool"}),
    (
        "expect_column_values_to_be_in_type_list",
        {"column": "rating", "type_list": ["float64", "float32"]},
    ),
    (
        "expect_column_values_to_be_in_type_list",
        {"column": "channel", "type_list": ["object", "str"]},
    ),
]
DUPLICATES = [
    ("expect_column_values_to_be_unique", {"column": "request_id"}),
    ("expect_compound_columns_to_be_unique", {"column_list": ["customer_id", "received_on"]}),
]


def run(
    context: Any, source: Any, stem: str, expectations: list[tuple[str, dict]], out: Path
) -> None:
    """Save the suite, validate the CSV with a checkpoint, save the result."""
    suite = context.add_or_update_expectation_suite(expectation_suite_name=f"{stem}_extract")
    for kind, kwargs in expectations:
        suite.add_expectation(ExpectationConfiguration(expectation_type=kind, kwargs=kwargs))
    context.add_or_update_expectation_suite(expectation_suite=suite)
    # relative to this folder (the working directory), so no machine path is recorded
    asset = source.add_csv_asset(name=stem, filepath_or_buffer=f"{stem}.csv")
    checkpoint = context.add_or_update_checkpoint(
        name=stem,
        validations=[
            {"batch_request": asset.build_batch_request(), "expectation_suite_name": suite.name}
        ],
    )
    result = checkpoint.run(result_format="COMPLETE")
    (validation,) = result.list_validation_results()
    dump(out / f"gx018_{stem}_suite.json", suite.to_json_dict())
    dump(out / f"gx018_{stem}_validation.json", validation.to_json_dict())


def dump(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE
    os.chdir(HERE)
    context = gx.get_context(mode="ephemeral")
    source = context.sources.add_pandas("extracts")
    run(context, source, "requests", REQUESTS, out)
    run(context, source, "duplicates", DUPLICATES, out)
