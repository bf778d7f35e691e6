from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
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
        saved = selectors.answers_of(assessment.pk, assessment.submitted_by)
        status = 200
        if request.method == "POST":
            messages.error(
                request, _("This assessment was submitted and can no longer be changed.")
            )
            status = 409
        context.update(areas=areas, saved=saved)
        return render(request, "assessments/answers_submitted.html", context, status=status)

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
        return redirect("assessment_answer", assessment_id=assessment.pk)
    answered = sum(1 for a in form.answers().values() if a.choice)
    messages.success(
        request,
        _("Saved: %(answered)d of %(total)d questions answered. You can continue later.")
        % {"answered": answered, "total": len(form.question_ids)},
    )
    return redirect("assessment_answer", assessment_id=assessment.pk)


def _initial(saved: dict) -> dict:
    initial = {}
    for question_id, answer in saved.items():
        initial[f"q{question_id}-choice"] = answer.choice
        initial[f"q{question_id}-note"] = answer.note
    return initial
