"""JSON Schemas generated from the models: the JSON report, and one questionnaire's answers file.

`report_schema()` is pydantic's schema of the `Report` models (serialization mode). Two
adjustments make it say what the serializer writes and what the contract promises: every field
is required (the report always writes every field, `null` or `[]` included), and objects allow
properties the schema does not list, since fields may be added within schema_version 1 and
readers ignore fields they do not know (docs/contract.md).

`answers_schema(defs)` walks the questions of a loaded questionnaire and gives each the values
`kinecheck.scoring.answers` accepts for it. What JSON Schema cannot say as the validator does
(a question asked only `when` a condition holds, text length after stripping) is written in the
descriptions, and tests/test_schema.py holds the schema and the validator together.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kinecheck.definitions.questionnaire import (
    Integer,
    MultiChoice,
    NumberBase,
    QuestionBase,
    Scale,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
)
from kinecheck.scoring.answers import allowed_text
from kinecheck.scoring.report import SCHEMA_VERSION, Report

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions

JsonSchema = dict[str, Any]

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# An optional question is skipped by leaving it out, by null, or by a blank string.
_SKIPPED: list[JsonSchema] = [{"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]
_NOTHING: JsonSchema = {"not": {}}  # no value is valid (a range no number can be in)


def report_schema() -> JsonSchema:
    """The JSON Schema (draft 2020-12) of the JSON report, schema_version 1."""
    from kinecheck.definitions.validators import validator

    generated: JsonSchema = validator(Report).json_schema(mode="serialization")
    for definition in [generated, *generated.get("$defs", {}).values()]:
        if definition.get("type") == "object" and "properties" in definition:
            definition["required"] = list(definition["properties"])
            if definition.get("additionalProperties") is False:
                del definition["additionalProperties"]
    # the wording for people is never written; `scores` only when the rules declare scores
    for field in ("wording", "scores"):
        generated["required"].remove(field)
    del generated["properties"]["wording"], generated["$defs"]["Wording"]
    scores = generated["properties"]["scores"]
    (listed,) = [s for s in scores["anyOf"] if s != {"type": "null"}]  # never null when there
    generated["properties"]["scores"] = {"title": scores["title"], **listed}
    version = generated["properties"]["schema_version"]
    version.pop("default", None)
    version["const"] = SCHEMA_VERSION
    generated.pop("title", None)
    generated.pop("description", None)
    return {
        "$schema": DRAFT,
        "title": f"kinecheck report (schema_version {SCHEMA_VERSION})",
        "description": (
            f"The JSON report kinecheck writes, schema_version {SCHEMA_VERSION}: the output of "
            "`kinecheck assess --format json`, of `kinecheck take --save report.json`, and each "
            "scored line of a JSON Lines batch (not the {line, errors} records that stand in for "
            "invalid lines). Generated from kinecheck's report models. Fields may be added "
            f"within schema_version {SCHEMA_VERSION}, so objects may hold properties not listed "
            "here: readers ignore fields they do not know."
        ),
        **generated,
    }


def answers_schema(defs: Definitions) -> JsonSchema:
    """The JSON Schema (draft 2020-12) of an answers file for one questionnaire.

    Every question is a property; `required` lists the questions that are always asked (no
    `when`) and are not optional. Unknown question ids are not allowed.
    """
    questionnaire = defs.questionnaire
    properties = {
        qid: _question_schema(q, _asked_when(defs, qid)) for qid, q in defs.questions.items()
    }
    required = [
        qid
        for qid, q in defs.questions.items()
        if qid not in defs.when and not q.optional and not q.only_for_plan
    ]
    return {
        "$schema": DRAFT,
        "title": f"kinecheck answers: {questionnaire.title}",
        "description": (
            f"An answers file for kinecheck's questionnaire '{questionnaire.id}' "
            f"(version {questionnaire.version}), as read by `kinecheck assess "
            f"{questionnaire.id} --answers FILE`: YAML or JSON mapping question ids to answers. "
            "Generated from the questionnaire. A question asked only when a condition holds is "
            "not listed as required, though kinecheck requires its answer when the condition "
            "holds, and ignores it (with a warning) when the condition does not hold."
        ),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _asked_when(defs: Definitions, question_id: str) -> str | None:
    """The condition a question is asked on, as written: its section's and its own."""
    parts = [
        text
        for text in (
            defs.questionnaire.section_of(question_id).when,
            defs.questions[question_id].when,
        )
        if text is not None
    ]
    return parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts) or None


def _question_schema(question: QuestionBase, when: str | None) -> JsonSchema:
    """The values kinecheck accepts for one question, with the question as its description."""
    words = [" ".join(question.prompt.split()), f"Answer: {allowed_text(question)}."]
    if isinstance(question, YesNo):
        words.append("true and false are read as yes and no.")
    if isinstance(question, MultiChoice):
        exclusive = [c.id for c in question.choices if c.exclusive]
        if exclusive:
            words.append(f"{' or '.join(exclusive)} must be the only choice picked.")
        words.append("A single choice id may be written without the list.")
    if question.optional:
        words.append("Optional: leave it out, or write null, to skip it.")
    if when is not None:
        then = "" if question.optional else "required then, "
        words.append(
            f"Asked only when {when}: {then}ignored (with a warning) otherwise; "
            "this schema does not check the condition."
        )
    if question.only_for_plan:
        words.append(
            "Only the exercise plan uses it: not asked, and ignored (with a warning), once the "
            "answers before it mean the plan is withheld; this schema does not check that."
        )
    alternatives = _value_schemas(question)
    if question.optional:
        alternatives = [*alternatives, *_SKIPPED]
    value = alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}
    return {"description": " ".join(words), **value}


def _value_schemas(question: QuestionBase) -> list[JsonSchema]:
    """The alternatives a (non-blank) answer may take."""
    if isinstance(question, NumberBase):
        return [_number_schema(question)]
    ids = choice_ids(question)
    if isinstance(question, YesNo):
        return [{"type": ["string", "boolean"], "enum": [*ids, True, False]}]
    if isinstance(question, SingleChoice):
        return [{"type": "string", "enum": ids}]
    if isinstance(question, MultiChoice):
        listed: JsonSchema = {
            "type": "array",
            "items": {"type": "string", "enum": ids},
            "minItems": 1,
            "uniqueItems": True,
        }
        exclusive = [c.id for c in question.choices if c.exclusive]
        if exclusive:  # an exclusive choice stands alone
            listed["if"] = {"contains": {"enum": exclusive}}
            listed["then"] = {"maxItems": 1}
        return [listed, {"type": "string", "enum": ids}]
    if isinstance(question, Text):
        text: JsonSchema = {"type": "string", "maxLength": max(question.max_length, 0)}
        if not question.optional:
            text["pattern"] = r"\S"  # a blank answer is no answer
        return [text]
    raise TypeError(f"no schema for question type {type(question).__name__}")


def _number_schema(question: NumberBase) -> JsonSchema:
    """A number (whole for integer and scale) in the closed range [min, max]."""
    low, high = question.min, question.max
    if math.isnan(low) or math.isnan(high) or low == math.inf or high == -math.inf:
        return dict(_NOTHING)  # no finite number is in such a range
    schema: JsonSchema = {"type": "integer" if isinstance(question, Integer | Scale) else "number"}
    if math.isfinite(low):
        schema["minimum"] = _plain(low)
    if math.isfinite(high):
        schema["maximum"] = _plain(high)
    return schema


def _plain(x: float) -> int | float:
    """5.0 as 5, so the schema reads as the questionnaire was written."""
    return int(x) if float(x).is_integer() else x
