"""What every model shares: frozen stdlib dataclasses that pydantic validates on load.

The models are plain dataclasses, not pydantic models, so that code which only reads them
(scoring, rendering, a cached snapshot of loaded definitions) never imports pydantic, whose
import alone costs several times Python's own start-up. Validation is pydantic's all the same:
`kinecheck.model_errors` runs a `TypeAdapter` over these classes. Constraints are written as
`Check(...)` markers, which become pydantic constraints only when a validator is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar, dataclass_transform

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
    """Make a class a model: a frozen dataclass whose fields are passed by name."""
    return dataclass(frozen=True, kw_only=True)(cls)


Id = Annotated[str, Check(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


@model
class Strict:
    """Base of every model: unknown fields are errors (pydantic) and models never change."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}
