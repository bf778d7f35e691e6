import secrets

import nested_admin
from allauth.account.decorators import reauthentication_required
from allauth.mfa.models import Authenticator
from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_q import admin as django_q_admin
from django_q.models import Failure, OrmQ, Schedule, Success

from assessments import bank_io, downloads, selectors, services
from assessments.models import (
    Area,
    Assessment,
    Erasure,
    Firm,
    FirmMember,
    Invitation,
    Membership,
    Organisation,
    OrganisationDeletion,
    OutgoingMail,
    Question,
    QuestionBank,
    frozen_banks_q,
    refresh_current_results,
)
from assessments.paging import KeyedPaginator

IMPORT_TEMPLATE = "admin/assessments/questionbank/import.html"

# Importing or publishing a bank asks again for the second factor (or the password, for
# an admin without one) when they were last given more than ten minutes ago; the request
# then goes ahead as it was made.
confirm_who = reauthentication_required
IMPORT_SALT = "assessments.bank-import"
# The preview carries the checked file, signed, to the confirmation: an hour to read it.
IMPORT_PREVIEW_MAX_AGE = 3600


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A .json file (as exported here or used by loaddata) or an .xlsx workbook as "
            "exported here. It becomes a new draft version; no existing version changes."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > bank_io.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(bank_io.too_large(upload.size))
        return upload


class FrozenAwareInline:
    """Inline rows of a frozen bank can be read but not added, changed or deleted."""

    def _editable(self, obj) -> bool:
        bank = getattr(obj, "bank", obj)
        return bank is None or not bank.is_frozen

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class QuestionInline(FrozenAwareInline, nested_admin.NestedStackedInline):
    model = Question
    extra = 0
    ordering = ["number"]
    fields = [
        ("number", "weight"),
        ("text_es", "text_en"),
        ("help_es", "help_en"),
        ("recommendation_es", "recommendation_en"),
    ]


class AreaInline(FrozenAwareInline, nested_admin.NestedStackedInline):
    model = Area
    extra = 0
    ordering = ["order"]
    fields = [
        ("order", "code", "weight"),
        ("name_es", "name_en"),
        ("description_es", "description_en"),
    ]
    inlines = [QuestionInline]


