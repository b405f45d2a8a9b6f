"""Run Great Expectations 1.x on the extracts and write what it writes (suite, results).

Usage: python gx_run.py OUT_DIR   (run offline; regenerate.sh does it under ``unshare -n``)

The suite is built with GX's own expectation classes and saved with
``ExpectationSuite.to_json_dict()``; the CSV is read by GX's pandas data source
(``add_csv_asset``, i.e. ``pandas.read_csv`` with its defaults) and validated through a
``ValidationDefinition``; the result is ``ExpectationSuiteValidationResult.to_json_dict()``
with ``result_format="COMPLETE"`` (unexpected counts, percentages and the list of
unexpected values; row indexes for pandas).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe

HERE = Path(__file__).resolve().parent


def requests_suite() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="requests_extract")
    for e in (
        gxe.ExpectColumnToExist(column="request_id"),
        gxe.ExpectColumnToExist(column="consent_given"),
        gxe.ExpectColumnValuesToNotBeNull(column="customer_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="language", mostly=0.95),
        gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=["web", "email", "chat"]),
        gxe.ExpectColumnValuesToBeInSet(column="language", value_set=["en", "de", "fr", "es"]),
        gxe.ExpectColumnValuesToBeUnique(column="request_id"),
        gxe.ExpectColumnValuesToBeBetween(column="prompt_tokens", min_value=1, max_value=4000),
        gxe.ExpectColumnValuesToBeBetween(column="latency_ms", max_value=10000, mostly=0.99),
        gxe.ExpectColumnValuesToBeBetween(column="rating", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeOfType(column="request_id", type_="int64"),
        gxe.ExpectColumnValuesToBeOfType(column="customer_id", type_="int64"),
        gxe.ExpectColumnValuesToBeOfType(column="resolved", type_="bool"),
        gxe.ExpectColumnValuesToBeInTypeList(column="rating", type_list=["float64", "float32"]),
        gxe.ExpectColumnValuesToBeInTypeList(column="channel", type_list=["object", "str"]),
    ):
        suite.add_expectation(e)
    return suite


def duplicates_suite() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="duplicates_extract")
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="request_id"))
    suite.add_expectation(
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["customer_id", "received_on"])
    )
    return suite


def run(context: Any, source: Any, csv_path: Path, suite: gx.ExpectationSuite, out: Path) -> None:
    """Save the suite, validate the CSV through a ValidationDefinition, save the result."""
    suite = context.suites.add(suite)
    # relative to this folder (the caller's working directory), so no machine path is recorded
    asset = source.add_csv_asset(name=csv_path.stem, filepath_or_buffer=csv_path.name)
    batch_definition = asset.add_batch_definition_whole_dataframe(csv_path.stem)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=csv_path.stem, data=batch_definition, suite=suite)
    )
    result = definition.run(result_format="COMPLETE")
    stem = csv_path.stem
    dump(out / f"gx1_{stem}_suite.json", suite.to_json_dict())
    dump(out / f"gx1_{stem}_validation.json", result.to_json_dict())


def dump(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE
    os.chdir(HERE)
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("extracts")
    run(context, source, HERE / "requests.csv", requests_suite(), out)
    run(context, source, HERE / "duplicates.csv", duplicates_suite(), out)
