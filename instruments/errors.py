"""Errors of the instruments package.

::

    InstrumentError
    └── DefinitionError     a definition file cannot be read or is inconsistent
                            (carries every problem found, not just the first)
"""

from __future__ import annotations

import msgspec

__all__ = ["DefinitionError", "InstrumentError", "Problem"]


class Problem(msgspec.Struct, frozen=True):
    """One problem in a definition: where it is and what is wrong."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        inside = f" [{self.path}]" if self.path else ""
        return f"{where}{inside}: {self.message}"


class InstrumentError(Exception):
    """Base of every error of the instruments package."""


class DefinitionError(InstrumentError):
    """A definition cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
