"""Per model x task sufficient statistics from the store, refreshed by reading only new files.

Each live executions file contributes recency-weighted sums (weight ``2 ** ((t - anchor) /
half_life)``, so a weight computed once never changes: "now" enters only as one scale factor
when estimates are read). The statistics keep each file's contribution, so a refresh:

- reads only files it has not seen (the store's live file list);
- resolves a compacted file by its source list: when it has already read every source, the
  compacted file's contribution is the sum of theirs and nothing is read; otherwise it reads
  the compacted file and drops the sources' contributions;
- drops the contribution of a file that left the live list.

Feedback is keyed by execution: the latest verdict per execution counts (as in
`ParquetStore.latest_feedback`), replacing an older one's contribution, so re-reading a
compacted feedback file changes nothing. Transient failures (rate limits, 5xx, timeouts) are
kept per model as the latest few timestamps, for the cool-down.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import polars as pl

from aigym.router._config import TRANSIENT_ERRORS, RouterConfig
from aigym.store import TABLES

if TYPE_CHECKING:
    from aigym.store import ParquetStore

__all__ = ["HistoryStats", "RefreshReport"]

# Columns of one (model, task) row of execution statistics. W = sum of weights, WX = weighted
# sum, WXX = weighted sum of squares, N = plain count.
Q_W, Q_WX, Q_WXX, Q_N = 0, 1, 2, 3  # quality_score of successful, scored calls
C_W, C_WX, C_WXX, C_N = 4, 5, 6, 7  # cost_usd of successful calls
L_W, L_WX, L_WXX, L_N = 8, 9, 10, 11  # latency_ms of successful calls with a latency
T_PROMPT, T_COMPLETION = 12, 13  # weighted token sums of successful calls (weights C_W)
N_ALL, N_ERR = 14, 15
NF: Final = 16
WEIGHTED: Final = (Q_W, Q_WX, Q_WXX, C_W, C_WX, C_WXX, L_W, L_WX, L_WXX, T_PROMPT, T_COMPLETION)

# Feedback statistics per (model, task): verdicts as 0-100 observations, and approvals.
F_W, F_WY, F_WYY, F_N, A_N, A_YES = 0, 1, 2, 3, 4, 5
NFB: Final = 6
FB_WEIGHTED: Final = (F_W, F_WY, F_WYY)

_COLUMNS: Final = (
    "timestamp",
    "model_id",
    "task_type",
    "status",
    "error_type",
    "http_status",
    "quality_score",
    "cost_usd",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
)
_FB_COLUMNS: Final = ("feedback_id", "execution_id", "timestamp", "approved", "user_rating")
_MAX_EXPONENT: Final = 900.0  # weights stay far from float overflow (2 ** 1024)


def _now_us() -> int:
    return time.time_ns() // 1000


# (time us, feedback id, execution id, verdict 0-100 or None, approved or None, weight)
_FbRow = tuple[int, str, str, float | None, bool | None, float]


@dataclass(slots=True)
class _FileStats:
    """One executions file's contribution: rows of sums for its keys, and failure times."""

    keys: np.ndarray[Any, np.dtype[np.int64]]
    mat: np.ndarray[Any, np.dtype[np.float64]]
    fails: dict[str, tuple[int, ...]]  # model -> newest transient failure times (us), desc
    last_ok: dict[str, int]  # model -> newest success time (us)
    t_max: int


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What one refresh did: files read, compactions resolved without reading, files dropped."""

    files_read: int = 0
    compactions_resolved: int = 0
    files_dropped: int = 0
    feedback_files_read: int = 0
    feedback_rows: int = 0
    full: bool = False
    seconds: float = 0.0


def _merge_fails(parts: Iterable[dict[str, tuple[int, ...]]], k: int) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for p in parts:
        for m, ts in p.items():
            out.setdefault(m, []).extend(ts)
    return {m: tuple(sorted(v, reverse=True)[:k]) for m, v in out.items()}


def _merge_ok(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in parts:
        for m, t in p.items():
            if t > out.get(m, -(2**62)):
                out[m] = t
    return out


class HistoryStats:
    """Cached per model x task statistics of one store; `refresh()` reads only new files.

    Thread-safe: a refresh builds its changes and applies them under a lock.
    """

    def __init__(self, store: ParquetStore, config: RouterConfig | None = None) -> None:
        self.store = store
        self.config = config or RouterConfig()
        self._lock = threading.RLock()
        self._reset(_now_us())

    def _reset(self, anchor_us: int) -> None:
        self._anchor_us = anchor_us
        self._keys: dict[tuple[str, str], int] = {}
        self._key_list: list[tuple[str, str]] = []
        self._totals = np.zeros((0, NF))
        self._fb_totals = np.zeros((0, NFB))
        self._files: dict[str, _FileStats] = {}
        self._fb_files: set[str] = set()
        self._fb_latest: dict[str, tuple[int, str, int, tuple[float, ...]]] = {}
        self._fb_pending: dict[str, _FbRow] = {}
        self._fails: dict[str, tuple[int, ...]] = {}
        self._last_ok: dict[str, int] = {}
        self._by_task: dict[str, list[tuple[str, int]]] = {}
        self.version = 0
        self.refreshed_at: float | None = None  # time.monotonic() of the last refresh

    # ------------------------------------------------------------------ weights

    def _weight_expr(self) -> pl.Expr:
        h = self.config.half_life_us
        if h is None:
            return pl.lit(1.0)
        ts = pl.col("timestamp").dt.epoch("us").cast(pl.Float64)
        return pl.lit(2.0).pow((ts - float(self._anchor_us)) / h)

    def scale(self, now: dt.datetime | None = None) -> float:
        """The factor that turns stored weights into weights as of `now` (1 for "now" itself)."""
        h = self.config.half_life_us
        if h is None:
            return 1.0
        now_us = _now_us() if now is None else int(now.timestamp() * 1e6)
        return float(2.0 ** ((self._anchor_us - now_us) / h))

    # ------------------------------------------------------------------ keys

    def _key(self, model: str, task: str) -> int:
        k = self._keys.get((model, task))
        if k is None:
            k = len(self._key_list)
            self._keys[(model, task)] = k
            self._key_list.append((model, task))
            self._by_task.setdefault(task, []).append((model, k))
        return k

    def _grow(self) -> None:
        n = len(self._key_list)
        if self._totals.shape[0] < n:
            self._totals = np.vstack([self._totals, np.zeros((n - self._totals.shape[0], NF))])
        if self._fb_totals.shape[0] < n:
            extra = np.zeros((n - self._fb_totals.shape[0], NFB))
            self._fb_totals = np.vstack([self._fb_totals, extra])

    # ------------------------------------------------------------------ reading

    def _read(self, table: str, paths: list[str], columns: tuple[str, ...]) -> pl.DataFrame:
        """The `columns` of these files (nulls where an old version lacks one), with `_file`.

        Files of one schema version are read in one polars query (in parallel)."""
        by_version: dict[int, list[str]] = {}
        for p in paths:
            by_version.setdefault(self.store.file_version(p), []).append(p)
        fs = self.store.backend.filesystem
        frames: list[pl.DataFrame] = []
        for version, group in sorted(by_version.items()):
            names = TABLES[table].history[version].names
            cols = [c for c in columns if c in names]
            missing = [pl.lit(None).alias(c) for c in columns if c not in cols]
            if fs is None:
                lf = pl.scan_parquet(group, hive_partitioning=False, include_file_paths="_file")
                df = lf.select(*cols, "_file").collect()
            else:
                import pyarrow.parquet as pq

                parts = []
                for p in group:
                    f = pl.from_arrow(pq.read_table(p, columns=cols, filesystem=fs))
                    assert isinstance(f, pl.DataFrame)
                    parts.append(f.with_columns(pl.lit(p).alias("_file")))
                df = pl.concat(parts, how="vertical_relaxed")
            df = df.with_columns(missing) if missing else df
            frames.append(df.select(*columns, "_file"))
        if len(frames) == 1:
            return frames[0]
        return pl.concat(
            [f.with_columns(pl.col(pl.Categorical).cast(pl.String)) for f in frames],
            how="vertical_relaxed",
        )

    def _files_stats(self, paths: list[str]) -> dict[str, _FileStats]:
        """Each file's contribution, from one read of all of them."""
        if not paths:
            return {}
        df = self._read("executions", paths, _COLUMNS)
        k = self.config.allowed_fails
        ok = pl.col("status").cast(pl.String) == "success"
        err = pl.col("error_type").cast(pl.String)
        transient = (pl.col("status").cast(pl.String) == "error") & (
            err.is_in(list(TRANSIENT_ERRORS)).fill_null(False)
            | (pl.col("http_status").cast(pl.Int64) == 429).fill_null(False)
            | (pl.col("http_status").cast(pl.Int64) >= 500).fill_null(False)
        )
        q = pl.col("quality_score").cast(pl.Float64)
        c = pl.col("cost_usd").cast(pl.Float64)
        lat = pl.col("latency_ms").cast(pl.Float64)
        df = df.with_columns(
            pl.col("_file").cast(pl.Categorical),  # grouping on codes, not long strings
            pl.col("model_id").cast(pl.Categorical),
            pl.col("task_type").cast(pl.Categorical),
            self._weight_expr().alias("_w"),
            pl.col("timestamp").dt.epoch("us").alias("_t"),
            ok.fill_null(False).alias("_ok"),
            transient.fill_null(False).alias("_tr"),
        )
        w = pl.col("_w")
        okc = pl.col("_ok")
        wq = pl.when(okc & q.is_not_null()).then(w).otherwise(0.0)
        wc = pl.when(okc & c.is_not_null()).then(w).otherwise(0.0)
        wl = pl.when(okc & lat.is_not_null()).then(w).otherwise(0.0)
        qv, cv, lv = q.fill_null(0.0), c.fill_null(0.0), lat.fill_null(0.0)
        agg = (
            df.group_by("_file", "model_id", "task_type")
            .agg(
                wq.sum().alias("q_w"),
                (wq * qv).sum().alias("q_wx"),
                (wq * qv * qv).sum().alias("q_wxx"),
                (okc & q.is_not_null()).sum().cast(pl.Float64).alias("q_n"),
                wc.sum().alias("c_w"),
                (wc * cv).sum().alias("c_wx"),
                (wc * cv * cv).sum().alias("c_wxx"),
                (okc & c.is_not_null()).sum().cast(pl.Float64).alias("c_n"),
                wl.sum().alias("l_w"),
                (wl * lv).sum().alias("l_wx"),
                (wl * lv * lv).sum().alias("l_wxx"),
                (okc & lat.is_not_null()).sum().cast(pl.Float64).alias("l_n"),
                (wc * pl.col("prompt_tokens").cast(pl.Float64).fill_null(0.0)).sum().alias("tp"),
                (wc * pl.col("completion_tokens").cast(pl.Float64).fill_null(0.0))
                .sum()
                .alias("tc"),
                pl.len().cast(pl.Float64).alias("n"),
                (~okc).sum().cast(pl.Float64).alias("n_err"),
                pl.col("_t").max().alias("_tmax"),
            )
            .with_columns(pl.col("_file", "model_id", "task_type").cast(pl.String))
            .sort("_file", "model_id", "task_type")
        )
        as_str = pl.col("_file", "model_id").cast(pl.String)
        fails_df = (
            df.filter(pl.col("_tr"))
            .group_by("_file", "model_id")
            .agg(pl.col("_t").top_k(k).alias("t"))
            .with_columns(as_str)
        )
        ok_df = (
            df.filter(okc)
            .group_by("_file", "model_id")
            .agg(pl.col("_t").max().alias("t"))
            .with_columns(as_str)
        )
        with self._lock:
            keys_all = np.array(
                [self._key(m, t) for m, t in zip(agg["model_id"], agg["task_type"], strict=True)],
                dtype=np.int64,
            )
        mat_all = agg.select(pl.exclude("_file", "model_id", "task_type", "_tmax")).to_numpy()
        mat_all = np.ascontiguousarray(mat_all, dtype=np.float64)
        files = agg["_file"].to_list()
        tmax = agg["_tmax"].to_list()
        out: dict[str, _FileStats] = {}
        i = 0
        while i < len(files):
            j = i
            while j < len(files) and files[j] == files[i]:
                j += 1
            out[files[i]] = _FileStats(
                keys_all[i:j], mat_all[i:j].copy(), {}, {}, int(max(tmax[i:j]))
            )
            i = j
        for f, m, ts in zip(fails_df["_file"], fails_df["model_id"], fails_df["t"], strict=True):
            out[f].fails[m] = tuple(sorted((int(x) for x in ts), reverse=True))
        for f, m, t in zip(ok_df["_file"], ok_df["model_id"], ok_df["t"], strict=True):
            out[f].last_ok[m] = int(t)
        for p in paths:  # an empty file contributes nothing
            out.setdefault(p, _FileStats(np.zeros(0, np.int64), np.zeros((0, NF)), {}, {}, 0))
        return out

    @staticmethod
    def _merged(parts: list[_FileStats], k: int) -> _FileStats:
        keys = np.concatenate([p.keys for p in parts])
        mat = np.vstack([p.mat for p in parts])
        uniq, inv = np.unique(keys, return_inverse=True)
        out = np.zeros((len(uniq), NF))
        np.add.at(out, inv, mat)
        return _FileStats(
            uniq.astype(np.int64),
            out,
            _merge_fails((p.fails for p in parts), k),
            _merge_ok(p.last_ok for p in parts),
            max(p.t_max for p in parts),
        )

    # ------------------------------------------------------------------ refresh

    def _live(self, table: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.store.partitions(table):
            for e in self.store.partition_files(table, p)[0]:
                out[e.path] = e
        return out

    def refresh(self, *, full: bool = False) -> RefreshReport:
        """Bring the statistics up to date with the store's live files.

        `full=True` forgets everything and reads every file (the reference an incremental
        refresh must agree with).
        """
        t0 = time.perf_counter()
        with self._lock:
            if full:
                self._reset(_now_us())
            read, resolved, dropped = self._refresh_executions()
            fb_files, fb_rows = self._refresh_feedback()
            h = self.config.half_life_us
            t_max = max((f.t_max for f in self._files.values()), default=self._anchor_us)
            if h is not None and (t_max - self._anchor_us) / h > _MAX_EXPONENT:
                return self.refresh(full=True)  # re-anchor before weights overflow
            if read or resolved or dropped or fb_rows:
                self.version += 1
            self.refreshed_at = time.monotonic()
        return RefreshReport(
            read, resolved, dropped, fb_files, fb_rows, full, time.perf_counter() - t0
        )

    def _refresh_executions(self) -> tuple[int, int, int]:
        live = self._live("executions")
        new = [e for p, e in live.items() if p not in self._files]
        gone = [p for p in self._files if p not in live]
        k = self.config.allowed_fails
        added: dict[str, _FileStats] = {}
        to_read: list[str] = []
        resolved = 0
        for e in new:
            if e.name.startswith("c-"):
                prefix = e.path[: len(e.path) - len(e.name)]
                srcs = [prefix + s for s in self.store.sources_of(e)]
                if srcs and all(s in self._files for s in srcs):
                    added[e.path] = self._merged([self._files[s] for s in srcs], k)
                    resolved += 1
                    continue
            to_read.append(e.path)
        added.update(self._files_stats(to_read))
        read = len(to_read)
        self._grow()
        for p in gone:
            fs = self._files.pop(p)
            self._totals[fs.keys] -= fs.mat
        for p, fs in added.items():
            self._files[p] = fs
            self._totals[fs.keys] += fs.mat
        if added or gone:
            files = list(self._files.values())
            self._fails = _merge_fails((f.fails for f in files), k)
            self._last_ok = _merge_ok(f.last_ok for f in files)
        return read, resolved, len(gone)

    def _refresh_feedback(self) -> tuple[int, int]:
        live = self._live("feedback")
        paths: list[str] = []
        for p, e in live.items():
            if p in self._fb_files:
                continue
            if e.name.startswith("c-"):
                prefix = e.path[: len(e.path) - len(e.name)]
                srcs = [prefix + s for s in self.store.sources_of(e)]
                if srcs and all(s in self._fb_files for s in srcs):
                    continue  # every row of it has been read
            paths.append(p)
        self._fb_files = set(live)
        rows: list[_FbRow] = list(self._fb_pending.values())
        if paths:
            df = (
                self._read("feedback", paths, _FB_COLUMNS)
                .with_columns(
                    pl.col("timestamp").dt.epoch("us").alias("_t"),
                    _verdict().alias("_y"),
                    self._weight_expr().alias("_w"),
                )
                .sort("_t", "feedback_id")
                .unique(subset="execution_id", keep="last", maintain_order=True)
            )
            rows.extend(
                zip(
                    df["_t"].to_list(),
                    df["feedback_id"].to_list(),
                    df["execution_id"].to_list(),
                    df["_y"].to_list(),
                    df["approved"].to_list(),
                    df["_w"].to_list(),
                    strict=True,
                )
            )
        if not rows:
            return len(paths), 0
        if self._fb_pending:
            rows.sort(key=lambda r: (r[0], r[1]))
        latest = self._fb_latest
        unknown = {r[2] for r in rows if r[2] not in latest}
        where = self._execution_keys(unknown)
        self._fb_pending = {}
        add_k: list[int] = []
        add_v: list[tuple[float, ...]] = []
        sub_k: list[int] = []
        sub_v: list[tuple[float, ...]] = []
        for row in rows:
            t, fid, eid, y, approved, w = row
            old = latest.get(eid)
            if old is not None and (old[0], old[1]) >= (t, fid):
                continue
            key = old[2] if old is not None else where.get(eid)
            if key is None:
                self._fb_pending[eid] = row  # its execution is not published yet
                continue
            if y is None:
                vec: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
            else:
                vec = (w, w * y, w * y * y, 1.0)
            vec += (0.0, 0.0) if approved is None else (1.0, float(approved))
            if old is not None:
                sub_k.append(key)
                sub_v.append(old[3])
            add_k.append(key)
            add_v.append(vec)
            latest[eid] = (t, fid, key, vec)
        if sub_k:
            np.subtract.at(self._fb_totals, np.array(sub_k), np.array(sub_v))
        if add_k:
            np.add.at(self._fb_totals, np.array(add_k), np.array(add_v))
        return len(paths), len(rows)

    def _execution_keys(self, ids: set[str]) -> dict[str, int]:
        """(model, task) key ids of executions, reading only the date partitions of the ids."""
        if not ids:
            return {}
        days = (
            pl.Series(list(ids), dtype=pl.String)
            .str.replace_all("-", "")
            .str.slice(0, 12)
            .str.to_integer(base=16)
        )
        lo_ms, hi_ms = int(days.min()), int(days.max())  # type: ignore[arg-type]
        lo = dt.datetime.fromtimestamp(lo_ms / 1000, dt.UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        hi = dt.datetime.fromtimestamp(hi_ms / 1000, dt.UTC)
        df = (
            self.store.scan("executions", since=lo, until=hi + dt.timedelta(days=1))
            .select("execution_id", "model_id", "task_type")
            .join(pl.LazyFrame({"execution_id": list(ids)}), on="execution_id", how="semi")
            .collect()
        )
        out = {
            eid: self._key(m, t)
            for eid, m, t in zip(
                df["execution_id"].to_list(),
                df["model_id"].cast(pl.String).to_list(),
                df["task_type"].cast(pl.String).to_list(),
                strict=True,
            )
        }
        self._grow()
        return out

    # ------------------------------------------------------------------ lookups

    def models_for(self, task: str) -> list[tuple[str, int]]:
        """(model, key id) pairs with any history for `task`."""
        return list(self._by_task.get(task, ()))

    def row(self, key: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(execution sums, feedback sums) of one key, as stored (weights not yet scaled)."""
        return self._totals[key], self._fb_totals[key]

    def key_of(self, model: str, task: str) -> int | None:
        return self._keys.get((model, task))

    def task_tokens(self, task: str) -> tuple[float, float] | None:
        """The task's recency-weighted mean prompt and completion tokens over all models."""
        idx = [k for _, k in self._by_task.get(task, ())]
        if not idx:
            return None
        sub = self._totals[idx]
        w = float(sub[:, C_W].sum())
        if w <= 0:
            return None
        return float(sub[:, T_PROMPT].sum()) / w, float(sub[:, T_COMPLETION].sum()) / w

    def failures(self, model: str) -> tuple[tuple[int, ...], int | None]:
        """(newest transient failure times in us, newest first; newest success time or None)."""
        return self._fails.get(model, ()), self._last_ok.get(model)

    def snapshot(self, at: dt.datetime) -> dict[tuple[str, str], tuple[float, ...]]:
        """Every key's sums with weights as of `at`: comparable across two caches."""
        s = self.scale(at)
        out: dict[tuple[str, str], tuple[float, ...]] = {}
        for key, k in self._keys.items():
            row = self._totals[k].copy()
            fb = self._fb_totals[k].copy()
            row[list(WEIGHTED)] *= s
            fb[list(FB_WEIGHTED)] *= s
            out[key] = (*row.tolist(), *fb.tolist())
        return out

    @property
    def files_seen(self) -> int:
        return len(self._files)


def _verdict() -> pl.Expr:
    """One feedback row as a 0-100 observation: approval 100/0, rating 1-5 as 0-100, their
    mean when both are given, null when neither is."""
    a = pl.col("approved").cast(pl.Float64) * 100.0
    r = (pl.col("user_rating").cast(pl.Float64) - 1.0) * 25.0
    return (
        pl.when(a.is_not_null() & r.is_not_null()).then((a + r) / 2.0).otherwise(pl.coalesce(a, r))
    )
