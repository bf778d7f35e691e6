import io
import re
import time

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from assessments import services
from assessments.models import (
    Action,
    Answer,
    AreaResult,
    Assessment,
    Organisation,
    Question,
    QuestionBank,
)
from scripts.live import totp
from tests.conftest import ARTIFACTS, work_the_queue

pytestmark = pytest.mark.django_db(transaction=True)

XSS = "<img src=x onerror=alert(1)>"


def wait_for_charts(page):
    """The report's chart images, each scrolled to and drawn."""
    images = page.locator("img[data-chart]").all()
    for image in images:
        image.scroll_into_view_if_needed()
        assert drawn(image)
    return images


def drawn(image, seconds=15) -> bool:
    """Whether the image has loaded and has a size, waiting up to `seconds`. Polled through
    DevTools: Playwright's wait_for_function compiles its predicate with eval in the page,
    which the Content-Security-Policy refuses."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            return True
        time.sleep(0.05)
    return False


def answer(page, number, choice):
    question = Question.objects.get(area__bank__status="published", number=number)
    page.check(f"input[name='q{question.pk}-choice'][value='{choice}']")


def test_a_manager_answers_saves_resumes_submits_and_reads_the_report(visit):
    tab = visit("luis")
    page = tab.page
    page.click("text=Iniciar una nueva evaluación")
    page.wait_for_selector("#answers-form")
    for number in range(1, 11):
        answer(page, number, "partly")
    page.fill(
        f"#id_q{Question.objects.get(number=3, area__bank__version=1).pk}-note", "Solo en el comité"
    )
    page.click("button[value=save]")
    page.wait_for_selector(".alert-success")
    tab.shot("saved")
    assert "10 de 20" in page.text_content("[role=status]")

    page.reload()
    tab.shot("reloaded")
    q1 = Question.objects.get(number=1, area__bank__version=1)
    assert page.is_checked(f"input[name='q{q1.pk}-choice'][value='partly']")
    assert "Solo en el comité" in page.input_value(
        f"#id_q{Question.objects.get(number=3, area__bank__version=1).pk}-note"
    )
    assert page.text_content("[data-progress-total]") == "10"

    for number in range(11, 21):
        answer(page, number, "yes")
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r".*/report/$"))
    tab.shot("report")

    images = wait_for_charts(page)
    assert len(images) == 3
    for image in images:
        svg = page.request.get(tab.base_url + image.get_attribute("src"))
        assert svg.ok and b"<svg" in svg.body() and len(svg.body()) > 2000

    assessment = Assessment.objects.filter(status="submitted").order_by("-submitted_at").first()
    expected = AreaResult.objects.get(assessment=assessment, rank=1).area_code
    assert (
        page.get_attribute("#work-first-title ~ ol [data-area]", "data-area") == expected == "LID"
    )
    assert tab.accessibility_violations() == []


def test_the_report_prints_on_a4_with_its_charts_and_without_navigation(visit):
    tab = visit("ana")
    latest = (
        Assessment.objects.filter(
            organisation__name="Hotel Brisa del Mar", status="submitted", is_round=False
        )
        .order_by("-submitted_at")
        .first()
    )
    tab.goto(f"/assessments/{latest.pk}/report/")
    page = tab.page
    wait_for_charts(page)
    charts = [
        (figure.locator("[id$=-summary]").text_content(), figure.locator("caption").text_content())
        for figure in page.locator(".chart-figure").all()
    ]

    pdf = page.pdf(format="A4", print_background=True)  # the browser's "save as PDF"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)  # for a person to look at after the run
    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(sheet.extract_text().split()) for sheet in reader.pages]  # unwrapped
    text = "\n".join(pages)

    millimetres = {
        (round(sheet.mediabox.width * 25.4 / 72), round(sheet.mediabox.height * 25.4 / 72))
        for sheet in reader.pages
    }
    assert millimetres == {(210, 297)}  # A4
    for navigation in ("Mis organizaciones", "Cerrar sesión", "Descargar CSV", "Imprimir"):
        assert navigation not in text
    first = AreaResult.objects.select_related("area").get(assessment=latest, rank=1).area
    # The first priority starts on the first sheet: no half-empty page before it.
    assert "Trabajar primero" in pages[0] and first.name_es in pages[0]
    assert len(charts) == 3
    for summary, data_caption in charts:  # each chart whole on one sheet, with its table
        assert any(summary in sheet and data_caption in sheet for sheet in pages), summary
    assert "Todas las respuestas" in text


def test_submitting_with_questions_missing_says_which(visit):
    tab = visit("luis")
    page = tab.page
    draft = Assessment.objects.get(
        status="draft", organisation__name="Talleres Norte", is_round=False
    )
    tab.goto(f"/assessments/{draft.pk}/")
    assert tab.accessibility_violations() == []
    page.click("button[value=submit]")
    page.wait_for_selector("#missing")
    tab.shot("missing")
    missing = page.text_content("#missing")
    for number in range(11, 21):
        assert f"Pregunta {number}" in missing
    assert "Pregunta 10:" not in missing
    assert Assessment.objects.get(pk=draft.pk).status == "draft"


def test_the_answer_page_works_with_the_keyboard_alone(visit):
    tab = visit("luis")
    page = tab.page
    draft = Assessment.objects.get(
        status="draft", organisation__name="Talleres Norte", is_round=False
    )
    q11 = Question.objects.get(area__bank=draft.bank, number=11)
    tab.goto(f"/assessments/{draft.pk}/")

    def tab_until(selector, limit=300):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"never reached {selector} with Tab")

    tab_until(f"input[name='q{q11.pk}-choice']")
    page.keyboard.press("Space")
    tab_until(f"#id_q{q11.pk}-note")
    page.keyboard.type("escrito con el teclado")
    tab_until("button[value=save]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".alert-success")
    tab.shot("saved by keyboard")
    saved = Answer.objects.get(response__assessment=draft, question=q11)
    assert saved.choice in ("yes", "partly", "no")
    assert saved.note == "escrito con el teclado"


def test_a_consultant_compares_three_organisations_and_opens_progress(visit):
    tab = visit("carmen")
    page = tab.page
    tab.goto("/portfolio/")
    assert tab.accessibility_violations() == []
    page.click("text=Puntuación")  # sort by score
    tab.shot("sorted")
    # The first from its row, the others by searching their names, in any case and
    # without accents.
    page.click("tr:has-text('Hotel Brisa del Mar') >> text=Comparar")
    page.wait_for_selector("#comparison-table")
    for typed, name in (("lonja", "Restaurante La Lonja"), ("METALURGICA", "Metalúrgica Ibérica")):
        page.fill("input[name=q]", typed)
        page.click("button:has-text('Buscar')")
        page.click(f"[data-matches] li:has-text('{name}') >> text=Añadir")
        page.wait_for_selector(f"[data-chosen] :text('{name}')")
    tab.shot("comparison")
    rows = page.locator("#comparison-table tbody tr")
    assert rows.count() == 4  # three organisations and the benchmark
    assert drawn(page.locator("img[data-chart=heatmap]"))
    assert tab.accessibility_violations() == []

    # carmen's book is 55 organisations: La Lonja is on the second page by name, and a
    # search finds it from the first.
    tab.goto("/portfolio/")
    assert "55 organizaciones · mostrando 1–50" in page.locator("[data-count]").text_content()
    assert page.locator("tr:has-text('Restaurante La Lonja')").count() == 0
    page.click("a[rel=next]")
    page.wait_for_selector("[aria-current=page]:has-text('2')")
    assert page.locator("tr:has-text('Restaurante La Lonja')").count() == 1
    tab.shot("portfolio-page-2")
    tab.goto("/portfolio/")
    page.fill("input[name=q]", "LONJA")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("[data-count]:has-text('1 organización')")
    tab.shot("portfolio-search")
    assert tab.accessibility_violations() == []
    page.click("tr:has-text('Restaurante La Lonja') >> text=Progreso")
    page.wait_for_selector("img[data-chart=lines]")
    tab.shot("progress")
    # The scores table (the customer outcomes' small tables follow it).
    rows = page.locator("table[data-progress] tbody tr")
    assert rows.count() == 4  # three assessments, then the anonymous round of three
    assert "respondieron 3 personas · sin desacuerdo en el" in rows.nth(3).text_content()
    assert "respondieron" not in rows.nth(2).text_content()


def test_an_admin_edits_a_question_in_a_new_version_and_publishes_it(visit):
    tab = visit("admin")
    page = tab.page
    draft = QuestionBank.objects.get(version=2)
    tab.goto(f"/admin/assessments/questionbank/{draft.pk}/change/")
    field = page.locator("textarea[name$='text_es']", has_text="¿El programa de medición")
    field.fill("¿Recogemos la opinión de los clientes cada mes y les contamos qué cambió?")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    tab.shot("saved")
    page.check(f"input[name=_selected_action][value='{draft.pk}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    tab.shot("published")
    assert "está publicada" in page.text_content(".messagelist")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert Question.objects.get(area__bank=draft, number=5).text_es.startswith("¿Recogemos")


def test_markup_in_names_and_questions_is_shown_as_text_everywhere(visit):
    Organisation.objects.filter(name="Talleres Norte").update(name=f"Talleres {XSS}")
    draft = QuestionBank.objects.get(version=2)
    Question.objects.filter(area__bank=draft, number=1).update(text_es=f"¿{XSS}?")
    services.bank_publish(bank=draft)
    manager = get_user_model().objects.get(username="luis")
    organisation = Organisation.objects.get(name=f"Talleres {XSS}")
    new = services.assessment_start(organisation=organisation, user=manager)
    submitted = Assessment.objects.filter(organisation=organisation, status="submitted").first()

    tab = visit("luis")
    page = tab.page
    assert page.get_by_text(f"Talleres {XSS}").count() >= 1
    tab.goto(f"/assessments/{new.pk}/")
    assert page.get_by_text(f"¿{XSS}?").count() == 1
    tab.goto(f"/assessments/{submitted.pk}/report/")
    assert page.get_by_text(f"Talleres {XSS}").count() >= 1
    tab.goto(f"/organisations/{organisation.pk}/progress/")
    assert page.locator("img[src='x']").count() == 0

    consultant = visit("carmen")
    consultant.goto("/portfolio/?q=talleres")
    assert consultant.page.get_by_text(f"Talleres {XSS}").count() >= 1
    consultant.goto(f"/portfolio/compare/?org={organisation.pk}")
    assert consultant.page.locator("img[src='x']").count() == 0
    for page in (tab.page, consultant.page):
        page.wait_for_timeout(300)  # give any injected handler the chance to fire


def test_sign_in_and_home_pages_are_accessible(visit):
    tab = visit()
    tab.goto("/accounts/login/")
    assert tab.accessibility_violations() == []
    tab.sign_in("ana")
    assert tab.accessibility_violations() == []


def test_a_consultant_sends_an_invitation_again_and_a_stranger_is_paused(visit):
    tab = visit("carmen")
    page = tab.page
    page.click("nav >> text=Invitaciones")
    page.wait_for_selector("h1:has-text('Invitaciones')")
    tab.shot("invitations")
    row = page.locator("tr", has_text="Bodegas del Valle")
    assert "Pendiente" in row.text_content()
    row.locator("button", has_text="Enviar de nuevo").click()
    page.wait_for_selector(".alert-success")
    tab.shot("sent-again")
    assert "el enlace anterior deja de funcionar" in page.text_content(".alert-success")
    assert "/accounts/reset/" not in page.content()  # the link is only in the e-mail
    assert tab.accessibility_violations() == []

    stranger = visit()
    stranger.goto("/accounts/login/")
    stranger.page.click("text=¿Has olvidado tu contraseña?")
    stranger.page.wait_for_selector("h1:has-text('Contraseña olvidada')")
    stranger.shot("forgotten-password")
    assert stranger.accessibility_violations() == []
    stranger.goto("/accounts/login/")
    for _ in range(5):
        stranger.page.fill("#id_login", "luis")
        stranger.page.fill("#id_password", "no-es-esta")
        stranger.page.click("main button[type=submit]")
        stranger.page.wait_for_load_state()
    stranger.page.wait_for_selector("h1:has-text('Inicio de sesión en pausa')")
    stranger.shot("paused")
    assert "15 minutos" in stranger.page.text_content("main")
    assert stranger.accessibility_violations() == []


# The worked example of tests/test_rounds.py: q1 is agreed as "parcialmente", which moves
# the first priority from Liderazgo to Medición.
ROUND_ANSWERS = {
    "ana": {4: "no", 5: "no"},
    "sofia": {1: "no", 4: "partly"},
    "marco": {1: "no", 2: "no", 4: "no"},
}


def answer_round(tab, assessment, person):
    page = tab.page
    tab.goto(f"/assessments/{assessment.pk}/")
    assert "nadie ve tus respuestas" in page.text_content("main")
    for number in range(1, 21):
        answer(page, number, ROUND_ANSWERS[person].get(number, "yes"))
    page.click("button[value=submit]")
    page.wait_for_selector(".alert-success")
    tab.shot("submitted")


def test_a_round_of_three_people_ends_in_a_report_that_starts_with_their_disagreements(
    visit, mailoutbox
):
    lead = visit("ana")
    page = lead.page
    hotel = Organisation.objects.get(name="Hotel Brisa del Mar")
    page.click(f"[aria-labelledby=org-{hotel.pk}] >> text=Empezar una ronda con varias personas")
    page.wait_for_selector("h1:has-text('Empezar una ronda')")
    sofia = get_user_model().objects.get(username="sofia")
    page.check(f"input[name=members][value='{sofia.pk}']")
    page.fill("#id_new_people", "Marco Ruiz, marco@example.org")
    lead.shot("round-form")
    assert lead.accessibility_violations() == []
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Ronda con varias personas')")
    lead.shot("round-started")
    assessment = Assessment.objects.get(organisation=hotel, is_round=True, status="draft")

    # Marco is new: his e-mail carries the link to choose a password, and no page shows it.
    # The invitations were queued with the round; the queue's worker sends them.
    work_the_queue()
    marco_mail = next(m for m in mailoutbox if m.to == ["marco@example.org"])
    link = re.search(r"http://[^/\s]+(/accounts/reset/\S+)", marco_mail.body).group(1)
    marco = visit()
    marco.goto(link)
    marco.page.wait_for_selector("#id_new_password1")
    marco.page.fill("#id_new_password1", "una-clave-larga-2026")
    marco.page.fill("#id_new_password2", "una-clave-larga-2026")
    marco.page.click("main button[type=submit]")
    marco.page.wait_for_load_state()
    marco.goto("/accounts/login/")
    marco.page.fill("#id_login", "marco@example.org")
    marco.page.fill("#id_password", "una-clave-larga-2026")
    marco.page.click("main button[type=submit]")
    marco.page.wait_for_url(marco.base_url + "/")

    colleague = visit("sofia")
    for tab, person in ((lead, "ana"), (colleague, "sofia"), (marco, "marco")):
        answer_round(tab, assessment, person)
    # Sofía's answers are hers alone now, and read-only.
    colleague.goto(f"/assessments/{assessment.pk}/")
    assert colleague.page.locator("textarea").count() == 0
    assert colleague.accessibility_violations() == []

    lead.goto(f"/assessments/{assessment.pk}/round/")
    disagreements = page.locator("[data-disagreement]").evaluate_all(
        "items => items.map(item => item.dataset.disagreement)"
    )
    assert disagreements == ["1", "2", "5"]
    assert lead.accessibility_violations() == []
    q1 = Question.objects.get(area__bank__status="published", number=1)
    page.select_option("#id_question", str(q1.pk))
    page.select_option("#id_choice", "partly")
    page.fill("#id_note", "Lo hablamos en la reunión del lunes")
    page.click("text=Guardar la respuesta acordada")
    page.wait_for_selector(".alert-success")
    lead.shot("agreed")
    page.check("#id_confirm")
    assert "3 personas invitadas, 3 han enviado sus respuestas, 0 quedarán fuera" in (
        page.text_content("label[for=id_confirm]")
    )
    page.click("main button:has-text('Cerrar la ronda')")
    page.wait_for_url(re.compile(r".*/report/$"))
    lead.shot("round-report")

    debate = page.locator("section.report-debate")
    assert "Para debatir" in debate.text_content()
    assert (
        "Lo hablamos en la reunión del lunes"
        in debate.locator("[data-disagreement='1']").text_content()
    )
    assert "media de 3 personas" in page.text_content("#overall-title ~ [data-mean-of]")
    first = page.get_attribute("#work-first-title ~ ol [data-area]", "data-area")
    assert first == "MED" == AreaResult.objects.get(assessment=assessment, rank=1).area_code
    assert len(wait_for_charts(page)) == 4  # the spread of answers among them
    assert lead.accessibility_violations() == []


def test_a_what_if_becomes_a_plan_that_the_next_assessment_judges(visit):
    tab = visit("marta")
    page = tab.page
    olive = Organisation.objects.get(name="Casa Rural El Olivo")
    report = Assessment.objects.get(organisation=olive, status="submitted")
    tab.goto(f"/assessments/{report.pk}/report/")
    # On the report itself: mark two open questions as if answered "sí".
    page.click("summary:has-text('¿Qué pasaría si…?')")
    page.check("#what-if-q5")
    page.check("#what-if-q6")
    page.click("details button[type=submit]")
    page.wait_for_selector("#what-if-form")
    assert "q5=yes" in page.url and "q6=yes" in page.url
    assert "sube a Centrada en el cliente" in page.text_content("[data-what-if-sentence]")
    assert tab.accessibility_violations() == []

    def sentence_shows(text):
        deadline = time.monotonic() + 10
        while text not in page.text_content("[data-what-if-sentence]"):
            assert time.monotonic() < deadline, f"the what-if did not update to {text!r}"
            time.sleep(0.05)

    # With JavaScript each choice updates the figures in place, and the address follows.
    questions = {n: Question.objects.get(area__bank=report.bank, number=n).pk for n in (5, 6)}
    page.select_option("#id_q5", "")
    sentence_shows("Cerrando 6,")
    page.select_option("#id_q6", "")
    sentence_shows("Marca preguntas abiertas")
    assert "Orientada al cliente" in page.text_content("[data-what-if-level]")
    assert "q5=" not in page.url and "q6=" not in page.url
    page.select_option("#id_q5", "yes")
    sentence_shows("Cerrando 5,")
    page.select_option("#id_q6", "yes")
    sentence_shows("Cerrando 5 y 6")
    tab.shot("what-if")
    assert "sube a Centrada en el cliente" in page.text_content("[data-what-if-sentence]")
    assert "Centrada en el cliente" in page.text_content("[data-what-if-level]")
    assert "q5=yes" in page.url and "q6=yes" in page.url
    assert drawn(page.locator("img[data-chart=what-if]"))

    marta = get_user_model().objects.get(username="marta")
    for number, due in ((5, "2027-03-31"), (6, "2027-06-30")):
        tab.goto(f"/assessments/{report.pk}/questions/{questions[number]}/plan/")
        page.select_option("#id_owner", str(marta.pk))
        page.fill("#id_due_date", due)
        page.click("main form button[type=submit]")
        page.wait_for_selector(".alert-success")
    tab.shot("plan")
    assert tab.accessibility_violations() == []
    assert "88" in page.text_content("[data-planned-score]")

    first = Action.objects.get(organisation=olive, question__number=5)
    tab.goto(f"/plan/actions/{first.pk}/")
    page.select_option("#id_status", "done")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".alert-success")

    # The next assessment: question 5 now "sí", question 6 still "no".
    page.click("nav >> text=Mis organizaciones")
    page.click(f"[aria-labelledby=org-{olive.pk}] >> text=Iniciar una nueva evaluación")
    page.wait_for_selector("#answers-form")
    for number, letter in enumerate("SSSPSNSSPSSSPSSPSSPS", start=1):
        answer(page, number, {"S": "yes", "P": "partly", "N": "no"}[letter])
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r".*/report/$"))
    tab.shot("verdict")
    verdicts = page.locator("[data-verdict]")
    assert verdicts.count() == 2
    by_question = {
        row.get_attribute("data-action"): row.get_attribute("data-verdict")
        for row in verdicts.all()
    }
    second = Action.objects.get(organisation=olive, question__number=6)
    assert by_question == {str(first.pk): "improved", str(second.pk): "unchanged"}
    assert tab.accessibility_violations() == []


def test_an_admin_reweights_a_question_in_a_spreadsheet_and_publishes_the_import(visit, tmp_path):
    tab = visit("admin")
    page = tab.page
    published = QuestionBank.objects.get(version=1)
    tab.goto(f"/admin/assessments/questionbank/{published.pk}/change/")
    with page.expect_download() as download:
        page.click("text=Exportar XLSX")
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name == "orientacion-question-bank-v1.xlsx"

    # What an admin does in a spreadsheet program: question 4 now weighs 3.
    book = openpyxl.load_workbook(exported)
    questions = book["questions"]
    header = [cell.value for cell in questions[1]]
    row = next(r for r in questions.iter_rows(min_row=2) if r[header.index("number")].value == 4)
    assert row[header.index("weight")].value == 1
    row[header.index("weight")].value = 3
    edited = tmp_path / "banco-editado.xlsx"
    book.save(edited)

    tab.goto("/admin/assessments/questionbank/")
    page.click("text=Importar")
    page.set_input_files("input[type=file]", str(edited))
    page.click("input[type=submit][value='Vista previa']")
    page.wait_for_selector("[data-import-preview]")
    tab.shot("preview")
    changes = page.locator("[data-change]")
    assert changes.count() == 1
    assert "Pregunta con otro peso" in changes.first.text_content()
    assert "¿Tenemos un programa formal" in changes.first.text_content()
    versions_before = set(QuestionBank.objects.values_list("version", flat=True))
    assert page.locator(".errornote").count() == 0

    page.click("input[type=submit][value='Importar como nueva versión en borrador']")
    page.wait_for_selector(".messagelist .success")
    tab.shot("imported")
    (version,) = set(QuestionBank.objects.values_list("version", flat=True)) - versions_before
    imported = QuestionBank.objects.get(version=version)
    assert imported.status == "draft"
    assert Question.objects.get(area__bank=imported, number=4).weight == 3
    assert Question.objects.get(area__bank=published, number=4).weight == 1

    tab.goto("/admin/assessments/questionbank/")
    page.check(f"input[name=_selected_action][value='{imported.pk}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    tab.shot("published")
    imported.refresh_from_db()
    assert imported.status == "published"
    tab.goto(f"/admin/assessments/questionbank/{imported.pk}/history/")
    assert "Importado de banco-editado.xlsx: 6 áreas, 20 preguntas." in page.text_content(
        "#content"
    )


def test_a_manager_downloads_the_report_as_pdf_and_as_excel(visit, tmp_path):
    tab = visit("ana")
    page = tab.page
    report = Assessment.objects.filter(
        organisation__name="Hotel Brisa del Mar", status="submitted", is_round=False
    ).latest("submitted_at")
    tab.goto(f"/assessments/{report.pk}/report/")
    with page.expect_download() as download:
        page.click("text=Descargar PDF")
    pdf = PdfReader(download.value.path())
    first_page = pdf.pages[0].extract_text()
    assert "Hotel Brisa del Mar" in first_page and "Trabajar primero" in first_page
    with page.expect_download() as download:
        page.click("text=Descargar Excel")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames[:3] == ["Resumen", "Áreas", "Trabajar primero"]


def test_a_consultant_sets_up_a_second_factor_signs_in_with_codes_and_ends_a_session(
    visit, settings
):
    """As production has it: a consultant must use a second factor. The codes are computed
    from the secret the page shows, as the phone's authenticator app would."""
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset({"admin", "consultant"})

    def password_step(tab):
        tab.goto("/accounts/login/")
        tab.page.fill("#id_login", "carmen")
        tab.page.fill("#id_password", "orientacion-demo")
        tab.page.click("main button[type=submit]")

    laptop = visit()
    page = laptop.page
    password_step(laptop)
    page.wait_for_url(re.compile(r".*/accounts/2fa/totp/activate/$"))
    laptop.shot("set-up")
    assert laptop.accessibility_violations() == []
    page.goto(laptop.base_url + "/portfolio/")  # nothing else is reachable yet
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", totp(secret))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    laptop.goto("/accounts/2fa/recovery-codes/")
    codes = page.input_value("#recovery_codes").split()
    assert len(codes) == 10
    laptop.goto("/portfolio/")
    assert page.url.endswith("/portfolio/")
    laptop.sign_out()

    # Signing in again: the password, then a code from the app (the next step's: the one
    # that set it up was used).
    phone = visit()
    password_step(phone)
    phone.page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/$"))
    phone.shot("code")
    assert phone.accessibility_violations() == []
    phone.page.fill("#id_code", totp(secret, step=1))
    phone.page.click("main button[type=submit]")
    phone.page.wait_for_url(phone.base_url + "/")

    # A lost phone: a recovery code instead.
    borrowed = visit()
    password_step(borrowed)
    borrowed.page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/$"))
    borrowed.page.fill("#id_code", codes[0])
    borrowed.page.click("main button[type=submit]")
    borrowed.page.wait_for_url(borrowed.base_url + "/")

    # From the phone, 'Dónde has iniciado sesión' signs the borrowed computer out.
    phone.page.click("nav >> text=Seguridad")
    phone.page.wait_for_selector("h2:has-text('Dónde has iniciado sesión')")
    phone.shot("sessions")
    assert phone.accessibility_violations() == []
    rows = phone.page.locator("main tbody tr")
    assert rows.count() == 2
    rows.filter(has_not_text="Este").locator("button").click()
    phone.page.wait_for_selector(".alert-success")
    assert phone.page.locator("main tbody tr").count() == 1
    borrowed.page.goto(borrowed.base_url + "/portfolio/")
    assert "/accounts/login/" in borrowed.page.url


