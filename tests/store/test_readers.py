"""Old schema versions stay readable, and DuckDB, pyarrow and polars agree on the same files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from aigym.store import EXECUTIONS, SCORES, ParquetStore
from aigym.store._schema import CATEGORICAL
from tests.store.helpers import columnar, make_execution

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def mixed_store(tmp_path: Path) -> ParquetStore:
    """A store holding golden v1 and v2 files next to current-version files."""
    root = tmp_path / "mixed"
    shutil.copytree(GOLDEN / "executions_v1", root / "executions")
    shutil.copytree(GOLDEN / "executions_v2", root / "executions", dirs_exist_ok=True)
    store = ParquetStore(root)
    store.append("executions", [make_execution(i, day=d) for d in range(3) for i in range(40)])
    return store


def test_golden_v1_file_reads_with_new_columns_null(mixed_store: ParquetStore) -> None:
    df = mixed_store.scan_executions().collect()
    old = df.filter(pl.col("date") == pl.date(2026, 1, 15)).sort("timestamp")
    assert old.height == 4
    assert old["prompt_tokens"].to_list() == [100, 200, 300, 400]
    assert old["quality_score"].to_list() == [80.0, None, 60.0, 70.0]
    for col in ("http_status", "attempts", "cache_hit", "uncached_cost_usd"):
        assert old[col].null_count() == 4, col
    assert df.height == 128


def test_golden_v2_strings_read_as_categorical_next_to_v3(mixed_store: ParquetStore) -> None:
    df = mixed_store.scan_executions().collect()
    assert all(df.schema[c] == pl.Categorical for c in EXECUTIONS.categoricals)
    v2 = df.filter(pl.col("date") == pl.date(2026, 1, 16)).sort("timestamp")
    assert v2["model_id"].cast(pl.String).to_list() == [
        "openai/gpt-4o", "openai/gpt-4o", "x-ai/grok-beta", "x-ai/grok-beta",
    ]  # fmt: skip
    assert v2["provider"].to_list() == ["openai", "openai", "xai", "xai"]
    assert v2["attempts"].to_list() == [1, 1, 2, 3]
    assert v2.filter(pl.col("status") == "error")["error_type"].to_list() == ["ServerError"]
    by_model = df.group_by("model_id").len().sort("model_id")
    assert by_model.filter(pl.col("model_id") == "x-ai/grok-beta")["len"].item() == 4
    assert mixed_store.file_version(mixed_store.files(since=dt.date(2026, 1, 16))[0]) == 2


def test_golden_scores_v1_reads_with_categorical_scorer(tmp_path: Path) -> None:
    root = tmp_path / "s"
    shutil.copytree(GOLDEN / "scores_v1", root / "scores")
    store = ParquetStore(root)
    df = store.scan_scores().collect().sort("timestamp")
    assert df.schema["scorer"] == pl.Categorical
    assert df["scorer"].to_list() == ["heuristic", "heuristic", "exact_match"]
    assert df["value"].to_list() == [70.0, None, 100.0]
    assert df["dimensions"][0] == {"clarity": 60.0}
    store.compact("scores", min_files=1)
    (path,) = store.files("scores")
    assert store.file_version(path) == SCORES.version
    assert pq.read_schema(path).field("scorer").type == CATEGORICAL
    assert store.scan_scores().collect().sort("timestamp").equals(df)


def test_compaction_conforms_old_files_to_current_schema(mixed_store: ParquetStore) -> None:
    # Three new rows on each golden file's date, so those partitions have two files to merge.
    mixed_store.append("executions", [make_execution(1000 + i, day=-45) for i in range(3)])
    mixed_store.append("executions", [make_execution(1000 + i, day=-44) for i in range(3)])
    report = mixed_store.compact()
    assert report.files_before > report.files_after
    assert mixed_store.scan_executions().collect().height == 134

    for f in mixed_store.files():
        assert pq.read_schema(f).names == EXECUTIONS.names
        assert pq.read_schema(f).field("model_id").type == CATEGORICAL


AGG_SQL = """
select model_id, task_type, count(*) as n,
       avg(case when status = 'error' then 1.0 else 0.0 end) as error_rate,
       avg(latency_ms) as mean_latency, avg(cost_usd) as mean_cost, sum(cost_usd) as total_cost,
       avg(quality_score) as mean_quality, stddev_samp(quality_score) as sd_quality,
       sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens
