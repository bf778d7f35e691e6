"""Comparing results over time and against a benchmark: plain functions on plain data."""

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ResultPoint:
    """One submitted assessment: when, with which bank version, and its scores."""

    label: str
    bank_version: int
    overall: float
    areas: Mapping[str, float]
    respondents: int = 1  # how many people's answers the result combines
    agreement: float | None = None  # for several respondents: 100 × share agreed on


@dataclass(frozen=True)
class ProgressRow:
    point: ResultPoint
    overall_change: float | None
    area_changes: dict[str, float | None]
    bank_changed: bool


def progress(points: Sequence[ResultPoint]) -> list[ProgressRow]:
    """Each point with its change since the previous one (None for the first, and for an
    area the previous assessment did not score). Areas are matched by code, so results
    answered on different bank versions still compare."""
    rows = []
    previous = None
    for point in points:
        rows.append(
            ProgressRow(
                point=point,
                overall_change=None if previous is None else point.overall - previous.overall,
                area_changes={
                    code: (
                        score - previous.areas[code]
                        if previous is not None and code in previous.areas
                        else None
                    )
                    for code, score in point.areas.items()
                },
                bank_changed=previous is not None and previous.bank_version != point.bank_version,
            )
        )
        previous = point
    return rows


def against_benchmark(
    scores: Mapping[str, float], benchmark: Mapping[str, float]
) -> dict[str, float | None]:
    """Area code → score minus the benchmark (None where either is missing)."""
    return {
        code: (scores[code] - benchmark[code]) if code in scores and code in benchmark else None
        for code in benchmark.keys() | scores.keys()
    }


# A percentile over fewer organisations than this says more about who they are than about
# where one stands: it is not shown.
MIN_PERCENTILE_GROUP = 5


def percentile_of_rank(below: int, tied_others: int, size: int) -> int | None:
    """The percentile of a member of a group of `size` that scored higher than `below`
    members and the same as `tied_others` others: 100 × (below + tied_others ÷ 2) ÷
    (size − 1), rounded half-up to a whole number; the lowest alone is 0, the highest
    alone 100. None for a group smaller than MIN_PERCENTILE_GROUP."""
    if size < MIN_PERCENTILE_GROUP:
        return None
    others = size - 1
    # Twice the numerator and the denominator: whole numbers, so the rounding of exact
    # halves (x.5) is half-up and never a float's guess.
    doubled = 100 * (2 * below + tied_others)
    return (doubled + others) // (2 * others)


def percentiles(scores: Mapping[object, float]) -> dict[object, int | None]:
    """Each member's percentile_of_rank within the group `scores` holds (member → its
    score), None for all in a group smaller than MIN_PERCENTILE_GROUP. One sort,
    whatever the group's size."""
    ordered = sorted(scores.values())
    result = {}
    for member, score in scores.items():
        below = bisect_left(ordered, score)
        tied_others = bisect_right(ordered, score) - below - 1
        result[member] = percentile_of_rank(below, tied_others, len(ordered))
    return result


@dataclass(frozen=True)
class Standing:
    """Where one organisation's score stands: among all of a consultant's organisations
    with a result, and among those of its sector (None where the group is too small)."""

    portfolio: int | None
    portfolio_size: int
    sector: int | None
    sector_size: int


def standings(results: Mapping[object, tuple[str, float]]) -> dict[object, Standing]:
    """Member → its Standing, from member → (sector, score) for every member with a result."""
    overall = percentiles({member: score for member, (_sector, score) in results.items()})
    by_sector: dict[str, dict] = {}
    for member, (sector, score) in results.items():
        by_sector.setdefault(sector, {})[member] = score
    in_sector = {}
    for group in by_sector.values():
        in_sector.update({m: (p, len(group)) for m, p in percentiles(group).items()})
    return {
        member: Standing(overall[member], len(results), *in_sector[member]) for member in results
    }


def standings_among(
    counts: Mapping[tuple[str, float], int], members: Mapping[object, tuple[str, float]]
) -> dict[object, Standing]:
    """Member → its Standing, like `standings`, for a few `members` (member → (sector,
    score)) of a group known only by how many of it have each (sector, score): a page of
    a large book, ranked without reading the book's rows one by one. A score of None
    (no result yet) is counted in no group."""
    by_score: Counter = Counter()
    by_sector: dict[str, Counter] = {}
    for (sector, score), count in counts.items():
        if score is None:
            continue
        by_score[score] += count
        by_sector.setdefault(sector, Counter())[score] += count

    def percentile_in(group: Counter, score) -> int | None:
        below = sum(count for other, count in group.items() if other < score)
        return percentile_of_rank(below, group[score] - 1, group.total())

    return {
        member: Standing(
            portfolio=percentile_in(by_score, score),
            portfolio_size=by_score.total(),
            sector=percentile_in(by_sector[sector], score),
            sector_size=by_sector[sector].total(),
        )
        for member, (sector, score) in members.items()
    }


def area_standings(
    sectors: Mapping[object, str], area_scores: Mapping[object, Mapping[str, float]]
) -> dict[object, dict[str, Standing]]:
    """Member → area code → Standing of that area's score, each area its own group (an
    area a member's result did not score is left out of that area's group)."""
    codes = {code for scores in area_scores.values() for code in scores}
    by_area = {
        code: standings(
            {m: (sectors[m], scores[code]) for m, scores in area_scores.items() if code in scores}
        )
        for code in codes
    }
    return {
        member: {code: by_area[code][member] for code in scores}
        for member, scores in area_scores.items()
    }
