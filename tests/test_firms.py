"""Consultancy firms: one book for several consultants, "mis clientes" or "toda la firma"
as the firm allows, and nothing of one firm reaching another's people."""

import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import (
    Firm,
    FirmInvitation,
    FirmMember,
    Invitation,
    Membership,
    Organisation,
)
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


def test_a_partner_hands_a_book_over_and_deactivates_a_consultant(client, firms):
    partner = client_for(client, firms["partner"])
    quique, pilar = firms["consultant"], firms["partner"]
    Membership.objects.filter(user=quique).update(is_lead=True)
    page = names(partner.get(reverse("firm")))
    assert "Quique" in page or "quique" in page
    response = partner.post(
        reverse("firm_deactivate"), {"leave-giver": quique.pk, "leave-taker": pilar.pk}
    )
    assert response.status_code == 302
    moved = Membership.objects.get(organisation=firms["mine"], role="consultant")
    assert moved.user == pilar and moved.is_lead  # nothing lost, the lead kept
    assert not FirmMember.objects.get(user=quique).is_active
    # Quique reaches nothing of the firm any more.
    former = client_for(Client(), quique)
    assert former.get(reverse("portfolio")).status_code == 404
    assert former.get(reverse("progress", args=[firms["mine"].pk])).status_code == 404
    assert former.get(reverse("firm")).status_code == 404
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(changes__icontains="handed to").exists()


def test_a_partner_chooses_who_follows_a_client_and_its_lead(client, firms):
    partner = client_for(client, firms["partner"])
    url = reverse("firm_client", args=[firms["mine"].pk])
    assert partner.get(url).status_code == 200
    partner.post(url, {"consultant": firms["partner"].pk, "lead": "on"})
    leads = Membership.objects.filter(organisation=firms["mine"], is_lead=True)
    assert [m.user for m in leads] == [firms["partner"]]
    partner.post(url, {"remove": firms["consultant"].pk})
    assert not Membership.objects.filter(user=firms["consultant"], organisation=firms["mine"])


def test_only_partners_run_the_firm_and_only_their_own(client, firms):
    consultant = client_for(client, firms["consultant"])
    assert consultant.get(reverse("firm")).status_code == 200
    assert consultant.get(reverse("firm_client", args=[firms["mine"].pk])).status_code == 404
    before = list(Membership.objects.order_by("pk").values_list("pk", "user_id", "is_lead"))
    consultant.post(
        reverse("firm_hand_over"),
        {"hand-giver": firms["partner"].pk, "hand-taker": firms["consultant"].pk},
    )
    outsider = client_for(Client(), firms["outsider"])
    # Another firm's partner: no page of this firm's client, no hand-over of its people.
    assert outsider.get(reverse("firm_client", args=[firms["mine"].pk])).status_code == 404
    outsider.post(
        reverse("firm_hand_over"),
        {"hand-giver": firms["consultant"].pk, "hand-taker": firms["outsider"].pk},
    )
    outsider.post(
        reverse("firm_client", args=[firms["mine"].pk]), {"consultant": firms["outsider"].pk}
    )
    assert "Quique" not in names(outsider.get(reverse("firm")))
    after = list(Membership.objects.order_by("pk").values_list("pk", "user_id", "is_lead"))
    assert after == before


def test_a_client_added_or_joined_by_a_firms_consultant_is_in_the_firms_book(firms):
    invitation = services.client_add(
        consultant=firms["consultant"],
        name="Nuevo Cliente",
        sector="Retail",
        size_band="micro",
        country="España",
        manager_email="nuevo@example.org",
        manager_first_name="Nu",
        manager_last_name="",
        site_url="http://testserver/",
    )
    assert invitation.organisation.firm == firms["norte"]
    alone = Organisation.objects.create(
        name="Sola", sector="Retail", size_band="micro", country="España"
    )
    manager = make_user("sola-manager")
    Membership.objects.create(user=manager, organisation=alone, role="manager")
    firms["consultant"].email = "quique@example.org"
    firms["consultant"].save()
    joining = services.consultant_invite(
        manager=manager,
        organisation=alone,
        email="quique@example.org",
        first_name="Quique",
        last_name="",
        site_url="http://testserver/",
    )
    alone.refresh_from_db()
    assert alone.firm is None  # not before the consultant accepts
    services.invitation_accept(invitation=joining, user=firms["consultant"])
    alone.refresh_from_db()
    assert alone.firm == firms["norte"]


