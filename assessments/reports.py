"""The gap report: the scoring result of one submitted assessment, arranged for people.

Numbers come from scoring.py untouched; they are rounded only where they are shown.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assessments import scoring
from assessments.assessment_scoring import score_answers
from assessments.charts import ChartView, chart_view
from assessments.formatting import gap, number, plain, weight
from assessments.levels import level_label
from assessments.models import Answer


@dataclass
class AreaLine:
    area: object
    priority: scoring.AreaPriority
    counts: dict[str, int]


@dataclass
class FocusLine:
    area: object
    priority: scoring.AreaPriority
    why: str
    items: list[tuple[object, Answer]]


@dataclass
class Report:
    result: scoring.Result
    areas: list[AreaLine]
    work_first: list[FocusLine]
    quick_wins: list[tuple[object, object, Answer]]
    strengths: list[object]
    answers_by_area: list[tuple[object, list[tuple[object, Answer | None]]]]
    charts: list[ChartView] = field(default_factory=list)

    def chart(self, kind: str) -> ChartView | None:
        return next((c for c in self.charts if c.kind == kind), None)


def page_cache_key(assessment, language: str) -> str:
    """Everything a submitted report shows that is not frozen with its answers."""
    submitter = assessment.submitted_by
    parts = [
        assessment.pk,
        assessment.submitted_at.isoformat(),
        assessment.bank_id,
        assessment.organisation.name,
        submitter.get_full_name() or submitter.username if submitter else "",
        language,
    ]
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"report:{digest}"


def build_report(assessment, areas, answers_by_question_id: dict[int, Answer]) -> Report:
    result = score_answers(areas, answers_by_question_id, assessment.bank.thresholds)
    by_code = {area.code: area for area in areas}
    priority_by_code = {p.code: p for p in result.priorities}
    questions_by_number = {q.number: q for area in areas for q in area.questions.all()}

    def answer_to(question):
        return answers_by_question_id.get(question.pk)

    area_lines = []
    for area in areas:
        counts = Counter(answer_to(q).choice for q in area.questions.all() if answer_to(q))
        area_lines.append(
            AreaLine(
                area=area,
                priority=priority_by_code[area.code],
                counts={c: counts.get(c, 0) for c in ("yes", "partly", "no")},
            )
        )

    ranked = list(result.priorities)
    work_first = []
    for focus in result.work_first:
        position = ranked.index(focus.area)
        following = ranked[position + 1] if position + 1 < len(ranked) else None
        work_first.append(
            FocusLine(
                area=by_code[focus.area.code],
                priority=focus.area,
                why=_why(focus.area, following, by_code),
                items=[
                    (questions_by_number[q.number], answer_to(questions_by_number[q.number]))
                    for q in focus.open_questions
                ],
            )
        )

    quick_wins = []
    for question_number in result.quick_wins:
        question = questions_by_number[question_number]
        quick_wins.append((question, question.area, answer_to(question)))

    report = Report(
        result=result,
        areas=area_lines,
        work_first=work_first,
        quick_wins=quick_wins,
        strengths=[by_code[code] for code in result.strengths],
        answers_by_area=[
            (area, [(q, answer_to(q)) for q in area.questions.all()]) for area in areas
        ],
    )
    report.charts = _charts(assessment, report)
    return report


def _why(area: scoring.AreaPriority, following, by_code) -> str:
    own = {
        "weight": weight(area.weight),
        "gap": number(area.gap, 1),
        "priority": number(area.priority, 1),
    }
    if following is None or following.rank is None:
        return (
            _(
                "Weight %(weight)s × gap %(gap)s = priority %(priority)s; "
                "every area after it has no gap."
            )
            % own
        )
    other = {
        "other": by_code[following.code].name,
        "other_weight": weight(following.weight),
        "other_gap": number(following.gap, 1),
        "other_priority": number(following.priority, 1),
    }
    if round(area.priority, 6) == round(following.priority, 6):
        return _(
            "Weight %(weight)s × gap %(gap)s = priority %(priority)s, the same as "
            "%(other)s; it comes first because it is earlier in the checklist."
        ) % {**own, **other}
    return _(
        "Weight %(weight)s × gap %(gap)s = priority %(priority)s, ahead of %(other)s "
        "(%(other_weight)s × %(other_gap)s = %(other_priority)s)."
    ) % {**own, **other}


def _charts(assessment, report: Report) -> list[ChartView]:
    lines = report.areas
    names = [line.area.name for line in lines]
    scores = [round(line.priority.score, 2) for line in lines]
    strongest = max(lines, key=lambda line: (line.priority.score, -line.area.order))
    weakest = min(lines, key=lambda line: (line.priority.score, line.area.order))
    radar = chart_view(
        "radar",
        {
            "kind": "radar",
            "title": _("Score by area (0–100)"),
            "labels": names,
            "series": [{"name": assessment.organisation.name, "values": scores}],
        },
        _(
            "The strongest area is %(best)s (%(best_score)s) and the weakest is %(worst)s "
            "(%(worst_score)s); the further a point lies from the centre, the better."
        )
        % {
            "best": strongest.area.name,
            "best_score": number(strongest.priority.score, 0),
            "worst": weakest.area.name,
            "worst_score": number(weakest.priority.score, 0),
        },
        [_("Area"), _("Score")],
        [[line.area.name, number(line.priority.score, 0)] for line in lines],
    )

    by_code = {line.area.code: line.area for line in lines}
    ordered = list(report.result.priorities)
    with_gap = [p for p in ordered if p.rank is not None]
    if not with_gap:
        priority_summary = _("No area has a gap: every answer was “sí”.")
    elif len(with_gap) == 1:
        priority_summary = _(
            "Only %(first)s has a gap, with priority %(first_priority)s (weight × gap)."
        ) % {
            "first": by_code[with_gap[0].code].name,
            "first_priority": number(with_gap[0].priority, 1),
        }
    else:
        priority_summary = _(
            "%(first)s comes first with priority %(first_priority)s (weight × gap), "
            "followed by %(second)s with %(second_priority)s."
        ) % {
            "first": by_code[with_gap[0].code].name,
            "first_priority": number(with_gap[0].priority, 1),
            "second": by_code[with_gap[1].code].name,
            "second_priority": number(with_gap[1].priority, 1),
        }
    priorities = chart_view(
        "priorities",
        {
            "kind": "horizontal_bars",
            "title": _("Priority by area (weight × gap)"),
            "labels": [by_code[p.code].name for p in ordered],
            "values": [round(p.priority, 2) for p in ordered],
            "xmax": 100 * max(p.weight for p in ordered),
            "xlabel": _("Priority"),
        },
        priority_summary,
        [_("Rank"), _("Area"), _("Weight"), _("Gap"), _("Priority")],
        [
            [
                p.rank or "–",
                by_code[p.code].name,
                weight(p.weight),
                gap(p.score),
                number(p.priority, 1),
            ]
            for p in ordered
        ],
    )

    totals = {c: sum(line.counts[c] for line in lines) for c in ("yes", "partly", "no")}
    most_no = max(lines, key=lambda line: (line.counts["no"], -line.area.order))
    answers_summary = _(
        "Of %(total)s answers, %(yes)s were “sí”, %(partly)s “parcialmente” and %(no)s “no”."
    ) % {"total": sum(totals.values()), **totals}
    if most_no.counts["no"]:
        answers_summary += " " + _("%(area)s has the most “no” answers (%(count)s).") % {
            "area": most_no.area.name,
            "count": most_no.counts["no"],
        }
    labels = {"yes": _("Yes"), "partly": _("Partly"), "no": _("No")}
    answers = chart_view(
        "answers",
        {
            "kind": "stacked_bars",
            "title": _("Answers by area"),
            "labels": names,
            "series": [
                {"name": labels[c], "tone": c, "values": [line.counts[c] for line in lines]}
                for c in ("yes", "partly", "no")
            ],
            "xlabel": _("Number of questions"),
        },
        answers_summary,
        [_("Area"), labels["yes"], labels["partly"], labels["no"]],
        [
            [line.area.name, line.counts["yes"], line.counts["partly"], line.counts["no"]]
            for line in lines
        ],
    )
    return [radar, priorities, answers]


def csv_rows(assessment, report: Report) -> list[list]:
    """One row per answer, then one per area score, then the overall score."""
    choice_labels = dict(Answer.Choice.choices)
    rows = [
        [
            _("record"),
            _("area code"),
            _("area"),
            _("question"),
            _("text"),
            _("answer"),
            _("note"),
            _("score"),
            _("maturity level"),
        ]
    ]
    for area, items in report.answers_by_area:
        for question, answer in items:
            rows.append(
                [
                    _("answer"),
                    area.code,
                    area.name,
                    question.number,
                    question.text,
                    str(choice_labels.get(answer.choice, "")) if answer else "",
                    answer.note if answer else "",
                    "",
                    "",
                ]
            )
    for line in report.areas:
        rows.append(
            [
                _("area score"),
                line.area.code,
                line.area.name,
                "",
                "",
                "",
                "",
                plain(line.priority.score),
                "",
            ]
        )
    rows.append(
        [
            _("overall score"),
            "",
            "",
            "",
            "",
            "",
            "",
            plain(report.result.overall),
            str(level_label(report.result.level.value)),
        ]
    )
    return rows
