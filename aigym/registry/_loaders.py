"""Parsing of model files at the edge: the bundled data file, LiteLLM prices, OpenRouter models.

Each parser reads and validates a whole file into plain records before the registry changes
anything, so a bad file is rejected whole with an error naming the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Final

from aigym.errors import SchemaError, ValidationError
from aigym.registry._spec import (
    LONG_CONTEXT_MIN_TOKENS,
    ModelCapability,
    ModelSpec,
    as_date,
    as_price,
    as_whole,
)

__all__ = [
    "BUNDLED_FILE",
    "DATA_SCHEMA_VERSION",
    "UNKNOWN_LATENCY_PRIOR_MS",
    "ParsedPrice",
    "load_bundled_specs",
    "parse_litellm",
    "parse_models_document",
    "parse_openrouter",
    "read_json",
]

BUNDLED_FILE: Final = "models.json"
DATA_SCHEMA_VERSION: Final = 1
#: Latency prior for a model added from a price file, which says nothing about speed.
UNKNOWN_LATENCY_PRIOR_MS: Final = 1500

_MILLION: Final = Decimal(1_000_000)
_TEXT_MODES: Final = frozenset({"chat", "completion", "responses"})

C = ModelCapability


@dataclass(frozen=True, slots=True)
class ParsedPrice:
    """One model entry read from a LiteLLM or OpenRouter file.

    `key` is the file's own name for it and `source` the provenance to record with its price.
    Prices are None when the entry has no usable token price; `new_spec` is the spec to add
    when the registry does not know the model, None when the entry lacks what a spec needs
    (`skip_reason` says what).
    """

    key: str
    source: str
    input_per_mtok: Decimal | None
    output_per_mtok: Decimal | None
    new_spec: ModelSpec | None
    skip_reason: str | None = None


# --------------------------------------------------------------------------- reading


def read_json(source: object, what: str) -> Any:
    """A parsed JSON document from a path or an already parsed mapping.

    Files are parsed with floats as `Decimal`, so per-token prices stay exact.
    """
    if isinstance(source, Mapping):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValidationError(
                "path", str(path), f"no such file; give the path of the {what} JSON file"
            ) from None
        except OSError as e:
            raise ValidationError(
                "path", str(path), f"cannot read it ({e}); check the path and permissions"
            ) from None
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as e:
            raise ValidationError(
                "path",
                str(path),
                f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
                f"give the {what} JSON file",
            ) from None
    raise ValidationError(
        "source", source, f"give the path of the {what} JSON file, or its parsed dict"
    )


# --------------------------------------------------------------------------- bundled file

_ENTRY_KEYS: Final = frozenset(
    {
        "id",
        "name",
        "provider",
        "input_price_per_mtok",
        "output_price_per_mtok",
        "context_window",
        "max_output_tokens",
        "capabilities",
        "avg_latency_ms",
        "quality_tier",
        "aliases",
        "deprecated",
        "deprecation_date",
        "price_source",
        "price_date",
        "notes",
    }
)
_REQUIRED_KEYS: Final = _ENTRY_KEYS - {"notes", "deprecation_date", "price_date", "aliases"}


def parse_models_document(doc: object, where: str = "models file") -> list[ModelSpec]:
    """Specs from an aigym models document (the format of the bundled `models.json`)."""
    if not isinstance(doc, Mapping):
        raise ValidationError(where, type(doc).__name__, "must be a JSON object with 'models'")
    version = doc.get("schema_version")
    if version != DATA_SCHEMA_VERSION:
        raise SchemaError(
            f"{where} has schema_version={version!r}; this aigym reads version "
            f"{DATA_SCHEMA_VERSION}. Regenerate it with `python -m aigym.registry._build_data`."
        )
    models = doc.get("models")
    if not isinstance(models, list):
        raise ValidationError(f"{where}: models", models, "must be a list of model objects")
    specs: list[ModelSpec] = []
    for i, e in enumerate(models):
        at = f"{where}: models[{i}]"
        if not isinstance(e, Mapping):
            raise ValidationError(at, e, "must be a JSON object")
        unknown = set(e) - _ENTRY_KEYS
        missing = _REQUIRED_KEYS - set(e)
        if unknown or missing:
            raise ValidationError(
                at,
                e.get("id"),
                f"unknown keys {sorted(unknown)} / missing keys {sorted(missing)}",
            )
        try:
            specs.append(
                ModelSpec(
                    id=e["id"],
                    name=e["name"],
                    provider=e["provider"],
                    input_price_per_mtok=e["input_price_per_mtok"],
                    output_price_per_mtok=e["output_price_per_mtok"],
                    context_window=e["context_window"],
                    max_output_tokens=e["max_output_tokens"],
                    capabilities=e["capabilities"],
                    avg_latency_ms=e["avg_latency_ms"],
                    quality_tier=e["quality_tier"],
                    aliases=e.get("aliases", ()),
                    deprecated=e["deprecated"],
                    deprecation_date=e.get("deprecation_date"),
                    price_source=e["price_source"],
                    price_date=e.get("price_date"),
                )
            )
        except ValidationError as err:
            where_ = f"{at} ({e.get('id')!r}).{err.field}"
            raise ValidationError(where_, err.value, err.fix) from None
    return specs


def load_bundled_specs() -> list[ModelSpec]:
    """The specs shipped inside the package (read through importlib.resources)."""
    text = resources.files(__package__).joinpath(BUNDLED_FILE).read_text(encoding="utf-8")
    return parse_models_document(json.loads(text), where=f"aigym/registry/{BUNDLED_FILE}")


# --------------------------------------------------------------------------- helpers


def _opt_whole(field: str, value: object) -> int | None:
    """A positive token limit, or None when absent or 0 (LiteLLM writes 0 for "not known")."""
    if value is None or (not isinstance(value, bool) and value == 0):
        return None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return as_whole(field, int(value), 1)
    if isinstance(value, float) and value.is_integer():
        return as_whole(field, int(value), 1)
    return as_whole(field, value, 1)


def _price(field: str, value: object, *, per_token: bool) -> Decimal:
    d = as_price(field, value)
    return d * _MILLION if per_token else d


def _caps_for(context: int, extra: set[ModelCapability], *, chat: bool) -> set[ModelCapability]:
    caps = {C.TEXT_GENERATION, *extra}
    if chat:
        caps.add(C.CHAT)
    if context >= LONG_CONTEXT_MIN_TOKENS:
        caps.add(C.LONG_CONTEXT)
    return caps


# --------------------------------------------------------------------------- LiteLLM

_LITELLM_FLAGS: Final = {
    "supports_vision": C.VISION,
    "supports_function_calling": C.FUNCTION_CALLING,
    "supports_reasoning": C.REASONING,
    "supports_response_schema": C.STRUCTURED_OUTPUT,
}


def parse_litellm(
    data: object,
    *,
    keys: Collection[str] | None = None,
    price_date: object = None,
) -> list[ParsedPrice]:
    """Priced text models from a LiteLLM ``model_prices_and_context_window.json`` document.

    Entries that are not text models (images, embeddings ...) or carry no token prices are
    returned with a `skip_reason`; malformed entries raise, naming the key.
    """
    if not isinstance(data, Mapping):
        raise ValidationError(
            "litellm data",
            type(data).__name__,
            "give LiteLLM's model_prices_and_context_window.json: an object of model -> fields",
        )
    if keys is not None:
        missing = [k for k in keys if k not in data]
        if missing:
            raise ValidationError(
                "keys", missing[:5], "these keys are not in the LiteLLM data; check the spelling"
            )
    day = as_date("price_date", price_date)
    chosen = list(data) if keys is None else list(dict.fromkeys(keys))
    out: list[ParsedPrice] = []
    for key in chosen:
        if key == "sample_spec":
            continue
        entry = data[key]
        at = f"litellm[{key!r}]"
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("litellm key", key, "model keys must be non-empty strings")
        if not isinstance(entry, Mapping):
            raise ValidationError(at, entry, "each model key must map to an object of fields")
        mode = entry.get("mode")
        if mode is not None and not isinstance(mode, str):
            raise ValidationError(f"{at}.mode", mode, "must be a string such as 'chat'")
        if mode is not None and mode not in _TEXT_MODES:
            out.append(ParsedPrice(key, f"litellm:{key}", None, None, None, f"mode {mode!r}"))
            continue
        ic, oc = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
        if ic is None or oc is None:
            out.append(ParsedPrice(key, f"litellm:{key}", None, None, None, "no token prices"))
            continue
        out.append(_litellm_entry(key, entry, mode, day))
    return out


def _litellm_entry(
    key: str, entry: Mapping[str, Any], mode: str | None, day: dt.date | None
) -> ParsedPrice:
    at = f"litellm[{key!r}]"
    inp = _price(f"{at}.input_cost_per_token", entry["input_cost_per_token"], per_token=True)
    outp = _price(f"{at}.output_cost_per_token", entry["output_cost_per_token"], per_token=True)
    max_in = _opt_whole(f"{at}.max_input_tokens", entry.get("max_input_tokens"))
    max_tokens = _opt_whole(f"{at}.max_tokens", entry.get("max_tokens"))
    max_out = _opt_whole(f"{at}.max_output_tokens", entry.get("max_output_tokens"))
    provider = entry.get("litellm_provider")
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise ValidationError(f"{at}.litellm_provider", provider, "must be a non-empty string")
    dep = entry.get("deprecation_date")
    dep_date = as_date(f"{at}.deprecation_date", dep) if dep is not None else None
    context = max_in or max_tokens
    if context is None:
        reason = "no max_input_tokens, so it cannot be added as a new model"
        return ParsedPrice(key, f"litellm:{key}", inp, outp, None, reason)
    flags = {cap for flag, cap in _LITELLM_FLAGS.items() if entry.get(flag) is True}
    mid = key if "/" in key else f"{provider or 'unknown'}/{key}"
    try:
        spec = ModelSpec(
            id=mid,
            name=key,
            provider=mid.split("/", 1)[0],
            input_price_per_mtok=inp,
            output_price_per_mtok=outp,
            context_window=context,
            max_output_tokens=max_out or context,
            capabilities=frozenset(_caps_for(context, flags, chat=mode != "completion")),
            avg_latency_ms=UNKNOWN_LATENCY_PRIOR_MS,
            quality_tier=3,
            deprecated=False,
            deprecation_date=dep_date,
            price_source=f"litellm:{key}",
            price_date=day,
        )
    except ValidationError as err:
        raise ValidationError(f"{at}: {err.field}", err.value, err.fix) from None
    return ParsedPrice(key, f"litellm:{key}", inp, outp, spec)


# --------------------------------------------------------------------------- OpenRouter


def _str_list(field: str, value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(field, value, "must be a list of strings")
    return list(value)


def _obj(field: str, value: object) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(field, value, "must be a JSON object or null")
    return value


def parse_openrouter(data: object, *, price_date: object = None) -> list[ParsedPrice]:
    """Priced models from an OpenRouter ``GET /api/v1/models`` response.

    Prices there are strings in USD per token; ``"-1"`` marks variable pricing (routers such as
    ``openrouter/auto``), which is skipped.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        raise ValidationError(
            "openrouter data",
            type(data).__name__ if not isinstance(data, Mapping) else sorted(data)[:5],
            "give the JSON of OpenRouter's GET /api/v1/models: an object with a 'data' list",
        )
    day = as_date("price_date", price_date)
    out: list[ParsedPrice] = []
    seen: set[str] = set()
    for i, item in enumerate(data["data"]):
        if not isinstance(item, Mapping):
            raise ValidationError(f"openrouter data[{i}]", item, "each model must be an object")
        mid = item.get("id")
        if not isinstance(mid, str) or "/" not in mid or not mid.strip():
            raise ValidationError(
                f"openrouter data[{i}].id", mid, "give the model id, e.g. 'openai/gpt-4o'"
            )
        if mid.casefold() in seen:
            raise ValidationError(
                f"openrouter data[{i}].id", mid, "appears twice; keep one entry per id"
            )
        seen.add(mid.casefold())
        out.append(_openrouter_entry(f"openrouter data[{i}] ({mid!r})", mid, item, day))
    return out


