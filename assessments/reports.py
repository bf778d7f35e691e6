"""The gap report: the scoring result of one submitted assessment, arranged for people.

Numbers come from scoring.py untouched; they are rounded only where they are shown.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import scoring
from assessments.assessment_scoring import score_answers, score_round, scoring_rows
from assessments.charts import ChartView, chart_view
from assessments.downloads import Sheet
from assessments.formatting import gap, number, plain, weight
from assessments.levels import level_label
from assessments.models import AgreedAnswer, Answer, pseudonym

CHOICES = ("yes", "partly", "no")


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
    score_note: str = ""  # what the score is, in a round: a mean, agreed answers, or both


@dataclass
class RoundAnswer:
    """A question in a round: how the submitted responses answered it, and its value."""

    value: float
    counts: dict[str, int]
    names: dict[str, list[str]]  # choice → who chose it; empty lists when anonymous
    agreed: AgreedAnswer | None
    notes: list[tuple[str, str]]  # (who, note); who is "" when anonymous

    @property
    def choice(self) -> str:
        """The choice the value stands for, for colouring: "no" only if it is 0."""
        if self.agreed is not None:
            return self.agreed.choice
        return "no" if self.value == 0 else ("yes" if self.value == 1 else "partly")

    @property
    def is_disagreement(self) -> bool:
        return bool(self.counts["yes"] and self.counts["no"])


@dataclass
class RoundSummary:
    invited: int
    submitted: int
    anonymous: bool
    people: list[str]  # who submitted; empty when anonymous
    disagreements: list[tuple[object, RoundAnswer]]
    agreed: list[tuple[object, AgreedAnswer]]
    agreement: list[tuple[object, float]]  # area → 100 × share of questions agreed on
    overall_agreement: float
    responses: list[tuple[str, dict[int, Answer]]]  # (who or pseudonym, question id → answer)

    @property
    def left_out(self) -> int:
        return self.invited - self.submitted

    @property
    def mean_of(self) -> int | None:
        """How many people each figure is a mean of, when more than one."""
        return self.submitted if self.submitted > 1 else None


@dataclass
class Report:
    result: scoring.Result
    areas: list[AreaLine]
    work_first: list[FocusLine]
    quick_wins: list[tuple[object, object, Answer]]
    strengths: list[object]
    answers_by_area: list[tuple[object, list[tuple[object, Answer | None]]]]
    charts: list[ChartView] = field(default_factory=list)
    round: RoundSummary | None = None

    def chart(self, kind: str) -> ChartView | None:
        return next((c for c in self.charts if c.kind == kind), None)

    @property
    def mean_note(self) -> str:
        return mean_note(self)


def page_cache_key(assessment, language: str) -> str:
    """Everything a submitted report shows that is not frozen with its answers."""
    parts = [
        assessment.pk,
        assessment.submitted_at.isoformat(),
        assessment.bank_id,
        assessment.organisation.name,
        assessment.submitter_name,
        assessment.names_changed_at.isoformat() if assessment.names_changed_at else "",
        language,
    ]
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"report:{digest}"


def pdf_cache_key(assessment, language: str) -> str:
    """The PDF is kept in the shared cache, which outlives a deployment: the release is
    part of its key, so new templates make a new PDF."""
    return f"pdf:{settings.RELEASE}:{page_cache_key(assessment, language)}"


def build_report(
    assessment,
    areas,
    responses: list[dict[int, Answer]],
    agreed: dict[int, AgreedAnswer] | None = None,
) -> Report:
    """`responses`: the submitted responses' answers (question id → answer); one unless
    the assessment is a round. `agreed`: a round's agreed answers by question id."""
    agreed = agreed or {}
    round_summary = None
    if assessment.is_round:
        result, combined = score_round(
            areas,
            responses,
            {qid: a.choice for qid, a in agreed.items()},
            assessment.bank.thresholds,
        )
        by_question_id = _round_answers(assessment, areas, responses, agreed, combined)
    else:
        by_question_id = responses[0] if responses else {}
        result = score_answers(areas, by_question_id, assessment.bank.thresholds)
    by_code = {area.code: area for area in areas}
    priority_by_code = {p.code: p for p in result.priorities}
    questions_by_number = {q.number: q for area in areas for q in area.questions.all()}

    def answer_to(question):
        return by_question_id.get(question.pk)

    area_lines = []
    for area in areas:
        counts = Counter()
        for question in area.questions.all():
            answer = answer_to(question)
            if isinstance(answer, RoundAnswer):
                counts.update(answer.counts)
            elif answer:
                counts[answer.choice] += 1
        area_lines.append(
            AreaLine(
                area=area,
                priority=priority_by_code[area.code],
                counts={c: counts.get(c, 0) for c in CHOICES},
            )
        )
    if assessment.is_round:
        round_summary = _round_summary(assessment, areas, responses, by_question_id, combined)

    ranked = list(result.priorities)
    questions_of = {area.code: area.questions.all() for area in areas}
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
                score_note=area_score_note(
                    round_summary.mean_of if round_summary else None,
                    agreed=sum(q.pk in agreed for q in questions_of[focus.area.code]),
                    questions=len(questions_of[focus.area.code]),
                ),
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
        round=round_summary,
    )
    report.charts = _charts(assessment, report)
    return report