def test_a_manager_signs_up_confirms_answers_and_reads_the_report(visit):
    from django.core import mail

    tab = visit()
    page = tab.page
    tab.goto("/accounts/login/")
    page.click("text=Crea una cuenta para tu organización")
    page.wait_for_selector("h1:has-text('Crear una cuenta')")
    assert tab.accessibility_violations() == []
    page.fill("#id_first_name", "Irene")
    page.fill("#id_last_name", "Campos")
    page.fill("#id_email", "irene@example.com")
    page.fill("#id_password1", "una clave nueva y larga 31")
    page.fill("#id_organisation_name", "Librería La Esquina")
    page.fill("#id_sector", "Comercio")
    page.select_option("#id_size_band", "micro")
    tab.shot("sign-up")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Confirma tu dirección de correo')")
    tab.shot("confirm-sent")
    assert tab.accessibility_violations() == []
    tab.goto("/")
    assert "/accounts/login/" in page.url  # nothing opens before the address is confirmed

    work_the_queue()
    (message,) = [m for m in mail.outbox if m.to == ["irene@example.com"]]
    link = re.search(r"https?://\S+", message.body).group(0)
    page.goto(link)
    page.click("text=Confirmar y abrir mi cuenta")
    page.wait_for_selector("text=Empezar la autoevaluación")
    tab.shot("landing")
    assert tab.accessibility_violations() == []
    page.click("text=Empezar la autoevaluación")
    page.wait_for_url(re.compile(r".*/assessments/\d+/$"))
    for number in range(1, 21):
        answer(page, number, "yes" if number % 3 else "partly")
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r".*/report/$"))
    assert len(wait_for_charts(page)) == 3
    tab.shot("report")
    assert "Librería La Esquina" in page.text_content("main")
    assert page.locator("#work-first-title ~ ol [data-area]").count() > 0
    assert tab.accessibility_violations() == []


