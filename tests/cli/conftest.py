"""A small real store for CLI tests: two models on one task, scored, over ten days."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aigym.cli import main
from aigym.records import TaskMetrics
from aigym.store import ParquetStore
from aigym.tracking import get_metric_tracker

UNTIL = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
MODEL_A = "openai/gpt-4o"
MODEL_B = "openai/gpt-4o-mini"
TASK = "factual_qa"


def _fill(root: Path) -> None:
    rng = np.random.default_rng(7)
    tracker = get_metric_tracker()
    with ParquetStore(root) as store:
        for i in range(60):
            for model, mean in ((MODEL_A, 80.0), (MODEL_B, 72.0)):
                tracker.record_execution(
                    store,
                    TaskMetrics(
                        model_id=model,
                        task_type=TASK,
                        prompt_tokens=100 + i,
                        completion_tokens=40,
                        latency_ms=float(rng.uniform(300, 900)),
                        cost_usd=0.001 if model == MODEL_A else 0.0001,
                        quality_score=float(np.clip(rng.normal(mean, 8), 0, 100)),
                        prompt_id=f"q{i:03d}",
                        campaign="cli-test",
                    ),
                    timestamp=UNTIL - dt.timedelta(days=10, hours=-i),
                )
            if i % 10 == 9:
                store.flush()  # several files per partition: something for `store compact`


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-store") / "store"
    _fill(root)
    return root


@pytest.fixture
def store_path(_template: Path, tmp_path: Path) -> Path:
    """A private copy of the filled store (commands that write get their own)."""
    dest = tmp_path / "store"
    shutil.copytree(_template, dest)
    return dest


def tree(root: Path) -> list[tuple[str, int]]:
    """Every path under `root` with its size: equal before and after means nothing written."""
    return sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*"))


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """main(argv) -> (exit code, stdout, stderr)."""

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def as_json(out: str) -> Any:
    return json.loads(out)
