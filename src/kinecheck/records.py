"""Immutable records: dataclasses whose shared methods are inherited rather than generated.

Why: `dataclasses` compiles every method it generates with `exec`. A frozen dataclass gets
six (`__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__`, `__delattr__`), about 1 ms
to define on a small machine, where one with only `__init__` takes a third of that. Dozens of
record classes are defined on the way to a quiz's first question or a first report, so
`record` generates only `__init__`, and `Record` supplies the other five once for all of
them, with the meaning a frozen dataclass gives them: `__init__` sets each field once and
nothing changes it after; equality, hash and repr go by the dataclass fields, honouring
`field(compare=False)`, `field(hash=...)` and `field(repr=False)`.

The price is that `__init__` sets each field through `Record.__setattr__`, in Python. That
is nothing for what is made once per load or per question. What is made by the hundred for
every answer set (decisions, the parts of a report) stays a frozen dataclass, whose
generated `__init__` sets fields at C speed (`kinecheck.definitions.base.output_model`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """Make a `Record` subclass a dataclass (fields in order, as `@dataclass(frozen=True)`)."""
    return dataclasses.dataclass(eq=False, repr=False)(cls)


_NAMES: dict[tuple[type[Any], str], tuple[str, ...]] = {}


def _names(cls: type[Any], use: str) -> tuple[str, ...]:
    """The fields of `cls` that take part in `use`: "compare", "hash" or "repr" (looked up once)."""
    key = (cls, use)
    names = _NAMES.get(key)
    if names is None:
        chosen = []
        for f in dataclasses.fields(cls):
            taking_part = (
                (f.compare if f.hash is None else f.hash) if use == "hash" else getattr(f, use)
            )
            if taking_part:
                chosen.append(f.name)
        names = _NAMES[key] = tuple(chosen)
    return names


class Record:
    """Base of every record: fields are set once, by `__init__`; after that it never changes."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Each field is set once, by `__init__`; nothing else may be set."""
        fields: dict[str, Any] = getattr(type(self), "__dataclass_fields__", {})
        if name in self.__dict__ or name not in fields:
            raise FrozenInstanceError(f"cannot assign to field '{name}'")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field '{name}'")

    def __eq__(self, other: object) -> bool:
        """Records are equal when they are of one class and their compared fields are equal."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = _names(self.__class__, "compare")
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)

    def __hash__(self) -> int:
        names = _names(self.__class__, "hash")
        return hash((self.__class__, *(getattr(self, n) for n in names)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in _names(self.__class__, "repr"))
        return f"{self.__class__.__qualname__}({shown})"
