"""Progress bars for long loops: `tqdm.auto` (a widget in Jupyter, text in a terminal).

`progress=None` means "when someone is watching": on in a Jupyter kernel or when stderr is
a terminal, off in scripts whose output is captured and in tests.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["progress_bar", "watching"]


def watching() -> bool:
    """True in a Jupyter kernel or when stderr is a terminal."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        return True  # a live kernel, not a process that merely imported ipykernel
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class _Quiet:
    """What `progress_bar` returns when disabled: every call costs nothing."""

    def update(self, n: int = 1) -> None:
        return None

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        return None

    def close(self) -> None:
        return None


def progress_bar(total: int, *, desc: str, unit: str, enabled: bool | None) -> Any:
    """A `tqdm.auto` bar over `total` steps, or a no-op one when `enabled` is False
    (None: `watching()`)."""
    if not (watching() if enabled is None else enabled):
        return _Quiet()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True)
