import nested_admin
from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from assessments import selectors, services
from assessments.models import (
    Area,
    Assessment,
    Invitation,
    Membership,
    Organisation,
    Question,
    QuestionBank,
    frozen_banks_q,
)


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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "size_band", "country"]
    list_filter = ["sector", "size_band", "country"]
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


for model, model_admin in (
    (AccessFailureLog, FailedSignInAdmin),
    (AccessLog, SignInAdmin),
    (AccessAttempt, LockoutAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