def _openrouter_entry(
    at: str, mid: str, item: Mapping[str, Any], day: dt.date | None
) -> ParsedPrice:
    src = f"openrouter:{mid}"
    pricing = item.get("pricing")
    if not isinstance(pricing, Mapping):
        raise ValidationError(
            f"{at}.pricing", pricing, "must be an object with 'prompt' and 'completion'"
        )
    raw_p, raw_c = pricing.get("prompt"), pricing.get("completion")
    for name, raw in (("prompt", raw_p), ("completion", raw_c)):
        if raw is None:
            raise ValidationError(
                f"{at}.pricing.{name}", raw, "give the USD price per token, e.g. '0.000003'"
            )
    if str(raw_p).strip() == "-1" or str(raw_c).strip() == "-1":
        return ParsedPrice(mid, src, None, None, None, "variable pricing (-1)")
    inp = _price(f"{at}.pricing.prompt", raw_p, per_token=True)
    outp = _price(f"{at}.pricing.completion", raw_c, per_token=True)
    top = _obj(f"{at}.top_provider", item.get("top_provider"))
    arch = _obj(f"{at}.architecture", item.get("architecture"))
    context = _opt_whole(f"{at}.context_length", item.get("context_length")) or _opt_whole(
        f"{at}.top_provider.context_length", top.get("context_length")
    )
    max_out = _opt_whole(
        f"{at}.top_provider.max_completion_tokens", top.get("max_completion_tokens")
    )
    in_mod = _str_list(f"{at}.architecture.input_modalities", arch.get("input_modalities"))
    out_mod = _str_list(f"{at}.architecture.output_modalities", arch.get("output_modalities"))
    params = set(_str_list(f"{at}.supported_parameters", item.get("supported_parameters")))
    display = item.get("name")
    if display is not None and (not isinstance(display, str) or not display.strip()):
        raise ValidationError(f"{at}.name", display, "must be a non-empty string")
    if out_mod and "text" not in out_mod:
        return ParsedPrice(mid, src, None, None, None, "does not output text")
    if context is None:
        reason = "no context_length, so it cannot be added as a new model"
        return ParsedPrice(mid, src, inp, outp, None, reason)
    extra: set[ModelCapability] = set()
    if "image" in in_mod:
        extra.add(C.VISION)
    if "tools" in params:
        extra.add(C.FUNCTION_CALLING)
    if params & {"structured_outputs", "response_format"}:
        extra.add(C.STRUCTURED_OUTPUT)
    if params & {"reasoning", "include_reasoning"}:
        extra.add(C.REASONING)
    try:
        spec = ModelSpec(
            id=mid,
            name=display or mid,
            provider=mid.split("/", 1)[0],
            input_price_per_mtok=inp,
            output_price_per_mtok=outp,
            context_window=context,
            max_output_tokens=max_out or context,
            capabilities=frozenset(_caps_for(context, extra, chat=True)),
            avg_latency_ms=UNKNOWN_LATENCY_PRIOR_MS,
            quality_tier=3,
            price_source=src,
            price_date=day,
        )
    except ValidationError as err:
        raise ValidationError(f"{at}: {err.field}", err.value, err.fix) from None
    return ParsedPrice(mid, src, inp, outp, spec)
