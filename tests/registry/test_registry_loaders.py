"""Price files: LiteLLM and OpenRouter refreshes, bad files rejected whole, the bundled file."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from aigym.errors import SchemaError, ValidationError
from aigym.registry import ModelCapability, ModelRegistry
from aigym.registry._build_data import build_document, render
from aigym.registry._loaders import load_bundled_specs, parse_models_document

from .conftest import FIXTURES

C = ModelCapability
DAY = dt.date(2026, 11, 26)


def litellm_doc() -> dict[str, Any]:
    """A small document in LiteLLM's model_prices_and_context_window.json format."""
    return {
        "sample_spec": {"input_cost_per_token": 0.0, "mode": "one of: chat, embedding, ..."},
        # known model, new price ($2 / $8 per million)
        "gpt-4o": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 2e-06,
            "output_cost_per_token": 8e-06,
            "max_input_tokens": 128000,
            "max_output_tokens": 16384,
        },
        # known by alias (claude-3-haiku-20240307), same price as bundled
        "claude-3-haiku-20240307": {
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 2.5e-07,
            "output_cost_per_token": 1.25e-06,
            "max_input_tokens": 200000,
        },
        # unknown chat model: added as acme/acme-large
        "acme-large": {
            "litellm_provider": "acme",
            "mode": "chat",
            "input_cost_per_token": 1.1e-06,
            "output_cost_per_token": 4.4e-06,
            "max_input_tokens": 256000,
            "max_output_tokens": 32000,
            "supports_vision": True,
            "supports_function_calling": True,
            "deprecation_date": "2027-05-01",
        },
        # unknown, provider-prefixed key: id is the key
        "acme/acme-small": {
            "litellm_provider": "acme",
            "input_cost_per_token": 1e-07,
            "output_cost_per_token": 2e-07,
            "max_tokens": 8192,
        },
        # not a text model, or no prices, or no limits: left alone
        "acme/painter": {"mode": "image_generation", "output_cost_per_image": 0.04},
        "acme/unpriced": {"mode": "chat", "max_input_tokens": 1000},
        "acme/no-limits": {
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 1e-06,
            "max_input_tokens": 0,
        },
    }


def snapshot(r: ModelRegistry) -> list[object]:
    return list(r)


# --------------------------------------------------------------------------- LiteLLM


def test_litellm_refreshes_known_and_adds_unknown(registry: ModelRegistry) -> None:
    n = len(registry)
    rep = registry.load_litellm_prices(litellm_doc(), price_date=DAY)
    assert rep.updated == ("openai/gpt-4o",)
    assert rep.unchanged == ("anthropic/claude-3-haiku",)
    assert rep.added == ("acme/acme-large", "acme/acme-small")
    skipped = dict(rep.skipped)
    assert set(skipped) == {"acme/painter", "acme/unpriced", "acme/no-limits"}
    assert len(registry) == n + 2

    gpt = registry.get("gpt-4o")
    assert (gpt.input_price_per_mtok, gpt.output_price_per_mtok) == (Decimal(2), Decimal(8))
    assert gpt.price_source == "litellm:gpt-4o" and gpt.price_date == DAY
    assert gpt.aliases and gpt.context_window == 128000  # only the price changed
    # 1000 * $2/M + 1000 * $8/M
    assert gpt.calculate_cost(1000, 1000) == Decimal("0.01")

    large = registry.get("acme/acme-large")
    assert str(large.input_price_per_mtok) == "1.1" and str(large.output_price_per_mtok) == "4.4"
    assert large.context_window == 256000 and large.max_output_tokens == 32000
    assert {C.TEXT_GENERATION, C.CHAT, C.VISION, C.FUNCTION_CALLING, C.LONG_CONTEXT} == (
        large.capabilities
    )
    assert large.deprecation_date == dt.date(2027, 5, 1) and not large.deprecated
    small = registry.get("acme/acme-small")
    assert small.context_window == small.max_output_tokens == 8192
    assert small.price_source == "litellm:acme/acme-small"


def test_litellm_refresh_only_and_key_filter(registry: ModelRegistry) -> None:
    rep = registry.load_litellm_prices(litellm_doc(), add_unknown=False, price_date=DAY)
    assert rep.added == () and "acme/acme-large" not in registry
    assert ("acme-large", "unknown model (add_unknown=False)") in rep.skipped
    fresh = ModelRegistry.from_bundled()
    rep = fresh.load_litellm_prices(litellm_doc(), keys=["acme-large"], price_date=DAY)
    assert rep.added == ("acme/acme-large",) and rep.updated == ()
    assert fresh.get("gpt-4o").input_price_per_mtok == Decimal("2.5")
    with pytest.raises(ValidationError, match="not in the LiteLLM data"):
        fresh.load_litellm_prices(litellm_doc(), keys=["acme-huge"])