def test_a_consultant_makes_a_token_reads_the_docs_and_the_token_reads_her_book(visit):
    tab = visit("carmen")
    tab.goto("/account/")
    tab.page.click("text=Tus tokens de la API")
    tab.page.fill("#id_name", "Cuaderno")
    tab.page.click("main button[type=submit]")
    key = tab.page.locator("[data-token]").inner_text().strip()
    assert key.startswith("ori_")
    tab.shot("token made")
    tab.page.reload()
    assert key not in tab.page.content()  # shown once
    assert "/api/docs/" in tab.page.content()
    tab.goto("/api/docs/")
    tab.page.wait_for_selector(".opblock")
    assert tab.page.locator(".opblock").count() >= 10
    tab.shot("api docs")
    # The token, from a client with no session, opens the API and never a page.
    outside = tab.context.browser.new_context()
    bearer = {"Authorization": f"Bearer {key}"}
    answer = outside.request.get(
        tab.base_url + "/api/v1/organisations/?page_size=5", headers=bearer
    )
    assert answer.status == 200 and len(answer.json()["results"]) == 5
    page = outside.request.get(tab.base_url + "/portfolio/", headers=bearer, max_redirects=0)
    assert page.status == 302 and "/accounts/login/" in page.headers["location"]
    outside.close()


