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
from aigym.scoring._score import Score, trusted_score

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

_VERSION: Final = "1"
_NO_REFERENCE: Final = "no reference answer in context['reference']"
_PUNCT_TABLE: Final = str.maketrans("", "", string.punctuation)
_ARTICLES_RE: Final = re.compile(r"\b(?:a|an|the)\b")
_ARTICLES: Final = frozenset({"a", "an", "the"})
_PUNCT_BYTES: Final = string.punctuation.encode()
_NUMBER_RE: Final = re.compile(r"-?\$?\s?\d[\d,]*(?:\.\d+)?|-?\$?\.\d+")
_DIGIT_RE: Final = re.compile(r"\d")
_NUMBER_CHARS: Final = frozenset("0123456789,.$")
_GSM8K_RE: Final = re.compile(r"####\s*(-?\$?\s?[\d,]*\.?\d+)")
_MC_ANSWER_RE: Final = re.compile(
    r"(?i:answer)(?:\s+(?i:is))?\s*:?\s*(?:(?i:option|choice)\s*)?[\(\[]?\**([A-J])\b"
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


def _raw_tokens(text: str) -> tuple[list[str], bool]:
    """(tokens, articles still in them) after SQuAD's lower-casing and punctuation removal.

    ASCII text takes a fast path (one `bytes.translate`) and keeps its articles, which the
    callers drop or count out: once `string.punctuation` is gone only letters, digits and
    whitespace remain, so the articles regex's word boundaries are the token boundaries
    (equivalent for text without ASCII control characters; the tests compare both).
    """
    low = text.lower()
    if low.isascii():
        return low.encode().translate(None, _PUNCT_BYTES).decode().split(), True
    return _ARTICLES_RE.sub(" ", low.translate(_PUNCT_TABLE)).split(), False


def _answer_tokens(text: str) -> list[str]:
    tokens, articles = _raw_tokens(text)
    return [t for t in tokens if t not in _ARTICLES] if articles else tokens


@functools.lru_cache(maxsize=1024)
def _normalized_reference(text: str) -> str:
    return " ".join(_answer_tokens(text))


@functools.lru_cache(maxsize=1024)
def _reference_counts(text: str) -> tuple[dict[str, int], int]:
    tokens = _answer_tokens(text)
    return dict(Counter(tokens)), len(tokens)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    return " ".join(_answer_tokens(text))


@scorer("exact_match", "1")
def exact_match(output: str, context: Context | None) -> Score | float:
    """100 if the output equals a reference, ignoring surrounding whitespace, else 0."""
    refs = _references(context or {})
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    out = output.strip()
    return 100.0 if any(out == str(r).strip() for r in refs) else 0.0


@scorer("normalized_match", "1")
def normalized_match(output: str, context: Context | None) -> Score | float:
    """100 if output and a reference agree after `normalize_answer` (SQuAD EM), else 0."""
    refs = _references(context or {})
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    out = normalize_answer(output)
    return 100.0 if any(out == _normalized_reference(str(r)) for r in refs) else 0.0


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
    if "####" in text:
        m = _GSM8K_RE.search(text)
        if m is not None:
            return _to_float(m.group(1))
    # Find the last digit from the end (a C-speed search on the reversed text), widen to
    # the characters a number can hold, then let the forward regex read that span.
    rev = text[::-1]
    size = len(text)
    pos = 0
    while True:
        m = _DIGIT_RE.search(rev, pos)
        if m is None:
            return None
        end = size - m.start()
        start = end - 1
        while start > 0 and text[start - 1] in _NUMBER_CHARS:
            start -= 1
        found = _NUMBER_RE.findall(text, max(0, start - 2), end)
        while found:
            v = _to_float(found.pop())
            if v is not None:
                return v
        pos = size - start


@scorer("numeric_match", "1")
def numeric_match(output: str, context: Context | None) -> Score | float:
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
            return 100.0
    return Score(0.0, explanation=f"answer {got:g}")


def extract_choice(text: str, letters: str = "ABCDE") -> str | None:
    """The multiple-choice letter in `text`: 'The answer is (C)', 'Answer: C', '(C)', 'C.'.

    An explicit 'answer' phrase wins (the last one); then a reply that starts with a letter;
    then the last parenthesised letter. Only capital letters in `letters` count.
    """
    if "nswer" in text or "NSWER" in text:
        low = text.lower()
        if len(low) == len(text):  # lower() kept every index (it does for ASCII)
            at = len(low)
            while (at := low.rfind("answer", 0, at)) >= 0:  # the last explicit answer wins
                m = _MC_ANSWER_RE.match(text, at)
                if m is not None and m.group(1) in letters:
                    return str(m.group(1))
        else:
            hits = [m.group(1) for m in _MC_ANSWER_RE.finditer(text) if m.group(1) in letters]
            if hits:
                return str(hits[-1])
    m = _MC_ALONE_RE.match(text)
    if m is not None and m.group(1) in letters:
        return str(m.group(1))
    if "(" in text:
        found: list[str] = [c for c in _MC_PAREN_RE.findall(text) if c in letters]
        if found:
            return found[-1]
    return None


@scorer("multiple_choice", "1")
def multiple_choice(output: str, context: Context | None) -> Score | float:
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
            return 100.0
    return Score(0.0, explanation=f"answered {got}")


def _f1(
    pred: list[str], articles: bool, gold: dict[str, int], n_gold: int
) -> tuple[float, float, float]:
    """SQuAD F1, precision, recall; `pred` may still hold articles (counted out, not copied).

    Short outputs use `list.count` per gold token (no dict to build); long ones count once.
    """
    n_pred = len(pred)
    if n_pred <= 64:
        if articles and n_pred:
            n_pred -= pred.count("a") + pred.count("an") + pred.count("the")
        common = sum(min(n, pred.count(t)) for t, n in gold.items()) if n_pred else 0
    else:
        counts = Counter(pred)
        if articles:
            n_pred -= counts["a"] + counts["an"] + counts["the"]
        common = sum(min(n, counts[t]) for t, n in gold.items())  # gold holds no articles
    if not n_pred or not n_gold:
        same = float(not n_pred and not n_gold)
        return same, same, same
    if common == 0:
        return 0.0, 0.0, 0.0
    p = common / n_pred
    r = common / n_gold
    return 2 * p * r / (p + r), p, r


@scorer("token_f1", _VERSION)
def token_f1(output: str, context: Context | None) -> Score:
    """SQuAD token F1 (x100) against the best reference; dimensions precision and recall.

    As in the SQuAD 2.0 script, an output and a reference that both normalise to nothing
    score 100 (v1.1 gave 0).
    """
    refs = _references(context or {})
    if refs is None:
        return Score.unscored(_NO_REFERENCE)
    pred, articles = _raw_tokens(output)
    best = (0.0, 0.0, 0.0)
    for r in refs:
        cur = _f1(pred, articles, *_reference_counts(str(r)))
        if cur[0] >= best[0]:
            best = cur
    f1, p, rec = best
    return trusted_score(
        100.0 * f1, {"precision": 100.0 * p, "recall": 100.0 * rec}, "token_f1", _VERSION
    )


@functools.lru_cache(maxsize=256)
def _compile(pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise ValidationError("context['pattern']", pattern, f"not a valid regex ({e})") from None


@scorer("regex_match", "1")
def regex_match(output: str, context: Context | None) -> Score | float:
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
    return 100.0 if hit else 0.0
