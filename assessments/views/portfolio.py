"""The consultants' workspace: portfolio, comparison, progress, new clients, exports."""

import csv

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from assessments import portfolio as layout
from assessments import selectors, services
from assessments.forms import ClientForm, PortfolioFilter
from assessments.levels import level_label
from assessments.models import Membership
from assessments.reports import spreadsheet_safe
from assessments.views.assessments import svg_response

SORTS = {
    "name": "name",
    "score": "current_score",
    "level": "current_score",
    "date": "current_date",
    "top": "top_area_order",
    "change": "change",
}


def _require_consultant(user) -> None:
    """Consultant pages exist only for consultants; others learn nothing from them."""
    if not user.memberships.filter(role=Membership.Role.CONSULTANT).exists():
        raise Http404


def _selected_organisations(request):
    """The followed organisations named by ?org=…, or 404 if any is not followed (or not
    a number), without saying which."""
    raw = request.GET.getlist("org")
    if not all(value.isdigit() and len(value) <= 18 for value in raw):
        raise Http404  # not an id this database could hold
    ids = list(dict.fromkeys(int(value) for value in raw))
    organisations = list(selectors.portfolio(request.user).filter(pk__in=ids))
    if len(organisations) != len(ids):
        raise Http404
    order = {pk: index for index, pk in enumerate(ids)}
    return sorted(organisations, key=lambda o: order[o.pk])


@require_GET
def portfolio(request):
    _require_consultant(request.user)
    organisations = selectors.portfolio(request.user)
    sectors = sorted(
        set(selectors.followed_organisations(request.user).values_list("sector", flat=True))
    )
    filters = PortfolioFilter(request.GET or None, queryset=organisations, sectors=sectors)
    sort = request.GET.get("sort", "name")
    field = SORTS.get(sort.lstrip("-"), "name")
    ordering = (
        F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    )
    rows = list(filters.qs.order_by(ordering, "name"))
    top_areas = selectors.areas_by_id(row.top_area_id for row in rows)
    for row in rows:
        row.top_area = top_areas.get(row.top_area_id)
    return render(
        request,
        "assessments/portfolio.html",
        {"rows": rows, "filters": filters, "sort": sort, "query": _query_without(request, "sort")},
    )


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _comparison(request):
    _require_consultant(request.user)
    organisations = _selected_organisations(request)
    if not organisations:
        return None
    focus_id = request.GET.get("focus")
    focus = next((o for o in organisations if str(o.pk) == focus_id), organisations[0])
    return layout.comparison_table(
        organisations,
        selectors.area_columns(),
        selectors.current_area_scores([o.pk for o in organisations]),
        selectors.benchmark(request.user),
        focus,
    )


@require_GET
def compare(request):
    table = _comparison(request)
    if table is None:
        messages.info(request, _("Choose the organisations to compare in the portfolio."))
        return redirect("portfolio")
    versions = sorted({o.current_bank for o, _scores in table.rows if o.current_bank})
    return render(
        request,
        "assessments/compare.html",
        {
            "versions": versions,
            "table": table,
            "query": _query_without(request, "focus"),
            "chart_query": request.GET.urlencode(),
        },
    )


def _svg_response(chart, key):
    if chart is None or chart.key != key:
        raise Http404
    return svg_response(key, chart.spec)


@require_GET
@cache_control(private=True, max_age=31536000, immutable=True)
def compare_chart(request, kind: str, key: str):
    table = _comparison(request)
    return _svg_response(table.chart(kind) if table else None, key)


def _progress(request, organisation_id: int):
    membership = selectors.membership_for_user(request.user, organisation_id)
    organisation = membership.organisation
    view = layout.progress_view(
        organisation, selectors.progress(organisation.pk), selectors.area_columns()
    )
    return organisation, view


@require_GET
def progress(request, organisation_id: int):
    organisation, view = _progress(request, organisation_id)
    return render(
        request, "assessments/progress.html", {"organisation": organisation, "progress": view}
    )


@require_GET
@cache_control(private=True, max_age=31536000, immutable=True)
def progress_chart(request, organisation_id: int, key: str):
    _organisation, view = _progress(request, organisation_id)
    return _svg_response(view.chart, key)


@require_http_methods(["GET", "POST"])
def client_add(request):
    _require_consultant(request.user)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_add(consultant=request.user, **form.cleaned_data)
        except services.AssessmentError as error:
            form.add_error("manager_email", str(error))
        else:
            link = request.build_absolute_uri(
                reverse("password_reset_confirm", args=[client.uidb64, client.token])
            )
            services.invitation_send(client=client, link=link, consultant=request.user)
            return render(
                request, "assessments/client_added.html", {"client": client, "link": link}
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/client_add.html", {"form": form}, status=status)


class _Echo:
    def write(self, value):
        return value


def _csv_download(filename: str):
    return {"Content-Disposition": content_disposition_header(True, filename)}


@require_GET
def portfolio_csv(request):
    """One row per organisation and area of its current result."""
    _require_consultant(request.user)
    organisations = list(selectors.portfolio(request.user).order_by("name"))
    scores = selectors.current_area_scores([o.pk for o in organisations])
    columns = selectors.area_columns()
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers=_csv_download(f"orientacion-portfolio-{localdate().isoformat()}.csv"),
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("organisation"),
            _("sector"),
            _("size"),
            _("country"),
            _("date"),
            _("overall score"),
            _("maturity level"),
            _("area code"),
            _("area"),
            _("area score"),
        ]
    )
    for organisation in organisations:
        if organisation.current_id is None:
            continue
        for area in columns:
            score = scores.get(organisation.pk, {}).get(area.code)
            writer.writerow(
                [
                    spreadsheet_safe(cell)
                    for cell in (
                        organisation.name,
                        organisation.sector,
                        organisation.get_size_band_display(),
                        organisation.country,
                        localdate(organisation.current_date).isoformat(),
                        f"{organisation.current_score:.2f}",
                        str(level_label(organisation.current_level)),
                        area.code,
                        area.name,
                        "" if score is None else f"{score:.2f}",
                    )
                ]
            )
    return response


@require_GET
def portfolio_answers_csv(request):
    """Every answer of the portfolio's submitted assessments, streamed as it is read."""
    _require_consultant(request.user)
    rows = selectors.portfolio_answers(request.user)
    writer = csv.writer(_Echo())
    choices = {"yes": _("Yes"), "partly": _("Partly"), "no": _("No")}
    header = [
        _("organisation"),
        _("submitted"),
        _("bank version"),
        _("area code"),
        _("question"),
        _("text"),
        _("answer"),
        _("note"),
    ]

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for name, submitted_at, version, code, number, text, choice, note in rows.iterator(
            chunk_size=2000
        ):
            yield writer.writerow(
                [
                    spreadsheet_safe(name),
                    submitted_at.date().isoformat(),
                    version,
                    code,
                    number,
                    spreadsheet_safe(text),
                    choices.get(choice, ""),
                    spreadsheet_safe(note),
                ]
            )

    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers=_csv_download(f"orientacion-answers-{localdate().isoformat()}.csv"),
    )
