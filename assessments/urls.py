from allauth.account.decorators import reauthentication_required
from django.urls import path, register_converter
from django.urls.converters import IntConverter

from assessments import views
from assessments.models import ID_PATTERN


class IdConverter(IntConverter):
    regex = ID_PATTERN


register_converter(IdConverter, "id")

# Every table the app exports comes as CSV and as an Excel workbook, from the same view.
CSV = {"fmt": "csv"}
XLSX = {"fmt": "xlsx"}

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("account/", views.account_security, name="account_security"),
    # Confirming who asks first, as for a token: it names their sessions' addresses.
    path("account/data.json", reauthentication_required(views.account_data), name="account_data"),
    path("account/erase/", reauthentication_required(views.account_erase), name="account_erase"),
    path("account/sessions/sign-out/", views.sessions_sign_out, name="sessions_sign_out"),
    # Making a token confirms who asks, like a password change.
    path("account/api-tokens/", reauthentication_required(views.api_tokens), name="api_tokens"),
    path(
        "account/api-tokens/<id:token_id>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path(
        "organisations/<id:organisation_id>/assessments/new/",
        views.assessment_start,
        name="assessment_start",
    ),
    path("organisations/<id:organisation_id>/rounds/new/", views.round_start, name="round_start"),
    path(
        "organisations/<id:organisation_id>/consultants/",
        views.organisation_consultants,
        name="organisation_consultants",
    ),
    path("assessments/<id:assessment_id>/", views.assessment_answer, name="assessment_answer"),
    path("assessments/<id:assessment_id>/round/", views.round_manage, name="round_manage"),
    path(
        "assessments/<id:assessment_id>/round/reminders/<id:response_id>/",
        views.round_remind,
        name="round_remind",
    ),
    path("assessments/<id:assessment_id>/round/agreed/", views.round_agree, name="round_agree"),
    path("assessments/<id:assessment_id>/round/close/", views.round_close, name="round_close"),
    path(
        "assessments/<id:assessment_id>/report/",
        views.assessment_report,
        name="assessment_report",
    ),
    path(
        "assessments/<id:assessment_id>/report.csv",
        views.assessment_export,
        CSV,
        name="assessment_csv",
    ),
    path("assessments/<id:assessment_id>/report.pdf", views.assessment_pdf, name="assessment_pdf"),
    path(
        "assessments/<id:assessment_id>/report.xlsx",
        views.assessment_export,
        XLSX,
        name="assessment_xlsx",
    ),
    path(
        "assessments/<id:assessment_id>/charts/<slug:kind>/<slug:key>.svg",
        views.assessment_chart,
        name="assessment_chart",
    ),
    path("assessments/<id:assessment_id>/what-if/", views.what_if, name="what_if"),
    path(
        "assessments/<id:assessment_id>/what-if/chart/<slug:key>.svg",
        views.what_if_chart,
        name="what_if_chart",
    ),
    path(
        "assessments/<id:assessment_id>/questions/<id:question_id>/plan/",
        views.action_add,
        name="action_add",
    ),
    path("organisations/<id:organisation_id>/plan/", views.plan_page, name="plan"),
    path("organisations/<id:organisation_id>/plan.csv", views.plan_export, CSV, name="plan_csv"),
    path("organisations/<id:organisation_id>/plan.xlsx", views.plan_export, XLSX, name="plan_xlsx"),
    path("organisations/<id:organisation_id>/plan.ics", views.plan_ics, name="plan_ics"),
    path("plan/actions/<id:action_id>/", views.action_edit, name="action_edit"),
    path("plan/actions/<id:action_id>/delete/", views.action_delete, name="action_delete"),
    path("plan/actions/<id:action_id>/restore/", views.action_restore, name="action_restore"),
    path("organisations/<id:organisation_id>/outcomes/", views.outcomes_page, name="outcomes"),
    path(
        "organisations/<id:organisation_id>/outcomes/import/",
        views.outcomes_import,
        name="outcomes_import",
    ),
    path(
        "organisations/<id:organisation_id>/outcomes/import/confirm/",
        views.outcomes_import_confirm,
        name="outcomes_import_confirm",
    ),
    path(
        "organisations/<id:organisation_id>/outcomes.csv",
        views.outcomes_export,
        CSV,
        name="outcomes_csv",
    ),
    path(
        "organisations/<id:organisation_id>/outcomes.xlsx",
        views.outcomes_export,
        XLSX,
        name="outcomes_xlsx",
    ),
    path("assessments/<id:assessment_id>/share/", views.share_report, name="share_report"),
    path(
        "organisations/<id:organisation_id>/progress/share/",
        views.share_progress,
        name="share_progress",
    ),
    path("organisations/<id:organisation_id>/shares/", views.share_links, name="share_links"),
    path(
        "organisations/<id:organisation_id>/shares/<id:link_id>/revoke/",
        views.share_link_revoke,
        name="share_link_revoke",
    ),
    # What a shared link opens: its page's files are named relative to it.
    path("s/<slug:secret>/", views.shared, name="shared"),
    path("s/<slug:secret>/report.pdf", views.shared_pdf, name="shared_pdf"),
    path(
        "s/<slug:secret>/charts/<slug:kind>/<slug:key>.svg",
        views.shared_report_chart,
        name="shared_report_chart",
    ),
    path(
        "s/<slug:secret>/chart/<slug:key>.svg",
        views.shared_progress_chart,
        name="shared_progress_chart",
    ),
    path(
        "organisations/<id:organisation_id>/export/",
        views.organisation_export,
        name="organisation_export",
    ),
    path(
        "organisations/<id:organisation_id>/export/<id:export_id>.zip",
        views.organisation_export_download,
        name="organisation_export_download",
    ),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/outcomes/", views.book_outcomes, name="book_outcomes"),
    path(
        "portfolio/outcomes/chart/<slug:key>.svg",
        views.book_outcomes_chart,
        name="book_outcomes_chart",
    ),
    path(
        "portfolio/outcomes/points/<slug:key>.json",
        views.book_outcomes_points,
        name="book_outcomes_points",
    ),
    path("portfolio/book/", views.book_choose, name="book_choose"),
    path("firm/", views.firm, name="firm"),
    path("firm/hand-over/", views.firm_hand_over, name="firm_hand_over"),
    path("firm/invite/", views.firm_invite, name="firm_invite"),
    path("firm/join/<slug:secret>/", views.firm_join, name="firm_join"),
    path("firm/deactivate/", views.firm_deactivate, name="firm_deactivate"),
    path("firm/erase/", reauthentication_required(views.firm_erase), name="firm_erase"),
    path(
        "organisations/<id:organisation_id>/delete/",
        reauthentication_required(views.organisation_delete),
        name="organisation_delete",
    ),
    path("organisations/deleted/", views.organisations_deleted, name="organisations_deleted"),
    path(
        "organisations/deleted/<id:deletion_id>/restore/",
        views.organisation_restore,
        name="organisation_restore",
    ),
    path("firm/clients/<id:organisation_id>/", views.firm_client, name="firm_client"),
    path("firm/webhooks/", views.firm_webhook_add, name="firm_webhook_add"),
    path("firm/webhooks/<id:endpoint_id>/", views.firm_webhook, name="firm_webhook"),
    path("firm/webhooks/<id:endpoint_id>/test/", views.firm_webhook_ping, name="firm_webhook_ping"),
    path(
        "firm/webhooks/<id:endpoint_id>/remove/",
        views.firm_webhook_remove,
        name="firm_webhook_remove",
    ),
    path("portfolio/compare/", views.compare, name="compare"),
    path(
        "portfolio/compare/charts/<slug:kind>/<slug:key>.svg",
        views.compare_chart,
        name="compare_chart",
    ),
    path("portfolio/clients/new/", views.client_add, name="client_add"),
    path("portfolio/invitations/", views.invitations, name="invitations"),
    path(
        "portfolio/invitations/<id:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("mail/<id:mail_id>/retry/", views.mail_retry, name="mail_retry"),
    path("invitations/<slug:secret>/", views.invitation_accept, name="invitation_accept"),
    path("portfolio/results.csv", views.portfolio_export, CSV, name="portfolio_csv"),
    path("portfolio/results.xlsx", views.portfolio_export, XLSX, name="portfolio_xlsx"),
    path("portfolio/answers.csv", views.answers_export, CSV, name="portfolio_answers_csv"),
    path("portfolio/answers.xlsx", views.answers_export, XLSX, name="portfolio_answers_xlsx"),
    path("organisations/<id:organisation_id>/progress/", views.progress, name="progress"),
    path(
        "organisations/<id:organisation_id>/sector-percentile/",
        views.sector_percentile_share,
        name="sector_percentile_share",
    ),
    path(
        "organisations/<id:organisation_id>/progress/chart/<slug:key>.svg",
        views.progress_chart,
        name="progress_chart",
    ),
]
