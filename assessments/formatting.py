"""How numbers are shown, on pages and in exports alike.

Scores are kept exact and rounded only where they are shown, always half-up (52.5 shows as
53): Python's round() and format() round halves to even, which shows 62.5 as 62 beside a
gap of 37.5 shown as 38.
"""

from decimal import ROUND_HALF_UP, Context, Decimal

from django.utils.formats import number_format

NOT_AVAILABLE = "–"


def half_up(value, places: int = 0) -> Decimal:
    """`value` rounded half-up to `places` decimals. Floats go through their shortest repr,
    so 52.5 is 52.5 and not the binary neighbour below it."""
    exponent = Decimal(1).scaleb(-places)
    exact = Decimal(str(value))
    # Enough digits for any value typed (a 30-digit figure too): the default 28 would
    # raise on quantizing it, where it should be shown and refused with its measure's range.
    digits = max(28, exact.adjusted() + places + 2)
    return exact.quantize(exponent, rounding=ROUND_HALF_UP, context=Context(prec=digits))


def number(value, places: int = 0) -> str:
    """A score or figure for people, in the active language's format ("52,5" in Spanish)."""
    if value is None or value == "":
        return NOT_AVAILABLE
    return number_format(half_up(value, places), places)


def signed(value, places: int = 1) -> str:
    """A change in score, with its sign: +12,5 / -3,0 / 0,0."""
    if value is None or value == "":
        return NOT_AVAILABLE
    rounded = half_up(value, places)
    shown = number_format(rounded, places)
    return f"+{shown}" if rounded > 0 else shown


def gap(score) -> str:
    """The gap of a score as shown: 100 minus the rounded score, so that a score and its
    gap shown side by side always add up to 100."""
    if score is None or score == "":
        return NOT_AVAILABLE
    return number_format(100 - half_up(score), 0)


def weight(value) -> str:
    """1, 1,25 or 1,5: as many decimals as the weight has (at most two)."""
    exact = half_up(value, 2).normalize()
    places = max(0, -exact.as_tuple().exponent)
    return number_format(half_up(value, places), places)


def percent(part, whole) -> int:
    """`part` of `whole` as a whole percentage (0 when there is no whole)."""
    return int(half_up(100 * part / whole)) if whole else 0


def plain(value, places: int = 2) -> Decimal | None:
    """A number for a file other programs read: unlocalised, with a dot, `places` decimals."""
    return None if value is None else half_up(value, places)