def test_litellm_prefers_the_recorded_source_key(registry: ModelRegistry) -> None:
    doc = {
        "gpt-4o-2024-08-06": {"input_cost_per_token": 5e-06, "output_cost_per_token": 1.5e-05},
        "gpt-4o": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.2e-05},
    }
    rep = registry.load_litellm_prices(doc, price_date=DAY)
    assert rep.updated == ("openai/gpt-4o",)
    assert registry.get("gpt-4o").input_price_per_mtok == 3
    assert [k for k, _ in rep.skipped] == ["gpt-4o-2024-08-06"]


def test_litellm_from_a_file(registry: ModelRegistry, tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(litellm_doc()))
    rep = registry.load_litellm_prices(path, price_date="2026-11-26")
    assert rep.updated == ("openai/gpt-4o",)
    assert registry.get("gpt-4o").input_price_per_mtok == Decimal(2)
    assert registry.get("gpt-4o").price_date == DAY
    rep = ModelRegistry.from_bundled().load_litellm_prices(str(path))
    assert rep.updated and rep.added


def test_litellm_full_shared_file_agrees_with_bundle(shared_data: Path) -> None:
    r = ModelRegistry.from_bundled()
    before = snapshot(r)
    rep = r.load_litellm_prices(
        shared_data / "litellm_model_prices_and_context_window.json", add_unknown=False
    )
    assert rep.updated == () and rep.added == ()
    assert "openai/gpt-4o" in rep.unchanged and "qwen/qwen-2.5-72b-instruct" in rep.unchanged
    assert snapshot(r) == before


@pytest.mark.parametrize(
    ("key", "entry", "names"),
    [
        (
            "acme/bad",
            {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-06},
            "input_cost_per_token",
        ),
        ("acme/bad", {"input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06}, ">= 0"),
        ("acme/bad", {"input_cost_per_token": 1e-06, "output_cost_per_token": True}, "output_cost"),
        (
            "acme/bad",
            {
                "input_cost_per_token": 1e-06,
                "output_cost_per_token": 1e-06,
                "max_input_tokens": 12.5,
            },
            "max_input_tokens",
        ),
        (
            "acme/bad",
            {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06, "max_input_tokens": -5},
            "max_input_tokens",
        ),
        (
            "acme/bad",
            {
                "input_cost_per_token": 1e-06,
                "output_cost_per_token": 1e-06,
                "max_input_tokens": 9,
                "deprecation_date": "soon",
            },
            "deprecation_date",
        ),
        ("acme/bad", {"mode": 7, "input_cost_per_token": 1e-06}, "mode"),
        ("acme/bad", ["not", "an", "object"], "object"),
    ],
)
def test_bad_litellm_entry_changes_nothing(
    registry: ModelRegistry, key: str, entry: object, names: str
) -> None:
    doc = litellm_doc()
    doc[key] = entry  # after valid entries that would change gpt-4o and add acme models
    before = snapshot(registry)
    with pytest.raises(ValidationError) as e:
        registry.load_litellm_prices(doc)
    assert f"litellm[{key!r}]" in str(e.value)
    assert names in str(e.value)
    assert snapshot(registry) == before
    assert "acme/acme-large" not in registry


@pytest.mark.parametrize("doc", [[], "gpt-4o", 3])
def test_litellm_rejects_non_objects(registry: ModelRegistry, doc: object) -> None:
    with pytest.raises(ValidationError):
        registry.load_litellm_prices(doc)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- OpenRouter


def openrouter_doc() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "openrouter_models.json").read_text())
    return loaded


def test_openrouter_refreshes_and_adds(registry: ModelRegistry) -> None:
    n = len(registry)
    rep = registry.load_openrouter_models(FIXTURES / "openrouter_models.json", price_date=DAY)
    assert rep.updated == ("qwen/qwen-2.5-72b-instruct",)
    assert rep.unchanged == ("openai/gpt-4o",)
    assert rep.added == (
        "meta-llama/llama-3.3-70b-instruct:free",
        "mistralai/mistral-small-3.2-24b-instruct",
    )
    assert rep.skipped == (("openrouter/auto", "variable pricing (-1)"),)
    assert len(registry) == n + 2

    qwen = registry.get("qwen/qwen-2.5-72b-instruct")
    assert (str(qwen.input_price_per_mtok), str(qwen.output_price_per_mtok)) == ("0.12", "0.39")
    assert qwen.price_source == "openrouter:qwen/qwen-2.5-72b-instruct" and qwen.price_date == DAY
    # 10_000 * $0.12/M + 2_000 * $0.39/M = 0.0012 + 0.00078
    assert qwen.calculate_cost(10_000, 2_000) == Decimal("0.00198")

    small = registry.get("mistralai/mistral-small-3.2-24b-instruct")
    assert small.name == "Mistral: Mistral Small 3.2 24B" and small.provider == "mistralai"
    assert (str(small.input_price_per_mtok), str(small.output_price_per_mtok)) == ("0.05", "0.1")
    assert small.context_window == 131072 and small.max_output_tokens == 131072
    assert {C.VISION, C.FUNCTION_CALLING, C.STRUCTURED_OUTPUT, C.LONG_CONTEXT, C.CHAT} <= (
        small.capabilities
    )
    free = registry.get("meta-llama/llama-3.3-70b-instruct:free")
    assert free.input_price_per_mtok == 0 and free.calculate_cost(5000, 5000) == 0
    assert C.LONG_CONTEXT not in free.capabilities


