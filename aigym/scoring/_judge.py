"""LLM-as-judge: single-answer grading (1-10) and pairwise comparison in both orders.

The method follows MT-Bench (Zheng et al. 2023, "Judging LLM-as-a-Judge"): the judge
explains briefly, then gives its rating as `[[N]]` (or its verdict as `[[A]]`/`[[B]]`/
`[[C]]`). Pairwise comparisons run both answer orders, because judges favour one position;
a winner is declared only when both orders agree, anything else is a tie.

Judges go through the provider layer (`Provider.complete`), so a local llama.cpp model can
judge in tests and a hosted model in production. A reply with no readable rating is an
*unscored* result carrying the reply, never a 0: a judge's formatting slip says nothing about
the answer. The scorer version names the prompt version (`1+p1`); change either prompt and
`JUDGE_PROMPT_VERSION` changes with it, so old and new verdicts are never mixed.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from aigym.errors import ScoringError, ValidationError
from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score, stamped

if TYPE_CHECKING:
    from aigym.providers import Completion, CompletionRequest, Provider

__all__ = [
    "JUDGE_PROMPT_VERSION",
    "JUDGE_VERSION",
    "LLMJudge",
    "PairwiseJudge",
    "PairwiseVerdict",
    "Verdict",
    "combine_orders",
    "get_default_judge",
    "parse_rating",
    "parse_verdict",
    "rating_to_score",
    "set_default_judge",
    "verdict_score",
]

JUDGE_PROMPT_VERSION: Final = "1"
JUDGE_VERSION: Final = f"1+p{JUDGE_PROMPT_VERSION}"
"""Scorer version of both judges: code version, then `+p` and the prompt version."""

Verdict = Literal["a", "b", "tie"]

GRADE_SYSTEM: Final = (
    "You are an impartial judge. Rate the AI assistant's answer to the user's question "
    "below. Judge correctness first, then helpfulness, relevance and clarity; do not reward "
    "length. {reference_rule}Explain in one or two sentences, then give the rating on its "
    "own line in exactly this format: Rating: [[N]], where N is a whole number from 1 "
    "(wrong or useless) to 10 (correct and complete)."
)
PAIRWISE_SYSTEM: Final = (
    "You are an impartial judge. Compare the answers of two AI assistants, A and B, to the "
    "user's question below and decide which answer is better. Judge correctness first, "
    "then helpfulness, relevance and clarity. {reference_rule}Do not let the order of the "
    "answers, their length or the assistants' names influence you. Explain in one or two "
    "sentences, then give your verdict on its own line in exactly this format: [[A]] if A "
    "is better, [[B]] if B is better, [[C]] for a tie."
)
_REFERENCE_RULE: Final = "A reference answer is given: an answer that contradicts it is wrong. "

_NUM: Final = r"(\d+(?:\.\d+)?)"
# Tiers, most explicit first; the first tier with a match decides.
_RATING_TIERS: Final = (
    re.compile(r"\[\[\s*" + _NUM + r"\s*(?:/\s*10\s*)?\]\]"),
    re.compile(
        r"\b(?:rating|score|grade)\s*(?:is|of)?\s*[:=]?\s*\**\s*\[?" + _NUM + r"(?!\d)", re.I
    ),
    re.compile(_NUM + r"\s*(?:/|out\s+of)\s*10\b", re.I),
    re.compile(r"\A\s*\**\s*" + _NUM + r"\s*\**\s*\.?\s*\Z"),
)
_VERDICT_TIERS: Final = (
    re.compile(r"\[\[\s*(A|B|C|tie)\s*\]\]", re.I),
    re.compile(r"\bverdict\s*(?:is)?\s*[:=]?\s*\**\s*\[?\s*(A|B|C|tie)\b", re.I),
)
_EXCERPT: Final = 300


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 3] + "..."


def _rating_or_reason(reply: str) -> float | str:
    for tier in _RATING_TIERS:
        found = {float(m.group(1)) for m in tier.finditer(reply)}
        if not found:
            continue
        if len(found) > 1:
            shown = ", ".join(f"{v:g}" for v in sorted(found))
            return f"judge reply gives conflicting ratings ({shown})"
        (value,) = found
        if not 1.0 <= value <= 10.0:
            return f"judge rating {value:g} is outside 1-10"
        return value
    return "judge reply has no rating such as 'Rating: [[7]]'"


def parse_rating(reply: str) -> float | None:
    """The 1-10 rating in a judge's reply, or None when there is no single readable one.

    Accepted, most explicit first: `[[7]]`, `Rating: 7`, `7/10` or `7 out of 10`, a bare
    `7`. Conflicting ratings within the first tier that matches give None.
    """
    got = _rating_or_reason(reply)
    return got if isinstance(got, float) else None


def rating_to_score(rating: float) -> float:
    """A 1-10 rating on the 0-100 scale, linearly: 1 -> 0, 5.5 -> 50, 10 -> 100."""
    if not 1.0 <= rating <= 10.0:
        raise ValidationError("rating", rating, "give a judge rating from 1 to 10")
    return (rating - 1.0) / 9.0 * 100.0


def _verdict_or_reason(reply: str) -> Literal["A", "B", "C"] | str:
    for tier in _VERDICT_TIERS:
        found = {m.group(1).upper() for m in tier.finditer(reply)}
        found = {"C" if v == "TIE" else v for v in found}
        if len(found) > 1:
            return f"judge reply gives conflicting verdicts ({', '.join(sorted(found))})"
        if found:
            (v,) = found
            return "A" if v == "A" else "B" if v == "B" else "C"
    return "judge reply has no verdict such as '[[A]]', '[[B]]' or '[[C]]'"


def parse_verdict(reply: str) -> Literal["A", "B", "C"] | None:
    """'A', 'B' or 'C' (tie) from a pairwise judge's reply (`[[A]]`, `Verdict: B`), else None."""
    got = _verdict_or_reason(reply)
    return got if got in ("A", "B", "C") else None  # type: ignore[return-value]


