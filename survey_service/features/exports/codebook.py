"""The codebook of a microdata export: every variable, its labels, type and codes.

:func:`make_codebook` reads the variables off the instrument version of the survey:
the design variables first (respondent id, unit, stratum, PSU, population size,
weight), then every scored item with the points of its scale (and its not-applicable
code, a *missing* code: it leaves the item's denominator), then the other questions
(a multiple-choice question becomes one 0/1 variable per option; free text only when
asked for). The codebook is written as JSON (for programs, and for
``survey-service estimate --indices``) and as Markdown (for people), with the commands
that reproduce the published figures in ``survey-service``, R, Stata and SPSS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Literal

import msgspec

from instruments import Instrument, Question
from survey_service.db.enums import ResponseMode
from survey_service.features.indices.records import SurveyInfo
from survey_service.features.indices.schemas import OptionsOut, SurveyOut, WeightsOut

__all__ = [
    "DESIGN",
    "MODE_LABELS",
    "Codebook",
    "IndexNodeOut",
    "ValueLabel",
    "Variable",
    "codebook_markdown",
    "make_codebook",
    "make_variables",
    "reproduce_commands",
]

Role = Literal["id", "design", "item", "question", "profile", "comment"]
Kind = Literal["integer", "float", "string"]


class ValueLabel(msgspec.Struct, frozen=True, kw_only=True):
    """A code and its label per language."""

    value: int | str
    label: dict[str, str]


class Variable(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One column of ``microdata.csv``.

    ``missing`` lists codes that are not answers (not applicable / don't know); an empty
    cell is always missing (not asked, or not answered). ``satisfied`` lists the codes
    that count as satisfied (scored items only); ``element`` is the item's element; a
    multiple-choice ``question`` has one variable per ``option`` (1 chosen, 0 not).
    """

    name: str
    label: dict[str, str]
    type: Kind
    role: Role
    values: list[ValueLabel] = []
    missing: list[ValueLabel] = []
    satisfied: list[int] | None = None
    element: str | None = None
    question: str | None = None
    option: int | None = None


class IndexNodeOut(msgspec.Struct, frozen=True, kw_only=True):
    """A node of the index tree: the weighted mean of its children (items or nodes)."""

    code: str
    label: dict[str, str]
    children: list[str]
    weights: list[float] | None


class Codebook(msgspec.Struct, frozen=True, kw_only=True):
    """Everything needed to read ``microdata.csv`` and reproduce the published figures."""

    survey: SurveyOut
    weights: WeightsOut
    options: OptionsOut
    rows: int
    design: dict[str, str]
    variables: list[Variable]
    index_root: str
    index: list[IndexNodeOut]
    notes: dict[str, str]


MODE_LABELS: Final[dict[ResponseMode, dict[str, str]]] = {
    ResponseMode.INVITATION: {"vi": "Thư mời (SMS, email, thư)", "en": "Invitation link"},
    ResponseMode.RECEIPT: {"vi": "Mã QR trên phiếu trả kết quả", "en": "QR code on the receipt"},
    ResponseMode.OPEN_LINK: {"vi": "Đường dẫn mở", "en": "Open link"},
}

DESIGN: Final = {"weight": "weight", "strata": "stratum", "psu": "psu", "fpc": "fpc", "by": "unit"}
"""Design columns of ``microdata.csv``, named by their ``survey-service estimate`` option."""

_DESIGN_VARIABLES: Final = (
    Variable(
        name="respondent_id",
        label={"vi": "Mã người trả lời (số thứ tự mới)", "en": "Respondent id (fresh sequence)"},
        type="integer",
        role="id",
    ),
    Variable(
        name="unit", label={"vi": "Mã đơn vị", "en": "Unit code"}, type="string", role="design"
    ),
    Variable(name="stratum", label={"vi": "Tầng", "en": "Stratum"}, type="string", role="design"),
    Variable(
        name="psu",
        label={
            "vi": "Đơn vị mẫu bậc một (mỗi hồ sơ được chọn là một PSU)",
            "en": "Primary sampling unit (each sampled dossier is one PSU)",
        },
        type="integer",
        role="design",
    ),
    Variable(
        name="fpc",
        label={
            "vi": "Quy mô tổng thể của tầng (số hồ sơ)",
            "en": "Stratum population size (dossiers), for the finite-population correction",
        },
        type="integer",
        role="design",
    ),
    Variable(
        name="weight",
        label={"vi": "Trọng số cuối cùng", "en": "Final weight"},
        type="float",
        role="design",
    ),
    Variable(
        name="mode",
        label={"vi": "Cách người trả lời vào phiếu", "en": "How the respondent reached the form"},
        type="string",
        role="design",
        values=[ValueLabel(value=m.value, label=dict(MODE_LABELS[m])) for m in ResponseMode],
    ),
    Variable(
        name="language",
        label={"vi": "Ngôn ngữ của phiếu", "en": "Language the form was answered in"},
        type="string",
        role="design",
    ),
)


