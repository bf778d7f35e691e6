"""Customer outcomes (QUESTION-BANK.md, "Customer outcomes"): the five measures, which of
an organisation's values pairs with its current result, and Spearman's ρ between a score
and a measure over a group, with the sentence that reads it. Plain data in, plain data out:
no query here."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.formatting import half_up, number


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str  # shown after a value: "%", "‰" (per 1,000 customers) or nothing
    minimum: Decimal
    maximum: Decimal
    lower_is_better: bool
    more: str  # the direction in plain words: "more complaints"
    less: str


# Complaints per 1,000 customers have no upper bound in the rules; the column holds up to
# this, far beyond any organisation's figure.
COMPLAINTS_CEILING = Decimal("999999.99")

MEASURES = (
    Measure(
        "nps",
        gettext_lazy("Net promoter score (NPS)"),
        "",
        Decimal(-100),
        Decimal(100),
        False,
        gettext_lazy("a higher NPS"),
        gettext_lazy("a lower NPS"),
    ),
    Measure(
        "csat",
        gettext_lazy("Customer satisfaction (CSAT)"),
        "%",
        Decimal(0),
        Decimal(100),
        False,
        gettext_lazy("more satisfied customers"),
        gettext_lazy("fewer satisfied customers"),
    ),
    Measure(
        "complaints",
        gettext_lazy("Complaints per 1,000 customers"),
        "‰",
        Decimal(0),
        COMPLAINTS_CEILING,
        True,
        gettext_lazy("more complaints"),
        gettext_lazy("fewer complaints"),
    ),
    Measure(
        "churn",
        gettext_lazy("Customer churn"),
        "%",
        Decimal(0),
        Decimal(100),
        True,
        gettext_lazy("more customers lost"),
        gettext_lazy("fewer customers lost"),
    ),
    Measure(
        "repeat",
        gettext_lazy("Repeat customers"),
        "%",
        Decimal(0),
        Decimal(100),
        False,
        gettext_lazy("more repeat customers"),
        gettext_lazy("fewer repeat customers"),
    ),
)
MEASURE_BY_CODE = {measure.code: measure for measure in MEASURES}

# The pairing window of the rules, in whole months around the result's month.
MONTHS_BEFORE = 12
MONTHS_AFTER = 6
# Below this many pairs the rules give no ρ.
MIN_PAIRS = 8


def month_index(day: date) -> int:
    """Months since year 0: the arithmetic of the pairing window."""
    return day.year * 12 + day.month - 1


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def value_shown(measure: Measure, value) -> str:
    """A measure's value for people: "42", "87,5 %", "3,2 ‰"."""
    if value is None:
        return number(None)
    text = number(value, 0 if half_up(value, 2) == half_up(value, 0) else 1)
    return f"{text} {measure.unit}".strip()


def range_problem(measure: Measure, value: Decimal) -> str | None:
    """Why `value` cannot be a value of `measure`, for people; None when it can."""
    if measure.minimum <= value <= measure.maximum:
        return None
    if measure.maximum == COMPLAINTS_CEILING:
        return _("%(measure)s is 0 or more (up to %(max)s); %(value)s is not.") % {
            "measure": measure.label,
            "max": number(measure.maximum, 0),
            "value": number(value, 2),
        }
    return _("%(measure)s goes from %(min)s to %(max)s%(unit)s; %(value)s is outside it.") % {
        "measure": measure.label,
        "min": number(measure.minimum, 0),
        "max": number(measure.maximum, 0),
        "unit": f" {measure.unit}" if measure.unit else "",
        "value": number(value, 2),
    }


def paired_value(values: Iterable[tuple[date, object]], submitted_on: date):
    """The value (of `(period, value)` rows of one measure) that pairs with a result
    submitted on `submitted_on`: the latest dated from 12 months before to 6 months after
    it, by month; None without one."""
    centre = month_index(submitted_on)
    in_window = [
        (period, value)
        for period, value in values
        if centre - MONTHS_BEFORE <= month_index(period) <= centre + MONTHS_AFTER
    ]
    return max(in_window, key=lambda row: row[0])[1] if in_window else None


