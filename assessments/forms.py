import re

from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
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


def answer_sections(areas, values, errors=None) -> list[dict]:
    """Per area: its questions with their current values and errors, and how many are
    answered. `values` maps field names to what was saved or just posted.

    Plain values rather than bound fields: the page repeats them for every question, and
    building and rendering a widget per question is what made the page slow.
    """
    errors = errors or {}
    sections = []
    for area in areas:
        items = []
        for question in area.questions.all():
            choice_name, note_name = f"q{question.pk}-choice", f"q{question.pk}-note"
            choice = values.get(choice_name) or ""
            items.append(
                {
                    "question": question,
                    "choice_name": choice_name,
                    "choice_value": choice,
                    "choice_errors": errors.get(choice_name, []),
                    "note_name": note_name,
                    "note_value": values.get(note_name) or "",
                    "note_errors": errors.get(note_name, []),
                    "answered": bool(choice),
                }
            )
        answered = sum(item["answered"] for item in items)
        sections.append({"area": area, "items": items, "answered": answered})
    return sections


def questions_html(sections, missing=()) -> str:
    """The question cards, rendered by Jinja2 (autoescaped) for speed."""
    html = render_to_string(
        "assessments/questions.jinja",
        {
            "sections": sections,
            "missing": bool(missing),
            "choices": [(value, str(label)) for value, label in Answer.Choice.choices],
            "note_max_length": settings.ANSWER_NOTE_MAX_LENGTH,
            "text": {
                "help_intro": _("What “sí” looks like:"),
                "note_label": _("Note (optional)"),
            },
        },
        using="jinja2",
    )
    return mark_safe(html)  # noqa: S308 -- Jinja2's autoescaping output
