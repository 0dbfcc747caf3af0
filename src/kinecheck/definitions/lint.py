"""`kinecheck validate` as a linter: rules that can never fire, or always do, and dead parts.

Loading proves that every id, name and type in the definitions is right; the linter asks
what they *do* over every answer set the questionnaire allows (`lint_space`): a question that
can never be asked, a section none of whose questions can be, a point row, cap, note,
referral reason, plan status rule or variant that can never apply or always applies, a
finding with no exercise where the rules give a plan, a score whose items can never all be
asked, and an exercise no finding names (`lint_library`).

It claims "never" or "always" only when it is certain: the answer space is enumerated where it
is small and reasoned over where it is not (`lint_values`), and a condition it cannot decide
is passed over in silence. Each problem names the file, line and field to edit, says what is
wrong and how to fix it, and is an error (the definitions cannot be meant that way: validate
fails) or a warning (probably a mistake: validate fails with --strict).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kinecheck.definitions import yamlsource
from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.conditions import Condition
from kinecheck.definitions.lint_library import unused_exercises
from kinecheck.definitions.lint_space import UNDECIDED, AnswerSpace, parse_when, read
from kinecheck.definitions.lint_values import FALSE, TRUE, Evaluator
from kinecheck.definitions.questionnaire import NumberBase, choice_ids
from kinecheck.errors import Problem, Severity
from kinecheck.numbers import number_text

Loc = tuple[str | int, ...]
SHOWN_CONDITION = 100  # characters of a condition quoted in a message
SHOWN_CHOICES = 8  # a question's choices listed in a hint, at most
SHOWN_FACTS = 4  # questions described in a hint, at most
FIX_CONDITION = "fix the numbers or choice ids it compares, or remove it"
FIX_WHEN = "fix the condition, or remove the when"


@dataclass(frozen=True)
class LintFiles:
    """The files the definitions were read from, with their lines, for the problems' places."""

    questionnaire: yamlsource.Source
    rules: yamlsource.Source
    library: yamlsource.Source | None


def files_of(defs: Definitions, questionnaire: Path, rules: Path) -> LintFiles:
    """The definitions' own bytes read again for their lines, named by the paths given."""
    library = None
    if defs.sources.library is not None:
        library_path = rules.parent / defs.rules.library_path
        library = yamlsource.parse(defs.sources.library, library_path)
    return LintFiles(
        yamlsource.parse(defs.sources.questionnaire, questionnaire),
        yamlsource.parse(defs.sources.rules, rules),
        library,
    )


def lint(defs: Definitions, files: LintFiles) -> list[Problem]:
    """Everything the linter finds in one questionnaire with its rules, in file order."""
    linter = _Linter(defs, files)
    linter.questions()
    linter.findings()
    linter.reasons()
    linter.plan()
    linter.scores()
    if files.library is not None:
        linter.problems += unused_exercises(defs, files.rules.path, files.library)
    return sorted(linter.problems, key=lambda p: (p.file or "", p.line or 0))


