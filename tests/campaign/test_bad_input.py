"""Bad campaign input: every integer option and its neighbours get a ValidationError with the
fix (never a raw TypeError or OverflowError), and a refused campaign file writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aigym.campaign import CampaignSpec, Sampling
from aigym.cli import main
from aigym.errors import ValidationError
from aigym.providers import RetryPolicy

BASE: dict[str, Any] = {
    "name": "x",
    "prompts": [{"prompt": "hi"}],
    "models": ["local/smollm2-135m"],
}
HUGE = 2**70
INT64_OVER = 2**63
NAN = float("nan")
INF = float("inf")
_NOT_WHOLE = [-1, True, False, 1.5, NAN, "3", HUGE, INT64_OVER]

SPEC_CASES: list[tuple[str, object]] = [
    *[("repeats", v) for v in [0, *_NOT_WHOLE, None]],
    *[("concurrency", v) for v in [0, *_NOT_WHOLE, None]],
    *[("model_concurrency", v) for v in [0, *_NOT_WHOLE]],
    *[("limit", v) for v in [0, *_NOT_WHOLE]],
    *[("flush_rows", v) for v in [0, *_NOT_WHOLE, None]],
    *[("template_overhead_tokens", v) for v in [*_NOT_WHOLE, None]],
    *[("flush_seconds", v) for v in [0, -1, True, NAN, INF, HUGE, "3", None]],
    ("models", 3),
    ("models", [3]),
    ("models", {"local/smollm2-135m": 1}),
    ("models", b"local/smollm2-135m"),
    ("models", None),
    ("prompts", 3),
    ("providers", 3),
    ("providers", ["openai"]),
    ("prices", 3),
    ("prices", ["a/b"]),
    ("name", 3),
    ("sampling", 3),
]


@pytest.mark.parametrize(("key", "value"), SPEC_CASES, ids=lambda v: repr(v)[:30])
def test_campaign_spec_options_refuse_bad_values(key: str, value: object) -> None:
    with pytest.raises(ValidationError, match=key):
        CampaignSpec(**{**BASE, key: value})


SAMPLING_CASES: list[tuple[str, object]] = [
    *[("max_tokens", v) for v in [0, *_NOT_WHOLE, None, 2**31]],
    *[("seed", v) for v in [True, 1.5, NAN, "3", HUGE, INT64_OVER, -INT64_OVER - 1]],
    ("stop", 3),
    ("stop", [3]),
    ("extra", 3),
    ("system_prompt", 3),
]


@pytest.mark.parametrize(("key", "value"), SAMPLING_CASES, ids=lambda v: repr(v)[:30])
def test_sampling_options_refuse_bad_values(key: str, value: object) -> None:
    with pytest.raises(ValidationError, match=key):
        Sampling(**{key: value})


def test_a_seed_whose_repeats_overflow_int64_is_refused() -> None:
    ok = Sampling(seed=2**63 - 2)
    CampaignSpec(**{**BASE, "sampling": ok, "repeats": 2})  # seeds 2**63-2 and 2**63-1: fine
    with pytest.raises(ValidationError, match="seed"):
        CampaignSpec(**{**BASE, "sampling": ok, "repeats": 3})


RETRY_CASES: list[tuple[str, object]] = [
    *[("max_retries", v) for v in [-1, True, 1.5, NAN, "3", HUGE, 101, None]],
    *[
        (k, v)
        for k in ("initial_delay", "max_delay", "max_retry_after")
        for v in [-1, True, NAN, INF, HUGE, "3", None]
    ],
    *[("jitter", v) for v in [-0.1, 2, True, NAN, "3", None]],
]


@pytest.mark.parametrize(("key", "value"), RETRY_CASES, ids=lambda v: repr(v)[:30])
def test_retry_policy_refuses_bad_values(key: str, value: object) -> None:
    with pytest.raises(ValidationError, match=key):
        RetryPolicy(**{key: value})  # type: ignore[arg-type]


def test_good_neighbours_are_accepted() -> None:
    CampaignSpec(**{**BASE, "repeats": 1, "template_overhead_tokens": 0, "limit": None})
    CampaignSpec(**{**BASE, "models": "local/smollm2-135m", "flush_seconds": 0.5})
    Sampling(max_tokens=2**31 - 1, seed=-5)
    RetryPolicy(max_retries=0, initial_delay=0, jitter=1, max_retry_after=0)
    RetryPolicy(max_retries=100, max_delay=3600)


@pytest.mark.parametrize(
    "line",
    [
        "models = 3",
        'models = ["local/smollm2-135m"]\nrepeats = 0',
        'models = ["local/smollm2-135m"]\nrepeats = 1180591620717411303424',
        'models = ["local/smollm2-135m"]\nconcurrency = true',
        'models = ["local/smollm2-135m"]\nproviders = 3',
        'models = ["local/smollm2-135m"]\n[providers.local]\nmax_retries = -1',
        'models = ["local/smollm2-135m"]\n[sampling]\nseed = "3"',
    ],
)
def test_a_refused_campaign_file_exits_2_and_writes_nothing(
    tmp_path: Path, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p.jsonl").write_text('{"prompt": "hi"}\n')
    path = tmp_path / "c.toml"
    path.write_text(f'name = "x"\nprompts = "p.jsonl"\nstore = "store"\n{line}\n')
    before = sorted(tmp_path.rglob("*"))
    assert main(["campaign", "run", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aigym: ") and "Traceback" not in err and err[-1] == "\n"
    assert sorted(tmp_path.rglob("*")) == before
