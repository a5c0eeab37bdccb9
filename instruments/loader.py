"""Reading definition files into :class:`~instruments.model.Instrument` values."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from importlib import resources
from pathlib import Path

import msgspec

from instruments.checks import (
    check_codes,
    check_pages,
    check_relevance,
    check_scales,
    check_texts,
)
from instruments.errors import DefinitionError, Problem
from instruments.model import Instrument
from instruments.positions import line_of, locate
from instruments.tree import check_index

__all__ = [
    "bundled_definitions",
    "content_hash",
    "load_bundled",
    "load_definition",
    "parse_definition",
]

_TOML_LINE = re.compile(r"at line (\d+)")
_MSGSPEC_PATH = re.compile(r"- at `\$\.?(.*)`$")


def _nfc(value: object) -> object:
    """NFC-normalise every string so the same text always hashes the same."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


def _decode_problem(exc: Exception, name: str, lines: dict[str, int]) -> Problem:
    message = str(exc)
    syntax = _TOML_LINE.search(message)
    if syntax:
        return Problem(name, "", f"TOML syntax: {message}", int(syntax.group(1)))
    where = _MSGSPEC_PATH.search(message)
    path = where.group(1) if where else ""
    text = _MSGSPEC_PATH.sub("", message).strip()
    return Problem(name, path, text, line_of(lines, path))


def parse_definition(source: str, name: str = "<definition>") -> Instrument:
    """Decode and check a TOML definition; raise DefinitionError listing every problem.

    Each problem names the file, the line and the path inside the document.
    """
    lines = locate(source)
    try:
        raw = msgspec.toml.decode(source.encode("utf-8"))
        instrument = msgspec.convert(_nfc(raw), Instrument)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise DefinitionError([_decode_problem(exc, name, lines)]) from exc
    findings = [
        *check_texts(instrument),
        *check_scales(instrument),
        *check_codes(instrument),
        *check_pages(instrument),
        *check_relevance(instrument),
        *check_index(instrument),
    ]
    if findings:
        raise DefinitionError(
            [Problem(name, path, message, line_of(lines, path)) for path, message in findings]
        )
    return instrument


def load_definition(path: Path) -> Instrument:
    """Read and check the definition file at ``path``."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(str(path), "", f"cannot read file: {exc}")]) from exc
    return parse_definition(source, str(path))


def content_hash(instrument: Instrument) -> str:
    """Return the SHA-256 of the canonical JSON form: the identity of a version."""
    canonical = msgspec.json.encode(msgspec.to_builtins(instrument), order="sorted")
    return hashlib.sha256(canonical).hexdigest()


def bundled_definitions() -> list[tuple[str, str]]:
    """Return ``(file name, source)`` of every definition shipped with the package."""
    root = resources.files("instruments") / "definitions"
    found: list[tuple[str, str]] = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".toml"):
                found.append((f"{folder.name}/{entry.name}", entry.read_text(encoding="utf-8")))
    return found


def load_bundled(slug: str, version: int) -> Instrument:
    """Return the bundled definition ``slug`` at ``version``."""
    name = f"{slug}/{version}.toml"
    for file_name, source in bundled_definitions():
        if file_name == name:
            return parse_definition(source, file_name)
    raise DefinitionError([Problem(name, "", "no such bundled definition")])