def test_a_manager_records_outcomes_and_a_consultant_sees_them_against_the_scores(visit):
    """Ana records last month's figures (one out of range first: refused, nothing kept),
    sees them on her progress page; carmen's book ranks Medición against complaints and
    names the client under the pointer."""
    ana = visit("ana")
    ana.goto("/")
    ana.follow("main >> text=Progreso")
    ana.follow("main >> text=Resultados con clientes")
    ana.page.fill("#id_nps", "140")
    ana.page.fill("#id_csat", "88,5")
    ana.follow("text=Guardar el mes")
    assert "va de -100 a 100" in ana.page.inner_text("main")
    ana.shot("refused")
    ana.page.fill("#id_nps", "41")
    ana.follow("text=Guardar el mes")
    assert "Añadidos:" in ana.page.inner_text("main") or "cambiados:" in ana.page.inner_text("main")
    assert "88,5 %" in ana.page.inner_text("main")
    ana.follow("main >> text=Progreso")
    panels = ana.page.locator("[data-panel]")
    assert panels.count() == 6  # the overall score and the five measures
    assert ana.accessibility_violations() == []

    carmen = visit("carmen")
    # The whole group on one page of the chart's table: the demo's figures are seeded by
    # each organisation's key, so which client the pointer meets first varies by database.
    carmen.goto("/portfolio/outcomes/?measure=complaints&score=MED&per_page=100")
    strongest = carmen.page.locator('[data-measure="complaints"] tbody tr').first
    assert strongest.get_attribute("data-score") == "MED"
    assert float(strongest.get_attribute("data-rho")) <= -0.5
    image = carmen.page.locator("img[data-chart=scatter]")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    carmen.page.mouse.move(box["x"] + 2, box["y"] + 2)
    named = None
    for step_x in range(8, 58):
        for step_y in range(4, 36):
            carmen.page.mouse.move(
                box["x"] + box["width"] * step_x / 60, box["y"] + box["height"] * step_y / 40
            )
            tip = carmen.page.locator(".scatter-tip")
            if tip.is_visible():
                named = tip.inner_text()
                break
        if named:
            break
    assert named, "no point of the scatter named its client under the pointer"
    rows = [
        tuple(row.split("\t"))
        for row in carmen.page.locator("[data-scatter-table] tbody tr").all_inner_texts()
    ]
    assert len(rows) < 100  # the table is the whole group
    assert tuple(named.split(" · ")) in rows  # the tip reads as the client's row does
    carmen.shot("pointer on a client")
    assert carmen.accessibility_violations() == []


