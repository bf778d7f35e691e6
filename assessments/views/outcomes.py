"""Customer outcomes: an organisation's months, entered or imported by its managers and
consultants, and the book's correlations between scores and outcomes."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import downloads, outcomes, selectors, services
from assessments import outcomes_io as files
from assessments.charts import SCATTER_BOX
from assessments.formatting import number
from assessments.forms import BookOutcomesForm, OutcomeFileForm, OutcomeMonthForm
from assessments.models import Membership
from assessments.outcomes import value_shown
from assessments.views.paging import page_of
from assessments.views.portfolio import _book

TEAM = [Membership.Role.MANAGER, Membership.Role.CONSULTANT]
# The preview carries the checked months, signed for this organisation, to the
# confirmation: an hour to read it.
IMPORT_SALT = "outcomes-import"
IMPORT_MAX_AGE = 3600


def _organisation(request, organisation_id: int):
    return selectors.membership_for_user(request.user, organisation_id, roles=TEAM).organisation


def _previous_month(today: date) -> date:
    return outcomes.first_of_month(outcomes.first_of_month(today) - timedelta(days=1))


def _asked_month(request, today: date) -> tuple[date, bool]:
    """The month the page opens (?month=2026-05), the last whole one by default; False
    when the one asked for is no month of the past."""
    text = request.GET.get("month")
    if not text:
        return _previous_month(today), True
    form = OutcomeMonthForm({"month": text}, today=today)
    form.is_valid()
    month = form.cleaned_data.get("month")
    if month is None:
        return _previous_month(today), False
    return month, True


def _history(values) -> list:
    """Newest month first: (month, [the value of each measure, or None])."""
    months: dict = {}
    for value in values:
        months.setdefault(value.period, {})[value.measure] = value
    return [
        (period, [months[period].get(m.code) for m in outcomes.MEASURES])
        for period in sorted(months, reverse=True)
    ]


def _page(request, organisation, form, status=200, values=None, **extra):
    if values is None:
        values = selectors.outcome_values(organisation.pk)
    month = form.initial.get("month") if not form.is_bound else form.cleaned_data.get("month")
    raw = form.data.get("month", "") if form.is_bound else ""
    context = {
        "month_value": f"{month:%Y-%m}" if month else raw[:7],
        "month_label": date_format(month, "YEAR_MONTH_FORMAT") if month else raw[:7],
        "organisation": organisation,
        "form": form,
        "file_form": extra.pop("file_form", OutcomeFileForm()),
        "measures": outcomes.MEASURES,
        "history": _history(values),
        **extra,
    }
    return render(request, "assessments/outcomes.html", context, status=status)


@require_http_methods(["GET", "POST"])
def outcomes_page(request, organisation_id: int):
    organisation = _organisation(request, organisation_id)
    today = localdate()
    if request.method == "POST":
        form = OutcomeMonthForm(request.POST, today=today)
        if form.is_valid():
            month = form.cleaned_data["month"]
            changes = services.outcomes_save(
                organisation=organisation, user=request.user, period=month, values=form.values()
            )
            messages.success(request, _saved(changes, month))
            return redirect(_month_url(organisation.pk, month))
        return _page(request, organisation, form, status=400)
    month, known = _asked_month(request, today)
    if not known:
        messages.error(request, _("That is no past month: the last whole month is shown."))
    values = selectors.outcome_values(organisation.pk)
    entered = {value.measure: value.value for value in values if value.period == month}
    form = OutcomeMonthForm(initial={"month": month, **entered}, today=today)
    return _page(request, organisation, form, status=200 if known else 400, values=values)


def _month_url(organisation_id: int, month: date) -> str:
    return reverse("outcomes", args=[organisation_id]) + f"?month={month:%Y-%m}"


def _saved(changes, month: date) -> str:
    if not changes.count:
        return _("Nothing changed in %(month)s.") % {"month": f"{month:%Y-%m}"}
    return _(
        "%(month)s saved: %(added)s values added, %(changed)s changed, %(removed)s removed."
    ) % {
        "month": f"{month:%Y-%m}",
        "added": changes.added,
        "changed": changes.changed,
        "removed": changes.removed,
    }


@require_POST
def outcomes_import(request, organisation_id: int):
    """Read an uploaded file and show what it would change; nothing is stored until the
    preview is confirmed."""
    organisation = _organisation(request, organisation_id)
    today = localdate()
    month_form = OutcomeMonthForm(initial={"month": _previous_month(today)}, today=today)
    file_form = OutcomeFileForm(request.POST, request.FILES)
    if not file_form.is_valid():
        return _page(request, organisation, month_form, status=400, file_form=file_form)
    upload = file_form.cleaned_data["file"]
    try:
        months = files.read_outcome_file(upload.name, upload.read(), today)
    except files.OutcomeFileError as error:
        return _page(
            request,
            organisation,
            month_form,
            status=400,
            file_form=file_form,
            problems=error.problems,
            file_name=upload.name,
        )
    existing = selectors.outcome_months(organisation.pk)
    signed = signing.dumps(
        {
            "organisation": organisation.pk,
            "months": [
                [f"{m.period:%Y-%m}", {code: str(v) for code, v in m.values.items()}]
                for m in months
            ],
        },
        salt=IMPORT_SALT,
        compress=True,
    )
    rows = [
        (
            month.period,
            [
                (m, month.values.get(m.code), existing.get((m.code, month.period)))
                for m in outcomes.MEASURES
            ],
        )
        for month in months
    ]
    context = {
        "organisation": organisation,
        "file_name": upload.name,
        "measures": outcomes.MEASURES,
        "rows": rows,
        "changes": services.outcome_changes(existing, months),
        "signed": signed,
    }
    return render(request, "assessments/outcomes_preview.html", context)


@require_POST
def outcomes_import_confirm(request, organisation_id: int):
    organisation = _organisation(request, organisation_id)
    try:
        data = signing.loads(
            request.POST.get("signed", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE
        )
        if data["organisation"] != organisation.pk:
            raise ValueError
        months = [
            files.OutcomeMonth(
                date.fromisoformat(f"{month}-01"),
                {code: Decimal(value) for code, value in values.items()},
            )
            for month, values in data["months"]
        ]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(
            request,
            _("The preview expired or was altered: nothing was imported. Upload the file again."),
        )
        return redirect("outcomes", organisation_id=organisation.pk)
    try:
        changes = services.outcomes_import(
            organisation=organisation, user=request.user, months=months
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Imported: %(added)s values added, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "added": changes.added,
                "changed": changes.changed,
                "unchanged": changes.unchanged,
            },
        )
    return redirect("outcomes", organisation_id=organisation.pk)


@require_GET
def outcomes_export(request, organisation_id: int, fmt: str):
    """The organisation's outcomes in the shape the import reads back."""
    organisation = _organisation(request, organisation_id)
    history = _history(selectors.outcome_values(organisation.pk))
    rows = [
        [f"{period:%Y-%m}", *(None if v is None else v.value for v in values)]
        for period, values in sorted(history, key=lambda row: row[0])
    ]
    name = (slugify(organisation.name), "outcomes", localdate().isoformat())
    sheet = downloads.Sheet(_("Outcomes"), list(files.COLUMNS), rows)
    return downloads.table_response(fmt, name, [sheet])


