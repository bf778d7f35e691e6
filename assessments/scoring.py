"""The scoring and prioritisation rules of QUESTION-BANK.md, as plain functions.

Answers arrive as a value per question number: 1.0 for "sí", 0.5 for "parcialmente",
0.0 for "no" (a mean of those when several respondents answered). Nothing here knows
about Django, so the rules can be read and tested on their own.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

ANSWER_VALUES = {"yes": 1.0, "partly": 0.5, "no": 0.0}


class Level(Enum):
    REACTIVE = "reactive"
    DEVELOPING = "developing"
    ORIENTED = "oriented"
    CENTRED = "centred"


@dataclass(frozen=True)
class AreaRow:
    code: str
    order: int
    weight: float


@dataclass(frozen=True)
class QuestionRow:
    number: int
    area_code: str
    weight: int


@dataclass(frozen=True)
class AreaPriority:
    code: str
    order: int
    weight: float
    score: float
    gap: float
    priority: float
    rank: int | None  # 1 = work on it first; None for an area with no gap (a strength)


@dataclass(frozen=True)
class OpenQuestion:
    number: int
    weight: int
    value: float


@dataclass(frozen=True)
class FocusArea:
    area: AreaPriority
    open_questions: tuple[OpenQuestion, ...]


@dataclass(frozen=True)
class Result:
    overall: float
    level: Level
    area_scores: dict[str, float]
    priorities: tuple[AreaPriority, ...]
    work_first: tuple[FocusArea, ...]
    quick_wins: tuple[int, ...]
    strengths: tuple[str, ...]


class Unanswered(ValueError):
    """Scoring needs every question answered; `numbers` are the ones that are not."""

    def __init__(self, numbers):
        self.numbers = tuple(sorted(numbers))
        super().__init__(f"unanswered questions: {list(self.numbers)}")


def _weighted_score(questions: Iterable[QuestionRow], values: Mapping[int, float]) -> float:
    questions = list(questions)
    total_weight = sum(q.weight for q in questions)
    if total_weight == 0:
        return 0.0
    return 100 * sum(q.weight * values[q.number] for q in questions) / total_weight


def area_scores(
    areas: Iterable[AreaRow], questions: Iterable[QuestionRow], values: Mapping[int, float]
) -> dict[str, float]:
    questions = list(questions)
    return {
        area.code: _weighted_score([q for q in questions if q.area_code == area.code], values)
        for area in areas
    }


def overall_score(questions: Iterable[QuestionRow], values: Mapping[int, float]) -> float:
    """Weighted over all questions, not the mean of the area scores."""
    return _weighted_score(questions, values)


def maturity_level(score: float, thresholds: tuple[int, int, int]) -> Level:
    developing, oriented, centred = thresholds
    if score >= centred:
        return Level.CENTRED
    if score >= oriented:
        return Level.ORIENTED
    if score >= developing:
        return Level.DEVELOPING
    return Level.REACTIVE


def area_priorities(
    areas: Iterable[AreaRow], scores: Mapping[str, float]
) -> tuple[AreaPriority, ...]:
    """Every area, highest priority (weight × gap) first; ties go to the lower area order."""
    rows = []
    for area in areas:
        gap = 100 - scores[area.code]
        rows.append((area, scores[area.code], gap, area.weight * gap))
    rows.sort(key=lambda row: (-row[3], row[0].order))
    ranked = []
    rank = 0
    for area, score, gap, priority in rows:
        if gap > 0:
            rank += 1
        ranked.append(
            AreaPriority(
                code=area.code,
                order=area.order,
                weight=area.weight,
                score=score,
                gap=gap,
                priority=priority,
                rank=rank if gap > 0 else None,
            )
        )
    return tuple(ranked)


def open_questions(
    area_code: str, questions: Iterable[QuestionRow], values: Mapping[int, float]
) -> tuple[OpenQuestion, ...]:
    """Questions not answered "sí": "no" first, then higher weight, then question number."""
    pending = [
        OpenQuestion(number=q.number, weight=q.weight, value=values[q.number])
        for q in questions
        if q.area_code == area_code and values[q.number] < 1
    ]
    pending.sort(key=lambda q: (q.value, -q.weight, q.number))
    return tuple(pending)


def score(
    areas: Iterable[AreaRow],
    questions: Iterable[QuestionRow],
    values: Mapping[int, float],
    thresholds: tuple[int, int, int],
    focus_size: int = 3,
) -> Result:
    areas = list(areas)
    questions = list(questions)
    missing = {q.number for q in questions} - set(values)
    if missing:
        raise Unanswered(missing)
    scores = area_scores(areas, questions, values)
    overall = overall_score(questions, values)
    priorities = area_priorities(areas, scores)
    focus = tuple(
        FocusArea(area=p, open_questions=open_questions(p.code, questions, values))
        for p in priorities
        if p.rank is not None and p.rank <= focus_size
    )
    return Result(
        overall=overall,
        level=maturity_level(overall, thresholds),
        area_scores=scores,
        priorities=priorities,
        work_first=focus,
        quick_wins=tuple(sorted(q.number for q in questions if 0 < values[q.number] < 1)),
        strengths=tuple(p.code for p in sorted(priorities, key=lambda p: p.order) if p.gap <= 0),
    )
