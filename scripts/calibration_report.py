"""Does a cheap quality score predict being right? Calibrated on real local-model outputs.

    .venv/bin/python scripts/calibration_report.py [--repeats 1] [--limit N] [--judge]

Starts the embedded llama.cpp server (local/smollm2-135m, chat; local/gemma3-270m, base
model with few-shot prompts), answers the reference prompt sets shipped in aigym/campaign/prompts/
(arithmetic, factual_qa, python_functions), stores every call in a temporary ParquetStore
as executions (text, and `reference`/`tests` in the metadata JSON), scores them with
`rescore()` (score rows appended to the store) and calibrates the cheap heuristic scores
(and, with --judge, the LLM judge) against reference correctness:

* arithmetic: `numeric_match` against the reference number;
* factual_qa: every reference token appears in the answer (`token_f1` recall = 100);
* python_functions: pass@1, all unit tests pass in the bubblewrap sandbox (`code_execution`).

There is no user-feedback data here, so reference correctness is a *proxy for user
feedback*. The spec's 85% / 72% / 91% correlations (with user approval, edit distance and
manual assessment) are claims this data cannot test.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from aigym.campaign import PROMPTS_DIR
from aigym.providers import CompletionRequest, LocalModelServer, ProviderCallError
from aigym.records import Execution, TaskMetrics
from aigym.scoring import (
    CalibrationResult,
    Correlation,
    LLMJudge,
    Score,
    calibrate,
    check_sandbox,
    latest_scores,
    rescore,
)
from aigym.store import ParquetStore

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = PROMPTS_DIR
SETS = ("arithmetic", "factual_qa", "python_functions")
MODELS = ("smollm2-135m", "gemma3-270m")
CAMPAIGN = "calibration"
LABEL = "proxy for user feedback"


def load_sets(limit: int | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in SETS:
        lines = (PROMPTS / f"{name}.jsonl").read_text().splitlines()
        for line in lines[:limit]:
            row = json.loads(line)
            row["set"] = name
            rows.append(row)
    return rows


def collect(
    server: LocalModelServer,
    prompts: list[dict[str, Any]],
    store: ParquetStore,
    repeats: int,
    max_tokens: int,
    code_max_tokens: int,
) -> int:
    """Ask every model every prompt `repeats` times; store each call as an execution."""
    provider = server.provider()
    n = 0
    with store.writer() as writer:
        for model in MODELS:
            for repeat in range(repeats):
                # Repeat 0 is greedy (reproducible); later repeats sample, seeded.
                temperature, seed = (0.0, None) if repeat == 0 else (0.8, repeat)
                for row in prompts:
                    code = row["set"] == "python_functions"
                    request = CompletionRequest.from_messages(
                        model,
                        [{"role": "user", "content": row["prompt"]}],
                        max_tokens=code_max_tokens if code else max_tokens,
                        temperature=temperature,
                        seed=seed,
                    )
                    meta: dict[str, Any] = {
                        k: row[k] for k in ("reference", "tests", "context") if k in row
                    }
                    meta["set"] = row["set"]
                    common: dict[str, Any] = {
                        "prompt": row["prompt"],
                        "prompt_id": row["prompt_id"],
                        "campaign": CAMPAIGN,
                        "run_id": f"repeat-{repeat}",
                        "provider": "local",
                        "metadata": meta,
                    }
                    try:
                        done = provider.complete(request)
                    except ProviderCallError as e:
                        m = TaskMetrics(
                            f"local/{model}",
                            row["task_type"],
                            0,
                            0,
                            e.latency_ms,
                            0.0,
                            status="error",
                            error_type=e.error_type,
                            error_message=str(e)[:500],
                            **common,
                        )
                    else:
                        m = TaskMetrics(
                            f"local/{model}",
                            row["task_type"],
                            done.prompt_tokens,
                            done.completion_tokens,
                            done.latency_ms,
                            0.0,
                            response=done.text,
                            **common,
                        )
                    writer.add(Execution.from_metrics(m))
                    n += 1
    return n


def outcomes(store: ParquetStore) -> pl.DataFrame:
    """Reference correctness (0/1) per execution, from the latest reference-scorer rows."""
    numeric = latest_scores(store, "numeric_match").select(
        "execution_id", (pl.col("value") == 100.0).cast(pl.Float64).alias("correct")
    )
    recall = latest_scores(store, "token_f1").select(
        "execution_id",
        (pl.col("dimensions").map.get("recall") == 100.0).cast(pl.Float64).alias("correct"),
    )
    passed = latest_scores(store, "code_execution").select(
        "execution_id", (pl.col("value") == 100.0).cast(pl.Float64).alias("correct")
    )
    return pl.concat([numeric, recall, passed]).collect()


def executions(store: ParquetStore) -> pl.DataFrame:
    return (
        store.scan_executions(campaign=CAMPAIGN, with_feedback=False)
        .filter(pl.col("status") == "success")
        .select(
            "execution_id",
            "model_id",
            pl.col("metadata").str.json_path_match("$.set").alias("set"),
        )
        .collect()
    )


def _ci(c: Correlation) -> str:
    if math.isnan(c.estimate):
        return f"{'n/a (' + c.status + ')':<22}"
    return f"{c.estimate:+.2f} [{c.interval[0]:+.2f}, {c.interval[1]:+.2f}]"


def _auc(r: CalibrationResult) -> str:
    a = r.auc
    if a is None or math.isnan(a.estimate):
        return "n/a"
    if a.status != "ok":  # e.g. perfect separation: DeLong's variance is 0, no interval
        return f"{a.estimate:.2f} ({a.status.replace('_', ' ')}: no interval)"
    return f"{a.estimate:.2f} [{a.interval[0]:.2f}, {a.interval[1]:.2f}]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--repeats", type=int, default=1, help="answers per prompt and model")
    ap.add_argument("--limit", type=int, default=None, help="prompts per set (default: all)")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--code-max-tokens", type=int, default=128)
    ap.add_argument(
        "--judge",
        action="store_true",
        help="also calibrate llm_judge (local/smollm2-135m, no reference shown)",
    )
    args = ap.parse_args(argv)
    check_sandbox()  # fail now, naming the install command, not after the model calls
    prompts = load_sets(args.limit)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aigym-calibration-") as tmp, LocalModelServer() as srv:
        store = ParquetStore(Path(tmp) / "store", durability="none")
        n = collect(srv, prompts, store, args.repeats, args.max_tokens, args.code_max_tokens)
        t_collect = time.perf_counter() - t0
        rescore(store, campaign=CAMPAIGN, scorer="numeric_match", task_type="arithmetic")
        rescore(store, campaign=CAMPAIGN, scorer="token_f1", task_type="factual_qa")
        rescore(store, campaign=CAMPAIGN, scorer="code_execution", task_type="code_generation")
        rescore(store, campaign=CAMPAIGN, scorer="generic")
        rescore(store, campaign=CAMPAIGN, scorer="code_generation", task_type="code_generation")
        cheap = ["generic", "code_generation"]
        if args.judge:
            judge = _NoReference(LLMJudge(srv.provider(), "smollm2-135m", max_tokens=24))
            rescore(
                store,
                campaign=CAMPAIGN,
                scorer=judge,
                task_type=["arithmetic", "factual_qa"],
                max_workers=1,
            )
            cheap.append("llm_judge")
        t_score = time.perf_counter() - t0 - t_collect
        frame = executions(store).join(outcomes(store), on="execution_id", how="left")
        report(store, frame, cheap, n, args)
        store.close()
    print(f"Runtime: {t_collect:.0f} s collecting, {t_score:.0f} s scoring (2 shared cores).")
    return 0


class _NoReference:
    """The judge without the reference answer: a cheap score should not need one."""

    def __init__(self, judge: LLMJudge) -> None:
        self.judge = judge
        self.name = judge.name
        self.version = judge.version
        self.judge_model = judge.judge_model

    def __call__(self, output: str, context: Any = None) -> Score:
        ctx = {k: v for k, v in (context or {}).items() if k != "reference"}
        return self.judge(output, ctx)


def _top_reason(store: ParquetStore, scorer: str) -> str:
    reasons = (
        latest_scores(store, scorer)
        .select(pl.col("unscored_reason").str.replace(r": ['\"].*$", ""))
        .collect()["unscored_reason"]
        .drop_nulls()
    )
    return str(reasons.mode().first()) if reasons.len() else "no reason recorded"


def report(store: ParquetStore, frame: pl.DataFrame, cheap: list[str], n: int, args: Any) -> None:
    print(
        f"aigym scoring calibration ({LABEL}): {n} executions, {len(MODELS)} local models x "
        f"{frame['set'].n_unique()} sets x {args.repeats} repeat(s), max_tokens "
        f"{args.max_tokens} (code {args.code_max_tokens}), repeat 1 greedy"
    )
    print(
        "Outcome = reference correctness: arithmetic numeric_match, factual_qa all reference "
        "tokens in the answer, python_functions pass@1 (sandbox)"
    )
    acc = (
        frame.group_by("model_id", "set")
        .agg(pl.len().alias("n"), pl.col("correct").sum().cast(pl.Int64).alias("correct"))
        .sort("model_id", "set")
    )
    for (model,), g in acc.group_by("model_id", maintain_order=True):
        parts = [f"{r['set']} {r['correct']}/{r['n']}" for r in g.iter_rows(named=True)]
        print(f"  {model}: " + ", ".join(parts) + " correct")
    print(
        "Does the cheap score predict correctness? 95% intervals: Pearson Fisher z, "
        "Spearman Fisher z (Fieller se), AUC DeLong"
    )
    head = f"  {'scorer':<16}{'set':<18}{'n':>4}{'right':>6}  {'Pearson r':<23}"
    print(head + f"{'Spearman rho':<23}AUC")
    results: dict[str, CalibrationResult] = {}
    for name in cheap:
        scores = latest_scores(store, name).select("execution_id", "value").collect()
        data = frame.join(scores, on="execution_id", how="inner")
        groups = (
            [*sorted(data["set"].unique().to_list()), "all"]
            if name == "generic"
            else [*sorted(data["set"].unique().to_list())]
        )
        for group in groups:
            d = data if group == "all" else data.filter(pl.col("set") == group)
            if d["value"].drop_nulls().len() < 2:
                print(
                    f"  {name:<16}{group:<18}{d.height:>4}  all {d.height} unscored: "
                    f"{_top_reason(store, name)}"
                )
                continue
            res = calibrate(d["value"], d["correct"], "binary", label=f"{name} on {group}")
            results[f"{name}/{group}"] = res
            right = int(d["correct"].sum())
            print(
                f"  {name:<16}{group:<18}{res.n:>4}{right:>6}  {_ci(res.pearson):<23}"
                f"{_ci(res.spearman):<23}{_auc(res)}"
                + (f"  ({res.n_dropped} unscored)" if res.n_dropped else "")
            )
    print("Calibration curve and fitted mapping:")
    print(results["generic/all"].table())
    print(
        "The spec's claims (quality scores correlate 85% with user approval, 72% inversely "
        "with edit distance, 91% with manual assessments) cannot be tested with this data: "
        "there is no user feedback, edit distance or manual assessment here, only reference "
        "correctness as a proxy."
    )


if __name__ == "__main__":
    sys.exit(main())
