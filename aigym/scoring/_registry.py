"""The scorer protocol and the `@scorer(name, version)` registry.

Modelled on inspect_ai's scorers: a scorer is any callable `(output, context) -> Score`,
registered under a name and a version so that stored scores say which scorer, in which
version, produced them (a changed heuristic is a new version, not a silent change).

Functions may return a `Score`, a bare 0-100 float, or None (unscored); the decorator turns
all three into a `Score` stamped with the scorer's name and version. Decorated classes are
instantiated with no arguments when first looked up by name.
"""

from __future__ import annotations

import difflib
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, overload, runtime_checkable

from aigym.errors import ValidationError
from aigym.scoring._score import Score, stamped

__all__ = [
    "Context",
    "Scorer",
    "ScorerFn",
    "get_scorer",
    "list_scorers",
    "scorer",
]

Context = Mapping[str, Any]
ScorerFn = Callable[[str, Context | None], "Score | float | None"]
_C = TypeVar("_C", bound=type)

_EMPTY: Context = {}
_MAX_SHARED = 512


@runtime_checkable
class Scorer(Protocol):
    """What `get_scorer(name)` returns: a named, versioned `(output, context) -> Score`."""

    name: str
    version: str

    def __call__(self, output: str, context: Context | None = None) -> Score: ...


def _normalise(result: object, name: str, version: str) -> Score:
    if isinstance(result, Score):
        return stamped(result, name, version)
    if result is None:
        return Score.unscored("the scorer returned None", scorer=name, version=version)
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return Score(float(result), scorer=name, version=version)
    raise ValidationError(
        f"result of scorer {name!r}", result, "return a Score, a 0-100 float, or None"
    )


class _FunctionScorer:
    """A registered scorer function; calling it always yields a stamped `Score`."""

    __slots__ = ("__dict__", "_plain", "fn", "name", "version")

    def __init__(self, fn: ScorerFn, name: str, version: str) -> None:
        self.fn = fn
        self.name = name
        self.version = version
        self._plain: dict[float, Score] = {}
        functools.update_wrapper(self, fn)

    def __call__(self, output: str, context: Context | None = None) -> Score:
        result = self.fn(output, _EMPTY if context is None else context)
        if type(result) is float:
            # Scores are immutable, so bare values (0 and 100 for most reference scorers)
            # share one stamped instance: building a Score costs more than the scoring.
            plain = self._plain.get(result)
            if plain is None:
                plain = _normalise(result, self.name, self.version)
                if len(self._plain) < _MAX_SHARED:
                    self._plain[result] = plain
            return plain
        if type(result) is Score and result.scorer is self.name:
            return result
        return _normalise(result, self.name, self.version)

    def __repr__(self) -> str:
        return f"<scorer {self.name!r} v{self.version}>"


class _ClassScorerFactory:
    __slots__ = ("cls", "instance")

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.instance: Scorer | None = None

    def get(self) -> Scorer:
        if self.instance is None:
            self.instance = self.cls()
        return self.instance


_lock = threading.Lock()
_registry: dict[str, _FunctionScorer | _ClassScorerFactory] = {}
_origin: dict[str, str] = {}


def _origin_of(obj: object) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _register(
    name: str, entry: _FunctionScorer | _ClassScorerFactory, origin: str, *, replace: bool
) -> None:
    with _lock:
        if name in _registry and not replace and _origin[name] != origin:
            raise ValidationError(
                "scorer name",
                name,
                f"already registered by {_origin[name]}; choose another name or pass "
                "replace=True to @scorer(...)",
            )
        _registry[name] = entry
        _origin[name] = origin


class _Decorator:
    __slots__ = ("name", "replace", "version")

    def __init__(self, name: str, version: str, replace: bool) -> None:
        self.name = name
        self.version = version
        self.replace = replace

    @overload
    def __call__(self, obj: _C) -> _C: ...

    @overload
    def __call__(self, obj: ScorerFn) -> Scorer: ...

    def __call__(self, obj: Any) -> Any:
        name, version = self.name, self.version
        if isinstance(obj, type):
            raw_call = obj.__call__

            @functools.wraps(raw_call)
            def call(self_: Any, output: str, context: Context | None = None) -> Score:
                ctx = _EMPTY if context is None else context
                return _normalise(raw_call(self_, output, ctx), name, version)

            setattr(obj, "__call__", call)  # noqa: B010 - mypy forbids assigning a method
            setattr(obj, "name", name)  # noqa: B010
            setattr(obj, "version", version)  # noqa: B010
            _register(name, _ClassScorerFactory(obj), _origin_of(obj), replace=self.replace)
            return obj
        if not callable(obj):
            raise ValidationError("scorer", obj, "decorate a function (output, context) or a class")
        wrapped = _FunctionScorer(obj, name, version)
        _register(name, wrapped, _origin_of(obj), replace=self.replace)
        return wrapped


def scorer(name: str, version: str = "1", *, replace: bool = False) -> _Decorator:
    """Register a scorer function or class under `name` (snake_case) and `version`.

    Bump `version` whenever the scoring logic changes, so old and new scores are not mixed.
    Re-running the same definition (a notebook cell) replaces it silently; another object
    under a taken name needs `replace=True`.
    """
    if not isinstance(name, str) or not name or not name.replace("_", "").isalnum():
        raise ValidationError("scorer name", name, "use letters, digits and underscores")
    if not isinstance(version, str) or not version:
        raise ValidationError("scorer version", version, "give a non-empty string such as '1'")
    return _Decorator(name, version, replace)


def get_scorer(name: str) -> Scorer:
    """The registered scorer called `name`."""
    entry = _registry.get(name)
    if entry is None:
        close = difflib.get_close_matches(str(name), list(_registry), n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValidationError(
            "scorer", name, f"{hint}register it with @scorer(name) or pick one of list_scorers()"
        )
    return entry.get() if isinstance(entry, _ClassScorerFactory) else entry


def list_scorers() -> dict[str, str]:
    """Registered scorer names mapped to their versions, sorted by name."""
    out: dict[str, str] = {}
    for name in sorted(_registry):
        entry = _registry[name]
        out[name] = (
            entry.version
            if isinstance(entry, _FunctionScorer)
            else str(getattr(entry.cls, "version"))  # noqa: B009
        )
    return out
