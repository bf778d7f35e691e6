import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assessments.models import Answer
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
                    label=question.text,
                    help_text=question.help,
                    choices=Answer.Choice.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
                self.fields[f"q{question.pk}-note"] = forms.CharField(
                    label=_("Note (optional)"),
                    max_length=settings.ANSWER_NOTE_MAX_LENGTH,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
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

    @property
    def answered_count(self) -> int:
        return sum(1 for qid in self.question_ids if self[f"q{qid}-choice"].value())

    def sections(self) -> list[dict]:
        """Per area: its questions with their bound fields, and how many are answered."""
        sections = []
        for area in self.areas:
            items = []
            for question in area.questions.all():
                choice = self[f"q{question.pk}-choice"]
                items.append(
                    {
                        "question": question,
                        "choice": choice,
                        "note": self[f"q{question.pk}-note"],
                        "answered": bool(choice.value()),
                    }
                )
            answered = sum(item["answered"] for item in items)
            sections.append({"area": area, "items": items, "answered": answered})
        return sections
