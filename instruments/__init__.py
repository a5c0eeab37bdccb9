"""Questionnaire definitions: the format, its loader and the bundled instruments."""

from instruments.answers import AnswersError, AnswerValue, FieldProblem, check_answers
from instruments.errors import DefinitionError, InstrumentError, Problem
from instruments.loader import (
    bundled_definitions,
    content_hash,
    load_bundled,
    load_definition,
    parse_definition,
)
from instruments.model import (
    Element,
    Index,
    Instrument,
    Item,
    Option,
    Question,
    Scale,
    ScalePoint,
    Text,
)

__all__ = [
    "AnswerValue",
    "AnswersError",
    "DefinitionError",
    "Element",
    "FieldProblem",
    "Index",
    "Instrument",
    "InstrumentError",
    "Item",
    "Option",
    "Problem",
    "Question",
    "Scale",
    "ScalePoint",
    "Text",
    "bundled_definitions",
    "check_answers",
    "content_hash",
    "load_bundled",
    "load_definition",
    "parse_definition",
]
