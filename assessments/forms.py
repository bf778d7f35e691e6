import re

import django_filters
from django import forms
from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
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


def answer_progress(areas, values) -> list[dict]:
    """Per area: how many of its questions have an answer in `values` (field name → value,
    as saved or just posted)."""
    progress = []
    for area in areas:
        questions = list(area.questions.all())
        answered = sum(1 for q in questions if values.get(f"q{q.pk}-choice"))
        progress.append({"area": area, "answered": answered, "total": len(questions)})
    return progress


_SLOT = re.compile("\x00([^\x00]*)\x00")
_CHOICES = [value for value, _label in Answer.Choice.choices]


def _slot(name: str) -> SafeString:
    return mark_safe(f"\x00{name}\x00")  # noqa: S308 -- built from our own field names


def _cards(areas, form, card_class) -> str:
    sections = [
        {
            "area": area,
            "items": [
                {
                    "question": question,
                    "choice": form[f"q{question.pk}-choice"],
                    "note": form[f"q{question.pk}-note"],
                    "card_class": card_class(question),
                }
                for question in area.questions.all()
            ],
        }
        for area in areas
    ]
    return render_to_string("assessments/_question_cards.html", {"sections": sections})


def _skeleton(areas) -> str:
    """The cards rendered by crispy-forms with a marker wherever a value depends on the
    request: the card's state, each radio's "checked" and the note's text."""
    markers = {f"q{q.pk}-note": f"\x00q{q.pk}-note\x00" for a in areas for q in a.questions.all()}
    html = _cards(areas, AnswersForm(areas=areas, initial=markers), lambda q: _slot(f"q{q.pk}"))
    # Crispy's templates indent generously; a run of blank lines means nothing in HTML, and
    # the page is a third smaller without them. (A textarea keeps its leading newline.)
    html = re.sub(r"\s*\n\s*", "\n", html)
    for area in areas:
        for question in area.questions.all():
            name = f"q{question.pk}-choice"
            for value in _CHOICES:
                attributes = f'name="{name}" value="{value}"'
                html = html.replace(attributes, f"{attributes}\x00{name}:{value}\x00", 1)
    return html


def question_cards(areas, values, *, form=None, missing=(), skeleton_key=None) -> str:
    """The question cards with this request's answers and notes.

    A rejected form is rendered in full from the bound form, errors and all. Otherwise the
    skeleton (cached under `skeleton_key`: a published bank never changes) gets each of this
    request's values, escaped, in its slot; crispy's per-field rendering is too slow to
    repeat for 40 fields on every request.
    """
    if form is not None and form.is_bound:
        missing_ids = {q.pk for q in missing}

        def state(question):
            if form.data.get(f"q{question.pk}-choice"):
                return " is-answered"
            return " is-missing" if question.pk in missing_ids else ""

        return mark_safe(_cards(areas, form, state))  # noqa: S308 -- our autoescaped template
    skeleton = caches["pages"].get(skeleton_key) if skeleton_key else None
    if skeleton is None:
        skeleton = _skeleton(areas)
        if skeleton_key:
            caches["pages"].set(skeleton_key, skeleton, timeout=600)
    slots = {}
    for area in areas:
        for question in area.questions.all():
            choice = values.get(f"q{question.pk}-choice") or ""
            slots[f"q{question.pk}"] = " is-answered" if choice else ""
            for value in _CHOICES:
                slots[f"q{question.pk}-choice:{value}"] = " checked" if value == choice else ""
            slots[f"q{question.pk}-note"] = str(escape(values.get(f"q{question.pk}-note") or ""))
    html = _SLOT.sub(lambda match: slots.get(match.group(1), ""), skeleton)
    return mark_safe(html)  # noqa: S308 -- crispy's autoescaped output, values escaped above


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
