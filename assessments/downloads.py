"""Every file the app hands out (CSV, Excel, SVG) is built here, so that each one gets the
same safe file name, formula guard and headers."""

import contextlib
import csv
import datetime
import functools
import io
import signal
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from assessments import charts

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Spreadsheet programs read UTF-8 (the accents in notes) only when the file says so.
BYTE_ORDER_MARK = "\ufeff"


def spreadsheet_safe(value):
    """Text a spreadsheet would run as a formula, made inert by a leading apostrophe.
    Numbers pass as they are, so a negative number stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Iterable]) -> Iterable[list]:
    for row in rows:
        yield [spreadsheet_safe(cell) for cell in row]


def filename(*parts, extension: str) -> str:
    """`orientacion-hotel-brisa-del-mar-2026-10-15.csv`: ASCII, no path, no quotes."""
    words = [slugify(str(part)) for part in ("orientacion", *parts)]
    return "-".join(word for word in words if word) + "." + extension


def attachment(name: str) -> dict:
    return {"Content-Disposition": content_disposition_header(True, name)}


def csv_response(name: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A whole CSV file, every cell of every row guarded."""
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers=attachment(name))
    response.write(BYTE_ORDER_MARK)
    csv.writer(response).writerows(safe_rows(rows))
    return response


class _Echo:
    def write(self, value):
        return value


def streaming_csv_response(name: str, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A CSV file written as its rows are read, for exports too large to hold in memory."""
    writer = csv.writer(_Echo())

    def lines():
        yield BYTE_ORDER_MARK
        for row in safe_rows(rows):
            yield writer.writerow(row)

    return StreamingHttpResponse(
        lines(), content_type="text/csv; charset=utf-8", headers=attachment(name)
    )


@dataclass
class Sheet:
    """One table of an export: a CSV file holds one, an Excel workbook one per sheet.
    Numbers in `rows` stay numbers (int, Decimal) and dates stay dates, so a spreadsheet
    can sum and sort them; the CSV writer prints them as plain text."""

    title: str
    header: list
    rows: Iterable[Iterable]


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths are measured on the first rows only, so a long export is written as it is
# read; a few hundred rows show a column's usual width well enough.
WIDTH_SAMPLE = 300
MIN_WIDTH, MAX_WIDTH = 8, 60
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with a sheet per table: a bold, frozen header row, columns as wide as
    their contents, and every text cell stored as text, so no formula ever runs."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title))
        rows = iter(sheet.rows)
        sample = [list(row) for row in islice(rows, WIDTH_SAMPLE)]
        for index, width in enumerate(_column_widths(sheet.header, sample), 1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        header = []
        for title in sheet.header:
            cell = _text_cell(worksheet, str(title))
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row in chain(sample, rows):
            worksheet.append([_xlsx_value(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(worksheet, value):
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if not isinstance(value, str):
        # Decimal and date are written as Excel numbers and dates; anything else as text.
        return value if isinstance(value, (Decimal, datetime.date)) else str(value)
    if value.startswith(FORMULA_STARTS):
        return _text_cell(worksheet, value)
    # Most texts have no control character at all; checking that first keeps a 40,000-row
    # export fast.
    return value if value.isprintable() else _xml_text(value)


def _xml_text(text: str) -> str:
    """XML cannot hold most control characters (one pasted into a note): they are left
    out. A line break in a cell is a line feed; a reader of the file would turn a carriage
    return into one anyway."""
    return ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text_cell(worksheet, text: str) -> WriteOnlyCell:
    """A cell that is text whatever it starts with: openpyxl would store "=…" as a
    formula, and Excel would turn "+…" into one when the cell is edited; the quote prefix
    keeps it text even then, and the value stays exactly as typed."""
    cell = WriteOnlyCell(worksheet, _xml_text(text))
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _sheet_title(title: str) -> str:
    # Excel refuses titles over 31 characters or with any of []:*?/\
    return str(title).translate(_SHEET_TITLE_FORBIDDEN)[:31] or "Sheet"


def _column_widths(header, rows) -> list[int]:
    widths = [len(str(title)) for title in header]
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            if value is not None:
                longest_line = max(len(line) for line in str(value).splitlines() or [""])
                widths[index] = max(widths[index], longest_line)
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def xlsx_response(name: str, sheets: Iterable[Sheet]) -> HttpResponse:
    return HttpResponse(
        xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE, headers=attachment(name)
    )


def table_response(fmt: str, name_parts: Iterable, sheets: list[Sheet], *, stream=False):
    """A CSV file of the first sheet, or an Excel workbook of them all. `stream` sends a
    CSV as its rows are read; a workbook is always whole, since a zip is written last."""
    name = filename(*name_parts, extension=fmt)
    if fmt == "xlsx":
        return xlsx_response(name, sheets)
    rows = chain([sheets[0].header], sheets[0].rows)
    if stream:
        return streaming_csv_response(name, rows)
    return csv_response(name, rows)


class TooSlow(Exception):
    """The work ran past its time limit and was stopped."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Stop the work inside after `seconds` with TooSlow, so that one slow document never
    holds a worker until gunicorn kills it. It needs the main thread (a gunicorn sync
    worker's); elsewhere (the threaded development server) the work runs unlimited."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pdf_bytes(html: str, time_limit_seconds: float = 0) -> bytes:
    """An A4 PDF of our own HTML, styled by the report's print sheet. The document may
    fetch nothing but inline data (the charts): no file, no URL, whatever a text holds."""
    import weasyprint  # loads Pango and its fonts: paid by the first PDF, not every worker

    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    with time_limit(time_limit_seconds):
        document = weasyprint.HTML(string=html, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[_pdf_stylesheet()])


@functools.cache
def _pdf_stylesheet():
    """The print sheet, parsed once per worker."""
    import weasyprint

    return weasyprint.CSS(filename=finders.find("css/report-pdf.css"))


def warm_up_pdf() -> None:
    """Import WeasyPrint and lay out a line of text, which loads Pango and the fonts."""
    pdf_bytes("<p>Orientación</p>")


def pdf_response(name: str, pdf: bytes) -> HttpResponse:
    return HttpResponse(pdf, content_type="application/pdf", headers=attachment(name))


def svg_response(request, requested_key: str, key: str | None, spec: dict | None) -> HttpResponse:
    """The drawing of `spec` (whose hash is `key`), made once and kept in Django's cache;
    with `?layout=narrow`, its variant drawn for a phone's width (charts.narrow).

    A chart's URL names the hash of its data, and it must be the page's current one: an
    old or made-up key is a 404, so nobody fetches data the page would not show them."""
    if key is None or key != requested_key:
        raise Http404
    if request.GET.get("layout") == "narrow":
        spec = charts.narrow(spec)
        key = charts.spec_key(spec)
    return HttpResponse(charts.cached_svg(key, spec), content_type="image/svg+xml")
