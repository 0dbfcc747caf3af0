"""pydantic's validation errors -> Problems a person can act on.

Each problem gets the file and line (from the YAML line map), a readable field path, plain
words instead of pydantic's, and a "did you mean" for a misspelled field or type.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from kinecheck.definitions import yamlsource
from kinecheck.definitions.validators import validator
from kinecheck.errors import Problem, closest, did_you_mean
from kinecheck.numbers import number_text

M = TypeVar("M")
_UNKNOWN_FIELD = ("extra_forbidden", "unexpected_keyword_argument")
# Fields of number questions only: on another question they are misplaced, not misspelt.
_NUMBER_ONLY = ("smallest_real_change", "better")


def validate_model(model: type[M], source: yamlsource.Source) -> tuple[M | None, list[Problem]]:
    """Validate `source.data` as `model`; on failure return located, readable problems."""
    if not isinstance(source.data, dict):
        return None, [
            Problem(
                f"expected a mapping of fields (such as 'id: ...') at the top, "
                f"found {_kind_words(source.data)}",
                file=source.name,
                line=1,
                hint="allowed fields: " + ", ".join(_fields(model)),
            )
        ]
    try:
        return validator(model).validate_python(source.data), []
    except ValidationError as exc:
        errors = _drop_misspelt_missing(model, exc.errors())
        return None, [_problem_from_pydantic(model, source, err) for err in errors]


def _kind_words(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, bool):
        return "true/false"
    if isinstance(data, int | float):
        return "a number"
    if isinstance(data, str):
        return "text"  # never quoted: the file may not be a definition at all
    return type(data).__name__


def _drop_misspelt_missing(model: type[Any], errors: list[Any]) -> list[Any]:
    """`promt:` gives 'missing prompt' and 'unknown promt'; keep only the second, with its hint."""
    meant: set[tuple[Any, ...]] = set()
    for err in errors:
        if err["type"] in _UNKNOWN_FIELD:
            parent = tuple(err["loc"][:-1])
            match = closest(str(err["loc"][-1]), _fields_at(model, parent))
            if match is not None:
                meant.add((*parent, match))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in meant)]


def _problem_from_pydantic(model: type[Any], source: yamlsource.Source, err: Any) -> Problem:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    last = loc[-1] if loc else ""
    # a question's loc ends in its type (the union's tag), then the field
    on_question = "questions" in loc and len(loc) >= 2 and isinstance(loc[-2], str)
    if kind in _UNKNOWN_FIELD and last in _NUMBER_ONLY and on_question:
        return source.problem(
            loc,
            f"'{last}' applies only to integer, number and scale questions (and scores), "
            f"not to a {loc[-2]} question",
            f"remove the '{last}:' line",
        )
    if kind in _UNKNOWN_FIELD:
        allowed = _fields_at(model, loc[:-1])
        return source.problem(
            loc,
            f"unknown field '{last}'",
            did_you_mean(str(last), allowed)
            or ("allowed: " + ", ".join(allowed) if allowed else None),
        )
    if kind == "missing":
        return source.problem(
            loc[:-1], f"required field '{last}' is missing", f"add a '{last}:' line here"
        )
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "")
        tag = str(ctx.get("tag"))
        hint = did_you_mean(tag, [t.strip(" '") for t in str(expected).split(",")])
        return source.problem((*loc, "type"), f"unknown type '{tag}'; allowed: {expected}", hint)
    if kind == "union_tag_not_found":
        field = str(ctx.get("discriminator", "type")).strip("'")
        return source.problem(
            loc,
            f"required field '{field}' is missing",
            "allowed types: single, multi, yes_no, integer, number, scale, text"
            if field == "type"
            else None,
        )
    if kind == "literal_error":
        return source.problem(loc, f"{value!r} is not allowed; expected {ctx.get('expected')}")
    if kind == "string_pattern_mismatch":
        dashes = "-]" in str(ctx.get("pattern", ""))
        return source.problem(
            loc,
            f"{value!r} is not a valid id",
            "use lower-case letters, digits, underscores"
            + (" and hyphens" if dashes else "")
            + ", starting with a letter",
        )
    plain = _PLAIN_MESSAGES.get(kind)
    if plain is not None:
        message, hint = plain
        bounds = {k: number_text(v) if isinstance(v, float) else v for k, v in ctx.items()}
        return source.problem(loc, message.format(value=value, **bounds), hint)
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind not in ("value_error",) and not isinstance(value, dict | list):
        shown = repr(value)
        message += f" (got {shown[:60]}...)" if len(shown) > 60 else f" (got {shown})"
    return source.problem(loc, message)


# pydantic error types -> (message, hint) in words a content author uses
_PLAIN_MESSAGES: dict[str, tuple[str, str | None]] = {
    "int_parsing": ("{value!r} is not a whole number", None),
    "int_type": ("{value!r} is not a whole number", None),
    "int_from_float": ("{value!r} is not a whole number", None),
    "float_parsing": ("{value!r} is not a number", None),
    "float_type": ("{value!r} is not a number", None),
    "finite_number": ("is not a finite number", "write a number such as 10 or 2.5"),
    "bool_parsing": ("{value!r} is not true or false", "write true or false"),
    "bool_type": ("{value!r} is not true or false", "write true or false"),
    "string_type": ("{value!r} is not text", "put the value in quotes"),
    "string_too_short": ("must not be empty", "write some text here"),
    "greater_than": ("{value!r} is too small: it must be above {gt}", None),
    "greater_than_equal": ("{value!r} is too small: it must be at least {ge}", None),
    "less_than_equal": ("{value!r} is too large: it must be at most {le}", None),
    "string_too_long": ("is too long: at most {max_length} characters", None),
    "too_short": (
        "needs at least {min_length} item(s)",
        "write a list: one '- item' per line, or [a, b]",
    ),
    "list_type": ("must be a list", "write a list: one '- item' per line, or [a, b]"),
    "dict_type": ("must be a mapping of names to values", "write one 'name: value' per line"),
    "dataclass_type": ("must be a mapping of fields", "write one 'field: value' per line"),
    # a question entry that is not a mapping (the question types are a tagged union)
    "model_attributes_type": ("must be a mapping of fields", "write one 'field: value' per line"),
}


def _fields(model: type[Any]) -> list[str]:
    """The field names of a model, in the order they are declared."""
    return [f.name for f in dataclasses.fields(model)]


def _field_type(model: type[Any], name: str) -> Any:
    """The annotation of one field (resolved, with its constraints), or None."""
    if name not in _fields(model):
        return None
    return typing.get_type_hints(model, include_extras=True).get(name)


def _fields_at(model: type[Any], loc: Sequence[str | int]) -> list[str]:
    """Field names of the model found by following `loc` through annotations."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    return _fields(tp) if dataclasses.is_dataclass(tp) and isinstance(tp, type) else []


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _field_type(tp, part) if isinstance(part, str) else None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple) and isinstance(part, int):
        return args[0] if args else None
    if origin is dict and args:
        return args[1]
    if origin in (typing.Union, types.UnionType):
        for arg in args:  # a discriminated union: the loc names the tag
            is_model = dataclasses.is_dataclass(arg) and isinstance(arg, type)
            tag = _field_type(arg, "type") if is_model else None
            if tag is not None and part in typing.get_args(tag):
                return arg
    return None


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp
