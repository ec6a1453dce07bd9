"""LLM-as-judge: reply parsing, 0-100 mapping, both-orders logic, recording, real local judges.

The local models (135M/270M parameters) cannot judge well, so the tests against them check
structure, parsing, recording and the two orders, never verdict quality.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from aigym.errors import ScoringError, ValidationError
from aigym.providers import (
    AuthenticationError,
    Completion,
    CompletionRequest,
    LocalModelServer,
    Provider,
    RetryPolicy,
    ServerError,
)
from aigym.records import new_id
from aigym.scoring import (
    JUDGE_PROMPT_VERSION,
    JUDGE_VERSION,
    LLMJudge,
    PairwiseJudge,
    combine_orders,
    get_default_judge,
    get_scorer,
    list_scorers,
    parse_rating,
    parse_verdict,
    rating_to_score,
    score_record,
    set_default_judge,
)

Reply = Callable[[CompletionRequest], str]


class StubProvider(Provider):
    """Answers each request with `reply(request)`, or raises `error`; records requests."""

    def __init__(self, reply: Reply | str = "Rating: [[7]]", error: Exception | None = None):
        super().__init__("stub", retry=RetryPolicy(max_retries=0))
        self.reply = reply
        self.error = error
        self.requests: list[CompletionRequest] = []

    async def generate(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        text = self.reply if isinstance(self.reply, str) else self.reply(request)
        return Completion(text, "stop", 10, 5, request.model, self.name)


def user_text(request: CompletionRequest) -> str:
    assert request.messages is not None
    return request.messages[-1].content


@pytest.fixture(autouse=True)
def _no_default_judge() -> Iterator[None]:
    before = get_default_judge()
    yield
    set_default_judge(before)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("reply", "rating"),
    [
        ("The answer is right.\nRating: [[8]]", 8.0),
        ("Rating: [[ 7.5 ]]", 7.5),
        ("[[9/10]]", 9.0),
        ("Mostly wrong. Rating: 2", 2.0),
        ("score: **6**", 6.0),
        ("I would rate this 4 out of 10.", 4.0),
        ("3/10", 3.0),
        ("  5. ", 5.0),
        ("10", 10.0),
        ("It says 1945 happened. [[3]] and the year 2020", 3.0),  # brackets win over numbers
        ("Rating: [[6]]. To repeat, Rating: [[6]].", 6.0),  # the same rating twice is fine
    ],
)
def test_parse_rating_accepts(reply: str, rating: float) -> None:
    assert parse_rating(reply) == rating


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "The capital of France is Paris.",
        "Rating: [[N]], where N is a number",
        "[[0]]",  # outside 1-10
        "Rating: [[11]]",
        "[[3]] or maybe [[8]]",  # conflicting
        "There are 7 continents.",  # a number that is not a rating
    ],
)
def test_parse_rating_refuses(reply: str) -> None:
    assert parse_rating(reply) is None


def test_rating_maps_linearly_to_0_100() -> None:
    assert rating_to_score(1) == 0.0
    assert rating_to_score(10) == 100.0
    assert rating_to_score(5.5) == pytest.approx(50.0)
    assert rating_to_score(7) == pytest.approx(600 / 9)
    with pytest.raises(ValidationError):
        rating_to_score(0.5)


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("A is clearer.\n[[A]]", "A"),
        ("[[b]]", "B"),
        ("Both fine. [[C]]", "C"),
        ("[[tie]]", "C"),
        ("Final verdict: B", "B"),
        ("[[A]] ... as I said, [[A]]", "A"),
        ("[[A]] no wait [[B]]", None),
        ("Assistant A is better", None),  # no explicit verdict marker
        ("", None),
    ],
)
def test_parse_verdict(reply: str, verdict: str | None) -> None:
    assert parse_verdict(reply) == verdict


def test_combine_orders_needs_agreement() -> None:
    assert combine_orders("a", "a") == "a"
    assert combine_orders("b", "b") == "b"
    assert combine_orders("a", "b") == "tie"  # position bias: each order picked the first
    assert combine_orders("a", "tie") == "tie"
    assert combine_orders("tie", "tie") == "tie"


# --------------------------------------------------------------------------- stub provider


def test_grade_maps_records_and_versions() -> None:
    judge = LLMJudge(StubProvider("Correct and complete.\nRating: [[10]]"), "judge-1")
    s = judge("Paris", {"prompt": "Capital of France?", "reference": "Paris"})
    assert s.value == 100.0 and s.scorer == "llm_judge" and s.version == JUDGE_VERSION
    assert s.explanation is not None and s.explanation.startswith("rating 10/10")
    assert JUDGE_VERSION.endswith(f"p{JUDGE_PROMPT_VERSION}") and list_scorers()["llm_judge"] == (
        JUDGE_VERSION
    )
    assert judge.judge_model == "stub/judge-1" and s.judge_model == "stub/judge-1"
    rec = s.to_record(new_id())  # the score carries its judge into the stored row
    assert rec.judge_model == "stub/judge-1" and rec.scorer_version == JUDGE_VERSION
    assert rec.value == 100.0


def test_grade_request_holds_question_reference_and_answer() -> None:
    stub = StubProvider()
    LLMJudge(stub, "judge-1", max_tokens=64, seed=3).grade("42", "What is 6 x 7?", "42")
    (req,) = stub.requests
    assert req.model == "judge-1" and req.max_tokens == 64 and req.temperature == 0.0
    assert req.seed == 3
    assert req.messages is not None and req.messages[0].role == "system"
    assert "reference answer" in req.messages[0].content and "[[N]]" in req.messages[0].content
    text = user_text(req)
    assert (
        text.index("What is 6 x 7?")
        < text.index("[Reference answer]\n42")
        < text.index("assistant's answer]\n42")
    )
    stub.requests.clear()
    LLMJudge(stub, "judge-1").grade("42", "What is 6 x 7?")
    assert "Reference" not in user_text(stub.requests[0])


def test_unparseable_reply_is_unscored_never_zero() -> None:
    judge = LLMJudge(StubProvider("I think the answer is fine."), "judge-1")
    s = judge("Paris", {"prompt": "Capital of France?"})
    assert s.value is None
    assert s.unscored_reason is not None and "no rating" in s.unscored_reason
    assert "I think the answer is fine." in s.unscored_reason  # the reply, for auditing
    conflicting = LLMJudge(StubProvider("[[2]] ... [[9]]"), "judge-1").grade("x", "q")
    assert conflicting.value is None and "conflicting" in (conflicting.unscored_reason or "")
    rec = score_record(s, new_id(), judge)
    assert rec.value is None and rec.unscored_reason == s.unscored_reason
    assert rec.judge_model == "stub/judge-1"  # unscored rows say who failed to judge too


def test_missing_question_is_unscored_without_a_call() -> None:
    stub = StubProvider()
    s = LLMJudge(stub, "judge-1")("Paris", {})
    assert s.value is None and "context['prompt']" in (s.unscored_reason or "")
    assert stub.requests == []


def test_provider_failures() -> None:
    flaky = StubProvider(error=ServerError("boom", provider="stub", http_status=503))
    s = LLMJudge(flaky, "judge-1").grade("x", "q")
    assert s.value is None and "server_error" in (s.unscored_reason or "")
    denied = StubProvider(error=AuthenticationError("bad key", provider="stub", http_status=401))
    with pytest.raises(ScoringError, match="cannot be called"):
        LLMJudge(denied, "judge-1").grade("x", "q")


def _prefers(answer: str) -> Reply:
    """A judge that always prefers `answer`, wherever it is shown."""

    def reply(req: CompletionRequest) -> str:
        text = user_text(req)
        a_part = text.split("[The start of assistant B's answer]")[0]
        return "[[A]]" if f"answer]\n{answer}\n" in a_part else "[[B]]"

    return reply


def test_pairwise_runs_both_orders_and_maps_back() -> None:
    stub = StubProvider(_prefers("Paris"))
    v = LLMJudge(stub, "judge-1").compare("Capital of France?", "Paris", "Lyon")
    assert (v.winner, v.first, v.second, v.consistent) == ("a", "a", "a", True)
    first, second = (user_text(r) for r in stub.requests)
    assert first.index("Paris") < first.index("Lyon")  # a shown as assistant A ...
    assert second.index("Lyon") < second.index("Paris")  # ... then b shown as A
    assert v.judge_model == "stub/judge-1" and v.prompt_version == JUDGE_PROMPT_VERSION
    v = LLMJudge(StubProvider(_prefers("Lyon")), "judge-1").compare("q", "Paris", "Lyon")
    assert (v.winner, v.first, v.second) == ("b", "b", "b")


def test_pairwise_position_bias_is_a_tie() -> None:
    v = LLMJudge(StubProvider("[[A]]"), "judge-1").compare("q", "Paris", "Lyon")
    assert (v.winner, v.first, v.second, v.consistent) == ("tie", "a", "b", False)
    v = LLMJudge(StubProvider("[[B]]"), "judge-1").compare("q", "Paris", "Lyon")
    assert (v.winner, v.first, v.second) == ("tie", "b", "a")


def test_pairwise_unparseable_order_is_unscored() -> None:
    replies = iter(["[[A]]", "no idea"])
    v = LLMJudge(StubProvider(lambda _: next(replies)), "judge-1").compare("q", "x", "y")
    assert v.winner is None and v.first == "a" and v.second is None
    assert v.unscored_reason is not None and v.unscored_reason.startswith("b shown first")


def test_pairwise_scorer_values() -> None:
    judge = LLMJudge(StubProvider(_prefers("Paris")), "judge-1")
    scorer = PairwiseJudge(judge)
    win = scorer("Paris", {"prompt": "q", "baseline": "Lyon"})
    loss = scorer("Lyon", {"prompt": "q", "baseline": "Paris"})
    assert (win.value, loss.value) == (100.0, 0.0)
    assert win.scorer == "llm_judge_pairwise" and win.version == JUDGE_VERSION
    assert dict(win.dimensions) == {"output_first": 100.0, "baseline_first": 100.0}
    biased = PairwiseJudge(LLMJudge(StubProvider("[[A]]"), "judge-1"))
    tie = biased("Paris", {"prompt": "q", "baseline": "Lyon"})
    assert tie.value == 50.0 and dict(tie.dimensions) == {
        "output_first": 100.0,
        "baseline_first": 0.0,
    }
    assert "orders disagree" in (tie.explanation or "") and tie.judge_model == "stub/judge-1"
    assert scorer("Paris", {"prompt": "q"}).value is None  # no baseline
    assert scorer.judge_model == "stub/judge-1"


def test_async_variants_match_sync() -> None:
    judge = LLMJudge(StubProvider(_prefers("Paris")), "judge-1")
    v = asyncio.run(judge.acompare("q", "Paris", "Lyon"))
    assert (v.winner, v.first, v.second) == ("a", "a", "a")
    s = asyncio.run(LLMJudge(StubProvider("[[4]]"), "judge-1").agrade("x", "q"))
    assert s.value == pytest.approx(100 / 3) and s.scorer == "llm_judge"


def test_registered_judges_use_the_default_judge() -> None:
    set_default_judge(None)
    with pytest.raises(ScoringError, match="set_default_judge"):
        get_scorer("llm_judge")("Paris", {"prompt": "q"})
    assert get_scorer("llm_judge").judge_model is None  # type: ignore[attr-defined]
    set_default_judge(LLMJudge(StubProvider("[[10]]"), "judge-2"))
    s = get_scorer("llm_judge")("Paris", {"prompt": "q"})
    assert s.value == 100.0 and s.version == JUDGE_VERSION
    assert get_scorer("llm_judge").judge_model == "stub/judge-2"  # type: ignore[attr-defined]
    p = get_scorer("llm_judge_pairwise")("Paris", {"prompt": "q", "baseline": "Lyon"})
    assert p.value is None and "no verdict" in (p.unscored_reason or "")  # [[10]] is no verdict
    with pytest.raises(ValidationError):
        set_default_judge(LLMJudge())


def test_constructor_checks() -> None:
    with pytest.raises(ValidationError):
        LLMJudge(StubProvider(), None)
    with pytest.raises(ValidationError):
        LLMJudge(StubProvider(), "m", max_tokens=2)
    assert LLMJudge(StubProvider(), "stub/m").judge_model == "stub/m"
    assert LLMJudge(StubProvider(), "m", judge_model="openai/gpt-4o").judge_model == "openai/gpt-4o"


# --------------------------------------------------------------------------- real local judges


@pytest.mark.parametrize("model", ["smollm2-135m", "gemma3-270m"])
def test_local_judge_grades_structurally(local_models: LocalModelServer, model: str) -> None:
    judge = LLMJudge(local_models.provider(), model, max_tokens=16)
    s = judge("Paris", {"prompt": "What is the capital of France?", "reference": "Paris"})
    assert s.scorer == "llm_judge" and s.version == JUDGE_VERSION
    assert judge.judge_model == f"local/{model}"
    if s.value is None:  # a tiny model rarely follows the format: unscored, with its reply
        assert s.unscored_reason and "judge reply" in s.unscored_reason
    else:
        assert 0.0 <= s.value <= 100.0 and parse_rating(s.explanation or "") is not None
    rec = score_record(s, new_id(), judge)
    assert rec.judge_model == f"local/{model}" and rec.scorer_version == JUDGE_VERSION


def test_local_judge_pairwise_runs_both_orders(local_models: LocalModelServer) -> None:
    provider = local_models.provider()
    judge = LLMJudge(provider, "smollm2-135m", max_tokens=12)
    v = judge.compare("What is 2 + 2?", "4", "5")
    assert v.judge_model == "local/smollm2-135m" and len(v.replies) == 2
    assert all(isinstance(r, str) for r in v.replies)
    for order, reply in zip((v.first, v.second), v.replies, strict=True):
        got = parse_verdict(reply)
        if got is None:
            assert order is None
        else:
            assert order in ("a", "b", "tie")
    if v.first is None or v.second is None:
        assert v.winner is None and v.unscored_reason
    else:
        assert v.winner == combine_orders(v.first, v.second)
