"""Task heuristics: a good output beats a bad one on the dimension concerned."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pytest

from aigym.records import TaskType
from aigym.scoring import (
    CODE_WEIGHTS,
    CONVERSATION_WEIGHTS,
    EMAIL_WEIGHTS,
    GENERIC_WEIGHTS,
    LEAD_WEIGHTS,
    WEBSITE_WEIGHTS,
    Score,
    find_anti_patterns,
    get_quality_scorer,
    get_scorer,
)

Q = get_quality_scorer()


def dims(task: str, output: str, context: Mapping[str, Any] | None = None) -> Score:
    s = Q.score_with_dimensions(task, output, context)
    assert s.value is not None and 0.0 <= s.value <= 100.0
    assert all(0.0 <= v <= 100.0 for v in s.dimensions.values())
    return s


@pytest.mark.parametrize(
    "weights",
    [CODE_WEIGHTS, CONVERSATION_WEIGHTS, EMAIL_WEIGHTS, GENERIC_WEIGHTS, LEAD_WEIGHTS,
     WEBSITE_WEIGHTS],
)  # fmt: skip
def test_weights_are_documented_and_sum_to_one(weights: Mapping[str, float]) -> None:
    assert math.isclose(sum(weights.values()), 1.0)
    with pytest.raises(TypeError):
        weights["x"] = 1.0  # type: ignore[index]


def test_weights_appear_in_docstrings() -> None:
    for name, weights in [
        ("website_analysis", WEBSITE_WEIGHTS),
        ("email_writing", EMAIL_WEIGHTS),
        ("code_generation", CODE_WEIGHTS),
        ("conversation", CONVERSATION_WEIGHTS),
        ("lead_scoring", LEAD_WEIGHTS),
        ("generic", GENERIC_WEIGHTS),
    ]:
        doc = get_scorer(name).__doc__ or ""
        for dim, w in weights.items():
            assert f"{dim} {w:.2f}".rstrip("0") in doc or f"{dim} {w}" in doc, (name, dim)


# --------------------------------------------------------------------------- website

GOOD_SITE = json.dumps(
    {
        "business_name": "Acme Plumbing",
        "industry": "Home services",
        "services": ["Leak repair", "Water heaters", "Drain cleaning"],
        "contact": {"email": "hello@acme.example", "phone": "+1 555 010 2030"},
        "description": "Family-run plumbers serving Springfield since 1998.",
        "location": "Springfield, IL",
        "target_audience": "Homeowners",
        "social": {"facebook": "https://facebook.com/acme"},
    }
)


def test_website_good_json_beats_partial_and_prose() -> None:
    good = dims(TaskType.WEBSITE_ANALYSIS, GOOD_SITE)
    partial = dims(
        TaskType.WEBSITE_ANALYSIS, json.dumps({"business_name": "Acme", "industry": "N/A"})
    )
    prose = dims(TaskType.WEBSITE_ANALYSIS, "This looks like a plumbing company. Nice site.")
    assert good.dimensions["structured_data"] == 100.0
    assert good.dimensions["insights"] == 100.0
    assert good.value > partial.value > prose.value  # type: ignore[operator]
    assert partial.dimensions["insights"] < good.dimensions["insights"]
    assert partial.dimensions["completeness"] < good.dimensions["completeness"]
    assert prose.dimensions["structured_data"] == 0.0
    assert "industry" in (partial.explanation or "")


def test_website_fenced_json_and_labelled_text() -> None:
    fenced = dims(TaskType.WEBSITE_ANALYSIS, f"Here you go:\n```json\n{GOOD_SITE}\n```")
    assert fenced.dimensions["structured_data"] == 80.0
    assert fenced.dimensions["insights"] == 100.0
    labelled = dims(
        TaskType.WEBSITE_ANALYSIS,
        "Business name: Acme\nIndustry: Plumbing\nServices: repairs\nContact: a@b.example\n",
    )
    assert labelled.dimensions["structured_data"] == 40.0
    assert 0 < labelled.dimensions["insights"] < 100.0
    assert fenced.value > labelled.value  # type: ignore[operator]


def test_website_required_fields_from_context() -> None:
    out = json.dumps({"ceo": "Jane", "founded": 1998})
    ctx = {"required_fields": ["ceo", "founded"]}
    assert dims(TaskType.WEBSITE_ANALYSIS, out, ctx).dimensions["insights"] == 100.0
    assert dims(TaskType.WEBSITE_ANALYSIS, out).dimensions["insights"] == 0.0


# --------------------------------------------------------------------------- email

GOOD_EMAIL = """Subject: Cutting Acme's onboarding time

