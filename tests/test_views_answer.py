import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments import selectors
from assessments.models import Answer, Assessment
from tests.conftest import all_choices, client_for, form_data, question_ids


def url(assessment):
    return reverse("assessment_answer", args=[assessment.pk])


def checked(page, question_id):
    """The value of the checked radio of a question on the page, if any."""
    match = re.search(
        rf'<input [^>]*name="q{question_id}-choice" value="(\w+)"[^>]*\bchecked', page
    )
    return match.group(1) if match else None


def note(page, question_id):
    match = re.search(rf'id="id_q{question_id}-note">\n?(.*?)</textarea>', page, re.S)
    return match.group(1)


def stored(assessment):
    return dict(
        Answer.objects.filter(response__assessment=assessment).values_list(
            "question__number", "choice"
        )
    )


def test_the_page_shows_every_question_by_area_with_its_help(client, bank, draft, alice):
    page = client_for(client, alice).get(url(draft)).content.decode()
    positions = [page.index(f'id="question-{n}"') for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10)]
    assert positions == sorted(positions), "questions follow the bank's area order"
    assert page.count('class="card question-card') == 20
    assert "Liderazgo y dirección" in page and "Proveedores y resultados" in page
    assert "Cada miembro de la dirección tiene contactos planificados" in page
    assert "Guardar y continuar más tarde" in page and ">Enviar<" in page
    assert "0</strong> de 20" in page


def test_save_keeps_partial_answers_and_notes_for_later(client, bank, draft, alice):
    client = client_for(client, alice)
    data = form_data(bank, {1: "yes", 2: "partly", 3: "no"}, notes={2: "Solo a veces"})
    response = client.post(url(draft), data, follow=True)
    assert response.status_code == 200
    assert "3 de 20" in response.content.decode()
    assert stored(draft) == {1: "yes", 2: "partly", 3: "no"}

    client.logout()
    page = client_for(client, alice).get(url(draft)).content.decode()
    ids = question_ids(bank)
    assert checked(page, ids[2]) == "partly"
    assert note(page, ids[2]) == "Solo a veces"
    assert "3</strong> de 20" in page


def progress_shown(page):
    """What the progress panel says: answered overall, the bar, and answered per area."""
    return {
        "answered": int(re.search(r"<strong data-progress-total>(\d+)</strong>", page).group(1)),
        "bar": re.search(
            r'<progress[^>]* value="(\d+)" max="\d+" data-progress-bar>(\d+) %</progress>', page
        ).groups(),
        "areas": dict(re.findall(r'data-progress-area="(\w+)">(\d+)</span>', page)),
    }


def test_progress_counts_the_saved_answers_per_area(client, bank, draft, alice):
    client = client_for(client, alice)
    client.post(url(draft), form_data(bank, {1: "yes", 2: "no", 3: "partly", 5: "yes"}))
    shown = progress_shown(client.get(url(draft)).content.decode())
    assert shown["answered"] == 4
    assert shown["bar"] == ("4", "20")
    assert shown["areas"] == {
        "LID": "3",
        "MED": "1",
        "VAL": "0",
        "CON": "0",
        "PER": "0",
        "RES": "0",
    }


def test_a_rejected_submit_counts_what_was_posted_not_what_was_saved(client, bank, draft, alice):
    client = client_for(client, alice)
    client.post(url(draft), form_data(bank, {1: "yes"}))
    data = form_data(bank, all_choices("no", q13="", q20=""), action="submit")
    shown = progress_shown(client.post(url(draft), data).content.decode())
    assert shown["answered"] == 18
    assert shown["bar"] == ("18", "90")
    assert shown["areas"]["RES"] == "0" and shown["areas"]["LID"] == "3"


def test_the_filled_in_cards_show_what_crispy_renders_for_the_same_answers(bank):
    """The cards kept per bank version get each request's values in their slots; they must
    show what rendering the form in full shows."""
    from django.utils.translation import override

    from assessments import answer_page
    from assessments.forms import AnswersForm

    areas = selectors.bank_structure(bank)
    ids = question_ids(bank)
    values = {f"q{ids[n]}-choice": c for n, c in {1: "yes", 4: "partly", 20: "no"}.items()}
    values.update({f"q{ids[4]}-note": 'Solo "a veces" & <b>poco</b>', f"q{ids[9]}-note": "x"})

    def shown(html):
        return {
            qid: (checked(html, qid), note(html, qid), f'is-answered" id="question-{n}"' in html)
            for n, qid in ids.items()
        }

    with override("es"):
        filled = answer_page.fragments(bank, areas, values).questions
        full = answer_page.fragments(
            bank, areas, values, form=AnswersForm(values, areas=areas)
        ).questions
    assert shown(filled) == shown(full)
    assert shown(filled)[ids[4]] == (
        "partly",
        "Solo &quot;a veces&quot; &amp; &lt;b&gt;poco&lt;/b&gt;",
        True,
    )


