"""The progress bar: done/total, errors, dollars settled and ETA, cheap per call.

`tqdm.auto` gives a widget in Jupyter and a text bar in terminals; the postfix (errors,
spend) is rebuilt at most twice a second so a fast campaign does not pay for formatting.
Disabled, it costs a counter increment.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

__all__ = ["Progress"]


class Progress:
    def __init__(self, total: int, *, initial: int, enabled: bool, desc: str) -> None:
        self.errors = 0
        self._bar: Any = None
        self._next = 0.0
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total, initial=initial, desc=desc, unit="call", dynamic_ncols=True
            )

    def step(self, *, error: bool, spent: Decimal) -> None:
        if error:
            self.errors += 1
        bar = self._bar
        if bar is None:
            return
        bar.update(1)
        now = time.monotonic()
        if now >= self._next:
            self._next = now + 0.5
            bar.set_postfix_str(f"errors={self.errors} spent=${spent:.4f}", refresh=False)

    def close(self, spent: Decimal) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"errors={self.errors} spent=${spent:.4f}", refresh=False)
            self._bar.close()
            self._bar = None
