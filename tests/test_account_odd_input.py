"""Odd values in the sign-in, second-factor and session forms and in their `next`
addresses: a page, a redirect or a 4xx, never a server error, and nothing changed."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from qsessions.models import Session

from tests.conftest import PASSWORD
from tests.test_query_fuzz import TRICKY
from tests.test_second_factor import set_up_totp

ODD = [*TRICKY, "x" * 5000, "<script>", "//evil.example/", "https://evil.example/", "%00"]


def signed_in(username) -> Client:
    client = Client(raise_request_exception=False)
    assert client.post("/accounts/login/", {"login": username, "password": PASSWORD}).status_code
    return client


@pytest.mark.parametrize("value", ODD)
def test_odd_sign_in_and_next_values_never_break_a_page(alice, value):
    anonymous = Client(raise_request_exception=False)
    for response in (
        anonymous.post("/accounts/login/", {"login": value, "password": value}),
        anonymous.get("/accounts/login/", {"next": value}),
        anonymous.post("/accounts/login/?next=x", {"login": "alice", "password": value}),
    ):
        assert response.status_code in (200, 302, 400, 404, 429), value
    signed = signed_in("alice")
    for response in (
        signed.get("/accounts/reauthenticate/", {"next": value}),
        signed.post("/accounts/reauthenticate/", {"password": value, "next": value}),
        signed.post("/accounts/2fa/totp/activate/", {"code": value}),
        signed.post("/account/sessions/sign-out/", {"ref": value}),
        signed.get("/account/", {"ref": value}),
    ):
        assert response.status_code in (200, 302, 400, 404, 405), value
        if response.status_code == 302:
            assert not response.url.startswith(("//", "http")), response.url
    # None of it ended her session or set up a second factor.
    assert signed.get("/").status_code == 200
    assert not Authenticator.objects.filter(user=alice).exists()


@pytest.mark.parametrize("value", ODD)
def test_odd_codes_on_the_code_page_are_refused_without_an_error(settings, charlie, value):
    settings.SECOND_FACTOR_REQUIRED_FOR = frozenset()
    set_up_totp(signed_in("charlie"))
    client = Client(raise_request_exception=False)
    client.post("/accounts/login/", {"login": "charlie", "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": value})
    assert response.status_code in (200, 400, 429), value
    assert "_auth_user_id" not in client.session


def test_sign_out_forms_only_ever_end_the_asking_persons_other_sessions(alice, bob):
    alices, bobs = signed_in("alice"), signed_in("bob")
    alices_other = signed_in("alice")
    before = Session.objects.count()
    for ref in ("", " ", "0" * 20, bobs.session.session_key):
        alices.post("/account/sessions/sign-out/", {"ref": ref})
    alices.post("/account/sessions/sign-out/", {})  # neither a session nor "everywhere"
    assert Session.objects.count() == before
    assert bobs.get("/").status_code == 200 and alices.get("/").status_code == 200
    assert alices_other.get("/").status_code == 200


@pytest.mark.parametrize("value", ODD)
def test_odd_sign_up_address_and_invitation_values_change_nothing(
    settings, alice, bravo, bob, value
):
    from django.contrib.auth import get_user_model

    # Every field's odd value from one address: more than the limit a minute.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "100/m/ip"}

    from assessments.models import Invitation, Organisation, OutgoingMail

    users, organisations = get_user_model().objects.count(), Organisation.objects.count()
    anonymous = Client(raise_request_exception=False)
    fields = [
        "first_name",
        "last_name",
        "email",
        "password1",
        "organisation_name",
        "sector",
        "size_band",
        "country",
    ]
    for field in fields:
        data = {name: "x@example.com" if name == "email" else "ok" for name in fields}
        data[field] = value
        response = anonymous.post("/accounts/signup/", data)
        assert response.status_code in (200, 400), (field, value)
    assert anonymous.get(f"/accounts/confirm-email/{value}/").status_code in (200, 404)
    assert anonymous.post(f"/accounts/confirm-email/{value}/").status_code in (200, 302, 404)
    signed = signed_in("alice")
    for action in ("action_add", "action_send", "action_remove", "action_primary"):
        response = signed.post("/accounts/email/", {"email": value, action: ""})
        assert response.status_code in (200, 302, 400), (action, value)
    manager = signed_in("bob")
    response = manager.post(
        f"/organisations/{bravo.pk}/consultants/",
        {"first_name": value, "last_name": value, "email": value},
    )
    assert response.status_code in (200, 302, 400)
    alice.refresh_from_db()
    assert alice.email == "" and signed.get("/").status_code == 200
    assert get_user_model().objects.count() == users
    assert Organisation.objects.count() == organisations
    assert not Invitation.objects.exists() and not OutgoingMail.objects.exists()


@pytest.mark.parametrize("value", ODD)
def test_odd_values_in_the_firms_forms_change_nothing(db, value):
    """Every form of the firm's pages, fed an odd value in each field: a page, a redirect
    or a 4xx, never a server error; nobody's clients, membership or firm changes."""
    from django.urls import reverse

    from assessments.models import Firm, FirmInvitation, FirmMember, Membership, Organisation
    from tests.conftest import make_user

    firm = Firm.objects.create(name="Norte")
    partner, consultant = make_user("pilar"), make_user("quique")
    FirmMember.objects.create(firm=firm, user=partner, role="partner")
    FirmMember.objects.create(firm=firm, user=consultant, role="consultant")
    client_org = Organisation.objects.create(
        name="Cliente", sector="Retail", size_band="small", country="España", firm=firm
    )
    Membership.objects.create(user=consultant, organisation=client_org, role="consultant")

    def state():
        return (
            list(Membership.objects.order_by("pk").values_list("user", "organisation", "is_lead")),
            list(FirmMember.objects.order_by("pk").values_list("user", "firm", "is_active")),
            FirmInvitation.objects.count(),
        )

    before = state()
    signed = signed_in("pilar")
    for url, data in [
        (reverse("firm_hand_over"), {"hand-giver": value, "hand-taker": value}),
        (reverse("firm_deactivate"), {"leave-giver": value, "leave-taker": partner.pk}),
        (reverse("firm_invite"), {"invite-first_name": value, "invite-email": value}),
        (reverse("firm_client", args=[client_org.pk]), {"consultant": value, "lead": value}),
        (reverse("firm_client", args=[client_org.pk]), {"remove": value}),
        (reverse("book_choose"), {"whole_firm": value, "next": value}),
        (f"/firm/join/{value}/", {}),
    ]:
        response = signed.post(url, data)
        assert response.status_code in (200, 302, 400, 404), (url, value)
        if response.status_code == 302:
            assert not response.url.startswith(("//", "http")), response.url
    assert signed.get(reverse("firm"), {"page": value}).status_code in (200, 404)
    assert state() == before
