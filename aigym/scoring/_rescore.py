"""Scores as data: append score rows, read the latest per execution, re-score a campaign.

Executions are never rewritten. A score is a row in the append-only `scores` table naming
the execution, the scorer and its version; scoring again (a fixed heuristic, a new judge
prompt) appends new rows, and analyses read the *latest* row of the scorer they are asked
about (`latest_scores`). An unscored result is a row too (value null, with its reason), so
"scored, but the scorer could not judge" stays distinguishable from "never scored".

polars and the store load on first use, so `import aigym.scoring` stays cheap for callers
that only run heuristics.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from aigym._progress import progress_bar
from aigym.errors import ValidationError
from aigym.records import ScoreRecord
from aigym.scoring._quality import get_quality_scorer
from aigym.scoring._registry import Scorer, get_scorer
from aigym.scoring._score import Score

if TYPE_CHECKING:
    import polars as pl

    from aigym.store import ParquetStore

__all__ = [
    "CONTEXT_KEYS",
    "LATEST_SCORE_COLUMNS",
    "context_from_metadata",
    "latest_scores",
    "record_scores",
    "rescore",
    "score_record",
]

CONTEXT_KEYS: Final = ("reference", "tests", "context")
"""Keys of an execution's metadata JSON that `rescore` passes to scorers."""

LATEST_SCORE_COLUMNS: Final = (
    "execution_id",
    "value",
    "scorer",
    "scorer_version",
    "dimensions",
    "explanation",
    "unscored_reason",
    "judge_model",
    "timestamp",
    "score_id",
)
_TEXT_NOT_STORED: Final = (
    "response text was not stored (only its hash: recorded with store_text=False); "
    "record executions with their text to re-score them"
)
_NO_RESPONSE: Final = "the execution has no response text to score"
_EXEC_COLUMNS: Final = (
    "execution_id",
    "task_type",
    "model_id",
    "prompt",
    "response",
    "response_sha256",
    "metadata",
)


def score_record(
    score: Score, execution_id: str, scorer: object = None, *, metadata: Any = None
) -> ScoreRecord:
    """The `scores` row for `score` of one execution, with the judge model: the score's
    own, else the `judge_model` attribute of `scorer` (for custom judge scorers)."""
    judge = score.judge_model or getattr(scorer, "judge_model", None)
    return score.to_record(
        execution_id, judge_model=judge if isinstance(judge, str) else None, metadata=metadata
    )


def record_scores(
    store: ParquetStore,
    scores: Iterable[tuple[str, Score]],
    *,
    scorer: object = None,
) -> int:
    """Append `(execution_id, Score)` pairs to the `scores` table; returns rows written.

    `scorer` (the scorer object that produced them) supplies the judge model for LLM judges.
    Rows are acknowledged when this returns.
    """
    records = [score_record(s, eid, scorer) for eid, s in scores]
    return store.append("scores", records) if records else 0


def latest_scores(store: ParquetStore, scorer: str, version: str | None = None) -> pl.LazyFrame:
    """The latest score row of `scorer` (of `version`, if given) per execution.

    Columns: `LATEST_SCORE_COLUMNS` (execution_id, value, scorer, scorer_version, dimensions,
    explanation, unscored_reason, judge_model, timestamp, score_id). Latest means the newest
    `timestamp` (then `score_id`), so a re-score supersedes older rows, across versions
    unless `version` pins one. `value` is null for an unscored latest row: aggregations skip
    it rather than count it as 0.
    """
    import polars as pl

    if not isinstance(scorer, str) or not scorer:
        raise ValidationError("scorer", scorer, "give a scorer name, e.g. 'token_f1'")
    lf = store.scan_scores().filter(pl.col("scorer") == scorer)
    if version is not None:
        lf = lf.filter(pl.col("scorer_version") == str(version))
    return (
        lf.sort("timestamp", "score_id")
        .unique(subset="execution_id", keep="last", maintain_order=True)
        .select(LATEST_SCORE_COLUMNS)
    )


def context_from_metadata(
    prompt: str | None, metadata: str | Mapping[str, Any] | None
) -> dict[str, Any]:
    """The scorer context of a stored execution: its prompt, the `context` dict of its
    metadata (which may override `prompt`), then `reference` and `tests` from the metadata."""
    ctx: dict[str, Any] = {} if prompt is None else {"prompt": prompt}
    meta: Any = metadata
    if isinstance(metadata, str):
        try:
            meta = json.loads(metadata)
        except ValueError:
            meta = None
    if not isinstance(meta, Mapping):
        return ctx
    extra = meta.get("context")
    if isinstance(extra, Mapping):
        ctx.update(extra)
    for key in ("reference", "tests"):
        if meta.get(key) is not None:
            ctx[key] = meta[key]
    return ctx