def test_openrouter_dict_and_refresh_only(registry: ModelRegistry) -> None:
    rep = registry.load_openrouter_models(openrouter_doc(), add_unknown=False)
    assert rep.added == () and rep.updated == ("qwen/qwen-2.5-72b-instruct",)
    assert registry.get("qwen/qwen-2.5-72b-instruct").price_date is not None


def _break(doc: dict[str, Any], where: str, value: object) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    target: Any = doc
    *path, last = where.split(".")
    for p in path:
        target = target[int(p)] if p.isdigit() else target[p]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("where", "value", "names"),
    [
        ("data.2.pricing.prompt", "abc", "pricing.prompt"),
        ("data.2.pricing.completion", "-0.000001", "pricing.completion"),
        ("data.2.pricing.prompt", KeyError, "pricing.prompt"),
        ("data.2.pricing", "free", "pricing"),
        ("data.2.context_length", -1, "context_length"),
        ("data.2.context_length", "lots", "context_length"),
        ("data.2.top_provider.max_completion_tokens", 2.5, "max_completion_tokens"),
        ("data.2.top_provider", [], "top_provider"),
        ("data.2.architecture.input_modalities", "text", "input_modalities"),
        ("data.2.id", "no-slash", "id"),
        ("data.2.id", "qwen/qwen-2.5-72b-instruct", "appears twice"),
        ("data.2.name", 5, "name"),
        ("data.2", "model", "data[2]"),
    ],
)
def test_bad_openrouter_file_changes_nothing(
    registry: ModelRegistry, tmp_path: Path, where: str, value: object, names: str
) -> None:
    path = tmp_path / "models.json"
    path.write_text(json.dumps(_break(openrouter_doc(), where, value)))
    before = snapshot(registry)
    with pytest.raises(ValidationError) as e:
        registry.load_openrouter_models(path)
    message = str(e.value)
    assert "openrouter data[2]" in message and names in message
    assert snapshot(registry) == before  # qwen's price (item 1) was not applied either


@pytest.mark.parametrize("doc", [{"models": []}, {"data": {}}])
def test_openrouter_needs_a_data_list(registry: ModelRegistry, doc: object) -> None:
    with pytest.raises(ValidationError, match="'data' list"):
        registry.load_openrouter_models(doc)  # type: ignore[arg-type]


@pytest.mark.parametrize("doc", [[], 3, b"{}"])
def test_sources_must_be_paths_or_dicts(registry: ModelRegistry, doc: object) -> None:
    with pytest.raises(ValidationError, match="path of the"):
        registry.load_openrouter_models(doc)  # type: ignore[arg-type]


def test_unreadable_files_are_clear(registry: ModelRegistry, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        registry.load_openrouter_models(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [ {"id": "a/b",, } ]}')
    with pytest.raises(ValidationError, match="line 1"):
        registry.load_litellm_prices(broken)
    with pytest.raises(ValidationError, match="path of the"):
        registry.load_litellm_prices(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bundled file


def test_bundled_file_is_package_data() -> None:
    data = resources.files("aigym.registry").joinpath("models.json")
    assert data.is_file()
    doc = json.loads(data.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1
    assert len(load_bundled_specs()) == len(doc["models"])
    assert resources.files("aigym.registry").joinpath("LICENSES.md").is_file()


def test_bundled_file_is_reproducible(shared_data: Path) -> None:
    bundled = resources.files("aigym.registry").joinpath("models.json").read_text("utf-8")
    assert render(build_document(shared_data)) == bundled, (
        "models.json is out of date: run python -m aigym.registry._build_data"
    )


def test_models_document_validation() -> None:
    doc = json.loads(resources.files("aigym.registry").joinpath("models.json").read_text("utf-8"))
    with pytest.raises(SchemaError, match="schema_version"):
        parse_models_document({**doc, "schema_version": 2})
    bad = copy.deepcopy(doc)
    bad["models"][0]["colour"] = "blue"
    with pytest.raises(ValidationError, match="colour"):
        parse_models_document(bad)
    bad = copy.deepcopy(doc)
    bad["models"][1]["aliases"] = "gpt"
    with pytest.raises(ValidationError, match="aliases"):
        parse_models_document(bad)
    bad = copy.deepcopy(doc)
    bad["models"][3]["input_price_per_mtok"] = "-3"
    with pytest.raises(ValidationError, match=r"models\[3\]"):
        parse_models_document(bad)
    with pytest.raises(ValidationError):
        parse_models_document([])


@pytest.mark.slow
def test_wheel_ships_the_data(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"aigym/registry/models.json", "aigym/registry/LICENSES.md"} <= names