@pytest.mark.django_db(transaction=True)
def test_a_deactivation_racing_an_assignment_ends_in_one_consistent_state(bank):
    """A partner deactivates a consultant (handing their book over) while another
    assigns them a new client, at once, in two threads with their own connections.
    Whichever the database lets in first, no client ends up followed by the
    deactivated consultant, and nothing held before is lost."""
    import threading

    from django.db import connection

    norte = Firm.objects.create(name="Consultoría Norte")
    pilar = make_user("pilar")
    FirmMember.objects.create(firm=norte, user=pilar, role="partner")
    for attempt in range(5):
        leaver = make_user(f"leaver-{attempt}")
        FirmMember.objects.create(firm=norte, user=leaver, role="consultant")
        held = [client_of(norte, f"Cliente {attempt}.{n}", leaver) for n in range(3)]
        newcomer = client_of(norte, f"Nueva {attempt}")
        start = threading.Barrier(2)
        errors = []

        def run(action, start=start, errors=errors):
            try:
                start.wait()
                action()
            except services.AssessmentError as error:
                errors.append(str(error))
            finally:
                connection.close()

        def deactivate(leaver=leaver):
            services.consultant_deactivate(
                partner=pilar, firm_id=norte.pk, consultant_id=leaver.pk, hand_to_id=pilar.pk
            )

        def assign(leaver=leaver, newcomer=newcomer):
            services.client_assign(
                partner=pilar, organisation=newcomer, consultant_id=leaver.pk, lead=True
            )

        threads = [threading.Thread(target=run, args=(action,)) for action in (deactivate, assign)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        followed = Membership.objects.filter(role="consultant")
        assert not followed.filter(user=leaver).exists()
        for organisation in held:
            assert list(
                followed.filter(organisation=organisation).values_list("user", flat=True)
            ) == [pilar.pk]
        newcomer_followers = list(
            followed.filter(organisation=newcomer).values_list("user", flat=True)
        )
        # The assignment first (then handed over with the rest), or refused.
        assert (newcomer_followers, errors) in (
            ([pilar.pk], []),
            ([], ["Elige un consultor activo de la firma."]),
        ), (newcomer_followers, errors)


LINK = __import__("re").compile(r"(https?://\S+)")


def test_a_partner_invites_a_consultant_who_joins_on_accepting(client, firms):
    from django.core import mail

    from tests.conftest import work_the_queue

    partner = client_for(client, firms["partner"])
    response = partner.post(
        reverse("firm_invite"),
        {"invite-first_name": "Olga", "invite-last_name": "Ramos", "invite-email": "Olga@X.org"},
    )
    assert response.status_code == 302
    page = names(partner.get(reverse("firm")))
    assert "olga@x.org" in page and "Pendiente" in page
    olga = FirmInvitation.objects.get().user
    assert not FirmMember.objects.filter(user=olga).exists()  # nothing before accepting
    work_the_queue()
    (message,) = mail.outbox
    link = LINK.search(message.body).group(1)
    invitee = Client()
    form_page = invitee.get(link, follow=True)
    chosen = "una-clave-de-olga-2026"
    invitee.post(
        form_page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen}
    )
    assert invitee.login(username="olga@x.org", password=chosen)
    member = FirmMember.objects.get(user=olga)
    assert (member.firm, member.role, member.is_active) == (firms["norte"], "consultant", True)
    assert "Aceptada" in names(partner.get(reverse("firm")))