def _resolve(scorer: str | Scorer | None, task_type: str) -> Scorer:
    if scorer is None:
        return get_quality_scorer().scorer_for(task_type)
    if isinstance(scorer, str):
        return get_scorer(scorer)
    return scorer


def _score_one(row: dict[str, Any], scorer: Scorer) -> Score:
    response = row["response"]
    if response is None:
        reason = _TEXT_NOT_STORED if row["response_sha256"] is not None else _NO_RESPONSE
        return Score.unscored(reason, scorer=scorer.name, version=scorer.version)
    return scorer(response, context_from_metadata(row["prompt"], row["metadata"]))


def rescore(
    store: ParquetStore,
    *,
    campaign: str | Sequence[str] | None = None,
    scorer: str | Scorer | None = None,
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
    max_workers: int = 4,
    progress: bool | None = None,
) -> pl.DataFrame:
    """Score every successful execution of `campaign` again and append the score rows.

    `scorer` is a registered name, a scorer object (e.g. a configured `LLMJudge`), or None
    for each task type's primary scorer. Scorers get the execution's response and the
    context from `context_from_metadata` (prompt; `reference`, `tests`, `context` from the
    metadata JSON). Rows stored without text (hashes only) get an unscored row saying so;
    failed calls (status 'error') have no output and get no row. `max_workers` threads
    score in parallel (sandboxed code and judge calls wait on other processes). `progress`
    shows a `tqdm.auto` bar (None: when run in Jupyter or a terminal; judges take minutes).

    Returns a tidy summary, one row per task_type, model_id, scorer and scorer_version:
    executions, scored, unscored, mean_value (over scored rows). A scorer that cannot run
    at all (no sandbox, no judge configured) raises ScoringError; rows scored before it are
    kept (the table is append-only: run again to finish).
    """
    import polars as pl

    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValidationError("max_workers", max_workers, "give a whole number >= 1")
    frame = (
        store.scan_executions(
            since=since,
            until=until,
            model_id=model_id,
            task_type=task_type,
            campaign=campaign,
            with_feedback=False,
        )
        .filter(pl.col("status") != "error")
        .select(_EXEC_COLUMNS)
        .collect()
    )
    rows = frame.to_dicts()
    scorers = {t: _resolve(scorer, t) for t in sorted(set(frame["task_type"].to_list()))}

    def run(row: dict[str, Any]) -> Score:
        return _score_one(row, scorers[row["task_type"]])

    records: list[ScoreRecord] = []
    bar = progress_bar(len(rows), desc="rescore", unit="row", enabled=progress)
    with store.writer("scores") as writer, contextlib.ExitStack() as stack:
        stack.callback(bar.close)
        results: Iterable[Score]
        if max_workers > 1 and len(rows) > 1:
            pool = stack.enter_context(
                ThreadPoolExecutor(max_workers, thread_name_prefix="aigym-rescore")
            )
            results = pool.map(run, rows)
        else:
            results = map(run, rows)
        for row, score in zip(rows, results, strict=True):
            records.append(score_record(score, row["execution_id"], scorers[row["task_type"]]))
            writer.add(records[-1])
            bar.update(1)
    return _summary(frame, records)


def _summary(frame: pl.DataFrame, records: list[ScoreRecord]) -> pl.DataFrame:
    import polars as pl

    scored = pl.DataFrame(
        {
            "execution_id": [r.execution_id for r in records],
            "scorer": [r.scorer for r in records],
            "scorer_version": [r.scorer_version for r in records],
            "value": [r.value for r in records],
        },
        schema={
            "execution_id": pl.String,
            "scorer": pl.String,
            "scorer_version": pl.String,
            "value": pl.Float64,
        },
    )
    keys = ["task_type", "model_id", "scorer", "scorer_version"]
    return (
        scored.join(
            frame.select("execution_id", pl.col("task_type", "model_id").cast(pl.String)),
            on="execution_id",
        )
        .group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("executions"),
            pl.col("value").is_not_null().sum().cast(pl.Int64).alias("scored"),
            pl.col("value").is_null().sum().cast(pl.Int64).alias("unscored"),
            pl.col("value").mean().alias("mean_value"),
        )
        .sort(keys)
    )
