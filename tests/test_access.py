"""Walk every URL pattern that takes an object id and prove that people of another
organisation get a 404 and anonymous visitors are sent to sign in, with nothing changed."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from assessments.models import (
    Action,
    AgreedAnswer,
    Answer,
    Assessment,
    OutgoingMail,
    Question,
    Response,
)
from tests.conftest import all_choices, answer_inputs, client_for

OBJECT_IDS = {
    "organisation_id",
    "assessment_id",
    "response_id",
    "question_id",
    "action_id",
    "mail_id",
    "link_id",
    "export_id",
    "deletion_id",
}


def patterns_with_ids():
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                names = set(pattern.pattern.converters)
                if names & OBJECT_IDS and pattern.name and not prefix.startswith("admin"):
                    found.append((pattern.name, sorted(names)))
            else:
                walk(pattern.url_patterns, prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    return found


def test_the_walk_finds_the_app_s_object_urls():
    names = {name for name, _ in patterns_with_ids()}
    assert {
        "assessment_answer",
        "assessment_start",
        "assessment_report",
        "assessment_csv",
        "assessment_xlsx",
        "assessment_pdf",
        "assessment_chart",
        "progress",
        "progress_chart",
        "round_start",
        "round_manage",
        "round_remind",
        "round_agree",
        "round_close",
        "what_if",
        "what_if_chart",
        "action_add",
        "plan",
        "plan_csv",
        "plan_xlsx",
        "plan_ics",
        "action_edit",
        "action_delete",
        "action_restore",
        "mail_retry",
        "organisation_delete",
        "organisation_restore",
    } <= names


@pytest.fixture
def acme_objects(bank, acme, alice, dave, submitted):
    from assessments import services

    draft = services.assessment_start(organisation=acme, user=alice)
    open_round = services.round_start(
        organisation=acme,
        lead=alice,
        members=[dave],
        new_people=[services.NewPerson("Rosa", "Prieto", "rosa@example.org")],
        anonymous=False,
        site_url="http://testserver/",
    )
    services.answers_save(assessment=draft, user=alice, answers=answer_inputs(bank, {1: "yes"}))
    client = Client()
    client.force_login(alice)
    chart_url = re.search(
        r'src="(/assessments/\d+/charts/[^"]+)"',
        client.get(reverse("assessment_report", args=[submitted.pk])).content.decode(),
    ).group(1)
    kind, key = chart_url.removesuffix(".svg").split("/")[-2:]
    progress_page = client.get(reverse("progress", args=[acme.pk])).content.decode()
    question = Question.objects.get(area__bank=bank, number=1)
    action, deleted = (
        services.action_create(
            assessment=submitted, question=question, user=alice, values={"title": title}
        )
        for title in ("Visitar clientes", "Borrada")
    )
    services.action_delete(action=deleted, user=alice)
    failed_mail = OutgoingMail.objects.get(assessment=open_round, recipient="rosa@example.org")
    OutgoingMail.objects.filter(pk=failed_mail.pk).update(status="failed", attempts=5)
    link = services.share_link_create(
        organisation=acme, user=alice, label="Consejo", days=30, assessment=submitted
    ).link
    from django.utils import timezone

    from assessments.models import OrganisationExport

    export = OrganisationExport.objects.create(
        organisation=acme,
        requested_by=alice,
        status="ready",
        content=b"PK\x05\x06" + bytes(18),
        ready_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    what_if_page = client.get(reverse("what_if", args=[submitted.pk])).content.decode()
    what_if_key = re.search(r"/what-if/chart/([0-9a-f]+)\.svg", what_if_page).group(1)
    progress_key = re.search(r"/progress/chart/([0-9a-f]+)\.svg", progress_page).group(1)
    return {
        "progress_key": progress_key,
        "organisation_id": acme.pk,
        "assessment_id": draft.pk,
        "submitted": submitted,
        "round": open_round,
        "response_id": open_round.responses.get(respondent=dave).pk,
        # Question 1 was answered "no" in the submitted assessment: it can be planned.
        "question_id": question.pk,
        "action_id": action.pk,
        "deleted_action_id": deleted.pk,
        # Rosa's invitation to the round, failed: its lead may send it again.
        "mail_id": failed_mail.pk,
        "link_id": link.pk,
        "export_id": export.pk,
        # A second organisation of alice's, deleted: she may restore it, no one else.
        "deletion_id": _deleted_organisation_of(alice).pk,
        "what_if_key": what_if_key,
        "kind": kind,
        "key": key,
    }


def _deleted_organisation_of(manager):
    from assessments import services
    from assessments.models import Membership, Organisation

    shop = Organisation.objects.create(
        name="Tienda Cerrada", sector="Retail", size_band="micro", country="España"
    )
    Membership.objects.create(user=manager, organisation=shop, role="manager")
    return services.organisation_delete(organisation=shop, user=manager)


def snapshot():
    from assessments.models import OrganisationDeletion

    return (
        list(OrganisationDeletion.objects.order_by("pk").values_list("pk", "organisation_id")),
        list(Assessment.objects.order_by("pk").values_list("pk", "status", "overall_score")),
        list(Answer.objects.order_by("pk").values_list("pk", "choice", "note")),
        list(Response.objects.order_by("pk").values_list("pk", "submitted_at", "reminded_at")),
        list(AgreedAnswer.objects.order_by("pk").values_list("pk", "choice")),
        list(Action.objects.order_by("pk").values_list("pk", "version", "status", "deleted_at")),
        list(OutgoingMail.objects.order_by("pk").values_list("pk", "status", "attempts")),
    )


def named_urls_for(objects):
    """Every object URL, for the draft and for the submitted assessment where it takes one."""
    for name, params in patterns_with_ids():
        kwargs = {param: objects[param] for param in params}
        if name == "progress_chart":
            kwargs["key"] = objects["progress_key"]
        if name == "what_if_chart":
            kwargs["key"] = objects["what_if_key"]
        if name == "action_restore":
            kwargs["action_id"] = objects["deleted_action_id"]
        yield name, reverse(name, kwargs=kwargs)
        if "assessment_id" in params:
            for other in ("submitted", "round"):
                yield name, reverse(name, kwargs={**kwargs, "assessment_id": objects[other].pk})


def urls_for(objects):
    return [url for _name, url in named_urls_for(objects)]


def test_another_organisation_s_manager_gets_404_everywhere(client, bank, acme_objects, bob):
    before = snapshot()
    client = client_for(client, bob)
    body = {"action": "submit", **{k: v for k, v in answer_inputs(bank, all_choices()).items()}}
    for url in urls_for(acme_objects):
        # A method the view never accepts is refused (405) before any lookup, revealing
        # nothing; the method it does accept must find nothing.
        statuses = {client.get(url).status_code, client.post(url, body).status_code}
        assert statuses in ({404}, {404, 405}), (url, statuses)
    assert snapshot() == before


# Pages of a firm's client that only the firm's partners open.
PARTNER_PAGES = {"firm_client"}


def firm_of_acme(acme_id):
    from assessments.models import Firm, FirmMember, Organisation
    from tests.conftest import make_user

    firm = Firm.objects.create(name="Consultoría Acme")
    Organisation.objects.filter(pk=acme_id).update(firm=firm)
    partner = make_user("acme-partner")
    FirmMember.objects.create(firm=firm, user=partner, role="partner")
    return partner


def test_the_owner_can_reach_every_walked_url(client, acme_objects, alice):
    """Guards the walk itself: the 404s above are about who asks, not broken URLs."""
    partner = client_for(Client(), firm_of_acme(acme_objects["organisation_id"]))
    client = client_for(client, alice)
    reachable = {}
    for name, url in named_urls_for(acme_objects):
        owner = partner if name in PARTNER_PAGES else client
        reachable[name] = reachable.get(name, False) or owner.get(url).status_code != 404
    assert all(reachable.values()), reachable


def test_another_firms_partner_gets_404_everywhere(client, bank, acme_objects):
    """Acme is in a firm's book; the partner of another firm, reading their whole book,
    reaches none of it."""
    from assessments.models import Firm, FirmMember
    from tests.conftest import make_user

    firm_of_acme(acme_objects["organisation_id"])
    other = make_user("other-partner")
    FirmMember.objects.create(
        firm=Firm.objects.create(name="Otra firma"), user=other, role="partner"
    )
    before = snapshot()
    client = client_for(client, other)
    client.post(reverse("book_choose"), {"whole_firm": "1"})
    for url in urls_for(acme_objects):
        statuses = {client.get(url).status_code, client.post(url, {}).status_code}
        assert statuses in ({404}, {404, 405}), (url, statuses)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, acme_objects):
    """A page sends them to sign in; the API answers 401 and asks for a token."""
    before = snapshot()
    for url in urls_for(acme_objects):
        for method in (client.get, client.post):
            response = method(url)
            if url.startswith("/api/"):
                assert response.status_code == 401, url
                assert response["WWW-Authenticate"].startswith("Bearer"), url
                continue
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login")), url
    assert snapshot() == before


HUGE = "9" * 30  # beyond a 64-bit id: must be "not found", never a database error


@pytest.mark.parametrize(
    "path",
    [
        f"/assessments/{HUGE}/",
        f"/assessments/{HUGE}/report/",
        f"/assessments/{HUGE}/report.csv",
        f"/organisations/{HUGE}/progress/",
    ],
)
def test_ids_too_large_for_the_database_are_404(client, alice, path):
    assert client_for(client, alice).get(path).status_code == 404


def test_comparing_an_id_too_large_for_the_database_is_404(client, charlie):
    response = client_for(client, charlie).get(f"/portfolio/compare/?org={HUGE}")
    assert response.status_code == 404


# Where an invited respondent may go: answering the round and reading its report (which
# says it is not ready while the round is open). Everything else in the walk is a 404.
RESPONDENT_MAY = {("assessment_answer", "round"), ("assessment_report", "round")}


def test_a_respondent_reaches_only_their_round_s_answer_page_and_report(client, bank, acme_objects):
    from django.contrib.auth import get_user_model

    rosa = get_user_model().objects.get(email="rosa@example.org")
    before = snapshot()
    client = client_for(client, rosa)
    round_id = acme_objects["round"].pk
    body = {"action": "save", "confirm": "on", "question": "1", "choice": "no"}
    reached = set()
    for name, url in named_urls_for(acme_objects):
        which = "round" if f"/assessments/{round_id}/" in url else "other"
        # A POST-only view answers a GET with 405 before looking anything up.
        if client.get(url).status_code not in (404, 405):
            reached.add((name, which))
        if (name, which) not in RESPONDENT_MAY:
            assert client.post(url, body).status_code in (404, 405), url
    assert reached == RESPONDENT_MAY
    assert snapshot() == before
