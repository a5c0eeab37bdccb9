"""Checking a respondent's raw answers against a definition.

Raw answers arrive as strings per field (an HTML form or a decoded JSON body); this
turns them into typed answer values, or reports every field that is wrong with a
machine-readable reason the web layer words in the respondent's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import msgspec

from instruments.errors import InstrumentError
from instruments.model import Instrument, Question, Scale
from instruments.relevance import relevant_codes

__all__ = ["AnswerValue", "AnswersError", "FieldProblem", "check_answers", "choice_values"]

# Plain ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")

ProblemCode = Literal[
    "required", "choice", "too_long", "unknown", "malformed", "not_relevant", "too_many"
]


class AnswerValue(msgspec.Struct, frozen=True):
    """One checked answer, ready to store."""

    item_code: str
    value: int | None = None
    text: str | None = None
    satisfied: bool | None = None


class FieldProblem(msgspec.Struct, frozen=True):
    """What is wrong with one field."""

    field: str
    code: ProblemCode


class AnswersError(InstrumentError):
    """Some answers cannot be accepted; ``problems`` names every field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))


def _scale_answer(code: str, raw: Sequence[str], scale: Scale) -> AnswerValue | FieldProblem:
    if len(raw) != 1:
        return FieldProblem(code, "malformed")
    try:
        value = int(raw[0])
    except ValueError:
        return FieldProblem(code, "choice")
    if scale.not_applicable is not None and value == scale.not_applicable.value:
        return AnswerValue(code, value=value, satisfied=None)
    if value not in {p.value for p in scale.points}:
        return FieldProblem(code, "choice")
    return AnswerValue(code, value=value, satisfied=value in scale.satisfied)


def _question_answers(
    question: Question, raw: Sequence[str], instrument: Instrument
) -> list[AnswerValue] | FieldProblem:
    code = question.code
    if question.kind == "scale":
        assert question.scale is not None  # guaranteed by the loader's checks
        answer = _scale_answer(code, raw, instrument.scale(question.scale))
        return [answer] if isinstance(answer, AnswerValue) else answer
    if question.kind == "text":
        if len(raw) != 1:
            return FieldProblem(code, "malformed")
        # NUL is no character anyone types, and PostgreSQL refuses it in text columns.
        text = unicodedata.normalize("NFC", raw[0].replace("\x00", "")).strip()
        if len(text) > question.max_length:
            return FieldProblem(code, "too_long")
        return [AnswerValue(code, text=text)] if text else []
    allowed = {o.value for o in question.options}
    if question.kind == "single" and len(raw) != 1:
        return FieldProblem(code, "malformed")
    try:
        values = sorted({int(v) for v in raw})
    except ValueError:
        return FieldProblem(code, "choice")
    if not set(values) <= allowed:
        return FieldProblem(code, "choice")
    if question.max_choices is not None and len(values) > question.max_choices:
        return FieldProblem(code, "too_many")
    return [AnswerValue(code, value=v) for v in values]


def _present(raw: Sequence[str]) -> bool:
    return any(v.strip() for v in raw)


def choice_values(raw: Mapping[str, Sequence[str]]) -> dict[str, list[int]]:
    """Return the whole-number answers in ``raw`` (what relevance conditions look at)."""
    values: dict[str, list[int]] = {}
    for code, strings in raw.items():
        numbers = [int(v) for v in strings if _WHOLE_NUMBER.fullmatch(v.strip())]
        if numbers:
            values[code] = numbers
    return values


def _check_items(
    instrument: Instrument, raw: Mapping[str, Sequence[str]], asked: set[str]
) -> tuple[list[AnswerValue], list[FieldProblem]]:
    answers: list[AnswerValue] = []
    problems: list[FieldProblem] = []
    for item in instrument.items():
        if item.code not in asked:
            continue
        values = [v for v in raw.get(item.code, ()) if v.strip()]
        if not values:
            if item.required:
                problems.append(FieldProblem(item.code, "required"))
            continue
        answer = _scale_answer(item.code, values, instrument.scale(item.scale))
        if isinstance(answer, AnswerValue):
            answers.append(answer)
        else:
            problems.append(answer)
    return answers, problems


def _check_questions(
    instrument: Instrument, raw: Mapping[str, Sequence[str]], asked: set[str]
) -> tuple[list[AnswerValue], list[FieldProblem]]:
    answers: list[AnswerValue] = []
    problems: list[FieldProblem] = []
    for question in instrument.questions:
        if question.code not in asked:
            continue
        values = list(raw.get(question.code, ()))
        if not _present(values):
            if question.required:
                problems.append(FieldProblem(question.code, "required"))
            continue
        if question.kind != "text":
            values = [v for v in values if v.strip()]
        result = _question_answers(question, values, instrument)
        if isinstance(result, FieldProblem):
            problems.append(result)
        else:
            answers.extend(result)
    return answers, problems


def check_answers(
    instrument: Instrument,
    raw: Mapping[str, Sequence[str]],
    only: Collection[str] | None = None,
) -> list[AnswerValue]:
    """Check raw answers (field name → submitted strings) against ``instrument``.

    Empty fields count as unanswered. Relevance is evaluated on the answers given:
    a question that does not apply must be left unanswered and is never required.
    ``only`` restricts the checks to some codes (one page of a paged questionnaire);
    fields unknown to the instrument are reported whatever ``only`` says. Raises
    :class:`AnswersError` naming every field that cannot be accepted.
    """
    relevant = relevant_codes(instrument, choice_values(raw))
    scope = relevant if only is None else relevant & set(only)
    item_answers, item_problems = _check_items(instrument, raw, scope)
    question_answers, question_problems = _check_questions(instrument, raw, scope)
    known = {item.code for item in instrument.items()} | {q.code for q in instrument.questions}
    problems = item_problems + question_problems
    answered = {code for code, values in raw.items() if _present(values)}
    considered = known if only is None else known & set(only)
    problems.extend(
        FieldProblem(code, "not_relevant") for code in sorted((answered & considered) - relevant)
    )
    problems.extend(FieldProblem(name, "unknown") for name in sorted(set(raw) - known))
    if problems:
        raise AnswersError(problems)
    return item_answers + question_answers
