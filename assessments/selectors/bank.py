"""Reads of the question bank: the published version, its areas and questions in report
order (kept per worker once published), and a version as plain content for its files."""

from django.core import serializers
from django.db.models import Prefetch

from assessments import bank_io
from assessments.models import (
    Area,
    Question,
    QuestionBank,
)


def current_bank() -> QuestionBank | None:
    return (
        QuestionBank.objects.filter(status=QuestionBank.Status.PUBLISHED)
        .order_by("-published_at", "-version")
        .first()
    )


def bank_question_ids(bank_id: int) -> list[int]:
    return list(Question.objects.filter(area__bank_id=bank_id).values_list("id", flat=True))


def questions_by_area(bank_id: int) -> list[Area]:
    """The bank's areas in report order, each with its questions prefetched in order."""
    return list(
        Area.objects.filter(bank_id=bank_id)
        .order_by("order")
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("number")))
    )


class PublishedBankMemo:
    """What is derived from a published bank (its structure, the answer page's markup),
    computed once per worker and kept as plain objects.

    A published bank never changes (edits go into a new version), so nothing here goes
    stale. A cache backend would pickle and unpickle the values on every read, which cost
    the answer page more than its queries; a draft is never kept.
    """

    # More than a running worker meets (a few entries per version and language); past it,
    # starting again is cheaper than tracking which version is oldest.
    MAX_ENTRIES = 256

    def __init__(self):
        self._values = {}

    def get(self, bank: QuestionBank, name: str, build):
        if bank.status != QuestionBank.Status.PUBLISHED:
            return build()
        key = (bank.pk, bank.published_at, name)
        try:
            return self._values[key]
        except KeyError:
            return self._keep(key, build())

    def bank(self, bank_id: int) -> QuestionBank:
        """The bank row itself, read once per worker once it is published."""
        key = (bank_id, "bank")
        try:
            return self._values[key]
        except KeyError:
            bank = QuestionBank.objects.get(pk=bank_id)
            if bank.status != QuestionBank.Status.PUBLISHED:
                return bank
            return self._keep(key, bank)

    def _keep(self, key, value):
        if len(self._values) >= self.MAX_ENTRIES:
            self._values.clear()
        return self._values.setdefault(key, value)

    def clear(self):
        self._values.clear()


published_banks = PublishedBankMemo()


def bank_structure(bank: QuestionBank) -> list[Area]:
    """`questions_by_area`, built once per worker for a published bank."""
    return published_banks.get(bank, "structure", lambda: questions_by_area(bank.pk))


def bank_content(bank: QuestionBank) -> bank_io.BankContent:
    """What a bank version says, as plain data, in two queries."""
    areas = list(bank.areas.order_by("order").prefetch_related("questions"))
    return bank_io.BankContent(
        bank.title_es,
        bank.title_en,
        bank.threshold_developing,
        bank.threshold_oriented,
        bank.threshold_centred,
        areas=tuple(
            bank_io.AreaContent(**{c: getattr(a, c) for c in bank_io.AREA_COLUMNS}) for a in areas
        ),
        questions=tuple(
            sorted(
                (
                    bank_io.QuestionContent(
                        area=a.code, **{c: getattr(q, c) for c in bank_io.QUESTION_COLUMNS[1:]}
                    )
                    for a in areas
                    for q in a.questions.all()
                ),
                key=lambda q: q.number,
            )
        ),
    )


def bank_fixture(bank: QuestionBank) -> str:
    """The version as `dumpdata --natural-foreign --natural-primary` writes it: a file
    `loaddata` reads, and the import takes."""
    areas = list(bank.areas.select_related("bank").order_by("order"))
    questions = list(
        Question.objects.filter(area__bank=bank)
        .select_related("area__bank")
        .order_by("area__order", "number")
    )
    return serializers.serialize(
        "json",
        [bank, *areas, *questions],
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
        indent=2,
    )
