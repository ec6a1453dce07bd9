"""Regenerate the bundled ``models.json`` from the shared price data, so every number is traceable.

    python -m aigym.registry._build_data                # write aigym/registry/models.json
    python -m aigym.registry._build_data --check        # exit 1 if the file is out of date
    python -m aigym.registry._build_data --data DIR     # where the shared data files are

Inputs (see shared/data/README.md for origin and licence):

- ``litellm_model_prices_and_context_window.json`` (LiteLLM, MIT): prices, context windows,
  capability flags and deprecation dates, read by key; each entry records its key.
- ``llmrouter_model_prices.csv`` (LLMRouter, MIT): the NVIDIA-hosted prices of the outcome
  table's models, read by the table's model name.

Where the LiteLLM snapshot has no first-party entry (Claude 3.x and Claude Sonnet 4 appear
only under cloud resellers; Grok Beta is gone), the provider's published list price is written
here with its URL and date. Latency and quality figures are priors chosen here, by size class.
This module is not imported by aigym at run time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from aigym.registry._curated import ENTRIES, Entry, LiteLLM, LLMRouter, Published
from aigym.registry._loaders import BUNDLED_FILE, DATA_SCHEMA_VERSION
from aigym.registry._spec import LONG_CONTEXT_MIN_TOKENS, ModelCapability, clean_decimal

#: Day the shared LiteLLM and LLMRouter snapshots were taken (their files' date in shared/).
SNAPSHOT_DATE: Final = "2026-11-26"
LITELLM_FILE: Final = "litellm_model_prices_and_context_window.json"
LLMROUTER_FILE: Final = "llmrouter_model_prices.csv"

# Capability flags read from LiteLLM entries, and the order capabilities are written in.
_LITELLM_FLAGS: Final = {
    "supports_vision": "vision",
    "supports_function_calling": "function_calling",
    "supports_reasoning": "reasoning",
    "supports_response_schema": "structured_output",
}
_CAP_ORDER: Final = tuple(c.value for c in ModelCapability)


# --------------------------------------------------------------------------- building


def _per_mtok(per_token: Decimal | float) -> str:
    d = per_token if isinstance(per_token, Decimal) else Decimal(repr(per_token))
    return format(clean_decimal(d * 1_000_000), "f")


def _plain(value: str) -> str:
    return format(clean_decimal(Decimal(value)), "f")


def default_data_dir() -> Path:
    env = os.environ.get("AIGYM_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def build_document(data_dir: Path) -> dict[str, Any]:
    """The models document built from the shared data files in `data_dir`."""
    litellm = json.loads((data_dir / LITELLM_FILE).read_text("utf-8"), parse_float=Decimal)
    with (data_dir / LLMROUTER_FILE).open(encoding="utf-8", newline="") as f:
        llmrouter = {row["model"]: row for row in csv.DictReader(f)}
    snapshot = dt.date.fromisoformat(SNAPSHOT_DATE)
    models = [_build_entry(e, litellm, llmrouter, snapshot) for e in ENTRIES]
    _check_unique(models)
    models.sort(key=lambda m: m["id"])
    return {
        "schema_version": DATA_SCHEMA_VERSION,
        "generated_by": "python -m aigym.registry._build_data",
        "snapshot_date": SNAPSHOT_DATE,
        "sources": {
            "litellm": f"{LITELLM_FILE} from the litellm package (MIT, BerriAI); "
            "price_source 'litellm:<key>' names the entry. Licence: LICENSES.md.",
            "llmrouter": f"{LLMROUTER_FILE} from ulab-uiuc/LLMRouter @ 4e7a796942ce (MIT); "
            "price_source 'llmrouter_model_prices.csv:<model>' names the row.",
            "published": "provider list prices; price_source 'published:<url>' and price_date.",
            "notional": "local models: free until ModelRegistry.set_price gives them a price.",
        },
        "models": models,
    }


def _build_entry(
    e: Entry,
    litellm: Mapping[str, Any],
    llmrouter: Mapping[str, Mapping[str, str]],
    snapshot: dt.date,
) -> dict[str, Any]:
    capabilities = set(e.caps)
    aliases = list(e.aliases)
    context, max_out, end = e.context, e.max_output, e.retired
    price = e.price
    if isinstance(price, LiteLLM):
        row = litellm[price.key]
        inp = _per_mtok(row["input_cost_per_token"])
        out = _per_mtok(row["output_cost_per_token"])
        context = context or row.get("max_input_tokens")
        max_out = max_out or row.get("max_output_tokens")
        end = end or row.get("deprecation_date")
        capabilities |= {cap for flag, cap in _LITELLM_FLAGS.items() if row.get(flag) is True}
        source, date = f"litellm:{price.key}", SNAPSHOT_DATE
    elif isinstance(price, LLMRouter):
        row = llmrouter[price.model]
        inp, out = _plain(row["input_price_per_mtok"]), _plain(row["output_price_per_mtok"])
        aliases += [row["model"], row["api_model"]]
        source = f"{LLMROUTER_FILE}:{price.model} ({row['service']})"
        date = SNAPSHOT_DATE
    elif isinstance(price, Published):
        inp, out = _plain(price.input_per_mtok), _plain(price.output_per_mtok)
        source, date = f"published:{price.url}", price.date
    else:
        inp, out, source, date = "0", "0", "notional:local (free until set_price)", SNAPSHOT_DATE
    if context is None or max_out is None:
        raise SystemExit(f"{e.id}: no context window / max output; give them in ENTRIES")
    if int(context) >= LONG_CONTEXT_MIN_TOKENS:
        capabilities.add("long_context")
    deprecated = e.retired_undated or (
        end is not None and dt.date.fromisoformat(str(end)) <= snapshot
    )
    doc: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "provider": e.id.split("/", 1)[0],
        "input_price_per_mtok": inp,
        "output_price_per_mtok": out,
        "context_window": int(context),
        "max_output_tokens": int(max_out),
        "capabilities": [c for c in _CAP_ORDER if c in capabilities],
        "avg_latency_ms": e.latency_ms,
        "quality_tier": e.tier,
        "aliases": list(dict.fromkeys(a for a in aliases if a.casefold() != e.id.casefold())),
        "deprecated": deprecated,
        "deprecation_date": None if end is None else str(end),
        "price_source": source,
        "price_date": date,
    }
    if e.notes:
        doc["notes"] = e.notes
    return doc


def _check_unique(models: Sequence[Mapping[str, Any]]) -> None:
    owner: dict[str, str] = {}
    for m in models:
        for name in (m["id"], *m["aliases"]):
            prev = owner.setdefault(name.casefold(), m["id"])
            if prev != m["id"]:
                raise SystemExit(f"name {name!r} is used by both {prev} and {m['id']}")


def render(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--data", type=Path, default=None, help="folder with the shared data files")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name(BUNDLED_FILE))
    ap.add_argument("--check", action="store_true", help="exit 1 if --out is not up to date")
    args = ap.parse_args(argv)
    text = render(build_document(args.data or default_data_dir()))
    if args.check:
        current = args.out.read_text("utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run python -m aigym.registry._build_data")
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(ENTRIES)} models)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
