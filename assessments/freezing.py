"""Once a bank version is published or answered, its content never changes: submitted
reports are scored against it forever. Edits go into a new version instead.

Guards at every way in: model saves and deletes (admin, forms, shell, loaddata of an
existing row) through signals, and queryset updates and deletes through the managers.
The foreign keys from answers and assessments are PROTECT, so the database itself
refuses to delete what was answered.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class FrozenBankError(Exception):
    """An attempt to change a bank version that is published or has answers."""

    def __init__(self, bank=None):
        self.bank = bank
        super().__init__(
            _(
                "Version %(version)s of the question bank is frozen: it is published or has "
                "answers, and its reports must never change. Create a new version instead."
            )
            % {"version": getattr(bank, "version", "?")}
        )


def frozen_banks_q(prefix: str = "") -> Q:
    """Rows whose bank (reached through `prefix`, e.g. "area__bank__") is frozen."""
    from assessments.models import Assessment

    bank_ref = prefix.removesuffix("__") if prefix else "pk"
    answered = Exists(Assessment.objects.filter(bank=OuterRef(bank_ref)))
    return Q(**{f"{prefix}status": "published"}) | Q(answered)


class BankContentQuerySet(models.QuerySet):
    """Queryset whose bulk update and delete refuse rows of a frozen bank."""

    bank_prefix = ""

    def _refuse_frozen(self):
        frozen = self.filter(frozen_banks_q(self.bank_prefix))
        if frozen.exists():
            raise FrozenBankError()

    def update(self, **kwargs):
        self._refuse_frozen()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_frozen()
        return super().delete()


BankQuerySet = BankContentQuerySet


class AreaQuerySet(BankContentQuerySet):
    bank_prefix = "bank__"


class QuestionQuerySet(BankContentQuerySet):
    bank_prefix = "area__bank__"


def bank_is_frozen(bank) -> bool:
    if bank is None or bank.pk is None:
        return False
    from assessments.models import Assessment, QuestionBank

    stored = QuestionBank.objects.filter(pk=bank.pk).values_list("status", flat=True).first()
    return stored == "published" or Assessment.objects.filter(bank_id=bank.pk).exists()


def _stored_bank_of(instance):
    """The bank a stored area or question belongs to now (before this save)."""
    from assessments.models import Area, Question, QuestionBank

    if isinstance(instance, QuestionBank):
        return instance
    if isinstance(instance, Area):
        return instance.bank
    if isinstance(instance, Question):
        return instance.area.bank
    return None


def _same_content(stored, instance) -> bool:
    return all(
        getattr(stored, field.attname) == getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    )


@receiver(pre_save)
def refuse_saving_frozen_content(sender, instance, raw=False, **kwargs):
    from assessments.models import Area, Question, QuestionBank

    if sender not in (QuestionBank, Area, Question):
        return
    exists = instance.pk is not None and sender.objects.filter(pk=instance.pk).exists()
    if raw and not exists:
        return  # loading a new version from a fixture
    if exists:
        stored = sender.objects.get(pk=instance.pk)
        if raw and _same_content(stored, instance):
            return  # importing the same version again changes nothing
        if bank_is_frozen(_stored_bank_of(stored)):
            raise FrozenBankError(_stored_bank_of(stored))
    if sender is not QuestionBank and bank_is_frozen(_stored_bank_of(instance)):
        raise FrozenBankError(_stored_bank_of(instance))


@receiver(pre_delete)
def refuse_deleting_frozen_content(sender, instance, **kwargs):
    from assessments.models import Area, Question, QuestionBank

    if sender in (QuestionBank, Area, Question) and bank_is_frozen(_stored_bank_of(instance)):
        raise FrozenBankError(_stored_bank_of(instance))
