"""A small JSON Schema validator and the `json_schema` scorer.

A subset on purpose (no new dependency): type, enum, const, required, properties,
additionalProperties, items (one schema for all items), minItems, maxItems, uniqueItems,
minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength,
pattern, allOf, anyOf, oneOf, not. Annotations (title, description, $schema, format ...)
are ignored as the 2020-12 spec allows. Any other keyword ($ref, patternProperties, if/then
...) raises ValidationError rather than being skipped, so a schema is never silently
half-checked. Schemas are treated as immutable once used (their check is cached).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from aigym.errors import ValidationError
from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score
from aigym.scoring._text import extract_json

__all__ = ["json_schema", "validate_json_schema"]

_SUPPORTED: Final = frozenset(
    {"type", "enum", "const", "required", "properties", "additionalProperties", "items",
     "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
     "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "allOf", "anyOf",
     "oneOf", "not"}
)  # fmt: skip
_ANNOTATIONS: Final = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "format",
     "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "contentMediaType",
     "contentEncoding"}
)  # fmt: skip
_MAX_ERRORS: Final = 20
_checked: dict[int, Mapping[str, Any]] = {}


def _is_type(v: Any, t: str) -> bool:
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if t == "number":
        return True
    if t == "integer":
        return isinstance(v, int) or (math.isfinite(v) and v == int(v))
    raise ValidationError("schema type", t, "use object, array, string, number, integer, "
                          "boolean or null")  # fmt: skip


def _check_schema(schema: Any, where: str = "#") -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, Mapping):
        raise ValidationError("schema", schema, f"at {where}: a schema is a dict or a bool")
    unknown = set(schema) - _SUPPORTED - _ANNOTATIONS
    if unknown:
        raise ValidationError(
            "schema",
            sorted(unknown),
            f"at {where}: keywords outside aigym's subset; validate with the `jsonschema` "
            "package and score with your own @scorer, or drop these keywords",
        )
    for key in ("properties",):
        for name, sub in schema.get(key, {}).items():
            _check_schema(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties", "not"):
        if key in schema:
            _check_schema(schema[key], f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key, ())):
            _check_schema(sub, f"{where}/{key}/{i}")
    if "pattern" in schema:
        try:
            re.compile(schema["pattern"])
        except re.error as e:
            raise ValidationError(
                "schema pattern", schema["pattern"], f"fix the regex ({e})"
            ) from None


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _validate(v: Any, s: Any, path: str, errors: list[str]) -> None:
    if s is True:
        return
    if s is False:
        errors.append(f"{path}: no value is allowed here")
        return
    t = s.get("type")
    if t is not None:
        types = [t] if isinstance(t, str) else t
        if not any(_is_type(v, x) for x in types):
            errors.append(f"{path}: expected {' or '.join(types)}, got {type(v).__name__}")
            return
    if "enum" in s and not any(_equal(v, e) for e in s["enum"]):
        errors.append(f"{path}: {v!r} is not one of {s['enum']!r}"[:200])
    if "const" in s and not _equal(v, s["const"]):
        errors.append(f"{path}: expected {s['const']!r}"[:200])
    if isinstance(v, dict):
        for name in s.get("required", ()):
            if name not in v:
                errors.append(f"{path}: missing required property {name!r}")
        props = s.get("properties", {})
        extra = s.get("additionalProperties", True)
        for name, sub in v.items():
            if name in props:
                _validate(sub, props[name], f"{path}/{name}", errors)
            elif extra is not True:
                _validate(sub, extra, f"{path}/{name}", errors)
    elif isinstance(v, list):
        if "items" in s:
            for i, item in enumerate(v):
                _validate(item, s["items"], f"{path}/{i}", errors)
                if len(errors) >= _MAX_ERRORS:
                    return
        if len(v) < s.get("minItems", 0):
            errors.append(f"{path}: fewer than {s['minItems']} items")
        if "maxItems" in s and len(v) > s["maxItems"]:
            errors.append(f"{path}: more than {s['maxItems']} items")
        if s.get("uniqueItems") and any(
            _equal(v[i], v[j]) for i in range(len(v)) for j in range(i)
        ):
            errors.append(f"{path}: items are not unique")
    elif isinstance(v, str):
        if len(v) < s.get("minLength", 0):
            errors.append(f"{path}: shorter than {s['minLength']} characters")
        if "maxLength" in s and len(v) > s["maxLength"]:
            errors.append(f"{path}: longer than {s['maxLength']} characters")
        if "pattern" in s and re.search(s["pattern"], v) is None:
            errors.append(f"{path}: does not match {s['pattern']!r}")
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            errors.append(f"{path}: {v} < minimum {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            errors.append(f"{path}: {v} > maximum {s['maximum']}")
        if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
            errors.append(f"{path}: {v} <= exclusiveMinimum {s['exclusiveMinimum']}")
        if "exclusiveMaximum" in s and v >= s["exclusiveMaximum"]:
            errors.append(f"{path}: {v} >= exclusiveMaximum {s['exclusiveMaximum']}")
        if "multipleOf" in s:
            q = v / s["multipleOf"]
            if not math.isfinite(q) or abs(q - round(q)) > 1e-9:
                errors.append(f"{path}: not a multiple of {s['multipleOf']}")
    for sub in s.get("allOf", ()):
        _validate(v, sub, path, errors)
    if "anyOf" in s and not any(_passes(v, sub) for sub in s["anyOf"]):
        errors.append(f"{path}: matches none of anyOf")
    if "oneOf" in s and sum(_passes(v, sub) for sub in s["oneOf"]) != 1:
        errors.append(f"{path}: does not match exactly one of oneOf")
    if "not" in s and _passes(v, s["not"]):
        errors.append(f"{path}: matches a schema under 'not'")


def _passes(v: Any, s: Any) -> bool:
    errs: list[str] = []
    _validate(v, s, "", errs)
    return not errs


def validate_json_schema(instance: Any, schema: Mapping[str, Any] | bool) -> list[str]:
    """Error messages (empty when valid) for `instance` against `schema` (see module doc)."""
    key = id(schema)
    if _checked.get(key) is not schema:
        _check_schema(schema)
        if len(_checked) > 256:
            _checked.clear()
        if isinstance(schema, Mapping):
            _checked[key] = schema  # keeps the object alive, so its id is not reused
    errors: list[str] = []
    _validate(instance, schema, "#", errors)
    return errors[:_MAX_ERRORS]


_VERSION: Final = "1"
_VALID: Final = Score(
    100.0, {"parses": 100.0, "schema_valid": 100.0}, None, "json_schema", _VERSION
)
_NOT_JSON: Final = Score(
    0.0, {"parses": 0.0, "schema_valid": 0.0}, "output is not JSON", "json_schema", _VERSION
)


@scorer("json_schema", _VERSION)
def json_schema(output: str, context: Context | None) -> Score:
    """100 if the output is JSON (bare or in a ```json fence) valid under `context['schema']`.

    Dimensions: parses (100/0) and schema_valid (100/0); unscored without a schema.
    """
    ctx = context or {}
    schema = ctx.get("schema")
    if schema is None:
        return Score.unscored("no JSON schema in context['schema']")
    data, ok = extract_json(output)
    if not ok:
        return _NOT_JSON
    errors = validate_json_schema(data, schema)
    if errors:
        return Score(0.0, {"parses": 100.0, "schema_valid": 0.0}, "; ".join(errors[:3]))
    return _VALID
