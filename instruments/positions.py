"""Where things are in a TOML definition: document paths mapped to line numbers.

msgspec decodes TOML without positions, so this scanner reads the text once more and
records the line of every table header, array-of-tables entry, key, and entry of a
multi-line inline array. It understands the subset of TOML that definitions use; for
anything else the nearest enclosing path's line is reported.
"""

from __future__ import annotations

import re

__all__ = ["line_of", "locate"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=\s*(.*)$")


class _Scanner:
    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.table = ""
        self.open_array: str | None = None
        self.array_index = 0
        self.depth = 0  # bracket depth of the open multi-line array
        self.braces = 0  # inline-table depth inside it

    def header(self, brackets: str, dotted: str, number: int) -> None:
        parts = dotted.split(".")
        # Resolve each parent part to its latest array-of-tables entry, if it is one.
        path = ""
        for part in parts[:-1]:
            path = f"{path}.{part}" if path else part
            if path in self.counts:
                path = f"{path}[{self.counts[path] - 1}]"
        base = f"{path}.{parts[-1]}" if path else parts[-1]
        if brackets == "[[":
            index = self.counts.get(base, 0)
            self.counts[base] = index + 1
            # A new parent entry restarts the numbering of its child arrays.
            for key in [k for k in self.counts if k.startswith(f"{base}[{index}].")]:
                del self.counts[key]
            base = f"{base}[{index}]"
        self.table = base
        self.lines.setdefault(base, number)

    def key(self, name: str, rest: str, number: int) -> None:
        path = f"{self.table}.{name}" if self.table else name
        self.lines.setdefault(path, number)
        if rest.startswith("["):
            self.open_array, self.array_index, self.depth, self.braces = path, 0, 0, 0
            self.continuation(rest, number)

    def continuation(self, text: str, number: int) -> None:
        """Follow an inline array: count its top-level entries, notice where it closes."""
        assert self.open_array is not None
        for char in _outside_strings(text):
            if char == "[":
                self.depth += 1
            elif char == "]":
                self.depth -= 1
                if self.depth == 0:
                    self.open_array = None
                    return
            elif char == "{":
                if self.braces == 0 and self.depth == 1:
                    self.lines.setdefault(f"{self.open_array}[{self.array_index}]", number)
                    self.array_index += 1
                self.braces += 1
            elif char == "}":
                self.braces -= 1


def _outside_strings(text: str) -> str:
    """Return ``text`` without its quoted strings (and without a trailing comment)."""
    kept: list[str] = []
    quote: str | None = None
    for char in text:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        else:
            kept.append(char)
    return "".join(kept)


def locate(source: str) -> dict[str, int]:
    """Return ``{document path: 1-based line}`` for the definition text ``source``."""
    scanner = _Scanner()
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw
        if not _outside_strings(line).strip():
            continue
        if scanner.open_array is not None:
            scanner.continuation(line, number)
            continue
        header = _HEADER.match(line)
        if header:
            scanner.header(header.group(1), header.group(2), number)
            continue
        key = _KEY.match(line)
        if key:
            scanner.key(key.group(1), key.group(2).strip(), number)
    return scanner.lines


def line_of(lines: dict[str, int], path: str) -> int | None:
    """Return the line of ``path`` or of its nearest enclosing path that has one."""
    candidate = path
    while candidate:
        if candidate in lines:
            return lines[candidate]
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return None
