"""`aigym report` works from a wheel: build it, install it into a fresh virtual environment
(dependencies borrowed from this one; aigym itself only from the wheel), list the reports and
render one from a temporary folder, away from the source tree."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from .helpers import small_store

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
import aigym
from aigym.reports import list_reports, render_report
names = [r.name for r in list_reports()]
r = render_report("regression_report", {"store": sys.argv[1], "campaign": "bakeoff-v2",
                  "previous": "bakeoff-v1"}, "out")
print(json.dumps({"aigym": aigym.__file__, "names": names, "html": str(r.html.resolve()),
                  "tables": sorted(r.tables)}))
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    print(f"{time.perf_counter() - t0:5.1f} s  {' '.join(cmd)[:100]}")
    return done.stdout


def test_a_report_renders_from_the_installed_wheel(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        tmp_path, env)  # fmt: skip
    (wheel,) = wheels.glob("aigym-*.whl")
    shipped = zipfile.ZipFile(wheel).namelist()
    assert "aigym/campaign/prompts/arithmetic.jsonl" in shipped  # the prompt sets are package data
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        tmp_path, env)  # fmt: skip
    py = venv / "bin" / "python"
    # Borrow the dependencies (not aigym: the editable install's own .pth is not processed).
    purelib = run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                  tmp_path, env).strip()  # fmt: skip
    Path(purelib, "borrowed_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
         str(wheel)], tmp_path, env)  # fmt: skip
    # nbconvert's templates are data files of the borrowed environment.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    store = small_store(tmp_path / "store")
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = json.loads(run([str(py), "-c", SCRIPT, str(store)], work, env).strip().splitlines()[-1])
    assert out["aigym"].startswith(purelib), out["aigym"]  # imported from the wheel
    assert "regression_report" in out["names"] and "cost_quality_report" in out["names"]
    assert out["html"].startswith(str(work)) and Path(out["html"]).stat().st_size > 10_000
    assert out["tables"] == ["changes", "flips"]
