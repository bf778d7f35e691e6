"""Reads of customer outcomes: an organisation's months and who entered them, and each
organisation of a book with its current scores and the outcomes paired with them, from
which the book's correlations are computed (and kept in the shared cache)."""

from typing import NamedTuple

from django.core.cache import cache
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import ExtractMonth, ExtractYear

from assessments import outcomes
from assessments.models import AreaResult, OutcomeValue
from assessments.selectors.book import (
    BOOK_COUNTS_TIMEOUT,
    _as_book,
    book_generation,
    book_score_counts,
    followed_organisations,
)


def outcome_values(organisation_id: int) -> list[OutcomeValue]:
    """The organisation's values, newest month first, with who entered each."""
    return list(
        OutcomeValue.objects.filter(organisation_id=organisation_id)
        .select_related("entered_by")
        .order_by("-period", "measure")
    )


def outcome_months(organisation_id: int) -> dict:
    """(measure, month) → value of every value the organisation has: what an import is
    compared with."""
    rows = OutcomeValue.objects.filter(organisation_id=organisation_id).values_list(
        "measure", "period", "value"
    )
    return {(measure, period): value for measure, period, value in rows}


def _month_number(field: str):
    return ExtractYear(field) * 12 + ExtractMonth(field) - 1


def _paired(measure: str) -> Subquery:
    """The organisation's latest value of `measure` in the pairing window of its current
    result (QUESTION-BANK.md): from 12 months before its month to 6 after."""
    return Subquery(
        OutcomeValue.objects.filter(organisation=OuterRef("pk"), measure=measure)
        .annotate(month=_month_number("period"))
        .filter(
            month__gte=OuterRef("result_month") - outcomes.MONTHS_BEFORE,
            month__lte=OuterRef("result_month") + outcomes.MONTHS_AFTER,
        )
        .order_by("-period")
        .values("value")[:1]
    )


def _area_score(code: str) -> Subquery:
    return Subquery(
        AreaResult.objects.filter(assessment=OuterRef("current_result"), area_code=code).values(
            "score"
        )[:1]
    )


def _number(value) -> float | None:
    # Floats rank as the Decimals do (two places at most) and keep in the cache for less.
    return None if value is None else float(value)


def outcome_rows(book, area_codes, sector: str | None = None) -> list[outcomes.OutcomeRow]:
    """Every organisation of the book (of one sector of it, if given) with a current
    result: its scores and its paired outcomes, in one query however many there are."""
    organisations = followed_organisations(book).exclude(current_result=None)
    if sector:
        organisations = organisations.filter(sector=sector)
    rows = (
        organisations.annotate(result_month=_month_number("current_result__submitted_at"))
        .annotate(
            **{f"area_{code}": _area_score(code) for code in area_codes},
            **{f"measure_{m.code}": _paired(m.code) for m in outcomes.MEASURES},
            overall=F("current_score"),
        )
        .order_by("name", "pk")
        .values(
            "pk",
            "name",
            "overall",
            *(f"area_{code}" for code in area_codes),
            *(f"measure_{m.code}" for m in outcomes.MEASURES),
        )
    )
    return [
        outcomes.OutcomeRow(
            organisation_id=row["pk"],
            name=row["name"],
            scores={"overall": _number(row["overall"])}
            | {code: _number(row[f"area_{code}"]) for code in area_codes},
            values={
                m.code: _number(row[f"measure_{m.code}"])
                for m in outcomes.MEASURES
                if row[f"measure_{m.code}"] is not None
            },
        )
        for row in rows
    ]


def _key(kind: str, book, area_codes, sector, *rest) -> str:
    parts = [_as_book(book).key, sector or "", ",".join(area_codes), *rest]
    return f"outcomes-{kind}:{':'.join(parts)}:{book_generation()}"


def _cached(key: str, make):
    """What `make` returns, kept in the shared cache until a result, membership,
    organisation or outcome changes (each moves the book generation on)."""
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, timeout=BOOK_COUNTS_TIMEOUT)
    return value


def book_outcome_rows(book, area_codes, sector: str | None = None) -> list:
    return _cached(
        _key("rows", book, area_codes, sector),
        lambda: outcome_rows(book, area_codes, sector),
    )


class BookCorrelations(NamedTuple):
    size: int  # the group's organisations with a result
    by_measure: dict  # measure code → ρ of every score against it, strongest first


def book_correlations(book, area_codes, sector: str | None = None) -> BookCorrelations:
    """The group's correlations: a book of thousands is ranked once, not on every visit."""

    def rank():
        rows = book_outcome_rows(book, area_codes, sector)
        keys = ["overall", *area_codes]
        return BookCorrelations(
            len(rows),
            {m.code: outcomes.correlations(rows, keys, m.code) for m in outcomes.MEASURES},
        )

    return _cached(_key("correlations", book, area_codes, sector), rank)


def book_scatter(book, area_codes, sector, score_key: str, score_label: str, measure: str):
    """The scatter of one score against one measure over the group, as the page shows it
    in the active language: drawn once, and its points (with their names) kept beside it,
    so a page of a large group reads neither the rows nor the ranks again."""
    from django.utils.translation import get_language

    from assessments.outcome_charts import scatter_view

    return _cached(
        _key("scatter", book, area_codes, sector, score_key, measure, get_language() or ""),
        lambda: scatter_view(
            book_outcome_rows(book, area_codes, sector), score_key, score_label, measure
        ),
    )


def book_sectors(book) -> list[str]:
    """The sectors of the book's organisations, for the group choice, from its cached
    counts."""
    return sorted(
        {sector for sector, _score in book_score_counts(book) if sector}, key=str.casefold
    )