def test_a_manager_shares_a_report_a_stranger_reads_it_and_the_manager_revokes_it(visit, tmp_path):
    """ana shares her hotel's latest report with the works council; a browser with no
    account opens the link, reads the report and downloads its PDF, and finds nothing else;
    ana revokes it and the link opens nothing."""
    ana = visit("ana")
    report = Assessment.objects.filter(
        organisation__name="Hotel Brisa del Mar", status="submitted"
    ).latest("submitted_at")
    ana.goto(f"/assessments/{report.pk}/report/")
    ana.page.click("text=Compartir (solo lectura)")
    ana.page.fill("#id_label", "Comité de empresa")
    ana.page.fill("#id_days", "7")
    ana.page.click("text=Crear el enlace")
    link = ana.page.inner_text("[data-link]").strip()
    assert "/s/" in link
    ana.shot("link made")

    stranger = visit()
    response = stranger.page.goto(link)
    assert response.status == 200 and response.headers["referrer-policy"] == "no-referrer"
    assert "Comité de empresa" in stranger.page.inner_text("main")
    assert stranger.page.locator("nav, form").count() == 0  # no way into the app
    stranger.shot("shared report")
    assert stranger.accessibility_violations() == []
    with stranger.page.expect_download() as download:
        stranger.page.click("text=Descargar PDF")
    first_page = PdfReader(download.value.path()).pages[0].extract_text()
    assert "Hotel Brisa del Mar" in first_page
    assert stranger.context.cookies() == []

    ana.goto(f"/organisations/{report.organisation_id}/shares/")
    row = ana.page.locator("tr", has_text="Comité de empresa")
    assert row.locator("td").nth(3).inner_text().strip() == "1"  # one view
    ana.follow(row.locator("button", has_text="Revocar"))
    assert "ya no abre nada" in ana.page.inner_text("main")
    gone = stranger.page.goto(link)
    assert gone.status == 404
    assert "Este enlace no abre nada" in stranger.page.inner_text("main")


