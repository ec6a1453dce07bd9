"""The router evaluation figure on hand-built outcome tables with known answers: the caption
says "real" when one model is right exactly where the other is wrong, and "no detectable"
when the scores are noise that no prompt text predicts."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure

from aigym.errors import ValidationError
from aigym.outcomes import KnnRouter, OutcomeTable, evaluate_router
from aigym.reports import (
    caption_of,
    plot_router_evaluation,
    router_comparison,
    router_verdict,
    table_of,
)

TOPICS = ("arithmetic sum of numbers", "poem about spring flowers")


def table(*, specialised: bool, n: int = 120, seed: int = 0) -> OutcomeTable:
    """Two models on two kinds of prompt; 'cheap' costs a quarter of 'dear'.

    specialised: cheap is right on every arithmetic prompt and wrong on every poem; dear is
    right on every poem and scores 0.2 on arithmetic (the best single model, at 0.6), so a
    router reaches quality 1 at less than dear's cost. Otherwise both score coin flips that
    no prompt text predicts.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        kind = i % 2
        prompt = f"{TOPICS[kind]} question {i % 7} variant {i}"
        for model, cost in (("cheap", 0.001), ("dear", 0.004)):
            right = float((kind == 0) == (model == "cheap"))
            if model == "dear" and kind == 0:
                right = 0.2
            score = right if specialised else float(rng.random() < 0.5)
            rows.append(
                {"item_id": f"q{i}", "prompt": prompt, "model": model, "score": score,
                 "cost_usd": cost}
            )  # fmt: skip
    return OutcomeTable(pl.DataFrame(rows), source="hand-built")


def evaluation(t: OutcomeTable):  # type: ignore[no-untyped-def]
    return evaluate_router(KnnRouter(k=5), t, folds=5, resamples=200, name="knn5")


def test_a_router_that_finds_the_specialists_is_real_and_cheaper() -> None:
    ev = evaluation(table(specialised=True))
    fig = plot_router_evaluation(ev)
    assert isinstance(fig, Figure)
    caption = caption_of(fig)
    assert caption == router_verdict(ev)
    assert caption.startswith("knn5 scores 1.000 [1.000, 1.000]")
    assert "better than the best single model" in caption and "real at the 5% level" in caption
    assert "no detectable quality difference from the best single model" not in caption
    # at the best single model's quality the router mixes in the cheap model: it costs less
    assert "less (95% CI" in caption and "no detectable saving" not in caption
    assert table_of(fig).equals(ev.summary)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("cost per 1,000 calls (US$")
    assert ax.get_ylabel().startswith("mean quality")
    diffs = router_comparison(ev)
    q = diffs.filter((pl.col("metric") == "quality") & (pl.col("versus") == "best_single"))
    assert q["difference"][0] == pytest.approx(0.4)
    assert q["diff_low"][0] > 0


def test_noise_no_prompt_predicts_gives_no_detectable_difference() -> None:
    ev = evaluation(table(specialised=False))
    caption = caption_of(plot_router_evaluation(ev))
    assert "no detectable quality difference from the best single model" in caption
    assert "real at the 5% level" not in caption.split("; APGR")[0]


def test_two_model_tables_report_apgr_beside_random() -> None:
    ev = evaluation(table(specialised=True))
    caption = router_verdict(ev)
    apgr = ev.value("knn5", "apgr")
    assert f"APGR {apgr['value']:.3f}" in caption and "(random 0.5)" in caption
    assert apgr["value"] > 0.5


def test_draws_on_a_given_axes_and_refuses_what_is_not_an_evaluation() -> None:
    ev = evaluation(table(specialised=True))
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert plot_router_evaluation(ev, ax=ax) is fig
    assert ax.get_title().startswith("knn5: cost vs quality")
    with pytest.raises(ValidationError, match="evaluate_router"):
        plot_router_evaluation(ev.summary)  # type: ignore[arg-type]
