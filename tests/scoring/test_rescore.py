"""Scores as data: score rows round trip, re-scoring appends, the latest row wins."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from aigym.errors import ScoringError, ValidationError
from aigym.providers import Completion, CompletionRequest, Provider, RetryPolicy
from aigym.records import Execution, TaskMetrics
from aigym.scoring import (
    JUDGE_VERSION,
    LATEST_SCORE_COLUMNS,
    LLMJudge,
    SandboxMode,
    Score,
    _registry,
    context_from_metadata,
    get_default_judge,
    latest_scores,
    record_scores,
    rescore,
    scorer,
    set_default_judge,
)
from aigym.store import ParquetStore

T0 = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParquetStore]:
    s = ParquetStore(tmp_path / "store", durability="none")
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    before, origins = dict(_registry._registry), dict(_registry._origin)
    judge = get_default_judge()
    yield
    _registry._registry.clear()
    _registry._registry.update(before)
    _registry._origin.clear()
    _registry._origin.update(origins)
    set_default_judge(judge)


def execution(
    response: str | None,
    *,
    task: str = "arithmetic",
    campaign: str = "c1",
    store_text: bool = True,
    metadata: dict[str, Any] | None = None,
    status: str = "success",
    minute: int = 0,
) -> Execution:
    m = TaskMetrics(
        "local/smollm2-135m",
        task,
        5,
        3,
        10.0,
        0.0,
        prompt="What is 2 + 2?",
        response=response,
        campaign=campaign,
        metadata=metadata,
        status=status,  # type: ignore[arg-type]
        error_type="timeout" if status == "error" else None,
    )
    return Execution.from_metrics(
        m, timestamp=T0 + dt.timedelta(minutes=minute), store_text=store_text
    )


def test_score_rows_round_trip(store: ParquetStore) -> None:
    ex = execution("4")
    store.append("executions", [ex])
    s = Score(75.0, {"length": 50.0, "no_refusal": 100.0}, "fine", "generic", "1")
    u = Score.unscored("no reference", scorer="token_f1", version="1")
    assert record_scores(store, [(ex.execution_id, s), (ex.execution_id, u)]) == 2
    rows = {r["scorer"]: r for r in store.scan_scores().collect().to_dicts()}
    g = rows["generic"]
    assert (g["execution_id"], g["scorer_version"], g["value"], g["explanation"]) == (
        ex.execution_id,
        "1",
        75.0,
        "fine",
    )
    assert dict(g["dimensions"]) == {"length": 50.0, "no_refusal": 100.0}
    assert rows["token_f1"]["value"] is None
    assert rows["token_f1"]["unscored_reason"] == "no reference"
    latest = latest_scores(store, "generic").collect()
    assert latest.columns == list(LATEST_SCORE_COLUMNS) and latest.height == 1


def test_rescore_appends_latest_wins_executions_untouched(store: ParquetStore) -> None:
    exs = [execution("4", minute=i, metadata={"reference": "4"}) for i in range(3)]
    store.append("executions", exs)
    before = store.scan("executions").collect()

    @scorer("toy", "1")
    def toy_v1(output: str, context: Any) -> float:
        return 10.0

    first = rescore(store, campaign="c1", scorer="toy")
    assert first.row(0, named=True) == {
        "task_type": "arithmetic",
        "model_id": "local/smollm2-135m",
        "scorer": "toy",
        "scorer_version": "1",
        "executions": 3,
        "scored": 3,
        "unscored": 0,
        "mean_value": 10.0,
    }

    @scorer("toy", "2", replace=True)
    def toy_v2(output: str, context: Any) -> float:
        return 90.0

    rescore(store, campaign="c1", scorer="toy", max_workers=1)
    assert store.scan_scores().collect().height == 6  # appended, nothing rewritten
    latest = latest_scores(store, "toy").collect()
    assert latest.height == 3 and set(latest["value"]) == {90.0}
    assert set(latest["scorer_version"]) == {"2"}
    pinned = latest_scores(store, "toy", version="1").collect()
    assert set(pinned["value"]) == {10.0}
    assert store.scan("executions").collect().equals(before)


def test_latest_unscored_row_supersedes(store: ParquetStore) -> None:
    ex = execution("4")
    store.append("executions", [ex])
    record_scores(store, [(ex.execution_id, Score(80.0, scorer="s", version="1"))])
    record_scores(store, [(ex.execution_id, Score.unscored("judge down", scorer="s", version="1"))])
    row = latest_scores(store, "s").collect().row(0, named=True)
    assert row["value"] is None and row["unscored_reason"] == "judge down"


def test_rescore_uses_metadata_context_and_primary_scorers(store: ParquetStore) -> None:
    store.append(
        "executions",
        [
            execution("The answer is 4.", metadata={"reference": "4"}),
            execution("5", metadata={"reference": "4"}),
            execution("no ref here"),
            execution(
                "Hi there! How can I help?",
                task="conversation",
                metadata={"context": {"prompt": "opening hours"}},
            ),
        ],
    )
    out = rescore(store, campaign="c1", scorer="numeric_match", task_type="arithmetic")
    assert out.select("executions", "scored", "unscored", "mean_value").row(0) == (3, 2, 1, 50.0)
    reasons = latest_scores(store, "numeric_match").collect()["unscored_reason"].drop_nulls()
    assert reasons.to_list() == ["no reference answer in context['reference']"]
    primary = rescore(store, campaign="c1")  # arithmetic -> generic, conversation -> its own
    assert dict(zip(primary["task_type"], primary["scorer"], strict=True)) == {
        "arithmetic": "generic",
        "conversation": "conversation",
    }


def test_rescore_hashes_only_rows_and_errors(store: ParquetStore) -> None:
    store.append(
        "executions",
        [
            execution("4", store_text=False),
            execution(None, status="error"),
            execution("4", campaign="other"),
        ],
    )
    out = rescore(store, campaign="c1", scorer="generic")
    assert out.select("executions", "scored", "unscored").row(0) == (1, 0, 1)
    row = latest_scores(store, "generic").collect().row(0, named=True)
    assert row["value"] is None and "not stored" in row["unscored_reason"]
    assert store.scan_scores().collect().height == 1  # the error row and campaign 'other' skipped


def test_rescore_runs_tests_from_metadata(store: ParquetStore, sandbox_mode: SandboxMode) -> None:
    tests = "assert add(2, 3) == 5\nassert add(-1, 1) == 0"
    store.append(
        "executions",
        [
            execution(
                "def add(a, b):\n    return a + b",
                task="code_generation",
                metadata={"tests": tests},
            ),
            execution(
                "def add(a, b):\n    return a - b",
                task="code_generation",
                metadata={"tests": tests},
            ),
        ],
    )
    out = rescore(store, campaign="c1", scorer="code_execution", max_workers=2)
    assert out.row(0, named=True)["mean_value"] == 50.0
    values = sorted(latest_scores(store, "code_execution").collect()["value"].to_list())
    assert values == [0.0, 100.0]


class _Stub(Provider):
    def __init__(self) -> None:
        super().__init__("stub", retry=RetryPolicy(max_retries=0))

    async def generate(self, request: CompletionRequest) -> Completion:
        return Completion("Looks right. Rating: [[10]]", "stop", 1, 1, request.model, self.name)


def test_rescore_with_a_judge_records_the_judge_model(store: ParquetStore) -> None:
    store.append("executions", [execution("4"), execution("5")])
    with pytest.raises(ScoringError, match="set_default_judge"):
        rescore(store, campaign="c1", scorer="llm_judge")
    out = rescore(store, campaign="c1", scorer=LLMJudge(_Stub(), "j1"))
    assert out.row(0, named=True)["mean_value"] == 100.0
    rows = latest_scores(store, "llm_judge", JUDGE_VERSION).collect()
    assert set(rows["judge_model"]) == {"stub/j1"} and rows.height == 2
    set_default_judge(LLMJudge(_Stub(), "j2"))
    rescore(store, campaign="c1", scorer="llm_judge")
    assert set(latest_scores(store, "llm_judge").collect()["judge_model"]) == {"stub/j2"}


def test_context_from_metadata() -> None:
    meta = {"reference": "4", "tests": "assert f()", "context": {"prompt": "kw", "x": 1}}
    assert context_from_metadata("Q?", json.dumps(meta)) == {
        "prompt": "kw",
        "x": 1,
        "reference": "4",
        "tests": "assert f()",
    }
    assert context_from_metadata("Q?", None) == {"prompt": "Q?"}
    assert context_from_metadata(None, "not json") == {}
    assert context_from_metadata("Q?", "[1, 2]") == {"prompt": "Q?"}


def test_empty_and_bad_arguments(store: ParquetStore) -> None:
    out = rescore(store, campaign="nothing-here")
    assert out.height == 0 and "mean_value" in out.columns
    assert latest_scores(store, "generic").collect().height == 0
    with pytest.raises(ValidationError):
        rescore(store, max_workers=0)
    with pytest.raises(ValidationError):
        latest_scores(store, "")
    assert record_scores(store, []) == 0
    assert isinstance(latest_scores(store, "generic"), pl.LazyFrame)
