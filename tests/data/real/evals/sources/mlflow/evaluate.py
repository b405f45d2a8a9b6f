"""MLflow evaluation of a static dataset (predictions already in a column), offline.

usage: evaluate.py TRACKING_DIR OUT_DIR

Runs `mlflow.models.evaluate` (the current name of the classic `mlflow.evaluate`,
deprecated in MLflow 3 in its favour) on a pandas DataFrame (dataset.csv) with a
`prediction` column, against a local tracking store (a SQLite file under
TRACKING_DIR: MLflow 3 refuses the plain file store unless MLFLOW_ALLOW_FILE_STORE
is set), with one custom per-row metric `correct`: score 1 when the prediction
equals the expected answer (case- and space-insensitive), 0 otherwise, None when
there is no prediction because the app failed for that row. MLflow writes the
per-row table as the run artifact `eval_results_table.json`; it is copied to
OUT_DIR with the run's aggregate metrics (metrics.json, written by this script).

Built-in metrics are left out: mlflow.metrics.exact_match() fails on the missing
predictions (sklearn cannot sort str with None), and the model_type
"question-answering" would add toxicity (downloads a model) and token_count
(downloads a tiktoken encoding).
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.metrics import MetricValue, make_metric

DATASET = Path(__file__).parent / "dataset.csv"


def _correct(predictions: pd.Series, targets: pd.Series) -> MetricValue:
    def norm(text: str) -> str:
        return " ".join(str(text).split()).casefold()

    scores = [
        # MLflow hands a missing prediction over as None or NaN
        None if p is None or (isinstance(p, float) and math.isnan(p)) else int(norm(p) == norm(t))
        for p, t in zip(predictions, targets, strict=True)
    ]
    scored = [s for s in scores if s is not None]
    return MetricValue(
        scores=scores,
        aggregate_results={"mean": sum(scored) / len(scored), "count": len(scored)},
    )


correct = make_metric(eval_fn=_correct, greater_is_better=True, name="correct")


def main(tracking_dir: str, out_dir: str) -> None:
    store = Path(tracking_dir).resolve()
    store.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    if mlflow.get_experiment_by_name("support-assistant-eval") is None:
        mlflow.create_experiment(
            "support-assistant-eval", artifact_location=(store / "artifacts").as_uri()
        )
    mlflow.set_experiment("support-assistant-eval")
    # an empty prediction cell: the app failed for that row -> None (not NaN, which
    # would not be valid JSON in the logged table)
    data = pd.read_csv(DATASET, dtype=str, keep_default_na=False)
    data["prediction"] = data["prediction"].map(lambda p: p or None)
    with mlflow.start_run(run_name="static-predictions") as run:
        result = mlflow.models.evaluate(
            data=data,
            predictions="prediction",
            targets="expected",
            extra_metrics=[correct],
            evaluators="default",
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    local = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="eval_results_table.json"
    )
    shutil.copy(local, out / "eval_results_table.json")
    (out / "metrics.json").write_text(json.dumps(result.metrics, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result.metrics, indent=2, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
