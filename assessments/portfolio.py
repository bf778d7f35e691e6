"""The consultants' pages arranged for people: comparison table and progress, with the
specs of their charts. The figures come from selectors (computed by the database) and
comparison.py; this module only lays them out."""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments import comparison
from assessments.charts import ChartView, chart_view
from assessments.formatting import number, signed


@dataclass
class ComparisonTable:
    columns: list  # Area objects of the current bank, in order
    rows: list[tuple[object, list[float | None]]]  # organisation, scores by column
    benchmark: list[float | None]
    charts: list[ChartView]

    def chart(self, kind: str) -> ChartView | None:
        return next((c for c in self.charts if c.kind == kind), None)


def comparison_table(organisations, columns, scores, benchmark, focus) -> ComparisonTable:
    codes = [area.code for area in columns]
    rows = [(o, [scores.get(o.pk, {}).get(code) for code in codes]) for o in organisations]
    benchmark_row = [benchmark.get(code) for code in codes]
    names = [area.name for area in columns]
    heatmap = {
        "kind": "heatmap",
        "title": _("Area scores by organisation (0–100)"),
        "rows": [o.name for o, _values in rows] + [_("Portfolio benchmark")],
        "columns": names,
        "values": [[None if v is None else round(v, 2) for v in values] for _o, values in rows]
        + [[None if v is None else round(v, 2) for v in benchmark_row]],
    }
    scored = [(o, v) for o, values in rows for v in values if v is not None]
    weakest = min(scored, key=lambda pair: pair[1], default=None)
    heat_summary = (
        _("Green is strong, red is weak; the lowest score shown is %(score)s, at %(name)s.")
        % {"score": number(weakest[1]), "name": weakest[0].name}
        if weakest
        else _("None of these organisations has a submitted assessment yet.")
    )
    views = [
        chart_view(
            "heatmap",
            heatmap,
            heat_summary,
            [_("Organisation"), *names],
            [[o.name, *[number(v) for v in values]] for o, values in rows]
            + [[_("Portfolio benchmark"), *[number(v) for v in benchmark_row]]],
        )
    ]
    focus_scores = dict(rows).get(focus, []) if focus else []
    if focus is not None and any(v is not None for v in focus_scores):
        radar = {
            "kind": "radar",
            "title": _("%(name)s against the portfolio benchmark") % {"name": focus.name},
            "labels": names,
            "series": [
                {"name": focus.name, "values": [round(v or 0, 2) for v in focus_scores]},
                {
                    "name": _("Portfolio benchmark"),
                    "values": [round(v or 0, 2) for v in benchmark_row],
                    "dashed": True,
                },
            ],
        }
        differences = comparison.against_benchmark(
            dict(zip(codes, focus_scores, strict=True)),
            dict(zip(codes, benchmark_row, strict=True)),
        )
        above = sum(1 for d in differences.values() if d is not None and d > 0)
        views.append(
            chart_view(
                "radar",
                radar,
                _(
                    "%(name)s is above the benchmark in %(above)s of %(total)s areas; the "
                    "dashed line is the mean of the current results of every organisation "
                    "you follow."
                )
                % {"name": focus.name, "above": above, "total": len(codes)},
                [_("Area"), focus.name, _("Benchmark"), _("Difference")],
                [
                    [name, number(v), number(b), signed(differences[code])]
                    for name, code, v, b in zip(
                        names, codes, focus_scores, benchmark_row, strict=True
                    )
                ],
            )
        )
    return ComparisonTable(columns=columns, rows=rows, benchmark=benchmark_row, charts=views)


@dataclass
class Progress:
    columns: list
    rows: list[comparison.ProgressRow]
    chart: ChartView | None


def progress_view(organisation, assessments, columns) -> Progress:
    points = [
        comparison.ResultPoint(
            label=date_format(a.submitted_at, "SHORT_DATE_FORMAT"),
            bank_version=a.bank.version,
            overall=float(a.overall_score),
            areas={r.area_code: float(r.score) for r in a.area_results.all()},
            respondents=a.respondent_count or 1,
            agreement=None if a.agreement is None else float(a.agreement),
        )
        for a in assessments
    ]
    rows = comparison.progress(points)
    if not rows:
        return Progress(columns=columns, rows=[], chart=None)
    spec = {
        "kind": "lines",
        "title": _("%(name)s over time") % {"name": organisation.name},
        "labels": [p.label for p in points],
        "ylabel": _("Score (0–100)"),
        "series": [
            {"name": _("Overall"), "bold": True, "values": [round(p.overall, 2) for p in points]}
        ]
        + [
            {"name": area.name, "values": [p.areas.get(area.code) for p in points]}
            for area in columns
        ],
    }
    last = rows[-1]
    summary = (
        _("Only one assessment so far: the next one will show the change.")
        if len(rows) == 1
        else _(
            "The overall score went from %(first)s to %(last)s (%(change)s since the previous one)."
        )
        % {
            "first": number(points[0].overall),
            "last": number(last.point.overall),
            "change": signed(last.overall_change),
        }
    )
    # The page's own progress table holds this chart's data.
    chart = chart_view("lines", spec, summary)
    return Progress(columns=columns, rows=rows, chart=chart)
