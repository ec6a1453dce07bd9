"""Conversation and generic heuristics: relevant, helpful, professional; non-empty, no loops."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score, weighted_score
from aigym.scoring._text import (
    STOPWORDS,
    Phrases,
    find_refusal,
    padded,
    ramp,
    repetition_ratio,
    split_words,
    words,
)

__all__ = ["CONVERSATION_WEIGHTS", "GENERIC_WEIGHTS", "conversation", "generic"]

CONVERSATION_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"relevance": 0.40, "helpfulness": 0.35, "professionalism": 0.25}
)
"""relevance 0.40, helpfulness 0.35, professionalism 0.25."""

GENERIC_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"length": 0.30, "no_refusal": 0.35, "no_repetition": 0.35}
)
"""length 0.30, no_refusal 0.35, no_repetition 0.35 (an empty output scores 0)."""

_PROFANITY: Final = Phrases(
    "fuck*", "shit*", "damn", "crap", "bullshit", "wtf", "stupid", "idiot*", "dumb", "moron*",
    "shut up",
)  # fmt: skip
_SLANG: Final = Phrases("lol", "lmao", "rofl", "omg", "gonna", "wanna", "gotta", "dude", "bro")
_SUBSTANCE: Final = Phrases(
    "for example", "for instance", "e g", "such as", "first", "you can", "you could", "try",
    "consider", "recommend*", "because", "here s", "here is", "here are", "steps",
)  # fmt: skip
_EMOJI_RE: Final = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_LIST_MARKER_RE: Final = re.compile(r"(?:[-*•]|\d{1,2}[.)])\s")
_QUESTION_ONLY_MAX_WORDS: Final = 25


def _stem(w: str) -> str:
    """A crude suffix strip; the stem is then matched as a word prefix in the reply, so
    'refund' finds 'refunds' and 'refunded', 'shipping' finds 'shipped'."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _has_list(text: str) -> bool:
    return any(_LIST_MARKER_RE.match(line.lstrip()) for line in text.splitlines()[:200])


@scorer("conversation", "1")
def conversation(output: str, context: Context | None) -> Score:
    """A chat reply: relevance to `context['prompt']`, helpfulness, professionalism.

    Weights (`CONVERSATION_WEIGHTS`): relevance 0.40, helpfulness 0.35, professionalism 0.25.
    relevance is the share of the prompt's content words (stopwords out, crude stemming) the
    reply uses, full at 50%; it is left out (weights renormalised) without a prompt.
    helpfulness ramps with length (full at 40 words), gains for concrete substance (lists,
    examples, advice), and is capped at 15 for a refusal (looked for in the first 600 and
    last 300 characters) and 40 for a bare question back.
    professionalism loses points for profanity, slang, shouting, '!!' and emoji.
    """
    ctx = context or {}
    text = output.strip()
    if not text:
        return Score(0.0, dict.fromkeys(CONVERSATION_WEIGHTS, 0.0), "empty output")
    tokens = split_words(text)
    low = padded(tokens)
    n = len(tokens)
    dims: dict[str, float] = {}
    notes: list[str] = []
    prompt = ctx.get("prompt")
    if isinstance(prompt, str) and prompt.strip():
        wanted = {
            _stem(w) for w in split_words(prompt.lower()) if len(w) > 2 and w not in STOPWORDS
        }
        if wanted:
            share = sum(f" {w}" in low for w in wanted) / len(wanted)
            dims["relevance"] = ramp(share, 0.0, 0.5)
            if share < 0.2:
                notes.append("reply barely touches the prompt's terms")
    else:
        notes.append("no context['prompt']: relevance not assessed")

    helpful = ramp(n, 3, 40)
    if n > 800:
        helpful -= min(30.0, (n - 800) / 40)
    if _SUBSTANCE.any(low) or "```" in text or _has_list(text):
        helpful = min(100.0, helpful + 20.0)
    if find_refusal(text):
        helpful = min(helpful, 15.0)
        notes.append("refusal")
    elif text.endswith("?") and n <= _QUESTION_ONLY_MAX_WORDS and text.count(".") == 0:
        helpful = min(helpful, 40.0)
        notes.append("only asks a question back")
    dims["helpfulness"] = max(0.0, helpful)

    penalty = 40.0 * _PROFANITY.count(low) + 10.0 * _SLANG.count(low)
    caps = sum(1 for w in tokens if len(w) > 3 and w.isupper())
    penalty += min(40.0, 400.0 * caps / n) if n else 0.0
    penalty += min(30.0, 15.0 * text.count("!!"))
    if not text.isascii():
        penalty += min(30.0, 5.0 * len(_EMOJI_RE.findall(text)))
    dims["professionalism"] = max(0.0, 100.0 - penalty)
    if penalty >= 20:
        notes.append("unprofessional tone")
    return weighted_score(dims, CONVERSATION_WEIGHTS, explanation="; ".join(notes) or "good reply")


@scorer("generic", "1")
def generic(output: str, context: Context | None) -> Score:
    """Fallback for any task: non-empty, reasonable length, no refusal, no repetition loop.

    Weights (`GENERIC_WEIGHTS`): length 0.30, no_refusal 0.35, no_repetition 0.35; an empty
    output is 0 on every dimension. length ramps to full at 30 words and loses up to 40 past
    3,000. no_repetition is 100 minus 150 x the share of repeated word trigrams (and of
    repeated lines), so a model stuck in a loop falls towards 0.
    """
    text = output.strip()
    if not text:
        return Score(0.0, dict.fromkeys(GENERIC_WEIGHTS, 0.0), "empty output")
    tokens = words(text)
    n = len(tokens)
    length = ramp(n, 0, 30)
    if n > 3000:
        length -= min(40.0, (n - 3000) / 100)
    refusal = find_refusal(text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line_rep = 1.0 - len(set(lines)) / len(lines) if len(lines) > 3 else 0.0
    rep = max(repetition_ratio(tokens), line_rep)
    dims = {
        "length": length,
        "no_refusal": 0.0 if refusal else 100.0,
        "no_repetition": max(0.0, 100.0 - 150.0 * rep),
    }
    notes = []
    if refusal:
        notes.append("refusal boilerplate")
    if rep > 0.2:
        notes.append(f"{rep:.0%} repeated")
    return weighted_score(dims, GENERIC_WEIGHTS, explanation="; ".join(notes) or "ok")