def average_ranks(values: Sequence) -> list[float]:
    """Each value's rank, 1 for the smallest, ties sharing the mean of the ranks they span
    (the rules' "ranks averaged over ties")."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1  # mean of ranks start+1 … end+1
        for position in range(start, end + 1):
            ranks[order[position]] = shared
        start = end + 1
    return ranks


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    spread = math.sqrt(sum((x - mean_x) ** 2 for x in xs) * sum((y - mean_y) ** 2 for y in ys))
    return covariance / spread


# Why a correlation has no ρ.
TOO_FEW = "too_few"
SAME_SCORE = "same_score"
SAME_VALUE = "same_value"


@dataclass(frozen=True)
class Correlation:
    """ρ between one score ("overall" or an area's code) and one measure over a group,
    with its n; `rho` None when the rules give none, `reason` then says why. Plain data,
    kept in the cache; `sentence` reads it in the active language."""

    score_key: str
    measure_code: str
    n: int
    rho: Decimal | None
    reason: str = ""

    @property
    def measure(self) -> Measure:
        return MEASURE_BY_CODE[self.measure_code]

    @property
    def strength(self) -> str:
        """ "strong", "moderate" or "weak", by |ρ| as shown."""
        size = abs(self.rho)
        if size >= Decimal("0.5"):
            return "strong"
        if size >= Decimal("0.3"):
            return "moderate"
        return "weak"

    @property
    def expected(self) -> bool:
        """Whether a higher score goes with a better value of the measure."""
        return (self.rho < 0) if self.measure.lower_is_better else (self.rho > 0)

    def why_none(self) -> str:
        if self.reason == TOO_FEW:
            return _("Only %(n)s organisations have both figures; ρ needs %(min)s or more.") % {
                "n": self.n,
                "min": MIN_PAIRS,
            }
        what = _("score") if self.reason == SAME_SCORE else _("value")
        return _("Every organisation has the same %(what)s, so nothing can be ranked.") % {
            "what": what
        }

    def sentence(self, score_label: str) -> str:
        """The rules' sentence: the strength, the direction in plain words with the measure's
        own direction taken into account, and that a correlation does not show a cause."""
        if self.rho is None:
            return self.why_none()
        strength = {
            "strong": _("Strong relation"),
            "moderate": _("Moderate relation"),
            "weak": _("Weak or no relation"),
        }[self.strength]
        if self.rho == 0:
            direction = _("no direction")
        else:
            direction = _("a higher score in %(score)s goes with %(measure)s") % {
                "score": score_label,
                "measure": self.measure.more if self.rho > 0 else self.measure.less,
            }
            direction += " " + (
                _("(the way the book argues)")
                if self.expected
                else _("(against the way the book argues)")
            )
        return _(
            "%(strength)s: %(direction)s; ρ = %(rho)s, n = %(n)s. "
            "A correlation does not show a cause."
        ) % {"strength": strength, "direction": direction, "rho": number(self.rho, 2), "n": self.n}


def spearman(pairs: Sequence[tuple], *, score_key: str, measure_code: str) -> Correlation:
    """Spearman's ρ of `(score, value)` pairs: Pearson's correlation of their averaged
    ranks, rounded half-up to two decimals, or none (with the reason) below MIN_PAIRS or
    when either side has a single value."""
    n = len(pairs)
    common = {"score_key": score_key, "measure_code": measure_code, "n": n}
    if n < MIN_PAIRS:
        return Correlation(rho=None, reason=TOO_FEW, **common)
    scores = [score for score, _value in pairs]
    values = [value for _score, value in pairs]
    if len(set(scores)) == 1:
        return Correlation(rho=None, reason=SAME_SCORE, **common)
    if len(set(values)) == 1:
        return Correlation(rho=None, reason=SAME_VALUE, **common)
    rho = pearson(average_ranks(scores), average_ranks(values))
    # Rounded to 12 places first: 0.125 computed as 0.12499999999 still shows as 0.13.
    return Correlation(rho=half_up(round(rho, 12), 2), **common)


@dataclass(frozen=True)
class OutcomeRow:
    """One organisation of a group: its current result's scores (key → score: "overall"
    and each area's code) and the value of each measure paired with it (code → value,
    absent when none)."""

    organisation_id: int
    name: str
    scores: dict
    values: dict


def correlations(
    rows: Sequence[OutcomeRow], score_keys: Sequence[str], measure_code: str
) -> list[Correlation]:
    """ρ of every score (overall first) against one measure over `rows`, the strongest
    first and those without ρ last."""
    found = []
    for key in score_keys:
        pairs = [
            (row.scores[key], row.values[measure_code])
            for row in rows
            if row.scores.get(key) is not None and row.values.get(measure_code) is not None
        ]
        found.append(spearman(pairs, score_key=key, measure_code=measure_code))
    ranked = sorted((c for c in found if c.rho is not None), key=lambda c: -abs(c.rho))
    return ranked + [c for c in found if c.rho is None]
