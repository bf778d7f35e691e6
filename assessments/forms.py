import re

import django_filters
from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from assessments.levels import LEVELS
from assessments.models import Answer, Organisation
from assessments.services import AnswerInput

_ANSWER_KEY = re.compile(r"^q(\d+)-(choice|note)$")


class AnswersForm(forms.Form):
    """Every question of one bank: a sí/parcialmente/no choice and an optional note.

    Nothing is required here; whether the set is complete is the submit rule's business,
    so "save and continue later" accepts any subset.
    """

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = areas
        self.question_ids = set()
        for area in areas:
            for question in area.questions.all():
                self.question_ids.add(question.pk)
                self.fields[f"q{question.pk}-choice"] = forms.ChoiceField(
                    label=f"{question.number}. {question.text}",
                    # Crispy renders help text unescaped; the bank's text is data, not markup.
                    help_text=escape(f"{_('What “sí” looks like:')} {question.help}"),
                    choices=Answer.Choice.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
                self.fields[f"q{question.pk}-note"] = forms.CharField(
                    label=_("Note (optional)"),
                    max_length=settings.ANSWER_NOTE_MAX_LENGTH,
                    required=False,
                    widget=forms.Textarea(
                        attrs={"rows": 2, "maxlength": settings.ANSWER_NOTE_MAX_LENGTH}
                    ),
                )

    def clean(self):
        cleaned = super().clean()
        foreign = {
            int(match.group(1)) for key in (self.data or {}) if (match := _ANSWER_KEY.match(key))
        } - self.question_ids
        if foreign:
            raise forms.ValidationError(
                _("The form contained questions that are not part of this assessment."),
                code="foreign_question",
            )
        return cleaned

    def answers(self) -> dict[int, AnswerInput]:
        return {
            qid: AnswerInput(
                choice=self.cleaned_data[f"q{qid}-choice"],
                note=self.cleaned_data[f"q{qid}-note"].strip(),
            )
            for qid in self.question_ids
        }

    def unanswered_questions(self) -> list:
        return [
            question
            for area in self.areas
            for question in area.questions.all()
            if not self.cleaned_data.get(f"q{question.pk}-choice")
        ]


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Organisation"), max_length=200)
    sector = forms.CharField(label=_("Sector"), max_length=100)
    size_band = forms.ChoiceField(label=_("Size"), choices=Organisation.SizeBand.choices)
    country = forms.CharField(label=_("Country"), max_length=100, initial="España")
    manager_first_name = forms.CharField(label=_("Manager's first name"), max_length=150)
    manager_last_name = forms.CharField(
        label=_("Manager's last name"), max_length=150, required=False
    )
    manager_email = forms.EmailField(label=_("Manager's e-mail"))

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_sector(self):
        return self.cleaned_data["sector"].strip()


class PortfolioFilter(django_filters.FilterSet):
    sector = django_filters.ChoiceFilter(label=_("Sector"), empty_label=_("All sectors"))
    size_band = django_filters.ChoiceFilter(
        label=_("Size"), choices=Organisation.SizeBand.choices, empty_label=_("All sizes")
    )
    level = django_filters.ChoiceFilter(
        field_name="current_level",
        label=_("Maturity level"),
        choices=[(code, label) for code, (label, _description) in LEVELS.items()],
        empty_label=_("All levels"),
    )

    class Meta:
        model = Organisation
        fields = ["sector", "size_band", "level"]

    def __init__(self, *args, sectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["sector"].extra["choices"] = [(s, s) for s in sectors]
