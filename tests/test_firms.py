"""Consultancy firms: one book for several consultants, "mis clientes" or "toda la firma"
as the firm allows, and nothing of one firm reaching another's people."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from assessments import services
from assessments.models import Firm, FirmMember, Invitation, Membership, Organisation
from tests.conftest import all_choices, answer_inputs, client_for, make_user

migration = importlib.import_module("assessments.migrations.0017_firm_for_each_consultant")


def client_of(firm, name, consultant=None, score_choice="yes", bank=None, manager=None):
    organisation = Organisation.objects.create(
        name=name, sector="Retail", size_band="small", country="España", firm=firm
    )
    if consultant is not None:
        Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
    if bank is not None:
        manager = manager or make_user(f"manager-{name}")
        Membership.objects.create(user=manager, organisation=organisation, role="manager")
        assessment = services.assessment_start(organisation=organisation, user=manager)
        services.answers_submit(
            assessment=assessment,
            user=manager,
            answers=answer_inputs(bank, all_choices(score_choice)),
        )
    return organisation


@pytest.fixture
def firms(bank):
    norte = Firm.objects.create(name="Consultoría Norte")
    sur = Firm.objects.create(name="Asesores del Sur")
    partner, consultant, outsider = make_user("pilar"), make_user("quique"), make_user("rita")
    FirmMember.objects.create(firm=norte, user=partner, role="partner")
    FirmMember.objects.create(firm=norte, user=consultant, role="consultant")
    FirmMember.objects.create(firm=sur, user=outsider, role="partner")
    mine = client_of(norte, "Asignada a Quique", consultant, bank=bank)
    others = client_of(norte, "Asignada a Pilar", partner, "partly", bank=bank)
    theirs = client_of(sur, "Cliente del Sur", outsider, "no", bank=bank)
    return {
        "norte": norte,
        "partner": partner,
        "consultant": consultant,
        "outsider": outsider,
        "mine": mine,
        "others": others,
        "theirs": theirs,
    }


def names(response) -> str:
    return response.content.decode()


def choose(client, whole_firm: bool):
    return client.post(reverse("book_choose"), {"whole_firm": "1" if whole_firm else "0"})


def test_a_partner_switches_between_their_clients_and_the_whole_book(client, firms):
    partner = client_for(client, firms["partner"])
    page = names(partner.get(reverse("portfolio")))
    assert "Asignada a Pilar" in page and "Asignada a Quique" not in page
    assert "Toda la firma" in page
    choose(partner, True)
    page = names(partner.get(reverse("portfolio")))
    assert "Asignada a Pilar" in page and "Asignada a Quique" in page
    assert "Cliente del Sur" not in page
    # Every link the page renders opens: the report and progress of Quique's client,
    # which Pilar does not follow herself, are not offered.
    import re

    for href in set(re.findall(r'href="(/(?:assessments|organisations)/[^"]+)"', page)):
        assert partner.get(href.replace("&amp;", "&")).status_code == 200, href
    assert f"/organisations/{firms['mine'].pk}/progress/" not in page
    # Exports follow the same book.
    export = partner.get(reverse("portfolio_csv")).getvalue().decode()
    assert "Asignada a Quique" in export and "Cliente del Sur" not in export
    answers = partner.get(reverse("portfolio_answers_csv")).getvalue().decode()
    assert "Asignada a Quique" in answers and "Cliente del Sur" not in answers
    choose(partner, False)
    assert "Asignada a Quique" not in names(partner.get(reverse("portfolio")))


def test_a_consultant_reads_the_whole_book_only_if_the_firm_lets_everyone(client, firms):
    consultant = client_for(client, firms["consultant"])
    page = names(consultant.get(reverse("portfolio")))
    assert "Toda la firma" not in page
    choose(consultant, True)  # refused: the firm lets only partners read it
    assert "Asignada a Pilar" not in names(consultant.get(reverse("portfolio")))
    firms["norte"].whole_book_readers = Firm.BookReaders.EVERYONE
    firms["norte"].save()
    choose(consultant, True)
    assert "Asignada a Pilar" in names(consultant.get(reverse("portfolio")))


def test_nothing_of_one_firm_reaches_another_firms_people(client, firms):
    outsider = client_for(client, firms["outsider"])
    choose(outsider, True)
    for url in [
        reverse("portfolio"),
        reverse("portfolio") + "?q=asignada",
        reverse("compare") + "?q=asignada",
        reverse("portfolio_csv"),
        reverse("portfolio_answers_csv"),
        reverse("home"),
        reverse("invitations"),
    ]:
        response = outsider.get(url)
        body = response.getvalue().decode() if response.streaming else names(response)
        assert "Asignada" not in body, url
    for organisation in (firms["mine"], firms["others"]):
        assert outsider.get(reverse("compare") + f"?org={organisation.pk}").status_code == 404
        assert outsider.get(reverse("progress", args=[organisation.pk])).status_code == 404


def test_percentiles_are_taken_in_the_book_being_viewed(client, bank, firms):
    norte = firms["norte"]
    for n in range(4):
        client_of(norte, f"Otra {n}", firms["partner"], "no", bank=bank)
    partner = client_for(client, firms["partner"])
    firms["others"].refresh_from_db()
    report = reverse("assessment_report", args=[firms["others"].current_result_id])
    # Pilar's own five clients: a percentile among them; the firm's six (Quique's too):
    # another one, said to be taken there.
    page = names(partner.get(report))
    assert "en tu cartera" in page
    mine = page.split("data-standing-overall")[1].split("</tr>")[0]
    choose(partner, True)
    page = names(partner.get(report))
    assert "en el libro de tu firma" in page
    assert page.split("data-standing-overall")[1].split("</tr>")[0] != mine


def test_the_migration_gives_each_consultant_a_firm_and_each_client_one_book(
    bank, capsys, charlie, acme, bravo
):
    second = make_user("segundo", first_name="Segundo")
    Membership.objects.create(user=second, organisation=acme, role="consultant")
    Membership.objects.create(user=second, organisation=bravo, role="consultant")
    manager = make_user("gerente")
    Invitation.objects.create(
        organisation=acme,
        user=manager,
        email="g@example.org",
        invited_by=second,
        sent_at="2026-01-01T00:00Z",
    )
    migration.firms_for_consultants(apps, None)
    charlie_firm = FirmMember.objects.get(user=charlie)
    second_firm = FirmMember.objects.get(user=second)
    assert charlie_firm.role == second_firm.role == "partner"
    assert charlie_firm.firm != second_firm.firm
    acme.refresh_from_db()
    bravo.refresh_from_db()
    # Acme's manager was invited by Segundo: his book, though Charlie followed it first.
    assert acme.firm == second_firm.firm and bravo.firm == second_firm.firm
    assert Membership.objects.get(user=second, organisation=acme).is_lead
    assert not Membership.objects.get(user=charlie, organisation=acme).is_lead
    printed = capsys.readouterr().out
    assert "Acme" in printed and "charlie" in printed
    # Charlie still follows Acme until an admin settles it: nothing is lost.
    assert Membership.objects.filter(user=charlie, organisation=acme).exists()
