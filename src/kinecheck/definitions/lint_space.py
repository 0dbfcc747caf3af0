"""Every answer set a questionnaire allows, as the few sets a condition can tell apart.

Each question a condition names is cut into representatives (`lint_answers`): the values the
condition, and the `when`s it depends on, can tell apart. Over these the truth of a comparison
never changes within one set, so trying every combination (`LIMIT` at most) decides the
condition exactly (`lint_values`).

Answers are taken as they can occur: a question is answered only where its `when` can hold
for the answers before it, which are tried too, so a follow-up asked only after a 'yes' is
never combined with a 'no', and a question not asked has no answer. Where the combinations are
too many, each question named is taken on its own, with every value it may have, which is
coarser but still never wrong.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.conditions import Condition
from kinecheck.definitions.lint_answers import (
    is_word,
    may_skip,
    merged,
    no_answer,
    regions,
    representatives,
)
from kinecheck.definitions.lint_values import (
    BOTH,
    NO_NUMBER,
    Evaluator,
    Num,
    Unsure,
    Value,
    Words,
)
from kinecheck.definitions.questionnaire import Text, choice_ids
from kinecheck.definitions.rules import REFERRAL_ORDER
from kinecheck.definitions.rules_check import FINDING_VALUES

# The name plan status rules give the referral level (`rules_check`).
REFERRAL_LEVEL = "referral_level"

# What deciding may raise part way: the conditions are then left undecided.
UNDECIDED = (Unsure, RecursionError, ArithmeticError)
LIMIT = 100_000  # combinations of answers tried for one condition at most
BUDGET = 300_000  # ... and for all the conditions of one set of definitions together
Env = dict[str, Value]


@dataclass(frozen=True)
class Read:
    """What the conditions being decided quote: their names, text and numbers."""

    names: frozenset[str]
    texts: frozenset[str]
    numbers: frozenset[float]
    counts: frozenset[str]  # the values `count('...')` counts


def parse(source: str) -> ast.expr:
    """The tree of a condition that compiled (so it parses)."""
    return ast.parse(source, mode="eval").body


def parse_when(text: str) -> ast.expr | None:
    """The tree of a `when` as written in a file (it compiled); None if it does not parse."""
    try:
        return parse(" ".join(text.split()))
    except (SyntaxError, RecursionError, MemoryError):
        return None


def read(trees: Sequence[ast.AST]) -> Read:
    """Names, quoted values and numbers of some condition trees."""
    names: set[str] = set()
    texts: set[str] = set()
    numbers: set[float] = set()
    counts: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and not isinstance(node.value, bool):
                if isinstance(node.value, str):
                    texts.add(node.value)
                elif isinstance(node.value, int | float):
                    numbers.update((node.value, -node.value))  # `-5` is a minus and a 5
            elif isinstance(node, ast.Call) and _called(node) == "count":
                counts.update(
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
    return Read(frozenset(names), frozenset(texts), frozenset(numbers), frozenset(counts))


def _called(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else None


def compares_two_names(trees: Sequence[ast.AST], words: frozenset[str]) -> bool:
    """True when a choice is compared with another choice (not with a quoted id).

    Representatives stand for the values no condition quotes, which could then be equal or
    not: such a condition is left undecided.
    """
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                for left, right in itertools.pairwise(sides):
                    both = (left, right)
                    if all(isinstance(s, ast.Name) and s.id in words for s in both):
                        return True
    return False


class AnswerSpace:
    """Every answer set one set of definitions allows, for deciding conditions over it."""

    def __init__(self, defs: Definitions, limit: int = LIMIT) -> None:
        self.defs = defs
        self.limit = limit  # combinations tried one by one for one condition, at most
        self.budget = BUDGET
        self._trees: dict[str, ast.expr] = {}
        self._counted: dict[frozenset[str], set[str]] = {}

    def tree(self, condition: Condition) -> ast.expr:
        """A condition's tree, parsed once."""
        found = self._trees.get(condition.source)
        if found is None:
            found = self._trees[condition.source] = parse(condition.source)
        return found

    @cached_property
    def words(self) -> frozenset[str]:
        """The names whose value is a word: choices, texts, findings, the referral level."""
        out = {q for q, question in self.defs.questions.items() if is_word(question)}
        out.update(f.finding.id for f in self.defs.findings)
        out.add(REFERRAL_LEVEL)
        return frozenset(out)

    # -- deciding -------------------------------------------------------------------------------

    def outcomes(self, condition: Condition) -> frozenset[bool] | None:
        """The truth values the condition takes over every answer set; None: not decided."""
        return self.outcomes_of(self.tree(condition))

    def outcomes_of(self, tree: ast.AST) -> frozenset[bool] | None:
        """`outcomes` of a condition's tree."""
        seen: set[bool] = set()
        try:
            for env, counted in self.states([tree]):
                seen |= Evaluator(env, counted).truth(tree)
                if seen == BOTH:
                    break
        except UNDECIDED:
            return None
        return frozenset(seen) if seen else None

    def states(self, trees: Sequence[ast.AST]) -> Iterator[tuple[Env, Sequence[str]]]:
        """Abstract answer sets covering every real one, for the names the trees use.

        Each set comes with the questions `count()` counts in it. Where the combinations are
        more than the limit (or the budget left), they are fewer and coarser, never fewer
        answers. Yields nothing when a choice is compared with another choice, and may raise
        one of `UNDECIDED` part way: the caller then knows nothing (a part of the sets is not a
        part of the answer).
        """
        questions = self.defs.questions
        names, closure, whens = self._reach(trees)
        analysed = [*trees, *whens.values()]
        if compares_two_names(analysed, self.words):
            return
        quoted = read(analysed)
        asked = closure if closure is not None else {n for n in names if n in questions}
        options = {q: representatives(questions[q], quoted.texts, quoted.numbers) for q in asked}
        free = {n: self._free(n, quoted) for n in sorted(names - asked) if n not in questions}
        free = {n: v for n, v in free.items() if v}
        counted = tuple(q for q in asked if is_word(questions[q]))
        size = math.prod(len(v) + 1 for v in options.values())
        size *= math.prod(len(v) for v in free.values())
        if closure is not None and size <= min(self.limit, self.budget):
            order = sorted(closure, key=self.defs.position.__getitem__)
            for env in self._walk(order, options, whens, {}):
                for combo in itertools.product(*free.values()):
                    self.budget -= 1
                    yield {**env, **dict(zip(free, combo, strict=True))}, counted
            return
        yield from self._independent(names, options, free, counted)

    def quoted(self, trees: Sequence[ast.AST]) -> frozenset[str]:
        """The quoted values `states` cuts choices by: those of the trees and the `when`s."""
        _, _, whens = self._reach(trees)
        return read([*trees, *whens.values()]).texts

    def _reach(
        self, trees: Sequence[ast.AST]
    ) -> tuple[set[str], set[str] | None, dict[str, ast.AST]]:
        """The names the trees use, the questions they depend on, and those questions' `when`s.

        The names include the questions a `count(...)` counts. The questions depended on are
        None when they are too many to try every combination of (each at least doubles them).
        """
        direct = read(trees)
        names = set(direct.names) | self._counted_questions(direct.counts)
        closure, whens = self._closure(names, most=int(math.log2(max(self.limit, 1))))
        return names, closure, whens

    def _independent(
        self,
        names: set[str],
        options: dict[str, list[Value]],
        free: dict[str, list[Value]],
        counted: Sequence[str],
    ) -> Iterator[tuple[Env, Sequence[str]]]:
        """Each named value on its own, with every value it may take.

        As many are tried one by one as fit in the limit; the rest as one set of values each.
        """
        questions = self.defs.questions
        each: dict[str, list[Value]] = dict(free)
        for name in names & set(options):
            nothing = no_answer(questions[name])
            conditional = name in self.defs.when or may_skip(questions[name])
            each[name] = options[name] + ([nothing] if conditional else [])
        counted = tuple(n for n in counted if n in each)
        one_by_one: list[str] = []
        size = 1
        for name in sorted(each, key=lambda n: len(each[n])):
            if size * len(each[name]) > min(self.limit, self.budget):
                break
            one_by_one.append(name)
            size *= len(each[name])
        together = {n: merged(v) for n, v in each.items() if n not in one_by_one}
        for combo in itertools.product(*(each[n] for n in one_by_one)):
            self.budget -= 1
            yield {**together, **dict(zip(one_by_one, combo, strict=True))}, counted

    def _walk(
        self,
        order: list[str],
        options: dict[str, list[Value]],
        whens: dict[str, ast.AST],
        env: Env,
    ) -> Iterator[Env]:
        """Answer sets in questionnaire order.

        A question is answered only where its `when` may hold on the answers before it, and
        has no answer where it may not.
        """
        if not order:
            yield dict(env)
            return
        qid, rest = order[0], order[1:]
        question = self.defs.questions[qid]
        when = whens.get(qid)
        if when is not None:
            asked = Evaluator(env).truth(when)
        elif qid in self.defs.when:  # its `when` counts answers: either may happen
            asked = BOTH
        else:
            asked = frozenset({True})
        values: list[Value] = list(options[qid]) if True in asked else []
        if False in asked or (True in asked and may_skip(question)):
            values.append(no_answer(question))
        for value in values:
            env[qid] = value
            yield from self._walk(rest, options, whens, env)
        env.pop(qid, None)

    # -- what each name may be ------------------------------------------------------------------

    def _counted_questions(self, counts: frozenset[str]) -> set[str]:
        """The questions `count(...)` of these values may count: with such a choice, or text."""
        if not counts:
            return set()
        found = self._counted.get(counts)
        if found is None:
            found = self._counted[counts] = {
                q
                for q, question in self.defs.questions.items()
                if isinstance(question, Text) or counts & set(choice_ids(question))
            }
        return found

    def _closure(self, names: set[str], most: int) -> tuple[set[str] | None, dict[str, ast.AST]]:
        """The questions named, and those their `when`s name, down to questions asked always.

        (None, {}) once they are more than `most`: too many to walk.
        """
        questions = self.defs.questions
        closure: set[str] = set()
        whens: dict[str, ast.AST] = {}
        todo = [n for n in names if n in questions]
        while todo:
            qid = todo.pop()
            if qid in closure:
                continue
            closure.add(qid)
            if len(closure) > most:
                return None, {}
            when = self.defs.when.get(qid)
            if when is None:
                continue
            tree = self.tree(when)
            if read([tree]).counts:
                continue  # it counts answers as they come: taken as "may or may not hold"
            whens[qid] = tree
            todo.extend(n for n in when.names if n in questions)
        return closure, whens

    def _free(self, name: str, quoted: Read) -> list[Value]:
        """A score, a finding's level or the referral level: every value it may have."""
        for compiled in self.defs.scores:
            score = compiled.score
            if score.id == name:
                low, high = score.range.min, score.range.max
                may_miss = self._may_miss(score.items)
                if may_miss and score.missing.max:  # a mean or prorated sum of some items
                    low, high = -math.inf, math.inf  # may leave the range of complete answers
                spans = regions(low, high, quoted.numbers, whole=False)
                unscored = len(may_miss) > score.missing.max or len(may_miss) == len(score.items)
                values: list[Value] = [Num(s, False) for s in spans]
                return values + ([NO_NUMBER] if unscored else [])
        if any(f.finding.id == name for f in self.defs.findings):
            return [Words(frozenset({level})) for level in sorted(FINDING_VALUES)]
        if name == REFERRAL_LEVEL:
            return [Words(frozenset({level})) for level in REFERRAL_ORDER]
        return []  # `true` and `false`

    def _may_miss(self, items: Sequence[str]) -> list[str]:
        """The items of a score that may go unanswered."""
        questions = self.defs.questions
        return [i for i in items if i in self.defs.when or may_skip(questions[i])]