def test_a_respondent_erases_her_account_and_a_manager_restores_a_deleted_shop(visit):
    """sofía erases her account from her account page; the hotel round's report, which
    named her, names her by a pseudonym with the same scores; ana restores the shop she
    deleted, and it is back on her home page."""
    hotel_round = Assessment.objects.get(organisation__name="Hotel Brisa del Mar", is_round=True)
    scores = (
        hotel_round.overall_score,
        sorted(AreaResult.objects.filter(assessment=hotel_round).values_list("area_id", "score")),
    )
    ana = visit("ana")
    ana.goto(f"/assessments/{hotel_round.pk}/report/")
    assert "Sofía Martín" in ana.page.inner_text("main")

    sofia = visit("sofia")
    sofia.goto("/account/")
    sofia.follow("main a:has-text('Borrar mi cuenta')")
    assert "Qué se queda" in sofia.page.inner_text("main")
    sofia.shot("erase")
    assert sofia.accessibility_violations() == []
    sofia.page.fill("#id_confirm", "sofia@demo.orientacion.test")
    sofia.page.click("main form button.btn-danger")
    sofia.page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    assert not get_user_model().objects.filter(username="sofia").exists()

    ana.goto(f"/assessments/{hotel_round.pk}/report/")
    report = ana.page.inner_text("main")
    assert "Sofía" not in report and "Persona" in report
    hotel_round.refresh_from_db()
    assert (
        hotel_round.overall_score,
        sorted(AreaResult.objects.filter(assessment=hotel_round).values_list("area_id", "score")),
    ) == scores

    ana.goto("/")
    assert "Librería El Faro" not in ana.page.inner_text("main")
    ana.follow("text=Organizaciones borradas en los últimos 30 días")
    assert ana.accessibility_violations() == []
    ana.page.locator("tr", has_text="Librería El Faro").locator("button").click()
    ana.page.wait_for_url(ana.base_url + "/")
    assert "Librería El Faro" in ana.page.inner_text("main")
