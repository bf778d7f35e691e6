"""Rounds: one assessment answered by several people of the organisation.

The worked example used throughout (every question weighs 1; Liderazgo holds 1–3 and
weighs 1.5, Medición holds 4–6 and weighs 1.25; every other answer is "sí"):

            q1       q2       q4       q5
  alice     sí       sí       no       no       (the lead)
  dave      no       sí       parcial  sí
  rosa      no       no       no       sí

  q1 = (1 + 0 + 0) / 3 = 0.333   q2 = (1 + 1 + 0) / 3 = 0.667
  q4 = (0 + 0.5 + 0) / 3 = 0.167 q5 = (0 + 1 + 1) / 3 = 0.667
  Liderazgo = 100 × (0.333 + 0.667 + 1) / 3 = 66.67 → priority 1.5 × 33.33 = 50.00
  Medición  = 100 × (0.167 + 0.667 + 1) / 3 = 61.11 → priority 1.25 × 38.89 = 48.61
  Disagreements (both sí and no): q1, q2, q5 — q4 has no "sí".

With q1 agreed as "parcialmente" (0.5) Liderazgo becomes 100 × (0.5 + 0.667 + 1) / 3 =
72.22, priority 41.67, and Medición comes first. Overall: (0.5 + 0.667 + 1 + 0.167 + 0.667
+ 15) / 20 = 18 / 20 = 90.00.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import services
from assessments.models import AgreedAnswer, Answer, AreaResult, Assessment, Membership, Response
from tests.conftest import (
    all_choices,
    answer_inputs,
    client_for,
    form_data,
    make_user,
    question_ids,
    work_the_queue,
)

ALICE = all_choices("yes", q4="no", q5="no")
DAVE = all_choices("yes", q1="no", q4="partly")
ROSA = all_choices("yes", q1="no", q2="no", q4="no")


def start_round(acme, alice, dave, anonymous=False, new=("Rosa Prieto", "rosa@example.org")):
    people = [services.NewPerson(*new[0].split(" ", 1), new[1])] if new else []
    return services.round_start(
        organisation=acme,
        lead=alice,
        members=[dave],
        new_people=people,
        anonymous=anonymous,
        site_url="http://testserver/",
    )


@pytest.fixture
def open_round(bank, acme, alice, dave, django_capture_on_commit_callbacks):
    dave.email = "dave@example.org"
    dave.save()
    with django_capture_on_commit_callbacks(execute=True):
        assessment = start_round(acme, alice, dave)
    work_the_queue()
    return assessment


@pytest.fixture
def rosa(open_round):
    """Rosa, invited by address, has chosen her password with the e-mail's link and
    signed in: that accepts the invitation."""
    rosa = get_user_model().objects.get(email="rosa@example.org")
    rosa.set_password("rosa-password")
    rosa.save()
    services.invitations_accepted_by_sign_in(user=rosa)
    return rosa


def submit(assessment, user, choices, notes=None):
    bank = assessment.bank
    services.answers_submit(
        assessment=assessment, user=user, answers=answer_inputs(bank, choices, notes)
    )


@pytest.fixture
def answered_round(open_round, alice, dave, rosa):
    submit(open_round, alice, ALICE)
    submit(open_round, dave, DAVE, notes={1: "Nadie de dirección visita clientes"})
    submit(open_round, rosa, ROSA)
    return open_round


def close(assessment, lead):
    services.round_close(assessment=assessment, lead=lead)
    assessment.refresh_from_db()
    return assessment


def test_starting_a_round_invites_members_and_new_people_by_e_mail(open_round, alice, dave):
    rosa = get_user_model().objects.get(email="rosa@example.org")
    assert not rosa.has_usable_password()
    assert (rosa.first_name, rosa.last_name) == ("Rosa", "Prieto")
    assert not Membership.objects.filter(user=rosa).exists()  # not before she accepts
    assert set(open_round.responses.values_list("respondent__username", flat=True)) == {
        "alice",
        "dave",
        "rosa@example.org",
    }
    assert open_round.is_round and open_round.status == "draft"
    work_the_queue()
    assert sorted(m.to[0] for m in mail.outbox) == ["dave@example.org", "rosa@example.org"]
    work_the_queue()
    rosa_mail = next(m for m in mail.outbox if m.to == ["rosa@example.org"])
    answer_url = f"http://testserver/assessments/{open_round.pk}/"
    assert answer_url in rosa_mail.body
    assert "/reset/" in rosa_mail.body  # no password yet: a one-time link to choose one
    work_the_queue()
    dave_mail = next(m for m in mail.outbox if m.to == ["dave@example.org"])
    assert answer_url in dave_mail.body and "/reset/" not in dave_mail.body


def test_the_start_form_refuses_a_line_without_an_address_and_saves_nothing(
    client, bank, acme, alice, dave
):
    client = client_for(client, alice)
    response = client.post(
        reverse("round_start", args=[acme.pk]),
        {"members": [dave.pk], "new_people": "Rosa Prieto, rosa@example.org\nLuis sin correo"},
    )
    assert response.status_code == 400
    assert "Línea 2: «Luis sin correo» no termina con una dirección de correo" in (
        response.content.decode()
    )
    assert not Assessment.objects.exists()
    assert not get_user_model().objects.filter(email="rosa@example.org").exists()
    work_the_queue()
    assert mail.outbox == []


def test_the_start_form_cannot_invite_people_of_another_organisation(
    client, bank, acme, alice, bob
):
    response = client_for(client, alice).post(
        reverse("round_start", args=[acme.pk]), {"members": [bob.pk]}
    )
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_the_organisation_s_consultant_cannot_be_invited_to_answer(
    client, bank, acme, alice, charlie
):
    charlie.email = "charlie@example.org"
    charlie.save()
    response = client_for(client, alice).post(
        reverse("round_start", args=[acme.pk]), {"new_people": "Charlie, charlie@example.org"}
    )
    assert response.status_code == 400
    assert "charlie@example.org sigue a esta organización como consultor" in (
        response.content.decode()
    )
    assert not Assessment.objects.exists()


def test_each_respondent_answers_alone_and_sees_only_their_own_answers(
    client, open_round, alice, dave, rosa
):
    bank = open_round.bank
    client_for(client, dave).post(
        reverse("assessment_answer", args=[open_round.pk]),
        form_data(bank, {1: "no"}, notes={1: "nota de Dave"}),
    )
    rosa_client = client_for(Client(), rosa)
    page = rosa_client.get(reverse("assessment_answer", args=[open_round.pk])).content.decode()
    assert "nota de Dave" not in page
    assert 'value="no" checked' not in page
    # Nor the lead's page, nor a report before closing.
    assert rosa_client.get(reverse("round_manage", args=[open_round.pk])).status_code == 404
    report = rosa_client.get(reverse("assessment_report", args=[open_round.pk])).content.decode()
    assert "Esta ronda sigue abierta" in report and "nota de Dave" not in report


def test_a_submitted_response_is_read_only_and_a_late_post_changes_nothing(
    client, open_round, dave
):
    submit(open_round, dave, DAVE, notes={1: "primera"})
    client = client_for(client, dave)
    url = reverse("assessment_answer", args=[open_round.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Enviaste tus respuestas el" in page.content.decode()
    assert "ya no pueden cambiar" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    late = client.post(url, form_data(open_round.bank, all_choices("no"), action="submit"))
    assert late.status_code == 409
    assert set(
        Answer.objects.filter(response__respondent=dave).values_list("choice", flat=True)
    ) == {"yes", "no", "partly"}


def test_the_lead_sees_progress_and_can_remind_once_a_day(
    client, open_round, alice, dave, django_capture_on_commit_callbacks
):
    rosa = get_user_model().objects.get(email="rosa@example.org")  # has not accepted yet
    services.answers_save(
        assessment=open_round,
        user=dave,
        answers=answer_inputs(open_round.bank, {1: "yes", 2: "no", 3: "partly"}),
    )
    client = client_for(client, alice)
    page = client.get(reverse("round_manage", args=[open_round.pk])).content.decode()
    dave_row = re.search(r'<tr data-respondent="\d+">\s*<th scope="row">Dave.*?</tr>', page, re.S)
    assert "3 / 20" in dave_row.group(0)
    assert "un recordatorio cada 24 horas" in page

    response = Response.objects.get(assessment=open_round, respondent=rosa)
    mail.outbox.clear()
    remind = reverse("round_remind", args=[open_round.pk, response.pk])
    with django_capture_on_commit_callbacks(execute=True):
        with_message = client.post(remind, follow=True)
    assert "Recordatorio en cola para Rosa Prieto" in with_message.content.decode()
    work_the_queue()
    assert [m.to for m in mail.outbox] == [["rosa@example.org"]]
    work_the_queue()
    assert "/reset/" in mail.outbox[0].body  # she has no password yet: a fresh link

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(remind, follow=True)
    assert "hace menos de un día" in again.content.decode()
    assert "siguiente será posible desde" in again.content.decode()
    work_the_queue()
    assert len(mail.outbox) == 1

    a_day_ago = timezone.now() - timedelta(hours=25)
    Response.objects.filter(pk=response.pk).update(reminded_at=a_day_ago)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(remind)
    work_the_queue()
    assert len(mail.outbox) == 2


def test_only_the_lead_follows_the_round(client, open_round, dave, charlie):
    for user in (dave, charlie):
        client = client_for(Client(), user)
        assert client.get(reverse("round_manage", args=[open_round.pk])).status_code == 404
        close_url = reverse("round_close", args=[open_round.pk])
        assert client.post(close_url, {"confirm": "on"}).status_code == 404
    assert Assessment.objects.get(pk=open_round.pk).status == "draft"


def test_the_lead_sees_disagreements_and_records_an_agreed_answer(
    client, answered_round, alice, dave
):
    client = client_for(client, alice)
    page = client.get(reverse("round_manage", args=[answered_round.pk])).content.decode()
    assert re.findall(r'data-disagreement="(\d+)"', page) == ["1", "2", "5"]
    q1 = question_ids(answered_round.bank)[1]
    client.post(
        reverse("round_agree", args=[answered_round.pk]),
        {"question": q1, "choice": "partly", "note": "Lo hablamos el lunes"},
    )
    agreed = AgreedAnswer.objects.get(assessment=answered_round)
    assert (agreed.question.number, agreed.choice, agreed.note) == (
        1,
        "partly",
        "Lo hablamos el lunes",
    )

    # A question of another bank is refused and records nothing.
    refused = client.post(
        reverse("round_agree", args=[answered_round.pk]), {"question": 999999, "choice": "no"}
    )
    assert refused.status_code == 400
    assert AgreedAnswer.objects.count() == 1


def test_closing_needs_a_confirmation_and_says_what_it_counts(client, answered_round, alice):
    client = client_for(client, alice)
    page = client.get(reverse("round_manage", args=[answered_round.pk])).content.decode()
    assert "3 personas invitadas, 3 han enviado sus respuestas, 0 quedarán fuera" in page
    refused = client.post(reverse("round_close", args=[answered_round.pk]), {})
    assert refused.status_code == 400
    assert Assessment.objects.get(pk=answered_round.pk).status == "draft"
    closed = client.post(reverse("round_close", args=[answered_round.pk]), {"confirm": "on"})
    assert closed.url == reverse("assessment_report", args=[answered_round.pk])


def test_a_round_closes_only_with_a_submitted_response(open_round, alice):
    with pytest.raises(services.AssessmentError, match="Nadie ha enviado"):
        services.round_close(assessment=open_round, lead=alice)
    assert not AreaResult.objects.exists()


def test_the_closed_round_is_scored_by_the_combined_rules(answered_round, alice):
    q1 = question_ids(answered_round.bank)[1]
    services.agreed_answer_set(
        assessment=answered_round, lead=alice, question_id=q1, choice="partly", note=""
    )
    closed = close(answered_round, alice)
    assert closed.overall_score == Decimal("90.00")
    assert closed.maturity_level == "centred"
    assert (closed.respondent_count, closed.invited_count) == (3, 3)
    assert closed.agreement == Decimal("85.00")  # 17 of 20 questions without sí and no
    scores = dict(AreaResult.objects.filter(assessment=closed).values_list("area_code", "score"))
    assert scores["LID"] == Decimal("72.22") and scores["MED"] == Decimal("61.11")
    first = AreaResult.objects.get(assessment=closed, rank=1)
    assert first.area_code == "MED"


def test_without_the_agreed_answer_leadership_comes_first(answered_round, alice):
    closed = close(answered_round, alice)
    first = AreaResult.objects.get(assessment=closed, rank=1)
    assert (first.area_code, first.priority) == ("LID", Decimal("50.00"))


def test_responses_not_submitted_are_left_out_and_a_late_one_is_refused(
    open_round, alice, dave, rosa
):
    submit(open_round, alice, ALICE)
    submit(open_round, dave, DAVE)
    services.answers_save(
        assessment=open_round, user=rosa, answers=answer_inputs(open_round.bank, ROSA)
    )
    closed = close(open_round, alice)
    assert (closed.respondent_count, closed.invited_count) == (2, 3)
    before = list(Answer.objects.filter(response__respondent=rosa).values_list("choice"))
    with pytest.raises(services.AssessmentError, match="La ronda está cerrada"):
        services.answers_submit(
            assessment=open_round,
            user=rosa,
            answers=answer_inputs(open_round.bank, all_choices("no")),
        )
    assert list(Answer.objects.filter(response__respondent=rosa).values_list("choice")) == before
    assert Response.objects.get(respondent=rosa).submitted_at is None


def test_a_late_submission_through_the_page_gets_a_clear_message(client, open_round, alice, rosa):
    submit(open_round, alice, ALICE)
    close(open_round, alice)
    response = client_for(client, rosa).post(
        reverse("assessment_answer", args=[open_round.pk]),
        form_data(open_round.bank, ROSA, action="submit"),
    )
    assert response.status_code == 409
    assert "La ronda está cerrada: tus respuestas no se han guardado." in response.content.decode()
    assert not Answer.objects.filter(response__respondent=rosa).exists()


def report_page(client, assessment):
    return client.get(reverse("assessment_report", args=[assessment.pk])).content.decode()


def test_the_report_shows_what_to_talk_over_first(client, answered_round, alice, rosa):
    q1 = question_ids(answered_round.bank)[1]
    services.agreed_answer_set(
        assessment=answered_round, lead=alice, question_id=q1, choice="partly", note="Acordado"
    )
    close(answered_round, alice)
    page = report_page(client_for(client, rosa), answered_round)
    debate = page.index('id="debate-title"')
    assert debate < page.index('id="work-first-title"')
    assert "Para debatir" in page
    assert re.findall(r'data-disagreement="(\d+)"', page) == ["1", "2", "5"]
    q1_card = re.search(r'data-disagreement="1".*?</div></li>', page, re.S).group(0)
    assert "Sí: 1" in q1_card and "No: 2" in q1_card
    assert "Alice" in q1_card and "Dave, Rosa Prieto" in q1_card
    assert "Acordado" in q1_card and "Parcialmente" in q1_card
    assert "3 personas respondieron" in page
    assert "media de 3 personas" in page
    # Each area's score in "work on these first" says what it is: a mean, or a mean with
    # the agreed answer of q1 in Liderazgo.
    assert re.search(r"puntuación 61\s*\(media de 3 personas\)", page)
    assert re.search(r"puntuación 72\s*\(media de 3 personas y 1 respuesta acordada\)", page)
    assert re.search(r'data-agreement-area="LID">.*?33 %', page, re.S)
    # Medición comes first once q1 is agreed.
    assert re.findall(r'work-first-area" data-area="(\w+)"', page)[0] == "MED"
    assert 'data-chart="spread"' in page


def test_an_anonymous_round_shows_only_counts(
    client, bank, acme, alice, dave, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = start_round(acme, alice, dave, anonymous=True)
    rosa = get_user_model().objects.get(email="rosa@example.org")
    submit(assessment, alice, ALICE)
    submit(assessment, dave, DAVE, notes={1: "comentario de Dave"})
    submit(assessment, rosa, ROSA)
    client = client_for(client, alice)
    # While open, the lead sees no answer at all, not even counts.
    lead_page = client.get(reverse("round_manage", args=[assessment.pk])).content.decode()
    assert "data-answers-hidden" in lead_page and "data-disagreement" not in lead_page
    close(assessment, alice)
    page = report_page(client, assessment)
    debate = page[page.index('id="debate-title"') : page.index('id="work-first-title"')]
    assert "Sí: 1" in debate
    for name in ("Dave", "Rosa", "Alice"):
        assert name not in debate
    answers_section = page[page.index('id="answers-title"') :]
    assert "comentario de Dave" in answers_section and "Dave" not in answers_section.replace(
        "comentario de Dave", ""
    )
    rows = read_csv(client.get(reverse("assessment_csv", args=[assessment.pk])))
    respondents = {row[1] for row in rows[1:] if row[0] == "respuesta"}
    assert respondents == {"Persona 1", "Persona 2", "Persona 3"}


def read_csv(response):
    text = response.content.decode("utf-8")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_every_respondent_s_answers_and_the_combined_values(
    client, answered_round, alice
):
    close(answered_round, alice)
    rows = read_csv(
        client_for(client, alice).get(reverse("assessment_csv", args=[answered_round.pk]))
    )
    assert rows[0][:2] == ["registro", "persona"]
    answers = [row for row in rows if row[0] == "respuesta"]
    assert len(answers) == 60
    assert {row[1] for row in answers} == {"Alice", "Dave", "Rosa Prieto"}
    combined = {row[4]: row[8] for row in rows if row[0] == "combinado"}
    assert combined["1"] == "0.33" and combined["4"] == "0.17" and combined["3"] == "1.00"
    assert rows[-1][0] == "puntuación global"


def test_a_round_with_one_submitted_response_scores_like_one_person(
    bank, acme, alice, dave, open_round
):
    submit(open_round, dave, DAVE)
    closed = close(open_round, alice)
    single = services.assessment_start(organisation=acme, user=alice)
    submit(single, alice, DAVE)
    single.refresh_from_db()
    assert closed.overall_score == single.overall_score
    assert closed.agreement is None and closed.respondent_count == 1

    def results(assessment):
        return list(
            AreaResult.objects.filter(assessment=assessment)
            .order_by("area_code")
            .values_list("area_code", "score", "priority", "rank")
        )

    assert results(closed) == results(single)


def test_a_respondent_reaches_only_the_rounds_they_answer(
    client, open_round, alice, rosa, submitted
):
    client = client_for(client, rosa)
    acme_id = open_round.organisation_id
    assert client.get(reverse("progress", args=[acme_id])).status_code == 404
    assert client.get(reverse("assessment_report", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("assessment_csv", args=[submitted.pk])).status_code == 404
    assert client.post(reverse("assessment_start", args=[acme_id])).status_code == 404
    assert client.get(reverse("round_start", args=[acme_id])).status_code == 404
    assert client.get(reverse("portfolio")).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert reverse("assessment_answer", args=[open_round.pk]) in home
    assert reverse("assessment_report", args=[submitted.pk]) not in home
    assert reverse("progress", args=[acme_id]) not in home


def test_a_manager_not_invited_cannot_answer_the_round(client, open_round, acme):
    other = make_user("olga")
    Membership.objects.create(user=other, organisation=acme, role="manager")
    client = client_for(client, other)
    url = reverse("assessment_answer", args=[open_round.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(open_round.bank, ALICE)).status_code == 404
    assert not Response.objects.filter(respondent=other).exists()


def test_portfolio_and_progress_show_how_many_answered_and_their_agreement(
    client, answered_round, alice, charlie
):
    close(answered_round, alice)
    client = client_for(client, charlie)
    portfolio = client.get(reverse("portfolio")).content.decode()
    # The agreement says what it is: the share of questions nobody disagreed on.
    said = "respondieron 3 personas · sin desacuerdo en el 85 % de las preguntas"
    assert re.search(r"3 personas.*?sin desacuerdo en el 85\s*%", portfolio, re.S)
    progress = client.get(reverse("progress", args=[answered_round.organisation_id]))
    assert said in progress.content.decode()
    compare = client.get(reverse("compare") + f"?org={answered_round.organisation_id}")
    assert said in compare.content.decode()


def _in_threads(*targets):
    from tests.test_services import _in_threads as run

    return run(*targets)


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_the_same_time_close_the_round_once(bank, acme, alice, dave):
    import threading

    assessment = start_round(acme, alice, dave)
    rosa = get_user_model().objects.get(email="rosa@example.org")
    submit(assessment, alice, ALICE)
    submit(assessment, dave, DAVE)
    submit(assessment, rosa, ROSA)
    barrier = threading.Barrier(2)

    def close_it():
        barrier.wait()
        services.round_close(assessment=assessment, lead=alice)

    errors = _in_threads(close_it, close_it)
    assert len(errors) == 1 and isinstance(errors[0], services.AssessmentError)
    assert "La ronda está cerrada" in str(errors[0])
    assert AreaResult.objects.filter(assessment=assessment).count() == 6
    assessment.refresh_from_db()
    assert (assessment.status, assessment.respondent_count) == ("submitted", 3)


@pytest.mark.django_db(transaction=True)
def test_a_submission_racing_the_close_is_either_counted_or_refused_whole(bank, acme, alice, dave):
    import threading

    assessment = start_round(acme, alice, dave)
    rosa = get_user_model().objects.get(email="rosa@example.org")
    submit(assessment, alice, ALICE)
    services.answers_save(assessment=assessment, user=dave, answers=answer_inputs(bank, DAVE))
    barrier = threading.Barrier(3)

    def close_it():
        barrier.wait()
        services.round_close(assessment=assessment, lead=alice)

    def dave_submits():
        barrier.wait()
        services.assessment_submit(assessment=assessment, user=dave)

    def rosa_submits():
        barrier.wait()
        services.answers_submit(assessment=assessment, user=rosa, answers=answer_inputs(bank, ROSA))

    errors = _in_threads(close_it, dave_submits, rosa_submits)
    assert all(isinstance(e, services.AssessmentError) for e in errors), errors
    assessment.refresh_from_db()
    counted = Response.objects.filter(assessment=assessment).exclude(submitted_at=None)
    # Whatever the order, the stored result counts exactly the responses submitted before
    # the close, and a refused submission left no answers behind.
    assert assessment.respondent_count == counted.count() == 3 - len(errors)
    if not Response.objects.get(assessment=assessment, respondent=rosa).submitted_at:
        assert not Answer.objects.filter(response__respondent=rosa).exists()


def test_the_lead_s_page_makes_the_same_queries_for_two_people_or_eight(
    client, bank, acme, alice, dave
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(people):
        extra = [
            make_user(f"p{people}-{n}", email=f"p{people}-{n}@example.org") for n in range(people)
        ]
        for user in extra:
            Membership.objects.create(user=user, organisation=acme, role="respondent")
        assessment = services.round_start(
            organisation=acme,
            lead=alice,
            members=[dave, *extra],
            new_people=[],
            anonymous=False,
            site_url="http://testserver/",
        )
        for user in [alice, dave, *extra]:
            submit(assessment, user, DAVE if user.pk % 2 else ALICE)
        signed_in = client_for(Client(), alice)
        url = reverse("round_manage", args=[assessment.pk])
        signed_in.get(url)  # the bank's structure is read once per worker
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(url).status_code == 200
        return len(queries)

    # session, user, assessment, responses with their counts, submitted answers, agreed
    # answers, the e-mails' states: however many people answer
    assert (queries_for(0), queries_for(6)) == (7, 7)


def test_the_portfolio_s_answers_csv_holds_every_submitted_response_of_a_round(
    client, open_round, alice, dave, rosa, charlie
):
    submit(open_round, alice, ALICE)
    submit(open_round, dave, DAVE)
    services.answers_save(
        assessment=open_round, user=rosa, answers=answer_inputs(open_round.bank, ROSA)
    )
    close(open_round, alice)
    response = client_for(client, charlie).get(reverse("portfolio_answers_csv"))
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][-1] == "persona"
    by_person = {}
    for row in rows[1:]:
        by_person.setdefault(row[-1], []).append(row)
    # Rosa never submitted: left out of the result, so out of the export too.
    assert {name: len(answers) for name, answers in by_person.items()} == {"Alice": 20, "Dave": 20}


def test_the_round_s_pdf_names_its_respondents_and_still_opens_with_the_priorities(
    client, answered_round, alice
):
    close(answered_round, alice)
    response = client_for(client, alice).get(
        reverse("assessment_pdf", args=[answered_round.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert "3 personas de 3 invitadas" in pages[0]
    assert "media de 3 personas" in pages[0]
    assert "Trabajar primero" in pages[0]
    text = "\n".join(pages)
    # What the people disagree on follows the priorities, with its spread chart.
    assert text.index("Trabajar primero") < text.index("Para debatir")
    assert "Nadie de dirección visita clientes" in " ".join(text.split())
