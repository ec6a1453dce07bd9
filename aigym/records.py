"""Frozen records: what callers hand to aigym and what the store keeps.

`TaskMetrics` is what a caller knows about one model call (the spec's input record).
Recording it yields an `Execution`, the stored row: it adds a time-ordered id (UUIDv7, whose
first 48 bits are the Unix time in ms, so the UTC date partition of a row follows from its id),
a UTC timestamp, and content hashes.

Quality is defined once: `Execution.quality_score` is the score known at record time and is
null when unscored (never 0). Scorers append `ScoreRecord` rows later; analyses take a
`scorer=` argument and fall back to the record-time score.

Validation is plain Python on purpose: it runs per record on the hot path (about 5 us), names
the field, the value and the fix, and happens before anything touches disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import numbers
import random
import re
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Final, Literal

from aigym.errors import ValidationError

__all__ = [
    "STATUSES",
    "Execution",
    "Feedback",
    "ScoreRecord",
    "Status",
    "TaskMetrics",
    "TaskType",
    "id_date",
    "id_datetime",
    "new_id",
    "sha256_text",
]

Status = Literal["success", "error"]
STATUSES: Final = ("success", "error")

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


class TaskType(str):
    """A task name: the spec's six tasks as constants, and any user-defined snake_case name.

    A `str` subclass rather than a closed Enum, so `TaskType("contract_review")` works and
    stored values compare equal to plain strings.
    """

    WEBSITE_ANALYSIS: ClassVar[TaskType]
    EMAIL_WRITING: ClassVar[TaskType]
    CODE_GENERATION: ClassVar[TaskType]
    CONVERSATION: ClassVar[TaskType]
    LEAD_SCORING: ClassVar[TaskType]
    GENERIC: ClassVar[TaskType]

    __slots__ = ()

    def __new__(cls, value: str) -> TaskType:
        if isinstance(value, TaskType):
            return value
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(
                "task_type", value, "give a non-empty task name such as 'email_writing'"
            )
        norm = value.strip().lower().replace("-", "_").replace(" ", "_")
        if len(norm) > 64 or not norm.replace("_", "").isalnum():
            raise ValidationError(
                "task_type", value, "use letters, digits and underscores only (max 64 chars)"
            )
        return super().__new__(cls, norm)

    @classmethod
    def builtin(cls) -> tuple[TaskType, ...]:
        """The spec's task types, in the spec's order."""
        return _BUILTIN_TASKS

    def __repr__(self) -> str:
        return f"TaskType({str(self)!r})"


TaskType.WEBSITE_ANALYSIS = TaskType("website_analysis")
TaskType.EMAIL_WRITING = TaskType("email_writing")
TaskType.CODE_GENERATION = TaskType("code_generation")
TaskType.CONVERSATION = TaskType("conversation")
TaskType.LEAD_SCORING = TaskType("lead_scoring")
TaskType.GENERIC = TaskType("generic")
_BUILTIN_TASKS: Final = (
    TaskType.WEBSITE_ANALYSIS,
    TaskType.EMAIL_WRITING,
    TaskType.CODE_GENERATION,
    TaskType.CONVERSATION,
    TaskType.LEAD_SCORING,
    TaskType.GENERIC,
)


# --------------------------------------------------------------------------- ids

_id_lock = threading.Lock()
_last_ms = 0
_seq = 0


def new_id(at: dt.datetime | None = None) -> str:
    """A UUIDv7 string (RFC 9562): 48-bit Unix ms, 12-bit sequence, 62 random bits.

    Ids made in one process without `at` are strictly increasing (the sequence breaks ties
    within a millisecond), so sorting by id sorts by creation time.
    """
    global _last_ms, _seq
    if at is None:
        ms = time.time_ns() // 1_000_000
        with _id_lock:
            if ms <= _last_ms:
                _seq += 1
                if _seq > 0xFFF:  # 4096 ids in one ms: borrow the next ms
                    _last_ms += 1
                    _seq = 0
                ms = _last_ms
            else:
                _last_ms = ms
                _seq = random.getrandbits(7)  # random start, room to grow
            seq = _seq
    else:
        ms = _to_ms(at)
        seq = random.getrandbits(12)
    rand = random.getrandbits(62)  # the random module reseeds itself in forked children
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _to_ms(at: dt.datetime) -> int:
    if at.tzinfo is None:
        raise ValidationError("timestamp", at, "pass a timezone-aware datetime (UTC)")
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def id_datetime(execution_id: str) -> dt.datetime:
    """The UTC creation time (ms precision) embedded in a UUIDv7 id."""
    try:
        if len(execution_id) != 36 or execution_id[14] != "7":
            raise ValueError
        ms = int(execution_id[:8] + execution_id[9:13], 16)
    except (ValueError, TypeError, IndexError):
        raise ValidationError(
            "execution_id", execution_id, "pass an id returned by aigym (a UUIDv7 string)"
        ) from None
    return _EPOCH + dt.timedelta(milliseconds=ms)


def id_date(execution_id: str) -> dt.date:
    """The UTC date partition that holds the row with this id."""
    return id_datetime(execution_id).date()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- checks


_INT64_MAX: Final = 2**63 - 1
_INT32_MAX: Final = 2**31 - 1
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")  # NUL, newlines, tabs...: never in a name


def _int(
    name: str,
    v: object,
    *,
    nullable: bool = False,
    minimum: int = 0,
    maximum: int = _INT64_MAX,
) -> int | None:
    """A whole number in [minimum, maximum]; `maximum` is the store column's (int64 or int32)."""
    if v is None and nullable:
        return None
    if type(v) is not int:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            kind = "a float" if isinstance(v, float) else type(v).__name__
            raise ValidationError(name, v, f"give a whole number >= {minimum} (an int, not {kind})")
        v = int(v)
    if v < minimum:
        raise ValidationError(name, v, f"must be >= {minimum}")
    if v > maximum:
        raise ValidationError(name, v, f"must be <= {maximum} (what the store's column holds)")
    return v


