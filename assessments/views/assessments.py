import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import answer_page, downloads, plan, reports, selectors, services
from assessments.forms import AnswersForm, ConsultantInviteForm
from assessments.models import Membership
from assessments.views.portfolio import WHOLE_FIRM

MANAGER = [Membership.Role.MANAGER]
ANSWERERS = [Membership.Role.MANAGER, Membership.Role.RESPONDENT]
logger = logging.getLogger(__name__)


@require_GET
def home(request):
    memberships = list(selectors.memberships_for_home(request.user))
    for membership in memberships:
        # A respondent sees only the rounds they are invited to.
        membership.visible_assessments = [
            a
            for a in membership.organisation.assessments.all()
            if membership.role != Membership.Role.RESPONDENT or a.invited
        ]
    book = selectors.book_glance(request.user)
    access = selectors.consultant_access(request.user)
    firm = selectors.firm_glance(request.user, access.firm_id) if access.is_partner else None
    return render(
        request,
        "assessments/home.html",
        {
            "memberships": memberships,
            "is_consultant": access.is_consultant,
            "book": book,
            "firm": firm,
        },
    )


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


def _answerable(request, assessment_id: int):
    """A plain assessment of a managed organisation, or a round the user is invited to."""
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, roles=ANSWERERS, related=["started_by"]
    )
    if assessment.is_round:
        if not assessment.viewer_invited:
            raise Http404
    elif assessment.viewer_role != Membership.Role.MANAGER:
        raise Http404
    return assessment


@require_http_methods(["GET", "POST"])
def assessment_answer(request, assessment_id: int):
    assessment = _answerable(request, assessment_id)
    if assessment.is_submitted:
        if request.method == "GET":
            return redirect("assessment_report", assessment_id=assessment.pk)
        if assessment.is_round:
            messages.error(request, _("This round was closed: your answers were not saved."))
        else:
            messages.error(
                request, _("This assessment was submitted and can no longer be changed.")
            )
        context = {"assessment": assessment}
        return render(request, "assessments/answers_submitted.html", context, status=409)

    areas = selectors.bank_structure(assessment.bank)
    if assessment.viewer_submitted_at is not None and assessment.is_round:
        status = 200
        if request.method == "POST":
            messages.error(
                request, _("You submitted your answers already; they can no longer change.")
            )
            status = 409
        return _submitted_response(request, assessment, areas, status)

    if request.method == "GET":
        saved = selectors.saved_answer_values(assessment.pk, request.user)
        return _answer_page(request, assessment, areas, saved)

    form = AnswersForm(request.POST, areas=areas)
    submitting = request.POST.get("action") == "submit"
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: please correct the marked fields."))
        return _answer_page(request, assessment, areas, request.POST, form, status=400)
    if submitting and (missing := form.unanswered_questions()):
        return _answer_page(
            request, assessment, areas, request.POST, form, missing=missing, status=400
        )
    try:
        if submitting:
            services.answers_submit(
                assessment=assessment, user=request.user, answers=form.answers()
            )
        else:
            services.answers_save(assessment=assessment, user=request.user, answers=form.answers())
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return _answer_page(request, assessment, areas, request.POST, form, status=409)
    if submitting and assessment.is_round:
        messages.success(
            request,
            _("Your answers were submitted. The report opens when the round is closed."),
        )
        if assessment.started_by_id == request.user.pk:
            return redirect("round_manage", assessment_id=assessment.pk)
        return redirect("assessment_answer", assessment_id=assessment.pk)
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


def _answer_page(request, assessment, areas, values, form=None, missing=(), status=200):
    fragments = answer_page.fragments(assessment.bank, areas, values, form=form, missing=missing)
    context = {
        "assessment": assessment,
        "progress_html": fragments.progress,
        "questions_html": fragments.questions,
        "non_field_errors": form.non_field_errors() if form else [],
        "missing": missing,
    }
    return render(request, "assessments/answer.html", context, status=status)


def _submitted_response(request, assessment, areas, status):
    """A round's respondent's own answers, read-only once submitted."""
    answers = selectors.answers_of(assessment.pk, request.user)
    context = {
        "assessment": assessment,
        "response": {"submitted_at": assessment.viewer_submitted_at},
        "is_lead": assessment.started_by_id == request.user.pk,
        "answers_by_area": [
            (area, [(q, answers.get(q.pk)) for q in area.questions.all()]) for area in areas
        ],
    }
    return render(request, "assessments/response_submitted.html", context, status=status)


def _submitted_report(request, assessment_id: int):
    """The assessment (any member may read it) and its report, or None for a draft."""
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, related=["submitted_by"]
    )
    if not assessment.is_submitted:
        return assessment, None
    inputs = selectors.report_inputs(assessment)
    return assessment, reports.build_report(assessment, *inputs)


@require_GET
def assessment_report(request, assessment_id: int):
    assessment = selectors.assessment_for_user(
        request.user,
        assessment_id,
        related=["submitted_by"],
        annotations={**selectors.HAS_PREVIOUS_PLAN, **selectors.STANDING_ANNOTATIONS},
        own_response=False,
        bank=False,
    )
    if not assessment.is_submitted:
        return render(request, "assessments/report_draft.html", {"assessment": assessment})
    page = services.report_page(assessment, request)
    team = assessment.viewer_role in (Membership.Role.MANAGER, Membership.Role.CONSULTANT)
    context = {
        "assessment": assessment,
        # Our own autoescaped templates' output, kept in the cache as plain text.
        "head": mark_safe(page["head"]),  # noqa: S308
        "rest": mark_safe(page["rest"]),  # noqa: S308
        # What changes after submission is drawn afresh: the way to the what-if and the
        # plan, and how the previous plan's actions fared in this assessment.
        "team": team,
        "verdicts": _previous_plan_verdicts(assessment) if team else [],
        "what_if_fold": mark_safe(page["what_if_fold"]) if team else "",  # noqa: S308
        "standing": _standing(request, assessment),
    }
    return render(request, "assessments/report.html", context)


