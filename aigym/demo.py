"""`make demo`: a bake-off on real outcomes, end to end through the store.

1. Replays RouteLLM's published outcomes (GPT-4 Turbo vs Mixtral 8x7B on MMLU, GSM8K and
   MT-Bench; `aigym.outcomes.load_routellm`, see aigym/outcomes/data/README.md) into a fresh
   Parquet store, priced from the registry, and answers "which model, for which task, at
   what cost?" with paired tests on the same prompts.
2. Runs a campaign on `replay/<model>` endpoints over GSM8K test items: the recorded
   outcomes served as if live, through the campaign engine, back out as an outcome table.
3. Runs a live campaign against the two local llama.cpp models (real HTTP, real tokens and
   latencies) and scores the answers against the prompt sets' references.
4. Evaluates the learned per-prompt router against the baselines on RouteLLM's GSM8K
   outcomes (10-fold CV grouped by item, paired bootstrap intervals).
5. Renders the cost-quality, A/B, router-evaluation and regression reports to HTML.

Run it with `python -m aigym.demo [--store DIR] [--no-live]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
import time
from pathlib import Path

import polars as pl
import pyarrow as pa

from aigym._api import open_store
from aigym.campaign import CampaignResult, CampaignSpec, Sampling, run_campaign
from aigym.outcomes import (
    OutcomeTable,
    ReplayProvider,
    campaign_prompts,
    load_routellm,
    outcomes_from_store,
)
from aigym.records import new_id
from aigym.stats import PairedStats, SampleStats, format_p_value, mean_interval, paired_t
from aigym.store import ParquetStore

__all__ = ["main", "replay_routellm", "run_replay_campaign"]

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def replay_routellm(store: ParquetStore, table: OutcomeTable | None = None) -> int:
    """Append RouteLLM's uncontaminated outcomes (`load_routellm()`) as executions.

    Tokens and costs are the table's estimates (characters / 4, registry prices; marked in
    each row's metadata); quality is 100 x the table's 0-1 score. Returns rows written.
    """
    t = table if table is not None else load_routellm()
    df = t.frame
    # Spread the calls over a fixed week so windows and daily trends have something to show.
    ts = [START + dt.timedelta(seconds=20 * i) for i in range(df.height)]
    meta = '{"tokens":"estimated","cost":"estimated","source":"RouteLLM"}'
    arrow = pa.table(
        {
            "execution_id": [new_id(x) for x in ts],
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "model_id": df["model"].to_arrow(),
            "task_type": df["task_type"].to_arrow(),
            "prompt_tokens": df["input_tokens"].to_arrow(),
            "completion_tokens": df["output_tokens"].to_arrow(),
            "cost_usd": df["cost_usd"].to_arrow(),
            "quality_score": (df["score"] * 100.0).to_arrow(),
            "status": pa.array(["success"] * df.height),
            "prompt": df["prompt"].to_arrow(),
            "prompt_id": df["item_id"].to_arrow(),
            "campaign": pa.array(["routellm-replay"] * df.height),
            "provider": df["model"].str.split("/").list.first().to_arrow(),
            "metadata": pa.array([meta] * df.height),
        }
    )
    with store.writer() as w:
        for batch in arrow.to_batches(max_chunksize=10_000):
            w.add_table(pa.Table.from_batches([batch]))
    return int(arrow.num_rows)


def summary(store: ParquetStore) -> pl.DataFrame:
    """Per task and model: calls, mean quality with a 95% interval, spend, cost per point."""
    agg = (
        store.scan_executions(with_feedback=False)
        .group_by("task_type", "model_id")
        .agg(
            pl.len().alias("n"),
            pl.col("quality_score").sum().alias("q_sum"),
            (pl.col("quality_score") ** 2).sum().alias("q_sq"),
            pl.col("quality_score").count().alias("q_n"),
            pl.col("cost_usd").sum().alias("spend_usd"),
        )
        .sort("task_type", "model_id")
        .collect()
    )
    rows = []
    for r in agg.iter_rows(named=True):
        ci = mean_interval(SampleStats(r["q_n"], r["q_sum"], r["q_sq"]))
        rows.append(
            {
                "task": r["task_type"],
                "model": r["model_id"],
                "n": r["n"],
                "quality": round(ci.estimate, 1),
                "quality_95ci": f"[{ci.interval[0]:.1f}, {ci.interval[1]:.1f}]",
                "spend_usd": round(r["spend_usd"], 2),
                "usd_per_1k_calls": round(1000 * r["spend_usd"] / r["n"], 3),
            }
        )
    return pl.DataFrame(rows)


def paired_verdicts(store: ParquetStore, a: str, b: str) -> pl.DataFrame:
    """B - A on the same prompts, per task: paired t-test from aigym.stats."""
    df = store.scan_executions(with_feedback=False).select(
        "task_type", "prompt_id", "model_id", "quality_score", "cost_usd"
    )
    wide = (
        df.collect()
        .pivot(on="model_id", index=["task_type", "prompt_id"], values="quality_score")
        .drop_nulls()
    )
    out = []
    for task, part in wide.group_by("task_type", maintain_order=True):
        res = paired_t(PairedStats.from_values(part[a].to_numpy(), part[b].to_numpy()))
        lo, hi = res.interval
        out.append(
            {
                "task": task[0],
                "prompts": part.height,
                "quality_b_minus_a": round(res.effect, 2),
                "95ci": f"[{lo:.2f}, {hi:.2f}]",
                "p_value": format_p_value(res.p_value),
            }
        )
    return pl.DataFrame(out).sort("task")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m aigym.demo", description=__doc__)
    ap.add_argument("--store", default="demo_store", help="store folder (recreated)")
    ap.add_argument(
        "--no-live", action="store_true", help="skip the live campaign on the local models"
    )
    args = ap.parse_args(argv)
    root = Path(args.store)
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    with open_store(root) as store:
        n = replay_routellm(store)
        report = store.compact()
        took = time.perf_counter() - t0
        print(f"aigym demo: replayed {n:,} real outcomes into {root}/ in {took:.1f} s")
        print(
            f"  compacted {report.files_before} files into {report.files_after}; "
            f"store holds {store.verify()['executions']['rows']:,} executions"
        )
        pl.Config.set_tbl_rows(20).set_tbl_width_chars(120).set_tbl_hide_dataframe_shape(True)
        print("\nWhich model, for which task, at what cost? (tokens estimated as chars/4)")
        print(summary(store))
        a, b = "mistralai/mixtral-8x7b-instruct", "openai/gpt-4-1106-preview"
        print(f"\nPaired on the same prompts: quality of {b} minus {a}")
        print(paired_verdicts(store, a, b))
        spend = store.scan("executions").group_by("model_id").agg(pl.col("cost_usd").sum())
        s = dict(spend.collect().iter_rows())
        ratio = s[b] / s[a] if s.get(a) else math.nan
        print(f"\n{b} cost {ratio:.1f}x as much as {a} for the same prompts.")
        run_replay_campaign(store, load_routellm("gsm8k").split("test"), n_items=100)
        if not args.no_live:
            live(store)
        evaluate_routers()
        print(
            "\nRead the store yourself: polars.scan_parquet / DuckDB read_parquet("
            f"'{root}/executions/*/*.parquet', hive_partitioning = true)"
        )
    render_tour_reports(root, root.with_name(root.name + "_reports"), live=not args.no_live)


def run_replay_campaign(
    store: ParquetStore,
    table: OutcomeTable,
    *,
    n_items: int | None = None,
    name: str = "demo-replay",
) -> CampaignResult:
    """Run `table`'s first `n_items` prompts on `replay/<model>` for each of its models.

    Prints the campaign's per-model summary next to the table's own, and the outcome table
    rebuilt from the store (`outcomes_from_store`), which holds the same scores and costs.
    """
    if n_items is not None:
        table = table.select_items(table.item_ids()[:n_items])
    prompts = campaign_prompts(table)
    spec = CampaignSpec(
        name=name,
        prompts=prompts,
        models=[f"replay/{m}" for m in table.models],
        sampling=Sampling(max_tokens=1024),
        store=store.root,
    )
    print(
        f"\nA replay campaign: {len(prompts)} recorded prompts x {len(table.models)} models on "
        "replay/<model> endpoints (no network; quality = 100 x the recorded score)"
    )
    result = run_campaign(
        spec,
        progress=False,
        verbose=False,
        store=store,
        providers={"replay": ReplayProvider(table)},
    )
    store.flush()
    back = outcomes_from_store(store, campaign=name)
    mine = table.select_items([p["prompt_id"] for p in prompts]).per_model()
    with pl.Config(tbl_cols=20, tbl_width_chars=160, tbl_hide_dataframe_shape=True):
        print(
            result.summary.select("model_id", "n", "errors", "cost_usd")
            .join(
                back.per_model().select(
                    pl.col("model").alias("model_id"),
                    (pl.col("mean_score") * 100).round(2).alias("quality_from_store"),
                ),
                on="model_id",
            )
            .join(
                mine.select(
                    pl.col("model").alias("model_id"),
                    (pl.col("mean_score") * 100).round(2).alias("quality_in_table"),
                    pl.col("total_cost_usd").alias("cost_in_table"),
                ),
                on="model_id",
            )
        )
    return result


#: The router evaluation the demo prints and renders (the notebook's defaults).
ROUTER_TABLE, ROUTER = "routellm:gsm8k", "ridge_knn"


def evaluate_routers() -> None:
    """The learned router vs the baselines (and the reference kNN) on published outcomes."""
    from aigym.outcomes import evaluate_router, make_router, open_outcomes
    from aigym.reports import router_verdict

    t = time.perf_counter()
    table = open_outcomes(ROUTER_TABLE)
    ev = evaluate_router(make_router(ROUTER), table, resamples=1000, name=ROUTER)
    print(
        f"\nRouting per prompt ({ROUTER} vs the baselines on {ROUTER_TABLE}, "
        f"{time.perf_counter() - t:.0f} s):"
    )
    print(
        ev.summary.select(
            "policy", "kind", "quality", "quality_low", "quality_high",
            (pl.col("cost_usd") * 1000).alias("usd_per_1k_calls"),
        )
    )  # fmt: skip
    print(router_verdict(ev))


def live(store: ParquetStore) -> None:
    """A real campaign against the two local llama.cpp models, then scored against references."""
    from aigym.campaign import run_local_demo
    from aigym.scoring import rescore

    result = run_local_demo(store, progress=False)
    if result is None:
        return
    store.flush()
    scored = pl.concat(
        [
            rescore(
                store, campaign="demo-local-models", task_type="arithmetic", scorer="numeric_match"
            ),
            rescore(store, campaign="demo-local-models", task_type="factual_qa", scorer="token_f1"),
        ]
    )
    print("\nScored against the references (0-100; the models are tiny, the numbers are real):")
    print(scored.select("task_type", "model_id", "scorer", "executions", "mean_value"))


# --- The tour's reports (issue #15), rendered at the end of `make demo` -------------------
# The cost-quality report over the replay, an A/B test replayed from the same outcomes, and
# (with the live part) a regression report: the live campaign again with 4-token answers.
# Self-contained HTML files in `<store>_reports/`.

_STARTED = time.perf_counter()  # the demo's own wall time, from import to the last report
AB_TEST = "gsm8k_mixtral_vs_gpt4"


def replay_ab_test(store: ParquetStore, task: str = "gsm8k") -> int:
    """An A/B test replayed from the published outcomes: each `task` prompt is a unit,
    assigned (deterministically) to Mixtral (A) or GPT-4 (B), and its published outcome for
    that model is recorded. Returns the units recorded."""
    from aigym.abtest import ABTestConfig, get_ab_test_manager

    a, b = "mistralai/mixtral-8x7b-instruct", "openai/gpt-4-1106-preview"
    df = (
        store.scan_executions(task_type=task, model_id=[a, b], with_feedback=False)
        .select("prompt_id", pl.col("model_id").cast(pl.String), "quality_score", "cost_usd")
        .collect()
    )
    outcome = {(r[0], r[1]): (r[2], r[3]) for r in df.iter_rows()}
    prompts = sorted({p for p, _ in outcome})
    ab = get_ab_test_manager()
    ab.create_test(store, ABTestConfig(AB_TEST, task, a, b, min_sample_size=200))
    n = 0
    for unit in prompts:
        variant, model = ab.assign_variant(store, AB_TEST, unit_id=unit)
        if (unit, model) not in outcome:
            continue
        quality, cost = outcome[(unit, model)]
        ab.record_variant_result(store, AB_TEST, variant, unit_id=unit,
                                 quality_score=quality, cost_usd=cost)  # fmt: skip
        n += 1
    store.flush()
    return n


def rerun_local_truncated(store: ParquetStore) -> bool:
    """The live campaign again with answers cut to 4 tokens: a regression to catch."""
    from aigym.campaign import (
        LOCAL_DEMO_MODELS,
        PROMPTS_DIR,
        CampaignSpec,
        Sampling,
        load_prompts,
        run_campaign,
    )
    from aigym.providers import missing_local_packages
    from aigym.scoring import rescore

    if missing_local_packages():
        return False
    prompts = PROMPTS_DIR
    items = load_prompts(prompts / "arithmetic.jsonl")[:4]
    items += load_prompts(prompts / "factual_qa.jsonl")[:4]
    spec = CampaignSpec(name="demo-local-models-4tok", prompts=items, models=LOCAL_DEMO_MODELS,
                        sampling=Sampling(max_tokens=4, temperature=0.0), concurrency=4,
                        store=str(store.root))  # fmt: skip
    run_campaign(spec, progress=False, verbose=False, store=store)
    store.flush()
    for task, scorer in (("arithmetic", "numeric_match"), ("factual_qa", "token_f1")):
        rescore(store, campaign=spec.name, task_type=task, scorer=scorer)
    return True


def render_tour_reports(root: Path, out: Path, *, live: bool) -> dict[str, Path]:
    """Render the cost-quality, A/B, router-evaluation and (with the live part) regression
    reports to HTML."""
    from aigym.reports import render_report

    t0 = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    with open_store(root) as store:
        units = replay_ab_test(store)
        regression = live and rerun_local_truncated(store)
    print(f"\nReports (A/B test replayed from {units:,} published GSM8K outcomes):")
    jobs: list[tuple[str, dict[str, object]]] = [
        ("cost_quality_report", {"store": str(root), "until": "2026-11-09T00:00:00Z",
                                 "days": 10.0, "budget_usd": 100.0}),
        ("ab_test_report", {"store": str(root), "test_name": AB_TEST}),
        ("router_evaluation", {"table": ROUTER_TABLE, "router": ROUTER}),
    ]  # fmt: skip
    if regression:
        pair = {"campaign": "demo-local-models-4tok", "previous": "demo-local-models"}
        jobs.append(("regression_report", {"store": str(root), "scorer": "latest", **pair}))
    paths: dict[str, Path] = {}
    for name, params in jobs:
        t = time.perf_counter()
        r = render_report(name, params, out)
        paths[name] = r.html
        print(f"  {r.html}  ({len(r.tables)} tables beside it, {time.perf_counter() - t:.0f} s)")
    took = time.perf_counter() - t0
    total = time.perf_counter() - _STARTED
    print(f"Open them in a browser (self-contained, offline). Reports {took:.0f} s; "
          f"the demo took {total:.0f} s wall time.")  # fmt: skip
    return paths


if __name__ == "__main__":
    main()
