"""From report to action: the what-if page, the action plan, and the next assessment's
verdict on it.

The worked example (every question weighs 1; Liderazgo holds 1–3, weight 1.5; Medición
holds 4–6, weight 1.25): Liderazgo all "parcialmente", Medición all "no", everything else
"sí".
  Today:  LID 1.5 / 3 = 50, MED 0; overall (1.5 + 0 + 14) / 20 = 77.5 → orientada.
  Marking 4 and 5 "sí": MED 2 / 3 = 66.67; overall 17.5 / 20 = 87.5 → centrada.
"""

import datetime
import io
import re
import threading
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import plan, scoring, services
from assessments.models import Action, Assessment, Membership, Question
from tests.conftest import all_choices, answer_inputs, client_for, make_user
from tests.test_scoring import CHECKLIST_AREAS, CHECKLIST_QUESTIONS, THRESHOLDS

LEADERSHIP_HALF_MEASUREMENT_NONE = all_choices(
    "yes", q1="partly", q2="partly", q3="partly", q4="no", q5="no", q6="no"
)


def submit_new(organisation, user, choices):
    assessment = services.assessment_start(organisation=organisation, user=user)
    services.answers_submit(
        assessment=assessment, user=user, answers=answer_inputs(assessment.bank, choices)
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def example(bank, acme, alice):
    return submit_new(acme, alice, LEADERSHIP_HALF_MEASUREMENT_NONE)


def what_if_url(assessment, **marks):
    query = "&".join(f"{k}={v}" for k, v in marks.items())
    return reverse("what_if", args=[assessment.pk]) + (f"?{query}" if query else "")


def test_marking_two_questions_changes_the_level_as_worked_by_hand(client, example, alice):
    page = client_for(client, alice).get(what_if_url(example, q4="yes", q5="yes"))
    assert page.status_code == 200
    html = page.content.decode()
    sentence = re.search(r"data-what-if-sentence>(.*?)</p>", html).group(1)
    assert sentence == (
        "Cerrando 4 y 5, Medición y feedback del cliente pasa de 0 a 67 y la organización "
        "sube a Centrada en el cliente."
    )
    # 77.5 and 87.5, shown rounded half-up as every score is.
    assert re.search(r"data-today-overall>78<", html)
    assert re.search(r"data-what-if-overall><strong>88<", html)
    # Priorities with the what-if: Liderazgo (1.5 × 50 = 75) now ahead of Medición (41.7).
    assert re.findall(r'<li data-area="(\w+)"', html)[:2] == ["LID", "MED"]
    assert Assessment.objects.get(pk=example.pk).overall_score == 77.5  # nothing stored


def test_nothing_marked_shows_today_s_figures(client, example, alice):
    html = client_for(client, alice).get(what_if_url(example)).content.decode()
    assert re.search(r"data-today-overall>78<", html)
    assert re.search(r"data-what-if-overall><strong>78<", html)
    assert "Marca preguntas abiertas" in html


def test_an_impossible_mark_is_refused_with_a_message_and_left_out(client, example, alice):
    # Question 1 is "parcialmente": imagining it "parcialmente" again is not an option, and
    # question 7 was "sí" already.
    response = client_for(client, alice).get(what_if_url(example, q1="partly", q7="yes"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "no son posibles" in html
    assert re.search(r"data-what-if-overall><strong>78<", html)


def test_the_partial_answer_is_the_result_alone_in_fixed_queries(client, example, alice):
    client = client_for(client, alice)
    client.get(what_if_url(example))  # the bank and the values are read once per worker
    counts = []
    for marks in ({}, {"q4": "yes"}, {"q1": "yes", "q2": "yes", "q4": "yes", "q5": "partly"}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(what_if_url(example, partial=1, **marks))
        assert response.status_code == 200
        assert "<html" not in response.content.decode()
        counts.append(len(queries))
    # session, user, assessment: however many questions are marked
    assert counts == [3, 3, 3]


def test_the_what_if_chart_draws_both_lines_and_refuses_another_key(client, example, alice):
    client = client_for(client, alice)
    html = client.get(what_if_url(example, q4="yes")).content.decode()
    src = re.search(r'src="(/assessments/\d+/what-if/chart/[^"]+)"', html).group(1)
    svg = client.get(src.replace("&amp;", "&"))
    assert svg.status_code == 200 and b"<svg" in svg.content
    # The same key with other marks is not this chart.
    other = src.replace("&amp;", "&").split("?")[0] + "?q1=yes"
    assert client.get(other).status_code == 404


def test_a_consultant_reads_the_what_if_but_plans_nothing(client, example, charlie):
    client = client_for(client, charlie)
    html = client.get(what_if_url(example)).content.decode()
    assert "Añadir al plan" not in html
    question = Question.objects.get(area__bank=example.bank, number=4)
    add = reverse("action_add", args=[example.pk, question.pk])
    assert client.get(add).status_code == 404
    assert client.post(add, {"title": "x", "version": 0}).status_code == 404
    assert not Action.objects.exists()


def test_respondents_and_strangers_never_see_the_what_if_or_the_plan(client, example, bob):
    rosa = make_user("rosa")
    Membership.objects.create(user=rosa, organisation=example.organisation, role="respondent")
    for user in (rosa, bob):
        signed_in = client_for(Client(), user)
        for url in (
            what_if_url(example),
            reverse("plan", args=[example.organisation_id]),
            reverse("plan_csv", args=[example.organisation_id]),
            reverse("plan_ics", args=[example.organisation_id]),
        ):
            assert signed_in.get(url).status_code == 404, (user, url)


def action_form(question=None, **overrides):
    data = {
        "title": "Encuesta trimestral a clientes",
        "owner": "",
        "owner_name": "",
        "due_date": "",
        "target": "yes",
        "status": "pending",
        "note": "",
        "version": 0,
    }
    data.update(overrides)
    return data


def add_action(client, assessment, number, **overrides):
    question = Question.objects.get(area__bank=assessment.bank, number=number)
    return client.post(
        reverse("action_add", args=[assessment.pk, question.pk]), action_form(**overrides)
    )


def test_adding_to_the_plan_prefills_the_recommendation(client, example, alice, dave):
    client = client_for(client, alice)
    question = Question.objects.get(area__bank=example.bank, number=4)
    form = client.get(reverse("action_add", args=[example.pk, question.pk])).content.decode()
    assert question.recommendation_es[:40] in form
    response = add_action(client, example, 4, owner=dave.pk, due_date="2027-01-31")
    assert response.url == reverse("plan", args=[example.organisation_id])
    action = Action.objects.get()
    assert (action.question.number, action.owner, action.due_date) == (4, dave, date(2027, 1, 31))
    assert action.organisation == example.organisation and action.version == 1


def test_an_answered_question_or_a_stranger_owner_is_refused(client, example, alice, bob):
    client = client_for(client, alice)
    question = Question.objects.get(area__bank=example.bank, number=7)  # answered "sí"
    assert client.get(reverse("action_add", args=[example.pk, question.pk])).status_code == 404
    refused = add_action(client, example, 4, owner=bob.pk)
    assert refused.status_code == 400
    assert not Action.objects.exists()


@pytest.fixture
def action(example, alice):
    question = Question.objects.get(area__bank=example.bank, number=4)
    return services.action_create(
        assessment=example,
        question=question,
        user=alice,
        values={"title": "Encuesta", "target": "yes", "status": "pending"},
    )


def test_a_second_edit_from_an_older_version_is_refused_and_shows_the_newer_values(
    client, action, alice, dave
):
    url = reverse("action_edit", args=[action.pk])
    alice_client = client_for(client, alice)
    dave_client = client_for(Client(), dave)
    alice_client.get(url)
    dave_client.get(url)
    first = dave_client.post(url, action_form(title="Encuesta", status="in_progress", version=1))
    assert first.status_code == 302
    second = alice_client.post(url, action_form(title="Encuesta", status="done", version=1))
    assert second.status_code == 409
    html = second.content.decode()
    assert "No se ha guardado nada: Dave cambió esta acción" in html
    assert re.search(r"data-conflict-status>En curso<", html)
    action.refresh_from_db()
    assert (action.status, action.version) == ("in_progress", 2)
    # Saving again from the conflict page replaces the newer values knowingly.
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert alice_client.post(url, action_form(status="done", version=version)).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.version) == ("done", 3)


@pytest.mark.django_db(transaction=True)
def test_two_saves_from_one_version_at_once_keep_one_and_refuse_the_other(bank, acme, alice):
    example = submit_new(acme, alice, LEADERSHIP_HALF_MEASUREMENT_NONE)
    question = Question.objects.get(area__bank=example.bank, number=4)
    action = services.action_create(
        assessment=example, question=question, user=alice, values={"title": "Encuesta"}
    )
    barrier = threading.Barrier(2)
    errors = []

    def save(status):
        try:
            barrier.wait()
            services.action_save(action=action, user=alice, values={"status": status}, version=1)
        except services.AssessmentError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(s,)) for s in ("done", "discarded")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 1 and isinstance(errors[0], services.ActionConflict)
    action.refresh_from_db()
    assert action.version == 2 and action.status in ("done", "discarded")


def test_a_deleted_action_is_restored_within_30_days_and_not_after(client, action, alice):
    client = client_for(client, alice)
    plan_url = reverse("plan", args=[action.organisation_id])
    client.post(reverse("action_delete", args=[action.pk]))
    html = client.get(plan_url).content.decode()
    assert f'data-action="{action.pk}"' not in html and f'data-deleted="{action.pk}"' in html
    client.post(reverse("action_restore", args=[action.pk]))
    assert f'data-action="{action.pk}"' in client.get(plan_url).content.decode()

    client.post(reverse("action_delete", args=[action.pk]))
    Action.objects.filter(pk=action.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    assert f'data-deleted="{action.pk}"' not in client.get(plan_url).content.decode()
    with pytest.raises(services.AssessmentError, match="hace más de 30 días"):
        services.action_restore(action=action, user=alice)


def plan_of(example, alice, dave):
    """Three actions: an overdue one owned by Dave, one done, one discarded."""
    questions = {
        q.number: q for q in Question.objects.filter(area__bank=example.bank, number__in=[1, 4, 5])
    }
    made = []
    for number, values in (
        (4, {"owner": dave, "due_date": timezone.localdate() - timedelta(days=3)}),
        (5, {"owner_name": "Marta (externa)", "status": "done"}),
        (1, {"status": "discarded", "due_date": timezone.localdate() + timedelta(days=30)}),
    ):
        made.append(
            services.action_create(
                assessment=example,
                question=questions[number],
                user=alice,
                values={"title": f"Acción {number}", "target": "yes", **values},
            )
        )
    return made


def test_the_plan_shows_the_planned_score_overdue_actions_and_filters(
    client, example, alice, dave, charlie
):
    plan_of(example, alice, dave)
    url = reverse("plan", args=[example.organisation_id])
    html = client_for(client, alice).get(url).content.decode()
    # Planned: 4 and 5 reach "sí" (1 is discarded) → the what-if of 4 and 5: 87.5.
    assert re.search(r"data-current-score>78<", html)
    assert re.search(r"data-planned-score>88<", html)
    assert html.count("data-overdue") == 1
    assert "3 acciones" in html
    dave_only = client.get(url + f"?owner=u{dave.pk}").content.decode()
    assert "Acción 4" in dave_only and "Acción 5" not in dave_only
    external = client.get(url + "?owner=n:Marta (externa)").content.decode()
    assert "Acción 5" in external and "Acción 4" not in external
    done = client.get(url + "?status=done").content.decode()
    assert "Acción 5" in done and "Acción 1" not in done
    # A consultant reads the same plan, with nothing to edit.
    consultant = client_for(Client(), charlie).get(url).content.decode()
    assert "Acción 4" in consultant and "/plan/actions/" not in consultant


def test_the_planned_score_is_the_what_if_of_the_plan(client, example, alice, dave):
    plan_of(example, alice, dave)
    planned = client_for(client, alice).get(reverse("plan", args=[example.organisation_id]))
    what_if = client.get(what_if_url(example, q4="yes", q5="yes"))
    planned_score = re.search(r"data-planned-score>([^<]+)<", planned.content.decode()).group(1)
    what_if_score = re.search(
        r"data-what-if-overall><strong>([^<]+)<", what_if.content.decode()
    ).group(1)
    assert planned_score == what_if_score == "88"


def test_the_plan_exports_csv_and_a_calendar_of_due_dates(client, example, alice, dave):
    plan_of(example, alice, dave)
    client = client_for(client, alice)
    csv_text = client.get(reverse("plan_csv", args=[example.organisation_id])).content.decode()
    lines = csv_text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("código de área,pregunta,título,responsable")
    assert len(lines) == 4
    overdue_line = next(line for line in lines if "Acción 4" in line)
    assert overdue_line.endswith(",sí,")  # overdue, no note
    workbook = client.get(reverse("plan_xlsx", args=[example.organisation_id]))
    (sheet,) = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "Plan" and len(rows) == len(lines)
    overdue_row = next(row for row in rows if row[2] == "Acción 4")
    assert isinstance(overdue_row[4], datetime.datetime)  # the due date, as a date cell
    assert overdue_row[7] == "sí"
    ics = client.get(reverse("plan_ics", args=[example.organisation_id]))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert body.count("BEGIN:VEVENT") == 2  # the action without a date has no event
    assert "SUMMARY:Acción 4" in body


def test_the_next_assessment_judges_the_previous_plan(client, example, alice, dave, charlie):
    actions = plan_of(example, alice, dave)
    # Question 4 improves (no → sí), 5 was done but stays "no", 1 (discarded) gets worse.
    choices = dict(LEADERSHIP_HALF_MEASUREMENT_NONE)
    choices.update({4: "yes", 1: "no"})
    later = submit_new(example.organisation, alice, choices)
    html = (
        client_for(client, alice)
        .get(reverse("assessment_report", args=[later.pk]))
        .content.decode()
    )
    assert "Plan anterior" in html
    rows = {
        int(pk): outcome
        for outcome, pk in re.findall(r'data-verdict="(\w+)" data-action="(\d+)"', html)
    }
    assert rows == {actions[0].pk: "improved", actions[1].pk: "unchanged", actions[2].pk: "worse"}
    assert "hecha, pero la respuesta no cambió" in html
    # The first report has no previous plan, and a consultant reads the same verdicts.
    first = client.get(reverse("assessment_report", args=[example.pk])).content.decode()
    assert "Plan anterior" not in first
    consultant = client_for(Client(), charlie).get(reverse("assessment_report", args=[later.pk]))
    assert "hecha, pero la respuesta no cambió" in consultant.content.decode()


def test_portfolio_and_progress_count_open_and_overdue_actions(
    client, example, alice, dave, charlie
):
    plan_of(example, alice, dave)
    client = client_for(client, charlie)
    portfolio = client.get(reverse("portfolio")).content.decode()
    row = re.search(rf'<tr data-organisation="{example.organisation_id}">.*?</tr>', portfolio, re.S)
    assert "1 acción abierta, " in row.group(0) and "1 vencida" in row.group(0)
    progress = client.get(reverse("progress", args=[example.organisation_id])).content.decode()
    assert re.search(r"data-plan-summary>1 acción abierta, .*1 vencida", progress, re.S)


# The planned score is the what-if of the plan's targets, for any answers and any plan.
class _Question:
    def __init__(self, number):
        self.number = number


class _Action:
    def __init__(self, number, status, target, assessment_id=1):
        self.question, self.status, self.target = _Question(number), status, target
        self.assessment_id = assessment_id


@settings(max_examples=60)
@given(
    values=st.fixed_dictionaries({n: st.sampled_from([1.0, 0.5, 0.0]) for n in range(1, 21)}),
    actions=st.lists(
        st.tuples(
            st.integers(1, 20),
            st.sampled_from(["pending", "in_progress", "done", "discarded"]),
            st.sampled_from(["yes", "partly"]),
            st.sampled_from([1, 2]),  # 2 is the latest assessment, 1 an earlier one
        ),
        max_size=8,
    ),
)
def test_earlier_actions_count_while_open_and_the_latest_s_unless_discarded(values, actions):
    marks = plan.planned_marks([_Action(*a) for a in actions], values, latest_assessment_id=2)
    expected = {}
    for number, status, target, made_on in actions:
        counts = status != "discarded" if made_on == 2 else status in ("pending", "in_progress")
        if counts:
            expected[number] = max(expected.get(number, 0), plan.TARGET_VALUES[target])
    assert marks == expected


@settings(max_examples=60)
@given(
    values=st.fixed_dictionaries({n: st.sampled_from([1.0, 0.5, 0.0]) for n in range(1, 21)}),
    actions=st.lists(
        st.tuples(
            st.integers(1, 20),
            st.sampled_from(["pending", "in_progress", "done", "discarded"]),
            st.sampled_from(["yes", "partly"]),
        ),
        max_size=8,
    ),
)
def test_planned_marks_are_every_live_target(values, actions):
    made = [_Action(*a) for a in actions]
    marks = plan.planned_marks(made, values, latest_assessment_id=1)
    expected = {}
    for number, status, target in actions:
        if status != "discarded":
            expected[number] = max(expected.get(number, 0), plan.TARGET_VALUES[target])
    assert marks == expected
    planned = scoring.what_if(CHECKLIST_AREAS, CHECKLIST_QUESTIONS, values, THRESHOLDS, marks)
    assert planned == scoring.score(
        CHECKLIST_AREAS, CHECKLIST_QUESTIONS, {**values, **expected}, THRESHOLDS
    )


def test_an_owner_outside_the_organisation_is_refused_by_the_service(example, alice, bob):
    question = Question.objects.get(area__bank=example.bank, number=4)
    with pytest.raises(services.AssessmentError, match="persona de esta organización"):
        services.action_create(
            assessment=example, question=question, user=alice, values={"title": "x", "owner": bob}
        )
    assert not Action.objects.exists()
    assert get_user_model().objects.filter(pk=bob.pk).exists()


def test_the_plan_page_makes_the_same_queries_for_one_action_or_seven(client, example, alice, dave):
    client = client_for(client, alice)
    url = reverse("plan", args=[example.organisation_id])
    questions = list(Question.objects.filter(area__bank=example.bank, number__in=range(1, 7)))

    def queries():
        client.get(url)  # the bank's structure and the report's values: once per worker
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.action_create(
        assessment=example, question=questions[0], user=alice, values={"title": "Una"}
    )
    one = queries()
    for number, question in enumerate(questions):
        services.action_create(
            assessment=example,
            question=question,
            user=alice,
            values={"title": f"Otra {number}", "owner": dave if number % 2 else None},
        )
    assert queries() == one


def test_a_report_after_a_plan_reads_it_in_fixed_queries(client, example, alice, dave):
    from django.core.cache import caches

    plan_of(example, alice, dave)
    later = submit_new(example.organisation, alice, dict(LEADERSHIP_HALF_MEASUREMENT_NONE))
    client = client_for(client, alice)
    url = reverse("assessment_report", args=[later.pk])
    client.get(url)
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    # First view: session, user, assessment, the report's areas, questions, answers and
    # agreed answers; the previous assessment, its plan's actions (with those carried
    # into it), and its answers and agreed answers. Then only what can change: the
    # previous assessment and its plan's actions.
    assert (len(first), len(again)) == (11, 5)


def test_the_report_offers_its_open_questions_to_the_what_if(client, example, alice):
    html = (
        client_for(client, alice)
        .get(reverse("assessment_report", args=[example.pk]))
        .content.decode()
    )
    form = re.search(r'<form method="get" action="/assessments/\d+/what-if/".*?</form>', html, re.S)
    # Every question not answered "sí", and only those.
    assert re.findall(r'name="q(\d+)" value="yes"', form.group(0)) == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    marked = client.get(what_if_url(example, q4="yes", q5="yes")).content.decode()
    assert "sube a Centrada en el cliente" in marked


# The carry-over example of the issue that amended the rule. Every question weighs 1 in
# the overall score, so it is (sum of values) / 20 × 100:
#   first:  1–3 and 7–13 "sí" (10), 14 "parcialmente" (0.5), the rest "no" → 10.5 → 52.5
#   second: the same with 4 fixed ("sí")                          → 11.5 → 57.5 (en desarrollo)
#   an action on 5 (target "sí") made on the first, still pending → 12.5 → 62.5 (orientada)
CARRY_OVER_FIRST = all_choices(
    "no", **{f"q{n}": "yes" for n in (1, 2, 3, 7, 8, 9, 10, 11, 12, 13)}, q14="partly"
)


def _carry_over_example(acme, alice):
    first = submit_new(acme, alice, CARRY_OVER_FIRST)
    questions = {q.number: q for q in Question.objects.filter(area__bank=first.bank)}
    pending = services.action_create(
        assessment=first,
        question=questions[5],
        user=alice,
        values={"title": "Medir la satisfacción cada mes", "target": "yes"},
    )
    fixed = services.action_create(
        assessment=first,
        question=questions[4],
        user=alice,
        values={"title": "Encuesta tras cada venta", "target": "yes", "status": "done"},
    )
    second = submit_new(acme, alice, {**CARRY_OVER_FIRST, 4: "yes"})
    return first, second, pending, fixed


def test_an_open_action_of_an_earlier_plan_counts_toward_the_planned_score(
    client, bank, acme, alice
):
    first, second, pending, fixed = _carry_over_example(acme, alice)
    html = client_for(client, alice).get(reverse("plan", args=[acme.pk])).content.decode()
    # 57.5 → 62.5, shown rounded half-up, and the level rises with it.
    assert re.search(r"data-current-score>58<", html)
    assert re.search(r"data-planned-score>63<", html)
    assert "(En desarrollo → Orientada al cliente)" in html
    # Listed under the current plan with where it came from; the done one does not count.
    assert f'data-carried="{pending.pk}"' in html
    assert f'data-carried="{fixed.pk}"' not in html
    assert "Arrastrada del informe del" in html
    assert "1 acción arrastrada cuenta." in html


def test_a_carried_action_is_judged_again_by_each_later_assessment_until_closed(
    client, bank, acme, alice
):
    first, second, pending, fixed = _carry_over_example(acme, alice)
    third = submit_new(acme, alice, {**CARRY_OVER_FIRST, 4: "yes", 5: "partly"})
    client = client_for(client, alice)

    def verdicts(assessment):
        html = client.get(reverse("assessment_report", args=[assessment.pk])).content.decode()
        return {
            int(pk): outcome
            for outcome, pk in re.findall(r'data-verdict="(\w+)" data-action="(\d+)"', html)
        }

    assert verdicts(second) == {pending.pk: "unchanged", fixed.pk: "improved"}
    # The third report judges the plan worked on since the second: the pending action was
    # carried into it; the done one was closed before the second was submitted.
    assert verdicts(third) == {pending.pk: "improved"}
    # Done after the third, it is judged once more, by the fourth (it was in the plan
    # worked on until then), and by no later one.
    services.action_save(
        action=pending, user=alice, values={"status": "done"}, version=pending.version
    )
    fourth = submit_new(acme, alice, {**CARRY_OVER_FIRST, 4: "yes", 5: "yes"})
    fifth = submit_new(acme, alice, {**CARRY_OVER_FIRST, 4: "yes", 5: "yes"})
    assert verdicts(third) == {pending.pk: "improved"}
    assert verdicts(fourth) == {pending.pk: "improved"}
    assert verdicts(fifth) == {}
    plan_html = client.get(reverse("plan", args=[acme.pk])).content.decode()
    assert f'data-carried="{pending.pk}"' not in plan_html  # done: it no longer counts


def test_an_action_whose_question_left_the_bank_is_listed_apart(client, bank, acme, alice):
    first, second, pending, fixed = _carry_over_example(acme, alice)
    newer = services.bank_new_version(bank=bank)
    Question.objects.get(area__bank=newer, number=5).delete()
    services.bank_publish(bank=newer)
    third = submit_new(acme, alice, {n: "no" for n in range(1, 21) if n != 5})
    html = client_for(client, alice).get(reverse("plan", args=[acme.pk])).content.decode()
    assert f'data-apart="{pending.pk}"' in html
    assert "No cuentan: su pregunta no está en la última evaluación" in html
    assert third.bank_id != first.bank_id
