"""Report figures, tables and rendered notebooks: what a researcher opens, schedules, shares.

Figure functions take data (a frame of executions, or an aigym result) and `ax=None`, draw
with the Okabe-Ito palette and return the matplotlib Figure; `table_of(fig)` is the tidy
table it drew and `caption_of(fig)` the one-sentence finding, stated with its interval and
whether it is real::

    from aigym.reports import load_executions, plot_model_intervals, caption_of
    fig = plot_model_intervals(load_executions(store, campaign="bakeoff"))
    caption_of(fig)   # 'm1 ranks first at 84.2 [82.0, 86.4] ...; the difference is real ...'

`list_reports()` lists the shipped notebooks with their parameters; `render_report(name,
parameters, output_dir)` runs one with papermill into an executed notebook, one
self-contained HTML file and the tables behind its figures.
"""

from __future__ import annotations

from aigym.reports._ab import ab_arms, ab_summary, plot_ab_posterior
from aigym.reports._cost import (
    campaign_progress,
    plot_campaign_progress,
    plot_quality_cost,
    plot_spend_forecast,
    quality_cost_frontier,
    spend_forecast,
)
from aigym.reports._data import load_executions, pin_until
from aigym.reports._models import (
    disagreements,
    model_intervals,
    pairwise_differences,
    plot_model_intervals,
    plot_pairwise_matrix,
)
from aigym.reports._notebooks import (
    ReportInfo,
    ReportParameter,
    list_reports,
    report_info,
    validate_parameters,
)
from aigym.reports._ops import error_rates, latency_quantiles, plot_error_rates, plot_latency_ecdf
from aigym.reports._output import ReportOutput
from aigym.reports._regression import RegressionReport, compare_runs, plot_regression
from aigym.reports._render import RenderedReport, offline_html, render_report
from aigym.reports._router import plot_router_evaluation, router_comparison, router_verdict
from aigym.reports._style import OKABE_ITO, caption_of, table_of

__all__ = [
    "OKABE_ITO",
    "RegressionReport",
    "RenderedReport",
    "ReportInfo",
    "ReportOutput",
    "ReportParameter",
    "ab_arms",
    "ab_summary",
    "campaign_progress",
    "caption_of",
    "compare_runs",
    "disagreements",
    "error_rates",
    "latency_quantiles",
    "list_reports",
    "load_executions",
    "model_intervals",
    "offline_html",
    "pairwise_differences",
    "pin_until",
    "plot_ab_posterior",
    "plot_campaign_progress",
    "plot_error_rates",
    "plot_latency_ecdf",
    "plot_model_intervals",
    "plot_pairwise_matrix",
    "plot_quality_cost",
    "plot_regression",
    "plot_router_evaluation",
    "plot_spend_forecast",
    "quality_cost_frontier",
    "render_report",
    "report_info",
    "router_comparison",
    "router_verdict",
    "spend_forecast",
    "table_of",
    "validate_parameters",
]
