"""Reference-based scorers: compare an output with a known answer in `context['reference']`.

Every scorer here is unscored when the context has no reference (`reference`, or `target`
as in inspect_ai); a list of references scores against the best-matching one.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

from aigym.errors import ValidationError
from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score

__all__ = [
    "exact_match",
    "extract_choice",
    "extract_last_number",
    "multiple_choice",
    "normalize_answer",
    "normalized_match",
    "numeric_match",
    "regex_match",
    "token_f1",
]

_NO_REFERENCE: Final = "no reference answer in context['reference']"
_PUNCT_TABLE: Final = str.maketrans("", "", string.punctuation)
_ARTICLES_RE: Final = re.compile(r"\b(?:a|an|the)\b")
_NUMBER_RE: Final = re.compile(r"-?\$?\s?\d[\d,]*(?:\.\d+)?|-?\$?\.\d+")
_GSM8K_RE: Final = re.compile(r"####\s*(-?\$?\s?[\d,]*\.?\d+)")
_MC_ANSWER_RE: Final = re.compile(
    r"(?i:\banswer)(?:\s+(?i:is))?\s*:?\s*(?:(?i:option|choice)\s*)?[\(\[]?\**([A-J])\b"
)
_MC_ALONE_RE: Final = re.compile(r"^\s*[\(\[]?\**([A-J])\**(?:[\)\].:]|\s*$)")
_MC_PAREN_RE: Final = re.compile(r"\(([A-J])\)")


def _references(ctx: Context) -> list[Any] | None:
    ref = ctx.get("reference")
    if ref is None:
        ref = ctx.get("target")
    if ref is None:
        return None
    if isinstance(ref, (list, tuple)):
        return list(ref) if ref else None
    return [ref]


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower()
    if not text.isalnum():
        text = text.translate(_PUNCT_TABLE)
    if "a" in text or "the" in text:
        text = _ARTICLES_RE.sub(" ", text)
    return " ".join(text.split())


@scorer("exact_match", "1")
def exact_match(output: str, context: Context | None) -> Score:
    """100 if the output equals a reference, ignoring surrounding whitespace, else 0."""
    refs = _references(context or {})
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    out = output.strip()
    hit = any(out == str(r).strip() for r in refs)
    return Score(100.0 if hit else 0.0)


@scorer("normalized_match", "1")
def normalized_match(output: str, context: Context | None) -> Score:
    """100 if output and a reference agree after `normalize_answer` (SQuAD EM), else 0."""
    refs = _references(context or {})
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    out = normalize_answer(output)
    hit = any(out == normalize_answer(str(r)) for r in refs)
    return Score(100.0 if hit else 0.0)


def _to_float(s: str) -> float | None:
    s = s.replace(",", "").replace("$", "").replace(" ", "")
    try:
        return float(s)
    except ValueError:
        return None


def extract_last_number(text: str) -> float | None:
    """The answer number GSM8K-style: after '####' if present, else the last number.

    Thousands separators, '$' and a trailing '.' are handled: '$1,234.50.' -> 1234.5.
    """
    m = _GSM8K_RE.search(text)
    if m is not None:
        return _to_float(m.group(1))
    found = _NUMBER_RE.findall(text)
    while found:
        v = _to_float(found.pop())
        if v is not None:
            return v
    return None


@scorer("numeric_match", "1")
def numeric_match(output: str, context: Context | None) -> Score:
    """100 if the output's answer number equals a reference within tolerance, else 0.

    `context['tolerance']` is absolute (default 1e-6), `context['rel_tolerance']` relative
    (default 1e-9). Unscored without a reference; 0 when the output holds no number.
    """
    ctx = context or {}
    refs = _references(ctx)
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    got = extract_last_number(output)
    if got is None:
        return Score(0.0, explanation="no number in the output")
    abs_tol = float(ctx.get("tolerance", 1e-6))
    rel_tol = float(ctx.get("rel_tolerance", 1e-9))
    for r in refs:
        want = float(r) if isinstance(r, (int, float)) else extract_last_number(str(r))
        if want is not None and math.isclose(got, want, rel_tol=rel_tol, abs_tol=abs_tol):
            return Score(100.0)
    return Score(0.0, explanation=f"answer {got:g}")


def extract_choice(text: str, letters: str = "ABCDE") -> str | None:
    """The multiple-choice letter in `text`: 'The answer is (C)', 'Answer: C', '(C)', 'C.'.

    An explicit 'answer' phrase wins (the last one); then a reply that starts with a letter;
    then the last parenthesised letter. Only capital letters in `letters` count.
    """
    found: list[str] = [c for c in _MC_ANSWER_RE.findall(text) if c in letters]
    if found:
        return found[-1]
    m = _MC_ALONE_RE.match(text)
    if m is not None and m.group(1) in letters:
        return str(m.group(1))
    found = [c for c in _MC_PAREN_RE.findall(text) if c in letters]
    return found[-1] if found else None


@scorer("multiple_choice", "1")
def multiple_choice(output: str, context: Context | None) -> Score:
    """100 if the extracted letter matches the reference letter (or 0-based index), else 0.

    `context['choices']` (a list) limits letters to as many as there are choices (default
    A-E).
    """
    ctx = context or {}
    refs = _references(ctx)
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    choices = ctx.get("choices")
    letters = "ABCDEFGHIJ"[: len(choices)] if isinstance(choices, Sequence) and choices else "ABCDE"
    got = extract_choice(output, letters)
    if got is None:
        return Score(0.0, explanation="no answer letter found")
    for r in refs:
        want = "ABCDEFGHIJ"[r] if isinstance(r, int) and 0 <= r < 10 else str(r).strip().upper()
        if got == want.strip("()"):
            return Score(100.0)
    return Score(0.0, explanation=f"answered {got}")


def _f1(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    if not pred or not gold:
        same = float(pred == gold)
        return same, same, same
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    p = common / len(pred)
    r = common / len(gold)
    return 2 * p * r / (p + r), p, r


@scorer("token_f1", "1")
def token_f1(output: str, context: Context | None) -> Score:
    """SQuAD token F1 (x100) against the best reference; dimensions precision and recall."""
    refs = _references(context or {})
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    pred = normalize_answer(output).split()
    best = (0.0, 0.0, 0.0)
    for r in refs:
        cur = _f1(pred, normalize_answer(str(r)).split())
        if cur[0] >= best[0]:
            best = cur
    f1, p, rec = best
    return Score(100.0 * f1, {"precision": 100.0 * p, "recall": 100.0 * rec})


@functools.lru_cache(maxsize=256)
def _compile(pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise ValidationError("context['pattern']", pattern, f"not a valid regex ({e})") from None


@scorer("regex_match", "1")
def regex_match(output: str, context: Context | None) -> Score:
    """100 if `context['pattern']` (a regex string or compiled pattern) is found, else 0.

    `context['fullmatch']=True` requires the whole stripped output to match;
    `context['ignore_case']=True` adds re.IGNORECASE to string patterns.
    """
    ctx = context or {}
    pattern = ctx.get("pattern")
    if pattern is None:
        return Score.unscored("no regex in context['pattern']")
    if isinstance(pattern, str):
        pattern = _compile(pattern, re.IGNORECASE if ctx.get("ignore_case") else 0)
    elif not isinstance(pattern, re.Pattern):
        raise ValidationError("context['pattern']", pattern, "give a regex string or re.Pattern")
    if ctx.get("fullmatch"):
        hit = pattern.fullmatch(output.strip()) is not None
    else:
        hit = pattern.search(output) is not None
    return Score(100.0 if hit else 0.0)
