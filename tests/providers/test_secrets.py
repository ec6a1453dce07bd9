"""The API key never leaves the request: not in errors, reprs, vars, pickles, logs or rows.

A canary key goes into the environment; a real loopback server echoes every request header
(credentials included) into error bodies and into a 200 body; then we search everything the
client produced for the canary.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
from collections.abc import Callable, Iterator

import pytest

from aigym.errors import ValidationError
from aigym.providers import (
    AnthropicProvider,
    AuthenticationError,
    EnvKey,
    OpenAICompatibleProvider,
    ProviderCallError,
    ServerError,
    scrub,
)
from aigym.providers.testing import Fault, FaultServer

from .conftest import FAST, KEY_ENV, chat

Make = Callable[..., OpenAICompatibleProvider]


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = err
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _assert_clean(obj: object, key: str) -> None:
    assert key not in repr(obj)
    assert key not in str(obj)
    if hasattr(obj, "__dict__"):
        assert key not in repr(vars(obj))
    assert not _strings_with(obj, key)


def _strings_with(root: object, key: str, depth: int = 8) -> list[str]:
    """Every reachable attribute path (depth-limited) whose str or bytes holds `key`."""
    found: list[str] = []
    seen: set[int] = set()

    def walk(obj: object, path: str, d: int) -> None:
        if id(obj) in seen or d < 0:
            return
        seen.add(id(obj))
        if isinstance(obj, str | bytes | bytearray):
            text = obj if isinstance(obj, str) else bytes(obj).decode("latin-1")
            if key in text:
                found.append(path)
            return
        if isinstance(obj, dict):
            items = [(f"{path}[{k!r}]", v) for k, v in obj.items()]
            items += [(f"{path}.key", k) for k in obj]
        elif isinstance(obj, list | tuple | set | frozenset):
            items = [(f"{path}[{i}]", v) for i, v in enumerate(obj)]
        else:
            items = [(f"{path}.{k}", v) for k, v in getattr(obj, "__dict__", {}).items()]
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(obj, slot):
                        items.append((f"{path}.{slot}", getattr(obj, slot)))
        for p, v in items:
            walk(v, p, d - 1)

    walk(root, "obj", depth)
    return found


def test_server_really_echoes_the_key(
    make_provider: Make, fault_server: FaultServer, canary: str
) -> None:
    make_provider().complete(chat())
    assert fault_server.requests[0].headers["authorization"] == f"Bearer {canary}"


def test_echoed_key_in_error_body_is_scrubbed(
    make_provider: Make, fault_server: FaultServer, canary: str
) -> None:
    fault_server.script(Fault.echo_headers(401))
    with pytest.raises(AuthenticationError) as info:
        make_provider().complete(chat())
    err = info.value
    assert "you sent" in err.detail and "[REDACTED]" in err.detail
    for e in _chain(err):
        _assert_clean(e, canary)
    assert err.__context__ is None and err.__cause__ is None


def test_echoed_key_in_a_retried_5xx_never_reaches_logs(
    make_provider: Make, fault_server: FaultServer, canary: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fault_server.script(*[Fault.echo_headers(500)] * 3)
    with pytest.raises(ServerError) as info:
        make_provider().complete(chat())
    assert info.value.attempts == 3
    assert "retrying" in caplog.text and canary not in caplog.text
    _assert_clean(info.value, canary)


def test_echoed_key_in_a_200_body_is_scrubbed(
    make_provider: Make, fault_server: FaultServer, canary: str
) -> None:
    fault_server.script(Fault.echo_headers(200))
    done = make_provider().complete(chat())
    assert "headers=" in done.text and "[REDACTED]" in done.text
    _assert_clean(done, canary)


def test_anthropic_key_header_is_scrubbed(fault_server: FaultServer, canary: str) -> None:
    provider = AnthropicProvider(base_url=fault_server.root_url, api_key_env=KEY_ENV, retry=FAST)
    fault_server.script(Fault.echo_headers(200), Fault.echo_headers(400))
    done = provider.complete(chat())
    assert fault_server.requests[0].headers["x-api-key"] == canary
    _assert_clean(done, canary)
    with pytest.raises(ProviderCallError) as info:
        provider.complete(chat())
    _assert_clean(info.value, canary)


def test_provider_holds_no_key(make_provider: Make, canary: str) -> None:
    provider = make_provider()

    async def use_and_inspect() -> list[str]:
        await provider.acomplete(chat())
        await provider.acomplete(chat())
        try:  # the live client, its pool and connections are reachable from the provider here
            return _strings_with(provider, canary, depth=12)
        finally:
            await provider.aclose()

    assert asyncio.run(use_and_inspect()) == []
    _assert_clean(provider, canary)
    assert "AIGYM_TEST_CANARY_KEY" in repr(provider)  # the variable's NAME is fine


def test_results_pickle_without_the_key(make_provider: Make, canary: str) -> None:
    done = make_provider().complete(chat())
    assert canary.encode() not in pickle.dumps(done)


def test_key_is_read_at_request_time(
    make_provider: Make, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider()
    monkeypatch.setenv(KEY_ENV, "sk-rotated-key-0001")
    provider.complete(chat())
    assert fault_server.requests[-1].headers["authorization"] == "Bearer sk-rotated-key-0001"


def test_missing_key_names_the_variable(
    make_provider: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(AuthenticationError) as info:
        make_provider().complete(chat())
    err = info.value
    assert err.error_type == "missing_api_key" and err.attempts == 1
    assert KEY_ENV in str(err) and "export" in str(err)


def test_key_shaped_config_is_refused_without_echo() -> None:
    with pytest.raises(ValidationError) as info:
        EnvKey("sk-live-abcdef123456")
    assert "sk-live" not in str(info.value)
    with pytest.raises(ValidationError):
        OpenAICompatibleProvider("x", base_url="http://h/v1", headers={"Authorization": "Bearer s"})


def test_errors_survive_pickling_without_the_key(
    make_provider: Make, fault_server: FaultServer, canary: str
) -> None:
    fault_server.script(Fault.echo_headers(403))
    with pytest.raises(AuthenticationError) as info:
        make_provider().complete(chat())
    assert canary.encode() not in pickle.dumps(info.value)
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is AuthenticationError and str(clone) == str(info.value)
    assert clone.http_status == 403 and canary not in str(clone)


def test_scrub_patterns() -> None:
    text = (
        "Authorization: Bearer abc.def-123 url=https://h/v1?api_key=XYZ&x=1 "
        "x-api-key: sk-ant-0123456789abcdef sk-proj-0123456789abcdefgh"
    )
    out = scrub(text, "XYZ")
    for secret in ("abc.def-123", "XYZ", "sk-ant-0123456789abcdef", "sk-proj-0123456789abcdefgh"):
        assert secret not in out
    assert "x=1" in out
    assert scrub("Bearer <token>", "zzzz", patterns=False) == "Bearer <token>"


def _forms(key: str) -> list[str]:
    """The key as a hostile server may echo it: as is, re-cased, base64, basic-auth base64."""
    b64 = base64.b64encode(key.encode()).decode()
    basic = base64.b64encode(f"user:{key}".encode()).decode()
    return [key, key.upper(), key.lower(), key.swapcase(), b64, basic[8:]]


def test_scrub_redacts_recased_and_base64_forms(canary: str) -> None:
    for form in _forms(canary):
        text = f"echo <{form}> and <{form}>"
        out = scrub(text, canary, patterns=False)
        assert form not in out and out.count("[REDACTED]") == 2, form
    for prefix in ("", "a", "ab", "abc:"):  # every base64 alignment of the key
        enc = base64.b64encode(f"{prefix}{canary}".encode()).decode()
        assert scrub(enc, canary, patterns=False) != enc
    assert scrub("Ünïcödé İ text", canary) == "Ünïcödé İ text"  # length-changing lower()


@pytest.mark.parametrize("status", [200, 401, 500])
def test_a_hostile_echo_at_debug_never_reaches_logs_errors_or_answers(
    make_provider: Make,
    fault_server: FaultServer,
    canary: str,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    fault_server.script(*[Fault.echo_key(status)] * 3)
    provider = make_provider()
    try:
        outcome: object = provider.complete(chat())
    except ProviderCallError as e:
        outcome = e
    assert fault_server.requests[0].headers["authorization"] == f"Bearer {canary}"
    # httpcore really logged the response headers (the echo), now redacted
    assert "x-echo-authorization" in caplog.text.lower() and "[REDACTED]" in caplog.text
    for form in _forms(canary):
        assert form not in caplog.text, form
        assert form not in repr(outcome) and form not in str(outcome), form
        assert not _strings_with(outcome, form), form
