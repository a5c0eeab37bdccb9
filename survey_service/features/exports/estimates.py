"""Estimates of a survey as a tidy table: one row per unit and index, CSV or XLSX.

Every unit's overall index, element indices and item shares come with their interval,
standard error, n, effective n, design effect, reliability flag and interval method,
exactly as the scorecards show them (:func:`estimate_survey` computes them all at once).
A reviewer's export is restricted to the units they may see (``scope``): the estimates
are still computed from the whole sample, as the variance needs every PSU of a stratum,
and only the rows of other units are left out.

The CSV file is UTF-8 with a byte-order mark: Excel opens a CSV file without one in the
machine's ANSI code page (Windows-1258 on Vietnamese Windows, 1252 elsewhere) and turns
*Phường Hoàn Kiếm* into mojibake; with the mark it reads UTF-8. Python's ``utf-8-sig``,
R's ``fileEncoding = "UTF-8-BOM"`` and ``survey-service estimate`` skip it. Text is
NFC-normalised, so the same name is the same string whichever keyboard typed it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import unicodedata
from typing import IO, Final

import msgspec
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Connection

from analysis import Estimate, EstimationOptions
from survey_service.features.indices.records import Sample
from survey_service.features.indices.schemas import (
    EstimateOut,
    OptionsOut,
    SurveyOut,
    UnitOut,
    WeightsOut,
)
from survey_service.features.indices.service import (
    DEFAULT_OPTIONS,
    SurveyEstimates,
    estimate_out,
    estimate_survey,
    labels_of,
    load_survey_data,
    options_out,
    survey_out,
    unit_out,
    weights_out,
)

__all__ = [
    "COLUMN_NOTES",
    "LEVELS",
    "LIVE",
    "EstimateLine",
    "EstimatesTable",
    "estimates_csv",
    "estimates_xlsx",
    "export_estimates",
    "make_estimates_table",
    "make_line",
    "nfc",
]

LIVE: Final = "live estimates (not published)"

LEVELS: Final = {"index": "overall", "element": "element", "share": "item"}
"""Level of each statistic of the index tree, in the order rows are listed."""


class EstimateLine(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the estimates table (columns in this order)."""

    survey: str
    period_start: dt.date
    period_end: dt.date
    unit_code: str
    unit_name: str
    unit_kind: str
    parent_code: str
    level: str
    variable: str
    label_vi: str
    label_en: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    ci_level: float
    ci_method: str
    variance: str
    df: int
    n: int
    n_eff: float
    deff: float
    flag: str
    reasons: str


COLUMN_NOTES: Final[dict[str, tuple[str, str]]] = {
    "survey": ("Mã cuộc khảo sát", "Survey code"),
    "period_start": ("Ngày bắt đầu kỳ", "First day of the period"),
    "period_end": ("Ngày kết thúc kỳ", "Last day of the period"),
    "unit_code": ("Mã đơn vị", "Unit code"),
    "unit_name": ("Tên đơn vị", "Unit name"),
    "unit_kind": ("Loại đơn vị", "Kind of unit"),
    "parent_code": ("Mã đơn vị cấp trên", "Code of the unit above"),
    "level": (
        "Cấp chỉ số: overall (chỉ số chung), element (yếu tố), item (tiêu chí)",
        "Index level: overall, element or item (criterion)",
    ),
    "variable": ("Mã chỉ số hoặc tiêu chí", "Index or item code"),
    "label_vi": ("Tên chỉ số (tiếng Việt)", "Label in Vietnamese"),
    "label_en": ("Tên chỉ số (tiếng Anh)", "Label in English"),
    "estimate": (
        "Ước lượng: tỷ lệ hài lòng (0-1) hoặc chỉ số",
        "Estimate: satisfied share (0-1) or index",
    ),
    "se": ("Sai số chuẩn", "Standard error (Taylor linearisation, with fpc)"),
    "ci_low": ("Cận dưới khoảng tin cậy", "Lower confidence limit"),
    "ci_high": ("Cận trên khoảng tin cậy", "Upper confidence limit"),
    "ci_level": ("Độ tin cậy", "Confidence level"),
    "ci_method": ("Phương pháp khoảng tin cậy", "Interval method"),
    "variance": ("Phương pháp ước lượng phương sai", "Variance method"),
    "df": ("Bậc tự do (số PSU trừ số tầng)", "Degrees of freedom (PSUs minus strata)"),
    "n": ("Số người trả lời", "Respondents behind the estimate"),
    "n_eff": ("Cỡ mẫu hiệu dụng", "Effective sample size (n / deff)"),
    "deff": ("Hiệu ứng thiết kế", "Design effect against simple random sampling"),
    "flag": ("Mức tin cậy khi công bố", "Reliability flag"),
    "reasons": ("Lý do gắn cờ", "Reasons for the flag"),
}


