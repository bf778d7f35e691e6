import re

import django_filters
from django import forms
from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup, escape

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


_SLOT = re.compile("\x00([^\x00]*)\x00")
_CHOICES = [value for value, _label in Answer.Choice.choices]


def _slot(name: str) -> Markup:
    return Markup(f"\x00{name}\x00")  # noqa: S704 -- built from our own field names


def _skeleton(sections) -> str:
    """The cards rendered by Jinja2 (autoescaped), with a marker wherever a value depends
    on the request. The same bank version in the same language always gives the same
    skeleton, so a published bank's is rendered once per worker."""
    marked = [
        {
            "area": section["area"],
            "items": [
                {
                    "question": item["question"],
                    "choice_name": item["choice_name"],
                    "note_name": item["note_name"],
                    "card_class": _slot(f"{item['choice_name']}:card"),
                    "checked": {v: _slot(f"{item['choice_name']}:{v}") for v in _CHOICES},
                    "choice_invalid": _slot(f"{item['choice_name']}:invalid"),
                    "choice_errors": _slot(f"{item['choice_name']}:errors"),
                    "note_value": _slot(f"{item['note_name']}:value"),
                    "note_invalid": _slot(f"{item['note_name']}:invalid"),
                    "note_errors": _slot(f"{item['note_name']}:errors"),
                }
                for item in section["items"]
            ],
        }
        for section in sections
    ]
    return render_to_string(
        "assessments/questions.jinja",
        {
            "sections": marked,
            "choices": [(value, str(label)) for value, label in Answer.Choice.choices],
            "note_max_length": settings.ANSWER_NOTE_MAX_LENGTH,
            "text": {
                "help_intro": _("What “sí” looks like:"),
                "note_label": _("Note (optional)"),
            },
        },
        using="jinja2",
    )


def _errors_html(errors) -> str:
    return "".join(f'<div class="invalid-feedback d-block">{escape(e)}</div>' for e in errors)


def questions_html(sections, missing=(), skeleton_key=None) -> str:
    """The question cards: the skeleton (cached under `skeleton_key` when given) with this
    request's answers, notes and errors put in its slots, each value escaped."""
    skeleton = caches["pages"].get(skeleton_key) if skeleton_key else None
    if skeleton is None:
        skeleton = _skeleton(sections)
        if skeleton_key:
            caches["pages"].set(skeleton_key, skeleton, timeout=600)
    values = {}
    for section in sections:
        for item in section["items"]:
            choice, note = item["choice_name"], item["note_name"]
            state = " is-answered" if item["answered"] else (" is-missing" if missing else "")
            values[f"{choice}:card"] = state
            for value in _CHOICES:
                values[f"{choice}:{value}"] = " checked" if value == item["choice_value"] else ""
            values[f"{choice}:invalid"] = " is-invalid" if item["choice_errors"] else ""
            values[f"{choice}:errors"] = _errors_html(item["choice_errors"])
            values[f"{note}:value"] = str(escape(item["note_value"]))
            values[f"{note}:invalid"] = " is-invalid" if item["note_errors"] else ""
            values[f"{note}:errors"] = _errors_html(item["note_errors"])
    html = _SLOT.sub(lambda match: values.get(match.group(1), ""), skeleton)
    return mark_safe(html)  # noqa: S308 -- Jinja2's autoescaped output, values escaped above


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
