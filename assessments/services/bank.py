"""The question bank's versions: a new draft, publishing, importing a file."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import bank_io
from assessments.models import (
    Area,
    Question,
    QuestionBank,
)
from assessments.services.errors import AssessmentError


@transaction.atomic
def bank_new_version(*, bank: QuestionBank) -> QuestionBank:
    """A draft copy of `bank`, with the next version number, to edit and then publish."""
    latest = QuestionBank.objects.select_for_update().order_by("-version").first()
    copy = _copied(
        bank,
        version=latest.version + 1,
        status=QuestionBank.Status.DRAFT,
        published_at=None,
        import_preview="",
    )
    copy.save()
    for area in bank.areas.order_by("order").prefetch_related("questions"):
        area_copy = _copied(area, bank=copy)
        area_copy.save()
        Question.objects.bulk_create(_copied(q, area=area_copy) for q in area.questions.all())
    return copy


def _copied(instance, **changes):
    """An unsaved copy of a bank, area or question with `changes` applied."""
    fields = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in changes
    }
    return type(instance)(**fields, **changes)


def bank_problems(bank: QuestionBank) -> list[str]:
    """Why a draft cannot be published yet; empty when it can."""
    labels = {
        "name": _("name"),
        "description": _("description"),
        "text": _("question text"),
        "help": _("help text"),
        "recommendation": _("recommendation"),
    }
    # Thresholds that rise, positive area weights and question weights of 1 to 3 are
    # check constraints: a bank that breaks them is never stored.
    problems = []
    if not (bank.title_es.strip() and bank.title_en.strip()):
        problems.append(_("The title needs both a Spanish and an English text."))
    areas = list(bank.areas.order_by("order").prefetch_related("questions"))
    if not areas:
        problems.append(_("The bank has no areas."))
    numbers = [q.number for area in areas for q in area.questions.all()]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.append(_("Question number %(number)s is used twice.") % {"number": number})
    for area in areas:
        questions = list(area.questions.all())
        label = f"{area.code} ({area.name_es})"
        if not questions:
            problems.append(_("Area %(area)s has no question.") % {"area": label})
        for field in ("name", "description"):
            if not (getattr(area, f"{field}_es").strip() and getattr(area, f"{field}_en").strip()):
                problems.append(
                    _("Area %(area)s: the %(field)s is missing in Spanish or English.")
                    % {"area": label, "field": labels[field]}
                )
        for question in questions:
            for field in ("text", "help", "recommendation"):
                if not (
                    getattr(question, f"{field}_es").strip()
                    and getattr(question, f"{field}_en").strip()
                ):
                    problems.append(
                        _("Question %(number)s: the %(field)s is missing in Spanish or English.")
                        % {"number": question.number, "field": labels[field]}
                    )
    return problems


@transaction.atomic
def bank_publish(*, bank: QuestionBank) -> QuestionBank:
    """Make a valid draft the current bank: new assessments use it from now on."""
    bank = QuestionBank.objects.select_for_update().get(pk=bank.pk)
    if bank.status != QuestionBank.Status.DRAFT:
        raise AssessmentError(_("Only a draft can be published."))
    problems = bank_problems(bank)
    if problems:
        raise AssessmentError(" ".join(problems))
    bank.status = QuestionBank.Status.PUBLISHED
    bank.published_at = timezone.now()
    bank.save(update_fields=["status", "published_at"])
    return bank


class AlreadyImported(AssessmentError):
    def __init__(self, bank: QuestionBank):
        self.bank = bank
        super().__init__(
            _("This preview was imported already, as version %(version)s: nothing was added.")
            % {"version": bank.version}
        )


def bank_import(*, content: bank_io.BankContent, preview: str | None = None) -> QuestionBank:
    """A new draft version holding `content`, with the next version number. Nothing that
    exists is changed, so no published or answered version can be; all or nothing. A
    `preview` (the admin's signed preview's id) imports once: AlreadyImported after."""
    problems = bank_io.check(content)
    if problems:
        raise AssessmentError(" ".join(problems))
    with transaction.atomic():
        latest = QuestionBank.objects.select_for_update().order_by("-version").first()
        if preview is not None:
            earlier = QuestionBank.objects.filter(import_preview=preview).first()
            if earlier is not None:
                raise AlreadyImported(earlier)
        bank = QuestionBank.objects.create(
            version=(latest.version if latest else 0) + 1,
            status=QuestionBank.Status.DRAFT,
            import_preview=preview or "",
            **{name: getattr(content, name) for name in bank_io.BANK_COLUMNS},
        )
        areas = {
            a.code: Area.objects.create(
                bank=bank, **{c: getattr(a, c) for c in bank_io.AREA_COLUMNS}
            )
            for a in content.areas
        }
        Question.objects.bulk_create(
            Question(area=areas[q.area], **{c: getattr(q, c) for c in bank_io.QUESTION_COLUMNS[1:]})
            for q in content.questions
        )
    return bank
