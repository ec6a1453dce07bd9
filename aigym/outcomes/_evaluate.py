"""Offline router evaluation: grouped k-fold CV and the fixed test split, against baselines.

One call answers "how much does this router save at equal quality, and how sure are we": every
router is refitted per fold on training items only; its trade-off knob is tuned by an inner CV
inside the training items (the highest quality at no more than the best single model's training
cost); every level and difference gets a paired bootstrap interval over items (the same
resamples for router and baseline). Metric definitions: `aigym.outcomes._metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from aigym._html import card, table
from aigym.errors import ValidationError
from aigym.outcomes._knn import KnnRouter
from aigym.outcomes._metrics import (
    aiq,
    apgr,
    arena_score,
    bootstrap_weights,
    cost_at_quality,
    cpt,
    pgr_curve,
    quality_at_cost,
    upper_hull,
)
from aigym.outcomes._protocol import Router, choose
from aigym.outcomes._text import register_corpus
from aigym.outcomes._wide import TableLike, Wide, widen

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["REFERENCE", "RouterEvaluation", "evaluate_router"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
REFERENCE = "reference_knn"
_Z_LEVEL = 0.95


@dataclass(frozen=True)
class RouterEvaluation:
    """Everything one evaluation measured, as tidy polars frames.

    ``summary``: one row per policy (routers at their tuned knob, baselines) with quality and
    cost per call and their 95% intervals. ``metrics``: one row per (policy, metric, versus) with
    the value, its interval and, where ``versus`` is set, the paired difference and its interval.
    ``curve``: each router's sweep over the knob (on_hull marks the convex-hull vertices).
    ``by_task``: quality and cost per task and policy, with paired differences to the reference.
    ``test``: the same on the table's fixed test split, if it has one.
    """

    router: str
    scheme: str
    n_items: int
    folds: int
    seed: int
    resamples: int
    models: tuple[str, ...]
    best_single: str
    summary: pl.DataFrame
    metrics: pl.DataFrame
    curve: pl.DataFrame
    by_task: pl.DataFrame
    test: RouterEvaluation | None = field(default=None)

    def value(self, policy: str, metric: str, versus: str | None = None) -> dict[str, Any]:
        """One row of `metrics` as a dict (raises KeyError naming what exists if absent)."""
        rows = self.metrics.filter(
            (pl.col("policy") == policy)
            & (pl.col("metric") == metric)
            & (pl.col("versus").is_null() if versus is None else pl.col("versus") == versus)
        )
        if rows.height == 0:
            have = self.metrics.filter(pl.col("policy") == policy)["metric"].unique().to_list()
            raise KeyError(f"no {metric!r} for {policy!r} versus {versus!r}; have {sorted(have)}")
        return rows.row(0, named=True)

    def _repr_html_(self) -> str:
        vs = self.metrics.filter(
            (pl.col("versus") == "best_single") & pl.col("metric").is_in(["quality", "cost_usd"])
        )
        lines = []
        for policy in vs["policy"].unique(maintain_order=True).to_list():
            parts = []
            for r in vs.filter(pl.col("policy") == policy).iter_rows(named=True):
                lo, hi = r["diff_low"], r["diff_high"]
                real = "real" if lo > 0 or hi < 0 else "not detectable"
                parts.append(
                    f"{r['metric']} {r['value']:.4g} vs {r['versus_value']:.4g} "
                    f"({r['difference']:+.4g}, 95% CI [{lo:.4g}, {hi:.4g}]: {real})"
                )
            lines.append(
                f"{policy} vs the best single model {self.best_single}: " + "; ".join(parts)
            )
        title = (
            f"RouterEvaluation {self.router} ({self.scheme}, {self.n_items:,} items, "
            f"{self.folds} folds, {len(self.models)} models)"
        )
        verdict = "\n".join(lines) or "no router was compared with the best single model"
        return card(title, verdict, [table(self.summary, caption="summary")])

    def figure(self, ax: Any = None, *, title: str | None = None) -> Figure:
        """The cost-quality picture (see `cost_quality_figure`)."""
        from aigym.outcomes._figures import cost_quality_figure

        return cost_quality_figure(self, ax=ax, title=title)


# ----------------------------------------------------------------------------- fitting


def _clone(router: Router) -> Router:
    return type(router)(**router.get_params())


def _fit_predict(
    router: Router, wide: Wide, train: IntArray, test: IntArray
) -> tuple[FloatArray, FloatArray]:
    fitted = _clone(router).fit(wide.take(train))
    if tuple(fitted.models_) != wide.models:
        raise ValidationError(
            "router models", fitted.models_, f"expected the table's models {wide.models}"
        )
    pred = fitted.predict([wide.prompts[i] for i in test])
    return pred.quality, pred.cost


def _kfold(n: int, folds: int, seed: int) -> list[IntArray]:
    """Item indices of each fold: a seeded permutation cut into near-equal parts."""
    perm = np.random.default_rng(seed).permutation(n)
    return [np.sort(part).astype(np.int64) for part in np.array_split(perm, folds)]


def _best_model(scores: FloatArray, costs: FloatArray) -> int:
    """Highest mean score, the cheaper on ties."""
    return int(choose(scores.mean(axis=0)[None, :], costs.mean(axis=0)[None, :])[0])


def _realise(wide: Wide, rows: IntArray, choice: IntArray) -> tuple[FloatArray, FloatArray]:
    return wide.scores[rows, choice], wide.costs[rows, choice]


def _tune_knob(
    router: Router, wide: Wide, train: IntArray, knobs: FloatArray, tune_folds: int, seed: int
) -> float:
    """Knob with the highest inner-CV quality at no more than the best single's training cost."""
    if tune_folds < 2:
        return 0.0
    q_pred = np.empty((train.size, len(wide.models)))
    c_pred = np.empty_like(q_pred)
    for part in _kfold(train.size, tune_folds, seed + 1):
        inner_train = np.setdiff1d(np.arange(train.size), part)
        q, c = _fit_predict(router, wide, train[inner_train], train[part])
        q_pred[part], c_pred[part] = q, c
    best = _best_model(wide.scores[train], wide.costs[train])
    budget = wide.costs[train, best].mean() * (1 + 1e-9)
    chosen, chosen_q = 0.0, -math.inf
    for knob in knobs:
        qr, cr = _realise(wide, train, choose(q_pred, c_pred, float(knob)))
        if cr.mean() <= budget and qr.mean() > chosen_q + 1e-12:
            chosen, chosen_q = float(knob), float(qr.mean())
    return chosen


