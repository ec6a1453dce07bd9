"""Print the routing-evaluation figures of the README (and redraw its cost-quality picture).

Run: PYTHONPATH=. .venv/bin/python scripts/router_evaluation.py [--quick] [--figure PATH]

* LLMRouter (6,108 prompts x 9 models, costs estimated from text length and the shared price
  list): 10-fold CV grouped by item, and the table's fixed train/test split beside it. The
  learned `RidgeKnnRouter` against the reference kNN and the baselines, each difference with a
  paired 95% bootstrap interval over items (2,000 resamples).
* RouteLLM MMLU and GSM8K (GPT-4 vs Mixtral, contaminated rows dropped): APGR, CPT(50%),
  CPT(80%) on the fixed 70/30 split by a hash of the item id (`hash_split`), next to random's
  and the oracle's. These metrics sweep the routing threshold, so no knob is tuned there.

Takes about 6 minutes on two busy cores (``--quick``: 3 folds, 300 resamples).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from aigym.outcomes import (
    KnnRouter,
    RidgeKnnRouter,
    RouterEvaluation,
    evaluate_router,
    load_llmrouter,
    load_routellm,
)

ROUTER = "RidgeKnnRouter"
REF = "reference_knn"


def _tables() -> dict[str, Any]:
    """The shipped tables; LLMRouter's cluster id serves as its task for the per-task oracle."""
    llm = load_llmrouter().frame.with_columns(
        pl.col("cluster_id").cast(pl.String).alias("task_type")
    )
    return {
        "llmrouter": llm,
        "mmlu": load_routellm(benchmark="mmlu"),
        "gsm8k": load_routellm(benchmark="gsm8k"),
    }


def _ci(lo: float | None, hi: float | None, pct: bool = False) -> str:
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return ""
    return f"[{lo:.1%}, {hi:.1%}]" if pct else f"[{lo:.3f}, {hi:.3f}]"


def _level(ev: RouterEvaluation, policy: str, metric: str, pct: bool = False) -> str:
    row = ev.value(policy, metric)
    v = row["value"]
    return (
        f"{v:.1%} {_ci(row['low'], row['high'], pct)}"
        if pct
        else f"{v:.3f} {_ci(row['low'], row['high'])}"
    )


def _diff(ev: RouterEvaluation, policy: str, metric: str, versus: str, pct: bool = False) -> str:
    row = ev.value(policy, metric, versus=versus)
    d = row["difference"]
    return (
        f"{d:+.1%} {_ci(row['diff_low'], row['diff_high'], pct)}"
        if pct
        else f"{d:+.3f} {_ci(row['diff_low'], row['diff_high'])}"
    )


def print_llmrouter(ev: RouterEvaluation) -> None:
    schemes = [ev] + ([ev.test] if ev.test is not None else [])
    print("\n== LLMRouter: 9 models, costs estimated (chars/4 x price list) ==")
    head = "".join(f"{s.scheme + f' ({s.n_items} items)':>44s}" for s in schemes)
    print(f"{'policy: quality [95% CI], $ per 1,000 calls':44s}{head}")
    for policy in ("best_single", "cheapest", "random", "per_task_oracle", "oracle", REF, ROUTER):
        cells = []
        for s in schemes:
            row = s.summary.filter(s.summary["policy"] == policy).row(0, named=True)
            cells.append(
                f"{row['quality']:.3f} {_ci(row['quality_low'], row['quality_high'])}"
                f"  ${row['cost_usd'] * 1000:.3f}"
            )
        print(f"{policy:44s}" + "".join(f"{c:>44s}" for c in cells))
    print(f"  best single model: {ev.best_single}")
    lines: list[tuple[str, Callable[[Any], str]]] = [
        ("quality - best single", lambda s: _diff(s, ROUTER, "quality", "best_single")),
        ("quality - reference kNN", lambda s: _diff(s, ROUTER, "quality", REF)),
        ("kNN quality - best single", lambda s: _diff(s, REF, "quality", "best_single")),
        ("cost saved vs best single (tuned)", lambda s: _level(s, ROUTER, "cost_saved", True)),
        ("kNN cost saved vs best single", lambda s: _level(s, REF, "cost_saved", True)),
        ("AIQ", lambda s: _level(s, ROUTER, "aiq")),
        ("AIQ - reference kNN", lambda s: _diff(s, ROUTER, "aiq", REF)),
        ("AIQ - single models' hull", lambda s: _diff(s, ROUTER, "aiq", "single_models")),
        ("kNN AIQ", lambda s: _level(s, REF, "aiq")),
        ("hull quality at best single's cost", lambda s: _level(s, ROUTER, "quality_at_best_cost")),
        ("share of best-to-oracle gap closed", lambda s: _level(s, ROUTER, "gap_closed", True)),
        ("  same, minus the kNN's", lambda s: _diff(s, ROUTER, "gap_closed", REF, True)),
        (
            "cost saved at best single's quality",
            lambda s: _level(s, ROUTER, "cost_saved_at_best_quality", True),
        ),
        (
            "  kNN",
            lambda s: _level(s, REF, "cost_saved_at_best_quality", True),
        ),
        ("arena score", lambda s: _level(s, ROUTER, "arena_score")),
        ("arena score - reference kNN", lambda s: _diff(s, ROUTER, "arena_score", REF)),
    ]
    print(f"\n{ROUTER} (knob tuned inside training folds):")
    for label, fn in lines:
        print(f"  {label:42s}" + "".join(f"{fn(s):>44s}" for s in schemes))


def print_routellm(name: str, ev: RouterEvaluation) -> None:
    print(
        f"\n== RouteLLM {name}: {ev.models[0]} vs {ev.models[1]}, "
        f"{ev.scheme}, {ev.n_items} items =="
    )
    print(f"  {'policy':16s}{'APGR':>26s}{'CPT(50%)':>26s}{'CPT(80%)':>26s}")
    for policy in ("random", REF, ROUTER, "oracle"):
        cells = [
            _level(ev, policy, "apgr"),
            _level(ev, policy, "cpt50", True),
            _level(ev, policy, "cpt80", True),
        ]
        print(f"  {policy:16s}" + "".join(f"{c:>26s}" for c in cells))
    print(f"  {ROUTER} - kNN: APGR {_diff(ev, ROUTER, 'apgr', REF)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 folds, 300 resamples")
    ap.add_argument("--figure", type=Path, help="write the LLMRouter cost-quality PNG here")
    ap.add_argument("--skip-routellm", action="store_true")
    args = ap.parse_args(argv)
    folds, res = (3, 300) if args.quick else (10, 2000)
    tables = _tables()
    t0 = time.perf_counter()
    ev = evaluate_router(
        RidgeKnnRouter(), tables["llmrouter"], folds=folds, seed=0, resamples=res, tune_folds=3
    )
    print_llmrouter(ev)
    if args.figure:
        fig = ev.figure(title=f"LLMRouter, {ev.scheme}: cost vs quality per router")
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.figure, dpi=120)
        print(f"\nfigure written to {args.figure}")
    if not args.skip_routellm:
        for name in ("mmlu", "gsm8k"):
            rev = evaluate_router(
                RidgeKnnRouter(),
                tables[name],
                folds=None,
                seed=0,
                resamples=res,
                tune_folds=0,
                reference=KnnRouter(),
            )
            print_routellm(name.upper(), rev)
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
