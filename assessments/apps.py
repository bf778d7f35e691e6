from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils.autoreload import file_changed
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Customer-orientation assessments")

    def ready(self):
        from assessments import audit, freezing

        audit.register_models(self)

        for model in (
            self.get_model("QuestionBank"),
            self.get_model("Area"),
            self.get_model("Question"),
        ):
            pre_save.connect(
                freezing.refuse_saving_frozen_content,
                sender=model,
                dispatch_uid=f"freeze-save-{model._meta.model_name}",
            )
            pre_delete.connect(
                freezing.refuse_deleting_frozen_content,
                sender=model,
                dispatch_uid=f"freeze-delete-{model._meta.model_name}",
            )
        # A consultant's cached book counts (selectors.book_score_counts) follow every
        # change of who follows what and of an organisation's sector, admin included.
        for model in (self.get_model("Membership"), self.get_model("Organisation")):
            for signal in (post_save, post_delete):
                signal.connect(
                    book_changed,
                    sender=model,
                    dispatch_uid=f"book-changed-{signal is post_save}-{model._meta.model_name}",
                )
        from assessments.models import current_results_refreshed

        current_results_refreshed.connect(book_changed, dispatch_uid="book-changed-results")
        user_logged_in.connect(
            accept_new_account_invitations,
            sender=get_user_model(),
            dispatch_uid="assessments_invitations",
        )
        from orientacion.auth import remember_sign_in

        user_logged_in.connect(remember_sign_in, dispatch_uid="orientacion_signed_in_at")
        post_save.connect(
            role_changed, sender=self.get_model("Membership"), dispatch_uid="role-changed"
        )
        post_save.connect(staff_changed, sender=get_user_model(), dispatch_uid="staff-changed")
        file_changed.connect(forget_rendered_markup, dispatch_uid="assessments_templates")

        # Every app's admin is registered by now (the admin's own ready() runs first).
        from assessments.admin import site_wide_rules

        site_wide_rules()


def book_changed(sender, **kwargs):
    from assessments.selectors import book_changed

    book_changed()


def role_changed(sender, instance, created, update_fields=None, **kwargs):
    # A consultant sharing the sector percentile saves that column alone: no role changes.
    if not created and update_fields is not None and "role" not in update_fields:
        return
    from orientacion.auth import forget_second_factor_check

    forget_second_factor_check(instance.user_id)


def staff_changed(sender, instance, created, update_fields=None, **kwargs):
    # Signing in saves last_login alone: no role changes there.
    if created or (update_fields is not None and "is_staff" not in update_fields):
        return
    from orientacion.auth import forget_second_factor_check

    forget_second_factor_check(instance.pk)


def accept_new_account_invitations(sender, user, **kwargs):
    from assessments.services import (
        firm_invitations_accepted_by_sign_in,
        invitations_accepted_by_sign_in,
    )

    invitations_accepted_by_sign_in(user=user)
    firm_invitations_accepted_by_sign_in(user=user)


def forget_rendered_markup(sender, file_path, **kwargs):
    """Under runserver, a template edit does not restart the process: drop the markup
    rendered from the old templates (reports, the answer page's cards) with it."""
    if file_path.suffix == ".html":
        from django.core.cache import caches

        from assessments.selectors import published_banks

        caches["pages"].clear()
        published_banks.clear()