@admin.register(QuestionBank)
class QuestionBankAdmin(nested_admin.NestedModelAdmin):
    list_display = ["version", "title_es", "status", "published_at", "is_current"]
    list_filter = ["status"]
    search_fields = [
        "title_es",
        "title_en",
        "areas__questions__text_es",
        "areas__questions__text_en",
    ]
    fieldsets = [
        (None, {"fields": ["version", ("title_es", "title_en"), "status", "published_at"]}),
        (
            _("Maturity thresholds (overall score)"),
            {"fields": [("threshold_developing", "threshold_oriented", "threshold_centred")]},
        ),
    ]
    readonly_fields = ["status", "published_at"]
    inlines = [AreaInline]
    actions = ["create_new_version", "publish"]

    @admin.display(boolean=True, description=_("current"))
    def is_current(self, bank):
        current = selectors.current_bank()
        return current is not None and current.pk == bank.pk

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [
                field
                for fieldset in self.fieldsets
                for row in fieldset[1]["fields"]
                for field in (row if isinstance(row, tuple) else (row,))
            ]
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bank = self.get_object(request, object_id)
        if bank is not None and bank.is_frozen:
            self.message_user(
                request,
                _(
                    "Version %(version)s is frozen: it is published or has answers, and the "
                    "reports made with it must never change. To edit the questions, select it "
                    "in the list and run “Crear nueva versión”, then publish the new draft."
                )
                % {"version": bank.version},
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and request.POST.get("action") == "publish":
            # Publishing changes what every new report is scored against.
            return confirm_who(super().changelist_view)(request, extra_context)
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/export.json",
                self.admin_site.admin_view(require_GET(self.export_json)),
                name="assessments_questionbank_export_json",
            ),
            path(
                "<path:object_id>/export.xlsx",
                self.admin_site.admin_view(require_GET(self.export_xlsx)),
                name="assessments_questionbank_export_xlsx",
            ),
            path(
                "import/",
                self.admin_site.admin_view(confirm_who(self.import_view)),
                name="assessments_questionbank_import",
            ),
            path(
                "import/confirm/",
                self.admin_site.admin_view(confirm_who(require_POST(self.import_confirm))),
                name="assessments_questionbank_import_confirm",
            ),
        ]
        return own + super().get_urls()

    def _exported(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(QuestionBank, pk=object_id)

    def export_json(self, request, object_id):
        bank = self._exported(request, object_id)
        name = downloads.filename("question-bank", f"v{bank.version}", extension="json")
        return HttpResponse(
            selectors.bank_fixture(bank),
            content_type="application/json; charset=utf-8",
            headers=downloads.attachment(name),
        )

    def export_xlsx(self, request, object_id):
        bank = self._exported(request, object_id)
        name = downloads.filename("question-bank", f"v{bank.version}", extension="xlsx")
        sheets = bank_io.xlsx_sheets(selectors.bank_content(bank))
        return downloads.xlsx_response(name, sheets)

    def import_view(self, request):
        """Upload a file, then read what it would change; nothing is stored until the
        preview is confirmed."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BankImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a question bank"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            current = selectors.current_bank()
            try:
                content = bank_io.read_bank_file(upload.name, upload.read())
            except bank_io.BankFileError as error:
                context["problems"] = error.problems
                return TemplateResponse(request, IMPORT_TEMPLATE, context, status=400)
            context.update(
                {
                    "file_name": upload.name,
                    "content": content,
                    "current": current,
                    "changes": bank_io.compare(
                        selectors.bank_content(current) if current else None, content
                    ),
                    "signed": signing.dumps(
                        {
                            "name": upload.name,
                            "content": content.as_data(),
                            "preview": secrets.token_urlsafe(24),
                        },
                        salt=IMPORT_SALT,
                        compress=True,
                    ),
                }
            )
        status = 400 if request.method == "POST" and not form.is_valid() else 200
        return TemplateResponse(request, IMPORT_TEMPLATE, context, status=status)

    def import_confirm(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            data = signing.loads(
                request.POST.get("signed", ""), salt=IMPORT_SALT, max_age=IMPORT_PREVIEW_MAX_AGE
            )
            content = bank_io.BankContent.from_data(data["content"])
            preview = str(data["preview"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            self.message_user(
                request,
                _(
                    "The preview expired or was altered: nothing was imported. Upload the "
                    "file again."
                ),
                messages.ERROR,
            )
            return redirect("admin:assessments_questionbank_import")
        try:
            bank = services.bank_import(content=content, preview=preview)
        except services.AlreadyImported as imported:
            self.message_user(request, str(imported), messages.WARNING)
            return redirect(
                reverse("admin:assessments_questionbank_change", args=[imported.bank.pk])
            )
        except services.AssessmentError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:assessments_questionbank_import")
        self.log_addition(
            request,
            bank,
            _("Imported from %(file)s: %(areas)s areas, %(questions)s questions.")
            % {
                "file": data["name"][:100],
                "areas": len(content.areas),
                "questions": len(content.questions),
            },
        )
        self.message_user(
            request,
            _(
                "Version %(version)s was imported from %(file)s as a draft. Check it, then "
                "publish it from the list."
            )
            % {"version": bank.version, "file": data["name"][:100]},
            messages.SUCCESS,
        )
        return redirect(reverse("admin:assessments_questionbank_change", args=[bank.pk]))

    @admin.action(description=_("Create new version"))
    def create_new_version(self, request, queryset):
        for bank in queryset:
            copy = services.bank_new_version(bank=bank)
            self.log_addition(request, copy, [{"added": {}}])
            self.message_user(
                request,
                _("Version %(new)s was created as a draft copy of version %(old)s.")
                % {"new": copy.version, "old": bank.version},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish"))
    def publish(self, request, queryset):
        for bank in queryset:
            try:
                services.bank_publish(bank=bank)
            except services.AssessmentError as error:
                self.message_user(
                    request,
                    _("Version %(version)s was not published: %(problems)s")
                    % {"version": bank.version, "problems": error},
                    messages.ERROR,
                )
            else:
                self.log_change(request, bank, _("Published; new assessments use it."))
                self.message_user(
                    request,
                    _("Version %(version)s is published: new assessments use it.")
                    % {"version": bank.version},
                    messages.SUCCESS,
                )


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["number", "short_text", "area", "weight"]
    list_filter = ["area__bank", "area__code"]
    search_fields = ["text_es", "text_en", "help_es", "recommendation_es"]
    list_select_related = ["area", "area__bank"]
    ordering = ["area__bank", "number"]
    fields = [
        ("area", "number", "weight"),
        ("text_es", "text_en"),
        ("help_es", "help_en"),
        ("recommendation_es", "recommendation_en"),
    ]

    @admin.display(description=_("question"))
    def short_text(self, question):
        return question.text_es[:90]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            # Questions can only be added to, or moved between, areas of draft versions.
            kwargs["queryset"] = Area.objects.exclude(frozen_banks_q("bank__")).select_related(
                "bank"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.area.bank.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.area.bank.is_frozen:
            return False
        return super().has_delete_permission(request, obj)


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class FirmMemberInline(admin.TabularInline):
    model = FirmMember
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active", "joined_at"]
    readonly_fields = ["joined_at"]


class FirmChangeList(ChangeList):
    """Each firm of the page with its clients, from the books' cached counts: counting
    every client of every firm on each visit grew with the books."""

    def get_results(self, request):
        super().get_results(request)
        counts = selectors.firm_client_counts()
        self.result_list = list(self.result_list)
        for firm in self.result_list:
            firm.client_count = counts.get(firm.pk, 0)


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    """The site's admin creates firms and names their first partner; partners run them
    from the firm's page in the app."""

    list_display = ["name", "whole_book_readers", "member_count", "client_count", "created_at"]
    search_fields = ["name"]
    inlines = [FirmMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    def get_changelist(self, request, **kwargs):
        return FirmChangeList

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, firm):
        return firm.member_count

    @admin.display(description=_("clients"))
    def client_count(self, firm):
        return firm.client_count


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "size_band", "country", "firm"]
    list_filter = ["firm", "sector", "size_band", "country"]
    list_select_related = ["firm"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Read-only: answers and results are changed only through the app's own rules."""

    list_display = [
        "organisation",
        "bank",
        "status",
        "created_at",
        "overall_score",
        "is_round",
        "respondent_count",
        "agreement",
    ]
    list_filter = ["status", "bank", "is_round", "anonymous"]
    list_select_related = ["organisation", "bank"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # The organisations' copies of their current result follow a deleted assessment.
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_current_results(Organisation.objects.filter(pk=obj.organisation_id))

    def delete_queryset(self, request, queryset):
        organisation_ids = set(queryset.values_list("organisation_id", flat=True))
        super().delete_queryset(request, queryset)
        refresh_current_results(Organisation.objects.filter(pk__in=organisation_ids))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent and accepted through the app, which mails the link."""

    list_display = ["email", "organisation", "invited_by", "new_account", "sent_at", "accepted_at"]
    list_filter = ["new_account"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """Every mail the app sends, queued, sent or failed: read-only (its text is written when
    it is sent and kept nowhere), except that a failed one can be sent again."""

    list_display = [
        "created_at",
        "kind",
        "recipient",
        "organisation",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "organisation__name"]
    list_select_related = ["organisation"]
    sortable_by = ["created_at", "status", "attempts", "sent_at"]
    exclude = ["claimed_until"]
    actions = ["send_again"]

    @admin.display(description=_("last error"))
    def short_error(self, mail):
        return Truncator(mail.last_error).chars(80)

    @admin.action(description=_("Send the failed ones again"))
    def send_again(self, request, queryset):
        failed = list(queryset.filter(status=OutgoingMail.Status.FAILED))
        for mail in failed:
            services.mail_retry(mail=mail)
        self.message_user(
            request,
            ngettext(
                "%(count)s failed message was queued again.",
                "%(count)s failed messages were queued again.",
                len(failed),
            )
            % {"count": len(failed)},
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyTrail:
    """An audit record is read, never changed or removed, in the admin."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LockoutAdmin(axes_admin.AccessAttemptAdmin):
    """Current lockouts: read-only, except that deleting one lifts it (unlocks that
    username and address at once)."""

    def has_change_permission(self, request, obj=None):
        return False


class FailedSignInAdmin(ReadOnlyTrail, axes_admin.AccessFailureLogAdmin):
    pass


class SignInAdmin(ReadOnlyTrail, axes_admin.AccessLogAdmin):
    pass


class QueueRecordAdmin:
    """The task queue's records are the workers' business: an admin reads them (and can
    resubmit a failed task), never adds a schedule (it names any function to run) or
    edits or deletes a queued one (its mail would wait for ever)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model, model_admin in (
    *(
        (model, type(admin_class.__name__, (QueueRecordAdmin, admin_class), {}))
        for model, admin_class in (
            (Schedule, django_q_admin.ScheduleAdmin),
            (OrmQ, django_q_admin.QueueAdmin),
            (Success, django_q_admin.TaskAdmin),
            (Failure, django_q_admin.FailAdmin),
        )
    ),
    (AccessFailureLog, FailedSignInAdmin),
    (AccessLog, SignInAdmin),
    (AccessAttempt, LockoutAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)


class OddQueriesRefused:
    """A list whose query string the admin cannot use (letters for an id, a NUL, a year of
    forty digits) answers with Django admin's own "?e=1" page, not a server error: Django's
    date drill-down and some apps' own filters let such values through to Python or to the
    database."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            raise
        except (ValueError, TypeError, OverflowError, ValidationError, DatabaseError) as error:
            raise IncorrectLookupParameters(error) from error


class KeyedPages:
    """A changelist page is read by its keys first (assessments.paging): sorting every
    assessment with its organisation and bank joined, to show a hundred, grew with the
    table."""

    paginator = KeyedPaginator
    # Django's own setting for large tables: an unfiltered list is counted once, not twice
    # (a filtered one says how many match, without the table's total beside it).
    show_full_result_count = False


def site_wide_rules(site=admin.site) -> None:
    """Give every registered admin, the third-party apps' too, OddQueriesRefused and
    KeyedPages."""
    for model, model_admin in list(site._registry.items()):
        admin_class = type(model_admin)
        if issubclass(admin_class, OddQueriesRefused):
            continue
        site.unregister(model)
        site.register(
            model, type(admin_class.__name__, (OddQueriesRefused, KeyedPages, admin_class), {})
        )


class SecondFactorAdmin(admin.ModelAdmin):
    """People's second factors, by person and kind: never their secrets (an admin who
    could read one could sign in as its owner), never added or edited here. Removing one
    is a reset: the person is told by mail and sets up a new one at their next page."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    actions = ["reset"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a reset, with its notice, instead
        return actions

    def delete_model(self, request, obj):
        self._reset(request, [obj.user])

    @admin.action(description=_("Reset the second factor of these people"), permissions=["delete"])
    def reset(self, request, queryset):
        self._reset(request, {authenticator.user for authenticator in queryset})

    def _reset(self, request, users):
        site_url = request.build_absolute_uri("/")
        for user in users:
            if services.second_factor_reset(user=user, site_url=site_url):
                self.log_change(request, user, _("Second factor reset by an administrator."))
                self.message_user(
                    request,
                    _("%(person)s's second factor was reset; they were told by e-mail.")
                    % {"person": user.get_username()},
                    messages.SUCCESS,
                )


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, SecondFactorAdmin)


class ErasingUserAdmin(UserAdmin):
    """Deleting a person here erases them (services/erasure.py): their answers stay in
    the results they were part of under a pseudonym, and every name of theirs goes. It
    asks again for the admin's second factor first; there is no bulk delete."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        person = self.get_object(request, object_id)
        refusal = person and services.erasure_refusal(person)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return redirect(reverse("admin:auth_user_change", args=[person.pk]))
        extra_context = {
            **(extra_context or {}),
            "title": _("Erase this person? Their answers stay under a pseudonym."),
        }
        return confirm_who(super().delete_view)(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.person_erase(person=obj, requested_by=Erasure.By.ADMIN)

    def response_delete(self, request, obj_display, obj_id):
        # Django's message would repeat the name that is now gone.
        self.message_user(
            request, _("The person's account and what named them are erased."), messages.SUCCESS
        )
        return redirect(reverse("admin:assessments_erasure_changelist"))


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ErasingUserAdmin)


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyTrail, admin.ModelAdmin):
    """That erasures happened, when and on whose kind of request: never who."""

    list_display = (
        "erased_at",
        "requested_by",
        "organisations",
        "responses_kept",
        "drafts_deleted",
        "audit_entries_renamed",
    )
    list_filter = ("requested_by",)

    def has_add_permission(self, request):
        return False


@admin.register(OrganisationDeletion)
class OrganisationDeletionAdmin(ReadOnlyTrail, admin.ModelAdmin):
    """Organisations deleted by their managers, out of everyone's reach until their
    managers restore them or the daily task purges them (services/deletion.py)."""

    list_display = ("organisation", "deleted_at", "purge_after")
    fields = ("organisation", "deleted_at", "purge_after")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
