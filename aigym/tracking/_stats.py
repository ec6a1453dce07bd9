"""`get_model_stats` and `get_task_comparison`: one model's figures, and every model's for a task.

Rates are percentages (the spec prints `approval_rate` with a % sign). Quality comes with a
Student t interval (`aigym.stats.mean_interval`), approval with a Wilson interval. When a
prompt was scored more than once (repeats, a bake-off), the quality interval is
cluster-robust over prompts (`aigym.stats.clustered_mean`, t on prompts - 1 df) and
`n_quality_clusters` says how many prompts it rests on: repeats of one prompt are not
independent evidence.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

import polars as pl

from aigym._alias import accepts_db
from aigym._html import card, table
from aigym.errors import UnknownModelError, ValidationError
from aigym.records import TaskType
from aigym.registry import ModelRegistry
from aigym.stats import (
    ClusterMoments,
    ProportionStats,
    SampleStats,
    clustered_mean,
    mean_interval,
    wilson_interval,
)
from aigym.store import ParquetStore
from aigym.tracking._hints import warn_if_unknown_task
from aigym.tracking._query import cluster_frame, cluster_moments, stats_query
from aigym.tracking._result import Result, fmt, frame, nan_if_none, pct, ratio, usd
from aigym.tracking._window import Window, make_window

__all__ = ["ModelStats", "RankBy", "TaskComparison", "get_model_stats", "get_task_comparison"]

RankBy = Literal["quality", "cost", "approval", "latency"]
_RANKINGS = ("quality", "cost", "approval", "latency")


HTML_COLUMNS = (
    "model_id",
    "task_type",
    "n_executions",
    "n_quality_clusters",
    "avg_quality_score",
    "quality_low",
    "quality_high",
    "avg_cost_usd",
    "p95_latency_ms",
    "error_rate",
    "approval_rate",
)
"""The columns a notebook shows (`to_polars()` has them all)."""


@dataclass(frozen=True, slots=True)
class ModelStats(Result):
    """One model's figures over a window (for one task, or all tasks when `task_type` is None).

    NaN means "not measured" (no scored rows, no feedback); the `n_*` counts say why.
    `rank` and `pareto_optimal` are set inside a `TaskComparison`.
    """

    model_id: str
    task_type: str | None
    since: dt.datetime
    until: dt.datetime
    n_executions: int
    n_success: int
    n_error: int
    success_rate: float
    error_rate: float
    avg_latency_ms: float
    median_latency_ms: float
    p95_latency_ms: float
    avg_cost_usd: float
    total_cost_usd: float
    avg_quality_score: float
    quality_interval: tuple[float, float]
    n_scored: int
    n_quality_clusters: int
    quality_clustered: bool
    n_unscored: int
    n_from_scorer: int
    approval_rate: float
    approval_interval: tuple[float, float]
    n_approval_verdicts: int
    avg_edit_distance: float
    n_edit_distance: int
    avg_user_rating: float
    n_user_rating: int
    total_prompt_tokens: int
    total_completion_tokens: int
    quality_source: str
    confidence: float
    rank: int | None = None
    pareto_optimal: bool | None = None

    @property
    def total_tokens(self) -> int:
        return self.total_prompt_tokens + self.total_completion_tokens

    @property
    def empty(self) -> bool:
        return self.n_executions == 0

    def row(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.keys() if not k.endswith("_interval")}
        d["quality_low"], d["quality_high"] = self.quality_interval
        d["approval_low"], d["approval_high"] = self.approval_interval
        return d

    def to_polars(self) -> pl.DataFrame:
        """One row (none when the window held no executions)."""
        return frame([] if self.empty else [self.row()], STATS_SCHEMA)

    _html_columns: ClassVar[Mapping[str | None, tuple[str, ...]]] = {None: HTML_COLUMNS}

    def __repr__(self) -> str:
        task = self.task_type or "all tasks"
        head = f"ModelStats {self.model_id} | {task} | {_window_text(self)}"
        if self.empty:
            return (
                f"{head}\n  no executions in this window: check model_id and task_type, "
                "or widen days= / move until="
            )
        ci = _interval(self.quality_interval)
        aci = _interval(self.approval_interval)
        conf = f"{self.confidence:.0%}"
        return "\n".join(
            [
                head,
                f"  executions {self.n_executions:,} (success {pct(self.success_rate)}, "
                f"errors {pct(self.error_rate)})",
                f"  latency    mean {fmt(self.avg_latency_ms, ',.0f')} ms, median "
                f"{fmt(self.median_latency_ms, ',.0f')} ms, "
                f"p95 {fmt(self.p95_latency_ms, ',.0f')} ms",
                f"  cost       mean {usd(self.avg_cost_usd)}, total {usd(self.total_cost_usd)}",
                f"  quality    {fmt(self.avg_quality_score)} {ci} ({conf} CI"
                f"{', clustered on prompts' if self.quality_clustered else ''}) from "
                f"{self.n_scored:,} scored rows of {self.n_quality_clusters:,} prompts, "
                f"{self.n_unscored:,} unscored",
                f"             source: {self.quality_source}",
                f"  feedback   approval {pct(self.approval_rate)} {aci} of "
                f"{self.n_approval_verdicts:,} verdicts; edit distance "
                f"{fmt(self.avg_edit_distance)} (n={self.n_edit_distance:,}); rating "
                f"{fmt(self.avg_user_rating, '.2f')} (n={self.n_user_rating:,})",
                f"  tokens     prompt {self.total_prompt_tokens:,}, completion "
                f"{self.total_completion_tokens:,}",
            ]
        )


STATS_SCHEMA: dict[str, Any] = {
    "model_id": pl.String,
    "task_type": pl.String,
    "since": pl.Datetime("us", "UTC"),
    "until": pl.Datetime("us", "UTC"),
    "n_executions": pl.Int64,
    "n_success": pl.Int64,
    "n_error": pl.Int64,
    "success_rate": pl.Float64,
    "error_rate": pl.Float64,
    "avg_latency_ms": pl.Float64,
    "median_latency_ms": pl.Float64,
    "p95_latency_ms": pl.Float64,
    "avg_cost_usd": pl.Float64,
    "total_cost_usd": pl.Float64,
    "avg_quality_score": pl.Float64,
    "quality_low": pl.Float64,
    "quality_high": pl.Float64,
    "n_scored": pl.Int64,
    "n_quality_clusters": pl.Int64,
    "quality_clustered": pl.Boolean,
    "n_unscored": pl.Int64,
    "n_from_scorer": pl.Int64,
    "approval_rate": pl.Float64,
    "approval_low": pl.Float64,
    "approval_high": pl.Float64,
    "n_approval_verdicts": pl.Int64,
    "avg_edit_distance": pl.Float64,
    "n_edit_distance": pl.Int64,
    "avg_user_rating": pl.Float64,
    "n_user_rating": pl.Int64,
    "total_prompt_tokens": pl.Int64,
    "total_completion_tokens": pl.Int64,
    "quality_source": pl.String,
    "confidence": pl.Float64,
    "rank": pl.Int64,
    "pareto_optimal": pl.Boolean,
}


def _interval(iv: tuple[float, float]) -> str:
    return "[n/a]" if math.isnan(iv[0]) else f"[{iv[0]:.1f}, {iv[1]:.1f}]"


def _window_text(s: ModelStats) -> str:
    return str(Window(s.since, s.until, (s.until - s.since) / dt.timedelta(days=1)))


def stats_from_row(
    row: dict[str, Any] | None,
    *,
    model_id: str,
    task_type: str | None,
    window: Window,
    quality_source: str,
    confidence: float,
    clusters: ClusterMoments | None = None,
) -> ModelStats:
    """A `ModelStats` from one aggregated row of `stats_query` (None: no executions) and the
    group's `cluster_query` moments (None: every scored row its own cluster)."""
    r = row or {}
    n = int(r.get("n", 0))
    n_err = int(r.get("n_error", 0))
    q = SampleStats(int(r.get("q_n", 0)), float(r.get("q_sum") or 0.0), float(r.get("q_sq") or 0.0))
    clustered = clusters is not None and clusters.repeated
    if clusters is not None and clusters.repeated:
        qi_interval = clustered_mean(clusters, confidence).interval
        n_clusters = clusters.n_clusters
    else:
        qi_interval = mean_interval(q, confidence).interval
        n_clusters = q.n if clusters is None else clusters.n_clusters
    votes = ProportionStats(int(r.get("approved_n", 0)), int(r.get("approved_yes") or 0))
    ai = wilson_interval(votes, confidence)
    edit_n, rating_n = int(r.get("edit_n", 0)), int(r.get("rating_n", 0))
    cost = float(r.get("cost_sum") or 0.0)
    return ModelStats(
        model_id=model_id,
        task_type=task_type,
        since=window.since,
        until=window.until,
        n_executions=n,
        n_success=n - n_err,
        n_error=n_err,
        success_rate=100.0 * ratio(n - n_err, n),
        error_rate=100.0 * ratio(n_err, n),
        avg_latency_ms=nan_if_none(r.get("latency_mean")),
        median_latency_ms=nan_if_none(r.get("latency_median")),
        p95_latency_ms=nan_if_none(r.get("latency_p95")),
        avg_cost_usd=ratio(cost, n),
        total_cost_usd=cost,
        avg_quality_score=q.mean,
        quality_interval=qi_interval,
        n_scored=q.n,
        n_quality_clusters=n_clusters,
        quality_clustered=clustered,
        n_unscored=int(r.get("n_unscored", 0)),
        n_from_scorer=int(r.get("n_from_scorer", 0)),
        approval_rate=100.0 * votes.mean,
        approval_interval=(100.0 * ai.interval[0], 100.0 * ai.interval[1]),
        n_approval_verdicts=votes.n,
        avg_edit_distance=ratio(float(r.get("edit_sum") or 0), edit_n),
        n_edit_distance=edit_n,
        avg_user_rating=ratio(float(r.get("rating_sum") or 0.0), rating_n),
        n_user_rating=rating_n,
        total_prompt_tokens=int(r.get("prompt_tokens") or 0),
        total_completion_tokens=int(r.get("completion_tokens") or 0),
        quality_source=quality_source,
        confidence=confidence,
    )


