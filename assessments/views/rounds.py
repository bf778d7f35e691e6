"""Rounds: starting one with invited people, and the lead's page to follow, remind, agree
and close it. Answering is the answer page's business (views/assessments.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import rounds, selectors, services
from assessments.forms import AgreedAnswerForm, RoundCloseForm, RoundStartForm
from assessments.models import Membership


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def round_start(request, organisation_id: int):
    membership = selectors.membership_for_user(
        request.user, organisation_id, roles=[Membership.Role.MANAGER]
    )
    organisation = membership.organisation
    member_ids = selectors.invitable_member_ids(organisation, request.user)
    form = RoundStartForm(request.POST or None, member_ids=member_ids)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.round_start(
                organisation=organisation,
                lead=request.user,
                members=form.cleaned_data["members"],
                new_people=form.cleaned_data["new_people"],
                anonymous=form.cleaned_data["anonymous"],
                site_url=_site_url(request),
            )
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            invited = assessment.responses.count() - 1
            messages.success(
                request,
                _(
                    "The round was started and the invitations to %(count)s people are queued: "
                    "this page shows when each has left. Answer your own part whenever you like."
                )
                % {"count": invited},
            )
            return redirect("round_manage", assessment_id=assessment.pk)
    status = 400 if request.method == "POST" else 200
    context = {"organisation": organisation, "form": form}
    return render(request, "assessments/round_start.html", context, status=status)


def _lead_round(request, assessment_id: int):
    """A round the user leads, or 404 (for other members too: it is the lead's page)."""
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, roles=[Membership.Role.MANAGER], related=["started_by"]
    )
    if not assessment.is_round or assessment.started_by_id != request.user.pk:
        raise Http404
    return assessment


def _manage_page(request, assessment, *, agree_form=None, close_form=None, status=200):
    areas = selectors.bank_structure(assessment.bank)
    state = rounds.round_state(
        assessment,
        areas,
        selectors.round_responses(assessment.pk),
        selectors.submitted_answers(assessment.pk),
        selectors.agreed_answers(assessment.pk),
        mails=selectors.round_mails(assessment.pk),
    )
    context = {
        "assessment": assessment,
        "state": state,
        "agree_form": agree_form or AgreedAnswerForm(areas=areas),
        "close_form": close_form or RoundCloseForm(),
        "reminder_hours": int(services.REMINDER_INTERVAL.total_seconds() // 3600),
    }
    return render(request, "assessments/round_manage.html", context, status=status)


@require_GET
def round_manage(request, assessment_id: int):
    assessment = _lead_round(request, assessment_id)
    if assessment.is_submitted:
        return redirect("assessment_report", assessment_id=assessment.pk)
    return _manage_page(request, assessment)


def _refused(request, assessment, message, status=409, **forms):
    """The lead's page again with `message`, or the report if the round closed meanwhile."""
    messages.error(request, str(message))
    if assessment.is_submitted:
        return redirect("assessment_report", assessment_id=assessment.pk)
    return _manage_page(request, assessment, status=status, **forms)


@require_POST
def round_remind(request, assessment_id: int, response_id: int):
    assessment = _lead_round(request, assessment_id)
    try:
        response = services.round_remind(
            assessment=assessment,
            lead=request.user,
            response_id=response_id,
            site_url=_site_url(request),
        )
    except services.AssessmentError as error:
        return _refused(request, assessment, error)
    messages.success(request, _("A reminder to %(name)s is queued.") % {"name": response.name})
    return redirect("round_manage", assessment_id=assessment.pk)


@require_POST
def round_agree(request, assessment_id: int):
    assessment = _lead_round(request, assessment_id)
    areas = selectors.bank_structure(assessment.bank)
    form = AgreedAnswerForm(request.POST, areas=areas)
    if not form.is_valid():
        return _refused(
            request,
            assessment,
            _("Nothing was recorded: please correct the marked fields."),
            status=400,
            agree_form=form,
        )
    try:
        agreed = services.agreed_answer_set(
            assessment=assessment,
            lead=request.user,
            question_id=form.cleaned_data["question"],
            choice=form.cleaned_data["choice"],
            note=form.cleaned_data["note"].strip(),
        )
    except services.AssessmentError as error:
        return _refused(request, assessment, error)
    if agreed is None:
        messages.success(request, _("The agreed answer was removed: the mean counts again."))
    else:
        messages.success(
            request,
            _("Agreed answer recorded for question %(number)s.")
            % {"number": agreed.question.number},
        )
    return redirect("round_manage", assessment_id=assessment.pk)


@require_POST
def round_close(request, assessment_id: int):
    assessment = _lead_round(request, assessment_id)
    form = RoundCloseForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            assessment,
            _("The round was not closed: confirm first."),
            status=400,
            close_form=form,
        )
    try:
        services.round_close(assessment=assessment, lead=request.user)
    except services.AssessmentError as error:
        return _refused(request, assessment, error)
    messages.success(request, _("The round is closed. Here is its report."))
    return redirect("assessment_report", assessment_id=assessment.pk)