Hi John,

I noticed Acme Corp recently opened two new warehouses. Teams growing that fast often find
that onboarding new staff takes weeks, and that is exactly what we help with.

Our platform helped Northwind cut onboarding from three weeks to four days, without adding
headcount. I think a similar approach could work well for your operations team.

Would you be open to a 20-minute call next Tuesday or Wednesday to see if it fits?

Best regards,
Maria
"""

SPAMMY_EMAIL = """BUY NOW!!! LIMITED TIME OFFER, act now for a GUARANTEED 100% free upgrade!!!
CLICK HERE you WINNER"""

CTX = {"recipient": "John", "company": "Acme Corp"}


def test_email_good_beats_spam_on_every_dimension() -> None:
    good = dims(TaskType.EMAIL_WRITING, GOOD_EMAIL, CTX)
    bad = dims(TaskType.EMAIL_WRITING, SPAMMY_EMAIL, CTX)
    assert good.value > 85 > 30 > bad.value  # type: ignore[operator]
    for dim in EMAIL_WEIGHTS:
        assert good.dimensions[dim] >= bad.dimensions[dim], dim
    assert bad.dimensions["tone"] <= 20
    assert "spam phrases" in (bad.explanation or "")


def test_email_single_dimensions() -> None:
    no_greeting = GOOD_EMAIL.replace("Hi John,\n", "")
    assert dims(TaskType.EMAIL_WRITING, no_greeting, CTX).dimensions["greeting"] == 0.0
    no_cta = GOOD_EMAIL.replace(
        "Would you be open to a 20-minute call next Tuesday or Wednesday to see if it fits?",
        "We have many customers.",
    )
    good = dims(TaskType.EMAIL_WRITING, GOOD_EMAIL, CTX)
    assert (
        dims(TaskType.EMAIL_WRITING, no_cta, CTX).dimensions["call_to_action"]
        < good.dimensions["call_to_action"]
    )
    generic = (
        GOOD_EMAIL.replace("John", "there")
        .replace("Acme Corp", "your company")
        .replace("Acme's", "your")
    )
    assert dims(TaskType.EMAIL_WRITING, generic, CTX).dimensions["personalization"] == 0.0
    assert good.dimensions["personalization"] == 100.0
    no_signoff = GOOD_EMAIL.replace("Best regards,\nMaria\n", "")
    assert (
        dims(TaskType.EMAIL_WRITING, no_signoff, CTX).dimensions["structure"]
        < good.dimensions["structure"]
    )
    short = "Hi John, call me? Thanks"
    assert dims(TaskType.EMAIL_WRITING, short, CTX).dimensions["length"] < 50
    rambling = GOOD_EMAIL + ("More details follow here about our product. " * 120)
    assert dims(TaskType.EMAIL_WRITING, rambling, CTX).dimensions["length"] < 50


def test_email_without_names_leaves_personalization_out() -> None:
    s = dims(TaskType.EMAIL_WRITING, GOOD_EMAIL)
    assert "personalization" not in s.dimensions
    assert s.value is not None and s.value > 85


def test_email_shouting_hurts_tone_but_acronyms_do_not() -> None:
    calm = dims(TaskType.EMAIL_WRITING, GOOD_EMAIL.replace("operations team", "CRM and ERP team"))
    loud = dims(TaskType.EMAIL_WRITING, GOOD_EMAIL.upper())
    assert calm.dimensions["tone"] == 100.0
    assert loud.dimensions["tone"] < 60


# --------------------------------------------------------------------------- code

GOOD_CODE = '''```python
def mean(values: list[float]) -> float:
    """Arithmetic mean; raises on an empty list rather than returning 0."""
    if not values:
        raise ValueError("mean of an empty list")
    return sum(values) / len(values)
```'''

BAD_CODE = """from os import *
def mean(values, seen=[]):
    global total
    try:
        return eval("sum(values) / len(values)")
    except:
        pass
    if values == None:
        return 0