class EstimatesTable(msgspec.Struct, frozen=True, kw_only=True):
    """The estimates of a survey's units and what they were computed from.

    ``source`` says whether they are a published snapshot (and which) or live estimates.
    """

    survey: SurveyOut
    weights: WeightsOut
    options: OptionsOut
    source: str
    units: int
    scoped: bool
    rows: list[EstimateLine]


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (one code point per accented letter)."""
    return unicodedata.normalize("NFC", text)


def _order(estimates: SurveyEstimates) -> dict[str, int]:
    survey = estimates.data.survey
    codes = [item.code for item in survey.items] + [node.code for node in survey.tree.nodes]
    return {code: k for k, code in enumerate(codes)}


def make_estimates_table(
    estimates: SurveyEstimates, scope: frozenset[int] | None = None
) -> EstimatesTable:
    """Every unit's indices, the units outside ``scope`` (unit ids; None: all) left out.

    Rows come unit by unit in the order of the unit tree (by id), overall index first,
    then the elements and the items in instrument order.
    """
    data, units = estimates.data, estimates.data.units
    position = {code: k for k, code in enumerate(units.codes)}
    labels, order = labels_of(data.survey.instrument), _order(estimates)
    rank = {statistic: k for k, statistic in enumerate(LEVELS)}

    def visible(e: Estimate) -> bool:
        return e.domain is not None and (
            scope is None or int(units.ids[position[e.domain]]) in scope
        )

    kept = sorted(
        filter(visible, estimates.estimates),
        key=lambda e: (position[e.domain or ""], rank[e.statistic], order.get(e.variable, 0)),
    )
    survey = survey_out(data.survey)
    rows = [
        make_line(
            survey,
            unit_out(units, position[e.domain or ""]),
            estimate_out(e, labels.get(e.variable, {})),
            e.variance,
        )
        for e in kept
    ]
    return EstimatesTable(
        survey=survey,
        weights=weights_out(data.weights),
        options=options_out(estimates.options),
        source=LIVE,
        units=len({r.unit_code for r in rows}),
        scoped=scope is not None,
        rows=rows,
    )


def make_line(survey: SurveyOut, unit: UnitOut, e: EstimateOut, variance: str) -> EstimateLine:
    """One row: the unit, the index and its figures (text in NFC)."""
    return EstimateLine(
        survey=survey.code,
        period_start=survey.period_start,
        period_end=survey.period_end,
        unit_code=unit.code,
        unit_name=nfc(unit.name),
        unit_kind=unit.kind,
        parent_code=unit.parent_code or "",
        level=LEVELS[e.statistic],
        variable=e.variable,
        label_vi=nfc(e.label.get("vi", "")),
        label_en=nfc(e.label.get("en", "")),
        estimate=e.estimate,
        se=e.se,
        ci_low=e.ci_low,
        ci_high=e.ci_high,
        ci_level=e.level,
        ci_method=e.method,
        variance=variance,
        df=e.df,
        n=e.n,
        n_eff=e.n_eff,
        deff=e.deff,
        flag=e.flag,
        reasons=";".join(e.reasons),
    )


def export_estimates(
    conn: Connection,
    survey_code: str,
    *,
    scope: frozenset[int] | None = None,
    sample: Sample = "probability",
    weight_set: int | None = None,
    options: EstimationOptions = DEFAULT_OPTIONS,
) -> EstimatesTable:
    """Load, estimate and tabulate the survey ``survey_code`` (the service's defaults).

    Raises
    ------
    NotFoundError
        No such survey (or weight set).
    IndicesError
        No responses with weights, or a design the options do not allow.
    """
    data = load_survey_data(conn, survey_code, sample=sample, weight_set=weight_set)
    return make_estimates_table(estimate_survey(data, options), scope)


def _cell(value: object) -> str | int | float | dt.date | None:
    if isinstance(value, float) and math.isnan(value):
        return None  # an undefined figure is an empty cell, not the text "nan"
    if isinstance(value, str | int | float | dt.date):
        return value
    return str(value)


def _values(line: EstimateLine) -> list[str | int | float | dt.date | None]:
    return [_cell(v) for v in msgspec.structs.astuple(line)]


def estimates_csv(table: EstimatesTable) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (for Excel), a header row, full
    precision (``repr`` of each float), empty cells for undefined figures."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EstimateLine.__struct_fields__)
    for line in table.rows:
        writer.writerow(["" if v is None else v for v in _values(line)])
    return buffer.getvalue().encode("utf-8-sig")


def _readme(table: EstimatesTable) -> list[tuple[str, str]]:
    survey, weights, options = table.survey, table.weights, table.options
    rows = [
        ("Khảo sát / Survey", f"{survey.code}: {nfc(survey.title)}"),
        ("Kỳ / Period", f"{survey.period_start.isoformat()} – {survey.period_end.isoformat()}"),
        ("Phiếu / Instrument", f"{survey.instrument} v{survey.instrument_version}"),
        ("Nguồn / Source", table.source),
        ("Trọng số / Weights", weights.description),
        ("Mẫu / Sample", weights.sample),
        (
            "Phương pháp / Method",
            "Hájek ratio estimators; element index = mean of its items' satisfied shares, "
            "overall index = weighted mean of the elements; standard errors by Taylor "
            f"linearisation ({options.variance}) over strata and PSUs with the "
            "finite-population correction; intervals in column ci_method (logit for "
            f"shares and indices) at level {options.level:g}; strata with one PSU: "
            f"'{options.lonely_psu}' (centred at the grand mean, as R survey.lonely.psu).",
        ),
        ("Miền / Domains", options.domains),
        (
            "Phạm vi / Scope",
            f"{table.units} units visible to the user who exported"
            if table.scoped
            else f"all {table.units} units with respondents",
        ),
        ("Lập lúc / Exported at", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return [*rows, ("", ""), ("Cột / Column", "Ý nghĩa / Meaning")] + [
        (column, f"{vi} / {en}") for column, (vi, en) in COLUMN_NOTES.items()
    ]


def _header(sheet: WriteOnlyWorksheet, names: tuple[str, ...] | list[str]) -> None:
    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


_WIDTHS: Final = {"unit_name": 32, "label_vi": 48, "label_en": 40, "reasons": 24}
_FRACTION_COLUMNS: Final = frozenset({"estimate", "se", "ci_low", "ci_high", "n_eff", "deff"})


def _estimates_sheet(book: Workbook, table: EstimatesTable) -> None:
    sheet = book.create_sheet("estimates")
    names = EstimateLine.__struct_fields__
    sheet.freeze_panes = "A2"
    for k, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = _WIDTHS.get(name, 12)
    _header(sheet, names)
    fraction = [name in _FRACTION_COLUMNS for name in names]
    for line in table.rows:
        row: list[object] = []
        for value, is_fraction in zip(_values(line), fraction, strict=True):
            if is_fraction and isinstance(value, float):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.0000"
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(table.rows) + 1}"


def estimates_xlsx(table: EstimatesTable, target: IO[bytes]) -> None:
    """Write the table as an XLSX workbook: sheet ``estimates`` (one tidy table, full
    precision, shown to 4 decimals) and sheet ``README`` (survey, period, weights,
    method, scope and the meaning of every column, in Vietnamese and English)."""
    book = Workbook(write_only=True)
    _estimates_sheet(book, table)
    readme = book.create_sheet("README")
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 110
    _header(readme, ["Mục / Item", "Nội dung / Content"])
    for key, value in _readme(table):
        readme.append([key, value])
    book.save(target)
