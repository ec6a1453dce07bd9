"""A campaign against a server that echoes the key (as sent, upper-cased, base64, in response
headers), with DEBUG logging on: the key is in no log line, no stored row, no printed line."""

from __future__ import annotations

import base64
import itertools
import json
import logging
import uuid
from pathlib import Path

import polars as pl
import pytest

from aigym.cli import main
from aigym.providers.testing import Fault, FaultServer, RequestInfo
from aigym.registry import get_model_registry
from aigym.registry._registry import ModelRegistry, _replace_default

from .helpers import COST_PER_TOKEN, prompts, rows

KEY_ENV = "AIGYM_TEST_ECHO_KEY"


def _forms(key: str) -> list[str]:
    basic = base64.b64encode(f"user:{key}".encode()).decode()
    return [key, key.upper(), key.lower(), base64.b64encode(key.encode()).decode(), basic[8:-4]]


def test_an_echoing_server_leaks_the_key_nowhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = f"sk-echo-{uuid.uuid4().hex}"
    monkeypatch.setenv(KEY_ENV, key)
    caplog.set_level(logging.DEBUG)
    statuses = itertools.cycle([200, 200, 401, 500])

    def hostile(info: RequestInfo) -> Fault:
        return Fault.echo_key(next(statuses))

    old = get_model_registry()
    _replace_default(ModelRegistry.from_bundled())
    try:
        with FaultServer(cost_per_token=COST_PER_TOKEN, policy=hostile) as srv:
            (tmp_path / "p.jsonl").write_text("".join(json.dumps(p) + "\n" for p in prompts(8)))
            spec = tmp_path / "c.toml"
            spec.write_text(
                f'name = "echo"\nprompts = "p.jsonl"\nmodels = ["echo/fault-model"]\n'
                f'store = "store"\n[sampling]\nmax_tokens = 8\n'
                f'[providers.echo]\nbase_url = "{srv.base_url}"\napi_key_env = "{KEY_ENV}"\n'
                f"trust_env = false\nmax_retries = 0\n"
                f'[prices."echo/fault-model"]\ninput = 2\noutput = 2\n'
            )
            code = main(["campaign", "run", str(spec), "--no-progress"])
            assert srv.requests[0].headers["authorization"] == f"Bearer {key}"
    finally:
        _replace_default(old)
    out, err = capsys.readouterr()
    assert code in (0, 4)
    df = rows(tmp_path / "store")
    assert df.height == 8 and (df["status"] == "success").sum() > 0
    assert "[REDACTED]" in "".join(df["response"].drop_nulls())
    assert "[REDACTED]" in caplog.text and "x-echo-authorization" in caplog.text.lower()
    stored = df.select(pl.all().cast(pl.String)).write_csv()
    for form in _forms(key):
        assert form not in caplog.text, form
        assert form not in out and form not in err, form
        assert form not in stored, form