def canonical_model(model_id: str, registry: ModelRegistry | None) -> str:
    """The registry's canonical id for an alias; ids it does not know are used as given."""
    if not isinstance(model_id, str) or not model_id.strip():
        raise ValidationError("model_id", model_id, "give a model id such as 'openai/gpt-4o'")
    if registry is None:
        return model_id
    try:
        return registry.resolve(model_id)
    except UnknownModelError:
        return model_id


def _task(task_type: str | None) -> str | None:
    return None if task_type is None else str(TaskType(task_type))


@accepts_db
def get_model_stats(
    store: ParquetStore,
    model_id: str,
    task_type: str | None = None,
    days: float = 30,
    until: dt.datetime | dt.date | None = None,
    scorer: str | None = None,
    *,
    confidence: float = 0.95,
    registry: ModelRegistry | None = None,
) -> ModelStats:
    """One model's figures over the last `days` days before `until` (default now, UTC)."""
    window = make_window(days, until)
    task = _task(task_type)
    model = canonical_model(model_id, registry)
    store.flush()  # read this process's own recent writes
    lf, source = stats_query(store, window, model_id=model, task_type=task, scorer=scorer)
    stats = lf.collect()
    rows = stats.to_dicts()
    cluster_rows = cluster_frame(
        store, window, stats, ["model_id"], scorer=scorer, model_id=model, task_type=task
    ).to_dicts()
    if not rows and task is not None:
        warn_if_unknown_task(store, task)
    return stats_from_row(
        rows[0] if rows else None,
        model_id=model,
        task_type=task,
        window=window,
        quality_source=source.describe(),
        confidence=confidence,
        clusters=cluster_moments(cluster_rows[0]) if cluster_rows else None,
    )


