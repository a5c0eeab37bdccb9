"""The instrument definition: msgspec Structs decoded straight from TOML files.

A definition holds its identity, languages, scales, elements of scored items (criteria),
the non-scored questions (overall satisfaction, choices, free text, respondent profile),
relevance conditions (skip logic), the pages the questionnaire is shown in, and the
index tree that says how item shares roll up into element indices and the overall index.
Texts are maps from a language code to the text; Vietnamese (``vi``) is always required.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "Condition",
    "Element",
    "Index",
    "IndexNode",
    "Instrument",
    "Item",
    "Option",
    "Question",
    "Scale",
    "ScalePoint",
    "Text",
]

Text = dict[str, str]
"""A text per language code, e.g. ``{"vi": "Hài lòng", "en": "Satisfied"}``."""


class ScalePoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One point of a rating scale."""

    value: int
    label: Text


class Scale(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A rating scale: its points, which count as satisfied, and an optional N/A code
    (answers with that code are kept but leave the denominators)."""

    code: str
    points: list[ScalePoint]
    satisfied: list[int]
    not_applicable: ScalePoint | None = None


class Condition(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """True when question ``question`` was answered with one of ``values``."""

    question: str
    values: list[int] = msgspec.field(name="in")


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A scored criterion (tiêu chí) answered on a scale."""

    code: str
    text: Text
    scale: str
    required: bool = False
    relevant: list[Condition] = []


class Element(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A group of criteria (SIPAS calls it yếu tố); ``relevant`` applies to every item."""

    code: str
    title: Text
    items: list[Item]
    relevant: list[Condition] = []
    description: Text = {}


class Option(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A choice of a single- or multiple-choice question."""

    value: int
    label: Text


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A non-scored question: overall satisfaction, choices, free text or profile.

    Profile questions (``profile = true``) are never required.
    """

    code: str
    kind: Literal["scale", "single", "multiple", "text"]
    text: Text
    scale: str | None = None
    options: list[Option] = []
    required: bool = False
    relevant: list[Condition] = []
    max_length: int = 2000
    max_choices: int | None = None
    profile: bool = False
    hint: Text = {}


class IndexNode(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A node of the index tree: the weighted mean of its children (items or nodes)."""

    code: str
    title: Text
    children: list[str]
    weights: list[float] | None = None


class Index(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """The index tree: ``root`` names the overall node."""

    root: str
    nodes: list[IndexNode]


class Instrument(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A complete, versioned questionnaire definition."""

    slug: str
    version: int
    title: Text
    intended_use: str
    languages: list[str]
    scales: list[Scale]
    elements: list[Element]
    questions: list[Question] = []
    pages: list[list[str]] = []
    index: Index | None = None
    description: Text = {}

    def scale(self, code: str) -> Scale:
        """Return the scale called ``code``."""
        for scale in self.scales:
            if scale.code == code:
                return scale
        raise KeyError(code)

    def items(self) -> list[Item]:
        """Return every scored item in order."""
        return [item for element in self.elements for item in element.items]

    def page_blocks(self) -> list[list[str]]:
        """Return the pages as lists of element and question codes (one page by default)."""
        if self.pages:
            return self.pages
        return [[e.code for e in self.elements] + [q.code for q in self.questions]]

    def index_tree(self) -> Index:
        """Return the index tree, derived from the elements when none is written."""
        if self.index is not None:
            return self.index
        nodes = [IndexNode(e.code, e.title, [i.code for i in e.items]) for e in self.elements]
        overall = IndexNode(
            "overall_index",
            {"vi": "Chỉ số chung", "en": "Overall index"},
            [e.code for e in self.elements],
        )
        return Index(root=overall.code, nodes=[overall, *nodes])
