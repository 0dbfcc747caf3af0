"""Rule sets: scores, findings from point rows, referral reasons, plan status, exercise choice.

Every `when` is a condition in the language of `kinecheck.definitions.conditions`, checked at
load time. Every part but the disclaimer is optional, so one engine serves an outcome measure
(only scores), a screening (only referral reasons) and a full self-check alike.
"""

from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal

from kinecheck.definitions.base import Check, Id, Strict, model
from kinecheck.definitions.questionnaire import Better, QuestionnaireId, RealChange

Said = Annotated[str, Check(strip_whitespace=True, min_length=1)]
FindingLevel = Literal["likely", "possible"]
ReferralLevel = Literal["none", "routine", "soon", "urgent", "emergency"]
REFERRAL_ORDER: tuple[ReferralLevel, ...] = ("none", "routine", "soon", "urgent", "emergency")
PlanStatus = Literal["ready", "after_clearance", "withheld"]


@model
class PointRow(Strict):
    """Points a finding earns when its condition holds, with the reason shown as evidence."""

    when: str
    points: Annotated[int, Check(ge=1, le=100)]
    because: str
    question: Id | None = None  # shown as evidence; default: the first the condition names


@model
class Cap(Strict):
    """An upper bound on a finding's level (a normal measured test outranks reported hunches)."""

    when: str
    max_level: FindingLevel
    because: str


@model
class Thresholds(Strict):
    """Scores at which a finding becomes possible and likely."""

    possible: Annotated[int, Check(ge=1)] = 1
    likely: Annotated[int, Check(ge=1)] = 3

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        if self.likely < self.possible:
            raise ValueError("'likely' must be at least 'possible'")


@model
class Note(Strict):
    """A remark shown with a finding, only `when` it applies (say, once a self-test was done)."""

    text: Said
    when: str | None = None


@model
class Finding(Strict):
    """A likely contributor to the problem, never a diagnosis."""

    id: Id
    title: str
    # what the report says at each level, phrased as a possible contributor
    statement: dict[FindingLevel, str]
    thresholds: Thresholds = field(default_factory=Thresholds)
    points: Annotated[list[PointRow], Check(min_length=1)]
    caps: list[Cap] = field(default_factory=list)
    exercises: list[Id] = field(default_factory=list)
    notes: list[str | Note] = field(default_factory=list)  # a plain string: always shown

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        missing = {"likely", "possible"} - set(self.statement)
        if missing:
            raise ValueError(f"statement needs a sentence for: {', '.join(sorted(missing))}")


@model
class Reason(Strict):
    """One reason to see a professional, with how urgently."""

    id: Id
    when: str
    level: Literal["routine", "soon", "urgent", "emergency"]
    message: str


@model
class LevelAdvice(Strict):
    """What the report says at the top for a referral level."""

    title: str
    message: str


@model
class Referral(Strict):
    """Reasons to be checked, and what to do at each level."""

    levels: dict[ReferralLevel, LevelAdvice]
    reasons: list[Reason] = field(default_factory=list)
    # The `none` advice ("you are cleared") heads every human report unless this is false:
    # rules whose findings speak for the none case may keep it to the JSON and the summary.
    show_none: bool = True

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        missing = [lvl for lvl in REFERRAL_ORDER if lvl not in self.levels]
        if missing:
            raise ValueError(f"levels needs advice for: {', '.join(missing)}")


@model
class StatusRule(Strict):
    """A plan status that applies when its condition holds; the first that holds wins."""

    status: Literal["after_clearance", "withheld"]
    when: str


@model
class VariantChoice(Strict):
    """Use this variant of an exercise when the condition holds (no condition: the fallback)."""

    variant: Id
    when: str | None = None


@model
class Plan(Strict):
    """How the exercise plan is gated and how each exercise's variant is chosen."""

    status: list[StatusRule] = field(default_factory=list)
    status_messages: dict[PlanStatus, str]
    empty_message: str | None = None  # said instead of the status message when no exercise
    equipment_question: Id | None = None  # the multiple choice question on equipment owned
    variants: dict[Id, list[VariantChoice]] = field(default_factory=dict)


@model
class Missing(Strict):
    """How many items of a score may be unanswered, and whether a sum makes up for them."""

    max: Annotated[int, Check(ge=0)] = 0
    prorate: bool = False  # a sum is scaled by all items' weight over the answered items'


@model
class Rescale(Strict):
    """`value * multiply + add`, after the method and prorating (KOOS: -25, 100)."""

    multiply: float = 1
    add: float = 0


@model
class Range(Strict):
    """The lowest and highest value a score can take; `validate` recomputes both."""

    min: float
    max: float

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not be greater than max ({self.max})")


@model
class Band(Strict):
    """Words for the values up to `max` (inclusive) that no earlier band took."""

    max: float
    label: Said


ScoreMethod = Literal["sum", "mean", "weighted_sum"]
MAX_DECIMALS = 6  # more than any instrument publishes; keeps rounding exact and quick


@model
class Score(Strict):
    """A number computed from a list of items: a total, a mean, a subscale."""

    id: Id
    title: Said
    items: Annotated[list[Id], Check(min_length=1)]
    method: ScoreMethod
    weights: dict[Id, Annotated[float, Check(gt=0)]] = field(default_factory=dict)
    reverse: list[Id] = field(default_factory=list)
    missing: Missing = field(default_factory=Missing)
    rescale: Rescale | None = None
    decimals: Annotated[int, Check(ge=0, le=MAX_DECIMALS)] = 0
    range: Range
    bands: list[Band] = field(default_factory=list)
    # how a re-assessment reads a change in the score, as for a number question
    smallest_real_change: RealChange | None = None
    better: Better | None = None


@model
class RuleSet(Strict):
    """Everything that turns one questionnaire's answers into a report."""

    id: Id | str
    version: str
    questionnaire: QuestionnaireId  # an id, never a path
    # its path, relative to this file and inside this file's folder (`guards` checks it);
    # None: exercises.yaml beside this file, needed only when something names an exercise
    exercise_library: str | None = None
    disclaimer: Said  # not medical advice; shown in every report
    stop_rule: Said | None = None  # when to stop an exercise; required with a plan
    # the heading of Markdown and HTML reports (default: the questionnaire's title), and the
    # HTML page's own title, as a browser tab shows it (default: the heading)
    report_title: Said | None = None
    page_title: Said | None = None
    scores: list[Score] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    no_findings_message: Said | None = None  # said when findings are declared and none fired
    referral: Referral | None = None  # none: the level is always `none`
    plan: Plan | None = None

    @property
    def library_path(self) -> str:
        """Where the exercise library is, relative to this file."""
        return self.exercise_library or DEFAULT_LIBRARY

    def names_exercises(self) -> bool:
        """True when a finding or a variant rule names an exercise: then a library is needed."""
        return any(f.exercises for f in self.findings) or bool(self.plan and self.plan.variants)


DEFAULT_LIBRARY = "exercises.yaml"
