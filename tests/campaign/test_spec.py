"""Campaign specs: Python objects and TOML/YAML/JSON files, validated before anything runs."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from aigym.campaign import Sampling, load_campaign_spec
from aigym.campaign._routes import apply_spec_to_registries, resolve_routes
from aigym.errors import UnknownModelError, ValidationError
from aigym.providers import ProviderRegistry
from aigym.registry import ModelRegistry
from aigym.store import Durability

TOML = """
name = "bakeoff"
prompts = ["prompts/a.jsonl"]
models = ["local/smollm2-135m", "openrouter/openai/gpt-4o-mini"]
repeats = 3
budget_usd = 0.25
store = "runs"
durability = "flush"

[sampling]
max_tokens = 32
temperature = 0.7
seed = 5
stop = ["\\n\\n"]
system_prompt = "Be brief."

[providers.openrouter]
max_concurrency = 4
max_retries = 1

[providers.myvllm]
base_url = "http://127.0.0.1:8001/v1"

[prices."myvllm/llama-3-8b"]
input = 0.05
output = "0.08"
"""


def _as_yaml_and_json(tmp: Path) -> list[Path]:
    import tomllib

    import yaml

    data = tomllib.loads(TOML)
    (tmp / "c.yaml").write_text(yaml.safe_dump(data))
    (tmp / "c.json").write_text(json.dumps(data))
    (tmp / "c.toml").write_text(TOML)
    return [tmp / "c.toml", tmp / "c.yaml", tmp / "c.json"]


def test_toml_yaml_and_json_files_give_the_same_spec(tmp_path: Path) -> None:
    specs = [load_campaign_spec(p) for p in _as_yaml_and_json(tmp_path)]
    assert specs[0] == specs[1] == specs[2]
    s = specs[0]
    assert s.prompts == (str(tmp_path / "prompts/a.jsonl"),)  # relative to the file
    assert s.store == str(tmp_path / "runs")
    assert s.budget == Decimal("0.25") and s.durability is Durability.FLUSH
    assert s.sampling == Sampling(32, 0.7, None, 5, ("\n\n",), "Be brief.")
    assert s.price_table == {"myvllm/llama-3-8b": (Decimal("0.05"), Decimal("0.08"))}


def test_the_spec_registers_endpoints_and_prices_and_routes_models(tmp_path: Path) -> None:
    (path,) = _as_yaml_and_json(tmp_path)[:1]
    spec = load_campaign_spec(path)
    spec = dataclasses.replace(spec, models=[*spec.models, "myvllm/llama-3-8b"])
    models, providers = ModelRegistry.from_bundled(), ProviderRegistry.with_defaults()
    apply_spec_to_registries(spec, models, providers)
    assert "myvllm" in providers and models.get(
        "myvllm/llama-3-8b"
    ).output_price_per_mtok == Decimal("0.08")
    routes = resolve_routes(spec.models, models, providers)
    assert [(r.model_id, r.endpoint, r.provider_model) for r in routes] == [
        ("local/smollm2-135m", "local", "smollm2-135m"),
        ("openai/gpt-4o-mini", "openrouter", "openai/gpt-4o-mini"),
        ("myvllm/llama-3-8b", "myvllm", "llama-3-8b"),
    ]
    # Aliases resolve to the canonical id; an unknown model names the close ones.
    (alias,) = resolve_routes(["smollm2-135m"], models, providers)
    assert alias.model_id == "local/smollm2-135m"
    with pytest.raises(UnknownModelError, match="gpt-4o-mini"):
        resolve_routes(["openrouter/openai/gpt-4o-minii"], models, providers)
    with pytest.raises(ValidationError, match="list it once"):
        resolve_routes(["smollm2-135m", "local/smollm2-135m"], models, providers)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\nbudget=1', "did you mean 'budget_usd'"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\n[sampling]\nmax_token=1', "'max_tokens'"),
        ('name="x"\nprompts="p.jsonl"', "required key 'models'"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\n[sampling]\nmax_tokens=0', "max_tokens"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\n[sampling]\ntemperature=5', "temperature"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\ndurability="always"', "durability"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\nbudget_usd=-1', "budget_usd"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b", "a/b"]', "list each model once"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\nstore_text=false', "cache"),
        ('name="x"\nprompts="p.jsonl"\nmodels=["a/b"]\nrepeats=0', "repeats"),
        ('name = "x"\nprompts = [', "does not parse"),
    ],
)
def test_bad_files_are_refused_with_the_fix(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=match):
        load_campaign_spec(path)


def test_other_file_kinds_and_missing_files() -> None:
    with pytest.raises(ValidationError, match="no such file"):
        load_campaign_spec("nope.toml")


def test_sampling_builds_requests_with_seed_per_repeat_and_system_first() -> None:
    s = Sampling(max_tokens=16, seed=10, system_prompt="Answer tersely.", stop="END")
    r = s.request("m", "What is 2+2?", 3)
    assert r.seed == 13 and r.max_tokens == 16 and r.stop == ("END",)
    assert r.messages is not None and [m.role for m in r.messages] == ["system", "user"]
    assert Sampling().request("m", "p", 1).seed is None  # no seed: the provider samples
    with pytest.raises(ValidationError, match="JSON"):
        Sampling(extra={"x": object()})
