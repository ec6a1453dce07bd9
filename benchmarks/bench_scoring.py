"""Scorer throughput, each figure next to a baseline measured in the same run.

Run: .venv/bin/python benchmarks/bench_scoring.py [--quick]

The baseline is `text.lower().split()` over the same corpus: the cheapest pass any scorer
must make over its input, so "ratio" (scorer time / baseline time) is comparable across
machines while the absolute figures are checked against the targets:

* heuristic scorers on 10 KB outputs: <= 1 ms per output; the code heuristic <= 10 ms
  (static analysis only; running tests is the sandbox's cost, measured elsewhere);
* reference scorers: >= 100k outputs/s on outputs of up to 200 bytes, >= 5k/s on 10 KB.

Each figure is the best of several repeats (the machine is shared); exit status 1 if a
target is missed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aigym.scoring import get_scorer

KB10 = 10 * 1024
WORDS = [
    "the",
    "model",
    "answered",
    "our",
    "customer",
    "quickly",
    "and",
    "the",
    "team",
    "reviewed",
    "pricing",
    "plans",
    "for",
    "the",
    "warehouse",
    "rollout",
    "while",
    "finance",
    "approved",
    "budget",
    "for",
    "onboarding",
    "new",
    "staff",
    "next",
    "quarter",
    "please",
    "let",
    "me",
    "know",
    "if",
    "a",
    "short",
    "call",
    "works",
    "for",
    "you",
    "on",
    "tuesday",
    "or",
    "wednesday",
    "afternoon",
]


def _prose(rng: random.Random, size: int) -> str:
    out: list[str] = []
    n = 0
    while n < size:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize()
        sentence += rng.choice([".", ".", ".", "?"])
        out.append(sentence)
        n += len(sentence) + 1
        if rng.random() < 0.15:
            out.append("\n\n")
    return " ".join(out)[:size]


def _email(rng: random.Random) -> str:
    body = _prose(rng, KB10 - 200)
    return (
        f"Subject: Onboarding\n\nHi John,\n\n{body}\n\n"
        "Would you be open to a call?\n\nBest regards,\nMaria"
    )


def _website(rng: random.Random) -> str:
    data: dict[str, Any] = {
        "business_name": "Acme Plumbing",
        "industry": "Home services",
        "contact": {"email": "hello@acme.example", "phone": "+1 555 010 2030"},
        "description": _prose(rng, 300),
        "services": [],
    }
    while len(json.dumps(data)) < KB10:
        data["services"].append({"name": _prose(rng, 30), "detail": _prose(rng, 120)})
    return json.dumps(data)[: KB10 + 200]


def _code(rng: random.Random) -> str:
    parts: list[str] = []
    i = 0
    while sum(len(p) for p in parts) < KB10:
        parts.append(
            f"def helper_{i}(values: list[int], scale: int = {rng.randint(1, 9)}) -> int:\n"
            f'    """Scaled sum number {i}; keeps the caller\'s list untouched."""\n'
            "    total = 0\n    for v in values:\n        if v is None:\n            continue\n"
            "        total += v * scale\n    return total\n\n\n"
        )
        i += 1
    return "".join(parts)


def _lead(rng: random.Random) -> str:
    return json.dumps({"score": rng.randint(0, 100), "rationale": _prose(rng, KB10 - 60)})


def _answer(rng: random.Random, size: int) -> str:
    tail = f" So the answer is ({rng.choice('ABCDE')}), which is {rng.randint(1, 9999):,}."
    return (_prose(rng, size - len(tail)) + tail)[-size:]


def _timeit(fn: Callable[[str], object], corpus: Sequence[str], repeats: int) -> float:
    """Best seconds per output over `repeats` passes of the corpus."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in corpus:
            fn(text)
        best = min(best, (time.perf_counter() - start) / len(corpus))
    return best


def _baseline(text: str) -> object:
    return text.lower().split()


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    rng = random.Random(20240601)
    n_big = 20 if quick else 60
    n_small = 2_000 if quick else 20_000
    repeats = 3 if quick else 5

    heuristics: list[tuple[str, Callable[[random.Random], str], Mapping[str, Any], float]] = [
        ("website_analysis", _website, {}, 1e-3),
        ("email_writing", _email, {"recipient": "John", "company": "Acme Corp"}, 1e-3),
        ("conversation", lambda r: _prose(r, KB10), {"prompt": "How should we onboard staff?"},
         1e-3),
        ("lead_scoring", _lead, {"expected_score": 70}, 1e-3),
        ("generic", lambda r: _prose(r, KB10), {}, 1e-3),
        ("code_generation", _code, {}, 10e-3),
    ]  # fmt: skip
    small = [_answer(rng, rng.randint(60, 200)) for _ in range(n_small)]
    big = [_answer(rng, KB10) for _ in range(n_big)]
    schema = {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"type": "string"}},
    }
    small_json = [json.dumps({"answer": t[:150]}) for t in small]
    big_json = [json.dumps({"answer": t}) for t in big]
    references: list[tuple[str, Mapping[str, Any]]] = [
        ("exact_match", {"reference": "C"}),
        ("normalized_match", {"reference": "the answer is c"}),
        ("numeric_match", {"reference": 1234}),
        ("multiple_choice", {"reference": "C"}),
        ("token_f1", {"reference": "the answer is C which is 1,234"}),
        ("regex_match", {"pattern": r"answer is \([A-E]\)"}),
        ("json_schema", {"schema": schema}),
    ]

    failures = 0
    print(f"{'scorer':<18}{'output':>8}{'us/output':>11}{'outputs/s':>12}{'base us':>10}"
          f"{'ratio':>8}  target")  # fmt: skip

    def report(name: str, size: str, per: float, base: float, ok: bool, target: str) -> None:
        nonlocal failures
        failures += not ok
        print(f"{name:<18}{size:>8}{per * 1e6:>11.1f}{1 / per:>12,.0f}{base * 1e6:>10.1f}"
              f"{per / base:>8.1f}  {target} {'ok' if ok else 'MISSED'}")  # fmt: skip

    for name, make, ctx, limit in heuristics:
        corpus = [make(rng) for _ in range(n_big)]
        scorer = get_scorer(name)
        assert scorer(corpus[0], ctx).value is not None
        per = _timeit(lambda t, s=scorer, c=ctx: s(t, c), corpus, repeats)  # type: ignore[misc]
        base = _timeit(_baseline, corpus, repeats)
        size = f"{sum(map(len, corpus)) // len(corpus) // 1024}KB"
        report(name, size, per, base, per <= limit, f"<= {limit * 1e3:g} ms")

    for name, ctx in references:
        scorer = get_scorer(name)
        for corpus, minimum in (
            (small_json if name == "json_schema" else small, 100_000),
            (big_json if name == "json_schema" else big, 5_000),
        ):
            assert scorer(corpus[0], ctx).value is not None
            per = _timeit(lambda t, s=scorer, c=ctx: s(t, c), corpus, repeats)  # type: ignore[misc]
            base = _timeit(_baseline, corpus, repeats)
            size = "<=200B" if minimum == 100_000 else "10KB"
            report(name, size, per, base, 1 / per >= minimum, f">= {minimum:,}/s")
    print("baseline: text.lower().split() over the same corpus; ratio = scorer / baseline")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
