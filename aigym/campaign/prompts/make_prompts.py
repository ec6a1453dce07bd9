"""Regenerates the prompt sets in this folder (deterministic). Written for aigym; MIT like the code.

    .venv/bin/python aigym/campaign/prompts/make_prompts.py

Every set is JSONL with `prompt_id`, `prompt`, `task_type`, and where it has one, `reference`
(the expected answer) or `tests` (Python unit tests for code), plus `context` for heuristics.
"""

# ruff: noqa: E501  (prompt texts are kept on one line each, as they read)

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent


def arithmetic(n: int = 40) -> list[dict[str, object]]:
    rng = random.Random(2026)
    out: list[dict[str, object]] = []
    for i in range(n):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        op = rng.choice(["+", "-", "*"])
        ans = {"+": a + b, "-": a - b, "*": a * b}[op]
        out.append(
            {
                "prompt_id": f"arith-{i:03d}",
                "prompt": f"What is {a} {op} {b}? Answer with the number only.",
                "task_type": "arithmetic",
                "reference": str(ans),
            }
        )
    return out


FACTS = [
    ("What is the capital of France?", "Paris"),
    ("What is the capital of Japan?", "Tokyo"),
    ("What is the capital of Italy?", "Rome"),
    ("What is the capital of Spain?", "Madrid"),
    ("What is the capital of Germany?", "Berlin"),
    ("What is the capital of Canada?", "Ottawa"),
    ("What is the capital of Egypt?", "Cairo"),
    ("What is the capital of Russia?", "Moscow"),
    ("What is the capital of China?", "Beijing"),
    ("What is the capital of the United Kingdom?", "London"),
    ("What is the largest planet in the Solar System?", "Jupiter"),
    ("Which planet is known as the Red Planet?", "Mars"),
    ("What is the chemical symbol for gold?", "Au"),
    ("What is the chemical symbol for water?", "H2O"),
    ("How many days are in a week?", "7"),
    ("How many legs does a spider have?", "8"),
    ("How many continents are there on Earth?", "7"),
    ("What gas do plants absorb from the air?", "carbon dioxide"),
    ("What is the boiling point of water in degrees Celsius?", "100"),
    ("What is the freezing point of water in degrees Celsius?", "0"),
    ("Who wrote 'Romeo and Juliet'?", "William Shakespeare"),
    ("What is the largest ocean on Earth?", "Pacific Ocean"),
    ("What is the tallest mountain in the world?", "Mount Everest"),
    ("In which continent is Kenya?", "Africa"),
    ("What color is the sky on a clear day?", "blue"),
    ("How many hours are in a day?", "24"),
    ("What is the opposite of 'hot'?", "cold"),
    ("Which animal is known as the king of the jungle?", "lion"),
    ("What language is mainly spoken in Brazil?", "Portuguese"),
    ("What is the square root of 81?", "9"),
]


def factual_qa() -> list[dict[str, object]]:
    return [
        {
            "prompt_id": f"qa-{i:03d}",
            "prompt": f"{q} Answer in a few words.",
            "task_type": "factual_qa",
            "reference": a,
        }
        for i, (q, a) in enumerate(FACTS)
    ]


