"""The what-if and the action plan of QUESTION-BANK.md, arranged for pages: plain data in,
plain data out. Every number comes from `scoring.what_if`, so there is one implementation
of the rules."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.formatting import number
from assessments.levels import level_label

TARGET_VALUES = {"yes": 1.0, "partly": 0.5}
OPEN_STATUSES = ("pending", "in_progress")


@dataclass(frozen=True)
class AreaChange:
    area: object
    today: float
    simulated: float

    @property
    def changed(self) -> bool:
        return round(self.simulated, 6) != round(self.today, 6)


@dataclass(frozen=True)
class WhatIf:
    today: scoring.Result
    simulated: scoring.Result
    areas: list[AreaChange]
    marks: dict[int, float]  # question number → simulated value
    sentence: str

    @property
    def level_changed(self) -> bool:
        return self.today.level is not self.simulated.level


def what_if(
    areas: Sequence,
    values: Mapping[int, float],
    said_no: Iterable[int],
    thresholds: tuple[int, int, int],
    marks: Mapping[int, float],
) -> WhatIf:
    """Today's result and the one with `marks` (question number → value) applied."""
    from assessments.assessment_scoring import scoring_rows

    area_rows, question_rows = scoring_rows(areas)
    said_no = frozenset(said_no)
    today = scoring.score(area_rows, question_rows, values, thresholds, said_no=said_no)
    simulated = scoring.what_if(
        area_rows, question_rows, values, thresholds, marks, said_no=said_no
    )
    changes = [
        AreaChange(area, today.area_scores[area.code], simulated.area_scores[area.code])
        for area in areas
    ]
    return WhatIf(
        today=today,
        simulated=simulated,
        areas=changes,
        marks=dict(marks),
        sentence=_sentence(marks, changes, today, simulated),
    )


def _sentence(marks, changes, today, simulated) -> str:
    if not marks:
        return _("Mark open questions to see what closing them would change.")
    numbers = get_text_list([str(n) for n in sorted(marks)], _("and"))
    moved = [
        _("%(area)s goes from %(before)s to %(after)s")
        % {"area": c.area.name, "before": number(c.today, 0), "after": number(c.simulated, 0)}
        for c in changes
        if c.changed
    ]
    level = level_label(simulated.level.value)
    if simulated.level is not today.level:
        outcome = _("the organisation rises to %(level)s") % {"level": level}
    else:
        outcome = _("the organisation stays at %(level)s (%(before)s → %(after)s)") % {
            "level": level,
            "before": number(today.overall, 0),
            "after": number(simulated.overall, 0),
        }
    return _("Closing %(questions)s, %(changes)s, and %(outcome)s.") % {
        "questions": numbers,
        "changes": get_text_list(moved, _("and")) if moved else _("no area changes"),
        "outcome": outcome,
    }


def counts_toward_plan(action, latest_assessment_id: int) -> bool:
    """The rules' carry-over: an action counts when it was made on the latest assessment
    and is not discarded, or was made on an earlier one and is still open."""
    if action.assessment_id == latest_assessment_id:
        return action.status != "discarded"
    return action.status in OPEN_STATUSES


def planned_marks(
    actions: Iterable, values: Mapping[int, float], latest_assessment_id: int
) -> dict[int, float]:
    """Question number → the value the counting actions aim at (the highest, where several
    aim at one question). `actions` carry `assessment_id`, `status`, `target` and
    `question`; one whose question the latest assessment lacks counts for nothing."""
    marks: dict[int, float] = {}
    for action in actions:
        if not counts_toward_plan(action, latest_assessment_id):
            continue
        number_ = action.question.number
        if number_ not in values:
            continue
        marks[number_] = max(marks.get(number_, 0.0), TARGET_VALUES[action.target])
    return marks


def is_overdue(action, today: date) -> bool:
    return (
        action.status in OPEN_STATUSES and action.due_date is not None and action.due_date < today
    )


@dataclass(frozen=True)
class Verdict:
    action: object
    before: float | None
    after: float | None

    @property
    def outcome(self) -> str:
        """ "improved", "unchanged", "worse", or "missing" (the question is not in the new
        assessment's bank)."""
        if self.before is None or self.after is None:
            return "missing"
        if self.after > self.before:
            return "improved"
        if self.after < self.before:
            return "worse"
        return "unchanged"

    @property
    def done_without_effect(self) -> bool:
        """Marked done, and the answer did not move: the line most worth reading."""
        return self.action.status == "done" and self.outcome in ("unchanged", "worse")


def judge(
    actions: Iterable, before: Mapping[int, float], after: Mapping[int, float]
) -> list[Verdict]:
    """Each action of the previous plan, judged by its question's value in the previous
    assessment and in the next one (matched by question number)."""
    return [
        Verdict(action, before.get(action.question.number), after.get(action.question.number))
        for action in actions
    ]