def _standing(request, assessment):
    return selectors.result_standing(
        request.user, assessment, whole_firm=request.session.get(WHOLE_FIRM, False)
    )


def _previous_plan_verdicts(assessment):
    if not assessment.has_previous_plan:
        return []
    previous, actions = selectors.previous_plan(assessment)
    if not actions:  # an older assessment has a plan, closed before the one just before
        return []
    _areas, before, _said_no = selectors.scored_values(previous)
    _areas, after, _said_no = selectors.scored_values(assessment)
    return plan.judge(actions, before, after)


@require_GET
def assessment_chart(request, assessment_id: int, kind: str, key: str):
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, related=["submitted_by"]
    )
    if not assessment.is_submitted:
        raise Http404
    current_key, spec = services.report_page(assessment, request)["charts"].get(kind, (None, None))
    return downloads.svg_response(request, key, current_key, spec)


@require_GET
def assessment_pdf(request, assessment_id: int):
    """The report as an A4 PDF for a board pack: made once per language, like the page."""
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, related=["submitted_by"]
    )
    if not assessment.is_submitted:
        raise Http404
    pdf = services.report_pdf(assessment, request)
    if pdf is None:
        return _pdf_unavailable(request, assessment)
    name = _report_file_name(assessment, get_language(), extension="pdf")
    return downloads.pdf_response(name, pdf)


def _pdf_unavailable(request, assessment):
    return render(
        request, "assessments/pdf_unavailable.html", {"assessment": assessment}, status=503
    )


def _report_file_name(assessment, *parts, extension: str) -> str:
    """`orientacion-hotel-brisa-del-mar-2026-10-15[-es].pdf`, for every file of a report."""
    return downloads.filename(
        slugify(assessment.organisation.name) or "organisation",
        assessment.submitted_at.date().isoformat(),
        *parts,
        extension=extension,
    )


@require_GET
def assessment_export(request, assessment_id: int, fmt: str):
    assessment, report = _submitted_report(request, assessment_id)
    if report is None:
        raise Http404
    name = _report_file_name(assessment, extension=fmt)
    if fmt == "xlsx":
        return downloads.xlsx_response(name, reports.xlsx_sheets(assessment, report))
    return downloads.csv_response(name, reports.csv_rows(assessment, report))


@login_not_required
@require_GET
def healthz(request):
    """For a load balancer: 503 while this server cannot reach the database, so it gets no
    users; an unreachable Redis is only logged, since pages are then rendered afresh."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.error("Health check: the database is unreachable", exc_info=True)
        return HttpResponse("unavailable", status=503, content_type="text/plain")
    if settings.REDIS_URL and not _redis_answers():
        logger.warning("Health check: Redis is unreachable; serving without the shared cache")
    return HttpResponse("ok", content_type="text/plain")


def _redis_answers() -> bool:
    from django_redis import get_redis_connection
    from redis.exceptions import RedisError

    try:
        return bool(get_redis_connection("default").ping())
    except RedisError:
        return False


def page_not_found(request, exception):
    """The API answers in JSON, even for an address no view has; pages as Django does."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    if request.path.startswith("/s/"):
        # Every way a shared link fails answers the same bytes: no path echoed, no form.
        response = render(request, "assessments/shared_404.html", status=404)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The generic error page, with no detail. While the database is unreachable it says
    so (503, try again shortly) without touching the database or the session itself."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        logger.error("Database unreachable while serving %s", request.path)
        html = render_to_string("503.html")
        return HttpResponse(html, status=503, headers={"Retry-After": "30"})
    return HttpResponseServerError(render_to_string("500.html"))


@require_http_methods(["GET", "POST"])
def invitation_accept(request, secret: str):
    """The invited person, signed in, joins the organisation; anyone else gets a 404."""
    invitation = selectors.invitation_for_invitee(request.user, secret)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except services.AssessmentError as error:
            messages.error(request, str(error))
            return redirect("home")
        if membership.role == membership.Role.MANAGER:
            message = _("You now manage %(organisation)s.")
        elif membership.role == membership.Role.CONSULTANT:
            message = _("%(organisation)s is now in your portfolio.")
        else:
            message = _("You can now answer the rounds of %(organisation)s you are invited to.")
        messages.success(request, message % {"organisation": membership.organisation.name})
        return redirect("home")
    return render(request, "assessments/invitation_accept.html", {"invitation": invitation})


@require_http_methods(["GET", "POST"])
def organisation_consultants(request, organisation_id: int):
    """A manager invites their consultant by e-mail, and sees who follows the organisation."""
    membership = selectors.membership_for_user(request.user, organisation_id, roles=MANAGER)
    organisation = membership.organisation
    form = ConsultantInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.consultant_invite(
                manager=request.user,
                organisation=organisation,
                site_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except services.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "The invitation to %(email)s is queued: this page shows when it has "
                    "left. %(organisation)s joins their portfolio when they accept."
                )
                % {"email": invitation.email, "organisation": organisation.name},
            )
            return redirect("organisation_consultants", organisation_id=organisation.pk)
    context = {
        "organisation": organisation,
        "form": form,
        **selectors.consultants_page(organisation.pk),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/consultants.html", context, status=status)