@dataclass(frozen=True, slots=True)
class TaskComparison:
    """Every model's figures for one task, ranked; iterate it as the spec does.

    `pareto_optimal` marks models no other model beats on both mean quality and mean cost
    (point estimates: read the quality intervals before acting on a close call).
    """

    task_type: str
    since: dt.datetime
    until: dt.datetime
    rank_by: str
    entries: tuple[ModelStats, ...]
    quality_source: str

    def __iter__(self) -> Iterator[ModelStats]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, key: int | str) -> ModelStats:
        """By rank position (`comparison[0]` is the best) or by model id."""
        if isinstance(key, str):
            for e in self.entries:
                if e.model_id == key:
                    return e
            raise KeyError(f"{key!r} has no executions for {self.task_type} in this window")
        return self.entries[key]

    @property
    def best(self) -> ModelStats | None:
        return self.entries[0] if self.entries else None

    @property
    def pareto_front(self) -> list[ModelStats]:
        return [e for e in self.entries if e.pareto_optimal]

    def to_polars(self) -> pl.DataFrame:
        """One row per model, in rank order."""
        return frame([e.row() for e in self.entries], STATS_SCHEMA)

    def to_pandas(self) -> Any:
        return self.to_polars().to_pandas()

    def _repr_html_(self) -> str:
        lines = repr(self).splitlines()
        best = self.best
        verdict = (
            f"best: {best.model_id} (quality {fmt(best.avg_quality_score)} "
            f"{_interval(best.quality_interval)}, {len(self.pareto_front)} Pareto-optimal); "
            "read the intervals before acting on a close call"
            if best is not None
            else lines[-1].strip()
        )
        cols = ("rank", *(c for c in HTML_COLUMNS if c != "task_type"), "pareto_optimal")
        body = table(self.to_polars(), columns=cols)
        return card(lines[0], f"{verdict}\n{lines[1].strip()}", [body])

    def __repr__(self) -> str:
        win = str(Window(self.since, self.until, (self.until - self.since) / dt.timedelta(days=1)))
        head = f"TaskComparison {self.task_type} | {win} | ranked by {self.rank_by}"
        if not self.entries:
            return (
                f"{head}\n  no executions of this task in the window: widen days= or check the task"
            )
        clustered = any(e.quality_clustered for e in self.entries)
        note = "; CI clustered on prompts (repeats)" if clustered else ""
        lines = [head, f"  quality: {self.quality_source}{note}"]
        lines.append(
            f"  {'#':>2} {'model':<34} {'n':>8} {'prompts':>8} {'quality':>8} {'95% CI':>16} "
            f"{'cost':>9} "
            f"{'approval':>8} {'p95 ms':>8} {'err %':>6} pareto"
        )
        for e in self.entries:
            ci = _interval(e.quality_interval)
            lines.append(
                f"  {e.rank or 0:>2} {e.model_id[:34]:<34} {e.n_executions:>8,} "
                f"{e.n_quality_clusters:>8,} {fmt(e.avg_quality_score):>8} {ci:>16} "
                f"{fmt(e.avg_cost_usd, '.4f'):>9} "
                f"{pct(e.approval_rate):>8} {fmt(e.p95_latency_ms, ',.0f'):>8} "
                f"{fmt(e.error_rate):>6} {'yes' if e.pareto_optimal else ''}"
            )
        return "\n".join(lines)