def _points(instrument: Instrument, scale_code: str) -> tuple[list[ValueLabel], list[ValueLabel]]:
    scale = instrument.scale(scale_code)
    values = [ValueLabel(value=p.value, label=dict(p.label)) for p in scale.points]
    na = scale.not_applicable
    missing = [] if na is None else [ValueLabel(value=na.value, label=dict(na.label))]
    return values, missing


def _question_variables(
    instrument: Instrument, question: Question, comments: bool
) -> Iterator[Variable]:
    role: Role = "profile" if question.profile else "question"
    if question.kind == "text":
        if comments:
            yield Variable(name=question.code, label=question.text, type="string", role="comment")
        return
    if question.kind == "multiple":
        chosen = [
            ValueLabel(value=0, label={"vi": "Không chọn", "en": "Not chosen"}),
            ValueLabel(value=1, label={"vi": "Có chọn", "en": "Chosen"}),
        ]
        for option in question.options:
            label = {k: f"{v}: {option.label.get(k, '')}" for k, v in question.text.items()}
            yield Variable(
                name=f"{question.code}_{option.value}",
                label=label,
                type="integer",
                role=role,
                values=chosen,
                question=question.code,
                option=option.value,
            )
        return
    if question.kind == "scale" and question.scale is not None:
        values, missing = _points(instrument, question.scale)
    else:
        values = [ValueLabel(value=o.value, label=dict(o.label)) for o in question.options]
        missing = []
    yield Variable(
        name=question.code,
        label=question.text,
        type="integer",
        role=role,
        values=values,
        missing=missing,
    )


def make_variables(instrument: Instrument, *, comments: bool = False) -> list[Variable]:
    """Every column of the microdata file, in order."""
    out = list(_DESIGN_VARIABLES)
    for element in instrument.elements:
        for item in element.items:
            values, missing = _points(instrument, item.scale)
            out.append(
                Variable(
                    name=item.code,
                    label=dict(item.text),
                    type="integer",
                    role="item",
                    values=values,
                    missing=missing,
                    satisfied=list(instrument.scale(item.scale).satisfied),
                    element=element.code,
                )
            )
    for question in instrument.questions:
        out.extend(_question_variables(instrument, question, comments))
    return out


