"""Old schema versions stay readable, and DuckDB, pyarrow and polars agree on the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as pads
import pytest

from aigym.store import EXECUTIONS, ParquetStore
from tests.store.helpers import columnar, make_execution

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def mixed_store(tmp_path: Path) -> ParquetStore:
    """A store holding a golden v1 file next to current-version files."""
    root = tmp_path / "mixed"
    shutil.copytree(GOLDEN / "executions_v1", root / "executions")
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
    assert df.height == 124


def test_compaction_conforms_old_files_to_current_schema(mixed_store: ParquetStore) -> None:
    # Three new rows on the golden file's date, so that partition has two files to merge.
    mixed_store.append("executions", [make_execution(1000 + i, day=-45) for i in range(3)])
    report = mixed_store.compact()
    assert report.files_before > report.files_after
    assert mixed_store.scan_executions().collect().height == 127
    import pyarrow.parquet as pq

    for f in mixed_store.files():
        assert pq.read_schema(f).names == EXECUTIONS.names


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
    assert ours.height == 4  # 3 model x task pairs, plus grok-beta in the golden file
    assert_frames_close(ours, theirs.with_columns(pl.col("n").cast(pl.UInt32)))


def test_pyarrow_dataset_reads_the_store(mixed_store: ParquetStore) -> None:
    full = EXECUTIONS.schema
    dset = pads.dataset(f"{mixed_store.root}/executions", schema=full, partitioning="hive")
    assert dset.count_rows() == mixed_store.scan("executions").collect().height