def test_an_existing_account_joins_with_the_link_unless_active_in_another_firm(client, firms):
    from django.core import mail

    from tests.conftest import work_the_queue

    rita = firms["outsider"]  # partner of Asesores del Sur
    rita.email = "rita@example.org"
    rita.save()
    services.firm_consultant_invite(
        partner=firms["partner"],
        firm_id=firms["norte"].pk,
        email="rita@example.org",
        first_name="Rita",
        last_name="",
        site_url="http://testserver/",
    )
    work_the_queue()
    link = LINK.search(mail.outbox[0].body).group(1)
    invitee = client_for(Client(), rita)
    assert invitee.get(link).status_code == 200
    invitee.post(link)
    assert FirmMember.objects.get(user=rita).firm.name == "Asesores del Sur"  # refused
    assert client_for(Client(), firms["consultant"]).get(link).status_code == 404
    FirmMember.objects.filter(user=rita).update(is_active=False)
    invitee.post(link)
    member = FirmMember.objects.get(user=rita)
    assert (member.firm, member.role, member.is_active) == (firms["norte"], "consultant", True)


def test_only_a_partner_invites_and_bad_input_saves_nothing(client, firms):
    consultant = client_for(client, firms["consultant"])
    data = {"invite-first_name": "X", "invite-email": "x@example.org"}
    assert consultant.post(reverse("firm_invite"), data).status_code == 404
    partner = client_for(Client(), firms["partner"])
    response = partner.post(reverse("firm_invite"), {"invite-email": "not an address"})
    assert response.status_code == 400
    assert not FirmInvitation.objects.exists()


def test_a_partners_home_shows_the_firm_at_a_glance_and_a_consultants_does_not(
    client, firms, django_capture_on_commit_callbacks
):
    norte = firms["norte"]
    with django_capture_on_commit_callbacks(execute=True):  # the cached counts lapse
        client_of(norte, "Nadie la sigue")
    services.firm_consultant_invite(
        firm_id=norte.pk,
        partner=firms["partner"],
        email="nuevo@example.com",
        first_name="Nuevo",
        last_name="Consultor",
        site_url="/",
    )
    home = names(client_for(client, firms["partner"]).get(reverse("home")))
    assert "Tu firma" in home
    assert "3 clientes en la cartera de la firma; 2 con resultado." in home
    assert "1 cliente no tiene consultor que lo siga." in home
    assert "2 consultores activos · 1 invitación esperando respuesta" in home
    # Another firm's figures are not in it, and a consultant who is no partner sees none.
    assert "Cliente del Sur" not in home
    consultant_home = names(client_for(Client(), firms["consultant"]).get(reverse("home")))
    assert "Tu firma" not in consultant_home and "Sigues 1 organización" in consultant_home


def test_a_partner_finds_the_clients_no_one_follows_from_home(
    client, firms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_of(firms["norte"], "Nadie la sigue")
    partner = client_for(client, firms["partner"])
    home = names(partner.get(reverse("home")))
    assert 'name="next" value="/portfolio/?unfollowed=on"' in home
    response = partner.post(
        reverse("book_choose"), {"whole_firm": "1", "next": "/portfolio/?unfollowed=on"}
    )
    listed = names(partner.get(response.url))
    assert "Nadie la sigue" in listed
    assert "Asignada a Quique" not in listed and "Asignada a Pilar" not in listed
    assert "1 organización" in listed
    # In their own book every client is followed (by them): no such filter, nothing hidden.
    choose(partner, whole_firm=False)
    own = names(partner.get(reverse("portfolio") + "?unfollowed=on"))
    assert 'name="unfollowed"' not in own and "Asignada a Pilar" in own


def test_the_admins_list_of_firms_counts_each_firms_clients(client, firms, admin_user):
    admin = client_for(client, admin_user)
    page = names(admin.get("/admin/assessments/firm/"))
    norte = page[page.index("Consultoría Norte") :]
    assert re.search(r'class="field-client_count">2<', norte)
