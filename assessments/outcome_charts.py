"""Customer outcomes as pages chart them, beside the charts: a book's scatter of one score
against one measure, and an organisation's history of its scores and outcomes as small
multiples on one time axis. Plain data in, ChartViews out."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.charts import ChartView, chart_view
from assessments.formatting import number
from assessments.outcomes import MEASURE_BY_CODE, MEASURES, Measure, spearman, value_shown


@dataclass(frozen=True)
class Scatter:
    """The scatter of a group, and its points (name, score, value) by name for its table
    and for the page's script that names the point under the pointer."""

    view: ChartView | None
    points: list
    measure_code: str
    score_label: str
    summary: str

    @property
    def measure(self) -> Measure:
        return MEASURE_BY_CODE[self.measure_code]


def _value_limits(measure: Measure, values) -> tuple[float, float]:
    if measure.maximum <= 100:
        return float(measure.minimum), float(measure.maximum)
    # Complaints have no ceiling: the highest value, with room above it.
    top = max((float(v) for v in values), default=10.0)
    return 0.0, max(10.0, top * 1.1)


def scatter_view(rows, score_key: str, score_label: str, measure_code: str) -> Scatter:
    measure = MEASURE_BY_CODE[measure_code]
    points = sorted(
        (
            (row.name, row.scores[score_key], row.values[measure_code])
            for row in rows
            if row.scores.get(score_key) is not None and row.values.get(measure_code) is not None
        ),
        key=lambda point: (point[0].casefold(), point[0]),
    )
    correlation = spearman(
        [(score, value) for _name, score, value in points],
        score_key=score_key,
        measure_code=measure_code,
    )
    summary = correlation.sentence(score_label)
    if not points:
        return Scatter(None, points, measure_code, score_label, summary)
    unit = f" ({measure.unit})" if measure.unit else ""
    spec = {
        "kind": "scatter",
        "title": _("%(score)s and %(measure)s") % {"score": score_label, "measure": measure.label},
        "xlabel": _("%(score)s (0–100)") % {"score": score_label},
        "ylabel": f"{measure.label}{unit}",
        "xlim": [0, 100],
        "ylim": list(_value_limits(measure, [value for _n, _s, value in points])),
        "points": [[round(float(score), 2), float(value)] for _n, score, value in points],
    }
    return Scatter(chart_view("scatter", spec, summary), points, measure_code, score_label, summary)


@dataclass(frozen=True)
class Panel:
    """One small multiple: its series' name, sentence and data table."""

    title: str
    sentence: str
    rows: list = field(default_factory=list)  # (when, value shown)


@dataclass(frozen=True)
class Timeline:
    view: ChartView | None
    panels: list


def _month_label(day: date) -> str:
    return date_format(day, "YEAR_MONTH_FORMAT")


def _ticks(start: date, end: date) -> list:
    """A tick at the start of every quarter (every year past three years) in range."""
    step = 3 if (end - start).days <= 3 * 366 else 12
    month = date(start.year, 1, 1)
    ticks = []
    while month <= end:
        if month >= start and (month.month - 1) % step == 0:
            ticks.append([month.toordinal(), date_format(month, "M Y")])
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def _measure_sentence(measure: Measure, points) -> str:
    (first_day, first), (last_day, last) = points[0], points[-1]
    if len(points) == 1:
        return _("One month so far: %(value)s in %(month)s.") % {
            "value": value_shown(measure, first),
            "month": _month_label(first_day),
        }
    if last == first:
        verdict = _("unchanged")
    elif (last < first) == measure.lower_is_better:
        verdict = _("better")
    else:
        verdict = _("worse")
    return _("%(measure)s went from %(first)s in %(from)s to %(last)s in %(to)s: %(verdict)s.") % {
        "measure": measure.label,
        "first": value_shown(measure, first),
        "from": _month_label(first_day),
        "last": value_shown(measure, last),
        "to": _month_label(last_day),
        "verdict": verdict,
    }


def progress_timeline(title: str, results, outcome_values, overall_sentence: str) -> Timeline:
    """`results`: (submission day, overall score) oldest first; `outcome_values`: rows with
    `measure`, `period` and `value`. The overall score's panel, then one per measure that
    has a value, all on the same time axis."""
    series = {}
    for row in sorted(outcome_values, key=lambda r: r.period):
        series.setdefault(row.measure, []).append((row.period, row.value))
    panels, drawn = [], []
    if results:
        panels.append(
            Panel(
                _("Overall score"),
                overall_sentence,
                [(date_format(day, "SHORT_DATE_FORMAT"), number(score)) for day, score in results],
            )
        )
        drawn.append(
            {
                "title": _("Overall score (0–100)"),
                "bold": True,
                "ylim": [0, 100],
                "points": [[day.toordinal(), round(float(s), 2)] for day, s in results],
            }
        )
    for measure in MEASURES:
        points = series.get(measure.code)
        if not points:
            continue
        rows = [(_month_label(day), value_shown(measure, value)) for day, value in points]
        panels.append(Panel(measure.label, _measure_sentence(measure, points), rows))
        unit = f" ({measure.unit})" if measure.unit else ""
        drawn.append(
            {
                "title": f"{measure.label}{unit}",
                "ylim": list(_value_limits(measure, [v for _d, v in points])),
                "points": [[day.toordinal(), float(value)] for day, value in points],
            }
        )
    if not drawn:
        return Timeline(None, [])
    days = [date.fromordinal(x) for panel in drawn for x, _y in panel["points"]]
    start, end = min(days) - timedelta(days=20), max(days) + timedelta(days=20)
    spec = {
        "kind": "timeline",
        "title": title,
        "start": start.toordinal(),
        "end": end.toordinal(),
        "ticks": _ticks(start, end),
        "panels": drawn,
    }
    summary = " ".join(panel.sentence for panel in panels)
    return Timeline(chart_view("timeline", spec, summary), panels)
