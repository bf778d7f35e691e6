"""Customer outcomes as a file: a CSV or a workbook with a row per month and a column per
measure, read and checked whole, so the preview names every problem at once. Plain data in
and out: nothing here touches the database."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from assessments import spreadsheets
from assessments.formatting import half_up
from assessments.outcomes import MEASURE_BY_CODE, MEASURES, first_of_month, range_problem

# Fifty years of months, far above any real file, and a bound on what an upload can cost.
MAX_ROWS = 600
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UNPACKED_BYTES = 10 * 1024 * 1024
MONTH_COLUMN = "month"
COLUMNS = (MONTH_COLUMN, *(measure.code for measure in MEASURES))
MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


@dataclass(frozen=True)
class OutcomeMonth:
    """One month of a file: the measures it gives a value (code → value)."""

    period: date
    values: dict


class OutcomeFileError(Exception):
    """The file cannot be imported; `problems` says every reason found, for people."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def read_outcome_file(name: str, data: bytes, today: date) -> list[OutcomeMonth]:
    """The months a `.csv` or `.xlsx` file holds, checked; OutcomeFileError lists every
    problem. A month after `today`'s is refused: outcomes are measured, not planned."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise OutcomeFileError(
            [
                _("The file is %(size)s MB; an outcomes file is at most 1 MB. Nothing was read.")
                % {"size": f"{len(data) / 1024 / 1024:.1f}"}
            ]
        )
    lower = name.lower()
    if lower.endswith(".csv"):
        rows = _csv_rows(data)
    elif lower.endswith(".xlsx"):
        try:
            rows = spreadsheets.workbook_rows(data, {None: MAX_ROWS + 2}, MAX_UNPACKED_BYTES)[None]
        except spreadsheets.UnreadableWorkbook as error:
            raise OutcomeFileError([str(error)]) from None
    else:
        raise OutcomeFileError([_("Upload a .csv file or an .xlsx workbook.")])
    return _months(rows, first_of_month(today))


def _csv_rows(data: bytes) -> list[tuple]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OutcomeFileError(
            [_("The CSV file is not UTF-8 text: save it as “CSV UTF-8” and upload it again.")]
        ) from None
    # Spreadsheets in Spanish write ";" between columns, since "," is their decimal mark.
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)][
            : MAX_ROWS + 2
        ]
    except csv.Error as error:
        raise OutcomeFileError(
            [_("The CSV file cannot be read (%(error)s).") % {"error": error}]
        ) from None


def _cell_text(value) -> str:
    return "" if value is None else str(value).strip()


def _months(rows: list[tuple], this_month: date) -> list[OutcomeMonth]:
    rows = [row for row in rows if any(_cell_text(cell) for cell in row)]
    if not rows:
        raise OutcomeFileError([_("The file is empty: it needs a header row and a row a month.")])
    header = [_cell_text(cell).lower() for cell in rows[0]]
    problems = _header_problems(header)
    if problems:
        raise OutcomeFileError(problems)
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise OutcomeFileError(
            [_("The file has more than %(max)s months; split it.") % {"max": MAX_ROWS}]
        )
    months, seen = [], {}
    for line, row in enumerate(body, start=2):
        cells = dict(zip(header, row, strict=False))
        period = _period(cells.get(MONTH_COLUMN), line, this_month, problems)
        if period is not None and period in seen:
            problems.append(
                _("Row %(line)s: %(month)s is already on row %(first)s.")
                % {"line": line, "month": f"{period:%Y-%m}", "first": seen[period]}
            )
            period = None
        values = {}
        for code in header[1:]:
            value = _value(code, cells.get(code), line, problems)
            if value is not None:
                values[code] = value
        if period is not None:
            seen[period] = line
            months.append(OutcomeMonth(period, values))
    if problems:
        raise OutcomeFileError(problems)
    if not any(month.values for month in months):
        raise OutcomeFileError([_("The file has no value to import.")])
    return months


def _header_problems(header: list[str]) -> list[str]:
    expected = ", ".join(COLUMNS)
    if not header or header[0] != MONTH_COLUMN:
        return [
            _("The first column must be “month”; the columns are %(columns)s.")
            % {"columns": expected}
        ]
    problems = []
    unknown = [name for name in header[1:] if name not in MEASURE_BY_CODE]
    if unknown:
        problems.append(
            _("Unknown columns: %(unknown)s. The columns are %(columns)s.")
            % {"unknown": ", ".join(f"“{name}”" for name in unknown), "columns": expected}
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(_("Columns given twice: %(names)s.") % {"names": ", ".join(repeated)})
    return problems


def _period(value, line: int, this_month: date, problems: list) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        period = first_of_month(value)
    else:
        match = MONTH_TEXT.match(_cell_text(value))
        period = None
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            period = date(year, month, 1) if 1 <= month <= 12 and year >= 1900 else None
        if period is None:
            problems.append(
                _("Row %(line)s: “%(value)s” is not a month; write it as 2026-05.")
                % {"line": line, "value": _cell_text(value)[:40]}
            )
            return None
    if period > this_month:
        problems.append(
            _("Row %(line)s: %(month)s has not ended yet; outcomes are entered for past months.")
            % {"line": line, "month": f"{period:%Y-%m}"}
        )
        return None
    return period


def _value(code: str, cell, line: int, problems: list) -> Decimal | None:
    text = _cell_text(cell)
    if not text:
        return None
    measure = MEASURE_BY_CODE[code]
    try:
        value = Decimal(text.replace(",", ".").removesuffix("%").strip())
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        problems.append(
            _("Row %(line)s, %(measure)s: “%(value)s” is not a number.")
            % {"line": line, "measure": code, "value": text[:40]}
        )
        return None
    # Checked before rounding too: 100.004 is above 100, though it shows as 100.00.
    problem = range_problem(measure, value) or range_problem(measure, half_up(value, 2))
    if problem:
        problems.append(_("Row %(line)s: %(problem)s") % {"line": line, "problem": problem})
        return None
    return half_up(value, 2)
