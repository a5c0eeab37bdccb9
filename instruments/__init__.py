"""Questionnaire definitions: the format, its loader and the bundled instruments."""

from instruments.answers import (
    AnswersError,
    AnswerValue,
    FieldProblem,
    check_answers,
    choice_values,
)
from instruments.errors import DefinitionError, InstrumentError, Problem
from instruments.loader import (
    bundled_definitions,
    content_hash,
    load_bundled,
    load_definition,
    parse_definition,
)
from instruments.model import (
    Condition,
    Element,
    Index,
    IndexNode,
    Instrument,
    Item,
    Option,
    Question,
    Scale,
    ScalePoint,
    Text,
)
from instruments.relevance import holds, relevant_codes

__all__ = [
    "AnswerValue",
    "AnswersError",
    "Condition",
    "DefinitionError",
    "Element",
    "FieldProblem",
    "Index",
    "IndexNode",
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
    "choice_values",
    "content_hash",
    "holds",
    "load_bundled",
    "load_definition",
    "parse_definition",
    "relevant_codes",
]
