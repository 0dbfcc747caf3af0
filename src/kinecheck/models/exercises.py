"""The exercise library: what each exercise is, its variants, dose and safety cues."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from kinecheck.models.questionnaire import Id, Strict


class Dose(Strict):
    """How long and how often; per side when the exercise has sides."""

    seconds_min: int | None = Field(default=None, ge=1)
    seconds_max: int | None = Field(default=None, ge=1)
    rounds_min: int = Field(default=1, ge=1)
    rounds_max: int = Field(default=1, ge=1)
    min_total_seconds_per_side: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ranges_ordered(self) -> Dose:
        if self.seconds_min and self.seconds_max and self.seconds_min > self.seconds_max:
            raise ValueError("seconds_min must not be greater than seconds_max")
        if self.rounds_min > self.rounds_max:
            raise ValueError("rounds_min must not be greater than rounds_max")
        return self


class Variant(Strict):
    """One way to do an exercise, with the equipment and steps it needs."""

    id: Id
    name: str
    equipment: list[Id] = []
    setup: str
    steps: list[str] = Field(min_length=1)


class Exercise(Strict):
    """An exercise in the library."""

    id: Id
    name: str
    purpose: str
    target: Id
    kind: Literal["mobility", "stability"]
    sides: Literal["both", "left", "right", "affected"] = "both"
    dose: Dose
    variants: list[Variant] = Field(min_length=1)
    too_far: str = Field(description="The cue that says you have gone too far.")
    easier: str = Field(description="What to do if it is too hard.")
    cautions: list[str] = []
    notes: list[str] = []

    def variant(self, variant_id: str) -> Variant:
        """A variant by id."""
        for v in self.variants:
            if v.id == variant_id:
                return v
        raise KeyError(variant_id)


class ExerciseLibrary(Strict):
    """All exercises, and household substitutes for equipment someone may not have."""

    version: str
    exercises: list[Exercise] = Field(min_length=1)
    substitutes: dict[Id, str] = {}

    def by_id(self) -> dict[str, Exercise]:
        """Exercises by id."""
        return {e.id: e for e in self.exercises}
