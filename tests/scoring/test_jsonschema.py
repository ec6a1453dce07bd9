"""The JSON-schema subset, checked against the `jsonschema` package where it is installed."""

from __future__ import annotations

from typing import Any

import pytest

from aigym.errors import ValidationError
from aigym.scoring import get_scorer, validate_json_schema

PERSON: dict[str, Any] = {
    "type": "object",
    "required": ["name", "age"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 20},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": "string", "pattern": "^[^@]+@[^@]+$"},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": True,
                 "maxItems": 2},
        "kind": {"const": "person"},
        "score": {"type": ["number", "null"], "exclusiveMaximum": 10, "multipleOf": 0.5},
    },
    "additionalProperties": False,
}  # fmt: skip

CASES: list[tuple[Any, dict[str, Any] | bool]] = [
    ({"name": "Ann", "age": 30}, PERSON),
    ({"name": "Ann"}, PERSON),
    ({"name": "", "age": 30}, PERSON),
    ({"name": "Ann", "age": 30.0}, PERSON),
    ({"name": "Ann", "age": 30.5}, PERSON),
    ({"name": "Ann", "age": True}, PERSON),
    ({"name": "Ann", "age": -1}, PERSON),
    ({"name": "Ann", "age": 151}, PERSON),
    ({"name": "Ann", "age": 3, "email": "x@y"}, PERSON),
    ({"name": "Ann", "age": 3, "email": "nope"}, PERSON),
    ({"name": "Ann", "age": 3, "tags": ["a", "b"]}, PERSON),
    ({"name": "Ann", "age": 3, "tags": ["a", "a"]}, PERSON),
    ({"name": "Ann", "age": 3, "tags": ["c"]}, PERSON),
    ({"name": "Ann", "age": 3, "tags": ["a", "b", "a"]}, PERSON),
    ({"name": "Ann", "age": 3, "kind": "person"}, PERSON),
    ({"name": "Ann", "age": 3, "kind": "robot"}, PERSON),
    ({"name": "Ann", "age": 3, "score": None}, PERSON),
    ({"name": "Ann", "age": 3, "score": 9.5}, PERSON),
    ({"name": "Ann", "age": 3, "score": 10}, PERSON),
    ({"name": "Ann", "age": 3, "score": 9.3}, PERSON),
    ({"name": "Ann", "age": 3, "extra": 1}, PERSON),
    ([1, 2], {"type": "array", "items": {"type": "integer"}, "minItems": 2}),
    ([1], {"type": "array", "items": {"type": "integer"}, "minItems": 2}),
    ([1, "x"], {"type": "array", "items": {"type": "integer"}}),
    ("x", {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    (1.5, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    (3, {"oneOf": [{"type": "integer"}, {"minimum": 2}]}),
    (1, {"oneOf": [{"type": "integer"}, {"minimum": 2}]}),
    (5, {"allOf": [{"minimum": 2}, {"maximum": 4}]}),
    (5, {"not": {"type": "string"}}),
    (1, {"enum": [True, "1"]}),
    (True, {"enum": [1]}),
    (None, True),
    (None, False),
    ({"a": 1}, {"type": "object", "additionalProperties": {"type": "string"}}),
]


@pytest.mark.parametrize(("instance", "schema"), CASES)
def test_subset_agrees_with_jsonschema(instance: Any, schema: dict[str, Any] | bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    expected = jsonschema.Draft202012Validator(schema).is_valid(instance)
    assert (validate_json_schema(instance, schema) == []) is expected


def test_unsupported_keywords_are_refused_not_skipped() -> None:
    with pytest.raises(ValidationError, match=r"\$ref"):
        validate_json_schema({}, {"properties": {"a": {"$ref": "#/$defs/x"}}})
    with pytest.raises(ValidationError, match="regex"):
        validate_json_schema("x", {"pattern": "("})
    assert validate_json_schema("x", {"type": "string", "title": "t", "format": "email"}) == []


def test_json_schema_scorer() -> None:
    js = get_scorer("json_schema")
    good = js('```json\n{"name": "Ann", "age": 30}\n```', {"schema": PERSON})
    assert good.value == 100.0 and good.dimensions == {"parses": 100.0, "schema_valid": 100.0}
    bad = js('{"name": "Ann"}', {"schema": PERSON})
    assert bad.value == 0.0 and bad.dimensions["parses"] == 100.0
    assert "age" in (bad.explanation or "")
    prose = js("Ann is 30.", {"schema": PERSON})
    assert prose.value == 0.0 and prose.dimensions["parses"] == 0.0
    assert js('"hello"', {"schema": {"type": "string"}}).value == 100.0
    assert js("{}", {}).value is None
