"""What the queue's workers (`manage.py qcluster`) run: the names queued tasks point to."""

from django.conf import settings

from assessments import services


def deliver_mail(mail_id: int) -> str:
    return services.mail_deliver(mail_id)


def password_reset_mails(email: str, site_url: str, language: str) -> int:
    return services.password_reset_mails(email, site_url, language)


def warm_report(assessment_id: int) -> list[str]:
    return services.report_warm(assessment_id)


def deliver_webhook(delivery_id: int) -> str:
    return services.webhook_deliver(delivery_id)


def build_export(export_id: int, language: str) -> str:
    return services.organisation_export_build(export_id, language)


def purge_export(export_id: int) -> int:
    return services.organisation_export_purge(export_id)


def apply_retention() -> str:
    return str(services.retention_apply(site_url=settings.SITE_URL))
