"""Checks on what people type, shared by the models (and so the admin) and the forms."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control characters (newline, tab, NUL…) and the Unicode line and paragraph separators.
_NOT_ON_ONE_LINE = {"Cc", "Zl", "Zp"}


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(character) in _NOT_ON_ONE_LINE for character in value)


def single_line(value: str) -> None:
    """A one-line field's text goes into mail subjects, file names and spreadsheet cells,
    where a line break or a NUL breaks the header, the file or the database: refuse them."""
    if has_control_characters(value):
        raise ValidationError(
            _("Write this on one line, without line breaks, tabs or other control characters."),
            code="control_characters",
        )
