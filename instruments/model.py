"""The instrument definition: msgspec Structs decoded straight from TOML files.

A definition holds its identity, languages, scales, elements of scored items, the
non-scored questions and the index tree (item → element → overall). Texts are maps
from a language code to the text; Vietnamese (``vi``) is always required.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "Element",
    "Index",
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


class ScalePoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One point of a rating scale."""

    value: int
    label: Text


class Scale(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A rating scale: its points, which count as satisfied, and an optional N/A code."""

    code: str
    points: list[ScalePoint]
    satisfied: list[int]
    not_applicable: ScalePoint | None = None


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A scored criterion (tiêu chí) answered on a scale."""

    code: str
    text: Text
    scale: str
    required: bool = False


class Element(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A group of criteria (SIPAS calls it yếu tố)."""

    code: str
    title: Text
    items: list[Item]


class Option(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A choice of a single- or multiple-choice question."""

    value: int
    label: Text


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A non-scored question: overall satisfaction, choices, free text or profile."""

    code: str
    kind: Literal["scale", "single", "multiple", "text"]
    text: Text
    scale: str | None = None
    options: list[Option] = []
    required: bool = False
    max_length: int = 2000


class Index(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How indices roll up: element weights for the overall index (default equal)."""

    element_weights: dict[str, float] = {}


class Instrument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A complete, versioned questionnaire definition."""

    slug: str
    version: int
    title: Text
    intended_use: str
    languages: list[str]
    scales: list[Scale]
    elements: list[Element]
    questions: list[Question] = []
    index: Index = Index()

    def scale(self, code: str) -> Scale:
        """Return the scale called ``code``."""
        for scale in self.scales:
            if scale.code == code:
                return scale
        raise KeyError(code)

    def items(self) -> list[Item]:
        """Return every scored item in order."""
        return [item for element in self.elements for item in element.items]