def combine_orders(first: Verdict, second: Verdict) -> Verdict:
    """The verdict over both orders: a winner only when both agree, otherwise a tie."""
    return first if first == second else "tie"


@dataclass(frozen=True, slots=True)
class PairwiseVerdict:
    """Which of answers a and b is better, judged in both orders.

    `first` is the verdict with a shown as assistant A, `second` the verdict with b shown as
    A (already mapped back to a/b). `winner` is None when either reply had no readable
    verdict (`unscored_reason` says which).
    """

    winner: Verdict | None
    first: Verdict | None
    second: Verdict | None
    judge_model: str
    prompt_version: str
    replies: tuple[str, str]
    unscored_reason: str | None = None

    @property
    def consistent(self) -> bool:
        """Both orders gave the same verdict (no position bias showed)."""
        return self.first is not None and self.first == self.second


def _check_text(name: str, v: object) -> str:
    if not isinstance(v, str):
        raise ValidationError(name, v, "pass the text as a str")
    return v


@scorer("llm_judge", JUDGE_VERSION)
class LLMJudge:
    """Grades one answer from 1 to 10 with a judge model, reported on the 0-100 scale.

    `provider` is any `aigym.providers.Provider` and `model` its provider-side model name;
    `judge_model` (default `<provider name>/<model>`) is recorded with every score. As a
    registered scorer (`get_scorer("llm_judge")`, built without arguments) it uses the judge
    set with `set_default_judge`. The question comes from `context['prompt']`, an optional
    reference answer from `context['reference']`.
    """

    name: str
    version: str

    def __init__(
        self,
        provider: Provider | None = None,
        model: str | None = None,
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        judge_model: str | None = None,
    ) -> None:
        if (provider is None) != (model is None):
            raise ValidationError(
                "provider/model", (provider, model), "give both the provider and its model name"
            )
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 8:
            raise ValidationError("max_tokens", max_tokens, "give at least 8 tokens for a reply")
        self.provider = provider
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self._judge_model = judge_model

    # ------------------------------------------------------------------ identity

    def _resolved(self) -> LLMJudge:
        if self.provider is not None:
            return self
        default = get_default_judge()
        if default is None:
            raise ScoringError(
                "no judge model is configured: call aigym.scoring.set_default_judge("
                "LLMJudge(provider, model)) or pass an LLMJudge(...) instance as the scorer"
            )
        return default

    @property
    def judge_model(self) -> str | None:
        """The judge's model id as recorded with scores (None when none is configured)."""
        if self.provider is None:
            default = get_default_judge()
            return None if default is None else default.judge_model
        if self._judge_model is not None:
            return self._judge_model
        assert self.model is not None
        prefix = f"{self.provider.name}/"
        return self.model if self.model.startswith(prefix) else prefix + self.model

    def __repr__(self) -> str:
        return f"LLMJudge({self.judge_model!r}, prompt v{JUDGE_PROMPT_VERSION})"

    # ------------------------------------------------------------------ requests

    def request(self, system: str, user: str) -> CompletionRequest:
        """The chat request sent to the judge (system rubric, then the material)."""
        from aigym.providers import CompletionRequest

        judge = self._resolved()
        assert judge.model is not None
        return CompletionRequest.from_messages(
            judge.model,
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=judge.max_tokens,
            temperature=judge.temperature,
            seed=judge.seed,
        )

    def grade_request(
        self, answer: str, question: str, reference: str | None = None
    ) -> CompletionRequest:
        rule = _REFERENCE_RULE if reference is not None else ""
        parts = [f"[Question]\n{question.strip()}"]
        if reference is not None:
            parts.append(f"[Reference answer]\n{reference.strip()}")
        parts.append(
            f"[The start of the assistant's answer]\n{answer.strip()}\n"
            "[The end of the assistant's answer]"
        )
        return self.request(GRADE_SYSTEM.format(reference_rule=rule), "\n\n".join(parts))

    def compare_request(
        self, question: str, answer_a: str, answer_b: str, reference: str | None = None
    ) -> CompletionRequest:
        rule = _REFERENCE_RULE if reference is not None else ""
        parts = [f"[Question]\n{question.strip()}"]
        if reference is not None:
            parts.append(f"[Reference answer]\n{reference.strip()}")
        for label, text in (("A", answer_a), ("B", answer_b)):
            parts.append(
                f"[The start of assistant {label}'s answer]\n{text.strip()}\n"
                f"[The end of assistant {label}'s answer]"
            )
        return self.request(PAIRWISE_SYSTEM.format(reference_rule=rule), "\n\n".join(parts))

    # ------------------------------------------------------------------ calling

    def _call_failed(self, error: Exception) -> str:
        from aigym.providers import AuthenticationError, BadRequestError

        if isinstance(error, (AuthenticationError, BadRequestError)):
            # Every further call would fail the same way: stop rather than write unscored rows.
            raise ScoringError(f"the judge {self.judge_model} cannot be called: {error}") from None
        return f"judge call failed ({getattr(error, 'error_type', type(error).__name__)})"

    def _ask(self, request: CompletionRequest) -> Completion | str:
        from aigym.providers import ProviderCallError

        judge = self._resolved()
        assert judge.provider is not None
        try:
            return judge.provider.complete(request)
        except ProviderCallError as e:
            return judge._call_failed(e)

    async def _aask(self, request: CompletionRequest) -> Completion | str:
        from aigym.providers import ProviderCallError

        judge = self._resolved()
        assert judge.provider is not None
        try:
            return await judge.provider.acomplete(request)
        except ProviderCallError as e:
            return judge._call_failed(e)

    # ------------------------------------------------------------------ grading

    def _grade_score(self, done: Completion | str) -> Score:
        judge = self.judge_model
        if isinstance(done, str):
            return Score.unscored(done, judge_model=judge)
        got = _rating_or_reason(done.text)
        if isinstance(got, str):
            return Score.unscored(f"{got}: {_excerpt(done.text)!r}", judge_model=judge)
        note = f"rating {got:g}/10: {_excerpt(done.text)}"
        return Score(rating_to_score(got), explanation=note, judge_model=judge)

    def grade(self, answer: str, question: str, reference: str | None = None) -> Score:
        """The judge's 0-100 score for `answer` (unscored, with the reply, if unreadable).

        The explanation starts with the raw rating ("rating 7/10: ...").
        """
        req = self.grade_request(
            _check_text("answer", answer), _check_text("question", question), reference
        )
        return stamped(self._grade_score(self._ask(req)), self.name, self.version)

    async def agrade(self, answer: str, question: str, reference: str | None = None) -> Score:
        """`grade` for async callers."""
        req = self.grade_request(
            _check_text("answer", answer), _check_text("question", question), reference
        )
        return stamped(self._grade_score(await self._aask(req)), self.name, self.version)

    def __call__(self, output: str, context: Context | None = None) -> Score:
        ctx = context or {}
        question = ctx.get("prompt")
        if not isinstance(question, str) or not question.strip():
            return Score.unscored("no question in context['prompt']: the judge needs it")
        ref = ctx.get("reference")
        return self.grade(output, question, None if ref is None else str(ref))

    # ------------------------------------------------------------------ pairwise

    def _verdict(
        self, done: tuple[Completion | str, Completion | str], judge_model: str
    ) -> PairwiseVerdict:
        replies = tuple("" if isinstance(d, str) else d.text for d in done)
        orders: list[Verdict | None] = []
        reasons: list[str] = []
        for i, d in enumerate(done):
            label = "a shown first" if i == 0 else "b shown first"
            got = d if isinstance(d, str) else _verdict_or_reason(d.text)
            if got not in ("A", "B", "C"):
                orders.append(None)
                shown = "" if isinstance(d, str) else f": {_excerpt(d.text)!r}"
                reasons.append(f"{label}: {got}{shown}")
                continue
            first_is_a = i == 0
            if got == "C":
                orders.append("tie")
            elif (got == "A") == first_is_a:
                orders.append("a")
            else:
                orders.append("b")
        first, second = orders
        winner = None if first is None or second is None else combine_orders(first, second)
        return PairwiseVerdict(
            winner,
            first,
            second,
            judge_model,
            JUDGE_PROMPT_VERSION,
            (replies[0], replies[1]),
            "; ".join(reasons) or None,
        )

    def compare(
        self, question: str, answer_a: str, answer_b: str, reference: str | None = None
    ) -> PairwiseVerdict:
        """Judge a against b in both orders; a winner only if both orders agree."""
        for name, v in (("question", question), ("answer_a", answer_a), ("answer_b", answer_b)):
            _check_text(name, v)
        ab = self._ask(self.compare_request(question, answer_a, answer_b, reference))
        ba = self._ask(self.compare_request(question, answer_b, answer_a, reference))
        return self._verdict((ab, ba), self.judge_model or "")

    async def acompare(
        self, question: str, answer_a: str, answer_b: str, reference: str | None = None
    ) -> PairwiseVerdict:
        """`compare` for async callers; the two orders are judged concurrently."""
        for name, v in (("question", question), ("answer_a", answer_a), ("answer_b", answer_b)):
            _check_text(name, v)
        ab, ba = await asyncio.gather(
            self._aask(self.compare_request(question, answer_a, answer_b, reference)),
            self._aask(self.compare_request(question, answer_b, answer_a, reference)),
        )
        return self._verdict((ab, ba), self.judge_model or "")


