"""Score, the @scorer registry and get_quality_scorer()."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from aigym.errors import ValidationError
from aigym.records import ScoreRecord, TaskType, new_id
from aigym.scoring import (
    DEFAULT_PRIMARY_SCORERS,
    Score,
    Scorer,
    _registry,
    get_quality_scorer,
    get_scorer,
    list_scorers,
    mean_score,
    primary_scorers,
    scorer,
    set_primary_scorer,
    weighted_score,
)


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    before = dict(_registry._registry)
    origins = dict(_registry._origin)
    primary = primary_scorers()
    yield
    _registry._registry.clear()
    _registry._registry.update(before)
    _registry._origin.clear()
    _registry._origin.update(origins)
    for task in list(primary_scorers()):
        set_primary_scorer(task, primary.get(task))


def test_score_is_frozen_and_validated() -> None:
    s = Score(80.0, {"a": 50.0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.value = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.dimensions["a"] = 1.0  # type: ignore[index]
    for bad in (-0.1, 100.1, math.nan, math.inf):
        with pytest.raises(ValidationError):
            Score(bad)
    with pytest.raises(ValidationError):
        Score(50.0, {"a": 101.0})
    with pytest.raises(ValidationError, match="say why"):
        Score(None)


def test_unscored_is_explicit_and_skipped_by_mean() -> None:
    u = Score.unscored("no reference")
    assert u.value is None and not u.is_scored and u.unscored_reason == "no reference"
    assert mean_score([Score(80.0), u, Score(60.0), None]) == 70.0
    assert mean_score([u, None]) is None
    assert mean_score([]) is None


def test_to_record_builds_a_score_row() -> None:
    eid = new_id()
    row = get_scorer("token_f1")("Denver Broncos", {"reference": "Broncos"}).to_record(eid)
    assert isinstance(row, ScoreRecord)
    assert (row.execution_id, row.scorer, row.scorer_version) == (eid, "token_f1", "1")
    assert row.value == pytest.approx(100 * 2 / 3)
    assert set(row.dimensions) == {"precision", "recall"}
    unscored = Score.unscored("no tests", scorer="code_execution", version="1").to_record(eid)
    assert unscored.value is None and unscored.unscored_reason == "no tests"


def test_weighted_score_renormalises_missing_dimensions() -> None:
    w = {"a": 0.5, "b": 0.25, "c": 0.25}
    assert weighted_score({"a": 100.0, "b": 0.0, "c": 0.0}, w).value == 50.0
    assert weighted_score({"a": 100.0, "b": 0.0}, w).value == pytest.approx(100 * 0.5 / 0.75)
    assert weighted_score({"z": 10.0}, w).value is None


def test_function_scorer_normalises_results() -> None:
    @scorer("t_len", version="2")
    def t_len(output: str, context: Mapping[str, Any] | None) -> float | None:
        return None if not output else min(100.0, len(output))

    s = t_len("abc")
    assert (s.value, s.scorer, s.version) == (3.0, "t_len", "2")
    assert t_len("").value is None and t_len("").unscored_reason
    assert get_scorer("t_len") is t_len
    assert isinstance(t_len, Scorer)
    assert list_scorers()["t_len"] == "2"


def test_class_scorer_is_instantiated_lazily() -> None:
    @scorer("t_cls")
    class Upper:
        def __call__(self, output: str, context: Mapping[str, Any] | None = None) -> Score:
            return Score(100.0 if output.isupper() else 0.0)

    inst = get_scorer("t_cls")
    assert inst is get_scorer("t_cls")
    assert inst("ABC").value == 100.0 and inst("ABC").scorer == "t_cls"
    assert Upper()("abc").version == "1"


def test_bad_return_and_name_clash_are_validation_errors() -> None:
    @scorer("t_bad")
    def bad(output: str, context: Mapping[str, Any] | None) -> Any:
        return "high"

    with pytest.raises(ValidationError, match="return a Score"):
        bad("x")
    with pytest.raises(ValidationError, match="already registered"):
        scorer("t_bad")(lambda o, c: 1.0)
    scorer("t_bad", replace=True)(lambda o, c: 1.0)
    with pytest.raises(ValidationError):
        scorer("has space")
    with pytest.raises(ValidationError, match="did you mean"):
        get_scorer("exact_mach")


def test_quality_scorer_uses_primary_mapping() -> None:
    q = get_quality_scorer()
    assert q is get_quality_scorer()
    assert primary_scorers() == dict(sorted(DEFAULT_PRIMARY_SCORERS.items()))
    for task in TaskType.builtin():
        assert q.scorer_for(task).name == DEFAULT_PRIMARY_SCORERS[task]
    out = "Hi John, shall we talk Tuesday? Best regards"
    assert q.score(TaskType.EMAIL_WRITING, out, {"recipient": "John"}) == (
        q.score_with_dimensions("email_writing", out, {"recipient": "John"}).value
    )

    @scorer("t_shouty")
    def shouty(output: str, context: Mapping[str, Any] | None) -> float:
        return 100.0 if output.isupper() else 0.0

    set_primary_scorer("email_writing", "t_shouty")
    assert q.score_with_dimensions(TaskType.EMAIL_WRITING, "HI").scorer == "t_shouty"
    set_primary_scorer("contract_review", "t_shouty")
    assert q.score("Contract-Review", "OK") == 100.0
    set_primary_scorer("email_writing", None)
    set_primary_scorer("contract_review", None)
    assert q.scorer_for("email_writing").name == "email_writing"
    assert q.scorer_for("contract_review").name == "generic"
    with pytest.raises(ValidationError, match="did you mean"):
        set_primary_scorer("email_writing", "email_writin")


def test_quality_scorer_rejects_bad_input() -> None:
    q = get_quality_scorer()
    with pytest.raises(ValidationError):
        q.score("email_writing", None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        q.score("", "text")
    with pytest.raises(ValidationError):
        q.score("generic", "text", ["not", "a", "dict"])  # type: ignore[arg-type]
