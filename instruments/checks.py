"""Consistency checks of a decoded definition; each finding is a (path, message) pair."""

from __future__ import annotations

from collections.abc import Iterator

from instruments.model import Condition, Instrument, Question, Text

__all__ = [
    "check_codes",
    "check_pages",
    "check_relevance",
    "check_scales",
    "check_texts",
]

Finding = tuple[str, str]


def _texts(instrument: Instrument) -> Iterator[tuple[str, Text]]:
    yield "title", instrument.title
    for s, scale in enumerate(instrument.scales):
        for p, point in enumerate(scale.points):
            yield f"scales[{s}].points[{p}].label", point.label
        if scale.not_applicable is not None:
            yield f"scales[{s}].not_applicable.label", scale.not_applicable.label
    for e, element in enumerate(instrument.elements):
        yield f"elements[{e}].title", element.title
        for i, item in enumerate(element.items):
            yield f"elements[{e}].items[{i}].text", item.text
    for q, question in enumerate(instrument.questions):
        yield f"questions[{q}].text", question.text
        for o, option in enumerate(question.options):
            yield f"questions[{q}].options[{o}].label", option.label


def check_texts(instrument: Instrument) -> list[Finding]:
    """Every text has Vietnamese, and every language the instrument declares."""
    findings: list[Finding] = []
    if "vi" not in instrument.languages:
        findings.append(("languages", "Vietnamese (vi) must be one of the languages"))
    for path, text in _texts(instrument):
        for language in ["vi", *[lang for lang in instrument.languages if lang != "vi"]]:
            if not text.get(language, "").strip():
                name = "Vietnamese (vi)" if language == "vi" else f"{language!r}"
                findings.append((path, f"missing {name} text"))
    return findings


