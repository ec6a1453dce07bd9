"""A/B results and model comparisons in a notebook: the verdict, key numbers, escaped text."""

from __future__ import annotations

import dataclasses

import numpy as np

from aigym.abtest import ABTestManager, compare_models
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore
from tests.html_check import parse_html

from .conftest import config, record
from .test_abtest_compare import A, B, C, _bakeoff

NAME = "claude_vs_gpt4_emails"


def test_ab_result_html_shows_winner_effect_and_recommendation(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    record(manager, store, NAME, "a", np.clip(rng.normal(70, 10, 300), 0, 100))
    record(manager, store, NAME, "b", np.clip(rng.normal(73, 10, 260), 0, 100))
    res = manager.analyze_test(store, NAME, "frequentist")
    text, rows = parse_html(res._repr_html_())
    assert f"ABTestResult {NAME} (active, frequentist" in text
    assert f"winner: {res.winner}" in text and f"{res.effect:+.4g}" in text
    assert res.recommendation in text
    assert rows >= 3  # header + variants a and b
    hostile = dataclasses.replace(res, recommendation="<script>alert(1)</script>")
    markup = hostile._repr_html_()
    assert "<script>alert(1)</script>" in parse_html(markup)[0] and "<script>" not in markup


def test_model_comparison_html_names_the_best_and_the_significant(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    _bakeoff(store, rng, {A: 0.0, B: 6.0, C: 0.0})
    res = compare_models(store, "email_writing", [A, B, C], registry=registry)
    text, _ = parse_html(res._repr_html_())
    assert res.best == B
    sig = [r.model for r in res.rows if r.significant]
    assert B in sig
    assert f"most likely best: {B}" in text
    assert f"{len(sig)} of {len(res.rows)} differ from {A}" in text
    assert "pairwise" in text and "arms" in text
