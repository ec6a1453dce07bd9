"""`dashboard`: the overview the spec's `GET /dashboard` endpoint gives, from one scan.

Totals, the most used models, a daily trend, quality by task and error rates. `to_dict()` is
JSON-ready apart from dates (serialise them with `default=str`). The quality interval is
cluster-robust over prompts when a prompt was scored more than once (`n_quality_clusters`
prompts behind `n_scored` rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from aigym._alias import accepts_db
from aigym.stats import ClusterMoments, SampleStats, clustered_mean, mean_interval
from aigym.store import ParquetStore
from aigym.tracking._query import cluster_frame, cluster_moments, cube_query
from aigym.tracking._result import Result, fmt, pct, ratio, usd
from aigym.tracking._savings import MIN_SAMPLES
from aigym.tracking._window import Window, make_window

__all__ = ["Dashboard", "dashboard"]

_TABLES = ("totals", "top_models", "trend", "quality_by_task")


@dataclass(frozen=True, slots=True)
class Dashboard(Result):
    """Overview of a window; the breakdowns are tidy frames (`to_polars(name)`)."""

    since: dt.datetime
    until: dt.datetime
    n_executions: int
    n_models: int
    n_tasks: int
    total_cost_usd: float
    avg_cost_usd: float
    error_rate: float
    avg_quality_score: float
    quality_interval: tuple[float, float]
    n_scored: int
    n_quality_clusters: int
    quality_clustered: bool
    n_unscored: int
    approval_rate: float
    total_tokens: int
    top_models: pl.DataFrame
    trend: pl.DataFrame
    quality_by_task: pl.DataFrame
    quality_source: str
    message: str

    def to_polars(self, table: str = "top_models") -> pl.DataFrame:
        """One part as a tidy frame: totals, top_models, trend or quality_by_task."""
        if table == "totals":
            d = {k: v for k, v in self.to_dict().items() if not isinstance(v, list)}
            lo, hi = d.pop("quality_interval")
            return pl.DataFrame([{**d, "quality_low": lo, "quality_high": hi}]).with_columns(
                pl.col(pl.Float64).fill_nan(None)
            )
        if table in _TABLES:
            out: pl.DataFrame = getattr(self, table)
            return out
        raise KeyError(f"no table {table!r}: use one of {list(_TABLES)}")

    def to_pandas(self, table: str = "top_models") -> Any:
        return self.to_polars(table).to_pandas()

    _html_tables = ("top_models", "quality_by_task")

    def _html_summary(self) -> str:
        return "\n".join(x.strip() for x in repr(self).splitlines()[1:3])

    def __repr__(self) -> str:
        win = str(Window(self.since, self.until, (self.until - self.since) / dt.timedelta(days=1)))
        if self.n_executions == 0:
            return f"Dashboard | {win}\n  {self.message}"
        lo, hi = self.quality_interval
        lines = [
            f"Dashboard | {win}",
            f"  {self.n_executions:,} executions, {self.n_models} model(s), "
            f"{self.n_tasks} task(s); "
            f"spend {usd(self.total_cost_usd)} ({usd(self.avg_cost_usd)} each)",
            f"  errors {pct(self.error_rate)}; quality {fmt(self.avg_quality_score)} "
            f"[{fmt(lo)}, {fmt(hi)}] ({self.n_scored:,} scored rows of "
            f"{self.n_quality_clusters:,} prompts, {self.n_unscored:,} unscored); "
            f"approval {pct(self.approval_rate)}",
            "  top models:",
        ]
        for r in self.top_models.iter_rows(named=True):
            lines.append(
                f"    {r['model_id']:<34} {r['n_executions']:>9,} runs  "
                f"{usd(r['total_cost_usd']):>10}  "
                f"quality {fmt(r['avg_quality_score'])}  errors {pct(r['error_rate'])}"
            )
        lines.append("  quality by task:")
        for r in self.quality_by_task.iter_rows(named=True):
            lines.append(
                f"    {r['task_type']:<20} {fmt(r['avg_quality_score'])}  "
                f"best: {r['best_model'] or 'n/a'}"
            )
        return "\n".join(lines)


def _tidy(df: pl.DataFrame) -> pl.DataFrame:
    """Counts as Int64, NaN as null and names as strings, like every other tracker frame."""
    return df.with_columns(
        pl.col(pl.UInt32, pl.UInt64).cast(pl.Int64),
        pl.col(pl.Float64).fill_nan(None),
        pl.col(pl.Categorical).cast(pl.String),
    )


def _mean(s: str) -> pl.Expr:
    return pl.when(pl.col("q_n") > 0).then(pl.col("q_sum") / pl.col("q_n")).alias(s)


@accepts_db
def dashboard(
    store: ParquetStore,
    days: float = 30,
    until: dt.datetime | dt.date | None = None,
    scorer: str | None = None,
    *,
    top: int = 5,
    confidence: float = 0.95,
) -> Dashboard:
    """Totals, top models by use, daily trend, quality by task and error rates for a window."""
    window = make_window(days, until)
    store.flush()
    lf, source = cube_query(store, window, scorer=scorer, approvals=True)
    cube = lf.collect()
    task_moments = cluster_frame(store, window, cube, ["task_type"], scorer=scorer)
    overall = sum(
        (cluster_moments(r) for r in task_moments.iter_rows(named=True)),
        ClusterMoments(0, 0.0, 0, 0.0, 0.0, 0.0),
    )
    sums = cube.select(pl.exclude("date", "model_id", "task_type").sum()).row(0, named=True)
    n = int(sums["n"] or 0)
    q = SampleStats(int(sums["q_n"] or 0), float(sums["q_sum"] or 0.0), float(sums["q_sq"] or 0.0))
    rate = (100.0 * pl.col("n_error") / pl.col("n")).alias("error_rate")
    models = (
        cube.group_by("model_id")
        .agg(pl.exclude("date", "task_type").sum())
        .with_columns(
            pl.col("n").alias("n_executions"),
            pl.col("cost_sum").alias("total_cost_usd"),
            _mean("avg_quality_score"),
            rate,
            (100.0 * pl.col("approved_yes") / pl.col("approved_n")).alias("approval_rate"),
        )
        .sort(["n_executions", "model_id"], descending=[True, False])
        .head(top)
        .select("model_id", "n_executions", "total_cost_usd", "avg_quality_score", "error_rate",
                "approval_rate")
    )  # fmt: skip
    all_days = pl.DataFrame({"date": window.all_days()}, schema={"date": pl.Date})
    trend = (
        all_days.join(cube.group_by("date").agg(pl.exclude("model_id", "task_type").sum()),
                  on="date", how="left")
        .with_columns(pl.col("n", "n_error").fill_null(0), pl.col("cost_sum").fill_null(0.0))
        .with_columns(
            pl.col("n").cast(pl.Int64).alias("n_executions"),
            pl.col("cost_sum").alias("total_cost_usd"),
            pl.when(pl.col("n") > 0).then(pl.col("cost_sum") / pl.col("n")).alias("avg_cost_usd"),
            pl.when(pl.col("n") > 0).then(rate),
            _mean("avg_quality_score"),
        )
        .sort("date")
        .select("date", "n_executions", "total_cost_usd", "avg_cost_usd", "error_rate",
                "avg_quality_score")
    )  # fmt: skip
    per_model_task = cube.group_by("task_type", "model_id").agg(pl.col("q_n", "q_sum").sum())
    best = (
        per_model_task.filter(pl.col("q_n") >= MIN_SAMPLES)
        .with_columns(_mean("m"))
        .sort(["m", "model_id"], descending=[True, False])
        .group_by("task_type", maintain_order=True)
        .first()
        .select("task_type", pl.col("model_id").alias("best_model"))
    )
    by_task = (
        cube.group_by("task_type")
        .agg(pl.exclude("date", "model_id").sum())
        .with_columns(pl.col("n").alias("n_executions"), _mean("avg_quality_score"), rate)
        .join(best, on="task_type", how="left")
        .with_columns(pl.col("task_type").cast(pl.String))
        .join(task_moments.select("task_type", pl.col("q_clusters").alias("n_quality_clusters")),
              on="task_type", how="left")
        .with_columns(pl.col("n_quality_clusters").fill_null(0))
        .sort("task_type")
        .select("task_type", "n_executions", "avg_quality_score", pl.col("q_n").alias("n_scored"),
                "n_quality_clusters", "n_unscored", "error_rate", "best_model")
    )  # fmt: skip
    return Dashboard(
        since=window.since,
        until=window.until,
        n_executions=n,
        n_models=cube["model_id"].n_unique() if cube.height else 0,
        n_tasks=cube["task_type"].n_unique() if cube.height else 0,
        total_cost_usd=float(sums["cost_sum"] or 0.0),
        avg_cost_usd=ratio(float(sums["cost_sum"] or 0.0), n),
        error_rate=100.0 * ratio(int(sums["n_error"] or 0), n),
        avg_quality_score=q.mean,
        quality_interval=(
            clustered_mean(overall, confidence).interval
            if overall.repeated
            else mean_interval(q, confidence).interval
        ),
        n_scored=q.n,
        n_quality_clusters=overall.n_clusters if overall.n else q.n,
        quality_clustered=overall.repeated,
        n_unscored=int(sums["n_unscored"] or 0),
        approval_rate=100.0 * ratio(int(sums["approved_yes"] or 0), int(sums["approved_n"] or 0)),
        total_tokens=int((sums["prompt_tokens"] or 0) + (sums["completion_tokens"] or 0)),
        top_models=_tidy(models),
        trend=_tidy(trend),
        quality_by_task=_tidy(by_task),
        quality_source=source.describe(),
        message=f"{n:,} executions" if n else
        f"no executions in {window}: widen days= or move until=",
    )  # fmt: skip
