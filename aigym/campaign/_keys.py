"""Request keys (resume) and cache keys (response reuse): deterministic, cheap hashes.

The request key names one unit of work of one campaign: (campaign, prompt id and text, model
and endpoint, sampling parameters, repeat). The cache key names the request *content* only:
(model and endpoint, sampling parameters, prompt text, repeat) without the campaign or the
prompt id, so another campaign that sends the same request can reuse a stored answer, while
repeat 0 and repeat 1 never share one (repeats must be real samples).

Both are 128-bit BLAKE2b digests built from per-part digests computed once per campaign,
prompt and model, so a key costs one short hash per call.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

__all__ = ["KEY_VERSION", "cache_key", "digest", "part_digest", "request_key"]

KEY_VERSION: Final = 1


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def part_digest(obj: Any) -> bytes:
    """Digest of a JSON-able value in canonical form (sorted keys, no whitespace)."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return digest(blob.encode("utf-8"))


def request_key(campaign: bytes, params: bytes, prompt: bytes, repeat: int) -> str:
    """32 hex chars for (campaign digest, model+params digest, prompt digest, repeat)."""
    h = hashlib.blake2b(b"rk%d" % KEY_VERSION, digest_size=16)
    h.update(campaign)
    h.update(params)
    h.update(prompt)
    h.update(repeat.to_bytes(4, "little"))
    return h.hexdigest()


def cache_key(params: bytes, text: bytes, repeat: int) -> str:
    """32 hex chars for (model+params digest, prompt-text digest, repeat)."""
    h = hashlib.blake2b(b"ck%d" % KEY_VERSION, digest_size=16)
    h.update(params)
    h.update(text)
    h.update(repeat.to_bytes(4, "little"))
    return h.hexdigest()