def reproduce_commands(variables: list[Variable], file: str = "microdata.csv") -> list[str]:
    """``survey-service estimate`` calls giving the published item shares, by unit and
    for the city (one pair per set of satisfied and missing codes)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for v in variables:
        if v.role == "item" and v.satisfied is not None:
            key = (",".join(map(str, v.satisfied)), ",".join(str(m.value) for m in v.missing))
            groups.setdefault(key, []).append(v.name)
    design = (
        f"survey-service estimate {file} --weight {DESIGN['weight']} --strata "
        f"{DESIGN['strata']} --psu {DESIGN['psu']} --fpc {DESIGN['fpc']} --lonely-psu adjust"
    )
    out = []
    for (satisfied, missing), names in groups.items():
        items = " ".join(f"--var {name}" for name in names)
        skip = f" --missing {missing}" if missing else ""
        out.append(f"{design} --satisfied {satisfied}{skip} {items} --by {DESIGN['by']}")
        out.append(f"{design} --satisfied {satisfied}{skip} {items}")
    return out


def _notes(variables: list[Variable]) -> dict[str, str]:
    items = [v for v in variables if v.role == "item"]
    first = items[0].name if items else "ITEM"
    satisfied = ", ".join(map(str, items[0].satisfied or [])) if items else "4, 5"
    na = ", ".join(str(m.value) for m in items[0].missing) if items else ""
    unanswered = f"is.na(x) | x %in% c({na})" if na else "is.na(x)"
    return {
        "survey_service": "\n".join(reproduce_commands(variables))
        + "\nsurvey-service estimate microdata.csv --weight weight --strata stratum --psu psu "
        "--fpc fpc --lonely-psu adjust --indices codebook.json --by unit",
        "r": "\n".join(
            [
                "library(survey)",
                'd <- read.csv("microdata.csv", encoding = "UTF-8", na.strings = "")',
                f"sat <- function(x) ifelse({unanswered}, NA, as.numeric(x %in% c({satisfied})))",
                f"d$sat_{first} <- sat(d${first})",
                'options(survey.lonely.psu = "adjust")',
                "des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, "
                "fpc = ~fpc, data = d)",
                f"svyby(~sat_{first}, ~unit, des, svymean, na.rm = TRUE)",
            ]
        ),
        "stata": "\n".join(
            [
                'import delimited using "microdata.csv", encoding("utf-8") clear',
                "encode stratum, generate(stratum_n)",
                "svyset psu [pweight = weight], strata(stratum_n) fpc(fpc) singleunit(centered)",
                f"generate sat_{first} = inlist({first}, {satisfied}) if !missing({first})"
                + (f" & !inlist({first}, {na})" if na else ""),
                f"svy: mean sat_{first}, over(unit)",
            ]
        ),
        "spss": "\n".join(
            [
                "* Declare the not-applicable codes missing, then a Complex Samples plan:",
                *([f"MISSING VALUES {first} ({na})."] if na else []),
                "CSPLAN ANALYSIS /PLAN FILE='design.csaplan' /PLANVARS ANALYSISWEIGHT=weight"
                " /DESIGN STRATA=stratum CLUSTER=psu /ESTIMATOR TYPE=EQUAL_WOR"
                " /POPSIZE VARIABLE=fpc.",
            ]
        ),
        "indices": "An element index is the mean of its items' satisfied shares (each share "
        "leaves out the missing codes and empty cells); the overall index is the weighted "
        "mean of the element indices (weights in 'index'). Standard errors: Taylor "
        "linearisation over strata and PSUs with the finite-population correction; a "
        "stratum with a single PSU is centred at the grand mean (R survey.lonely.psu = "
        "'adjust', Stata singleunit(centered)).",
        "privacy": "No names, phone numbers, e-mail addresses, dossier codes, applicant "
        "keys, submission keys or client addresses; respondent_id is a fresh sequence "
        "that links to nothing in the database; free-text comments are left out unless "
        "the export asked for them.",
    }


def make_codebook(
    survey: SurveyInfo,
    survey_row: SurveyOut,
    weights: WeightsOut,
    options: OptionsOut,
    *,
    rows: int,
    comments: bool = False,
) -> Codebook:
    """The codebook of the microdata export of ``survey``."""
    instrument = survey.instrument
    variables = make_variables(instrument, comments=comments)
    index = instrument.index_tree()
    return Codebook(
        survey=survey_row,
        weights=weights,
        options=options,
        rows=rows,
        design=dict(DESIGN),
        variables=variables,
        index_root=index.root,
        index=[
            IndexNodeOut(
                code=node.code,
                label=dict(node.title),
                children=list(node.children),
                weights=None if node.weights is None else list(node.weights),
            )
            for node in index.nodes
        ],
        notes=_notes(variables),
    )


def _codes(values: list[ValueLabel]) -> str:
    return "; ".join(
        f"{v.value} = {v.label.get('vi', '')} / {v.label.get('en', '')}" for v in values
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown(book: Codebook) -> str:
    """The codebook for people: the survey, the design, a table of the variables and
    the commands that reproduce the published figures."""
    s, w = book.survey, book.weights
    lines = [
        f"# Codebook: {s.code} — {s.title}",
        "",
        f"- Period: {s.period_start.isoformat()} – {s.period_end.isoformat()}",
        f"- Instrument: {s.instrument} version {s.instrument_version}",
        f"- Respondents (rows): {book.rows}",
        f"- Weights: {w.description}",
        "- Design: stratified sample of dossiers without replacement; "
        + ", ".join(f"{k} = `{v}`" for k, v in book.design.items() if k != "by"),
        "- File: `microdata.csv`, UTF-8 (no byte-order mark), comma-separated, one row "
        "per respondent; an empty cell is missing (not asked or not answered).",
        "",
        "| Variable | Label (vi) | Label (en) | Type | Values | Missing codes |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        "| "
        + " | ".join(
            _cell(x)
            for x in (
                f"`{v.name}`",
                v.label.get("vi", ""),
                v.label.get("en", ""),
                v.type,
                _codes(v.values)
                + (f" (satisfied: {', '.join(map(str, v.satisfied))})" if v.satisfied else ""),
                _codes(v.missing),
            )
        )
        + " |"
        for v in book.variables
    ]
    lines += ["", "## Index tree", ""]
    for node in book.index:
        weights = "" if node.weights is None else f" (weights {node.weights})"
        lines.append(f"- `{node.code}` ({node.label.get('en', '')}): {node.children}{weights}")
    titles = {"survey_service": "survey-service", "r": "R (survey)", "stata": "Stata"}
    for key, title in {**titles, "spss": "SPSS"}.items():
        lines += ["", f"## {title}", "", "```", book.notes[key], "```"]
    lines += ["", "## Indices", "", book.notes["indices"], "", "## Privacy", ""]
    lines += [book.notes["privacy"], ""]
    return "\n".join(lines)