@dataclass(frozen=True)
class PrintCut:
    """What a printed report left out of its notes, to say so beside them."""

    note_limit: int
    shortened: int = 0
    left_out: int = 0

    def __bool__(self) -> bool:
        return bool(self.shortened or self.left_out)


def notes_for_print(report: Report, note_limit: int, total_limit: int) -> tuple[Report, PrintCut]:
    """A round's report with its notes cut to fit a printed document: each note to
    `note_limit` characters, and none past `total_limit` characters in all (in question
    order). A round of fifty people with long notes would otherwise lay out a thousand
    pages; the CSV and the workbook keep every note whole."""
    if report.round is None:
        return report, PrintCut(note_limit)
    shortened = left_out = 0
    budget = total_limit
    answers_by_area = []
    for area, items in report.answers_by_area:
        cut_items = []
        for question, answer in items:
            notes = []
            for who, note in answer.notes:
                if budget <= 0:
                    left_out += 1
                    continue
                if len(note) > note_limit:
                    note = note[: note_limit - 1].rstrip() + "…"
                    shortened += 1
                budget -= len(note)
                notes.append((who, note))
            cut_items.append((question, replace(answer, notes=notes)))
        answers_by_area.append((area, cut_items))
    cut = PrintCut(note_limit, shortened, left_out)
    return replace(report, answers_by_area=answers_by_area), cut


def respondent_labels(assessment, responses: list[dict[int, Answer]]) -> list[str]:
    """How the report names each submitted response: the name stored at closing, or in an
    anonymous round the pseudonym drawn at closing (`responses` come in its order)."""
    labels = []
    for position, answers in enumerate(responses, start=1):
        response = next(iter(answers.values())).response if answers else None
        if assessment.anonymous or response is None or not response.label:
            number = (response and response.pseudonym_number) or position
            labels.append(pseudonym(number))
        else:
            labels.append(response.label)
    return labels


def _round_answers(assessment, areas, responses, agreed, combined) -> dict[int, RoundAnswer]:
    labels = respondent_labels(assessment, responses)
    round_answers = {}
    for area in areas:
        for question in area.questions.all():
            names = {c: [] for c in CHOICES}
            notes = []
            for label, answers in zip(labels, responses, strict=True):
                answer = answers.get(question.pk)
                if answer is None:
                    continue
                if not assessment.anonymous:
                    names[answer.choice].append(label)
                if answer.note:
                    notes.append(("" if assessment.anonymous else label, answer.note))
            round_answers[question.pk] = RoundAnswer(
                value=combined.values[question.number],
                counts=combined.counts[question.number],
                names=names,
                agreed=agreed.get(question.pk),
                notes=notes,
            )
    return round_answers


def _round_summary(assessment, areas, responses, by_question_id, combined) -> RoundSummary:
    area_rows, question_rows = scoring_rows(areas)
    agreement = scoring.area_agreement(area_rows, question_rows, combined.disagreements)
    questions = [q for area in areas for q in area.questions.all()]
    return RoundSummary(
        invited=assessment.invited_count or len(responses),
        submitted=len(responses),
        anonymous=assessment.anonymous,
        people=[] if assessment.anonymous else respondent_labels(assessment, responses),
        disagreements=[
            (q, by_question_id[q.pk]) for q in questions if by_question_id[q.pk].is_disagreement
        ],
        agreed=[(q, by_question_id[q.pk].agreed) for q in questions if by_question_id[q.pk].agreed],
        agreement=[(area, agreement[area.code]) for area in areas],
        overall_agreement=100 * (len(questions) - len(combined.disagreements)) / len(questions),
        responses=list(zip(respondent_labels(assessment, responses), responses, strict=True)),
    )


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


