"""Reading definition files into :class:`~instruments.model.Instrument` values."""

from __future__ import annotations

import hashlib
import unicodedata
from importlib import resources
from pathlib import Path

import msgspec

from instruments.errors import DefinitionError, Problem
from instruments.model import Instrument, Text

__all__ = [
    "bundled_definitions",
    "content_hash",
    "load_bundled",
    "load_definition",
    "parse_definition",
]


def _nfc(value: object) -> object:
    """NFC-normalise every string so the same text always hashes the same."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


def _check_texts(instrument: Instrument, name: str) -> list[Problem]:
    problems: list[Problem] = []

    def need_vi(text: Text, path: str) -> None:
        if not text.get("vi", "").strip():
            problems.append(Problem(name, path, "missing Vietnamese (vi) text"))

    need_vi(instrument.title, "title")
    for e, element in enumerate(instrument.elements):
        need_vi(element.title, f"elements[{e}].title")
        for i, item in enumerate(element.items):
            need_vi(item.text, f"elements[{e}].items[{i}].text")
    for q, question in enumerate(instrument.questions):
        need_vi(question.text, f"questions[{q}].text")
    return problems


def _check_references(instrument: Instrument, name: str) -> list[Problem]:
    problems: list[Problem] = []
    scales = {s.code for s in instrument.scales}
    seen: set[str] = set()
    for e, element in enumerate(instrument.elements):
        for i, item in enumerate(element.items):
            path = f"elements[{e}].items[{i}]"
            if item.scale not in scales:
                problems.append(Problem(name, path + ".scale", f"unknown scale {item.scale!r}"))
            if item.code in seen:
                problems.append(Problem(name, path + ".code", f"duplicate code {item.code!r}"))
            seen.add(item.code)
    for q, question in enumerate(instrument.questions):
        path = f"questions[{q}]"
        if question.code in seen:
            problems.append(Problem(name, path + ".code", f"duplicate code {question.code!r}"))
        seen.add(question.code)
        if question.kind == "scale" and question.scale not in scales:
            problems.append(Problem(name, path + ".scale", f"unknown scale {question.scale!r}"))
    return problems


def parse_definition(source: str, name: str = "<definition>") -> Instrument:
    """Decode and check a TOML definition; raise DefinitionError listing every problem."""
    try:
        raw = msgspec.toml.decode(source.encode("utf-8"))
        instrument = msgspec.convert(_nfc(raw), Instrument)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise DefinitionError([Problem(name, "", str(exc))]) from exc
    problems = _check_texts(instrument, name) + _check_references(instrument, name)
    if "vi" not in instrument.languages:
        problems.append(Problem(name, "languages", "Vietnamese (vi) must be one of the languages"))
    if problems:
        raise DefinitionError(problems)
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