def pareto_flags(points: Sequence[tuple[float, float]]) -> list[bool | None]:
    """Non-dominated flags for (quality, cost) points: higher quality, lower cost win."""
    out: list[bool | None] = []
    for i, (qi, ci) in enumerate(points):
        if math.isnan(qi) or math.isnan(ci):
            out.append(None)
            continue
        dominated = any(
            j != i
            and not (math.isnan(qj) or math.isnan(cj))
            and qj >= qi
            and cj <= ci
            and (qj > qi or cj < ci)
            for j, (qj, cj) in enumerate(points)
        )
        out.append(not dominated)
    return out


def _sort_key(rank_by: str) -> Any:
    def key(e: ModelStats) -> tuple[float, ...]:
        def hi(x: float) -> float:  # higher is better; NaN last
            return math.inf if math.isnan(x) else -x

        def lo(x: float) -> float:  # lower is better; NaN last
            return math.inf if math.isnan(x) else x

        q, c, a, lat = e.avg_quality_score, e.avg_cost_usd, e.approval_rate, e.p95_latency_ms
        order = {
            "quality": (hi(q), hi(a), lo(c)),
            "cost": (lo(c), hi(q), hi(a)),
            "approval": (hi(a), hi(q), lo(c)),
            "latency": (lo(lat), hi(q), lo(c)),
        }[rank_by]
        return order

    return key


@accepts_db
def get_task_comparison(
    store: ParquetStore,
    task_type: str,
    days: float = 30,
    until: dt.datetime | dt.date | None = None,
    scorer: str | None = None,
    *,
    rank_by: RankBy = "quality",
    models: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> TaskComparison:
    """Every model that ran `task_type` in the window, ranked, with a quality-vs-cost Pareto flag.

    Ties and unmeasured figures: ranking by quality breaks ties on approval then cost;
    models without a measured figure rank last.
    """
    if rank_by not in _RANKINGS:
        raise ValidationError("rank_by", rank_by, f"use one of {list(_RANKINGS)}")
    window = make_window(days, until)
    task = str(TaskType(task_type))
    store.flush()
    lf, source = stats_query(store, window, task_type=task, model_id=models, scorer=scorer)
    stats = lf.collect()
    clusters = cluster_frame(
        store, window, stats, ["model_id"], scorer=scorer, model_id=models, task_type=task
    )
    by_model = {r["model_id"]: cluster_moments(r) for r in clusters.iter_rows(named=True)}
    desc = source.describe()
    entries = [
        stats_from_row(
            r,
            model_id=r["model_id"],
            task_type=task,
            window=window,
            quality_source=desc,
            confidence=confidence,
            clusters=by_model.get(str(r["model_id"])),
        )
        for r in stats.to_dicts()
    ]
    if not entries:
        warn_if_unknown_task(store, task)
    flags = pareto_flags([(e.avg_quality_score, e.avg_cost_usd) for e in entries])
    entries = [replace(e, pareto_optimal=f) for e, f in zip(entries, flags, strict=True)]
    entries.sort(key=_sort_key(rank_by))
    ranked = tuple(replace(e, rank=i + 1) for i, e in enumerate(entries))
    return TaskComparison(task, window.since, window.until, rank_by, ranked, desc)