# The book's page.


def _book_outcomes(request):
    """The book, the page's choices (404 for anyone who is no consultant) and the group's
    correlations; the scatter of the score and measure chosen, or the most telling."""
    book = _book(request)
    areas = selectors.area_columns()
    codes = [area.code for area in areas]
    form = BookOutcomesForm(
        request.GET or None,
        sectors=selectors.book_sectors(book),
        areas=areas,
        group_label=_("The firm's whole book") if book.is_whole_firm else _("My clients"),
    )
    valid = form.is_valid() or not form.is_bound
    sector = form.choice("sector") or None
    correlations = selectors.book_correlations(book, codes, sector)
    labels = {"overall": _("Overall score")} | {area.code: area.name for area in areas}
    score, measure = _scatter_choice(form, correlations)
    chart = selectors.book_scatter(book, codes, sector, score, labels[score], measure)
    return book, form, valid, correlations, labels, chart


@require_GET
def book_outcomes(request):
    book, form, valid, correlations, labels, chart = _book_outcomes(request)
    tables = [
        (
            measure,
            [(c, labels[c.score_key], c.sentence(labels[c.score_key])) for c in found],
        )
        for measure in outcomes.MEASURES
        for found in [correlations.by_measure[measure.code]]
    ]
    page, per_page = page_of(request, chart.points)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "book": book,
        "access": request.consultant_access,
        "form": form,
        "tables": tables,
        "chart": chart,
        "chart_src": _chart_url("book_outcomes_chart", chart, request),
        "points_src": _chart_url("book_outcomes_points", chart, request),
        "scatter_box": ",".join(str(edge) for edge in SCATTER_BOX),
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "per_page": per_page,
        "page_query": query.urlencode(),
        "group_size": correlations.size,
    }
    return render(request, "assessments/book_outcomes.html", context, status=200 if valid else 400)


def _chart_url(name: str, chart, request) -> str:
    if chart.view is None:
        return ""
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return reverse(name, args=[chart.view.key]) + query


def _scatter_choice(form, correlations) -> tuple[str, str]:
    """The score and measure asked for; where none is, the measure most organisations
    have a figure of, and the score that relates to it most strongly."""
    found = correlations.by_measure
    measure = form.choice("measure") or max(
        (m.code for m in outcomes.MEASURES), key=lambda code: max(c.n for c in found[code])
    )
    score = form.choice("score") or found[measure][0].score_key
    # The form shows what the chart shows, chosen or not.
    if form.is_bound:
        form.data = form.data.copy()
        form.data["measure"], form.data["score"] = measure, score
    else:
        form.initial.update(measure=measure, score=score)
    return score, measure


def _scatter(request, key: str):
    chart = _book_outcomes(request)[-1]
    if chart.view is None or chart.view.key != key:
        raise Http404  # only the chart the page shows, with the data it shows
    return chart


@require_GET
def book_outcomes_chart(request, key: str):
    chart = _scatter(request, key)
    return downloads.svg_response(request, key, chart.view.key, chart.view.spec)


@require_GET
def book_outcomes_points(request, key: str):
    """The scatter's points with their names, for the script that names the point under
    the pointer: fetched when the pointer first reaches the chart, so the page itself
    stays the same size however large the group."""
    chart = _scatter(request, key)
    points = [
        [float(score), float(value), name, f"{number(score)} · {value_shown(chart.measure, value)}"]
        for name, score, value in chart.points
    ]
    return JsonResponse({"points": points})