def _float(
    name: str,
    v: object,
    *,
    nullable: bool = False,
    lo: float | None = 0.0,
    hi: float | None = None,
) -> float | None:
    if v is None and nullable:
        return None
    fast = type(v) is float and v - v == 0.0  # a finite float
    if fast and (lo is None or v >= lo) and (hi is None or v <= hi):  # type: ignore[operator]
        return v  # type: ignore[return-value]
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, Decimal)):
        raise ValidationError(name, v, "give a number")
    try:
        f = float(v)
    except OverflowError:  # an int beyond float64 (about 1.8e308)
        raise ValidationError(name, v, "must be a finite number within float64") from None
    if not math.isfinite(f):
        raise ValidationError(name, v, "must be a finite number (no NaN or infinity)")
    if lo is not None and f < lo:
        raise ValidationError(name, v, f"must be >= {lo:g}")
    if hi is not None and f > hi:
        raise ValidationError(name, v, f"must be <= {hi:g}")
    return f


def _str(name: str, v: object, *, nullable: bool = True, max_len: int | None = None) -> str | None:
    if v is None and nullable:
        return None
    if type(v) is str and (max_len is None or len(v) <= max_len) and (nullable or v.strip()):
        return v
    if v is None:
        if nullable:
            return None
        raise ValidationError(name, v, "is required: give a non-empty string")
    if not isinstance(v, str):
        raise ValidationError(name, v, "give a string")
    if not nullable and not v.strip():
        raise ValidationError(name, v, "must not be empty")
    if max_len is not None and len(v) > max_len:
        raise ValidationError(name, v, f"must be at most {max_len} characters")
    return v


def _bool(name: str, v: object) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    raise ValidationError(name, v, "give True, False or None")


