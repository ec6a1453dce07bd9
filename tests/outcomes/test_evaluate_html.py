"""A router evaluation in a notebook: the verdict against the best single model, the summary."""

from __future__ import annotations

from aigym.outcomes import KnnRouter, evaluate_router
from tests.html_check import parse_html

from .test_evaluate import _table


def test_router_evaluation_html_states_the_comparison() -> None:
    ev = evaluate_router(KnnRouter(k=5), _table(80), folds=3, seed=1, resamples=200, knobs=5)
    text, rows = parse_html(ev._repr_html_())
    q = ev.value(ev.router, "quality", "best_single")
    assert f"RouterEvaluation {ev.router}" in text
    assert f"vs the best single model {ev.best_single}" in text
    assert f"quality {q['value']:.4g} vs {q['versus_value']:.4g}" in text
    assert rows == 1 + ev.summary.height and "oracle" in text
