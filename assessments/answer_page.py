"""The answer page's markup: the progress panel and the question cards.

Crispy-forms takes about 13 ms to render the checklist's 40 fields, far too slow to repeat
on every request, and a published bank never changes. So both fragments are rendered once
per published bank version and language with a slot wherever a request's own values go (a
card's state, a radio's "checked", a note's text, the counts), and each worker keeps them;
a request only fills the slots (about 0.1 ms). A rejected form is rendered in full from the
bound form, errors and all.
"""

import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from assessments.forms import AnswersForm
from assessments.models import Answer
from assessments.selectors import published_banks

_SLOT = re.compile("\x00([^\x00]*)\x00")
_CHOICES = [value for value, _label in Answer.Choice.choices]


@dataclass(frozen=True)
class Fragments:
    progress: SafeString
    questions: SafeString


def fragments(bank, areas, values, *, form=None, missing=()) -> Fragments:
    """The progress panel and the question cards showing `values` (field name → value, as
    saved or as just posted)."""
    if form is not None and form.is_bound:
        return _rendered(areas, values, form, missing)
    slotted = published_banks.get(
        bank, f"answer-page:{get_language()}", lambda: _slotted_fragments(areas)
    )
    slots = _slot_values(areas, values)
    return Fragments(slotted.progress.fill(slots), slotted.questions.fill(slots))


def progress(areas, values) -> dict:
    """How many questions have an answer in `values`, overall and per area."""
    per_area = []
    for area in areas:
        questions = area.questions.all()
        answered = sum(1 for q in questions if values.get(f"q{q.pk}-choice"))
        per_area.append({"area": area, "answered": answered, "total": len(questions)})
    answered = sum(p["answered"] for p in per_area)
    total = sum(p["total"] for p in per_area)
    percent = round(100 * answered / total) if total else 0
    return {"areas": per_area, "answered": answered, "total": total, "percent": percent}


class _SlottedHtml:
    """Markup with slots (\\x00name\\x00), split once so that filling it is one join."""

    def __init__(self, html: str):
        # static, slot name, static, slot name, ..., static
        self._parts = _SLOT.split(html)

    def fill(self, slots: dict[str, str]) -> SafeString:
        parts = list(self._parts)
        parts[1::2] = [slots[name] for name in self._parts[1::2]]
        return mark_safe("".join(parts))  # noqa: S308 -- our autoescaped templates; slots escaped


@dataclass(frozen=True)
class _SlottedFragments:
    progress: _SlottedHtml
    questions: _SlottedHtml


def _slot(name: str) -> SafeString:
    return mark_safe(f"\x00{name}\x00")  # noqa: S308 -- built from our own field names


def _slot_values(areas, values) -> dict[str, str]:
    counts = progress(areas, values)
    slots = {"answered": str(counts["answered"]), "percent": str(counts["percent"])}
    for area_progress in counts["areas"]:
        slots[f"answered:{area_progress['area'].code}"] = str(area_progress["answered"])
    for area in areas:
        for question in area.questions.all():
            choice = values.get(f"q{question.pk}-choice") or ""
            slots[f"q{question.pk}"] = " is-answered" if choice else ""
            for value in _CHOICES:
                slots[f"q{question.pk}-choice:{value}"] = " checked" if value == choice else ""
            slots[f"q{question.pk}-note"] = escape(values.get(f"q{question.pk}-note") or "")
    return slots


def _progress_html(counts) -> str:
    return render_to_string("assessments/_answer_progress.html", counts)


def _cards_html(areas, form, card_class) -> str:
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


def _rendered(areas, values, form, missing) -> Fragments:
    missing_ids = {q.pk for q in missing}

    def state(question):
        if values.get(f"q{question.pk}-choice"):
            return " is-answered"
        return " is-missing" if question.pk in missing_ids else ""

    # render_to_string returns our autoescaped templates' output already marked safe.
    return Fragments(_progress_html(progress(areas, values)), _cards_html(areas, form, state))


def _slotted_fragments(areas) -> _SlottedFragments:
    counts = progress(areas, {})
    counts.update(answered=_slot("answered"), percent=_slot("percent"))
    for area_progress in counts["areas"]:
        area_progress["answered"] = _slot(f"answered:{area_progress['area'].code}")

    notes = {f"q{q.pk}-note": f"\x00q{q.pk}-note\x00" for a in areas for q in a.questions.all()}
    form = AnswersForm(areas=areas, initial=notes)
    cards = _cards_html(areas, form, lambda q: _slot(f"q{q.pk}"))
    # Crispy's templates indent generously; a run of blank lines means nothing in HTML, and
    # the page is a third smaller without them. (A textarea keeps its leading newline.)
    cards = re.sub(r"\s*\n\s*", "\n", cards)
    for area in areas:
        for question in area.questions.all():
            name = f"q{question.pk}-choice"
            for value in _CHOICES:
                attributes = f'name="{name}" value="{value}"'
                cards = cards.replace(attributes, f"{attributes}\x00{name}:{value}\x00", 1)
    return _SlottedFragments(_SlottedHtml(_progress_html(counts)), _SlottedHtml(cards))
