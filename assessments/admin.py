from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Area,
    Assessment,
    Membership,
    Organisation,
    Question,
    QuestionBank,
)


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0
    fields = ["order", "code", "name_es", "name_en", "weight"]
    show_change_link = True


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = [
        ("number", "weight"),
        ("text_es", "text_en"),
        ("help_es", "help_en"),
        ("recommendation_es", "recommendation_en"),
    ]


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["version", "title_es", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["title_es", "title_en"]
    fieldsets = [
        (None, {"fields": ["version", ("title_es", "title_en"), "status", "published_at"]}),
        (
            _("Maturity thresholds (overall score)"),
            {"fields": [("threshold_developing", "threshold_oriented", "threshold_centred")]},
        ),
    ]
    inlines = [AreaInline]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name_es", "bank", "order", "weight"]
    list_filter = ["bank"]
    search_fields = ["code", "name_es", "name_en"]
    list_select_related = ["bank"]
    fields = [
        "bank",
        ("order", "code", "weight"),
        ("name_es", "name_en"),
        ("description_es", "description_en"),
    ]
    inlines = [QuestionInline]


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

    list_display = ["organisation", "bank", "status", "created_at", "overall_score"]
    list_filter = ["status", "bank"]
    list_select_related = ["organisation", "bank"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
