"""`db=`: the spec's name for the store, accepted wherever aigym takes `store`.

The spec's snippets pass the database session as `db` (`tracker.get_model_stats(db=db,
...)`, `ab_manager.assign_variant(db=db, ...)`); aigym's first parameter is the `store`.
One decorator, `accepts_db`, lets any function or method whose signature has a `store`
parameter also be called with `db=` instead, so the spec's call patterns run as written
without a second parameter in every signature:

    >>> @accepts_db
    ... def rows(store: object, table: str = "executions") -> str:
    ...     return f"{store}:{table}"
    >>> rows(db="runs/")
    'runs/:executions'

Passing both (`store` positionally or by name, and `db=`) raises `ValidationError`. The
wrapped callable keeps its static type (a `ParamSpec`), so mypy checks calls against the
real signature; `inspect.signature` and `help()` show `db` as an extra keyword-only option.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from aigym.errors import ValidationError

__all__ = ["STORE_ALIAS", "accepts_db"]

P = ParamSpec("P")
R = TypeVar("R")

STORE_ALIAS = "db"
"""The keyword the spec uses for the store."""


def _with_db(sig: inspect.Signature) -> inspect.Signature:
    params = list(sig.parameters.values())
    extra = inspect.Parameter(STORE_ALIAS, inspect.Parameter.KEYWORD_ONLY, default=None)
    at = next(
        (i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD),
        len(params),
    )
    return sig.replace(parameters=[*params[:at], extra, *params[at:]])


def accepts_db(func: Callable[P, R]) -> Callable[P, R]:
    """Let `func` (which has a `store` parameter) also be called with `db=` for `store`."""
    sig = inspect.signature(func)
    names = list(sig.parameters)
    if "store" not in names or STORE_ALIAS in names:
        raise TypeError(
            f"accepts_db needs a function with a 'store' parameter and no {STORE_ALIAS!r} "
            f"parameter; {func.__qualname__} has {names}"
        )
    param = sig.parameters["store"]
    if param.kind not in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    ):
        raise TypeError(f"{func.__qualname__}: 'store' must be passable by keyword")
    # Positional calls fill `store` when at least this many positional arguments are given.
    filled_by = names.index("store") + 1 if param.kind is not param.KEYWORD_ONLY else None

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if STORE_ALIAS in kwargs:
            db = kwargs.pop(STORE_ALIAS)
            if "store" in kwargs or (filled_by is not None and len(args) >= filled_by):
                raise ValidationError(
                    STORE_ALIAS,
                    db,
                    f"{func.__qualname__} got the store twice: pass it once, as `store` "
                    "(positionally or store=...) or as the spec's db=..., not both",
                )
            kwargs["store"] = db
        return func(*args, **kwargs)

    wrapper.__signature__ = _with_db(sig)  # type: ignore[attr-defined]
    return wrapper