def area_score_note(mean_of: int | None, agreed: int, questions: int) -> str:
    """What an area's score is in a round: " (mean of 3 people)", or, where the lead
    recorded agreed answers for some or all of its questions, that it counts them."""
    if mean_of is None:
        return ""
    if agreed and agreed == questions:
        return " " + _("(the agreed answers)")
    if agreed:
        return " " + ngettext(
            "(mean of %(count)s people, and %(agreed)s agreed answer)",
            "(mean of %(count)s people, and %(agreed)s agreed answers)",
            agreed,
        ) % {"count": mean_of, "agreed": agreed}
    return " " + _("(mean of %(count)s people)") % {"count": mean_of}


def mean_note(report: Report) -> str:
    """ " (mean of 4 people)" after a figure of a round several people answered."""
    if report.round is None or report.round.mean_of is None:
        return ""
    return " " + _("(mean of %(count)s people)") % {"count": report.round.mean_of}


def _charts(assessment, report: Report) -> list[ChartView]:
    lines = report.areas
    note = mean_note(report)
    names = [line.area.name for line in lines]
    scores = [round(line.priority.score, 2) for line in lines]
    strongest = max(lines, key=lambda line: (line.priority.score, -line.area.order))
    weakest = min(lines, key=lambda line: (line.priority.score, line.area.order))
    radar = chart_view(
        "radar",
        {
            "kind": "radar",
            "title": _("Score by area (0–100)") + note,
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
            "title": _("Priority by area (weight × gap)") + note,
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
    if report.round is not None and report.round.submitted > 1:
        answers_summary += " " + _("They are the answers of %(count)s people.") % {
            "count": report.round.submitted
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
    if report.round is None:
        return [radar, priorities, answers]
    return [radar, priorities, answers, _spread_chart(report, labels)]


def _spread_chart(report: Report, labels: dict[str, str]) -> ChartView:
    """How the respondents' answers spread over each question: where they disagree."""
    items = sorted(
        ((q, answer) for _area, pairs in report.answers_by_area for q, answer in pairs),
        key=lambda item: item[0].number,
    )
    disagreements = [q.number for q, _answer in report.round.disagreements]
    if disagreements:
        summary = _(
            "Each bar shows how the %(count)s people answered one question. They disagree "
            "(some “sí”, some “no”) on %(disagreements)s of %(total)s questions: %(numbers)s."
        ) % {
            "count": report.round.submitted,
            "disagreements": len(disagreements),
            "total": len(items),
            "numbers": ", ".join(str(n) for n in disagreements),
        }
    else:
        summary = _(
            "Each bar shows how the %(count)s people answered one question. No question has "
            "both “sí” and “no” answers."
        ) % {"count": report.round.submitted}
    return chart_view(
        "spread",
        {
            "kind": "stacked_bars",
            "title": _("How the answers spread, question by question"),
            "labels": [_("Question %(number)s") % {"number": q.number} for q, _a in items],
            "series": [
                {"name": labels[c], "tone": c, "values": [a.counts[c] for _q, a in items]}
                for c in CHOICES
            ],
            "xlabel": _("Number of people"),
            "counts_people": True,
        },
        summary,
        [_("Question"), labels["yes"], labels["partly"], labels["no"], _("Value")],
        [
            [
                f"{q.number}. {q.text}",
                a.counts["yes"],
                a.counts["partly"],
                a.counts["no"],
                number(a.value, 2),
            ]
            for q, a in items
        ],
    )


def csv_rows(assessment, report: Report) -> list[list]:
    """One row per answer, then one per area score, then the overall score."""
    if report.round is not None:
        return _round_csv_rows(report)
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


def _round_csv_rows(report: Report) -> list[list]:
    """One row per respondent's answer (a pseudonym for who, in an anonymous round), one
    per question's combined value, then the area scores and the overall score."""
    choice_labels = dict(Answer.Choice.choices)
    rows = [
        [
            _("record"),
            _("respondent"),
            _("area code"),
            _("area"),
            _("question"),
            _("text"),
            _("answer"),
            _("note"),
            _("value"),
            _("score"),
            _("maturity level"),
        ]
    ]
    for who, answers in report.round.responses:
        for area, items in report.answers_by_area:
            for question, _combined in items:
                answer = answers.get(question.pk)
                choice = answer.choice if answer else ""
                rows.append(
                    [
                        _("answer"),
                        who,
                        area.code,
                        area.name,
                        question.number,
                        question.text,
                        str(choice_labels.get(choice, "")),
                        answer.note if answer else "",
                        plain(scoring.ANSWER_VALUES[choice]) if choice else "",
                        "",
                        "",
                    ]
                )
    for area, items in report.answers_by_area:
        for question, combined in items:
            agreed = combined.agreed
            rows.append(
                [
                    _("agreed answer") if agreed else _("combined"),
                    "",
                    area.code,
                    area.name,
                    question.number,
                    question.text,
                    str(choice_labels[agreed.choice]) if agreed else "",
                    agreed.note if agreed else "",
                    plain(combined.value),
                    "",
                    "",
                ]
            )
    for line in report.areas:
        rows.append(
            [_("area score"), "", line.area.code, line.area.name]
            + ["", "", "", "", ""]
            + [plain(line.priority.score), ""]
        )
    rows.append(
        [_("overall score"), "", "", "", "", "", "", "", "", plain(report.result.overall)]
        + [str(level_label(report.result.level.value))]
    )
    return rows


def xlsx_sheets(assessment, report: Report) -> list[Sheet]:
    """The report as a workbook: a summary, the areas, what to work on first and every
    answer, each its own table (and, in a round, every person's answers)."""
    choice_labels = dict(Answer.Choice.choices)
    result = report.result
    summary = [
        [_("organisation"), assessment.organisation.name],
        [_("date"), localdate(assessment.submitted_at)],
        [_("question bank version"), assessment.bank.version],
        [_("respondents"), report.round.submitted if report.round else 1],
        [_("overall score"), plain(result.overall)],
        [_("maturity level"), str(level_label(result.level.value))],
    ]
    if report.round is not None and report.round.submitted > 1:
        summary.append([_("agreement"), plain(report.round.overall_agreement)])
    sheets = [
        Sheet(_("Summary"), [_("field"), _("value")], summary),
        Sheet(
            _("Areas"),
            [_("area code"), _("area"), _("score"), _("gap"), _("weight")]
            + [_("priority"), _("rank")],
            [
                [
                    line.area.code,
                    line.area.name,
                    plain(line.priority.score),
                    plain(line.priority.gap),
                    plain(line.priority.weight),
                    plain(line.priority.priority),
                    line.priority.rank,
                ]
                for line in report.areas
            ],
        ),
        Sheet(
            _("Work on these first"),
            [_("rank"), _("area code"), _("area"), _("question"), _("text")]
            + [_("answer"), _("next step")],
            [
                [
                    focus.priority.rank,
                    focus.area.code,
                    focus.area.name,
                    question.number,
                    question.text,
                    _answer_label(answer, choice_labels),
                    question.recommendation,
                ]
                for focus in report.work_first
                for question, answer in focus.items
            ],
        ),
    ]
    if report.round is None:
        sheets.append(
            Sheet(
                _("Answers"),
                [_("area code"), _("area"), _("question"), _("text"), _("answer"), _("note")],
                [
                    [
                        area.code,
                        area.name,
                        question.number,
                        question.text,
                        _answer_label(answer, choice_labels),
                        answer.note if answer else "",
                    ]
                    for area, items in report.answers_by_area
                    for question, answer in items
                ],
            )
        )
        return sheets
    sheets.append(
        Sheet(
            _("Answers"),
            [_("area code"), _("area"), _("question"), _("text"), _("value")]
            + [_("Yes"), _("Partly"), _("No"), _("agreed answer"), _("note")],
            [
                [
                    area.code,
                    area.name,
                    question.number,
                    question.text,
                    plain(combined.value),
                    combined.counts["yes"],
                    combined.counts["partly"],
                    combined.counts["no"],
                    str(choice_labels[combined.agreed.choice]) if combined.agreed else "",
                    combined.agreed.note if combined.agreed else "",
                ]
                for area, items in report.answers_by_area
                for question, combined in items
            ],
        )
    )
    sheets.append(
        Sheet(
            _("Answers by person"),
            [_("respondent"), _("area code"), _("question"), _("answer"), _("note")],
            [
                [
                    who,
                    area.code,
                    question.number,
                    _answer_label(answers.get(question.pk), choice_labels),
                    answers[question.pk].note if question.pk in answers else "",
                ]
                for who, answers in report.round.responses
                for area, items in report.answers_by_area
                for question, _combined in items
            ],
        )
    )
    return sheets


def _answer_label(answer, choice_labels) -> str:
    if isinstance(answer, RoundAnswer):
        # Several people's answers combine to a value; an agreed answer replaces it.
        return str(choice_labels[answer.agreed.choice]) if answer.agreed else plain(answer.value)
    return str(choice_labels.get(answer.choice, "")) if answer else ""
