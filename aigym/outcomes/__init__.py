"""Outcome tables, per-prompt routers and their offline evaluation."""

from aigym.outcomes._evaluate import RouterEvaluation, evaluate_router
from aigym.outcomes._figures import cost_quality_figure
from aigym.outcomes._knn import KnnRouter
from aigym.outcomes._learned import RidgeKnnRouter
from aigym.outcomes._metrics import aiq, apgr, arena_score, cpt, pgr_curve, upper_hull
from aigym.outcomes._protocol import Router, RouterPrediction, choose

__all__ = [
    "KnnRouter",
    "RidgeKnnRouter",
    "Router",
    "RouterEvaluation",
    "RouterPrediction",
    "aiq",
    "apgr",
    "arena_score",
    "choose",
    "cost_quality_figure",
    "cpt",
    "evaluate_router",
    "pgr_curve",
    "upper_hull",
]