@dataclass
class _RouterRun:
    quality: FloatArray  # predicted, eval rows x models
    cost: FloatArray
    knob: FloatArray  # tuned knob per eval row (its fold's)
    tuned_q: FloatArray = field(default_factory=lambda: np.zeros(0))
    tuned_c: FloatArray = field(default_factory=lambda: np.zeros(0))
    sweep_q: FloatArray = field(default_factory=lambda: np.zeros(0))  # eval rows x knobs
    sweep_c: FloatArray = field(default_factory=lambda: np.zeros(0))


# ----------------------------------------------------------------------------- bootstrap stats


def _interval(values: FloatArray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size < max(10, values.size // 2):
        return math.nan, math.nan
    lo, hi = np.quantile(finite, [(1 - _Z_LEVEL) / 2, (1 + _Z_LEVEL) / 2])
    return float(lo), float(hi)


class _Stats:
    """Per-resample statistics sharing one weight matrix (row 0 of `all_w` is the sample)."""

    def __init__(self, weights: npt.NDArray[np.float32]) -> None:
        n = weights.shape[1]
        self.all_w = np.vstack([np.ones((1, n), dtype=np.float32), weights]).astype(np.float64)
        self.total = self.all_w.sum(axis=1)

    def mean(self, values: FloatArray) -> FloatArray:
        out: FloatArray = (self.all_w @ values) / (
            self.total if values.ndim == 1 else self.total[:, None]
        )
        return out


def _hull_stats(
    st: _Stats,
    sweep_q: FloatArray,
    sweep_c: FloatArray,
    best_q: FloatArray,
    best_c: FloatArray,
    oracle_q: FloatArray,
    lo: float,
    hi: float,
) -> dict[str, FloatArray]:
    """AIQ, hull quality at the best single's cost, gap closed, cost saved at its quality."""
    mq, mc = st.mean(sweep_q), st.mean(sweep_c)
    bq, bc, oq = st.mean(best_q), st.mean(best_c), st.mean(oracle_q)
    out = {k: np.empty(mq.shape[0]) for k in ("aiq", "quality_at_best_cost", "gap_closed")}
    out["cost_saved_at_best_quality"] = np.empty(mq.shape[0])
    for b in range(mq.shape[0]):
        hc, hq = upper_hull(mc[b], mq[b])
        out["aiq"][b] = aiq(hc, hq, lo, hi)
        qb = quality_at_cost(hc, hq, bc[b])
        out["quality_at_best_cost"][b] = qb
        gap = oq[b] - bq[b]
        out["gap_closed"][b] = (qb - bq[b]) / gap if gap > 0 else math.nan
        cost = cost_at_quality(hc, hq, bq[b])
        out["cost_saved_at_best_quality"][b] = 1.0 - cost / bc[b] if bc[b] > 0 else math.nan
    return out


def _pgr_stats(
    st: _Stats, advantage: FloatArray, strong: FloatArray, weak: FloatArray
) -> dict[str, FloatArray]:
    out = {k: np.empty(st.all_w.shape[0]) for k in ("apgr", "cpt50", "cpt80")}
    for b in range(st.all_w.shape[0]):
        try:
            share, pgr = pgr_curve(advantage, strong, weak, st.all_w[b])
        except ValueError:  # a resample where the strong model is not ahead: no gap to recover
            for vals in out.values():
                vals[b] = math.nan
            continue
        out["apgr"][b] = apgr(share, pgr)
        out["cpt50"][b] = cpt(share, pgr, 0.5)
        out["cpt80"][b] = cpt(share, pgr, 0.8)
    return out


# ----------------------------------------------------------------------------- the evaluation


def _scheme(
    routers: dict[str, Router],
    wide: Wide,
    parts: Sequence[tuple[IntArray, IntArray]],
    *,
    label: str,
    seed: int,
    resamples: int,
    tune_folds: int,
    knobs: FloatArray,
) -> RouterEvaluation:
    rows = np.concatenate([test for _, test in parts])
    order = np.argsort(rows)
    rows = rows[order]
    n, m = rows.size, len(wide.models)
    pos = np.empty(wide.scores.shape[0], dtype=np.int64)
    pos[rows] = np.arange(n)
    y, c = wide.scores[rows], wide.costs[rows]

    # baselines chosen on each fold's training items
    best_choice = np.empty(n, dtype=np.int64)
    cheap_choice = np.empty(n, dtype=np.int64)
    task_choice = np.empty(n, dtype=np.int64)
    runs = {name: _RouterRun(np.empty((n, m)), np.empty((n, m)), np.empty(n)) for name in routers}
    for fold, (train, test) in enumerate(parts):
        at = pos[test]
        best = _best_model(wide.scores[train], wide.costs[train])
        best_choice[at] = best
        cheap_choice[at] = int(np.argmin(wide.costs[train].mean(axis=0)))
        task_choice[at] = best
        if wide.tasks is not None:
            for task in np.unique(wide.tasks[test]):
                seen = train[wide.tasks[train] == task]
                if seen.size:
                    task_choice[at[wide.tasks[test] == task]] = _best_model(
                        wide.scores[seen], wide.costs[seen]
                    )
        for name, router in routers.items():
            q, cst = _fit_predict(router, wide, train, test)
            runs[name].quality[at], runs[name].cost[at] = q, cst
            runs[name].knob[at] = _tune_knob(
                router, wide, train, knobs, tune_folds, seed + 7919 * fold
            )

    arange = np.arange(n)
    levels: dict[str, tuple[FloatArray, FloatArray, str]] = {}
    levels["oracle"] = (*_pick(y, c, choose(y, c)), "baseline")
    levels["random"] = (y.mean(axis=1), c.mean(axis=1), "baseline")
    levels["cheapest"] = (y[arange, cheap_choice], c[arange, cheap_choice], "baseline")
    levels["best_single"] = (y[arange, best_choice], c[arange, best_choice], "baseline")
    if wide.tasks is not None:
        levels["per_task_oracle"] = (y[arange, task_choice], c[arange, task_choice], "baseline")
    for j, model in enumerate(wide.models):
        levels[f"single:{model}"] = (y[:, j], c[:, j], "single")
    curve_rows: list[dict[str, Any]] = []
    for name, run in runs.items():
        tuned = np.empty(n, dtype=np.int64)
        for knob in np.unique(run.knob):
            sel = run.knob == knob
            tuned[sel] = choose(run.quality[sel], run.cost[sel], float(knob))
        run.tuned_q, run.tuned_c = y[arange, tuned], c[arange, tuned]
        picks = np.stack([choose(run.quality, run.cost, float(k)) for k in knobs], axis=1)
        run.sweep_q = np.take_along_axis(y, picks, axis=1)
        run.sweep_c = np.take_along_axis(c, picks, axis=1)
        levels[name] = (run.tuned_q, run.tuned_c, "router")
        mq, mc = run.sweep_q.mean(axis=0), run.sweep_c.mean(axis=0)
        hc, _ = upper_hull(mc, mq)
        for k, qv, cv in zip(knobs, mq, mc, strict=True):
            on = bool(np.any(np.isclose(hc, cv, rtol=0, atol=1e-15)))
            curve_rows.append(
                {"policy": name, "knob": float(k), "cost_usd": cv, "quality": qv, "on_hull": on}
            )

    st = _Stats(bootstrap_weights(n, resamples, seed))
    stats: dict[tuple[str, str], FloatArray] = {}
    for name, (qv, cv, _) in levels.items():
        stats[(name, "quality")] = st.mean(qv)
        stats[(name, "cost_usd")] = st.mean(cv)
    single_cost = np.array([c[:, j].mean() for j in range(m)])
    lo, hi = float(single_cost.min()), float(single_cost.max())
    best_q, best_c = levels["best_single"][0], levels["best_single"][1]
    zero_q = np.stack([y[:, j] for j in range(m)], axis=1)
    zero = _hull_stats(st, zero_q, c, best_q, best_c, levels["oracle"][0], lo, hi)
    stats[("single_models", "aiq")] = zero["aiq"]
    bounded = bool(wide.scores.min() >= 0.0 and wide.scores.max() <= 1.0)
    arena = np.vectorize(arena_score)
    two = m == 2
    strong = _best_model(wide.scores, wide.costs) if two else 0
    weak = 1 - strong
    for name, (_, _, kind) in levels.items():
        if bounded and kind != "single":
            stats[(name, "arena_score")] = arena(
                stats[(name, "quality")], stats[(name, "cost_usd")]
            )
        if kind == "router":
            run = runs[name]
            hull = _hull_stats(
                st, run.sweep_q, run.sweep_c, best_q, best_c, levels["oracle"][0], lo, hi
            )
            for metric, vals in hull.items():
                stats[(name, metric)] = vals
            stats[(name, "cost_saved")] = (
                1.0 - stats[(name, "cost_usd")] / stats[("best_single", "cost_usd")]
            )
            if two:
                adv = run.quality[:, strong] - run.quality[:, weak]
                for metric, vals in _pgr_stats(st, adv, y[:, strong], y[:, weak]).items():
                    stats[(name, metric)] = vals
    if two:
        for name, adv in (("random", np.zeros(n)), ("oracle", y[:, strong] - y[:, weak])):
            for metric, vals in _pgr_stats(st, adv, y[:, strong], y[:, weak]).items():
                stats[(name, metric)] = vals

    router_names = list(routers)
    metric_rows: list[dict[str, Any]] = []
    for (policy, metric), vals in stats.items():
        low, high = _interval(vals[1:])
        base = {"policy": policy, "metric": metric, "value": float(vals[0])}
        metric_rows.append({**base, "low": low, "high": high, "versus": None})
        versus: list[str] = []
        if policy in router_names:
            versus = [v for v in router_names if v != policy]
            if metric in ("quality", "cost_usd", "arena_score"):
                versus.append("best_single")
            if metric == "aiq":
                versus.append("single_models")
            if metric in ("apgr", "cpt50", "cpt80"):
                versus.extend(["random", "oracle"])
        for other in versus:
            if (other, metric) not in stats:
                continue
            diff = vals - stats[(other, metric)]
            d_low, d_high = _interval(diff[1:])
            metric_rows.append(
                {
                    **base,
                    "low": low,
                    "high": high,
                    "versus": other,
                    "versus_value": float(stats[(other, metric)][0]),
                    "difference": float(diff[0]),
                    "diff_low": d_low,
                    "diff_high": d_high,
                }
            )
    metrics = pl.DataFrame(
        metric_rows,
        schema={
            "policy": pl.String,
            "metric": pl.String,
            "value": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "versus": pl.String,
            "versus_value": pl.Float64,
            "difference": pl.Float64,
            "diff_low": pl.Float64,
            "diff_high": pl.Float64,
        },
    )
    summary = pl.DataFrame(
        [
            {
                "policy": name,
                "kind": kind,
                "quality": float(stats[(name, "quality")][0]),
                "quality_low": _interval(stats[(name, "quality")][1:])[0],
                "quality_high": _interval(stats[(name, "quality")][1:])[1],
                "cost_usd": float(stats[(name, "cost_usd")][0]),
                "cost_low": _interval(stats[(name, "cost_usd")][1:])[0],
                "cost_high": _interval(stats[(name, "cost_usd")][1:])[1],
            }
            for name, (_, _, kind) in levels.items()
        ]
    )
    by_task = _by_task(wide, rows, levels, router_names, st)
    models, counts = np.unique(best_choice, return_counts=True)
    return RouterEvaluation(
        router=router_names[0],
        scheme=label,
        n_items=n,
        folds=len(parts),
        seed=seed,
        resamples=resamples,
        models=wide.models,
        best_single=wide.models[int(models[np.argmax(counts)])],
        summary=summary,
        metrics=metrics,
        curve=pl.DataFrame(curve_rows),
        by_task=by_task,
    )


def _pick(y: FloatArray, c: FloatArray, choice: IntArray) -> tuple[FloatArray, FloatArray]:
    rows = np.arange(y.shape[0])
    return y[rows, choice], c[rows, choice]


def _by_task(
    wide: Wide,
    rows: IntArray,
    levels: dict[str, tuple[FloatArray, FloatArray, str]],
    router_names: list[str],
    st: _Stats,
) -> pl.DataFrame:
    schema = {
        "task": pl.String,
        "n": pl.Int64,
        "policy": pl.String,
        "quality": pl.Float64,
        "cost_usd": pl.Float64,
        "versus": pl.String,
        "difference": pl.Float64,
        "diff_low": pl.Float64,
        "diff_high": pl.Float64,
    }
    if wide.tasks is None:
        return pl.DataFrame(schema=schema)
    tasks = wide.tasks[rows]
    out: list[dict[str, Any]] = []
    compare = [p for p in levels if levels[p][2] != "single"]
    for task in np.unique(tasks):
        mask = tasks == task
        w = st.all_w[:, mask]
        tot = w.sum(axis=1)
        tot = np.where(tot > 0, tot, np.nan)
        means = {p: (w @ levels[p][0][mask]) / tot for p in compare}
        for p in compare:
            row = {
                "task": str(task),
                "n": int(mask.sum()),
                "policy": p,
                "quality": float(means[p][0]),
                "cost_usd": float(levels[p][1][mask].mean()),
            }
            vs = [v for v in (REFERENCE, "best_single") if p in router_names and v != p]
            if not vs:
                out.append({**row, "versus": None})
            for v in vs:
                diff = means[p] - means[v]
                lo, hi = _interval(diff[1:])
                out.append(
                    {
                        **row,
                        "versus": v,
                        "difference": float(diff[0]),
                        "diff_low": lo,
                        "diff_high": hi,
                    }
                )
    return pl.DataFrame(out, schema=schema)


def evaluate_router(
    router: Router,
    table: TableLike,
    *,
    folds: int | None = 10,
    seed: int = 0,
    test_split: bool = True,
    resamples: int = 2000,
    tune_folds: int = 3,
    knobs: int | Sequence[float] = 41,
    reference: Router | None = None,
    name: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> RouterEvaluation:
    """Evaluate `router` by `folds`-fold CV grouped by item and on the fixed test split.

    ``folds=None`` evaluates on the fixed split only (it must exist) and returns that.

    The reference kNN (`KnnRouter()`, or `reference`) runs beside it on the same folds.
    `knobs`: a count (0 plus a geometric grid spanning the table's cost scale) or explicit
    values in quality points per dollar. `tune_folds` < 2 fixes the tuned knob at 0.
    """
    wide = widen(table)
    n = len(wide.item_ids)
    if folds is not None and (folds < 2 or folds > n):
        raise ValidationError("folds", folds, f"use between 2 and the number of items ({n})")
    if folds is None and (wide.splits is None or not test_split):
        raise ValidationError(
            "folds", folds, "None evaluates the fixed split only; this table has none, pass folds"
        )
    if resamples < 100:
        raise ValidationError("resamples", resamples, "use at least 100 (1,000+ for reports)")
    if isinstance(knobs, int):
        scale = float(wide.costs.mean()) or 1.0
        grid = np.r_[0.0, np.geomspace(1e-3, 1e2, max(knobs - 1, 1)) / scale]
    else:
        grid = np.asarray(sorted(knobs), dtype=np.float64)
    label = name or type(router).__name__
    if label == REFERENCE:
        raise ValidationError("name", label, f"{REFERENCE!r} names the baseline; pick another")
    routers: dict[str, Router] = {label: router, REFERENCE: reference or KnnRouter()}
    report = on_progress or (lambda _msg: None)
    register_corpus(wide.prompts)  # count terms once; every fold's TF-IDF fit reuses the counts
    common: dict[str, Any] = {
        "seed": seed,
        "resamples": resamples,
        "tune_folds": tune_folds,
        "knobs": grid,
    }
    test: RouterEvaluation | None = None
    if test_split and wide.splits is not None:
        train_rows = np.flatnonzero(wide.splits == "train").astype(np.int64)
        test_rows = np.flatnonzero(wide.splits == "test").astype(np.int64)
        if train_rows.size and test_rows.size:
            report(f"fixed split: {train_rows.size} train, {test_rows.size} test items")
            test = _scheme(
                routers, wide, [(train_rows, test_rows)], label="fixed test split", **common
            )
        elif folds is None:
            raise ValidationError(
                "split", "no train/test rows", "label rows 'train' and 'test', or pass folds"
            )
    if folds is None:
        assert test is not None
        return test
    items = np.arange(n, dtype=np.int64)
    parts = [(np.setdiff1d(items, part), part) for part in _kfold(n, folds, seed)]
    report(f"{folds}-fold CV over {n} items")
    cv = _scheme(routers, wide, parts, label=f"{folds}-fold CV grouped by item", **common)
    return RouterEvaluation(**{**_fields(cv), "test": test})


def _fields(ev: RouterEvaluation) -> dict[str, Any]:
    return {f: getattr(ev, f) for f in RouterEvaluation.__dataclass_fields__}