def _utc(name: str, v: object) -> dt.datetime:
    if not isinstance(v, dt.datetime) or v.tzinfo is None:
        raise ValidationError(name, v, "give a timezone-aware datetime, e.g. datetime.now(UTC)")
    if v.tzinfo is not UTC:
        v = v.astimezone(UTC)
    return v


_TASKS_SEEN: set[str] = set()


def _task(value: str) -> str:
    norm = str(TaskType(value))
    if len(_TASKS_SEEN) < 10_000:
        _TASKS_SEEN.add(norm)
    return norm


def _num(v: Any) -> Any:
    """Decimal -> float (the store keeps float64 per row; prices stay exact in the registry)."""
    return float(v) if isinstance(v, Decimal) else v


_ZERO = dt.timedelta(0)
_OPTIONAL_TEXT: Final = (
    "error_message",
    "prompt",
    "response",
    "prompt_sha256",
    "response_sha256",
    "prompt_id",
    "request_key",
    "campaign",
    "run_id",
    "provider",
    "ab_test",
    "ab_variant",
    "ab_unit_id",
)


def _metadata(v: object) -> str | None:
    if v is None or v == {}:
        return None
    if isinstance(v, str):
        try:
            json.loads(v)
        except ValueError:
            raise ValidationError("metadata", v, "give a dict or a JSON string") from None
        return v
    if isinstance(v, dict):
        try:
            return json.dumps(v, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValidationError("metadata", v, f"must be JSON-serialisable ({e})") from None
    raise ValidationError("metadata", v, "give a dict or a JSON string")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class TaskMetrics:
    """What a caller knows about one model call (the spec's `TaskMetrics`).

    Only the spec's fields are required; the rest default to "not known". `cost_usd` may be a
    `Decimal` (as `ModelSpec.calculate_cost` returns) or a float. `quality_score` is 0-100 or
    None for unscored. `latency_ms` is None only when it was never measured (e.g. outcomes
    imported from a published benchmark table): unknown is null, never 0.
    """

    model_id: str
    task_type: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float | None
    cost_usd: Decimal | float
    quality_score: float | None = None
    user_approved: bool | None = None
    status: Status = "success"
    error_type: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    attempts: int = 1
    prompt: str | None = None
    response: str | None = None
    prompt_id: str | None = None
    request_key: str | None = None
    campaign: str | None = None
    run_id: str | None = None
    provider: str | None = None
    ab_test: str | None = None
    ab_variant: str | None = None
    cache_hit: bool = False
    uncached_cost_usd: Decimal | float | None = None
    metadata: dict[str, Any] | str | None = None
    ab_unit_id: str | None = None


@dataclass(frozen=True, slots=True)
class Execution:
    """One stored execution row (table `executions`). Build it with `Execution.from_metrics`."""

    execution_id: str
    timestamp: dt.datetime
    model_id: str
    task_type: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float | None
    cost_usd: float
    quality_score: float | None = None
    user_approved: bool | None = None
    status: Status = "success"
    error_type: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    attempts: int = 1
    prompt: str | None = None
    response: str | None = None
    prompt_sha256: str | None = None
    response_sha256: str | None = None
    prompt_id: str | None = None
    request_key: str | None = None
    campaign: str | None = None
    run_id: str | None = None
    provider: str | None = None
    ab_test: str | None = None
    ab_variant: str | None = None
    cache_hit: bool = False
    uncached_cost_usd: float | None = None
    metadata: str | None = None
    ab_unit_id: str | None = None  # the A/B test's unit (user, session) this result belongs to

    def __post_init__(self) -> None:
        # Checks only (no conversion): runs once per row on the hot path.
        eid = self.execution_id
        if type(eid) is not str or len(eid) != 36 or eid[14] != "7":
            id_date(eid)  # raises with the fix
        ts = self.timestamp
        if not isinstance(ts, dt.datetime) or (ts.tzinfo is not UTC and ts.utcoffset() != _ZERO):
            raise ValidationError("timestamp", ts, "give a UTC datetime, e.g. datetime.now(UTC)")
        _str("model_id", self.model_id, nullable=False, max_len=200)
        if _CONTROL.search(self.model_id):
            raise ValidationError(
                "model_id", self.model_id, "must not contain NUL or control characters"
            )
        if self.task_type not in _TASKS_SEEN and (
            not isinstance(self.task_type, str) or TaskType(self.task_type) != self.task_type
        ):
            raise ValidationError("task_type", self.task_type, "use a normalised TaskType name")
        _int("prompt_tokens", self.prompt_tokens)
        _int("completion_tokens", self.completion_tokens)
        _float("latency_ms", self.latency_ms, nullable=True)
        _float("cost_usd", self.cost_usd)
        _float("quality_score", self.quality_score, nullable=True, hi=100.0)
        _bool("user_approved", self.user_approved)
        if self.status not in STATUSES:
            raise ValidationError("status", self.status, "use 'success' or 'error'")
        if self.status == "error" and not self.error_type:
            raise ValidationError(
                "error_type", self.error_type, "an error row needs its error type"
            )
        _str("error_type", self.error_type, max_len=200)
        hs = _int("http_status", self.http_status, nullable=True, minimum=100)
        if hs is not None and hs > 599:
            raise ValidationError("http_status", hs, "must be an HTTP status (100-599)")
        _int("attempts", self.attempts, maximum=_INT32_MAX)
        texts = (
            self.error_message,
            self.prompt,
            self.response,
            self.prompt_sha256,
            self.response_sha256,
            self.prompt_id,
            self.request_key,
            self.campaign,
            self.run_id,
            self.provider,
            self.ab_test,
            self.ab_variant,
            self.ab_unit_id,
        )
        for v in texts:
            if v is not None and type(v) is not str:
                for name in _OPTIONAL_TEXT:
                    _str(name, getattr(self, name))
        _bool("cache_hit", self.cache_hit)
        if self.status == "success" and not self.cache_hit and self.attempts < 1:
            raise ValidationError(
                "attempts",
                self.attempts,
                "a call that succeeded made at least one attempt (0 is for cache hits and for "
                "calls refused before sending)",
            )
        if self.uncached_cost_usd is not None:
            _float("uncached_cost_usd", self.uncached_cost_usd)
        if self.metadata is not None:
            _metadata(self.metadata)

    @classmethod
    def from_metrics(
        cls,
        m: TaskMetrics,
        *,
        timestamp: dt.datetime | None = None,
        execution_id: str | None = None,
        store_text: bool = True,
    ) -> Execution:
        """Give `m` an id and a UTC timestamp; the row is validated on construction.

        `store_text=False` keeps only SHA-256 hashes of prompt and response: privacy at the
        price of re-scoring and response caching, which need the text.
        """
        if not isinstance(m, TaskMetrics):
            raise ValidationError("metrics", m, "pass a TaskMetrics(...)")
        ts = datetime_now() if timestamp is None else _utc("timestamp", timestamp)
        if execution_id is None:
            execution_id = new_id(ts if timestamp is not None else None)
        elif id_date(execution_id) != ts.date():
            raise ValidationError(
                "execution_id", execution_id, "its embedded time must fall on the timestamp's date"
            )
        prompt, response = m.prompt, m.response
        return cls(
            execution_id=execution_id,
            timestamp=ts,
            model_id=m.model_id,
            task_type=m.task_type if m.task_type in _TASKS_SEEN else _task(m.task_type),
            prompt_tokens=m.prompt_tokens,
            completion_tokens=m.completion_tokens,
            latency_ms=_num(m.latency_ms),
            cost_usd=_num(m.cost_usd),
            quality_score=_num(m.quality_score),
            user_approved=m.user_approved,
            status=m.status,
            error_type=m.error_type,
            error_message=m.error_message,
            http_status=m.http_status,
            attempts=m.attempts,
            prompt=prompt if store_text else None,
            response=response if store_text else None,
            prompt_sha256=sha256_text(prompt) if isinstance(prompt, str) else None,
            response_sha256=sha256_text(response) if isinstance(response, str) else None,
            prompt_id=m.prompt_id,
            request_key=m.request_key,
            campaign=m.campaign,
            run_id=m.run_id,
            provider=m.provider,
            ab_test=m.ab_test,
            ab_variant=m.ab_variant,
            cache_hit=m.cache_hit,
            uncached_cost_usd=_num(m.uncached_cost_usd),
            metadata=_metadata(m.metadata),
            ab_unit_id=m.ab_unit_id,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Feedback:
    """A user's verdict on one execution (table `feedback`, append-only; latest counts)."""

    feedback_id: str
    execution_id: str
    timestamp: dt.datetime
    approved: bool | None = None
    edit_distance: int | None = None
    user_rating: float | None = None
    comment: str | None = None

    @classmethod
    def create(
        cls,
        execution_id: str,
        *,
        approved: bool | None = None,
        edit_distance: int | None = None,
        user_rating: float | None = None,
        comment: str | None = None,
        timestamp: dt.datetime | None = None,
    ) -> Feedback:
        id_date(execution_id)  # validates the id's form
        if approved is None and edit_distance is None and user_rating is None and not comment:
            raise ValidationError(
                "feedback",
                None,
                "give at least one of approved, edit_distance, user_rating, comment",
            )
        ts = datetime_now() if timestamp is None else _utc("timestamp", timestamp)
        return cls(
            feedback_id=new_id(ts if timestamp is not None else None),
            execution_id=execution_id,
            timestamp=ts,
            approved=_bool("approved", approved),
            edit_distance=_int("edit_distance", edit_distance, nullable=True),
            user_rating=_float("user_rating", user_rating, nullable=True, lo=1.0, hi=5.0),
            comment=_str("comment", comment),
        )


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One score of one execution by one scorer version (table `scores`, append-only).

    `value` is None when the scorer declined (`unscored_reason` says why); aggregations skip
    such rows instead of counting them as zero.
    """

    score_id: str
    execution_id: str
    timestamp: dt.datetime
    scorer: str
    scorer_version: str
    value: float | None
    dimensions: dict[str, float] = field(default_factory=dict)
    explanation: str | None = None
    unscored_reason: str | None = None
    judge_model: str | None = None
    metadata: str | None = None

    @classmethod
    def create(
        cls,
        execution_id: str,
        scorer: str,
        scorer_version: str,
        value: float | None,
        *,
        dimensions: dict[str, float] | None = None,
        explanation: str | None = None,
        unscored_reason: str | None = None,
        judge_model: str | None = None,
        metadata: dict[str, Any] | str | None = None,
        timestamp: dt.datetime | None = None,
    ) -> ScoreRecord:
        id_date(execution_id)
        ts = datetime_now() if timestamp is None else _utc("timestamp", timestamp)
        if value is None and not unscored_reason:
            raise ValidationError("unscored_reason", None, "an unscored result must say why")
        dims = {}
        for k, v in (dimensions or {}).items():
            dims[_str("dimension name", k, nullable=False)] = _float(
                f"dimensions[{k!r}]", v, hi=100.0
            )
        return cls(
            score_id=new_id(ts if timestamp is not None else None),
            execution_id=execution_id,
            timestamp=ts,
            scorer=_str("scorer", scorer, nullable=False),  # type: ignore[arg-type]
            scorer_version=_str("scorer_version", scorer_version, nullable=False),  # type: ignore[arg-type]
            value=_float("value", value, nullable=True, hi=100.0),
            dimensions=dims,  # type: ignore[arg-type]
            explanation=_str("explanation", explanation),
            unscored_reason=_str("unscored_reason", unscored_reason),
            judge_model=_str("judge_model", judge_model),
            metadata=_metadata(metadata),
        )


def datetime_now() -> dt.datetime:
    """Now, UTC, microsecond precision (what the store keeps)."""
    return dt.datetime.now(UTC)
