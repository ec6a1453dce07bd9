"""Conversation and generic heuristics: relevant, helpful, professional; non-empty, no loops."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score, weighted_score
from aigym.scoring._text import REFUSAL_RE, STOPWORDS, WORD_RE, ramp, repetition_ratio

__all__ = ["CONVERSATION_WEIGHTS", "GENERIC_WEIGHTS", "conversation", "generic"]

CONVERSATION_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"relevance": 0.40, "helpfulness": 0.35, "professionalism": 0.25}
)
"""relevance 0.40, helpfulness 0.35, professionalism 0.25."""

GENERIC_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"length": 0.30, "no_refusal": 0.35, "no_repetition": 0.35}
)
"""length 0.30, no_refusal 0.35, no_repetition 0.35 (an empty output scores 0)."""

_PROFANITY_RE: Final = re.compile(
    r"\b(?:fuck\w*|shit\w*|damn|crap|bullshit|wtf|stupid|idiot\w*|dumb|moron\w*|shut up)\b", re.I
)
_SLANG_RE: Final = re.compile(
    r"\b(?:lol|lmao|rofl|omg|gonna|wanna|gotta|dude|bro|yeah nah)\b", re.I
)
_EMOJI_RE: Final = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_CAPS_RE: Final = re.compile(r"\b[A-Z]{4,}\b")
_SUBSTANCE_RE: Final = re.compile(
    r"^\s*(?:[-*•]|\d+[.)])\s+|\b(?:for example|for instance|e\.g\.|such as|step \d|first,|"
    r"you can|you could|try|consider|recommend|because|here(?:'s| is| are))\b|```",
    re.I | re.M,
)
_QUESTION_ONLY_MAX_WORDS: Final = 25


def _content(tokens: list[str]) -> set[str]:
    return {t for t in tokens if len(t) > 2 and t not in STOPWORDS}


def _stem(w: str) -> str:
    """A crude suffix strip so 'refunds'/'refund' and 'shipping'/'shipped' overlap."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


@scorer("conversation", "1")
def conversation(output: str, context: Context | None) -> Score:
    """A chat reply: relevance to `context['prompt']`, helpfulness, professionalism.

    Weights (`CONVERSATION_WEIGHTS`): relevance 0.40, helpfulness 0.35, professionalism 0.25.
    relevance is the share of the prompt's content words (stopwords out, crude stemming) the
    reply uses, full at 50%; it is left out (weights renormalised) without a prompt.
    helpfulness ramps with length (full at 40 words), gains for concrete substance (lists,
    examples, advice), and is capped at 15 for a refusal and 40 for a bare question back.
    professionalism loses points for profanity, slang, shouting, '!!' and emoji.
    """
    ctx = context or {}
    text = output.strip()
    if not text:
        return Score(0.0, dict.fromkeys(CONVERSATION_WEIGHTS, 0.0), "empty output")
    tokens = WORD_RE.findall(text.lower())
    n = len(tokens)
    dims: dict[str, float] = {}
    notes: list[str] = []
    prompt = ctx.get("prompt")
    if isinstance(prompt, str) and prompt.strip():
        wanted = {_stem(w) for w in _content(WORD_RE.findall(prompt.lower()))}
        if wanted:
            got = {_stem(w) for w in _content(tokens)}
            share = len(wanted & got) / len(wanted)
            dims["relevance"] = ramp(share, 0.0, 0.5)
            if share < 0.2:
                notes.append("reply barely touches the prompt's terms")
    else:
        notes.append("no context['prompt']: relevance not assessed")

    helpful = ramp(n, 3, 40)
    if n > 800:
        helpful -= min(30.0, (n - 800) / 40)
    if _SUBSTANCE_RE.search(text):
        helpful = min(100.0, helpful + 20.0)
    if REFUSAL_RE.search(text):
        helpful = min(helpful, 15.0)
        notes.append("refusal")
    elif text.endswith("?") and n <= _QUESTION_ONLY_MAX_WORDS and text.count(".") == 0:
        helpful = min(helpful, 40.0)
        notes.append("only asks a question back")
    dims["helpfulness"] = max(0.0, helpful)

    penalty = 40.0 * len(_PROFANITY_RE.findall(text)) + 10.0 * len(_SLANG_RE.findall(text))
    caps = len(_CAPS_RE.findall(output))
    penalty += min(40.0, 400.0 * caps / n) if n else 0.0
    penalty += min(30.0, 15.0 * text.count("!!")) + min(30.0, 5.0 * len(_EMOJI_RE.findall(text)))
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
    tokens = WORD_RE.findall(text.lower())
    n = len(tokens)
    length = ramp(n, 0, 30)
    if n > 3000:
        length -= min(40.0, (n - 3000) / 100)
    refusal = REFUSAL_RE.search(text) is not None
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
