"""Skip logic: which items and questions apply given the answers so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from instruments.model import Condition, Instrument

__all__ = ["holds", "relevant_codes"]


def holds(conditions: Sequence[Condition], answers: Mapping[str, Sequence[int]]) -> bool:
    """Return whether every condition holds; an unanswered question satisfies none."""
    return all(
        any(value in condition.values for value in answers.get(condition.question, ()))
        for condition in conditions
    )


def relevant_codes(instrument: Instrument, answers: Mapping[str, Sequence[int]]) -> set[str]:
    """Return the codes of the items and questions that apply given ``answers``.

    An item applies when its element's conditions and its own conditions all hold.
    """
    codes: set[str] = set()
    for element in instrument.elements:
        if not holds(element.relevant, answers):
            continue
        codes.update(item.code for item in element.items if holds(item.relevant, answers))
    codes.update(q.code for q in instrument.questions if holds(q.relevant, answers))
    return codes
