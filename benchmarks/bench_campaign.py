"""Campaign runner throughput against a bare httpx loop, same server, same concurrency.

    .venv/bin/python benchmarks/bench_campaign.py [--calls 3000] [--concurrency 64] [--rounds 3]

A `FaultServer` with no faults runs in its own process (so it does not share our GIL) and
answers instantly. Measured in one run, alternating, median of `--rounds`:

* baseline: a bare `httpx.AsyncClient` loop, `--concurrency` workers POSTing chat
  completions and parsing the JSON, connection limit = concurrency;
* for information, the provider alone (`acomplete` in the same kind of loop): the ratio of
  ours to it is the runner's own overhead (keys, budget, rows, store, plan and summary);
* ours: `run_campaign` end to end (plan, store scans, calls through the provider, one row
  per call through the buffered writer with fsync durability, final summary), same number
  of calls at the same concurrency.

Target: ours / baseline >= 0.8. Note that httpx's own pool (httpcore) is slow at high
concurrency, which the provider's transport avoids; both numbers are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx
from _common import HERE, ratio_line

from aigym.campaign import CampaignSpec, Sampling, run_campaign
from aigym.providers import OpenAICompatibleProvider, ProviderRegistry
from aigym.registry import ModelRegistry, ModelSpec

MODEL = "bench/instant"
SERVER = """
import sys
from aigym.providers.testing import FaultServer
with FaultServer(record_requests=False) as s:
    print(s.base_url, flush=True)
    sys.stdin.read()
"""


def _start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE.parent,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _prompts(n: int) -> list[dict[str, str]]:
    return [
        {"prompt_id": f"b{i:06d}", "prompt": f"Question {i}: what is {i} + {i}? Answer briefly."}
        for i in range(n)
    ]


async def _bare(url: str, n: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0, trust_env=False) as client:

        async def batch(items: list[dict[str, str]]) -> None:
            todo = iter(items)

            async def worker() -> None:
                for p in todo:
                    body = {
                        "model": "instant",
                        "messages": [{"role": "user", "content": p["prompt"]}],
                        "max_tokens": 16,
                    }
                    r = await client.post(url + "/chat/completions", json=body)
                    r.raise_for_status()
                    r.json()

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await batch(_prompts(concurrency))  # connect and warm up
        t = time.perf_counter()
        await batch(_prompts(n))
        return n / (time.perf_counter() - t)


async def _provider_loop(url: str, n: int, concurrency: int) -> float:
    """The provider alone (its transport, retries, parsing), no runner and no store."""
    provider = OpenAICompatibleProvider(
        "bench", base_url=url, api_key_env=None, max_concurrency=concurrency, trust_env=False
    )
    sampling = Sampling(max_tokens=16)
    try:

        async def batch(items: list[dict[str, str]]) -> None:
            todo = iter(items)

            async def worker() -> None:
                for p in todo:
                    await provider.acomplete(sampling.request("instant", p["prompt"], 0))

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await batch(_prompts(concurrency))
        t = time.perf_counter()
        await batch(_prompts(n))
        return n / (time.perf_counter() - t)
    finally:
        await provider.aclose()


def _ours(url: str, n: int, concurrency: int) -> tuple[float, dict[str, float]]:
    models = ModelRegistry(
        [
            ModelSpec(
                id=MODEL,
                name="instant",
                provider="bench",
                input_price_per_mtok=Decimal(1),
                output_price_per_mtok=Decimal(2),
                context_window=4096,
                max_output_tokens=256,
            )
        ]
    )
    providers = ProviderRegistry.with_defaults()
    providers.register_endpoint("bench", url, trust_env=False)
    root = Path(tempfile.mkdtemp(prefix="aigym-bench-campaign-"))
    try:
        spec = CampaignSpec(
            name="bench",
            prompts=_prompts(n),
            models=[MODEL],
            sampling=Sampling(max_tokens=16),
            concurrency=concurrency,
            budget_usd=100,
            store=root,
        )
        t = time.perf_counter()
        result = run_campaign(
            spec, provider_registry=providers, model_registry=models, progress=False, verbose=False
        )
        took = time.perf_counter() - t
        assert result.successes == n, result.message
        return n / took, {"seconds": took}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    proc, url = _start_server()
    try:
        _ours(url, 200, args.concurrency)  # warm imports and caches once
        bare, prov, ours = [], [], []
        for _ in range(args.rounds):
            bare.append(asyncio.run(_bare(url, args.calls, args.concurrency)))
            prov.append(asyncio.run(_provider_loop(url, args.calls, args.concurrency)))
            ours.append(_ours(url, args.calls, args.concurrency)[0])
        b, p, o = statistics.median(bare), statistics.median(prov), statistics.median(ours)
        print(
            f"campaign runner vs bare httpx.AsyncClient loop: {args.calls} calls, concurrency "
            f"{args.concurrency}, loopback server in its own process, median of {args.rounds}"
        )
        print(f"  bare httpx rounds (req/s): {', '.join(f'{x:.0f}' for x in bare)}")
        print(f"  provider rounds   (req/s): {', '.join(f'{x:.0f}' for x in prov)}")
        print(f"  runner rounds     (req/s): {', '.join(f'{x:.0f}' for x in ours)}")
        print(
            ratio_line("runner (end to end, fsync store) / bare httpx loop", o, b, "/s", ">= 0.8")
        )
        print(ratio_line("runner / bare provider loop (the runner's own cost)", o, p, "/s", "info"))
        print(json.dumps({"runner_rps": o, "bare_httpx_rps": b, "provider_rps": p}))
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


if __name__ == "__main__":
    main()
