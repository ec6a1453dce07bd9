"""Text helpers shared by the heuristics: tokens, ramps, fenced blocks, embedded JSON.

Regexes are compiled once at import; scorers run on every output of a campaign.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

__all__ = [
    "REFUSAL_RE",
    "STOPWORDS",
    "Phrases",
    "ascii_punctuation",
    "content_words",
    "extract_code",
    "extract_json",
    "find_refusal",
    "padded",
    "ramp",
    "repetition_ratio",
    "split_words",
    "words",
]

_FENCE_RE: Final = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_JSON_START_RE: Final = re.compile(r"[{\[]")
_MAX_JSON_STARTS: Final = 8
_REFUSAL_WINDOW: Final = 900
_JSON_FIRST: Final = frozenset('{["-0123456789tfn')
REFUSAL_RE: Final = re.compile(
    r"\b(?:as an ai(?: language)? model|i(?:'m| am) (?:sorry|afraid),? but i (?:can(?:'|no)t|"
    r"cannot|am unable|won't)|i (?:cannot|can't|can ?not|am unable to|won't be able to) "
    r"(?:help|assist|provide|comply|fulfil|do that)|i(?:'m| am) not able to (?:help|assist)|"
    r"(?:this|that) request (?:goes against|violates))",
    re.I,
)

_STOPWORD_TEXT: Final = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own please same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves tell give me show help write explain"""
STOPWORDS: Final = frozenset(_STOPWORD_TEXT.split())


_ASCII_SEPARATORS: Final = bytes(c for c in range(128) if not chr(c).isalnum())
_TO_SPACE: Final = bytes.maketrans(_ASCII_SEPARATORS, b" " * len(_ASCII_SEPARATORS))
_UNICODE_PUNCT: Final = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", " "), ("–", " "),
                         ("…", " "), ("\u00a0", " "))  # fmt: skip


def ascii_punctuation(text: str) -> str:
    """`text` with typographic quotes, dashes and ellipses replaced by ASCII ones."""
    if text.isascii():
        return text
    for a, b in _UNICODE_PUNCT:
        if a in text:
            text = text.replace(a, b)
    return text


def split_words(text: str) -> list[str]:
    """Case-preserving word tokens: ASCII punctuation separates, like whitespace.

    One `bytes.translate` pass (ASCII bytes never occur inside a UTF-8 multi-byte sequence,
    so other scripts pass through), several times faster than a word regex on 10 KB.
    """
    b = ascii_punctuation(text).encode("utf-8", "surrogatepass").translate(_TO_SPACE)
    return b.decode("utf-8", "surrogatepass").split()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (see `split_words`)."""
    return split_words(text.lower())


def padded(tokens: list[str]) -> str:
    """Lower-cased tokens joined as ' a b c ', so ' phrase ' matches on word boundaries."""
    return " " + " ".join(tokens).lower() + " "


class Phrases:
    """A fixed phrase list matched on word boundaries by substring search in `padded` text.

    Much faster than a regex alternation on long outputs. Write phrases in lower case with
    apostrophes as spaces ("let s talk"); a trailing '*' matches any word ending
    ("guarantee*" also matches "guaranteed").
    """

    __slots__ = ("needles",)

    def __init__(self, *phrases: str) -> None:
        self.needles: tuple[tuple[str, str], ...] = tuple(
            (p, f" {p[:-1]}" if p.endswith("*") else f" {p} ") for p in phrases
        )

    def any(self, text: str) -> bool:
        return any(n in text for _p, n in self.needles)

    def found(self, text: str) -> list[str]:
        return [p for p, n in self.needles if n in text]

    def count(self, text: str) -> int:
        return sum(text.count(n) for _p, n in self.needles)


def content_words(text: str) -> set[str]:
    """Distinct lower-cased tokens minus stopwords and one-letter tokens."""
    return {w for w in words(text) if len(w) > 1 and w not in STOPWORDS}


def find_refusal(text: str) -> bool:
    """Refusal boilerplate in the first 600 or last 300 characters, where it sits."""
    text = ascii_punctuation(text)
    if len(text) <= _REFUSAL_WINDOW:
        return REFUSAL_RE.search(text) is not None
    return (
        REFUSAL_RE.search(text, 0, 600) is not None
        or REFUSAL_RE.search(text, len(text) - 300) is not None
    )


def ramp(x: float, lo: float, hi: float) -> float:
    """0 at or below `lo`, 100 at or above `hi`, linear between."""
    if x <= lo:
        return 0.0
    if x >= hi:
        return 100.0
    return 100.0 * (x - lo) / (hi - lo)


def repetition_ratio(tokens: list[str], n: int = 3) -> float:
    """Share of word n-grams that repeat an earlier one (0 = none, near 1 = a loop)."""
    if len(tokens) < n + 1:
        return 0.0
    grams = list(zip(*(tokens[i:] for i in range(n)), strict=False))
    return 1.0 - len(set(grams)) / len(grams)


def extract_code(text: str, languages: tuple[str, ...] = ("python", "py", "")) -> str:
    """The code inside fenced blocks in `languages` (joined), or the text itself if unfenced."""
    if "```" not in text:
        return text
    blocks = [body for lang, body in _FENCE_RE.findall(text) if lang.lower() in languages]
    return "\n\n".join(blocks) if blocks else text


def extract_json(text: str) -> tuple[Any, bool]:
    """(parsed value, True) for the JSON in `text`, else (None, False).

    Accepts bare JSON (any value), a fenced block, or an object or array embedded after
    some prose (the first `{` or `[` that starts a complete, non-empty value).
    """
    s = text.strip()
    if not s:
        return None, False
    if s[0] in _JSON_FIRST:
        try:
            return json.loads(s), True
        except ValueError:
            pass
    if "```" in s:
        for _lang, body in _FENCE_RE.findall(s):
            try:
                return json.loads(body), True
            except ValueError:
                continue
    decoder = json.JSONDecoder()
    for attempt, m in enumerate(_JSON_START_RE.finditer(s)):
        if attempt == _MAX_JSON_STARTS:  # bounded: prose full of brackets is not JSON
            break
        try:
            value, _end = decoder.raw_decode(s, m.start())
        except ValueError:
            continue
        if isinstance(value, (dict, list)) and value:
            return value, True
    return None, False
