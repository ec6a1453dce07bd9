"""The model registry: lookup with aliases, filters, prior-based recommendations, price refresh.

One process-wide registry (`get_model_registry`) is loaded from the bundled data file; user
models and refreshed prices are added to it at run time. Lookups are case-insensitive and
thread-safe; every change is validated in full before it is applied.
"""

from __future__ import annotations

import datetime as dt
import difflib
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from typing import TYPE_CHECKING, Any, Final

from aigym.errors import UnknownModelError, ValidationError
from aigym.registry._loaders import (
    ParsedPrice,
    load_bundled_specs,
    parse_litellm,
    parse_openrouter,
    read_json,
)
from aigym.registry._recommend import Strategy, parse_strategy, rank_models, task_requirements
from aigym.registry._spec import ModelCapability, ModelSpec, as_date

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

__all__ = ["LoadReport", "ModelRegistry", "get_model_registry"]

_SUGGESTIONS: Final = 3


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a price file did: ids whose price changed, ids added, and keys left alone (why)."""

    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


def _caps(value: object, field: str = "capabilities") -> frozenset[ModelCapability]:
    if value is None:
        return frozenset()
    if isinstance(value, (str, ModelCapability)):
        return frozenset({ModelCapability.parse(value, field)})
    if isinstance(value, Iterable):
        return frozenset(ModelCapability.parse(v, field) for v in value)
    raise ValidationError(field, value, "give a ModelCapability, its name, or a list of them")


class ModelRegistry:
    """Models by id, with aliases, filters and prior-based recommendations.

    ``ModelRegistry()`` is empty; `from_bundled()` is a fresh copy of the bundled catalogue
    (use it in tests, or to keep changes private); `get_model_registry()` is the shared one.
    """

    def __init__(self, models: Iterable[ModelSpec] = ()) -> None:
        self._lock = threading.RLock()
        self._models: dict[str, ModelSpec] = {}  # casefolded id -> spec
        self._index: dict[str, str] = {}  # casefolded id or alias -> casefolded id
        for m in models:
            self.register(m)

    @classmethod
    def from_bundled(cls) -> ModelRegistry:
        """A new registry holding the models bundled with aigym."""
        return cls(load_bundled_specs())

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self._models)

    def __iter__(self) -> Iterator[ModelSpec]:
        with self._lock:
            models = sorted(self._models.values(), key=lambda m: m.id)
        return iter(models)

    def __contains__(self, model_id: object) -> bool:
        return isinstance(model_id, str) and model_id.strip().casefold() in self._index

    def __repr__(self) -> str:
        return f"ModelRegistry({len(self)} models)"

    def resolve(self, model_id: str) -> str:
        """The canonical id for an id or alias (any case); raises `UnknownModelError`."""
        return self.get(model_id).id

    def get(self, model_id: str) -> ModelSpec:
        """The spec for an id or alias (any case).

        An unknown id raises `UnknownModelError` listing the closest known ids.
        """
        if not isinstance(model_id, str) or not model_id.strip():
            raise ValidationError("model_id", model_id, "give a model id such as 'openai/gpt-4o'")
        key = model_id.strip().casefold()
        with self._lock:
            canon = self._index.get(key)
            if canon is not None:
                return self._models[canon]
            raise UnknownModelError(model_id, self._suggest(key))

    def _suggest(self, key: str) -> list[str]:
        """Closest canonical ids, matching against ids, aliases and bare model names."""
        names = dict(self._index)
        for k, canon in self._index.items():
            names.setdefault(k.rsplit("/", 1)[-1], canon)
        probes = [key, key.rsplit("/", 1)[-1]]
        out: list[str] = []
        for probe in probes:
            for hit in difflib.get_close_matches(probe, list(names), n=10, cutoff=0.6):
                mid = self._models[names[hit]].id
                if mid not in out:
                    out.append(mid)
        return out[:_SUGGESTIONS]

    # ------------------------------------------------------------------ listings

    def _select(
        self,
        capabilities: object = None,
        *,
        include_deprecated: bool = False,
        include_local: bool = True,
    ) -> list[ModelSpec]:
        need = _caps(capabilities)
        return [
            m
            for m in self
            if need <= m.capabilities
            and (include_deprecated or not m.deprecated)
            and (include_local or not m.is_local)
        ]

    def get_all_models(self, include_deprecated: bool = False) -> list[ModelSpec]:
        """All models sorted by id; retired ones only with ``include_deprecated=True``."""
        return self._select(include_deprecated=include_deprecated)

    def get_models_by_capability(
        self, capability: ModelCapability | str, *, include_deprecated: bool = False
    ) -> list[ModelSpec]:
        """Models having `capability` (or every capability of a list), sorted by id."""
        return self._select(capability, include_deprecated=include_deprecated)

    def _pick(
        self,
        what: str,
        key: Any,
        capabilities: object,
        task_type: str | None,
        include_deprecated: bool,
        include_local: bool,
    ) -> ModelSpec:
        need = set(_caps(capabilities))
        if task_type is not None:
            need |= task_requirements(task_type).required
        cands = self._select(
            need, include_deprecated=include_deprecated, include_local=include_local
        )
        if not cands:
            raise ValidationError(
                "capabilities",
                sorted(c.value for c in need),
                f"no {'' if include_deprecated else 'current '}model has them all, so there is "
                f"no {what} one; relax the filter, pass include_deprecated=True, or register one",
            )
        return min(cands, key=key)

    def get_cheapest_model(
        self,
        capabilities: ModelCapability | str | Iterable[ModelCapability | str] | None = None,
        *,
        task_type: str | None = None,
        include_deprecated: bool = False,
        include_local: bool = True,
    ) -> ModelSpec:
        """The model with the lowest blended price (3:1 input:output) among those with the
        given capabilities (and the task's required ones); ties go to the lower output price.

        Local models are free by default, so pass ``include_local=False`` for the cheapest
        hosted model.
        """
        return self._pick(
            "cheapest",
            lambda m: (m.blended_price_per_mtok, m.output_price_per_mtok, m.id),
            capabilities,
            task_type,
            include_deprecated,
            include_local,
        )

    def get_fastest_model(
        self,
        capabilities: ModelCapability | str | Iterable[ModelCapability | str] | None = None,
        *,
        task_type: str | None = None,
        include_deprecated: bool = False,
        include_local: bool = True,
    ) -> ModelSpec:
        """The model with the lowest `avg_latency_ms` prior; ties go to the cheaper one."""
        return self._pick(
            "fastest",
            lambda m: (m.avg_latency_ms, m.blended_price_per_mtok, m.id),
            capabilities,
            task_type,
            include_deprecated,
            include_local,
        )

    def recommend_models_for_task(
        self,
        task_type: str,
        strategy: Strategy | str = "balanced",
        *,
        limit: int | None = None,
        include_deprecated: bool = False,
        include_local: bool = True,
    ) -> list[ModelSpec]:
        """Models able to do `task_type`, ranked by `strategy` on the registry's priors.

        See `aigym.registry.rank_models` for what each strategy ranks by and
        `aigym.registry.task_requirements` for the capabilities each task needs. The list is
        empty when no model has the task's required capabilities.
        """
        strat = parse_strategy(strategy)
        req = task_requirements(task_type)
        bad_limit = isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        if limit is not None and bad_limit:
            raise ValidationError("limit", limit, "give a whole number >= 1, or None for all")
        ranked = rank_models(
            self._select(include_deprecated=include_deprecated, include_local=include_local),
            req,
            strat,
        )
        return ranked if limit is None else ranked[:limit]

    # ------------------------------------------------------------------ changes

    def _conflicts(self, spec: ModelSpec, replacing: str | None) -> list[str]:
        clashes = []
        for name in (spec.id, *spec.aliases):
            owner = self._index.get(name.casefold())
            if owner is not None and owner != replacing:
                clashes.append(f"{name!r} (already names {self._models[owner].id!r})")
        return clashes

    def _put(self, spec: ModelSpec) -> None:
        key = spec.id.casefold()
        old = self._models.get(key)
        if old is not None:
            for a in old.aliases:
                self._index.pop(a.casefold(), None)
        self._models[key] = spec
        for name in (spec.id, *spec.aliases):
            self._index[name.casefold()] = key

    def register(self, spec: ModelSpec, *, replace: bool = False) -> ModelSpec:
        """Add a model. Re-registering an id needs ``replace=True``; an id or alias that names
        another model is always refused."""
        if not isinstance(spec, ModelSpec):
            raise ValidationError("spec", spec, "pass a ModelSpec(...)")
        key = spec.id.casefold()
        with self._lock:
            if key in self._models and not replace:
                raise ValidationError(
                    "id", spec.id, "is already registered; pass replace=True to overwrite it"
                )
            clashes = self._conflicts(spec, key if key in self._models else None)
            if clashes:
                raise ValidationError(
                    "aliases", spec.id, f"names already in use: {', '.join(clashes)}; rename them"
                )
            self._put(spec)
        return spec

    def set_price(
        self,
        model_id: str,
        input_per_mtok: Decimal | int | str,
        output_per_mtok: Decimal | int | str,
        *,
        source: str = "notional",
        price_date: dt.date | str | None = None,
    ) -> ModelSpec:
        """Give a model a new price in USD per million tokens, e.g. a notional price for a
        local model (electricity, amortised hardware). Returns the updated spec."""
        with self._lock:
            spec = self.get(model_id).with_price(
                input_per_mtok, output_per_mtok, source=source, price_date=price_date
            )
            self._put(spec)
        return spec

    def _apply_prices(
        self, parsed: list[ParsedPrice], add_unknown: bool, day: dt.date
    ) -> LoadReport:
        """Match parsed entries to models, then apply them all under one lock.

        A model named by several keys takes the key its price came from, else the key equal to
        its id, else the first alias match; the other keys are reported as skipped.
        """
        with self._lock:
            by_source: dict[str, str] = {}
            for k, m in self._models.items():
                by_source.setdefault(m.price_source.casefold(), k)
            best: dict[str, tuple[int, ParsedPrice]] = {}
            new: dict[str, ParsedPrice] = {}
            skipped: list[tuple[str, str]] = []
            for p in parsed:
                key = p.key.casefold()
                canon = self._index.get(key) or by_source.get(p.source.casefold())
                if canon is None and p.new_spec is not None:
                    canon = self._index.get(p.new_spec.id.casefold())
                if canon is None:
                    if p.new_spec is None:
                        skipped.append((p.key, p.skip_reason or "not a usable model entry"))
                    elif p.new_spec.id.casefold() in new:
                        skipped.append((p.key, f"same id as {new[p.new_spec.id.casefold()].key!r}"))
                    elif not add_unknown:
                        skipped.append((p.key, "unknown model (add_unknown=False)"))
                    else:
                        new[p.new_spec.id.casefold()] = p
                    continue
                m = self._models[canon]
                if p.input_per_mtok is None or p.output_per_mtok is None:
                    skipped.append((p.key, f"{p.skip_reason or 'no price'} (for {m.id})"))
                    continue
                rank = (
                    0
                    if m.price_source.casefold() == p.source.casefold()
                    else (1 if m.id.casefold() == key else 2)
                )
                if canon in best and best[canon][0] <= rank:
                    skipped.append((p.key, f"{best[canon][1].key!r} prices {m.id}"))
                    continue
                if canon in best:
                    skipped.append((best[canon][1].key, f"{p.key!r} prices {m.id}"))
                best[canon] = (rank, p)
            updated: list[str] = []
            unchanged: list[str] = []
            for canon, (_, p) in sorted(best.items()):
                m = self._models[canon]
                assert p.input_per_mtok is not None and p.output_per_mtok is not None
                if (m.input_price_per_mtok, m.output_price_per_mtok) == (
                    p.input_per_mtok,
                    p.output_per_mtok,
                ):
                    unchanged.append(m.id)
                    continue
                self._put(
                    m.with_price(
                        p.input_per_mtok, p.output_per_mtok, source=p.source, price_date=day
                    )
                )
                updated.append(m.id)
            added: list[str] = []
            for p in new.values():
                assert p.new_spec is not None
                self._put(p.new_spec)
                added.append(p.new_spec.id)
        return LoadReport(tuple(updated), tuple(unchanged), tuple(sorted(added)), tuple(skipped))

    def load_litellm_prices(
        self,
        source: str | PathLike[str] | Mapping[str, Any],
        *,
        keys: Collection[str] | None = None,
        add_unknown: bool = True,
        price_date: dt.date | str | None = None,
    ) -> LoadReport:
        """Refresh prices from LiteLLM's ``model_prices_and_context_window.json`` (a path or
        the parsed dict) and add the text models the registry does not know.

        A key matches a known model by id, alias, or the LiteLLM key its price came from. The
        full LiteLLM file holds thousands of chat models: pass ``keys=[...]`` to pick some, or
        ``add_unknown=False`` to only refresh. The file is validated in full first; a bad entry
        raises `ValidationError` naming its key, and nothing changes.
        """
        day = as_date("price_date", price_date) or _today()
        parsed = parse_litellm(read_json(source, "LiteLLM prices"), keys=keys, price_date=day)
        return self._apply_prices(parsed, add_unknown, day)

    def load_openrouter_models(
        self,
        source: str | PathLike[str] | Mapping[str, Any],
        *,
        add_unknown: bool = True,
        price_date: dt.date | str | None = None,
    ) -> LoadReport:
        """Refresh prices from OpenRouter's ``GET /api/v1/models`` JSON (a path or the parsed
        dict) and add the models the registry does not know.

        Uses ``data[].id``, ``pricing.prompt``/``pricing.completion`` (USD per token, strings),
        ``context_length`` and ``top_provider.max_completion_tokens``. Validated in full first;
        a bad entry raises `ValidationError` naming it, and nothing changes.
        """
        day = as_date("price_date", price_date) or _today()
        parsed = parse_openrouter(read_json(source, "OpenRouter models"), price_date=day)
        return self._apply_prices(parsed, add_unknown, day)

    # ------------------------------------------------------------------ tables

    def _rows(self, include_deprecated: bool) -> list[dict[str, Any]]:
        return [
            {
                "id": m.id,
                "name": m.name,
                "provider": m.provider,
                "input_price_per_mtok": float(m.input_price_per_mtok),
                "output_price_per_mtok": float(m.output_price_per_mtok),
                "blended_price_per_mtok": float(m.blended_price_per_mtok),
                "cost_per_1k_input_tokens": float(m.cost_per_1k_input_tokens),
                "cost_per_1k_output_tokens": float(m.cost_per_1k_output_tokens),
                "context_window": m.context_window,
                "max_output_tokens": m.max_output_tokens,
                "capabilities": [c.value for c in m.sorted_capabilities()],
                "avg_latency_ms": m.avg_latency_ms,
                "quality_tier": m.quality_tier,
                "cost_efficiency_score": m.cost_efficiency_score,
                "aliases": list(m.aliases),
                "is_local": m.is_local,
                "deprecated": m.deprecated,
                "deprecation_date": m.deprecation_date,
                "price_source": m.price_source,
                "price_date": m.price_date,
            }
            for m in self._select(include_deprecated=include_deprecated)
        ]

    def to_polars(self, include_deprecated: bool = True) -> pl.DataFrame:
        """One row per model, sorted by id. Prices are Float64 for analysis; the exact
        `Decimal` prices are on `ModelSpec`."""
        import polars as pl

        schema: dict[str, Any] = {
            "id": pl.String,
            "name": pl.String,
            "provider": pl.String,
            "input_price_per_mtok": pl.Float64,
            "output_price_per_mtok": pl.Float64,
            "blended_price_per_mtok": pl.Float64,
            "cost_per_1k_input_tokens": pl.Float64,
            "cost_per_1k_output_tokens": pl.Float64,
            "context_window": pl.Int64,
            "max_output_tokens": pl.Int64,
            "capabilities": pl.List(pl.String),
            "avg_latency_ms": pl.Int64,
            "quality_tier": pl.Int64,
            "cost_efficiency_score": pl.Float64,
            "aliases": pl.List(pl.String),
            "is_local": pl.Boolean,
            "deprecated": pl.Boolean,
            "deprecation_date": pl.Date,
            "price_source": pl.String,
            "price_date": pl.Date,
        }
        return pl.DataFrame(self._rows(include_deprecated), schema=schema, orient="row")

    def to_pandas(self, include_deprecated: bool = True) -> pd.DataFrame:
        """The `to_polars` table as pandas (list columns hold Python lists)."""
        df = self.to_polars(include_deprecated).to_pandas()
        for col in ("capabilities", "aliases"):
            df[col] = [list(v) for v in df[col]]
        return df


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


_default: ModelRegistry | None = None
_default_lock = threading.Lock()


def get_model_registry() -> ModelRegistry:
    """The process-wide registry, loaded from the bundled data on first use.

    Changes made to it (`register`, `set_price`, price refreshes) are seen by every caller in
    the process; use `ModelRegistry.from_bundled()` for a private copy.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ModelRegistry.from_bundled()
    return _default


def _replace_default(registry: ModelRegistry | None) -> None:
    """Swap the process-wide registry (tests only)."""
    global _default
    with _default_lock:
        _default = registry