def test_submit_with_questions_missing_names_them_and_keeps_what_was_typed(
    client, bank, draft, alice
):
    data = form_data(bank, all_choices(q7="", q19=""), notes={5: "texto escrito"}, action="submit")
    response = client_for(client, alice).post(url(draft), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#question-7"' in page and 'href="#question-19"' in page
    assert 'href="#question-8"' not in page
    assert "texto escrito</textarea>" in page
    assert 'class="card question-card mb-3 is-missing" id="question-7"' in page
    assert stored(draft) == {}
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_complete_submit_closes_the_assessment(client, bank, draft, alice):
    data = form_data(bank, all_choices("partly"), action="submit")
    response = client_for(client, alice).post(url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.submitted_by == alice
    assert float(draft.overall_score) == 50.0
    assert draft.maturity_level == "developing"


def test_after_submission_any_post_is_refused_and_changes_nothing(client, bank, submitted, alice):
    before = stored(submitted)
    for action in ("save", "submit"):
        response = client_for(client, alice).post(
            url(submitted), form_data(bank, all_choices("no"), action=action)
        )
        assert response.status_code == 409
        assert "ya no se puede modificar" in response.content.decode()
    assert stored(submitted) == before
    submitted.refresh_from_db()
    assert submitted.overall_score is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data, ids: data.update({f"q{ids[1]}-choice": "maybe"}),
        lambda data, ids: data.update({f"q{ids[2]}-note": "x" * 2001}),
        lambda data, ids: data.update({"q999999-choice": "yes"}),
    ],
    ids=["unknown choice", "oversized note", "question from elsewhere"],
)
def test_bad_input_gets_an_error_and_saves_nothing(client, bank, draft, alice, tamper):
    data = form_data(bank, {3: "yes", 4: "no"})
    tamper(data, question_ids(bank))
    response = client_for(client, alice).post(url(draft), data)
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()
    assert stored(draft) == {}


def test_a_question_of_another_bank_version_is_refused(client, bank, draft, alice):
    from assessments.models import QuestionBank

    other = QuestionBank.objects.create(version=2, title_es="Otra", status="draft")
    area = other.areas.create(code="LID", order=1, name_es="L", description_es="d", weight=1)
    foreign = area.questions.create(number=1, text_es="¿?", help_es="h", recommendation_es="r")
    data = form_data(bank, {1: "yes"})
    data[f"q{foreign.pk}-choice"] = "yes"
    response = client_for(client, alice).post(url(draft), data)
    assert response.status_code == 400
    assert stored(draft) == {}


def test_a_post_without_csrf_token_is_refused_with_a_message(bank, draft, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(url(draft), form_data(bank, all_choices("yes")))
    assert response.status_code == 403
    assert "no se ha guardado nada" in response.content.decode()
    assert stored(draft) == {}


def test_extra_fields_cannot_change_status_score_or_organisation(client, bank, draft, alice, bravo):
    data = form_data(bank, {1: "yes"})
    data.update(
        status="submitted",
        submitted_at="2020-01-01",
        overall_score="100",
        organisation=str(bravo.pk),
        organisation_id=str(bravo.pk),
    )
    client_for(client, alice).post(url(draft), data)
    draft.refresh_from_db()
    assert (draft.status, draft.overall_score, draft.organisation_id) == (
        "draft",
        None,
        draft.organisation_id,
    )
    assert draft.organisation.name == "Acme"
    assert not Assessment.objects.filter(organisation=bravo).exists()


def test_a_consultant_cannot_answer(client, bank, draft, charlie):
    assert client_for(client, charlie).get(url(draft)).status_code == 404


def test_an_id_that_is_not_a_number_is_a_404(client, alice):
    assert client_for(client, alice).get("/assessments/abc/").status_code == 404


def test_the_answer_page_query_count_does_not_grow_with_answers(
    client, bank, draft, alice, django_assert_num_queries
):
    client = client_for(client, alice)
    client.post(url(draft), form_data(bank, all_choices("partly")))
    selectors.published_banks.clear()
    # session, user, assessment (+organisation, bank; membership checked in the same
    # query), areas, their questions, this respondent's answers
    with django_assert_num_queries(6):
        response = client.get(url(draft))
    assert response.status_code == 200
    # A published bank's questions stay in memory: then only session, user, assessment,
    # answers.
    with django_assert_num_queries(4):
        response = client.get(url(draft))
    assert response.content.decode().count('class="card question-card') == 20


def test_typed_notes_come_back_escaped_and_in_their_own_question(client, bank, draft, alice):
    hostile = "</textarea><script>alert(1)</script>\x01"
    data = form_data(bank, {1: "yes"}, notes={2: hostile, 3: "tercera"}, action="submit")
    page = client_for(client, alice).post(url(draft), data).content.decode()
    ids = question_ids(bank)
    assert "<script>alert(1)</script>" not in page
    assert note(page, ids[2]) == "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;\x01"
    assert note(page, ids[3]) == "tercera"
    assert checked(page, ids[1]) == "yes"
    assert checked(page, ids[2]) is None
