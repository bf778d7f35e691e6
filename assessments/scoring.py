"""The scoring and prioritisation rules of QUESTION-BANK.md, as plain functions.

Answers arrive as a value per question number: 1.0 for "sí", 0.5 for "parcialmente",
0.0 for "no" (a mean of those when several respondents answered). Nothing here knows
about Django, so the rules can be read and tested on their own.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
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
    said_no: Collection[int] = (),
) -> Result:
    """`said_no`: questions somebody answered "no" in a round of several respondents; they
    are never quick wins. One person's "no" has the value 0, which is not one anyway."""
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
        quick_wins=tuple(
            sorted(
                q.number
                for q in questions
                if 0.5 <= values[q.number] < 1 and q.number not in said_no
            )
        ),
        strengths=tuple(p.code for p in sorted(priorities, key=lambda p: p.order) if p.gap <= 0),
    )


@dataclass(frozen=True)
class Combined:
    """The submitted responses of a round as one set of answers."""

    values: dict[int, float]  # question number → the mean, or the agreed answer's value
    counts: dict[int, dict[str, int]]  # question number → choice → how many answered it
    disagreements: tuple[int, ...]  # both "sí" and "no" among the responses
    said_no: frozenset[int]  # somebody answered "no"


def combine(
    responses: Sequence[Mapping[int, str]], agreed: Mapping[int, str] | None = None
) -> Combined:
    """Each response maps question number → choice ("yes", "partly", "no"). A question's
    value is the mean of the responses' values, unless the lead agreed an answer for it,
    whose value then stands."""
    if not responses:
        raise ValueError("a round is combined from at least one submitted response")
    agreed = agreed or {}
    numbers = sorted(set().union(*responses))
    counts = {n: Counter(r[n] for r in responses if n in r) for n in numbers}
    values = {}
    for number in numbers:
        if number in agreed:
            values[number] = ANSWER_VALUES[agreed[number]]
        else:
            given = counts[number]
            total = sum(given.values())
            values[number] = sum(ANSWER_VALUES[c] * k for c, k in given.items()) / total
    return Combined(
        values=values,
        counts={n: {c: counts[n].get(c, 0) for c in ANSWER_VALUES} for n in numbers},
        disagreements=tuple(n for n in numbers if counts[n]["yes"] and counts[n]["no"]),
        said_no=frozenset(n for n in numbers if counts[n]["no"]),
    )


def area_agreement(
    areas: Iterable[AreaRow], questions: Iterable[QuestionRow], disagreements: Collection[int]
) -> dict[str, float]:
    """Area code → 100 × the share of its questions that are not disagreements."""
    questions = list(questions)
    agreement = {}
    for area in areas:
        numbers = [q.number for q in questions if q.area_code == area.code]
        agreed = sum(1 for n in numbers if n not in disagreements)
        agreement[area.code] = 100 * agreed / len(numbers) if numbers else 100.0
    return agreement


def what_if(
    areas: Iterable[AreaRow],
    questions: Iterable[QuestionRow],
    values: Mapping[int, float],
    thresholds: tuple[int, int, int],
    marks: Mapping[int, float],
    said_no: Collection[int] = (),
) -> Result:
    """The result if each marked question (number → value) had been answered so; every
    other value stays. The same rules as `score`, so nothing marked gives the result."""
    return score(areas, questions, {**values, **marks}, thresholds, said_no=said_no)
