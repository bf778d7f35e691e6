"""Writes. Each service validates before it writes and runs in one transaction, so a
rejected request leaves nothing behind. One module per domain, as in views/ and
selectors/; these are the names the views, forms and admin use."""

from assessments.services.accounts import (
    account_notice_queue,
    address_confirmation_queue,
    browser_signed_in,
    organisation_sign_up,
    second_factor_reset,
    sessions_end,
)
from assessments.services.answering import (
    AnswerInput,
    answers_save,
    answers_submit,
    assessment_start,
    assessment_submit,
)
from assessments.services.api import (
    TOKEN_LIFETIMES,
    NewToken,
    api_token_create,
    api_token_request,
    api_token_revoke,
)
from assessments.services.bank import (
    AlreadyImported,
    bank_import,
    bank_new_version,
    bank_problems,
    bank_publish,
)
from assessments.services.book import sector_percentile_share
from assessments.services.deletion import (
    deletions_purge,
    organisation_delete,
    organisation_purge,
    organisation_restore,
)
from assessments.services.erasure import erasure_refusal, person_erase
from assessments.services.errors import AssessmentError
from assessments.services.exports import (
    organisation_export_build,
    organisation_export_purge,
    organisation_export_request,
)
from assessments.services.firms import (
    book_hand_over,
    client_assign,
    client_unassign,
    consultant_deactivate,
    firm_consultant_invite,
    firm_invitation_accept,
    firm_invitations_accepted_by_sign_in,
)
from assessments.services.invitations import (
    JOIN_LINK_MAX_AGE,
    RESEND_INTERVAL,
    NewPerson,
    client_add,
    consultant_invite,
    invitation_accept,
    invitation_resend,
    invitations_accepted_by_sign_in,
)
from assessments.services.mail import RETRY_DELAYS, mail_deliver, mail_retry
from assessments.services.outcomes import (
    OutcomeChanges,
    outcome_changes,
    outcomes_import,
    outcomes_save,
)
from assessments.services.passwords import password_reset_mails, password_reset_request
from assessments.services.plan import (
    ACTION_FIELDS,
    RESTORE_WINDOW,
    ActionConflict,
    action_create,
    action_delete,
    action_restore,
    action_save,
)
from assessments.services.report_files import report_page, report_pdf, report_warm
from assessments.services.retention import RetentionResult, retention_apply
from assessments.services.rounds import (
    ANONYMOUS_ROUND_MINIMUM,
    REMINDER_INTERVAL,
    agreed_answer_set,
    round_close,
    round_remind,
    round_start,
)
from assessments.services.shares import (
    NewShare,
    share_guess_missed,
    share_guesses_exceeded,
    share_link_create,
    share_link_revoke,
    share_link_viewed,
)
from assessments.services.webhooks import (
    UnsafeAddress,
    checked_addresses,
    signature,
    webhook_add,
    webhook_deliver,
    webhook_ping,
    webhook_remove,
    webhooks_notify,
)

__all__ = [
    "deletions_purge",
    "organisation_delete",
    "organisation_purge",
    "organisation_restore",
    "RetentionResult",
    "retention_apply",
    "erasure_refusal",
    "person_erase",
    "organisation_export_build",
    "organisation_export_purge",
    "organisation_export_request",
    "UnsafeAddress",
    "checked_addresses",
    "signature",
    "webhook_add",
    "webhook_deliver",
    "webhook_ping",
    "webhook_remove",
    "webhooks_notify",
    "TOKEN_LIFETIMES",
    "NewToken",
    "api_token_create",
    "api_token_revoke",
    "api_token_request",
    "firm_consultant_invite",
    "firm_invitation_accept",
    "firm_invitations_accepted_by_sign_in",
    "book_hand_over",
    "client_assign",
    "client_unassign",
    "consultant_deactivate",
    "account_notice_queue",
    "address_confirmation_queue",
    "browser_signed_in",
    "organisation_sign_up",
    "second_factor_reset",
    "sessions_end",
    "RETRY_DELAYS",
    "mail_deliver",
    "mail_retry",
    "password_reset_mails",
    "password_reset_request",
    "report_page",
    "report_pdf",
    "report_warm",
    "ACTION_FIELDS",
    "ANONYMOUS_ROUND_MINIMUM",
    "JOIN_LINK_MAX_AGE",
    "REMINDER_INTERVAL",
    "RESEND_INTERVAL",
    "RESTORE_WINDOW",
    "ActionConflict",
    "AlreadyImported",
    "AnswerInput",
    "AssessmentError",
    "NewPerson",
    "NewShare",
    "share_guess_missed",
    "share_guesses_exceeded",
    "share_link_create",
    "share_link_revoke",
    "share_link_viewed",
    "OutcomeChanges",
    "outcome_changes",
    "outcomes_import",
    "outcomes_save",
    "action_create",
    "action_delete",
    "action_restore",
    "action_save",
    "agreed_answer_set",
    "answers_save",
    "answers_submit",
    "assessment_start",
    "assessment_submit",
    "bank_import",
    "bank_new_version",
    "bank_problems",
    "bank_publish",
    "client_add",
    "consultant_invite",
    "invitation_accept",
    "invitation_resend",
    "invitations_accepted_by_sign_in",
    "round_close",
    "round_remind",
    "round_start",
    "sector_percentile_share",
]
