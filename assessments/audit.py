"""The audit trail: who did what, when and from which address, for admins to read.

django-auditlog records the changes to the models registered below (an assessment started
or submitted, a client added, a bank version published, an invitation sent or accepted),
with the signed-in actor and address of the request. Events that change no field it
follows (saving answers) are recorded explicitly with `record`. Answers, notes and
passwords never enter it: Answer and User are not registered, and no field of theirs is.
Failed sign-ins and lockouts are django-axes' access-failure log.
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog


def register_models(apps_config) -> None:
    model = apps_config.get_model
    auditlog.register(
        model("Assessment"),
        include_fields=["organisation", "bank", "status", "submitted_at", "submitted_by"],
    )
    auditlog.register(
        model("Organisation"), include_fields=["name", "sector", "size_band", "country", "firm"]
    )
    auditlog.register(
        model("Membership"), include_fields=["user", "organisation", "role", "is_lead"]
    )
    auditlog.register(model("Firm"), include_fields=["name", "whole_book_readers"])
    auditlog.register(model("FirmMember"), include_fields=["firm", "user", "role", "is_active"])
    auditlog.register(
        model("QuestionBank"), include_fields=["version", "title_es", "status", "published_at"]
    )
    auditlog.register(
        model("Invitation"),
        include_fields=["organisation", "user", "email", "sent_at", "accepted_at"],
    )
    # Every value a person entered, with who entered it: the figures beside the scores.
    auditlog.register(
        model("OutcomeValue"), include_fields=["organisation", "measure", "period", "value"]
    )
    # Who made or revoked a shared link, and when (never its secret, nor who opened it).
    auditlog.register(
        model("ShareLink"),
        include_fields=["organisation", "kind", "assessment", "label", "expires_at", "revoked_at"],
    )


def record(instance, event: str, actor=None) -> None:
    """An event about `instance` that changes no field the trail follows."""
    LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={"event": ["", event]},
        actor=actor,
    )
