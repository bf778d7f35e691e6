"""The consultants' workspace: portfolio, comparison, progress, new clients, exports."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localdate, localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import comparison, downloads, formatting, selectors, services
from assessments import portfolio as layout
from assessments.forms import ClientForm, CompareSearchForm, ComparisonFilter, PortfolioFilter
from assessments.levels import level_label
from assessments.models import Membership
from assessments.outcome_charts import progress_timeline
from assessments.views.paging import PAGE_SIZES, page_of


def _require_consultant(user) -> selectors.ConsultantAccess:
    """Consultant pages exist only for consultants (and a firm's members); others learn
    nothing from them."""
    access = selectors.consultant_access(user)
    if not access.is_consultant:
        raise Http404
    return access


# The session's choice of book for the consultant's pages: their own clients (the
# default) or their firm's whole book.
WHOLE_FIRM = "whole_firm"


def _book(request) -> selectors.Book:
    """The book the consultant's pages show, "mis clientes" or "toda la firma"; 404 for
    anyone who is no consultant. `request.consultant_access` keeps what they may do."""
    access = _require_consultant(request.user)
    request.consultant_access = access
    return selectors.book_for(request.user, access, request.session.get(WHOLE_FIRM, False))


@require_POST
def book_choose(request):
    """Switch the consultant's pages between their own clients and the firm's book."""
    access = _require_consultant(request.user)
    whole_firm = request.POST.get("whole_firm") == "1" and access.reads_whole_book
    request.session[WHOLE_FIRM] = whole_firm
    target = request.POST.get("next", "")
    # A path of this site only: redirect() would take any other word for a view's name.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = reverse("portfolio")
    return HttpResponseRedirect(target)


def _selected_organisations(request, book) -> list:
    """The organisations of the book named by ?org=…, in the order named; 404 if any is
    not in it or not an id, without saying which."""
    chosen = ComparisonFilter(request.GET, queryset=selectors.portfolio(book))
    if not chosen.is_valid():
        raise Http404
    return chosen.organisations()


@require_GET
def portfolio(request):
    book = _book(request)
    counts = selectors.book_score_counts(book)
    sectors = sorted({sector for sector, _score in counts})
    filters = PortfolioFilter(
        request.GET,
        queryset=selectors.portfolio(book),
        sectors=sectors,
        whole_firm=book.is_whole_firm,
    )
    # The whole book's length is in its cached counts: no count of thousands per page.
    length = None if filters.narrows else sum(counts.values())
    page, per_page = page_of(request, filters.qs, count=length)
    rows = list(page.object_list)
    plans = selectors.plan_summaries([row.pk for row in rows])
    standings = comparison.standings_among(
        counts, {row.pk: (row.sector, row.current_score) for row in rows if row.current_result_id}
    )
    for row in rows:
        row.plan = plans.get(row.pk)
        row.standing = standings.get(row.pk)
    return render(
        request,
        "assessments/portfolio.html",
        {
            "book": book,
            "access": request.consultant_access,
            "rows": rows,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "filters": filters,
            "sort": filters.current_sort,
            "query": _query_without(request, "sort"),
            "page_query": _query_without(request, "page"),
        },
    )


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _comparison(request, book, organisations=None):
    """The comparison table of `organisations` (those ?org= names, for a chart's URL)."""
    if organisations is None:
        organisations = _selected_organisations(request, book)
    if not organisations:
        return None
    focus_id = request.GET.get("focus")
    focus = next((o for o in organisations if str(o.pk) == focus_id), organisations[0])
    return layout.comparison_table(
        organisations,
        selectors.area_columns(),
        selectors.current_area_scores([o.pk for o in organisations]),
        selectors.benchmark(book),
        focus,
    )


# How many organisations a search offers to add at once: a name narrows it further.
SEARCH_RESULTS = 20


@require_GET
def compare(request):
    """The chosen organisations side by side, and a search by name to add others: the
    choice lives in the address (?org=…), so it can be bookmarked and shared."""
    book = _book(request)
    organisations = _selected_organisations(request, book)
    chosen_query = _query_without(request, "q", "focus")
    search = CompareSearchForm(request.GET)
    matches = []
    if search.is_valid() and search.cleaned_data["q"]:
        matches = selectors.search_followed(
            book,
            search.cleaned_data["q"],
            exclude=[o.pk for o in organisations],
            limit=SEARCH_RESULTS + 1,
        )
    table = _comparison(request, book, organisations)
    standings, by_area = {}, {}
    if table:
        results = selectors.portfolio_results(book)
        standings = comparison.standings(results)
        by_area = comparison.area_standings(
            {pk: sector for pk, (sector, _score) in results.items()},
            selectors.book_area_scores(book),
        )
    context = {
        "book": book,
        "access": request.consultant_access,
        "organisations": [
            (o, _query_without_value(request, "org", str(o.pk), "q", "focus"))
            for o in organisations
        ],
        "search": search,
        "matches": matches[:SEARCH_RESULTS],
        "more_matches": len(matches) > SEARCH_RESULTS,
        "chosen_query": chosen_query,
        "table": table,
        "rows": [
            (
                o,
                [
                    (value, by_area.get(o.pk, {}).get(area.code))
                    for value, area in zip(values, table.columns, strict=True)
                ],
                standings.get(o.pk),
            )
            for o, values in table.rows
        ]
        if table
        else [],
        "versions": sorted(
            {o.current_result.bank.version for o in organisations if o.current_result}
        ),
        "query": _query_without(request, "focus"),
        "chart_query": request.GET.urlencode(),
    }
    return render(request, "assessments/compare.html", context)


def _query_without_value(request, name, value, *others) -> str:
    """The query string with one value of a repeated parameter taken out (and `others`)."""
    query = request.GET.copy()
    query.setlist(name, [v for v in query.getlist(name) if v != value])
    for other in others:
        query.pop(other, None)
    return query.urlencode()


def _chart_download(request, chart, key):
    return downloads.svg_response(
        request, key, chart.key if chart else None, chart.spec if chart else None
    )


@require_GET
def compare_chart(request, kind: str, key: str):
    table = _comparison(request, _book(request))
    return _chart_download(request, table.chart(kind) if table else None, key)


def progress_figures(organisation):
    """The progress table and chart, and the scores beside the customer outcomes."""
    assessments = selectors.progress(organisation.pk)
    view = layout.progress_view(organisation, assessments, selectors.area_columns())
    timeline = progress_timeline(
        _("%(name)s: scores and customer outcomes") % {"name": organisation.name},
        [(localtime(a.submitted_at).date(), a.overall_score) for a in assessments],
        selectors.outcome_values(organisation.pk),
        view.chart.summary if view.chart else "",
    )
    return view, timeline


def _progress(request, organisation_id: int):
    # A respondent sees only the rounds they answer, not the organisation's history.
    membership = selectors.membership_for_user(
        request.user, organisation_id, roles=[Membership.Role.MANAGER, Membership.Role.CONSULTANT]
    )
    return membership, *progress_figures(membership.organisation)


@require_GET
def progress(request, organisation_id: int):
    membership, view, timeline = _progress(request, organisation_id)
    context = {
        "organisation": membership.organisation,
        "membership": membership,
        "progress": view,
        "timeline": timeline,
        "plan": selectors.plan_summary(membership.organisation_id),
    }
    return render(request, "assessments/progress.html", context)


@require_POST
def sector_percentile_share(request, organisation_id: int):
    """A consultant lets the organisation's managers see its sector percentile in the
    consultant's book on their current report, or stops it."""
    membership = selectors.membership_for_user(
        request.user, organisation_id, roles=[Membership.Role.CONSULTANT]
    )
    shared = request.POST.get("shared") == "1"
    services.sector_percentile_share(membership=membership, shared=shared)
    messages.success(
        request,
        _("Its managers now see their sector percentile on their current report.")
        if shared
        else _("Its managers no longer see their sector percentile."),
    )
    return redirect("progress", organisation_id=organisation_id)


@require_GET
def progress_chart(request, organisation_id: int, key: str):
    _membership, view, timeline = _progress(request, organisation_id)
    chart = timeline.view if timeline.view and timeline.view.key == key else view.chart
    return _chart_download(request, chart, key)


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def client_add(request):
    _require_consultant(request.user)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.client_add(
            consultant=request.user, site_url=_site_url(request), **form.cleaned_data
        )
        messages.success(request, _invitation_sent(invitation))
        return redirect("invitations")
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/client_add.html", {"form": form}, status=status)


def _invitation_sent(invitation) -> str:
    return _(
        "%(organisation)s was added. The invitation to %(email)s is queued: this page shows "
        "when it has left."
    ) % {
        "organisation": invitation.organisation.name,
        "email": invitation.email,
    }


@require_GET
def invitations(request):
    _require_consultant(request.user)
    page, _per_page = page_of(request, selectors.invitations_sent_by_consultants_of(request.user))
    return render(
        request,
        "assessments/invitations.html",
        {
            "invitations": page.object_list,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "page_query": _query_without(request, "page"),
        },
    )


@require_POST
def invitation_resend(request, invitation_id: int):
    _require_consultant(request.user)
    invitation = selectors.invitation_for_consultant(request.user, invitation_id)
    try:
        services.invitation_resend(invitation=invitation, site_url=_site_url(request))
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "The invitation to %(email)s is queued again; the earlier link stops working "
                "once it has left."
            )
            % {"email": invitation.email},
        )
    return redirect("invitations")


