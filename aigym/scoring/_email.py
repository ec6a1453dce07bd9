"""Email-writing heuristic: greeting, structure, call to action, personalisation, tone, length."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score, weighted_score
from aigym.scoring._text import Phrases, padded, ramp, split_words

__all__ = ["EMAIL_WEIGHTS", "email_writing"]

EMAIL_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "greeting": 0.15,
        "structure": 0.15,
        "call_to_action": 0.20,
        "personalization": 0.20,
        "tone": 0.15,
        "length": 0.15,
    }
)
"""greeting 0.15, structure 0.15, call_to_action 0.20, personalization 0.20, tone 0.15,
length 0.15."""

_SUBJECT_RE: Final = re.compile(r"^\s*subject\s*:", re.I)
_GREETING_RE: Final = re.compile(
    r"^\s*(?:dear|hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b", re.I
)
_NAME_LINE_RE: Final = re.compile(r"^\s*[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?,\s*$")
_SIGNOFF_RE: Final = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest|many thanks and)?\s*regards|best(?: wishes)?|sincerely|"
    r"yours(?: sincerely| truly)?|thanks|thank you|many thanks|cheers|all the best|"
    r"talk soon|respectfully)\b[^\n]{0,30}$",
    re.I | re.M,
)
_CTA: Final = Phrases(
    "would you be open", "would you be available", "would you be interested", "are you open",
    "are you available", "are you free", "let me know", "let s talk", "let s chat",
    "let s connect", "let s set up", "let s schedule", "schedul*", "book a", "book some",
    "book time", "set up a call", "set up a meeting", "set up a time", "hop on a",
    "reply to this", "reply with", "get back to me", "reach out", "click here",
    "click the link", "click below", "sign up", "register", "minute call", "minute chat",
    "quick call", "grab a coffee", "grab coffee", "grab time", "calendar", "free on",
    "free this", "free next", "work for you", "works for you", "suit you", "happy to send",
    "happy to share", "happy to walk", "happy to show", "open to a",
)  # fmt: skip
_SPAM: Final = Phrases(
    "act now", "buy now", "limited time", "risk free", "guarantee*", "100 free", "free money",
    "winner", "congratulations", "you ve been selected", "you have been selected", "urgent*",
    "click here", "no obligation", "cash bonus", "earn cash", "double your",
    "once in a lifetime", "amazing deal", "special promotion", "exclusive deal", "order now",
    "call now", "miracle*",
)  # fmt: skip
_ACRONYM_TEXT: Final = (
    "CEO CTO CFO COO CMO VP USA API ROI FAQ CRM ERP SAAS SEO SQL AWS GDPR HR IT PDF URL B2B B2C "
    "KPI LLC INC LTD EU UK NYC SMB SMS CSV FYI ASAP"
)
_ACRONYMS: Final = frozenset(_ACRONYM_TEXT.split())
_PARA_SPLIT_RE: Final = re.compile(r"\n\s*\n")
_NAME_KEYS: Final = (
    "recipient",
    "recipient_name",
    "name",
    "first_name",
    "contact_name",
    "company",
    "company_name",
    "recipient_company",
)


def _names(ctx: Context) -> list[str]:
    names: list[str] = []
    for key in _NAME_KEYS:
        v = ctx.get(key)
        if isinstance(v, str) and v.strip():
            names.append(v.strip())
    extra = ctx.get("personalize")
    if isinstance(extra, (list, tuple)):
        names.extend(str(x).strip() for x in extra if str(x).strip())
    return names


@scorer("email_writing", "1")
def email_writing(output: str, context: Context | None) -> Score:
    """A rule-of-thumb score for a business email.

    Weights (`EMAIL_WEIGHTS`): greeting 0.15, structure 0.15, call_to_action 0.20,
    personalization 0.20, tone 0.15, length 0.15. personalization is the share of names in
    `context` (recipient, name, first_name, company, company_name, personalize=[...]) that the
    email uses - a person's first name is enough; it is left out (weights renormalised) when
    the context names nobody. tone starts at 100 and loses points for shouting (all-caps words
    other than common acronyms), '!!' and spam phrases. length is full for 50-200 words
    (`context['target_words']=(lo, hi)` changes that), falling to 0 at 10 and at 3x the top.
    """
    ctx = context or {}
    text = output.strip()
    if not text:
        return Score(0.0, dict.fromkeys(EMAIL_WEIGHTS, 0.0), "empty output")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and _SUBJECT_RE.match(lines[0]):
        lines = lines[1:]
        body = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        body = text
    first = lines[0] if lines else ""
    notes: list[str] = []

    greeting = 100.0 if _GREETING_RE.match(first) else 60.0 if _NAME_LINE_RE.match(first) else 0.0
    if not greeting:
        notes.append("no greeting")

    paragraphs = [p for p in _PARA_SPLIT_RE.split(body.strip()) if p.strip()]
    n_par = len(paragraphs)
    structure = 40.0 if 2 <= n_par <= 7 else 20.0 if n_par > 7 else 10.0
    tail = body[-300:]
    if _SIGNOFF_RE.search(tail):
        structure += 40.0
    else:
        notes.append("no sign-off")
    if all(len(p.split()) <= 150 for p in paragraphs):
        structure += 20.0

    tokens = split_words(text)
    low = padded(tokens)
    closing = body[len(body) * 2 // 3 :]
    cta_phrase = _CTA.any(low)
    question = "?" in closing
    cta = 100.0 if cta_phrase and question else 70.0 if cta_phrase else 50.0 if question else 0.0
    if not cta:
        notes.append("no call to action")

    dims = {"greeting": greeting, "structure": structure, "call_to_action": cta}
    names = _names(ctx)
    if names:
        hits = 0
        for name in names:
            name_low = padded(split_words(name))
            first_token = name_low.split()[0] if name_low.strip() else ""
            if name_low in low or (len(first_token) > 2 and f" {first_token} " in low):
                hits += 1
            else:
                notes.append(f"does not mention {name!r}")
        dims["personalization"] = 100.0 * hits / len(names)

    n_words = len(tokens)
    caps = [w for w in tokens if len(w) > 2 and w.isupper() and w not in _ACRONYMS]
    caps_ratio = len(caps) / n_words if n_words else 0.0
    spam = _SPAM.found(low)
    if "$$" in text:
        spam.append("$$")
    penalty = min(60.0, caps_ratio * 400.0) + min(60.0, 15.0 * len(spam))
    penalty += min(30.0, 15.0 * text.count("!!"))
    penalty += min(20.0, 5.0 * max(0, text.count("!") - 1))
    dims["tone"] = max(0.0, 100.0 - penalty)
    if spam:
        notes.append(f"spam phrases: {', '.join(sorted(spam))}")
    if caps_ratio > 0.05:
        notes.append("shouting")

    lo, hi = 50, 200
    target = ctx.get("target_words")
    if isinstance(target, (list, tuple)) and len(target) == 2:
        lo, hi = int(target[0]), int(target[1])
    if n_words < lo:
        dims["length"] = ramp(n_words, min(10, lo - 1), lo)
    elif n_words > hi:
        dims["length"] = 100.0 - ramp(n_words, hi, 3 * hi)
    else:
        dims["length"] = 100.0
    return weighted_score(dims, EMAIL_WEIGHTS, explanation="; ".join(notes) or "well-formed email")
