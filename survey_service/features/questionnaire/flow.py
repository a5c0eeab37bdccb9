"""Paging through a questionnaire with skip logic applied on the server.

A page shows the elements and questions that apply given the answers so far. When a
condition depends on a question on the same page, the block is shown and marked
*dynamic*: the browser script hides it live, and without JavaScript the respondent
sees it (the server still refuses an answer to a question that does not apply).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from instruments import Condition, Element, Instrument, Question, holds

__all__ = ["Block", "PageView", "next_page", "page_codes", "page_view", "previous_page"]


class Block(msgspec.Struct, frozen=True):
    """An element (with the items shown) or a question, as a page renders it."""

    element: Element | None
    question: Question | None
    item_codes: list[str]
    dynamic: str | None  # the conditions as JSON, when the browser must evaluate them


class PageView(msgspec.Struct, frozen=True):
    """One page and where it stands among the pages that apply."""

    index: int
    number: int
    total: int
    blocks: list[Block]
    is_last: bool


def _on_page(instrument: Instrument, index: int) -> set[str]:
    return set(page_codes(instrument, index))


def page_codes(instrument: Instrument, index: int) -> list[str]:
    """Codes of the items and questions on page ``index`` (all of them, shown or not)."""
    elements = {e.code: e for e in instrument.elements}
    codes: list[str] = []
    for code in instrument.page_blocks()[index]:
        element = elements.get(code)
        codes.extend([i.code for i in element.items] if element else [code])
    return codes


def _shown(
    conditions: Sequence[Condition], answers: Mapping[str, Sequence[int]], here: set[str]
) -> tuple[bool, bool]:
    """(shown, dynamic): conditions on other pages must hold; same-page ones go live."""
    static = [c for c in conditions if c.question not in here]
    dynamic = len(static) < len(conditions)
    return holds(static, answers), dynamic


def _blocks(
    instrument: Instrument, index: int, answers: Mapping[str, Sequence[int]]
) -> list[Block]:
    here = _on_page(instrument, index)
    elements = {e.code: e for e in instrument.elements}
    questions = {q.code: q for q in instrument.questions}
    blocks: list[Block] = []
    for code in instrument.page_blocks()[index]:
        if code in elements:
            element = elements[code]
            shown, dynamic = _shown(element.relevant, answers, here)
            items = [i.code for i in element.items if _shown(i.relevant, answers, here)[0]]
            if shown and items:
                rule = msgspec.json.encode(element.relevant).decode() if dynamic else None
                blocks.append(Block(element, None, items, rule))
        else:
            question = questions[code]
            shown, dynamic = _shown(question.relevant, answers, here)
            if shown:
                rule = msgspec.json.encode(question.relevant).decode() if dynamic else None
                blocks.append(Block(None, question, [question.code], rule))
    return blocks


def _applying(instrument: Instrument, answers: Mapping[str, Sequence[int]]) -> list[int]:
    return [i for i in range(len(instrument.page_blocks())) if _blocks(instrument, i, answers)]


def page_view(instrument: Instrument, index: int, answers: Mapping[str, Sequence[int]]) -> PageView:
    """Return page ``index`` as shown given ``answers``."""
    pages = _applying(instrument, answers)
    number = sum(1 for p in pages if p <= index)
    last = len(instrument.page_blocks()) - 1
    return PageView(
        index=index,
        number=max(number, 1),
        total=max(len(pages), 1),
        blocks=_blocks(instrument, index, answers),
        is_last=not any(p > index for p in pages) or index == last,
    )


def next_page(
    instrument: Instrument, index: int, answers: Mapping[str, Sequence[int]]
) -> int | None:
    """The next page that applies after ``index``, or None when the questionnaire is done."""
    return next((p for p in _applying(instrument, answers) if p > index), None)


def previous_page(instrument: Instrument, index: int, answers: Mapping[str, Sequence[int]]) -> int:
    """The page before ``index`` that applies (the first page at the start)."""
    earlier = [p for p in _applying(instrument, answers) if p < index]
    return earlier[-1] if earlier else 0
