"""The README's Python examples run, top to bottom, as a reader would paste them.

Blocks whose first line is `# needs: ...` (an API key, the internet) are skipped, naming what
is missing. The rest run in one namespace, in a fresh folder with the repo's `data/` linked in.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 6


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").symlink_to(REPO / "data")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    ran = 0
    for i, block in enumerate(BLOCKS):
        if block.startswith("# needs:"):
            continue
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the message is the point
            pytest.fail(f"README python block {i + 1} failed: {type(e).__name__}: {e}\n{block}")
        ran += 1
    assert ran >= 6
    assert os.path.isdir(tmp_path / "runs" / "executions")