class _Linter:
    def __init__(self, defs: Definitions, files: LintFiles) -> None:
        self.defs, self.files = defs, files
        self.space = AnswerSpace(defs)
        self.problems: list[Problem] = []
        self.never_asked: set[str] = set()

    def report(
        self,
        source: yamlsource.Source,
        loc: Loc,
        severity: Severity,
        message: str,
        hint: str | None = None,
    ) -> None:
        self.problems.append(replace(source.problem(loc, message, hint), severity=severity))

    # -- questions and sections -----------------------------------------------------------------

    def questions(self) -> None:
        """Questions that can never be asked; a section none of whose questions can be."""
        source = self.files.questionnaire
        for si, section in enumerate(self.defs.questionnaire.sections):
            dead = [
                q.id
                for q in section.questions
                if self._decidable_when(q.id) and self.space.outcomes(self.defs.when[q.id]) == FALSE
            ]
            self.never_asked.update(dead)
            if not dead:
                continue
            own = parse_when(section.when) if section.when else None
            decidable = own is not None and not read([own]).counts
            if section.when and own and decidable and self.space.outcomes_of(own) == FALSE:
                self.report(
                    source,
                    ("sections", si, "when"),
                    "error",
                    f"no question of section '{section.id}' can ever be asked: no answers to "
                    f"the questions before it make its when {_quoted(section.when)} true",
                    self._names_hint(_names(own), FIX_WHEN),
                )
                continue
            if len(dead) == len(section.questions):
                self.report(
                    source,
                    ("sections", si, "id"),
                    "error",
                    f"no question of section '{section.id}' can ever be asked: the when of "
                    "each of them never holds (each is listed below)",
                    "check the conditions, or remove the section",
                )
            for qi, question in enumerate(section.questions):
                if question.id in dead:
                    when = self.defs.when[question.id]
                    together = " (joined to its section's)" if section.when else ""
                    self.report(
                        source,
                        ("sections", si, "questions", qi, "when"),
                        "error",
                        f"'{question.id}' can never be asked: no answers to the questions "
                        f"before it make its when{together} {_shown(when)} true",
                        self._names_hint(when.names, FIX_WHEN),
                    )

    def _decidable_when(self, question_id: str) -> bool:
        """True when a question has a `when` that counts no answers.

        `count(...)` in a `when` counts only the answers given before the question, which the
        answer sets tried here do not follow: such a question is taken as possibly asked.
        """
        when = self.defs.when.get(question_id)
        return when is not None and not read([self.space.tree(when)]).counts

    # -- rules ----------------------------------------------------------------------------------

    def decide(
        self,
        loc: Loc,
        condition: Condition,
        never: tuple[Severity, str] | None,
        always: tuple[Severity, str, str] | None,
    ) -> None:
        """Report a condition of the rules that never holds, or always does (when asked to)."""
        found = self.space.outcomes(condition)
        rules = self.files.rules
        if found == FALSE and never is not None:
            severity, what = never
            message = (
                f"{what}: no answer set the questionnaire allows makes {_shown(condition)} true"
            )
            self.report(rules, loc, severity, message, self._names_hint(condition.names))
        elif found == TRUE and always is not None:
            severity, what, hint = always
            message = (
                f"{what}: every answer set the questionnaire allows makes {_shown(condition)} true"
            )
            self.report(rules, loc, severity, message, hint)

    def findings(self) -> None:
        """Point rows, caps and notes that never apply (or rows and caps that always do)."""
        for fi, compiled in enumerate(self.defs.findings):
            finding = compiled.finding
            floc: Loc = ("findings", fi)
            for ri, row in enumerate(compiled.rows):
                self.decide(
                    (*floc, "points", ri, "when"),
                    row.condition,
                    ("error", "this point row can never fire"),
                    (
                        "warning",
                        f"this point row always fires, giving everyone {row.points} "
                        f"point{'s' if row.points != 1 else ''} of '{finding.id}'",
                        "check its condition; to give every person points, lower the "
                        "thresholds instead",
                    ),
                )
            for ci, cap in enumerate(compiled.caps):
                if not cap.lowers_to_possible:
                    continue  # a cap at 'likely' lowers nothing, whatever its condition
                self.decide(
                    (*floc, "caps", ci, "when"),
                    cap.condition,
                    ("error", "this cap can never apply"),
                    (
                        "warning",
                        f"this cap always applies, so '{finding.id}' can never be likely",
                        "check its condition, or raise the 'likely' threshold instead",
                    ),
                )
            for ni, note in enumerate(compiled.notes):
                if note.condition is not None:
                    self.decide(
                        (*floc, "notes", ni, "when"),
                        note.condition,
                        ("warning", "this note can never be shown"),
                        None,
                    )
            if self.defs.rules.plan is not None and not finding.exercises:
                self.report(
                    self.files.rules,
                    (*floc, "id"),
                    "warning",
                    f"finding '{finding.id}' names no exercise, so the plan never has one for it",
                    "list its exercises (exercises: [...]), from the exercise library",
                )

    def reasons(self) -> None:
        """Referral reasons that never fire, or fire for everyone."""
        referral = self.defs.rules.referral
        if referral is None:
            return
        for ri, compiled in enumerate(self.defs.reasons):
            reason = compiled.reason
            self.decide(
                ("referral", "reasons", ri, "when"),
                compiled.condition,
                ("error", f"referral reason '{reason.id}' can never fire"),
                (
                    "warning",
                    f"referral reason '{reason.id}' fires for everyone, so every report is "
                    f"at least {reason.level}",
                    "check its condition",
                ),
            )

    def plan(self) -> None:
        """Plan status rules and variant choices that never apply, or always do."""
        plan = self.defs.rules.plan
        if plan is None:
            return
        for si, compiled in enumerate(self.defs.status):
            status = compiled.rule.status
            self.decide(
                ("plan", "status", si, "when"),
                compiled.condition,
                ("error", f"this plan status rule ({status}) can never apply"),
                (
                    "warning",
                    f"this plan status rule always applies: every plan is {status}",
                    "check its condition",
                ),
            )
        for exercise_id, choices in self.defs.variants.items():
            for vi, choice in enumerate(choices):
                if choice.condition is None:
                    continue
                later = [c.variant for c in choices[vi + 1 :]]
                self.decide(
                    ("plan", "variants", exercise_id, vi, "when"),
                    choice.condition,
                    ("warning", f"variant '{choice.variant}' of '{exercise_id}' is never chosen"),
                    (
                        "warning",
                        f"variant '{choice.variant}' of '{exercise_id}' is chosen for every "
                        f"answer set, so {_listed(later)} never "
                        + ("is" if len(later) == 1 else "are"),
                        "remove its when (and the variants after it), or check the condition",
                    ),
                )

    # -- scores ---------------------------------------------------------------------------------

    def scores(self) -> None:
        """A score whose items can never all be asked (and so, perhaps, never scored)."""
        for si, compiled in enumerate(self.defs.scores):
            score = compiled.score
            items = [i for i in score.items if self._decidable_when(i)]
            fewest = self._fewest_unasked(items)
            if not fewest:
                continue
            most = score.missing.max
            never_scored = fewest > most or fewest == len(score.items)
            message = (
                f"the items of score '{score.id}' can never all be asked: in every answer set "
                f"at least {fewest} of them {'is' if fewest == 1 else 'are'} not asked"
            )
            if never_scored:
                message += f", and at most {most} may be missing, so it is never scored"
            self.report(
                self.files.rules,
                ("scores", si, "items"),
                "error" if never_scored else "warning",
                message,
                "check the when of its items " + _listed(items[:6]),
            )

    def _fewest_unasked(self, items: Sequence[str]) -> int | None:
        """The fewest of these conditional items left unasked by any answer set; None: unsure."""
        if not items:
            return 0
        trees = [self.space.tree(self.defs.when[i]) for i in items]
        fewest: int | None = None
        try:
            for env, _ in self.space.states(trees):
                evaluator = Evaluator(env)
                unasked = sum(evaluator.truth(t) == FALSE for t in trees)
                fewest = unasked if fewest is None else min(fewest, unasked)
                if fewest == 0:
                    break
        except UNDECIDED:
            return None
        return fewest

    # -- words ----------------------------------------------------------------------------------

    def _names_hint(self, names: Iterable[str], fix: str = FIX_CONDITION) -> str:
        """What the questions a condition names can be, then how to fix it."""
        questions = self.defs.questions
        parts: list[str] = []
        for name in list(dict.fromkeys(names)):
            question = questions.get(name)
            if question is None:
                continue
            if name in self.never_asked:
                parts.append(f"'{name}' is never asked")
                continue
            if isinstance(question, NumberBase):
                what = f"{name} is {number_text(question.min)} to {number_text(question.max)}"
            elif 0 < len(choice_ids(question)) <= SHOWN_CHOICES:
                what = f"{name} is one of {', '.join(choice_ids(question))}"
            else:
                continue
            when = self.defs.when.get(name)
            if when is not None:
                what += f", asked only when {_shown(when)}"
            parts.append(what)
        return "; ".join([*parts[:SHOWN_FACTS], fix])


def _shown(condition: Condition) -> str:
    return _quoted(condition.source)


def _quoted(text: str) -> str:
    """A condition in a message: in double quotes, cut short when long."""
    text = " ".join(text.split())
    if len(text) > SHOWN_CONDITION:
        text = text[: SHOWN_CONDITION - 3] + "..."
    return f'"{text}"'


def _listed(ids: Sequence[str]) -> str:
    quoted = [f"'{i}'" for i in ids]
    if len(quoted) <= 1:
        return "".join(quoted) or "no other variant"
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _names(tree: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]


__all__ = ["LintFiles", "files_of", "lint"]
