"""Website-analysis heuristic: is the output structured, does it hold the key facts, is it full?"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score, weighted_score
from aigym.scoring._text import extract_json, ramp

__all__ = ["WEBSITE_INSIGHTS", "WEBSITE_WEIGHTS", "website_analysis"]

WEBSITE_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"structured_data": 0.30, "insights": 0.45, "completeness": 0.25}
)
"""structured_data 0.30, insights 0.45, completeness 0.25."""

WEBSITE_INSIGHTS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "business_name": (
            "business_name",
            "name",
            "company",
            "company_name",
            "organization",
            "organisation",
            "brand",
            "business",
        ),
        "industry": (
            "industry",
            "sector",
            "category",
            "vertical",
            "niche",
            "business_type",
            "market",
        ),
        "services": (
            "services",
            "products",
            "offerings",
            "services_offered",
            "product_lines",
            "solutions",
            "products_and_services",
            "key_services",
        ),
        "contact": (
            "contact",
            "contact_info",
            "contact_information",
            "contact_details",
            "email",
            "phone",
            "telephone",
            "address",
            "location",
            "headquarters",
        ),
        "description": (
            "description",
            "summary",
            "about",
            "overview",
            "value_proposition",
            "mission",
            "business_description",
            "company_description",
        ),
    }
)
"""Required insights and the JSON keys (any depth, case and punctuation ignored) that carry them."""

_NORM_RE: Final = re.compile(r"[^a-z0-9]")
_ALIASES: Final = {
    insight: frozenset(_NORM_RE.sub("", a.lower()) for a in aliases)
    for insight, aliases in WEBSITE_INSIGHTS.items()
}
_TEXT_LABEL_RE: Final = {
    insight: re.compile(
        r"^[\s*#>\-]*(?:"
        + "|".join(re.escape(a).replace("_", "[ _]") for a in aliases)
        + r")\b[*\s]*[:\-–]\s*\S",
        re.I | re.M,
    )
    for insight, aliases in WEBSITE_INSIGHTS.items()
}
_CONTACT_RE: Final = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{7,}\d|https?://\S+|\b\d{1,5} \w+ (?:st|street|ave|"
    r"avenue|road|rd|blvd|lane|way)\b",
    re.I,
)
_LABEL_LINE_RE: Final = re.compile(r"^[\s*#>\-]*[A-Za-z][\w ]{1,40}[*]*:\s*\S", re.M)
_EMPTY_VALUES: Final = frozenset(
    {
        "",
        "n/a",
        "na",
        "none",
        "null",
        "unknown",
        "not found",
        "-",
        "tbd",
        "not available",
        "not specified",
    }
)
_MAX_NODES: Final = 5000


def _filled(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, str):
        return v.strip().lower() not in _EMPTY_VALUES
    if isinstance(v, (list, dict)):
        return bool(v)
    return True


def _walk(data: Any) -> tuple[dict[str, Any], int, int]:
    """(normalised key -> first value, leaf count, filled leaf count), bounded in size."""
    keys: dict[str, Any] = {}
    leaves = filled = 0
    stack = [data]
    seen = 0
    while stack and seen < _MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            for k, v in node.items():
                nk = _NORM_RE.sub("", str(k).lower())
                if nk not in keys or not _filled(keys[nk]):
                    keys[nk] = v
                stack.append(v)
        elif isinstance(node, list):
            if not node:
                leaves += 1
            stack.extend(node)
        else:
            leaves += 1
            filled += _filled(node)
    return keys, leaves, filled


@scorer("website_analysis", "1")
def website_analysis(output: str, context: Context | None) -> Score:
    """Structured data, required insights and completeness of a website analysis.

    Weights (`WEBSITE_WEIGHTS`): structured_data 0.30, insights 0.45, completeness 0.25.
    structured_data is 100 for bare JSON, 80 for JSON in a fence or after prose, 40 for
    "Label: value" lines, else 0. insights is the share of `WEBSITE_INSIGHTS` present and
    non-empty (a text label counts half); `context['required_fields']` replaces the list with
    literal key names. completeness mixes the share of non-empty JSON leaves with how many
    there are (12+ is full); plain text can reach 50 by length alone.
    """
    ctx = context or {}
    text = output.strip()
    if not text:
        return Score(0.0, dict.fromkeys(WEBSITE_WEIGHTS, 0.0), "empty output")
    data, ok = extract_json(text)
    ok = ok and isinstance(data, (dict, list))
    required: Mapping[str, frozenset[str]] = _ALIASES
    if ctx.get("required_fields"):
        required = {
            str(f): frozenset({_NORM_RE.sub("", str(f).lower())}) for f in ctx["required_fields"]
        }
    missing: list[str] = []
    if ok:
        structured = 100.0 if text[0] in "{[" else 80.0
        keys, leaves, filled = _walk(data)
        found = 0.0
        for insight, aliases in required.items():
            present = any(a in keys and _filled(keys[a]) for a in aliases)
            if present or (insight == "contact" and _CONTACT_RE.search(text)):
                found += 1.0
            else:
                missing.append(insight)
        completeness = 0.6 * (100.0 * filled / leaves if leaves else 0.0) + 0.4 * ramp(
            leaves, 2, 12
        )
    else:
        labels = len(_LABEL_LINE_RE.findall(text))
        structured = 40.0 if labels >= 3 else 0.0
        found = 0.0
        for insight in required:
            pattern = _TEXT_LABEL_RE.get(insight)
            if pattern is None:
                pattern = re.compile(r"\b" + re.escape(insight) + r"\b", re.I)
            if pattern.search(text) or (insight == "contact" and _CONTACT_RE.search(text)):
                found += 0.5
            else:
                missing.append(insight)
        completeness = 0.5 * ramp(len(text.split()), 40, 250)
    insights = 100.0 * found / len(required) if required else 100.0
    note = f"missing: {', '.join(missing)}" if missing else "all required insights present"
    if not ok:
        note = "no JSON found; " + note
    return weighted_score(
        {"structured_data": structured, "insights": insights, "completeness": completeness},
        WEBSITE_WEIGHTS,
        explanation=note,
    )
