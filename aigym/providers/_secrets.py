"""API keys: named in config, read from the environment at request time, never kept.

A provider holds an `EnvKey` (the variable's NAME only), so `repr(provider)`, `vars(provider)`
and pickles show no key. The value lives only in the local scope of one request and in that
request's headers. Any text that came from the wire (error bodies, httpx messages, even a 200
body that echoes headers) goes through `scrub` before it reaches an exception, a log or a row.

`scrub` matches a key in any letter case and in base64 at any alignment (so `user:KEY`
basic-auth forms too): servers echo credentials re-cased or encoded. The HTTP libraries'
own loggers (httpcore logs response headers at DEBUG) get `HTTPLogRedactor`, which redacts
the current values of every key variable a provider was configured with, and the patterns.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from typing import Final

from aigym.errors import ValidationError

__all__ = [
    "HTTP_LOGGERS",
    "REDACTED",
    "EnvKey",
    "HTTPLogRedactor",
    "install_http_log_redaction",
    "redact_bytes",
    "scrub",
]

REDACTED: Final = "[REDACTED]"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Defence in depth for keys we do not hold (another provider's, a proxy's): bearer tokens,
# common key prefixes, and credential-looking query parameters in URLs.
_PATTERNS: Final = (
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+"), r"\1" + REDACTED),
    (re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{12,}"), REDACTED),
    (
        re.compile(r"(?i)([?&](?:api[_-]?key|key|token|access_token|secret|sig|auth)=)[^&\s\"']+"),
        r"\1" + REDACTED,
    ),
)


class EnvKey:
    """The name of the environment variable that holds an API key."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise ValidationError(  # the value is never shown: it may be a pasted key
                "api_key_env",
                "<not shown>",
                "give the NAME of an environment variable (e.g. 'OPENAI_API_KEY'), not the key",
            )
        self._name = name
        _KEY_NAMES.add(name)  # the NAME only: the log filter reads the value when it runs

    @property
    def name(self) -> str:
        return self._name

    def read(self) -> str | None:
        """The key's current value, or None when the variable is unset or empty."""
        value = os.environ.get(self._name, "").strip()
        return value or None

    def __repr__(self) -> str:
        return f"EnvKey({self._name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnvKey) and other._name == self._name

    def __hash__(self) -> int:
        return hash(("EnvKey", self._name))


#: Environment variable names that hold keys (names, never values).
_KEY_NAMES: set[str] = set()
_MIN_SECRET: Final = 4
_MIN_B64: Final = 8  # shorter keys: their base64 middles are too short to match safely


def _b64_forms(secret: str) -> list[str]:
    """Substrings every base64 encoding of a text containing `secret` holds, one per
    alignment: the groups made of the secret's bytes only (standard and URL-safe)."""
    raw = secret.encode()
    if len(raw) < _MIN_B64:
        return []
    forms: list[str] = []
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + raw).decode()
        start = 4 if shift else 0  # the first group mixes in the preceding bytes
        end = len(enc) - (4 if (shift + len(raw)) % 3 else 0)  # and the last the following
        middle = enc[start:end]
        if len(middle) >= _MIN_B64:
            forms += [middle, middle.replace("+", "-").replace("/", "_")]
    return list(dict.fromkeys(forms))


def _fold(text: str) -> str:
    """Lower-case with one char per char (str.lower can lengthen non-ASCII text)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _redact_any_case(text: str, secret: str) -> str:
    folded, needle = _fold(text), _fold(secret)
    i = folded.find(needle)
    if i < 0:
        return text
    out: list[str] = []
    last = 0
    while i >= 0:
        out += [text[last:i], REDACTED]
        last = i + len(needle)
        i = folded.find(needle, last)
    out.append(text[last:])
    return "".join(out)


def redact_bytes(raw: bytes, secret: str | None) -> bytes:
    """`raw` with `secret` redacted in any ASCII letter case and its base64 forms."""
    if not secret or len(secret) < _MIN_SECRET:
        return raw
    needle = secret.encode().lower()
    if needle in raw.lower():  # bytes.lower keeps the length: indices line up
        low, parts, last = raw.lower(), [], 0
        i = low.find(needle)
        while i >= 0:
            parts += [raw[last:i], REDACTED.encode()]
            last = i + len(needle)
            i = low.find(needle, last)
        raw = b"".join([*parts, raw[last:]])
    for form in _b64_forms(secret):
        raw = raw.replace(form.encode(), REDACTED.encode())
    return raw


def scrub(text: str, *secrets: str | None, patterns: bool = True) -> str:
    """`text` with every given secret (any case, base64) and credential look-alikes redacted.

    `patterns=False` redacts only the given secrets: for model output, where a code answer
    may legitimately contain "Bearer <token>" and must not be rewritten.
    """
    for s in secrets:
        if s and len(s) >= _MIN_SECRET:
            text = _redact_any_case(text, s)
            for form in _b64_forms(s):
                text = text.replace(form, REDACTED)
    if patterns:
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
    return text


#: Loggers of the HTTP stack that log requests, responses and headers. A logger's filters
#: do not apply to its children's records, so each one is listed.
HTTP_LOGGERS: Final = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "hpack.table",
)


class HTTPLogRedactor(logging.Filter):
    """Redacts keys (the current values of every configured key variable) and credential
    patterns from the HTTP libraries' log records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        keys = [os.environ.get(n, "").strip() for n in tuple(_KEY_NAMES)]
        clean = scrub(text, *keys)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def install_http_log_redaction() -> None:
    """Attach one `HTTPLogRedactor` to each HTTP logger (idempotent)."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HTTPLogRedactor) for f in logger.filters):
            logger.addFilter(HTTPLogRedactor())
