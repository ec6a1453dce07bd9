"""The committed notebooks: no outputs, one typed and commented parameters cell whose every
parameter is passed on to aigym, thin cells, and `notebooks/` identical to the shipped copy."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import papermill
import pytest

from aigym.reports import list_reports
from aigym.reports._notebooks import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(NOTEBOOKS.glob("*.ipynb"))
NAMES = [p.stem for p in SHIPPED]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code(nb: dict) -> list[tuple[list[str], str]]:
    return [(c["metadata"].get("tags", []), "".join(c["source"])) for c in nb["cells"]
            if c["cell_type"] == "code"]  # fmt: skip


def test_the_report_notebooks_are_the_expected_ones() -> None:
    assert NAMES == [
        "ab_test_report",
        "bakeoff",
        "cost_quality_report",
        "regression_report",
        "router_evaluation",
    ]
    assert [r.name for r in list_reports()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_top_level_notebooks_are_identical_to_the_shipped_ones(name: str) -> None:
    assert (ROOT / "notebooks" / f"{name}.ipynb").read_bytes() == (
        NOTEBOOKS / f"{name}.ipynb"
    ).read_bytes(), (
        f"notebooks/{name}.ipynb differs from aigym/reports/notebooks/: edit the shipped one and "
        "copy it (cp aigym/reports/notebooks/*.ipynb notebooks/)"
    )


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_carry_no_outputs_or_execution_counts(name: str) -> None:
    for path in (NOTEBOOKS / f"{name}.ipynb", ROOT / "notebooks" / f"{name}.ipynb"):
        nb = load(path)
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path
        assert "papermill" not in nb["metadata"] and "widgets" not in nb["metadata"]


@pytest.mark.parametrize("name", NAMES)
def test_one_parameters_cell_with_a_type_default_and_comment_for_each(name: str) -> None:
    nb = load(NOTEBOOKS / f"{name}.ipynb")
    tagged = [src for tags, src in code(nb) if "parameters" in tags]
    assert len(tagged) == 1
    lines = [ln for ln in tagged[0].splitlines() if ln.strip() and not ln.startswith("#")]
    params = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert len(params) == len(lines), "papermill could not parse every line (one '=' per line)"
    tree = ast.parse(tagged[0])
    assert all(isinstance(node, ast.AnnAssign) for node in tree.body)
    for p in params.values():
        assert p["inferred_type_name"] in {"str", "int", "float", "bool"}, p
        assert p["help"], f"{p['name']} needs a comment saying what it is"
        ast.literal_eval(p["default"])


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_passed_to_aigym_and_cells_stay_thin(name: str) -> None:
    nb = load(NOTEBOOKS / f"{name}.ipynb")
    params = set(papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb")))
    body = ast.parse("\n".join(src for tags, src in code(nb) if "parameters" not in tags))
    passed: set[str] = set()
    for node in ast.walk(body):
        assert not isinstance(
            node,
            ast.FunctionDef | ast.ClassDef | ast.For | ast.While | ast.Lambda | ast.comprehension,
        ), f"{name}: computation belongs in aigym, not in the notebook ({type(node).__name__})"
        if isinstance(node, ast.Import | ast.ImportFrom):
            mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert mod and mod.split(".")[0] == "aigym", f"{name} imports {mod}"
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                passed |= {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
    assert params <= passed, f"{name}: parameters never passed to aigym: {params - passed}"
