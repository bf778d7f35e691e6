"""Every file the app hands out (CSV, SVG) is built here, so that each one gets the same
byte-order mark, safe file name, formula guard and headers."""

import csv
from collections.abc import Iterable

from django.core.cache import cache
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

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


def _attachment(name: str) -> dict:
    return {"Content-Disposition": content_disposition_header(True, name)}


def csv_response(name: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A whole CSV file, every cell of every row guarded."""
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers=_attachment(name))
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
        lines(), content_type="text/csv; charset=utf-8", headers=_attachment(name)
    )


def svg_response(requested_key: str, key: str | None, spec: dict | None) -> HttpResponse:
    """The drawing of `spec` (whose hash is `key`), made once and kept in Django's cache.

    A chart's URL names the hash of its data, and it must be the page's current one: an
    old or made-up key is a 404, so nobody fetches data the page would not show them."""
    if key is None or key != requested_key:
        raise Http404
    svg = cache.get(f"chart:{key}")
    if svg is None:
        svg = charts.draw(spec)
        cache.set(f"chart:{key}", svg)
    return HttpResponse(svg, content_type="image/svg+xml")