"""


def test_code_good_beats_anti_patterns() -> None:
    good = dims(TaskType.CODE_GENERATION, GOOD_CODE)
    bad = dims(TaskType.CODE_GENERATION, BAD_CODE)
    assert good.dimensions == {"syntax": 100.0, "documentation": 100.0, "best_practices": 100.0}
    assert good.value == 100.0
    assert bad.dimensions["syntax"] == 100.0
    assert bad.dimensions["best_practices"] == 0.0
    assert bad.dimensions["documentation"] < good.dimensions["documentation"]
    assert "anti-patterns" in (bad.explanation or "")


def test_code_anti_patterns_found() -> None:
    import ast

    found = " | ".join(find_anti_patterns(ast.parse(BAD_CODE)))
    for needle in ("wildcard import", "mutable default", "global", "eval()", "bare except",
                   "== None"):  # fmt: skip
        assert needle in found, needle
    clean = "def f(x=None):\n    if x is None:\n        x = []\n    return x\n"
    assert find_anti_patterns(ast.parse(clean)) == []
    shell = "import subprocess\nsubprocess.run('ls', shell=True)\nimport os\nos.system('ls')\n"
    assert len(find_anti_patterns(ast.parse(shell))) == 2


def test_code_syntax_error_scores_zero() -> None:
    s = dims(TaskType.CODE_GENERATION, "def broken(:\n    return")
    assert s.value == 0.0 and s.dimensions["syntax"] == 0.0
    assert "does not parse" in (s.explanation or "")


def test_code_other_language_is_unscored() -> None:
    s = Q.score_with_dimensions(TaskType.CODE_GENERATION, "fn main() {}", {"language": "rust"})
    assert s.value is None and "rust" in (s.unscored_reason or "")


# --------------------------------------------------------------------------- conversation

PROMPT = "How do I reset my router password if I forgot the admin login?"
GOOD_REPLY = """You can reset the router to factory settings and then set a new admin password:

1. Find the small reset button on the back of the router.
2. Hold it for about 10 seconds with a paperclip until the lights blink.
3. Log in with the default admin login printed on the router label, for example admin/admin.
4. Change the password right away in the settings page.

If you are unsure, your provider's support line can walk you through it."""


def test_conversation_relevance_helpfulness_professionalism() -> None:
    ctx = {"prompt": PROMPT}
    good = dims(TaskType.CONVERSATION, GOOD_REPLY, ctx)
    off_topic = dims(TaskType.CONVERSATION, "Our bakery sells fresh croissants daily.", ctx)
    refusal = dims(TaskType.CONVERSATION, "I'm sorry, but I can't help with that.", ctx)
    rude = dims(TaskType.CONVERSATION, "LOL dude just reset the stupid router!!! 😂😂", ctx)
    assert good.dimensions["relevance"] > off_topic.dimensions["relevance"]
    assert good.dimensions["helpfulness"] > refusal.dimensions["helpfulness"]
    assert good.dimensions["professionalism"] > rude.dimensions["professionalism"]
    assert good.value > max(off_topic.value, refusal.value, rude.value)  # type: ignore[operator, type-var]
    question_back = dims(TaskType.CONVERSATION, "Which router model do you have?", ctx)
    assert question_back.dimensions["helpfulness"] <= 40