_VERDICT_VALUE: Final[Mapping[Verdict, float]] = {"a": 100.0, "tie": 50.0, "b": 0.0}


@scorer("llm_judge_pairwise", JUDGE_VERSION)
class PairwiseJudge:
    """Scores an output against a baseline answer in `context['baseline']`: 100 if the
    judge prefers the output in both orders, 0 if it prefers the baseline in both, else 50.

    Dimensions `output_first` and `baseline_first` hold each order's verdict on the same
    scale (they differ when the judge showed position bias). Uses `judge`, or the default
    judge (`set_default_judge`) when built without one, as the registry does.
    """

    name: str
    version: str

    def __init__(self, judge: LLMJudge | None = None) -> None:
        self.judge = judge if judge is not None else LLMJudge()

    @property
    def judge_model(self) -> str | None:
        return self.judge.judge_model

    def __repr__(self) -> str:
        return f"PairwiseJudge({self.judge_model!r}, prompt v{JUDGE_PROMPT_VERSION})"

    def __call__(self, output: str, context: Context | None = None) -> Score:
        ctx = context or {}
        question, baseline = ctx.get("prompt"), ctx.get("baseline")
        if not isinstance(question, str) or not question.strip():
            return Score.unscored("no question in context['prompt']: the judge needs it")
        if not isinstance(baseline, str):
            return Score.unscored("no baseline answer in context['baseline'] to compare with")
        ref = ctx.get("reference")
        v = self.judge.compare(question, output, baseline, None if ref is None else str(ref))
        return verdict_score(v)


