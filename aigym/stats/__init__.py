"""Pure statistics for A/B comparisons of models: numbers in, frozen records out.

Per-arm sufficient statistics (`SampleStats`, `ProportionStats`, `RatioStats`, `PairedStats`)
add together with `+` and come from arrays (`.from_values`) or a polars frame
(`*_stats_by_group`). Each analysis takes arm A (control) then arm B and returns a typed
record whose effect is always B - A; a `StatsConfig` sets confidence, sidedness, scale,
direction (lower is better for cost and latency) and prior. Thin or degenerate data gives a
`status` other than "ok", never an exception; wrong input raises
`aigym.errors.ValidationError`.
"""

from __future__ import annotations

from aigym.stats._bayes import bayes_means, bayes_proportions, gaussian_posterior
from aigym.stats._checks import Alternative
from aigym.stats._cluster import (
    ClusteredDifference,
    ClusteredMean,
    ClusterMoments,
    ClusterTotals,
    cluster_difference,
    cluster_mean,
    clustered_difference,
    clustered_mean,
)
from aigym.stats._display import format_interval, format_p_value
from aigym.stats._frames import (
    paired_stats_by_group,
    proportion_stats_by_group,
    ratio_stats_by_group,
    sample_stats_by_group,
)
from aigym.stats._guards import (
    Correction,
    SrmResult,
    adjust_p_values,
    benjamini_hochberg,
    holm,
    sample_ratio_mismatch,
)
from aigym.stats._means import geometric_mean_ratio, mean_interval, non_inferiority, welch_t
from aigym.stats._multiarm import ArmComparison, MultiArmResult, adjust_results, compare_arms
from aigym.stats._paired import mcnemar, paired_t
from aigym.stats._power import (
    PowerResult,
    mde_means,
    mde_proportions,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)
from aigym.stats._proportions import (
    fisher_exact,
    newcomb_interval,
    two_proportion_z,
    wilson_interval,
)
from aigym.stats._quantiles import exact_quantile, grouped_quantiles
from aigym.stats._ranks import mann_whitney, wilcoxon
from aigym.stats._ratio import ratio_delta
from aigym.stats._records import (
    BayesianResult,
    DifferenceType,
    Direction,
    FrequentistResult,
    IntervalEstimate,
    NonInferiorityResult,
    NormalPrior,
    StatsConfig,
    Status,
)
from aigym.stats._sequential import sequential_test
from aigym.stats._sufficient import PairedStats, ProportionStats, RatioStats, SampleStats

__all__ = [
    "Alternative",
    "ArmComparison",
    "BayesianResult",
    "ClusterMoments",
    "ClusterTotals",
    "ClusteredDifference",
    "ClusteredMean",
    "Correction",
    "DifferenceType",
    "Direction",
    "FrequentistResult",
    "IntervalEstimate",
    "MultiArmResult",
    "NonInferiorityResult",
    "NormalPrior",
    "PairedStats",
    "PowerResult",
    "ProportionStats",
    "RatioStats",
    "SampleStats",
    "SrmResult",
    "StatsConfig",
    "Status",
    "adjust_p_values",
    "adjust_results",
    "bayes_means",
    "bayes_proportions",
    "benjamini_hochberg",
    "cluster_difference",
    "cluster_mean",
    "clustered_difference",
    "clustered_mean",
    "compare_arms",
    "exact_quantile",
    "fisher_exact",
    "format_interval",
    "format_p_value",
    "gaussian_posterior",
    "geometric_mean_ratio",
    "grouped_quantiles",
    "holm",
    "mann_whitney",
    "mcnemar",
    "mde_means",
    "mde_proportions",
    "mean_interval",
    "newcomb_interval",
    "non_inferiority",
    "paired_stats_by_group",
    "paired_t",
    "power_means",
    "power_proportions",
    "proportion_stats_by_group",
    "ratio_delta",
    "ratio_stats_by_group",
    "sample_ratio_mismatch",
    "sample_size_means",
    "sample_size_proportions",
    "sample_stats_by_group",
    "sequential_test",
    "two_proportion_z",
    "welch_t",
    "wilcoxon",
    "wilson_interval",
]
