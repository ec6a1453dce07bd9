"""A process for the crash tests to kill: writes (or compacts) until SIGKILL.

    python tests/store/crash_worker.py write ROOT ACKFILE SEED [BATCHES]
    python tests/store/crash_worker.py compact ROOT [STEP PARTITION]

`write` appends ids to ACKFILE only after the rows are acknowledged (flush returned), one
line per id, so the parent knows which rows must survive. It mixes buffered writers, direct
columnar appends and batches spanning two date partitions. With BATCHES it stops by itself.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys

from aigym.records import Execution, TaskMetrics
from aigym.store import ParquetStore, _compact
from tests.store.helpers import columnar


def write(root: str, ackfile: str, seed: int, batches: int | None) -> None:
    rng = random.Random(seed)
    store = ParquetStore(root, durability=rng.choice(["fsync", "flush", "none"]))
    base = dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=dt.UTC) + dt.timedelta(days=seed % 5)
    with open(ackfile, "a", buffering=1) as ack:
        print("ready", flush=True)
        k = 0
        while batches is None or k < batches:
            k += 1
            if rng.random() < 0.3:
                t = columnar(rng.randint(1, 300), seed=rng.randrange(1 << 30), start=base)
                store.append("executions", t)
                ids = t.column("execution_id").to_pylist()
            else:
                ids = []
                with store.writer(max_rows=rng.randint(1, 50), max_seconds=60) as w:
                    for _ in range(rng.randint(1, 120)):
                        ts = base + dt.timedelta(milliseconds=rng.randint(0, 2000))
                        m = TaskMetrics("openai/gpt-4o", "generic", 10, 5, 100.0, 0.001)
                        ids.append(w.add(Execution.from_metrics(m, timestamp=ts)))
            ack.write("".join(f"{i}\n" for i in ids))
    store.close()


def compact(root: str, step: str | None = None, partition: str | None = None) -> None:
    """Compact; with STEP and PARTITION, die like a SIGKILL right after that step."""
    if step is not None:

        def die(at: str, part: str) -> None:
            if (at, part) == (step, partition):
                os._exit(137)

        _compact.step_hook = die
    store = ParquetStore(root)
    print("ready", flush=True)
    store.compact()
    print("done", flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        n = int(sys.argv[5]) if len(sys.argv) > 5 else None
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]), n)
    elif cmd == "compact":
        compact(sys.argv[2], *sys.argv[3:5])
