"""Customer outcomes: a month's values saved from the page or the API, a file's months
imported. Each value keeps who entered it and when; the audit trail keeps what it was."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import OutcomeValue
from assessments.outcomes import MEASURE_BY_CODE, first_of_month, range_problem
from assessments.outcomes_io import OutcomeMonth
from assessments.selectors.book import book_changed
from assessments.services.errors import AssessmentError


@dataclass(frozen=True)
class OutcomeChanges:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def count(self) -> int:
        return self.added + self.changed + self.removed


def outcome_changes(existing: dict, months: list[OutcomeMonth]) -> OutcomeChanges:
    """What importing `months` would do to `existing` ((measure, period) → value): a file
    adds and replaces values, and never removes one it leaves blank."""
    added = changed = unchanged = 0
    for month in months:
        for code, value in month.values.items():
            before = existing.get((code, month.period))
            if before is None:
                added += 1
            elif before != value:
                changed += 1
            else:
                unchanged += 1
    return OutcomeChanges(added=added, changed=changed, unchanged=unchanged)


def _check(period: date, values: dict) -> None:
    """The service's own check: a form or file has said it already, for people."""
    if period != first_of_month(period):
        raise AssessmentError(_("An outcome is recorded for a month, as its first day."))
    for code, value in values.items():
        measure = MEASURE_BY_CODE.get(code)
        if measure is None:
            raise AssessmentError(_("Unknown measure: %(code)s.") % {"code": code})
        if value is not None and range_problem(measure, Decimal(value)):
            raise AssessmentError(range_problem(measure, Decimal(value)))


def _write(organisation, user, period: date, values: dict, existing: dict) -> OutcomeChanges:
    added = changed = removed = unchanged = 0
    for code, value in values.items():
        row = existing.get((code, period))
        if value is None:
            if row is not None:
                row.delete()
                removed += 1
            continue
        if row is None:
            OutcomeValue.objects.create(
                organisation=organisation,
                measure=code,
                period=period,
                value=value,
                entered_by=user,
            )
            added += 1
        elif row.value != value:
            row.value, row.entered_by = value, user
            row.save(update_fields=["value", "entered_by", "entered_at"])
            changed += 1
        else:
            unchanged += 1
    return OutcomeChanges(added, changed, removed, unchanged)


def _existing(organisation, periods) -> dict:
    rows = OutcomeValue.objects.select_for_update().filter(
        organisation=organisation, period__in=periods
    )
    return {(row.measure, row.period): row for row in rows}


@transaction.atomic
def outcomes_save(*, organisation, user, period: date, values: dict) -> OutcomeChanges:
    """Set the month's values (measure code → value); None removes a value, a measure left
    out stays as it is."""
    _check(period, values)
    changes = _write(organisation, user, period, values, _existing(organisation, [period]))
    if changes.count:
        book_changed()  # the book's correlations are cached until its figures change
    return changes


@transaction.atomic
def outcomes_import(*, organisation, user, months: list[OutcomeMonth]) -> OutcomeChanges:
    """A checked file's months: its values added or replaced, the blanks left alone. All or
    nothing: a failure leaves every value as it was."""
    for month in months:
        _check(month.period, month.values)
    existing = _existing(organisation, [month.period for month in months])
    totals = [_write(organisation, user, m.period, m.values, existing) for m in months]
    changes = OutcomeChanges(
        added=sum(t.added for t in totals),
        changed=sum(t.changed for t in totals),
        unchanged=sum(t.unchanged for t in totals),
    )
    if changes.count:
        book_changed()
    return changes
