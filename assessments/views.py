import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import charts, reports, selectors, services
from assessments.forms import AnswersForm
from assessments.models import Membership

MANAGER = [Membership.Role.MANAGER]


@require_GET
def home(request):
    memberships = selectors.memberships_for_home(request.user)
    return render(request, "assessments/home.html", {"memberships": memberships})


@require_POST
def assessment_start(request, organisation_id: int):
    membership = selectors.membership_for_user(request.user, organisation_id, roles=MANAGER)
    try:
        assessment = services.assessment_start(
            organisation=membership.organisation, user=request.user
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return redirect("home")
    messages.success(request, _("A new assessment was started."))
    return redirect("assessment_answer", assessment_id=assessment.pk)


@require_http_methods(["GET", "POST"])
def assessment_answer(request, assessment_id: int):
    assessment = selectors.assessment_for_user(request.user, assessment_id, roles=MANAGER)
    areas = selectors.questions_by_area(assessment.bank_id)
    context = {"assessment": assessment}

    if assessment.is_submitted:
        if request.method == "GET":
            return redirect("assessment_report", assessment_id=assessment.pk)
        messages.error(request, _("This assessment was submitted and can no longer be changed."))
        return render(request, "assessments/answers_submitted.html", context, status=409)

    if request.method == "GET":
        saved = selectors.answers_of(assessment.pk, request.user)
        form = AnswersForm(areas=areas, initial=_initial(saved))
        return render(request, "assessments/answer.html", {**context, "form": form})

    form = AnswersForm(request.POST, areas=areas)
    submitting = request.POST.get("action") == "submit"
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: please correct the marked fields."))
        return render(request, "assessments/answer.html", {**context, "form": form}, status=400)
    if submitting and (missing := form.unanswered_questions()):
        context.update(form=form, missing=missing)
        return render(request, "assessments/answer.html", context, status=400)
    try:
        if submitting:
            services.answers_submit(
                assessment=assessment, user=request.user, answers=form.answers()
            )
        else:
            services.answers_save(assessment=assessment, user=request.user, answers=form.answers())
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return render(request, "assessments/answer.html", {**context, "form": form}, status=409)
    if submitting:
        messages.success(request, _("Assessment submitted. Here is your report."))
        return redirect("assessment_report", assessment_id=assessment.pk)
    answered = sum(1 for a in form.answers().values() if a.choice)
    messages.success(
        request,
        _("Saved: %(answered)d of %(total)d questions answered. You can continue later.")
        % {"answered": answered, "total": len(form.question_ids)},
    )
    return redirect("assessment_answer", assessment_id=assessment.pk)


def _submitted_report(request, assessment_id: int):
    """The assessment (any member may read it) and its report, or None for a draft."""
    assessment = selectors.assessment_for_user(request.user, assessment_id)
    if not assessment.is_submitted:
        return assessment, None
    areas, answers = selectors.report_inputs(assessment)
    return assessment, reports.build_report(assessment, areas, answers)


@require_GET
def assessment_report(request, assessment_id: int):
    assessment, report = _submitted_report(request, assessment_id)
    if report is None:
        return render(request, "assessments/report_draft.html", {"assessment": assessment})
    return render(request, "assessments/report.html", {"assessment": assessment, "report": report})


@require_GET
@cache_control(private=True, max_age=31536000, immutable=True)
def assessment_chart(request, assessment_id: int, kind: str, key: str):
    # The key in the URL is a hash of the chart's data, so a URL always names one drawing;
    # it is recomputed here so that nobody can fetch a drawing of data they cannot see.
    assessment, report = _submitted_report(request, assessment_id)
    chart = report.chart(kind) if report else None
    if chart is None or chart.key != key:
        raise Http404
    svg = cache.get(f"chart:{key}")
    if svg is None:
        svg = charts.draw(chart.spec)
        cache.set(f"chart:{key}", svg, timeout=None)
    return HttpResponse(svg, content_type="image/svg+xml")


@require_GET
def assessment_csv(request, assessment_id: int):
    assessment, report = _submitted_report(request, assessment_id)
    if report is None:
        raise Http404
    filename = "orientacion-{}-{}.csv".format(
        slugify(assessment.organisation.name) or "organisation",
        assessment.submitted_at.date().isoformat(),
    )
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
    # A byte-order mark lets spreadsheet programs recognise UTF-8 (accents in notes).
    response.write("\ufeff")
    csv.writer(response).writerows(reports.csv_rows(assessment, report))
    return response


@login_not_required
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def _initial(saved: dict) -> dict:
    initial = {}
    for question_id, answer in saved.items():
        initial[f"q{question_id}-choice"] = answer.choice
        initial[f"q{question_id}-note"] = answer.note
    return initial