def verdict_score(v: PairwiseVerdict) -> Score:
    """A pairwise verdict as a Score for answer a: 100 win, 50 tie, 0 loss."""
    if v.winner is None:
        return Score.unscored(v.unscored_reason or "no verdict", judge_model=v.judge_model)
    assert v.first is not None and v.second is not None
    note = f"output first: {v.first}; baseline first: {v.second}"
    if not v.consistent:
        note += " (orders disagree: tie)"
    return Score(
        _VERDICT_VALUE[v.winner],
        {"output_first": _VERDICT_VALUE[v.first], "baseline_first": _VERDICT_VALUE[v.second]},
        note,
        judge_model=v.judge_model,
    )


_default_lock = threading.Lock()
_default_judge: LLMJudge | None = None


def set_default_judge(judge: LLMJudge | None) -> None:
    """The judge that `get_scorer("llm_judge")` and `"llm_judge_pairwise"` use (None: none)."""
    if judge is not None and (not isinstance(judge, LLMJudge) or judge.provider is None):
        raise ValidationError(
            "judge", judge, "give LLMJudge(provider, model) with its provider and model"
        )
    global _default_judge
    with _default_lock:
        _default_judge = judge


def get_default_judge() -> LLMJudge | None:
    """The judge set with `set_default_judge`, if any."""
    return _default_judge
