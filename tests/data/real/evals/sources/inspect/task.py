"""inspect_ai task run offline with the mockllm provider replaying fixed answers.

The dataset (dataset.jsonl) carries, per sample, `metadata.slice`; mock_answers.json
holds, per sample id, the answer the mock model gives on its first call for that input
and, for a few, a different one on its second call (used by the epochs=2 run).
"RAISE" makes the model call raise, so the sample ends with an error
(fail_on_error=False keeps the eval going).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from inspect_ai import Task, eval, task
from inspect_ai.dataset import json_dataset
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes, match
from inspect_ai.solver import generate

HERE = Path(__file__).parent
DATASET = HERE / "dataset.jsonl"
ANSWERS = HERE / "mock_answers.json"


def _raises(sample_id: object) -> bool:
    return json.loads(ANSWERS.read_text())[str(sample_id)][0] == "RAISE"


@task
def support_qa(two_scorers: bool = False, with_errors: bool = True) -> Task:
    """20 questions in three slices; `with_errors=False` leaves out the 2 inputs
    whose model call raises (their tracebacks make a .json log exceed 200 KB)."""
    dataset = json_dataset(str(DATASET))
    if not with_errors:
        dataset = dataset.filter(lambda s: not _raises(s.id))
    scorers = [includes(), match()] if two_scorers else includes()
    return Task(dataset=dataset, solver=generate(), scorer=scorers)


def replay_model():
    """mockllm/model replaying mock_answers.json, looked up by the user message."""
    rows = [json.loads(line) for line in DATASET.read_text().splitlines() if line]
    answers = json.loads(ANSWERS.read_text())
    by_input = {r["input"]: answers[r["id"]] for r in rows}
    calls: Counter[str] = Counter()

    def outputs(messages, tools, tool_choice, config):
        text = messages[-1].text
        calls[text] += 1
        replies = by_input[text]
        answer = replies[min(calls[text], len(replies)) - 1]
        if answer == "RAISE":
            raise RuntimeError("mock backend unavailable for this input")
        out = ModelOutput.from_content(model="mockllm/model", content=answer)
        # usage given explicitly: otherwise mockllm counts tokens with tiktoken,
        # which would download its encoding (no network here)
        out.usage = ModelUsage(
            input_tokens=len(text.split()),
            output_tokens=len(answer.split()),
            total_tokens=len(text.split()) + len(answer.split()),
        )
        return out

    return get_model("mockllm/model", custom_outputs=outputs)


def run(
    log_dir: str,
    log_format: str,
    epochs: int = 1,
    two_scorers: bool = False,
    with_errors: bool = True,
) -> str:
    (log,) = eval(
        support_qa(two_scorers=two_scorers, with_errors=with_errors),
        model=replay_model(),
        epochs=epochs,
        log_dir=log_dir,
        log_format=log_format,
        fail_on_error=False,
        max_samples=1,
        # raw model API calls not logged (errors still are): keeps the .json log,
        # pretty-printed by inspect, under 200 KB
        log_model_api=False,
        display="plain",
    )
    return log.location


if __name__ == "__main__":
    # usage: task.py OUT_DIR [--deflate] -> writes the logs under OUT_DIR with stable
    # names; --deflate (run with inspect_ai 0.3.200, which zipped .eval logs with
    # deflate; 0.3.215 and later use zstd) writes only support_qa_deflate.eval
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if sys.argv[2:] == ["--deflate"]:
        location = Path(run(str(out / "raw"), "eval"))
        location.rename(out / "support_qa_deflate.eval")
        (out / "raw").rmdir()
        sys.exit(0)

    from inspect_ai.analysis import samples_df

    runs = {
        "support_qa.eval": dict(log_format="eval"),
        "support_qa.json": dict(log_format="json", with_errors=False),
        "support_qa_epochs2.eval": dict(log_format="eval", epochs=2),
        "support_qa_two_scorers.eval": dict(log_format="eval", two_scorers=True),
    }
    for name, kwargs in runs.items():
        location = Path(run(str(out / "raw"), **kwargs))
        location.rename(out / name)
        print(f"{location.name} -> {name}")
    samples_df(str(out / "support_qa.eval")).to_csv(out / "support_qa_samples.csv", index=False)
    samples_df(str(out / "support_qa_epochs2.eval")).to_csv(
        out / "support_qa_epochs2_samples.csv", index=False
    )
    (out / "raw").rmdir()
