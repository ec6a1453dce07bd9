"""One exception tree for aigym.

Every message names what was wrong and what to do next::

    AigymError
    ├── ValidationError          bad input: field, value and fix (also a ValueError)
    ├── UnknownModelError        an id the registry does not know; suggests close ids (KeyError)
    ├── UnknownExecutionError    feedback or a lookup for an id the store does not hold (KeyError)
    ├── StoreError               the store cannot do what was asked (locked, unreadable, bad schema)
    │   └── SchemaError          a file's schema is not one this version can read
    ├── ProviderError            a model endpoint failed after retries (see aigym.providers)
    ├── BudgetExceededError      a campaign stopped before it could overspend
    ├── ScoringError             a scorer could not run (not: an output it could not score)
    ├── ABTestError              an A/B test definition or state problem
    └── NoModelQualifiesError    no model meets a routing call's constraints; names the
                                 constraint, the closest models and the relaxation that admits them
"""

from __future__ import annotations

__all__ = [
    "ABTestError",
    "AigymError",
    "BudgetExceededError",
    "NoModelQualifiesError",
    "ProviderError",
    "SchemaError",
    "ScoringError",
    "StoreError",
    "UnknownExecutionError",
    "UnknownModelError",
    "ValidationError",
]


class AigymError(Exception):
    """Root of every error aigym raises on purpose."""


class ValidationError(AigymError, ValueError):
    """Input that aigym refuses before anything touches disk."""

    def __init__(self, field: str, value: object, fix: str) -> None:
        self.field = field
        self.value = value
        self.fix = fix
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"invalid {field}={shown}: {fix}")


class UnknownModelError(AigymError, KeyError):
    """A model id the registry does not know."""

    def __init__(self, model_id: str, suggestions: list[str] | tuple[str, ...] = ()) -> None:
        self.model_id = model_id
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"unknown model {model_id!r}.{hint} Register it with "
            "registry.register(ModelSpec(...)) or list ids with registry.get_all_models()."
        )

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class UnknownExecutionError(AigymError, KeyError):
    """An execution id that the store does not hold."""

    def __init__(self, execution_id: str) -> None:
        self.execution_id = execution_id
        super().__init__(
            f"no execution with id {execution_id!r} in this store. Use the id returned by "
            "record_execution(), and the same store root it was recorded in."
        )

    def __str__(self) -> str:
        return str(self.args[0])


class StoreError(AigymError):
    """The store cannot do what was asked."""


class SchemaError(StoreError):
    """A file carries a schema this version of aigym cannot read."""


class ProviderError(AigymError):
    """A model endpoint failed for good (after any retries)."""


class BudgetExceededError(AigymError):
    """Raised or reported when a campaign's next call could exceed its budget."""


class ScoringError(AigymError):
    """A scorer could not run at all."""


class ABTestError(AigymError):
    """An A/B test that does not exist, already exists, or is in the wrong state."""


class NoModelQualifiesError(AigymError):
    """No model meets a routing call's constraints.

    `constraint` is the one that removed the most candidates; `counts` how many each
    constraint removed; `closest` the nearest models, best first; `relaxations` maps each
    failed constraint to the value that would admit the closest model.
    """

    def __init__(
        self,
        task_type: str,
        constraint: str,
        *,
        counts: dict[str, int] | None = None,
        closest: tuple[str, ...] = (),
        relaxations: dict[str, object] | None = None,
        details: str = "",
    ) -> None:
        self.task_type = task_type
        self.constraint = constraint
        self.counts = dict(counts or {})
        self.closest = tuple(closest)
        self.relaxations = dict(relaxations or {})
        removed = ", ".join(f"{k} removed {v}" for k, v in sorted(self.counts.items()))
        fix = "; ".join(f"{k}={v!r}" for k, v in self.relaxations.items())
        msg = f"no model qualifies for task {task_type!r}: {constraint} failed"
        if removed:
            msg += f" ({removed})"
        if self.closest:
            msg += f". Closest: {', '.join(self.closest)}"
        if details:
            msg += f" ({details})"
        if fix:
            msg += f". Relax to admit {self.closest[0] if self.closest else 'one'}: {fix}"
        msg += ". Or call route_with_fallback(...) to fall back to another strategy."
        super().__init__(msg)
