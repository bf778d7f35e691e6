"""Reading a workbook someone uploaded (a question bank, a year of customer outcomes)
without letting a crafted file hurt the server: its unpacked size is checked before
anything is parsed, a DOCTYPE (which no spreadsheet program writes, and every entity trick
needs) is refused, and only the rows asked for are read."""

import io
import zipfile

from django.utils.translation import gettext as _


class UnreadableWorkbook(Exception):
    """The upload cannot be read as a workbook; the message says why, for people."""


def workbook_rows(
    data: bytes, sheets: dict[str | None, int], max_unpacked: int
) -> dict[str | None, list[tuple]]:
    """Each sheet's first rows (title → how many) as plain values; the title None is the
    first sheet, whatever its name. Read whole here: openpyxl parses a sheet only as its
    rows are read, so a damaged one fails there, and every way it can fail (a broken zip,
    truncated or hostile XML, an impossible cell reference) means one thing to the person
    uploading it."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            declares_a_doctype = unpacked <= max_unpacked and any(
                b"<!doctype" in archive.open(member).read(4096).lower()
                for member in archive.infolist()
                if member.filename.endswith((".xml", ".rels"))
            )
        if declares_a_doctype:
            raise UnreadableWorkbook(
                _(
                    "The workbook declares an XML document type (DOCTYPE), which no "
                    "spreadsheet program writes. Nothing was imported."
                )
            )
        if unpacked > max_unpacked:
            raise UnreadableWorkbook(
                _(
                    "The workbook unpacks to %(size)s MB; a file for this import is far "
                    "smaller. Nothing was imported."
                )
                % {"size": unpacked // 1024 // 1024}
            )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            missing = [title for title in sheets if title and title not in workbook.sheetnames]
            if missing:
                raise UnreadableWorkbook(
                    _("The workbook needs the sheets %(sheets)s; it lacks %(missing)s.")
                    % {"sheets": ", ".join(map(str, sheets)), "missing": ", ".join(missing)}
                )
            return {
                title: list(
                    (workbook[title] if title else workbook.worksheets[0]).iter_rows(
                        values_only=True, max_row=rows
                    )
                )
                for title, rows in sheets.items()
            }
        finally:
            workbook.close()
    except UnreadableWorkbook:
        raise
    except Exception as error:  # any parser failure means a damaged file
        raise UnreadableWorkbook(
            _("The file is not an Excel workbook (.xlsx) that can be read (%(error)s).")
            % {"error": (str(error) or type(error).__name__)[:120]}
        ) from None
