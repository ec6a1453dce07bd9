"""A test's state, folded from its `ab_tests` events, and the unit hashing behind assignment.

The earliest "created" event of a name wins (two processes racing to create the same name
both append; the later one sees it lost and raises), and the earliest "stopped" event of that
test (matched by test id) stops it. Because state is only ever read back from the store, a
new store object or a new manager in another process sees the same tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

import polars as pl

from aigym.abtest._config import ABTestConfig
from aigym.abtest._tables import AB_TESTS, EventKind, EventRow
from aigym.records import new_id
from aigym.store import ParquetStore

_TWO_63 = float(1 << 63)


@dataclass(frozen=True, slots=True)
class ABTestInfo:
    """A test as stored: its id, config, and when it was created and (maybe) stopped."""

    test_id: str
    config: ABTestConfig
    created_at: dt.datetime
    stopped_at: dt.datetime | None = None
    stop_reason: str | None = None

    @property
    def test_name(self) -> str:
        """The test's unique name."""
        return self.config.test_name

    @property
    def status(self) -> Literal["active", "stopped"]:
        """ "active" until `stop_test` is called."""
        return "active" if self.stopped_at is None else "stopped"

    @property
    def ends_at(self) -> dt.datetime:
        """When the test reaches `max_duration_days`."""
        return self.created_at + dt.timedelta(days=self.config.max_duration_days)

    def days_running(self, now: dt.datetime) -> float:
        """Days from creation to the stop (if stopped) or to `now`."""
        end = self.stopped_at if self.stopped_at is not None else now
        return max(0.0, (end - self.created_at).total_seconds() / 86_400.0)


def event_row(
    info: ABTestInfo, kind: EventKind, at: dt.datetime, reason: str | None = None
) -> EventRow:
    """An `ab_tests` row for `info`, carrying the whole config."""
    c = info.config
    return EventRow(
        event_id=new_id(at),
        timestamp=at,
        test_id=info.test_id,
        test_name=c.test_name,
        event=kind,
        task_type=c.task_type,
        variant_a_model=c.variant_a_model,
        variant_b_model=c.variant_b_model,
        traffic_split=c.traffic_split,
        min_sample_size=c.min_sample_size,
        max_duration_days=c.max_duration_days,
        target_metric=c.target_metric,
        reason=reason,
    )


def load_tests(store: ParquetStore) -> dict[str, ABTestInfo]:
    """Every test in the store by name: the earliest creation of each name, then its stop."""
    events = store.read(
        lambda: store.scan(AB_TESTS.name).drop("date").sort("timestamp", "event_id")
    )
    tests: dict[str, ABTestInfo] = {}
    for r in events.filter(pl.col("event") == "created").iter_rows(named=True):
        if r["test_name"] in tests:
            continue  # lost a creation race: the earlier test keeps the name
        config = ABTestConfig(
            test_name=r["test_name"],
            task_type=r["task_type"],
            variant_a_model=r["variant_a_model"],
            variant_b_model=r["variant_b_model"],
            traffic_split=r["traffic_split"],
            min_sample_size=r["min_sample_size"],
            max_duration_days=r["max_duration_days"],
            target_metric=r["target_metric"],
        )
        tests[r["test_name"]] = ABTestInfo(r["test_id"], config, r["timestamp"])
    for r in events.filter(pl.col("event") == "stopped").iter_rows(named=True):
        current = tests.get(r["test_name"])
        if current is not None and current.test_id == r["test_id"] and current.stopped_at is None:
            tests[r["test_name"]] = ABTestInfo(
                current.test_id, current.config, current.created_at, r["timestamp"], r["reason"]
            )
    return tests


def unit_hash(test_name: str, unit_id: str) -> int:
    """A 63-bit hash of (test, unit): the same unit always lands in the same variant."""
    digest = hashlib.blake2b(f"{test_name}\x1f{unit_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def variant_for(hashed: int, traffic_split: float) -> Literal["a", "b"]:
    """ "b" when the hash, read as a uniform number in [0, 1), falls below the split."""
    return "b" if hashed / _TWO_63 < traffic_split else "a"


def assigned_units(
    store: ParquetStore, test_name: str, since: dt.date | None, until: dt.datetime | None = None
) -> pl.LazyFrame:
    """Distinct assigned units per variant, in one lazy aggregation over the assignment log.

    Fresh units (made by `assign_variant`) are logged once, so they are counted as rows;
    caller-given ids are counted as distinct hashes. `explicit` counts rows with caller ids:
    when there are none, every call was randomised on its own and is its own unit.
    """
    fresh = pl.col("fresh").fill_null(False)
    return (
        store.scan("ab_assignments", since=since, until=until)
        .filter(pl.col("test_name") == test_name)
        .group_by("variant")
        .agg(
            (fresh.sum() + pl.col("unit_hash").filter(~fresh).n_unique()).alias("units"),
            (~fresh).sum().alias("explicit"),
        )
    )