@require_GET
def portfolio_export(request, fmt: str):
    """One row per organisation and area of its current result; the workbook adds a
    sheet with one row per organisation and a column per area."""
    book = _book(request)
    organisations = list(
        selectors.portfolio(book).exclude(current_result=None).order_by("name", "pk")
    )
    scores = selectors.book_area_scores(book)
    columns = selectors.area_columns()
    header = [
        _("organisation"),
        _("sector"),
        _("size"),
        _("country"),
        _("date"),
        _("overall score"),
        _("maturity level"),
    ]

    def described(organisation):
        return [
            organisation.name,
            organisation.sector,
            organisation.get_size_band_display(),
            organisation.country,
            localdate(organisation.current_date),
            formatting.plain(organisation.current_score),
            str(level_label(organisation.current_level)),
        ]

    results = downloads.Sheet(
        _("Results"),
        [*header, _("area code"), _("area"), _("area score")],
        (
            [
                *described(organisation),
                area.code,
                area.name,
                formatting.plain(scores.get(organisation.pk, {}).get(area.code)),
            ]
            for organisation in organisations
            for area in columns
        ),
    )
    by_organisation = downloads.Sheet(
        _("By organisation"),
        [*header, *(area.name for area in columns)],
        (
            [
                *described(organisation),
                *(
                    formatting.plain(scores.get(organisation.pk, {}).get(area.code))
                    for area in columns
                ),
            ]
            for organisation in organisations
        ),
    )
    name = ("portfolio", localdate().isoformat())
    return downloads.table_response(fmt, name, [results, by_organisation], stream=True)


@require_GET
def answers_export(request, fmt: str):
    """Every answer of the portfolio's submitted assessments, read in chunks; the CSV is
    streamed as it is read."""
    book = _book(request)
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
        _("respondent"),
    ]
    answers = selectors.portfolio_answers(book).iterator(chunk_size=2000)
    rows = (
        [
            name,
            localdate(submitted_at),
            version,
            code,
            number,
            text,
            choices.get(choice, ""),
            note,
            respondent,
        ]
        for name, submitted_at, version, code, number, text, choice, note, respondent in answers
    )
    sheet = downloads.Sheet(_("Answers"), header, rows)
    name = ("answers", localdate().isoformat())
    return downloads.table_response(fmt, name, [sheet], stream=True)
