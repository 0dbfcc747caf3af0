"""The quiz loop, driven by a scripted asker: order, `when`, back, review, prefill, stopping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from kinecheck import api
from kinecheck.definitions.compiled import Definitions
from kinecheck.quiz.asking import BACK, Check, Intro, Prompt, ReviewRow, SaveChoice
from kinecheck.quiz.loop import Quiz, QuizStopped
from strategies import answer_sets

# A complete, valid set of answers; no self-tests, running so the hours question applies.
BASE: dict[str, Any] = {
    "age": 41,
    "knee_side": "left",
    "pain_level": 3,
    "pain_activities": ["stairs"],
    "recent_trauma": "no",
    "red_flags": ["none"],
    "current_injury": "no",
    "pain_source_known": "yes",
    "other_pain": ["none"],
    "sitting_hours": 9,
    "sports": ["running"],
    "running_cycling_hours": 3,
    "hips_feel_tight": "yes",
    "heel_days_per_week": 0,
    "ankle_sprains": 0,
    "ankle_gives_way": "no",
    "calves_feel_tight": "no",
    "self_tests": "no",
    "equipment": ["ball"],
    "floor_comfortable": "yes",
}


@pytest.fixture(scope="module")
def defs() -> Definitions:
    return api.load()


class Scripted:
    """An asker that answers from a script and records what it was shown.

    Each script step is a value, BACK, or a callable taking the prompt and returning either.
    Missing steps fall back to `fallback[question id]`; review answers come from `reviews`.
    """

    def __init__(
        self,
        steps: list[Any] | None = None,
        fallback: dict[str, Any] | None = None,
        reviews: list[str | None] | None = None,
    ) -> None:
        self.steps: Iterator[Any] = iter(steps or [])
        self.fallback = fallback if fallback is not None else BASE
        self.reviews = iter(reviews or [None])
        self.prompts: list[Prompt] = []
        self.said: list[str] = []
        self.review_rows: list[list[ReviewRow]] = []

    def start(self, intro: Intro) -> None:
        self.intro = intro

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, prompt: Prompt, check: Check) -> Any:
        self.prompts.append(prompt)
        step = next(self.steps, self.fallback.get(prompt.id, EOFError))
        if step is EOFError:
            raise EOFError
        if step is KeyboardInterrupt:
            raise KeyboardInterrupt
        return step(prompt) if callable(step) and step is not BACK else step

    def review(self, rows: list[ReviewRow]) -> str | None:
        self.review_rows.append(rows)
        return next(self.reviews, None)

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        return None

    def confirm_overwrite(self, path: str) -> bool:
        return False

    @property
    def asked(self) -> list[str]:
        return [p.id for p in self.prompts]


def test_questions_come_in_order_and_skip_those_that_do_not_apply(defs: Definitions) -> None:
    asker = Scripted()
    answers = Quiz(defs, asker).run()
    assert asker.asked == list(BASE)
    assert answers == BASE
    assert "chest_symptoms" not in asker.asked  # only after a swollen calf
    assert "knee_to_wall_left_cm" not in asker.asked  # only with self-tests


def test_a_swollen_calf_brings_the_chest_question(defs: Definitions) -> None:
    asker = Scripted(fallback={**BASE, "red_flags": ["calf_swelling"], "chest_symptoms": "no"})
    Quiz(defs, asker).run()
    assert asker.asked.index("chest_symptoms") == asker.asked.index("red_flags") + 1


def test_an_emergency_answer_is_announced_at_once_not_after_the_last_question(
    defs: Definitions,
) -> None:
    asker = Scripted(fallback={**BASE, "red_flags": ["calf_swelling"], "chest_symptoms": "yes"})
    Quiz(defs, asker).run()
    alerts = [i for i, text in enumerate(asker.said) if text.startswith("IMPORTANT:")]
    assert len(alerts) == 1, "said once, not again at every later answer"
    assert "emergency number" in asker.said[alerts[0]]
    assert "Ctrl-C" in asker.said[alerts[0]]


def test_no_emergency_alert_without_an_emergency(defs: Definitions) -> None:
    asker = Scripted(fallback={**BASE, "red_flags": ["calf_swelling"], "chest_symptoms": "no"})
    Quiz(defs, asker).run()
    assert not [text for text in asker.said if text.startswith("IMPORTANT:")]


def test_self_tests_show_their_steps_and_may_be_skipped(defs: Definitions) -> None:
    script = {
        **BASE,
        "self_tests": "yes",
        "knee_to_wall_left_cm": "8.5",
        "knee_to_wall_right_cm": None,
        "balance_left_s": None,
        "balance_right_s": "25",
        "thomas_test": "level",
    }
    asker = Scripted(fallback=script)
    answers = Quiz(defs, asker).run()
    shown = {p.id: p for p in asker.prompts}
    assert shown["knee_to_wall_left_cm"].instructions[0].startswith("Take your shoes")
    assert shown["knee_to_wall_left_cm"].optional
    assert answers["knee_to_wall_left_cm"] == 8.5
    assert answers["knee_to_wall_right_cm"] is None
    assert shown["self_tests"].new_section and not shown["knee_to_wall_left_cm"].new_section


def test_progress_counts_up_and_becomes_exact(defs: Definitions) -> None:
    asker = Scripted()
    Quiz(defs, asker).run()
    first, last = asker.prompts[0], asker.prompts[-1]
    assert first.progress_text.startswith("Question 1 of about ")
    assert [p.number for p in asker.prompts] == list(range(1, len(BASE) + 1))
    assert last.progress_text == f"Question {len(BASE)} of {len(BASE)}"


def test_back_returns_to_the_previous_question_with_its_answer_offered(
    defs: Definitions,
) -> None:
    # age, knee_side, then back at pain_level; knee_side is asked again and changed.
    asker = Scripted(steps=["41", "left", BACK, "right"])
    answers = Quiz(defs, asker).run()
    assert asker.asked[:5] == ["age", "knee_side", "pain_level", "knee_side", "pain_level"]
    assert asker.prompts[3].default == "left"
    assert answers["knee_side"] == "right"


def test_the_first_question_cannot_go_back(defs: Definitions) -> None:
    asker = Scripted(steps=[BACK, "41"])
    Quiz(defs, asker).run()
    assert not asker.prompts[0].can_go_back
    assert asker.asked[:2] == ["age", "age"]
    assert any("nothing to go back to" in s for s in asker.said)


def test_changing_an_earlier_answer_drops_answers_that_no_longer_apply(
    defs: Definitions,
) -> None:
    script = {**BASE, "red_flags": ["calf_swelling"], "chest_symptoms": "no"}
    # Answer up to chest_symptoms, then back twice to red_flags and say none.
    steps = [script[q] for q in list(BASE)[:6]] + ["no", BACK, BACK, ["none"]]
    asker = Scripted(steps=steps, fallback=script)
    answers = Quiz(defs, asker).run()
    assert "chest_symptoms" not in answers
    last_red_flags = len(asker.asked) - 1 - asker.asked[::-1].index("red_flags")
    assert "chest_symptoms" not in asker.asked[last_red_flags:]
    assert answers["red_flags"] == ["none"]


def test_the_review_lists_every_answer_in_words_and_can_change_one(defs: Definitions) -> None:
    # From the review, change sports to none: the running hours no longer apply.
    asker = Scripted(reviews=["sports", None])
    asker.fallback = dict(BASE)
    quiz = Quiz(defs, asker)

    original = asker.ask

    def ask(prompt: Prompt, check: Check) -> Any:
        if prompt.id == "sports" and asker.review_rows:
            asker.prompts.append(prompt)
            return ["none"]
        return original(prompt, check)

    asker.ask = ask  # type: ignore[method-assign]
    answers = quiz.run()
    first_review = {row.id: row for row in asker.review_rows[0]}
    assert first_review["knee_side"].answer == "My left knee"
    assert first_review["sitting_hours"].answer == "9 hours"
    assert first_review["red_flags"].answer == "None of these"
    assert answers["sports"] == ["none"]
    assert "running_cycling_hours" not in answers
    assert len(asker.review_rows) == 2
    changed = [p for p in asker.prompts if p.id == "sports"][-1]
    assert changed.default == ["running"] and changed.can_go_back


def test_back_from_a_change_returns_to_the_review_unchanged(defs: Definitions) -> None:
    asker = Scripted(reviews=["age", None])
    original = asker.ask
    calls = {"n": 0}

    def ask(prompt: Prompt, check: Check) -> Any:
        if prompt.id == "age":
            calls["n"] += 1
            if calls["n"] == 2:
                asker.prompts.append(prompt)
                return BACK
        return original(prompt, check)

    asker.ask = ask  # type: ignore[method-assign]
    answers = Quiz(defs, asker).run()
    assert answers == BASE


def test_an_answer_the_validator_refuses_is_asked_again_with_the_reason(
    defs: Definitions,
) -> None:
    asker = Scripted(steps=["200", "41"])
    answers = Quiz(defs, asker).run()
    assert asker.asked[:2] == ["age", "age"]
    assert any("between 5 and 120" in s for s in asker.said)
    assert answers["age"] == 41


def test_prefilled_answers_are_not_asked_again(defs: Definitions) -> None:
    prefill = {k: BASE[k] for k in ("age", "knee_side", "sitting_hours", "equipment")}
    asker = Scripted()
    answers = Quiz(defs, asker, prefill).run()
    assert not set(prefill) & set(asker.asked)
    assert answers == BASE


def test_ctrl_c_stops_with_the_answers_so_far(defs: Definitions) -> None:
    asker = Scripted(steps=["41", "both", KeyboardInterrupt])
    with pytest.raises(QuizStopped) as stop:
        Quiz(defs, asker).run()
    assert stop.value.reason == "interrupted"
    assert stop.value.answers == {"age": 41, "knee_side": "both"}


def test_end_of_input_stops_with_the_answers_so_far(defs: Definitions) -> None:
    asker = Scripted(steps=["41"], fallback={})
    with pytest.raises(QuizStopped) as stop:
        Quiz(defs, asker).run()
    assert stop.value.reason == "end_of_input"
    assert stop.value.answers == {"age": 41}


def test_prompts_carry_choices_ranges_and_help(defs: Definitions) -> None:
    quiz = Quiz(defs, Scripted())
    side = quiz.prompt_for("knee_side")
    assert side.kind == "single" and [o.id for o in side.options] == ["left", "right", "both"]
    flags = quiz.prompt_for("red_flags")
    assert {o.id for o in flags.options if o.exclusive} == {"none", "not_sure"}
    sitting = quiz.prompt_for("sitting_hours")
    assert (sitting.kind, sitting.range_text) == ("number", "0 to 24 hours")
    pain = quiz.prompt_for("pain_level")
    assert pain.whole and pain.min_label == "No pain"
    trauma = quiz.prompt_for("recent_trauma")
    assert [o.label for o in trauma.options] == ["Yes", "No", "Not sure"]
    assert trauma.help


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(api.load("knee-pain")))
def test_the_estimated_total_never_goes_up(answers: dict[str, Any]) -> None:
    defs = api.load("knee-pain")
    asker = Scripted(fallback=answers)
    Quiz(defs, asker).run()
    totals = [p.total for p in asker.prompts]
    assert totals == sorted(totals, reverse=True), f"the total went up: {totals}"
    assert [p.number for p in asker.prompts] == list(range(1, len(asker.prompts) + 1))
    assert totals[-1] >= len(asker.prompts)


def test_saying_yes_to_the_self_tests_does_not_raise_the_total(defs: Definitions) -> None:
    with_tests = {
        **BASE,
        "self_tests": "yes",
        "knee_to_wall_left_cm": "8.5",
        "knee_to_wall_right_cm": "11",
        "balance_left_s": "20",
        "balance_right_s": "25",
        "thomas_test": "level",
    }
    asker = Scripted(fallback=with_tests)
    Quiz(defs, asker).run()
    by_id = {p.id: p for p in asker.prompts}
    assert by_id["knee_to_wall_left_cm"].total <= by_id["self_tests"].total
