"""What a campaign is: prompts x models x repeats, sampling, limits, and where rows go.

A spec is a frozen object, built in Python or read from a TOML, YAML or JSON file::

    name = "arith-local"
    prompts = ["data/prompts/arithmetic.jsonl"]      # relative to this file
    models = ["local/smollm2-135m", "local/gemma3-270m"]
    repeats = 2
    budget_usd = 0.50
    store = "runs/bakeoff"                            # relative to this file

    [sampling]
    max_tokens = 32
    temperature = 0.7
    seed = 1                                          # repeat r is sent with seed 1 + r

    [providers.openrouter]                            # options for a provider ...
    max_concurrency = 4
    [providers.myvllm]                                # ... or a new OpenAI-compatible endpoint
    base_url = "http://10.0.0.5:8000/v1"

    [prices."myvllm/llama-3-8b"]                      # USD per million tokens
    input = 0.05
    output = 0.08

Unknown keys are refused with the closest known key, because a typo in a spec (`budget`
for `budget_usd`) must not silently run a campaign without its cap.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from aigym.campaign._prompts import PromptSource
from aigym.errors import ValidationError
from aigym.providers import CompletionRequest, Message
from aigym.store import Durability

__all__ = ["CampaignSpec", "PromptSource", "Sampling", "load_campaign_spec"]


#: The largest count, size or token number a spec accepts (int32: what every column and
#: provider API holds); a bigger value is a typo, not a plan.
MAX_WHOLE: Final = 2**31 - 1
_INT64: Final = 2**63


def _whole(name: str, v: object, minimum: int, maximum: int = MAX_WHOLE) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not minimum <= v <= maximum:
        raise ValidationError(name, v, f"give a whole number from {minimum} to {maximum}")
    return v


def _money(name: str, v: object) -> Decimal:
    if isinstance(v, bool):
        raise ValidationError(name, v, "give an amount in USD, e.g. 0.50")
    try:
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(name, v, "give an amount in USD, e.g. 0.50") from None
    if not d.is_finite() or d < 0:
        raise ValidationError(name, v, "give a finite amount >= 0")
    return d


@dataclass(frozen=True, slots=True)
class Sampling:
    """Request parameters shared by every call of a campaign (part of each request key).

    `max_tokens` is always sent (it bounds the worst-case cost). With a `seed`, repeat `r` is
    sent with `seed + r`, so repeats are distinct, reproducible samples.
    """

    max_tokens: int = 256
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: str | Sequence[str] = ()
    system_prompt: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _whole("max_tokens", self.max_tokens, 1)
        seed = self.seed
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or not -_INT64 <= seed < _INT64
        ):
            raise ValidationError("seed", seed, "give a whole number that fits in int64, or None")
        stop: object = self.stop
        if isinstance(stop, str):
            stop = (stop,)
        if not isinstance(stop, Sequence) or not all(isinstance(x, str) and x for x in stop):
            raise ValidationError("stop", self.stop, "give a string or a list of non-empty strings")
        object.__setattr__(self, "stop", tuple(stop))
        if not isinstance(self.extra, Mapping):
            raise ValidationError("extra", self.extra, "give a table of extra body parameters")
        if self.system_prompt is not None and (
            not isinstance(self.system_prompt, str) or not self.system_prompt.strip()
        ):
            raise ValidationError("system_prompt", self.system_prompt, "give text or None")
        try:
            json.dumps(dict(self.extra), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValidationError("extra", self.extra, f"must be JSON-serialisable ({e})") from None
        object.__setattr__(self, "extra", dict(self.extra))
        self.request("check", "check", 0)  # CompletionRequest validates every parameter

    def request(self, model: str, prompt: str, repeat: int) -> CompletionRequest:
        """The chat request for one prompt and repeat."""
        messages = [Message("user", prompt)]
        if self.system_prompt is not None:
            messages.insert(0, Message("system", self.system_prompt))
        return CompletionRequest(
            model,
            self.max_tokens,
            messages=tuple(messages),
            temperature=self.temperature,
            top_p=self.top_p,
            seed=None if self.seed is None else self.seed + repeat,
            stop=tuple(self.stop),
            extra=self.extra,
        )

    def as_key_dict(self) -> dict[str, Any]:
        """Parameters that differ from their defaults (what request and cache keys hash).

        Leaving defaults out keeps every stored key valid when a parameter is added later.
        """
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != _SAMPLING_DEFAULTS[f.name]
        }


# The baseline of request/cache keys: a parameter equal to its value here is left out of the
# hash. Never change these values (stored keys would stop matching); add new parameters here.
_SAMPLING_DEFAULTS: Final[dict[str, Any]] = {
    "max_tokens": 256,
    "temperature": None,
    "top_p": None,
    "seed": None,
    "stop": (),
    "system_prompt": None,
    "extra": {},
}


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """A campaign: `prompts` x `models` x `repeats`, run concurrently into a store.

    `name` identifies the campaign in request keys: re-running the same spec resumes it.
    `budget_usd` caps the campaign's total spend across runs at worst-case prices (see the
    package docs); `concurrency` bounds calls in flight and `model_concurrency` per model
    (local models default to their server's 2 slots, so queueing does not inflate latency).
    Rows are acknowledged every `flush_rows` rows or `flush_seconds`: that window bounds the
    calls paid again after a crash. `cache` reuses successful responses with the same request
    content (and repeat) found in the store; `retry_errors` re-sends keys that ended in error.
    `template_overhead_tokens` is added to the prompt's UTF-8 bytes for the input-token bound
    (chat-template tokens and default system prompts). `providers` has options per provider,
    or registers an OpenAI-compatible endpoint when it has `base_url`; `prices` sets USD per
    million tokens (`{"input": .., "output": ..}`) for models, registering unknown ones.
    A `models` entry ``router:<strategy>`` is a routing policy: each prompt goes to the model
    the router picks among `candidates` (model entries, as in `models`; see
    `aigym.campaign._routed`).
    """

    name: str
    prompts: PromptSource
    models: Sequence[str]
    repeats: int = 1
    sampling: Sampling = field(default_factory=Sampling)
    concurrency: int = 8
    model_concurrency: int | None = None
    budget_usd: Decimal | float | str | None = None
    store: str | os.PathLike[str] = ".aigym/store"
    durability: Durability | str = Durability.FSYNC
    flush_rows: int = 256
    flush_seconds: float = 2.0
    cache: bool = True
    retry_errors: bool = True
    store_text: bool = True
    limit: int | None = None
    template_overhead_tokens: int = 64
    providers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    prices: Mapping[str, Any] = field(default_factory=dict)
    candidates: Sequence[str] = ()

    def __post_init__(self) -> None:
        s = object.__setattr__
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 200:
            raise ValidationError("name", self.name, "give the campaign a name (max 200 chars)")
        s(self, "name", self.name.strip())
        if isinstance(self.models, str):
            models: list[object] = [self.models]
        elif isinstance(self.models, Sequence) and not isinstance(self.models, bytes):
            models = list(self.models)
        else:
            models = []
        if not models or not all(isinstance(m, str) and m.strip() for m in models):
            raise ValidationError(
                "models", self.models, 'give a list of model ids, e.g. ["local/smollm2-135m"]'
            )
        ids = [str(m).strip() for m in models]
        if len(set(ids)) != len(ids):
            raise ValidationError("models", self.models, "list each model once")
        s(self, "models", tuple(ids))
        s(self, "candidates", _candidates(self.candidates, ids))
        if isinstance(self.prompts, (str, os.PathLike)):
            s(self, "prompts", (self.prompts,))
        elif isinstance(self.prompts, Sequence):
            s(self, "prompts", tuple(self.prompts))
        else:
            raise ValidationError("prompts", self.prompts, "give a file path or a list")
        _whole("repeats", self.repeats, 1)
        _whole("concurrency", self.concurrency, 1)
        if self.model_concurrency is not None:
            _whole("model_concurrency", self.model_concurrency, 1)
        if self.limit is not None:
            _whole("limit", self.limit, 1)
        _whole("flush_rows", self.flush_rows, 1)
        _whole("template_overhead_tokens", self.template_overhead_tokens, 0)
        fs = self.flush_seconds
        if isinstance(fs, bool) or not isinstance(fs, (int, float)) or not 0 < fs < 3600:
            raise ValidationError("flush_seconds", fs, "give seconds between 0 and 3600")
        if not isinstance(self.sampling, Sampling):
            raise ValidationError("sampling", self.sampling, "give a Sampling(...)")
        seed = self.sampling.seed
        if seed is not None and seed + self.repeats - 1 >= _INT64:
            raise ValidationError(
                "seed",
                seed,
                f"repeat r is sent with seed + r: give a seed below {_INT64 - self.repeats}",
            )
        if self.budget_usd is not None:
            s(self, "budget_usd", _money("budget_usd", self.budget_usd))
        try:
            s(self, "durability", Durability(self.durability))
        except ValueError:
            raise ValidationError(
                "durability", self.durability, "use 'none', 'flush' or 'fsync'"
            ) from None
        for flag in ("cache", "retry_errors", "store_text"):
            if not isinstance(getattr(self, flag), bool):
                raise ValidationError(flag, getattr(self, flag), "give true or false")
        if self.cache and not self.store_text:
            raise ValidationError(
                "cache", True, "the response cache needs store_text=True (or set cache=False)"
            )
        s(self, "store", os.fspath(self.store))
        for table in ("providers", "prices"):
            if not isinstance(getattr(self, table), Mapping):
                raise ValidationError(
                    table, getattr(self, table), f"give a table: [{table}.NAME] in a file"
                )
        provs: dict[str, dict[str, Any]] = {}
        for pname, opts in dict(self.providers).items():
            if not isinstance(opts, Mapping):
                raise ValidationError(f"providers.{pname}", opts, "give a table of options")
            provs[str(pname)] = dict(opts)
        s(self, "providers", provs)
        s(self, "prices", {str(m): _price_pair(str(m), p) for m, p in dict(self.prices).items()})

    @property
    def budget(self) -> Decimal | None:
        """`budget_usd` as an exact Decimal (None: no cap)."""
        b = self.budget_usd
        return b if isinstance(b, Decimal) or b is None else _money("budget_usd", b)

    @property
    def price_table(self) -> dict[str, tuple[Decimal, Decimal]]:
        """`prices` as {model id: (input, output)} USD per million tokens."""
        return {m: _price_pair(m, p) for m, p in self.prices.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: str | Path | None = None) -> CampaignSpec:
        """A spec from parsed TOML/YAML/JSON; relative paths resolve against `base_dir`."""
        if not isinstance(data, Mapping):
            raise ValidationError("campaign", data, "the file must hold a table at top level")
        _check_keys("campaign", data, _FILE_KEYS)
        kw = dict(data)
        sampling = kw.pop("sampling", {}) or {}
        if not isinstance(sampling, Mapping):
            raise ValidationError("sampling", sampling, "give a table of sampling parameters")
        _check_keys("sampling", sampling, _SAMPLING_KEYS)
        base = Path(base_dir) if base_dir is not None else None
        if base is not None:
            prompts = kw.get("prompts")
            if isinstance(prompts, str):
                kw["prompts"] = _under(base, prompts)
            elif isinstance(prompts, list):
                kw["prompts"] = [_under(base, p) if isinstance(p, str) else p for p in prompts]
            if isinstance(kw.get("store"), str):
                kw["store"] = _under(base, kw["store"])
            providers = kw.get("providers")
            replay = providers.get("replay") if isinstance(providers, dict) else None
            if isinstance(replay, dict) and isinstance(replay.get("table"), str):
                replay["table"] = _under(base, replay["table"])  # the replayed outcome table
        for req in ("name", "prompts", "models"):
            if req not in kw:
                raise ValidationError("campaign", sorted(kw), f"add the required key {req!r}")
        return cls(sampling=Sampling(**sampling), **kw)


_FILE_KEYS: Final = frozenset(f.name for f in dataclasses.fields(CampaignSpec))
_SAMPLING_KEYS: Final = frozenset(f.name for f in dataclasses.fields(Sampling))


def _candidates(value: object, models: Sequence[str]) -> tuple[str, ...]:
    """The routing candidates: needed exactly when `models` has a ``router:`` policy."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(m, str) and m.strip() for m in value):
        raise ValidationError("candidates", value, "give a list of model ids the router may pick")
    out = tuple(dict.fromkeys(m.strip() for m in value))
    policies = [m for m in models if m.startswith("router:")]
    if policies and not out:
        raise ValidationError(
            "candidates", [], f"{policies[0]} routes among candidates: list the models it may "
            'pick, e.g. candidates = ["openai/gpt-4o", "anthropic/claude-3-haiku"]',
        )  # fmt: skip
    if out and not policies:
        raise ValidationError(
            "candidates", list(out), "candidates are for a routing policy: add one such as "
            '"router:balanced" to models, or list these models in models',
        )  # fmt: skip
    if any(m.startswith("router:") for m in out):
        raise ValidationError("candidates", list(out), "candidates are models, not policies")
    return out


def _under(base: Path, p: str) -> str:
    """`p` against `base`, made absolute: a later change of working folder (a notebook,
    a scheduler) must not move the campaign's prompts or store."""
    path = Path(p).expanduser()
    return str(path if path.is_absolute() or "://" in p else base.absolute() / path)


def _check_keys(where: str, data: Mapping[str, Any], known: frozenset[str]) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValidationError(
                f"{where} key", key, f"{hint}known keys: {', '.join(sorted(known))}"
            )


def _price_pair(model: str, p: object) -> tuple[Decimal, Decimal]:
    where = f"prices.{model}"
    if isinstance(p, Mapping):
        _check_keys(where, p, frozenset({"input", "output"}))
        if set(p) != {"input", "output"}:
            raise ValidationError(where, dict(p), "give both input and output (USD per Mtok)")
        return _money(where + ".input", p["input"]), _money(where + ".output", p["output"])
    if isinstance(p, Sequence) and not isinstance(p, str) and len(p) == 2:
        return _money(where, p[0]), _money(where, p[1])
    raise ValidationError(where, p, "give {input = .., output = ..} in USD per million tokens")


def load_campaign_spec(path: str | os.PathLike[str]) -> CampaignSpec:
    """Read a campaign file: `.toml`, `.yaml`/`.yml` (needs PyYAML) or `.json`.

    Relative `prompts` and `store` paths are taken relative to the file's folder.
    """
    p = Path(path)
    if not p.is_file():
        raise ValidationError("campaign file", str(p), "no such file: check the path")
    suffix = p.suffix.lower()
    text = p.read_text(encoding="utf-8")
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = _yaml().safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ValidationError("campaign file", str(p), "use a .toml, .yaml/.yml or .json file")
    except ValidationError:
        raise
    except Exception as e:  # TOML, JSON and YAML parsers each raise their own error types
        raise ValidationError("campaign file", str(p), f"it does not parse: {e}") from None
    return CampaignSpec.from_dict(data or {}, base_dir=p.parent)


def _yaml() -> Any:
    try:
        return importlib.import_module("yaml")
    except ImportError:
        raise ValidationError(
            "campaign file", "yaml", "YAML needs PyYAML: pip install pyyaml (or use TOML)"
        ) from None