FUNCTIONS = [
    ("add", "add(a, b) that returns the sum of a and b",
     "assert add(2, 3) == 5\nassert add(-1, 1) == 0\nassert add(0, 0) == 0"),
    ("square", "square(x) that returns x squared",
     "assert square(3) == 9\nassert square(-4) == 16\nassert square(0) == 0"),
    ("is_even", "is_even(n) that returns True if n is even and False otherwise",
     "assert is_even(4) is True\nassert is_even(7) is False\nassert is_even(0) is True"),
    ("reverse_string", "reverse_string(s) that returns the string s reversed",
     "assert reverse_string('abc') == 'cba'\nassert reverse_string('') == ''"),
    ("maximum", "maximum(xs) that returns the largest number in the non-empty list xs",
     "assert maximum([1, 5, 3]) == 5\nassert maximum([-2, -9]) == -2"),
    ("count_vowels", "count_vowels(s) that returns how many of a, e, i, o, u are in s",
     "assert count_vowels('hello') == 2\nassert count_vowels('xyz') == 0"),
    ("factorial", "factorial(n) that returns n! for n >= 0",
     "assert factorial(0) == 1\nassert factorial(5) == 120"),
    ("is_palindrome", "is_palindrome(s) that returns True if s reads the same backwards",
     "assert is_palindrome('racecar') is True\nassert is_palindrome('abc') is False"),
    ("fizzbuzz", "fizzbuzz(n) that returns 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, "
     "'FizzBuzz' for both, else str(n)",
     "assert fizzbuzz(3) == 'Fizz'\nassert fizzbuzz(10) == 'Buzz'\nassert fizzbuzz(15) == 'FizzBuzz'\n"
     "assert fizzbuzz(7) == '7'"),
    ("sum_list", "sum_list(xs) that returns the sum of the numbers in xs",
     "assert sum_list([1, 2, 3]) == 6\nassert sum_list([]) == 0"),
    ("celsius_to_fahrenheit", "celsius_to_fahrenheit(c) that converts Celsius to Fahrenheit",
     "assert celsius_to_fahrenheit(0) == 32\nassert celsius_to_fahrenheit(100) == 212"),
    ("first_char", "first_char(s) that returns the first character of a non-empty string s",
     "assert first_char('hello') == 'h'\nassert first_char('a') == 'a'"),
    ("double_all", "double_all(xs) that returns a new list with every number in xs doubled",
     "assert double_all([1, 2]) == [2, 4]\nassert double_all([]) == []"),
    ("is_positive", "is_positive(x) that returns True if x > 0",
     "assert is_positive(5) is True\nassert is_positive(-1) is False\nassert is_positive(0) is False"),
    ("word_count", "word_count(s) that returns the number of whitespace-separated words in s",
     "assert word_count('a b c') == 3\nassert word_count('') == 0"),
    ("min_of_two", "min_of_two(a, b) that returns the smaller of a and b",
     "assert min_of_two(3, 7) == 3\nassert min_of_two(-1, -5) == -5"),
]  # fmt: skip


def python_functions() -> list[dict[str, object]]:
    return [
        {
            "prompt_id": f"py-{name}",
            "prompt": f"Write a Python function {desc}. Reply with the code only.",
            "task_type": "code_generation",
            "tests": tests,
            "context": {"function_name": name},
        }
        for name, desc, tests in FUNCTIONS
    ]


COMPANIES = [
    ("Acme Corp", "John Smith", "industrial tools"),
    ("Blue River Bakery", "Maria Lopez", "artisan bread"),
    ("Northwind Traders", "Chen Wei", "specialty foods import"),
    ("Globex Analytics", "Priya Patel", "data consulting"),
    ("Sunrise Dental", "Tom Baker", "family dentistry"),
    ("Peak Fitness", "Aisha Khan", "gyms and personal training"),
    ("Harbor Logistics", "Lars Nilsen", "freight forwarding"),
    ("Greenleaf Landscaping", "Emma Brown", "garden design"),
    ("Pixel Forge", "Kenji Sato", "indie game studio"),
    ("Cedar Law Group", "Olivia Reed", "small business law"),
]


def business_tasks() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, (company, person, what) in enumerate(COMPANIES):
        url = "https://www." + company.lower().replace(" ", "") + ".example"
        out.append(
            {
                "prompt_id": f"web-{i:02d}",
                "task_type": "website_analysis",
                "prompt": (
                    f"Analyze the website {url} of {company}, a company in {what}. Return JSON "
                    'with keys "business_name", "industry", "services", "contact", "summary".'
                ),
                "context": {"url": url, "company": company},
            }
        )
        out.append(
            {
                "prompt_id": f"email-{i:02d}",
                "task_type": "email_writing",
                "prompt": (
                    f"Write a short sales email to {person} at {company} ({what}) offering a free "
                    "consultation on reducing their software costs. End with a clear call to action."
                ),
                "context": {"recipient": person, "company": company},
            }
        )
        out.append(
            {
                "prompt_id": f"conv-{i:02d}",
                "task_type": "conversation",
                "prompt": (
                    f"A customer of {company} asks: 'What are your opening hours, and can I book "
                    "an appointment online?' Reply helpfully and politely."
                ),
                "context": {"prompt": "opening hours book appointment online"},
            }
        )
        out.append(
            {
                "prompt_id": f"lead-{i:02d}",
                "task_type": "lead_scoring",
                "prompt": (
                    f"Score this sales lead from 0 to 100 and give a one-sentence rationale: "
                    f"{company}, {what}, contact {person}, visited the pricing page twice this week."
                    ' Reply as JSON {"score": <int>, "rationale": "<text>"}.'
                ),
                "context": {"company": company},
            }
        )
    return out


def write(name: str, rows: list[dict[str, object]]) -> None:
    with open(HERE / f"{name}.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True) + "\n")
    print(f"{name}.jsonl: {len(rows)} prompts")


if __name__ == "__main__":
    write("arithmetic", arithmetic())
    write("factual_qa", factual_qa())
    write("python_functions", python_functions())
    write("business_tasks", business_tasks())
