"""What every model shares: frozen stdlib dataclasses that pydantic validates on load.

The models are plain dataclasses, not pydantic models, so that code which only reads them
(scoring, rendering) never imports pydantic, whose import alone costs several times Python's
own start-up. Validation is pydantic's all the same: `kinecheck.definitions.model_errors` runs
a `TypeAdapter` over these classes. Constraints are written as `Check(...)` markers, which
become pydantic constraints only when a validator is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar, dataclass_transform

from kinecheck.records import Record

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema


class Check:
    """Constraints on a field, handed to pydantic when it builds a validator.

    They become a `Field` (or `StringConstraints`, when text is stripped) only then, so merely
    reading models never imports pydantic.
    """

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __repr__(self) -> str:
        return f"Check({', '.join(f'{k}={v!r}' for k, v in self.constraints.items())})"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        import pydantic

        if "strip_whitespace" in self.constraints:
            marker: Any = pydantic.StringConstraints(**self.constraints)
        else:
            marker = pydantic.Field(**self.constraints)
        return handler.generate_schema(Annotated[source, marker])


T = TypeVar("T")


@dataclass_transform(frozen_default=True, kw_only_default=True)
def model(cls: type[T]) -> type[T]:
    """Make a class a model: a dataclass whose fields are passed by name and never change.

    Equality, repr and the refusal to change a field are `Strict`'s (`kinecheck.records`),
    shared by every model rather than generated per class (see there why).
    """
    return dataclass(kw_only=True, eq=False, repr=False)(cls)


@dataclass_transform(frozen_default=True, kw_only_default=True)
def output_model(cls: type[T]) -> type[T]:
    """Make a class a model built for every report: frozen by dataclasses' own __setattr__.

    A report is made of hundreds of these per answer set (evidence, plan items), and the
    generated frozen `__init__` sets fields at C speed, where `Strict.__setattr__` would run
    Python code per field: in a batch that was the single largest cost. The few extra
    generated methods cost only when the report model is first imported, after the quiz.
    """
    return dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)


Id = Annotated[str, Check(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Strict(Record):
    """Base of every model: unknown fields are errors (pydantic) and models never change.

    Immutability, equality, hash and repr are `Record`'s, shared by every model.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}


@model
class DefinitionRef(Strict):
    """Which definition file (id, version, sha256 of its bytes) a report was made with."""

    id: str
    version: str
    sha256: str
