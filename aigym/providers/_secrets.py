"""API keys: named in config, read from the environment at request time, never kept.

A provider holds an `EnvKey` (the variable's NAME only), so `repr(provider)`, `vars(provider)`
and pickles show no key. The value lives only in the local scope of one request and in that
request's headers. Any text that came from the wire (error bodies, httpx messages, even a 200
body that echoes headers) goes through `scrub` before it reaches an exception, a log or a row.
"""

from __future__ import annotations

import os
import re
from typing import Final

from aigym.errors import ValidationError

__all__ = ["REDACTED", "EnvKey", "scrub"]

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


def scrub(text: str, *secrets: str | None, patterns: bool = True) -> str:
    """`text` with every given secret and anything that looks like a credential redacted.

    `patterns=False` redacts only the given secrets: for model output, where a code answer
    may legitimately contain "Bearer <token>" and must not be rewritten.
    """
    for s in secrets:
        if s and len(s) >= 4 and s in text:
            text = text.replace(s, REDACTED)
    if patterns:
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
    return text
