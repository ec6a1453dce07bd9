"""The A/B test manager (the spec's `get_ab_test_manager()`), synchronous, store-backed.

Everything a test is lives in the store: its definition and stop in `ab_tests`, every
assignment in `ab_assignments` (logged before the model call), every result as an execution
tagged `ab_test` / `ab_variant`. The manager only caches test definitions for
`refresh_seconds`, so `assign_variant` costs microseconds and a test created or stopped by
another process is seen within that time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from decimal import Decimal

from aigym._alias import accepts_db
from aigym.abtest._analysis import ABTestResult, analyze
from aigym.abtest._config import ABTestConfig, Metric, get_metric, is_policy_arm
from aigym.abtest._data import load_arms
from aigym.abtest._rules import DEFAULT_ENGINE, SKEW_METRICS, Engine, check_engine
from aigym.abtest._state import ABTestInfo, event_row, load_tests, unit_hash, variant_for
from aigym.abtest._tables import AssignmentRow
from aigym.errors import ABTestError, ValidationError
from aigym.records import Execution, TaskMetrics, TaskType, new_id
from aigym.registry import ModelRegistry, get_model_registry
from aigym.stats import StatsConfig
from aigym.store import ParquetStore

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _unit(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ValidationError(
            "unit_id", value, "give the unit of randomisation (a user, session or request id) as "
            "a non-empty string of at most 200 characters, or None for one unit per call",
        )  # fmt: skip
    return value


class ABTestManager:
    """Create, assign, record, analyse and stop A/B tests kept in a `ParquetStore`.

    `registry` resolves model ids at creation (default: the shared registry); `clock` gives
    the current UTC time (inject one in tests); `refresh_seconds` is how long test definitions
    are cached per store root.
    """

    def __init__(
        self,
        *,
        registry: ModelRegistry | None = None,
        clock: Clock | None = None,
        refresh_seconds: float = 5.0,
    ) -> None:
        self._registry = registry
        self._clock: Clock = clock if clock is not None else _utc_now
        self.refresh_seconds = refresh_seconds
        self._cache: dict[str, tuple[float, dict[str, ABTestInfo]]] = {}
        self._lock = threading.RLock()

    @property
    def registry(self) -> ModelRegistry:
        """The registry that resolves model ids (the shared one unless one was given)."""
        return self._registry if self._registry is not None else get_model_registry()

    # ------------------------------------------------------------------ state

    def _tests(self, store: ParquetStore, *, refresh: bool = False) -> dict[str, ABTestInfo]:
        with self._lock:
            hit = self._cache.get(store.root)
            if refresh or hit is None or time.monotonic() - hit[0] > self.refresh_seconds:
                hit = (time.monotonic(), load_tests(store))
                self._cache[store.root] = hit
            return hit[1]

    @accepts_db
    def get_test(self, store: ParquetStore, test_name: str) -> ABTestInfo:
        """A test's definition and state; `ABTestError` (with the fix) if there is none."""
        tests = self._tests(store)
        info = tests.get(test_name)
        if info is None:
            tests = self._tests(store, refresh=True)  # another process may have created it
            info = tests.get(test_name)
        if info is None:
            known = sorted(tests)
            listing = f" Tests in this store: {known[:10]}." if known else ""
            raise ABTestError(
                f"no A/B test named {test_name!r} in store {store.root!r}.{listing} Create it "
                "with create_test(store, ABTestConfig(test_name=...)), or check the name and the "
                "store root (list_tests(store, active_only=False) lists every test)."
            )
        return info

    def _active(self, store: ParquetStore, test_name: str) -> ABTestInfo:
        info = self.get_test(store, test_name)
        if info.stopped_at is not None:
            raise ABTestError(
                f"A/B test {test_name!r} was stopped at {info.stopped_at:%Y-%m-%d %H:%M} UTC. "
                "Route requests to the chosen model directly, or create a new test under a new "
                "name to keep comparing."
            )
        return info

    @accepts_db
    def list_tests(self, store: ParquetStore, active_only: bool = True) -> list[ABTestInfo]:
        """Tests in the store, oldest first (only running ones unless `active_only=False`)."""
        tests = self._tests(store, refresh=True).values()
        return sorted(
            (t for t in tests if not active_only or t.stopped_at is None),
            key=lambda t: (t.created_at, t.test_id),
        )

    # ------------------------------------------------------------------ lifecycle

    @accepts_db
    def create_test(self, store: ParquetStore, config: ABTestConfig) -> str:
        """Persist a new test and return its id; model ids are resolved by the registry.

        Re-running it with the same config (a notebook cell run twice) returns the existing
        test's id and writes nothing. Raises `ABTestError` if the name was used in this
        store with a different config (names stay reserved, so results of two tests never
        mix; the message lists what differs) and `UnknownModelError` for a model the
        registry does not know.
        """
        if not isinstance(config, ABTestConfig):
            raise ValidationError("config", config, "pass an ABTestConfig(...)")
        resolved = ABTestConfig(
            test_name=config.test_name,
            task_type=config.task_type,
            variant_a_model=self._arm(config.variant_a_model),
            variant_b_model=self._arm(config.variant_b_model),
            traffic_split=config.traffic_split,
            min_sample_size=config.min_sample_size,
            max_duration_days=config.max_duration_days,
            target_metric=config.target_metric,
        )
        same = self._existing(store, resolved)
        if same is not None:
            return same
        now = self._clock()
        info = ABTestInfo(new_id(now), resolved, now)
        store.append("ab_tests", [event_row(info, "created", now)])
        winner = self._tests(store, refresh=True)[config.test_name]
        if winner.test_id != info.test_id:  # another process created the same name first
            same = self._existing(store, resolved)
            if same is not None:
                return same
        return info.test_id

    def _arm(self, arm: str) -> str:
        """A model arm resolved by the registry; a policy arm (``router:...``) kept opaque."""
        return arm if is_policy_arm(arm) else self.registry.resolve(arm)

    def _existing(self, store: ParquetStore, config: ABTestConfig) -> str | None:
        """The id of a test already stored under this name with this config, else None;
        `ABTestError` if the name is taken by a different config."""
        existing = self._tests(store, refresh=True).get(config.test_name)
        if existing is None:
            return None
        if existing.config == config:
            return existing.test_id
        diff = ", ".join(
            f"{f.name}: stored {getattr(existing.config, f.name)!r}, given "
            f"{getattr(config, f.name)!r}"
            for f in dataclasses.fields(config)
            if getattr(existing.config, f.name) != getattr(config, f.name)
        )
        raise ABTestError(
            f"an A/B test named {config.test_name!r} already exists in this store with a "
            f"different config ({diff}; {existing.status}, created "
            f"{existing.created_at:%Y-%m-%d %H:%M} UTC). Pick a new name, e.g. "
            f"{config.test_name + '_v2'!r}: names stay reserved so results of two tests never "
            "mix. Re-running create_test with the stored config returns the existing test."
        )

    @accepts_db
    def stop_test(
        self, store: ParquetStore, test_name: str, reason: str | None = None
    ) -> ABTestInfo:
        """Stop a running test (persisted): no more assignments or results are accepted."""
        info = self._active(store, test_name)
        if reason is not None and not isinstance(reason, str):
            raise ValidationError("reason", reason, "give a short text or None")
        now = self._clock()
        store.append("ab_tests", [event_row(info, "stopped", now, reason)])
        return self._tests(store, refresh=True)[test_name]

    # ------------------------------------------------------------------ traffic

    @accepts_db
    def assign_variant(
        self,
        store: ParquetStore,
        test_name: str,
        task_type: str | None = None,
        unit_id: str | None = None,
    ) -> tuple[str, str]:
        """(variant_name, model_id) for one unit: "a" (control) or "b", sticky per unit.

        The variant is a hash of (test name, unit id) read as a uniform number, so a unit
        always gets the same variant and a share `traffic_split` of units gets B. The
        assignment is logged (buffered, acknowledged like any store write) before you call the
        model. Without `unit_id` each call is its own unit, logged under a fresh id.
        """
        info = self._active(store, test_name)
        config = info.config
        if task_type is not None and TaskType(task_type) != config.task_type:
            raise ValidationError(
                "task_type", task_type, f"test {test_name!r} runs on {config.task_type!r}: pass "
                "that or leave task_type out",
            )  # fmt: skip
        unit = new_id() if unit_id is None else _unit(unit_id)
        hashed = unit_hash(test_name, unit)
        variant = variant_for(hashed, config.traffic_split)
        model = config.model_of(variant)
        now = self._clock()
        row = AssignmentRow(
            new_id(now), now, test_name, variant, unit, hashed, unit_id is None, model
        )
        store.default_writer("ab_assignments").add(row)
        return variant, model

    @accepts_db
    def record_variant_result(
        self,
        store: ParquetStore,
        test_name: str,
        variant_name: str,
        *,
        quality_score: float | None = None,
        cost_usd: Decimal | float | None = None,
        latency_ms: float | None = None,
        approved: bool | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        unit_id: str | None = None,
        prompt_id: str | None = None,
        prompt: str | None = None,
        response: str | None = None,
        model_id: str | None = None,
    ) -> str:
        """Record one result as an execution tagged with the test and variant; returns its id.

        The model and task come from the test. `cost_usd=None` prices the tokens with the
        registry. `quality_score=None` (unscored) and `latency_ms=None` (not measured) are
        stored as null: an analysis of that metric skips the result, never counts it as 0.
        Pass the `unit_id` given to `assign_variant` when a unit (a user, a session) has
        several results: the analysis then aggregates to units. Feedback recorded later for
        the returned execution id overrides `approved`. `model_id` is the model that served
        the unit: required when the variant is a routing policy (``router:...``, resolved by
        the caller), else it must be the variant's model (default).
        """
        info = self._active(store, test_name)
        config = info.config
        arm = config.model_of(variant_name)
        model = self._served(arm, model_id)
        if cost_usd is None:
            if config.metric.column == "cost_usd" and prompt_tokens == completion_tokens == 0:
                raise ValidationError(
                    "cost_usd", None, "this test targets cost: pass cost_usd or the token counts"
                )
            cost_usd = self.registry.get(model).calculate_cost(prompt_tokens, completion_tokens)
        metrics = TaskMetrics(
            model_id=model,
            task_type=config.task_type,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=latency_ms,
            cost_usd=cost_usd,
            quality_score=quality_score,
            user_approved=approved,
            prompt=prompt,
            response=response,
            prompt_id=prompt_id,
            ab_unit_id=None if unit_id is None else _unit(unit_id),
            ab_test=test_name,
            ab_variant=variant_name,
        )
        execution = Execution.from_metrics(metrics, timestamp=self._clock())
        return store.default_writer("executions").add(execution)

    def _served(self, arm: str, model_id: str | None) -> str:
        if model_id is None:
            if is_policy_arm(arm):
                raise ValidationError(
                    "model_id", None, f"variant {arm!r} is a routing policy: pass the model "
                    "that served the unit (aigym.campaign.serve_ab_unit resolves it)",
                )  # fmt: skip
            return arm
        served = self.registry.resolve(model_id)
        if not is_policy_arm(arm) and served != arm:
            raise ValidationError(
                "model_id", model_id, f"this variant's model is {arm!r}: pass that or leave "
                "model_id out",
            )  # fmt: skip
        return served

    # ------------------------------------------------------------------ analysis

    @accepts_db
    def analyze_test(
        self,
        store: ParquetStore,
        test_name: str,
        engine: Engine = DEFAULT_ENGINE,
        *,
        confidence: float = 0.95,
        metric: str | None = None,
        guardrails: tuple[str, ...] = ("cost", "latency"),
        until: dt.datetime | None = None,
    ) -> ABTestResult:
        """Winner, confidence, effect B - A and a recommendation for the test's target metric.

        The default engine, "sequential", keeps the false-winner rate at 1 - `confidence`
        however often this is called while the test runs; "frequentist" (fixed horizon) and
        "bayesian" (chance to win >= 1 - alpha/2) keep it at one look only. `metric` analyses
        another metric of the same test instead. `guardrails` are analysed with the same
        engine (skipping the target and metrics with no values) and a winner significantly
        worse on one is flagged. Results buffered by this store object are flushed first. See
        `ABTestResult` for how `confidence_level` is defined for each engine.

        `until` (a timezone-aware time, exclusive) analyses the test as it stood then: the
        results, assignments, feedback and stop recorded before it, and the days run until
        it; a report that pins it gives the same numbers however much is recorded later.
        """
        info = self._as_of(self.get_test(store, test_name), until)
        eng = check_engine(engine)
        conf = StatsConfig(confidence=confidence).confidence
        target = info.config.metric if metric is None else get_metric(metric, "metric")
        if isinstance(guardrails, str):
            guardrails = (guardrails,)
        checks = [get_metric(g, "guardrails") for g in guardrails]
        for table in ("executions", "ab_assignments"):
            store.default_writer(table).flush()
        guards: dict[str, ABTestResult] = {}
        for g in checks:
            if g.column == target.column or g.name in guards:
                continue
            res = self._analyze(store, info, g, eng, conf, None, until)
            if "no_data" not in res.flags:
                guards[g.name] = res
        return self._analyze(store, info, target, eng, conf, guards, until)

    @staticmethod
    def _as_of(info: ABTestInfo, until: dt.datetime | None) -> ABTestInfo:
        if until is None:
            return info
        if not isinstance(until, dt.datetime) or until.utcoffset() is None:
            raise ValidationError(
                "until",
                until,
                "pass a timezone-aware datetime, e.g. datetime(2026, 12, 1, tzinfo=UTC)",
            )
        if info.created_at >= until:
            raise ABTestError(
                f"A/B test {info.test_name!r} was created at {info.created_at:%Y-%m-%d %H:%M:%S} "
                f"UTC, not before until={until.isoformat()}: pass a later until, or none."
            )
        if info.stopped_at is not None and info.stopped_at >= until:
            return dataclasses.replace(info, stopped_at=None, stop_reason=None)
        return info

    def _analyze(
        self,
        store: ParquetStore,
        info: ABTestInfo,
        metric: Metric,
        engine: Engine,
        conf: float,
        guards: dict[str, ABTestResult] | None,
        until: dt.datetime | None = None,
    ) -> ABTestResult:
        skewed = metric.lower_is_better and metric.name in SKEW_METRICS
        arms = load_arms(
            store,
            info.test_name,
            metric,
            info.created_at.date(),
            planned=info.config.min_sample_size,
            skewed=skewed,
            until=until,
        )
        days = info.days_running(until if until is not None else self._clock())
        return analyze(info, arms, engine, conf, days, metric, guards)


_default: ABTestManager | None = None
_default_lock = threading.Lock()


def get_ab_test_manager() -> ABTestManager:
    """The process-wide manager (shared registry, real clock)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ABTestManager()
    return _default
