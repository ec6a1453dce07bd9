"""Reference scorers against known answers."""

from __future__ import annotations

import random
import re
import string
from collections import Counter

import pytest

from aigym.errors import ValidationError
from aigym.scoring import extract_choice, extract_last_number, get_scorer, normalize_answer


def value(name: str, output: str, **context: object) -> float | None:
    return get_scorer(name)(output, context).value


@pytest.mark.parametrize(
    "name", ["exact_match", "normalized_match", "numeric_match", "multiple_choice", "token_f1"]
)
def test_no_reference_is_unscored_not_zero(name: str) -> None:
    s = get_scorer(name)("anything", {})
    assert s.value is None and s.unscored_reason and s.scorer == name and s.version == "1"
    assert get_scorer(name)("anything", {"target": "anything"}).value is not None


def test_exact_and_normalized_match() -> None:
    assert value("exact_match", "  Paris\n", reference="Paris") == 100.0
    assert value("exact_match", "paris", reference="Paris") == 0.0
    assert value("exact_match", "Lyon", reference=["Paris", "Lyon"]) == 100.0
    assert value("normalized_match", "The Eiffel Tower!", reference="eiffel tower") == 100.0
    assert value("normalized_match", "an apple, a day", reference="apple day") == 100.0
    assert value("normalized_match", "Eiffel", reference="eiffel tower") == 0.0


def test_normalize_answer_is_squad() -> None:
    assert normalize_answer("The  Quick, brown FOX.") == "quick brown fox"
    assert normalize_answer("A theory") == "theory"  # 'a' goes, 'theory' stays
    tricky = [
        "the-end", "a.b.c", "An, apple; THE pear", "théâtre the café", "it's a dog’s life",
        "l'a", "(the)", "a\tb\nthe\r\nc", "the_the", "Ünïcode the ünïcode", "", "   ",
        "$1,234.50 is the price", "an—em dash", "THE END.",
    ]  # fmt: skip
    rng = random.Random(7)
    alphabet = "ab thena.,;-'\"()!?xyz \n\tÉé’"
    tricky += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    for text in tricky:
        assert normalize_answer(text) == _squad_normalize(text), repr(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Natalia sold 48 + 24 = 72 clips.\n#### 72", 72.0),
        ("So the total is $1,234.50.", 1234.5),
        ("She has 3 apples, then 5, so the answer is 18", 18.0),
        ("The temperature fell to -4.5 degrees.", -4.5),
        ("It costs $ 12 in total", 12.0),
        ("Answer: 1,000,000", 1_000_000.0),
        ("no digits here", None),
    ],
)
def test_extract_last_number(text: str, number: float | None) -> None:
    assert extract_last_number(text) == number


def test_extract_last_number_equals_the_last_regex_match() -> None:
    """The reverse search must agree with 'the last number regex match' everywhere."""
    pattern = re.compile(r"-?\$?\s?\d[\d,]*(?:\.\d+)?|-?\$?\.\d+")
    rng = random.Random(11)
    alphabet = "0123456789,.$- abc\n"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        if "####" in text:
            continue
        expected = None
        for token in reversed(pattern.findall(text)):
            try:
                expected = float(token.replace(",", "").replace("$", "").replace(" ", ""))
                break
            except ValueError:
                continue
        assert extract_last_number(text) == expected, repr(text)


def test_numeric_match_gsm8k_style() -> None:
    reference = "Natalia sold 48/2 = 24 clips in May.\n#### 72"
    assert value("numeric_match", "48 + 24 = 72. The answer is 72.", reference=reference) == 100
    assert value("numeric_match", "The answer is 73.", reference=reference) == 0.0
    assert value("numeric_match", "I earned $1,200.", reference=1200) == 100.0
    assert value("numeric_match", "about 3.14", reference=3.14159, tolerance=0.01) == 100.0
    assert value("numeric_match", "about 3.14", reference=3.14159) == 0.0
    assert value("numeric_match", "no idea", reference=5) == 0.0


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("The answer is (C).", "C"),
        ("Answer: B", "B"),
        ("answer is: D because ...", "D"),
        ("The correct answer is **A**", "A"),
        ("B) Paris", "B"),
        ("(E)", "E"),
        ("C", "C"),
        ("Let me think. Option (A) is wrong, (B) too. So the answer is C.", "C"),
        ("I think a good answer is unclear.", None),
        ("All options look plausible.", None),
    ],
)
def test_extract_choice(text: str, letter: str | None) -> None:
    assert extract_choice(text) == letter


def test_extract_choice_on_long_and_unicode_text() -> None:
    filler = "Considering every option carefully. " * 300
    assert extract_choice(filler + "The answer is (D).") == "D"
    assert extract_choice("The answer is (B). " + filler + "Answered. Final answer: E") == "E"
    assert extract_choice("İstanbul? The answer is (A)") == "A"  # lower() changes lengths
    assert extract_choice(filler) is None


def test_multiple_choice() -> None:
    assert value("multiple_choice", "The answer is (C)", reference="C") == 100.0
    assert value("multiple_choice", "The answer is (C)", reference="c") == 100.0
    assert value("multiple_choice", "The answer is (C)", reference=2) == 100.0
    assert value("multiple_choice", "The answer is (B)", reference="C") == 0.0
    assert value("multiple_choice", "Answer: E", reference="E", choices=["w", "x", "y", "z"]) == 0


def _squad_normalize(s: str) -> str:
    """normalize_answer from the official SQuAD v1.1 evaluation script."""
    exclude = set(string.punctuation)
    s = "".join(ch for ch in s.lower() if ch not in exclude)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", s).split())


def _squad_f1(pred: str, gold: str) -> float:
    """compute_f1 from the official SQuAD 2.0 evaluation script (v1.1 plus: empty = empty)."""
    p, g = _squad_normalize(pred).split(), _squad_normalize(gold).split()
    if not p or not g:
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize(
    ("pred", "gold"),
    [
        ("the Denver Broncos " * 40 + "won, the game", "Denver Broncos"),
        ("an answer " + "with many words, the end. " * 30, "the many words of an answer"),
        ("Denver", "the Denver Broncos " * 40),
        ("the a an", "the"),
        ("the Denver Broncos", "Denver Broncos"),
        ("Broncos won", "Denver Broncos"),
        ("Santa Clara, California", "Levi's Stadium in Santa Clara"),
        ("no overlap at all", "Denver"),
    ],
)
def test_token_f1_matches_squad(pred: str, gold: str) -> None:
    s = get_scorer("token_f1")(pred, {"reference": gold})
    assert s.value == pytest.approx(100 * _squad_f1(pred, gold))
    assert set(s.dimensions) == {"precision", "recall"}


def test_token_f1_takes_best_reference() -> None:
    s = get_scorer("token_f1")("Denver Broncos", {"reference": ["Carolina", "Denver Broncos"]})
    assert s.value == 100.0


def test_regex_match() -> None:
    assert value("regex_match", "Order #12345 shipped", pattern=r"#\d{5}\b") == 100.0
    assert value("regex_match", "order 12", pattern=r"#\d{5}") == 0.0
    assert value("regex_match", " yes ", pattern="yes|no", fullmatch=True) == 100.0
    assert value("regex_match", "yes, sure", pattern="yes|no", fullmatch=True) == 0.0
    assert value("regex_match", "YES", pattern="yes", ignore_case=True) == 100.0
    assert value("regex_match", "YES", pattern=re.compile("yes", re.I)) == 100.0
    assert get_scorer("regex_match")("x", {}).value is None
    with pytest.raises(ValidationError, match="valid regex"):
        value("regex_match", "x", pattern="(")