def check_scales(instrument: Instrument) -> list[Finding]:
    """Scale codes unique; point values unique; satisfied codes are points."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for s, scale in enumerate(instrument.scales):
        if scale.code in seen:
            findings.append((f"scales[{s}].code", f"duplicate scale code {scale.code!r}"))
        seen.add(scale.code)
        values = [p.value for p in scale.points]
        if len(set(values)) != len(values):
            findings.append((f"scales[{s}].points", "duplicate point values"))
        if len(values) < 2:
            findings.append((f"scales[{s}].points", "a scale needs at least two points"))
        stray = sorted(set(scale.satisfied) - set(values))
        if stray or not scale.satisfied:
            findings.append((f"scales[{s}].satisfied", f"satisfied codes must be points: {stray}"))
        na = scale.not_applicable
        if na is not None and na.value in values:
            findings.append((f"scales[{s}].not_applicable", "N/A code is also a scale point"))
    return findings


def check_codes(instrument: Instrument) -> list[Finding]:
    """Item and question codes unique; scales known; question shapes consistent."""
    findings: list[Finding] = []
    scales = {s.code for s in instrument.scales}
    seen: set[str] = set()
    elements: set[str] = set()
    for e, element in enumerate(instrument.elements):
        if element.code in elements:
            findings.append((f"elements[{e}].code", f"duplicate element code {element.code!r}"))
        elements.add(element.code)
        for i, item in enumerate(element.items):
            path = f"elements[{e}].items[{i}]"
            if item.code in seen:
                findings.append((f"{path}.code", f"duplicate code {item.code!r}"))
            seen.add(item.code)
            if item.scale not in scales:
                findings.append((f"{path}.scale", f"unknown scale {item.scale!r}"))
    for q, question in enumerate(instrument.questions):
        path = f"questions[{q}]"
        if question.code in seen or question.code in elements:
            findings.append((f"{path}.code", f"duplicate code {question.code!r}"))
        seen.add(question.code)
        findings.extend(_check_question_shape(question.kind, question, path, scales))
    return findings


def _check_question_shape(
    kind: str, question: Question, path: str, scales: set[str]
) -> list[Finding]:
    findings: list[Finding] = []
    if kind == "scale" and question.scale not in scales:
        findings.append((f"{path}.scale", f"unknown scale {question.scale!r}"))
    if kind in ("single", "multiple"):
        values = [o.value for o in question.options]
        if len(values) < 2:
            findings.append((f"{path}.options", "a choice question needs at least two options"))
        if len(set(values)) != len(values):
            findings.append((f"{path}.options", "duplicate option values"))
    if question.max_choices is not None and kind != "multiple":
        findings.append((f"{path}.max_choices", "max_choices only applies to multiple choice"))
    if question.profile and question.required:
        findings.append((f"{path}.required", "profile questions are always optional"))
    return findings


def _allowed_values(instrument: Instrument) -> dict[str, set[int] | None]:
    """Values each answerable code can take (None: free text)."""
    allowed: dict[str, set[int] | None] = {}
    for item in instrument.items():
        scale = next((s for s in instrument.scales if s.code == item.scale), None)
        allowed[item.code] = {p.value for p in scale.points} if scale else set()
    for q in instrument.questions:
        if q.kind == "text":
            allowed[q.code] = None
        elif q.kind == "scale":
            scale = next((s for s in instrument.scales if s.code == q.scale), None)
            allowed[q.code] = {p.value for p in scale.points} if scale else set()
        else:
            allowed[q.code] = {o.value for o in q.options}
    return allowed


def _positions(instrument: Instrument) -> dict[str, tuple[int, int]]:
    """(page, order) of every item and question, for 'asked before' checks."""
    where: dict[str, tuple[int, int]] = {}
    order = 0
    by_code = {e.code: [i.code for i in e.items] for e in instrument.elements}
    for page, block in enumerate(instrument.page_blocks()):
        for code in block:
            for member in by_code.get(code, [code]):
                where[member] = (page, order)
                order += 1
    return where


def check_relevance(instrument: Instrument) -> list[Finding]:
    """Conditions refer to known, earlier, non-text questions and to values they can take."""
    allowed = _allowed_values(instrument)
    where = _positions(instrument)
    findings: list[Finding] = []

    def check(conditions: list[Condition], path: str, own: list[str]) -> None:
        for c, condition in enumerate(conditions):
            at = f"{path}.relevant[{c}]"
            target = condition.question
            if target not in allowed:
                findings.append(
                    (f"{at}.question", f"relevance refers to unknown question {target!r}")
                )
                continue
            if allowed[target] is None:
                findings.append(
                    (f"{at}.question", f"relevance cannot depend on free text {target!r}")
                )
            elif stray := sorted(set(condition.values) - (allowed[target] or set())):
                findings.append((f"{at}.in", f"{target!r} cannot take the values {stray}"))
            if any(where.get(target, (0, 0)) >= where.get(code, (0, 0)) for code in own):
                findings.append(
                    (
                        f"{at}.question",
                        f"relevance must refer to a question asked before, not {target!r}",
                    )
                )

    for e, element in enumerate(instrument.elements):
        check(element.relevant, f"elements[{e}]", [i.code for i in element.items])
        for i, item in enumerate(element.items):
            check(item.relevant, f"elements[{e}].items[{i}]", [item.code])
    for q, question in enumerate(instrument.questions):
        check(question.relevant, f"questions[{q}]", [question.code])
    return findings


def check_pages(instrument: Instrument) -> list[Finding]:
    """With explicit pages, every element and question is on exactly one page."""
    if not instrument.pages:
        return []
    findings: list[Finding] = []
    known = [e.code for e in instrument.elements] + [q.code for q in instrument.questions]
    placed: list[str] = []
    for p, block in enumerate(instrument.pages):
        if not block:
            findings.append((f"pages[{p}]", "empty page"))
        for code in block:
            if code not in known:
                findings.append((f"pages[{p}]", f"unknown element or question {code!r}"))
            elif code in placed:
                findings.append((f"pages[{p}]", f"{code!r} is on more than one page"))
            placed.append(code)
    for code in known:
        if code not in placed:
            findings.append(("pages", f"{code!r} is on no page"))
    return findings
