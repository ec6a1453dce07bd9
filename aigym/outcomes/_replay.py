"""`replay/<model>`: an outcome table served as if it were a live endpoint.

A campaign (or a report, or a router) that names `replay/<model>` gets, for each prompt, the
table's recorded outcome of that model: its response text (or a placeholder saying it is a
replay), its token counts and cost, and its score as the call's quality (100 x score, the
0-100 scale of `Execution.quality_score`). No network, no randomness: a bake-off on published
or logged outcomes runs through the same campaign, store and tracker code as a live one.

A request is matched to an item by the item id in `request.extra['aigym_item_id']` if given,
else by its prompt text (a plain prompt, or the last user message). Prompt texts that occur
under several item ids are served as their first item (`campaign_prompts` leaves the later
ones out, so a replay campaign never hits that ambiguity).

Importing `aigym.outcomes` registers `replay` with `ProviderRegistry.with_defaults()`;
`serve_replay(table)` says which tables that default provider serves. A `ReplayProvider`
can also be passed to `run_campaign(..., providers={'replay': ReplayProvider(table)})`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from typing import Any, Final

from aigym.errors import UnknownModelError, ValidationError
from aigym.outcomes._table import OutcomeTable
from aigym.providers import (
    BadRequestError,
    Completion,
    CompletionRequest,
    Provider,
    RetryPolicy,
    register_default_provider,
)
from aigym.registry import ModelRegistry, get_model_registry

__all__ = [
    "ITEM_ID_KEY",
    "REPLAY_PROVIDER",
    "ReplayProvider",
    "campaign_prompts",
    "clear_replay",
    "serve_replay",
]

REPLAY_PROVIDER: Final = "replay"
#: `CompletionRequest.extra` key naming the item to replay (overrides prompt matching).
ITEM_ID_KEY: Final = "aigym_item_id"

_lock = threading.Lock()
_served: list[OutcomeTable] = []


def serve_replay(*tables: OutcomeTable) -> None:
    """Make the default `replay` provider serve these tables (added to those already served)."""
    for t in tables:
        if not isinstance(t, OutcomeTable):
            raise ValidationError("table", type(t).__name__, "give OutcomeTable objects")
    with _lock:
        _served.extend(tables)


def clear_replay() -> None:
    """Stop serving every table given to `serve_replay`."""
    with _lock:
        _served.clear()


class _Row:
    __slots__ = (
        "cost",
        "input_tokens",
        "item_id",
        "latency_ms",
        "output_tokens",
        "quality",
        "response",
    )

    def __init__(self, r: dict[str, Any]) -> None:
        self.item_id: str = r["item_id"]
        self.quality = float(r["score"]) * 100.0
        cost = r.get("cost_usd")
        self.cost: float | None = None if cost is None else float(cost)
        n_in = r.get("input_tokens")
        n_out = r.get("output_tokens")
        response = r.get("response")
        # Without counts: the same estimate the table's costs use (4 characters a token).
        self.input_tokens = int(n_in) if n_in is not None else math.ceil(len(r["prompt"]) / 4)
        self.response: str | None = response
        if n_out is not None:
            self.output_tokens = int(n_out)
        else:
            self.output_tokens = math.ceil(len(response) / 4) if response else 0
        lat = r.get("latency_ms")
        self.latency_ms: float | None = None if lat is None else float(lat)


class ReplayProvider(Provider):
    """Serves recorded outcomes: `complete(request)` returns the table's row for
    (`request.model`, the request's item). Model names may be the table's own or any registry
    alias of them. An unknown model or prompt is a `BadRequestError` (stored as an error row).
    """

    def __init__(
        self,
        tables: OutcomeTable | Iterable[OutcomeTable] | None = None,
        *,
        name: str = REPLAY_PROVIDER,
        max_concurrency: int = 64,
        retry: RetryPolicy | None = None,
        registry: ModelRegistry | None = None,
    ) -> None:
        super().__init__(name, max_concurrency=max_concurrency, retry=retry)
        if tables is None:
            with _lock:
                chosen = list(_served)
        elif isinstance(tables, OutcomeTable):
            chosen = [tables]
        else:
            chosen = list(tables)
        for t in chosen:
            if not isinstance(t, OutcomeTable):
                raise ValidationError("tables", type(t).__name__, "give OutcomeTable objects")
        self.tables = tuple(chosen)
        self._registry = registry
        self._by_item: dict[tuple[str, str], _Row] = {}
        self._by_prompt: dict[tuple[str, str], _Row] = {}
        for t in self.tables:
            for r in t.frame.iter_rows(named=True):
                row = _Row(r)
                self._by_item.setdefault((r["model"], r["item_id"]), row)
                self._by_prompt.setdefault((r["model"], r["prompt"]), row)
        self._models = {m for t in self.tables for m in t.models}
        self._alias: dict[str, str | None] = {}

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(sorted(self._models))

    def _model(self, name: str) -> str | None:
        if name in self._models:
            return name
        if name not in self._alias:
            reg = self._registry if self._registry is not None else get_model_registry()
            try:
                mid: str | None = reg.get(name).id
            except UnknownModelError:
                mid = None
            self._alias[name] = mid if mid in self._models else None
        return self._alias[name]

    @staticmethod
    def _prompt(request: CompletionRequest) -> str:
        if request.prompt is not None:
            return request.prompt
        assert request.messages is not None
        users = [m.content for m in request.messages if m.role == "user"]
        return users[-1] if users else request.prompt_text()

    def _bad(self, request: CompletionRequest, detail: str, fix: str) -> BadRequestError:
        return BadRequestError(detail, provider=self.name, model=request.model, fix=fix)

    async def generate(self, request: CompletionRequest) -> Completion:
        model = self._model(request.model)
        if model is None:
            raise self._bad(
                request,
                f"the replayed tables have no outcomes of model {request.model!r}",
                f"use one of replay/{', replay/'.join(self.models) or '<none served>'}; "
                "serve a table with serve_replay(table)",
            )
        item = request.extra.get(ITEM_ID_KEY)
        if item is not None:
            row = self._by_item.get((model, str(item)))
        else:
            row = self._by_prompt.get((model, self._prompt(request)))
        if row is None:
            what = f"item {item!r}" if item is not None else "this prompt text"
            raise self._bad(
                request,
                f"no recorded outcome of {model} for {what}",
                "build the prompt set from the table with campaign_prompts(table)",
            )
        text = row.response
        if text is None:
            text = f"[replay: recorded outcome of {model} on item {row.item_id}; no response text]"
        return Completion(
            text=text,
            finish_reason="stop",
            prompt_tokens=row.input_tokens,
            completion_tokens=row.output_tokens,
            model=model,
            provider=self.name,
            cost_usd=row.cost,
            response_id=f"replay:{row.item_id}",
            usage={"replayed": True, "item_id": row.item_id},
            timings=None if row.latency_ms is None else {"recorded_latency_ms": row.latency_ms},
            quality_score=row.quality,
        )

    def __repr__(self) -> str:
        return f"ReplayProvider({len(self.tables)} tables, models={list(self.models)})"


def campaign_prompts(table: OutcomeTable) -> list[dict[str, Any]]:
    """A campaign prompt set from a table: one `{prompt_id, prompt, task_type}` per item.

    `prompt_id` is the item id. Items whose prompt text repeats an earlier item's are left
    out (a replay matches requests by text). Pass it as `CampaignSpec(prompts=...)`.
    """
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    has_task = "task_type" in table.frame.columns
    for r in table.items.iter_rows(named=True):
        if r["prompt"] in seen or not r["prompt"].strip():
            continue
        seen.add(r["prompt"])
        item: dict[str, Any] = {"prompt_id": r["item_id"], "prompt": r["prompt"]}
        if has_task and r["task_type"] is not None:
            item["task_type"] = r["task_type"]
        out.append(item)
    return out


def _default_replay(**overrides: Any) -> ReplayProvider:
    overrides.setdefault("name", REPLAY_PROVIDER)
    return ReplayProvider(**overrides)


register_default_provider(REPLAY_PROVIDER, _default_replay)
