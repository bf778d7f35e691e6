"""From report to action: the what-if on a submitted assessment and the organisation's
action plan. Managers edit the plan; consultants read it; nobody else sees either."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from icalendar import Calendar, Event

from assessments import downloads, plan, selectors, services
from assessments.charts import chart_view
from assessments.formatting import number
from assessments.forms import ActionForm, PlanFilter, WhatIfForm
from assessments.models import Action, Membership, person_name

MANAGER = [Membership.Role.MANAGER]
TEAM = [Membership.Role.MANAGER, Membership.Role.CONSULTANT]


def _submitted(request, assessment_id: int, roles=TEAM):
    assessment = selectors.assessment_for_user(
        request.user, assessment_id, roles=roles, related=["submitted_by"]
    )
    if not assessment.is_submitted:
        raise Http404
    return assessment


def _what_if(request, assessment):
    areas, values, said_no = selectors.scored_values(assessment)
    form = WhatIfForm(request.GET or None, areas=areas, values=values)
    valid = form.is_valid()
    marks = form.marks() if valid else {}
    result = plan.what_if(areas, values, said_no, assessment.bank.thresholds, marks)
    return form, result, valid or not form.is_bound


def _radar(assessment, result):
    names = [change.area.name for change in result.areas]
    spec = {
        "kind": "radar",
        "title": _("Score by area: today and what-if"),
        "labels": names,
        "series": [
            {"name": _("Today"), "values": [round(c.today, 2) for c in result.areas]},
            {
                "name": _("What-if"),
                "values": [round(c.simulated, 2) for c in result.areas],
                "dashed": True,
            },
        ],
    }
    return chart_view(
        "what-if",
        spec,
        result.sentence,
        [_("Area"), _("Today"), _("What-if")],
        [[c.area.name, number(c.today, 0), number(c.simulated, 0)] for c in result.areas],
    )


@require_GET
def what_if(request, assessment_id: int):
    assessment = _submitted(request, assessment_id)
    form, result, valid = _what_if(request, assessment)
    chart = _radar(assessment, result)
    context = {
        "assessment": assessment,
        "form": form,
        "result": result,
        "chart": chart,
        "chart_src": reverse("what_if_chart", args=[assessment.pk, chart.key])
        + ("?" + request.GET.urlencode() if request.GET else ""),
        "can_plan": assessment.viewer_role == Membership.Role.MANAGER,
        "query": request.GET.urlencode(),
    }
    status = 200 if valid else 400
    if request.GET.get("partial"):
        return render(request, "assessments/_what_if_result.html", context, status=status)
    return render(request, "assessments/what_if.html", context, status=status)


@require_GET
def what_if_chart(request, assessment_id: int, key: str):
    assessment = _submitted(request, assessment_id)
    _form, result, _valid = _what_if(request, assessment)
    chart = _radar(assessment, result)
    return downloads.svg_response(request, key, chart.key, chart.spec)


def _plan_organisation(request, organisation_id: int, roles=TEAM):
    return selectors.membership_for_user(request.user, organisation_id, roles=roles).organisation


def _owners(organisation):
    return selectors.plan_owners(organisation.pk)


def _form_values(form) -> dict:
    return {field: form.cleaned_data[field] for field in services.ACTION_FIELDS}


@require_http_methods(["GET", "POST"])
def action_add(request, assessment_id: int, question_id: int):
    assessment = _submitted(request, assessment_id, roles=MANAGER)
    areas, values, _said_no = selectors.scored_values(assessment)
    question = next(
        (q for area in areas for q in area.questions.all() if q.pk == question_id), None
    )
    if question is None or values.get(question.number, 1) >= 1:
        raise Http404  # only an open question of this assessment can be planned
    owners = _owners(assessment.organisation)
    initial = {
        "title": question.recommendation[:300],
        "target": "yes",
        "status": Action.Status.PENDING,
    }
    form = ActionForm(request.POST or None, owners=owners, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_create(
                assessment=assessment,
                question=question,
                user=request.user,
                values=_form_values(form),
            )
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The action was added to the plan."))
            return redirect("plan", organisation_id=assessment.organisation_id)
    context = {"assessment": assessment, "question": question, "form": form, "action": None}
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/action_form.html", context, status=status)


def _managed_action(request, action_id: int, *, deleted=False) -> Action:
    action = selectors.action_for_manager(request.user, action_id)
    if (action.deleted_at is not None) != deleted:
        raise Http404
    return action


@require_http_methods(["GET", "POST"])
def action_edit(request, action_id: int):
    action = _managed_action(request, action_id)
    owners = _owners(action.organisation)
    form = ActionForm(request.POST or None, instance=action, owners=owners)
    conflict = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.action_save(
                    action=action,
                    user=request.user,
                    values=_form_values(form),
                    version=form.cleaned_data["version"],
                )
            except services.ActionConflict as error:
                messages.error(request, str(error))
                conflict = error.current
                # Saving again from here replaces the newer values knowingly.
                data = request.POST.copy()
                data["version"] = conflict.version
                form = ActionForm(data, instance=conflict, owners=owners)
                status = 409
            except services.AssessmentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The action was saved."))
                return redirect("plan", organisation_id=action.organisation_id)
    context = {
        "assessment": action.assessment,
        "question": action.question,
        "form": form,
        "action": action,
        "conflict": conflict,
    }
    return render(request, "assessments/action_form.html", context, status=status)


@require_POST
def action_delete(request, action_id: int):
    action = _managed_action(request, action_id)
    services.action_delete(action=action, user=request.user)
    messages.success(
        request,
        _("The action was deleted. You can restore it from the plan for 30 days."),
    )
    return redirect("plan", organisation_id=action.organisation_id)


@require_POST
def action_restore(request, action_id: int):
    action = _managed_action(request, action_id, deleted=True)
    try:
        services.action_restore(action=action, user=request.user)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The action was restored."))
    return redirect("plan", organisation_id=action.organisation_id)


def _plan_view(request, organisation):
    owners = list(_owners(organisation))
    owner_choices = [(f"u{u.pk}", person_name(u)) for u in owners]
    owner_choices += [
        (f"n:{name}", name) for name in selectors.plan_free_text_owners(organisation.pk)
    ]
    actions = selectors.plan_actions(organisation.pk)
    filters = PlanFilter(request.GET or None, queryset=actions, owners=owner_choices)
    shown = list(filters.qs) if filters.is_valid() else list(actions)
    latest = selectors.latest_submitted(organisation.pk)
    planned = None
    if latest is not None:
        areas, values, said_no = selectors.scored_values(latest)
        planned = plan.what_if(
            areas,
            values,
            said_no,
            latest.bank.thresholds,
            plan.planned_marks(actions, values, latest.pk),
        )
        for action in shown:
            action.carried_over = action.assessment_id != latest.pk
            action.outside_bank = action.question.number not in values
            action.counts = plan.counts_toward_plan(action, latest.pk) and not action.outside_bank
    return owners, filters, shown, latest, planned


@require_GET
def plan_page(request, organisation_id: int):
    membership = selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
    organisation = membership.organisation
    _owners_list, filters, shown, latest, planned = _plan_view(request, organisation)
    today = timezone.localdate()
    order = {}
    if planned is not None:
        order = {p.code: i for i, p in enumerate(planned.today.priorities)}
    groups: dict = {}
    # An action whose question the latest assessment lacks is listed apart (the rules).
    apart = [action for action in shown if getattr(action, "outside_bank", False)]
    for action in shown:
        if getattr(action, "outside_bank", False):
            continue
        groups.setdefault(action.question.area, []).append((action, plan.is_overdue(action, today)))
    grouped = sorted(groups.items(), key=lambda item: (order.get(item[0].code, 99), item[0].order))
    deleted = (
        selectors.recently_deleted_actions(organisation.pk, services.RESTORE_WINDOW)
        if membership.role == Membership.Role.MANAGER
        else []
    )
    context = {
        "organisation": organisation,
        "filters": filters,
        "grouped": grouped,
        "apart": apart,
        "carried": sum(1 for a in shown if getattr(a, "carried_over", False) and a.counts),
        "latest": latest,
        "planned": planned,
        "can_edit": membership.role == Membership.Role.MANAGER,
        "deleted": deleted,
        "count": len(shown),
        "overdue": sum(1 for a in shown if plan.is_overdue(a, today)),
    }
    return render(request, "assessments/plan.html", context)


def _plan_rows(request, organisation):
    _owners_list, filters, shown, _latest, _planned = _plan_view(request, organisation)
    status_labels = dict(Action.Status.choices)
    target_labels = dict(Action.Target.choices)
    today = timezone.localdate()
    for action in shown:
        yield (
            action,
            [
                action.question.area.code,
                action.question.number,
                action.title,
                action.owner_label,
                action.due_date,
                str(target_labels[action.target]),
                str(status_labels[action.status]),
                _("yes") if plan.is_overdue(action, today) else "",
                action.note,
            ],
        )


@require_GET
def plan_export(request, organisation_id: int, fmt: str):
    organisation = _plan_organisation(request, organisation_id)
    header = [
        _("area code"),
        _("question"),
        _("title"),
        _("owner"),
        _("due date"),
        _("target answer"),
        _("status"),
        _("overdue"),
        _("note"),
    ]
    rows = [row for _action, row in _plan_rows(request, organisation)]
    name = (slugify(organisation.name), "plan", timezone.localdate().isoformat())
    return downloads.table_response(fmt, name, [downloads.Sheet(_("Plan"), header, rows)])


@require_GET
def plan_ics(request, organisation_id: int):
    """The due dates as all-day events, for a calendar program."""
    organisation = _plan_organisation(request, organisation_id)
    calendar = Calendar()
    calendar.add("prodid", "-//Orientación//plan//ES")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Action plan of %(name)s") % {"name": organisation.name})
    stamp = timezone.now()
    host = request.get_host()
    for action, row in _plan_rows(request, organisation):
        if action.due_date is None:
            continue
        event = Event()
        event.add("uid", f"action-{action.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", action.due_date)
        event.add("summary", action.title)
        event.add(
            "description",
            _("Question %(number)s · owner: %(owner)s · status: %(status)s")
            % {"number": row[1], "owner": row[3] or "–", "status": row[6]},
        )
        calendar.add_component(event)
    name = downloads.filename(slugify(organisation.name), "plan", extension="ics")
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