from read_parquet('{glob}', hive_partitioning = true, union_by_name = true)
group by all order by all
"""


def polars_agg(lf: pl.LazyFrame) -> pl.DataFrame:
    return (
        lf.group_by("model_id", "task_type")
        .agg(
            pl.len().alias("n"),
            (pl.col("status") == "error").mean().alias("error_rate"),
            pl.col("latency_ms").mean().alias("mean_latency"),
            pl.col("cost_usd").mean().alias("mean_cost"),
            pl.col("cost_usd").sum().alias("total_cost"),
            pl.col("quality_score").mean().alias("mean_quality"),
            pl.col("quality_score").std().alias("sd_quality"),
            pl.col("prompt_tokens").sum().alias("prompt_tokens"),
            pl.col("completion_tokens").sum().alias("completion_tokens"),
        )
        .sort("model_id", "task_type")
        .collect()
    )


def assert_frames_close(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.columns == b.columns and a.height == b.height
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.is_float() or y.dtype.is_float():
            diff = (x.cast(pl.Float64) - y.cast(pl.Float64)).abs()
            scale = y.cast(pl.Float64).abs().fill_null(0) + 1e-12
            assert ((diff / scale).fill_null(0) < 1e-9).all(), col
            assert x.null_count() == y.null_count(), col
        else:
            assert x.cast(pl.String).to_list() == y.cast(pl.String).to_list(), col


@pytest.mark.parametrize("compacted", [False, True])
def test_duckdb_and_polars_agree(mixed_store: ParquetStore, compacted: bool) -> None:
    mixed_store.append("executions", columnar(3000, seed=5))
    if compacted:
        mixed_store.compact()
    ours = polars_agg(mixed_store.scan("executions"))
    glob = f"{mixed_store.root}/executions/**/*.parquet"
    theirs = pl.from_arrow(duckdb.sql(AGG_SQL.format(glob=glob)).arrow())
    assert isinstance(theirs, pl.DataFrame)
    assert ours.height == 4  # 3 model x task pairs, plus grok-beta in the golden files
    assert_frames_close(ours, theirs.with_columns(pl.col("n").cast(pl.UInt32)))


def test_pyarrow_dataset_reads_the_store(mixed_store: ParquetStore) -> None:
    full = EXECUTIONS.schema
    dset = pads.dataset(f"{mixed_store.root}/executions", schema=full, partitioning="hive")
    assert dset.count_rows() == mixed_store.scan("executions").collect().height


def test_golden_v3_reads_next_to_v4_with_the_unit_in_request_key(tmp_path: Path) -> None:
    root = tmp_path / "s"
    shutil.copytree(GOLDEN / "executions_v3", root / "executions")
    store = ParquetStore(root)
    store.append("executions", [make_execution(i, day=0) for i in range(5)])
    (old_file,) = store.files(until=dt.date(2026, 1, 18))
    assert store.file_version(old_file) == 3
    df = store.scan("executions").collect()
    assert df.schema["ab_unit_id"] == pl.String  # high cardinality: plain, not categorical
    old = df.filter(pl.col("ab_test") == "golden_ab").sort("timestamp")
    assert old.height == 16 and old["ab_unit_id"].null_count() == 16
    assert old["request_key"].to_list()[:3] == ["user-0", "user-1", "user-2"]
    assert old["ab_variant"].cast(pl.String).to_list()[:2] == ["a", "b"]
    # DuckDB over the live files: one schema across v3 and v4 files
    q = f"select count(*), count(ab_unit_id) from read_parquet({store.files()!r}, "
    assert duckdb.sql(q + "union_by_name = true)").fetchall() == [(21, 0)]
    store.close()
