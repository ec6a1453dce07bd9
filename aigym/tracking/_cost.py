"""`get_cost_analysis`: spend by model, task and UTC day, potential savings, budget forecast.

Everything is derived from one scan (`cube_query`: day x model x task sums), so the figures
agree with each other to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from aigym._alias import accepts_db
from aigym.store import ParquetStore
from aigym.tracking._forecast import BudgetForecast, forecast_spend
from aigym.tracking._query import CLUSTER_COLUMNS, cluster_frame, cube_query
from aigym.tracking._result import Result, frame, pct, ratio, usd
from aigym.tracking._savings import (
    DEFAULT_MARGIN,
    MIN_SAMPLES,
    SAVINGS_SCHEMA,
    Saving,
    find_savings,
)
from aigym.tracking._window import Window, make_window

__all__ = [
    "CostAnalysis",
    "DailyCost",
    "ModelCost",
    "TaskCost",
    "daily_series",
    "get_cost_analysis",
]


class _Spend(Result):
    __slots__ = ()
    n_executions: int
    total_cost_usd: float
    avg_cost_usd: float
    share_percent: float

    def to_polars(self) -> pl.DataFrame:
        return pl.DataFrame([self.to_dict()])

    def __repr__(self) -> str:
        name = self[self.keys()[0]]
        return (
            f"{name}: {usd(self.total_cost_usd)} ({pct(self.share_percent)}) over "
            f"{self.n_executions:,} executions, {usd(self.avg_cost_usd)} each"
        )


@dataclass(frozen=True, slots=True, repr=False)
class ModelCost(_Spend):
    """Spend of one model over the window (`share_percent` of the window's total)."""

    model_id: str
    n_executions: int
    total_cost_usd: float
    avg_cost_usd: float
    share_percent: float


@dataclass(frozen=True, slots=True, repr=False)
class TaskCost(_Spend):
    """Spend on one task over the window (`share_percent` of the window's total)."""

    task_type: str
    n_executions: int
    total_cost_usd: float
    avg_cost_usd: float
    share_percent: float


@dataclass(frozen=True, slots=True)
class DailyCost(Result):
    """Spend on one UTC day; `complete` is False for a day the window only partly covers."""

    date: dt.date
    n_executions: int
    total_cost_usd: float
    avg_cost_usd: float
    complete: bool

    def to_polars(self) -> pl.DataFrame:
        return frame([self.to_dict()], DAILY_SCHEMA)


DAILY_SCHEMA: dict[str, Any] = {
    "date": pl.Date,
    "n_executions": pl.Int64,
    "total_cost_usd": pl.Float64,
    "avg_cost_usd": pl.Float64,
    "complete": pl.Boolean,
}
_TABLES = ("by_model", "by_task", "by_model_task", "daily", "savings", "forecast")


@dataclass(frozen=True, slots=True)
class CostAnalysis(Result):
    """Spend over a window and what could be saved; read it as `analysis['total_cost_usd']`
    or `analysis.total_cost_usd`. `cost_by_model` is sorted by spend, largest first.

    `potential_savings` holds the recommended switches; `savings_tests` every test made.
    """

    since: dt.datetime
    until: dt.datetime
    n_executions: int
    total_cost_usd: float
    avg_cost_usd: float
    cost_by_model: list[ModelCost]
    cost_by_task: list[TaskCost]
    daily: list[DailyCost]
    potential_savings: list[Saving]
    total_potential_savings_usd: float
    savings_margin: float
    savings_tests: list[Saving]
    forecast: BudgetForecast
    quality_source: str
    n_unscored: int
    by_model_task: pl.DataFrame
    message: str

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every breakdown as a tidy frame: by_model, by_task, by_model_task, daily, savings
        (every test, `recommended` marking the switches), forecast."""
        return {name: self.to_polars(name) for name in _TABLES}

    def to_polars(self, table: str = "by_model") -> pl.DataFrame:
        """One breakdown as a tidy frame (see `tables()` for the names)."""
        if table == "by_model":
            return _groups_frame(self.cost_by_model, "model_id")
        if table == "by_task":
            return _groups_frame(self.cost_by_task, "task_type")
        if table == "by_model_task":
            return self.by_model_task
        if table == "daily":
            return frame([d.to_dict() for d in self.daily], DAILY_SCHEMA)
        if table == "savings":
            return frame([s.row() for s in self.savings_tests], SAVINGS_SCHEMA)
        if table == "forecast":
            return self.forecast.to_polars()
        raise KeyError(f"no table {table!r}: use one of {list(_TABLES)}")

    def to_pandas(self, table: str = "by_model") -> Any:
        return self.to_polars(table).to_pandas()

    _html_tables = ("by_model", "by_task", "savings")
    _html_columns: ClassVar[Mapping[str | None, tuple[str, ...]]] = {
        "savings": ("task_type", "current_model", "suggested_model", "recommended",
                    "current_quality", "suggested_quality", "quality_lower_bound",
                    "p_value_adjusted", "savings_usd", "savings_low_usd", "savings_high_usd"),
    }  # fmt: skip

    def _html_summary(self) -> str:
        if self.n_executions == 0:
            return self.message
        saving = (
            f"{len(self.potential_savings)} switch(es) would save "
            f"{usd(self.total_potential_savings_usd)} at non-inferior quality "
            f"(within {self.savings_margin:g} points)"
            if self.potential_savings
            else "no cheaper model was shown to match quality"
        )
        fc = repr(self.forecast).splitlines()
        return "\n".join(
            [
                f"total {usd(self.total_cost_usd)} over {self.n_executions:,} executions "
                f"({usd(self.avg_cost_usd)} each); {saving}",
                *(x.strip() for x in fc),
            ]
        )

    def __repr__(self) -> str:
        win = str(Window(self.since, self.until, (self.until - self.since) / dt.timedelta(days=1)))
        head = f"CostAnalysis | {win}"
        if self.n_executions == 0:
            return f"{head}\n  {self.message}"
        lines = [
            head,
            f"  total {usd(self.total_cost_usd)} over {self.n_executions:,} executions "
            f"({usd(self.avg_cost_usd)} each)",
            "  by model:",
            *(f"    {g!r}" for g in self.cost_by_model),
            "  by task:",
            *(f"    {g!r}" for g in self.cost_by_task),
            f"  potential savings (non-inferior quality within {self.savings_margin:g} points; "
            f"{self.quality_source}; {self.n_unscored:,} successful rows unscored):",
        ]
        if self.potential_savings:
            lines += [f"    {s!r}" for s in self.potential_savings]
            lines.append(f"    total {usd(self.total_potential_savings_usd)}")
        else:
            lines.append("    none shown: no cheaper model was shown to match quality")
        lines.append(f"  {self.forecast!r}".replace("\n", "\n  "))
        return "\n".join(lines)


def _groups_frame(groups: list[ModelCost] | list[TaskCost], key: str) -> pl.DataFrame:
    schema: dict[str, Any] = {
        key: pl.String,
        "n_executions": pl.Int64,
        "total_cost_usd": pl.Float64,
        "avg_cost_usd": pl.Float64,
        "share_percent": pl.Float64,
    }
    return frame([g.to_dict() for g in groups], schema)


def _groups(
    cube: pl.DataFrame, key: str, total: float
) -> list[tuple[str, int, float, float, float]]:
    """(name, n, spend, mean spend, share %) per group, largest spend first."""
    if cube.height == 0:
        return []
    g = cube.group_by(key).agg(pl.col("n").sum(), pl.col("cost_sum").sum())
    g = g.sort(["cost_sum", key], descending=[True, False])
    return [
        (r[key], int(r["n"]), float(r["cost_sum"]), ratio(r["cost_sum"], r["n"]),
         100.0 * ratio(r["cost_sum"], total))
        for r in g.iter_rows(named=True)
    ]  # fmt: skip


def daily_series(cube: pl.DataFrame, window: Window) -> list[DailyCost]:
    """Spend per UTC day of the window, days without executions included as zero."""
    sums = cube.group_by("date").agg(pl.col("n").sum(), pl.col("cost_sum").sum())
    per_day = {r["date"]: (int(r["n"]), float(r["cost_sum"])) for r in sums.iter_rows(named=True)}
    complete = set(window.complete_days())
    out = []
    for day in window.all_days():
        n, cost = per_day.get(day, (0, 0.0))
        out.append(DailyCost(day, n, cost, ratio(cost, n), day in complete))
    return out


def _forecast(
    daily: list[DailyCost], window: Window, horizon: int, confidence: float, budget: float | None
) -> BudgetForecast:
    full = [d for d in daily if d.complete]
    while full and full[0].n_executions == 0:  # the store began inside the window
        full = full[1:]
    start = full[-1].date + dt.timedelta(days=1) if full else window.until.date()
    return forecast_spend(
        [d.total_cost_usd for d in full],
        start=start,
        horizon_days=horizon,
        confidence=confidence,
        budget_usd=budget,
    )


@accepts_db
def get_cost_analysis(
    store: ParquetStore,
    days: float = 30,
    until: dt.datetime | dt.date | None = None,
    scorer: str | None = None,
    *,
    margin: float = DEFAULT_MARGIN,
    min_samples: int = MIN_SAMPLES,
    horizon_days: int = 30,
    budget_usd: float | None = None,
    confidence: float = 0.95,
) -> CostAnalysis:
    """Spend by model, task and day; potential savings; a budget forecast.

    `margin` is how many quality points (0-100) a cheaper model may lose and still count as
    a match; `budget_usd` is the budget left from the forecast's first day.
    """
    window = make_window(days, until)
    store.flush()
    lf, source = cube_query(store, window, scorer=scorer)
    cube = lf.collect()
    moments = cluster_frame(store, window, cube, ["task_type", "model_id"], scorer=scorer)
    n = int(cube["n"].sum()) if cube.height else 0
    total = float(cube["cost_sum"].sum()) if cube.height else 0.0
    keys = [pl.col("task_type", "model_id").cast(pl.String)]
    by_mt = (
        cube.group_by("task_type", "model_id")
        .agg(pl.exclude("date").sum())
        .with_columns(keys)
        .join(
            moments.select("task_type", "model_id", *CLUSTER_COLUMNS[2:]),
            on=["task_type", "model_id"],
            how="left",
        )
        .sort("task_type", "model_id")
    )
    daily = daily_series(cube, window)
    tests = find_savings(by_mt, margin=margin, confidence=confidence, min_samples=min_samples)
    recommended = [s for s in tests if s.recommended]
    message = (
        f"{n:,} executions in {window}"
        if n
        else f"no executions in {window}: nothing was spent; widen days= or move until="
    )
    return CostAnalysis(
        since=window.since,
        until=window.until,
        n_executions=n,
        total_cost_usd=total,
        avg_cost_usd=ratio(total, n),
        cost_by_model=[ModelCost(*g) for g in _groups(cube, "model_id", total)],
        cost_by_task=[TaskCost(*g) for g in _groups(cube, "task_type", total)],
        daily=daily,
        potential_savings=recommended,
        total_potential_savings_usd=sum(s.savings_usd for s in recommended),
        savings_margin=margin,
        savings_tests=tests,
        forecast=_forecast(daily, window, horizon_days, confidence, budget_usd),
        quality_source=source.describe(),
        n_unscored=int(cube["n_unscored"].sum()) if cube.height else 0,
        by_model_task=by_mt.with_columns(
            pl.col(pl.UInt32, pl.UInt64).cast(pl.Int64), pl.col(pl.Float64).fill_nan(None)
        ),
        message=message,
    )
