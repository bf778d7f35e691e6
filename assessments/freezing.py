"""Once a bank version is published or answered, its content never changes: submitted
reports are scored against it forever. Edits go into a new version instead.

Guards at every way in: single saves and deletes (admin, forms, shell, loaddata of an
existing row) through the receivers below, connected in `AssessmentsConfig.ready`; bulk
updates and deletes through the bank querysets in models.py. The foreign keys from answers
and assessments are PROTECT, so the database itself refuses to delete what was answered.
"""

from assessments.models import Area, FrozenBankError, QuestionBank

__all__ = ["FrozenBankError", "refuse_deleting_frozen_content", "refuse_saving_frozen_content"]


def _bank_of(instance) -> QuestionBank:
    if isinstance(instance, QuestionBank):
        return instance
    if isinstance(instance, Area):
        return instance.bank
    return instance.area.bank


def _same_content(stored, instance) -> bool:
    return all(
        getattr(stored, field.attname) == getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    )


def refuse_saving_frozen_content(sender, instance, raw=False, **kwargs):
    stored = sender.objects.filter(pk=instance.pk).first() if instance.pk is not None else None
    if raw and stored is None:
        return  # loading a new version from a fixture
    if stored is not None:
        if raw and _same_content(stored, instance):
            return  # importing the same version again changes nothing
        if _bank_of(stored).is_frozen:
            raise FrozenBankError(_bank_of(stored))
    # A new or moved area or question may not join a frozen bank either.
    if sender is not QuestionBank and _bank_of(instance).is_frozen:
        raise FrozenBankError(_bank_of(instance))


def refuse_deleting_frozen_content(sender, instance, **kwargs):
    if _bank_of(instance).is_frozen:
        raise FrozenBankError(_bank_of(instance))