def test_conversation_without_prompt_skips_relevance() -> None:
    s = dims(TaskType.CONVERSATION, GOOD_REPLY)
    assert "relevance" not in s.dimensions
    assert "relevance not assessed" in (s.explanation or "")


# --------------------------------------------------------------------------- lead scoring


def test_lead_scoring_valid_score_and_rationale() -> None:
    good = json.dumps(
        {
            "score": 82,
            "rationale": "VP of Operations (a decision-maker) at a 400-employee logistics firm; "
            "visited the pricing page twice, requested a demo, and budget is approved for Q3.",
        }
    )
    bare = json.dumps({"score": 82})
    out_of_range = json.dumps({"score": 140, "rationale": "big company with budget"})
    nothing = "This lead seems fine."
    g, b, o, n = (dims(TaskType.LEAD_SCORING, x) for x in (good, bare, out_of_range, nothing))
    assert g.dimensions["valid_score"] == 100.0 and g.dimensions["rationale"] > 80
    assert b.dimensions["rationale"] < g.dimensions["rationale"]
    assert o.dimensions["valid_score"] < g.dimensions["valid_score"]
    assert n.dimensions["valid_score"] == 0.0
    assert g.value > b.value and g.value > o.value > n.value  # type: ignore[operator]


def test_lead_scoring_prose_scale_and_accuracy() -> None:
    s = dims(TaskType.LEAD_SCORING, "Lead score: 8/10 because budget and timeline fit.")
    assert s.dimensions["valid_score"] == 100.0
    near = dims(TaskType.LEAD_SCORING, '{"score": 78}', {"expected_score": 80})
    far = dims(TaskType.LEAD_SCORING, '{"score": 20}', {"expected_score": 80})
    assert near.dimensions["accuracy"] == 96.0
    assert far.dimensions["accuracy"] == 0.0
    ranged = dims(TaskType.LEAD_SCORING, '{"score": 4}', {"score_range": [1, 5]})
    assert ranged.dimensions["valid_score"] == 100.0


# --------------------------------------------------------------------------- generic


def test_generic_penalises_empty_refusal_and_loops() -> None:
    good = dims(TaskType.GENERIC, "The capital of France is Paris, which is also its largest "
                "city, home to about two million people in the city proper.")  # fmt: skip
    empty = dims(TaskType.GENERIC, "   ")
    refusal = dims(TaskType.GENERIC, "As an AI language model, I cannot provide that.")
    loop = dims(TaskType.GENERIC, "I will help you. " * 60)
    assert empty.value == 0.0
    assert refusal.dimensions["no_refusal"] == 0.0
    assert loop.dimensions["no_repetition"] < 20
    assert good.value > refusal.value and good.value > loop.value > empty.value  # type: ignore[operator]


def test_unknown_task_types_fall_back_to_generic() -> None:
    s = Q.score_with_dimensions("contract_review", "A clause-by-clause review of the lease.")
    assert s.scorer == "generic"
    assert Q.score("Contract Review", "") == 0.0


def test_phrases_match_whole_words_and_typographic_quotes() -> None:
    from aigym.scoring._text import Phrases, padded, split_words

    slang = Phrases("bro", "guarantee*")
    assert not slang.any(padded(split_words("The build is broken; brochures were printed.")))
    assert slang.found(padded(split_words("Hey BRO, results guaranteed!"))) == ["bro", "guarantee*"]
    cta = "Hi John,\n\nLet’s talk next week — does Tuesday work for you?\n\nBest,\nMaria"
    assert dims(TaskType.EMAIL_WRITING, cta).dimensions["call_to_action"] == 100.0
    assert split_words("naïve café—déjà vu’s") == ["naïve", "café", "déjà", "vu", "s"]
