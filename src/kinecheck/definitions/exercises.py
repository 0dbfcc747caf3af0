"""The exercise library: what each exercise is, its variants, dose and safety cues."""

from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal

from kinecheck.definitions.base import Check, Id, Strict, model

Positive = Annotated[int, Check(ge=1)]


@model
class Dose(Strict):
    """How long and how often; per side when the exercise has sides."""

    seconds_min: Positive | None = None
    seconds_max: Positive | None = None
    rounds_min: Positive = 1
    rounds_max: Positive = 1
    min_total_seconds_per_side: Positive | None = None

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        if self.seconds_min and self.seconds_max and self.seconds_min > self.seconds_max:
            raise ValueError("seconds_min must not be greater than seconds_max")
        if self.rounds_min > self.rounds_max:
            raise ValueError("rounds_min must not be greater than rounds_max")


@model
class Variant(Strict):
    """One way to do an exercise, with the equipment and steps it needs."""

    id: Id
    name: str
    equipment: list[Id] = field(default_factory=list)
    setup: str
    steps: Annotated[list[str], Check(min_length=1)]


@model
class Exercise(Strict):
    """An exercise in the library."""

    id: Id
    name: str
    purpose: str
    target: Id
    kind: Literal["mobility", "stability"]
    sides: Literal["both", "left", "right", "affected"] = "both"
    dose: Dose
    variants: Annotated[list[Variant], Check(min_length=1)]
    too_far: str  # the cue that says you have gone too far
    easier: str  # what to do if it is too hard
    cautions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def variant(self, variant_id: str) -> Variant:
        """A variant by id."""
        for v in self.variants:
            if v.id == variant_id:
                return v
        raise KeyError(variant_id)


@model
class ExerciseLibrary(Strict):
    """All exercises, and household substitutes for equipment someone may not have."""

    version: str
    exercises: Annotated[list[Exercise], Check(min_length=1)]
    substitutes: dict[Id, str] = field(default_factory=dict)

    def by_id(self) -> dict[str, Exercise]:
        """Exercises by id."""
        return {e.id: e for e in self.exercises}
