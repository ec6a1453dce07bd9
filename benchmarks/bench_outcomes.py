"""Router speed on the LLMRouter table, each figure next to a baseline measured in the same run.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_outcomes.py [--quick]

Baselines (bare scikit-learn, the least work any TF-IDF router must do):

* fitting: `TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform`
  over the 5,608 training prompts;
* predicting the 500 test prompts: that vectorizer's `transform` plus the sparse product with
  the training matrix;
* routing one prompt: the same for a single prompt (about 2 ms here).

Target: routing one prompt with the reference kNN and with the learned router <= 1.5x the
one-prompt baseline: the median over 40 test prompts of (router / baseline) on the same prompt,
each the best of 3 timings taken back to back (the machine is shared); exit status 1 if missed.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from aigym.outcomes import KnnRouter, RidgeKnnRouter, _text, load_llmrouter
from aigym.outcomes._wide import widen

TARGET_ONE = 1.5


def _best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _clear_caches() -> None:
    _text._CACHE.clear()
    _text._CORPUS.clear()
    _text._CORPUS_PROMPTS.clear()


def main(quick: bool = False) -> int:
    wide = widen(load_llmrouter())
    assert wide.splits is not None
    train = wide.take(np.flatnonzero(wide.splits == "train"))
    test_prompts = [p for p, s in zip(wide.prompts, wide.splits, strict=True) if s == "test"]
    repeats = 2 if quick else 3
    n_one = 10 if quick else 40
    one_prompts = test_prompts[:n_one]

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32)
    x_train_t = vec.fit_transform(train.prompts).T.tocsr()

    def base_fit() -> None:
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform(
            train.prompts
        )

    def base_predict(prompts: list[str]) -> None:
        (vec.transform(prompts) @ x_train_t).toarray()

    rows: list[tuple[str, float, float]] = []
    t_base_fit = _best(base_fit, repeats)
    t_base_pred = _best(lambda: base_predict(test_prompts), repeats)
    routers = [KnnRouter(), RidgeKnnRouter()]
    for router in routers:
        name = type(router).__name__

        def fit(r: Any = router) -> None:
            _clear_caches()
            r.fit(train)

        t_fit = _best(fit, repeats)
        t_pred = _best(lambda r=router: r.predict(test_prompts), repeats)
        rows += [
            (f"{name} fit (5,608 prompts)", t_fit, t_fit / t_base_fit),
            (f"{name} predict (500 prompts)", t_pred, t_pred / t_base_pred),
        ]
    # one prompt: baseline and routers timed back to back on each prompt (machine drift hits all)
    base_times: list[float] = []
    router_times: list[list[float]] = [[] for _ in routers]
    for p in one_prompts:
        base_times.append(_best(lambda p=p: base_predict([p]), repeats))
        for i, router in enumerate(routers):
            router_times[i].append(_best(lambda p=p, r=router: r.route([p]), repeats))
    base_one = statistics.median(base_times)
    failed = False
    for router, times in zip(routers, router_times, strict=True):
        ratio = statistics.median(t / b for t, b in zip(times, base_times, strict=True))
        rows.append((f"{type(router).__name__} route one prompt", statistics.median(times), ratio))
        failed |= ratio > TARGET_ONE
    print(f"baseline fit {t_base_fit * 1e3:9.1f} ms   (bare TfidfVectorizer.fit_transform)")
    print(f"baseline predict {t_base_pred * 1e3:5.1f} ms   (transform + sparse dot, 500 prompts)")
    print(f"baseline one prompt {base_one * 1e3:.2f} ms (transform + sparse dot, 1 prompt)")
    for label, secs, ratio in rows:
        print(f"{label:42s} {secs * 1e3:9.2f} ms   {ratio:5.2f}x baseline")
    print(f"target: routing one prompt <= {TARGET_ONE}x baseline -> {'MISSED' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
