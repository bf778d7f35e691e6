"""'Where you are signed in': each person sees their own sessions and signs out any or all
of the others; an ended session is refused at once (it lives in the database)."""

import re

from django.test import Client
from django.urls import reverse

from assessments.selectors import session_ref
from tests.conftest import PASSWORD

PAGE = "/account/"


def signed_in(username, browser="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0") -> Client:
    client = Client(HTTP_USER_AGENT=browser)
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def refs(page: str) -> list[str]:
    return re.findall(r'data-session="([0-9a-f]+)"', page)


def test_each_session_is_listed_with_its_browser_and_this_one_marked(alice):
    laptop = signed_in("alice")
    signed_in("alice", browser="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari")
    page = laptop.get(PAGE).content.decode()
    assert len(refs(page)) == 2
    assert "Firefox 128" in page and "iPhone" in page
    assert page.count(">Este<") == 1  # "This one", in Spanish first
    # No session key appears: a key would sign anyone in.
    for key in (laptop.session.session_key,):
        assert key not in page


def test_signing_out_another_session_ends_it_everywhere(alice):
    laptop = signed_in("alice")
    phone = signed_in("alice", browser="Mozilla/5.0 (iPhone) Safari")
    assert phone.get("/").status_code == 200
    phone_ref = session_ref(phone.session.session_key)
    assert phone_ref in refs(laptop.get(PAGE).content.decode())
    response = laptop.post(reverse("sessions_sign_out"), {"ref": phone_ref})
    assert response.url == PAGE
    assert phone.get("/").url.startswith("/accounts/login/")
    assert laptop.get("/").status_code == 200


def test_signing_out_everywhere_else_keeps_this_session(alice):
    laptop = signed_in("alice")
    others = [signed_in("alice") for _ in range(3)]
    laptop.post(reverse("sessions_sign_out"), {"everywhere": "1"})
    assert all(other.get("/").url.startswith("/accounts/login/") for other in others)
    assert laptop.get("/").status_code == 200
    assert len(refs(laptop.get(PAGE).content.decode())) == 1


def test_another_persons_session_cannot_be_signed_out(alice, bob):
    alices = signed_in("alice")
    bobs = signed_in("bob")
    bobs_ref = refs(bobs.get(PAGE).content.decode())[0]
    alices.post(reverse("sessions_sign_out"), {"ref": bobs_ref})
    alices.post(reverse("sessions_sign_out"), {"ref": "not-a-session"})
    assert bobs.get("/").status_code == 200
    assert alices.get("/").status_code == 200


def test_a_sign_in_from_a_new_browser_is_mailed_to_the_person_once(alice, db):
    from assessments.models import OutgoingMail
    from tests.conftest import work_the_queue

    alice.email = "alice@example.org"
    alice.save()
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    signed_in("alice", browser=firefox)  # the account's first browser: nothing to tell
    signed_in("alice", browser=firefox.replace("128.0", "129.0"))  # an update, not new
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari"
    signed_in("alice", browser=iphone)
    signed_in("alice", browser=iphone)
    work_the_queue()
    notices = OutgoingMail.objects.filter(user=alice, notice="new_browser_sign_in")
    assert notices.count() == 1
    from django.core import mail

    (sent,) = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert "Mobile Safari / iOS" in sent.body


def test_a_person_downloads_everything_the_app_holds_about_them_and_nothing_else(
    client, bank, acme, alice, dave, bob, submitted
):
    import json

    from assessments import services
    from tests.conftest import answer_inputs

    other = services.assessment_start(organisation=acme, user=dave)
    services.answers_submit(
        assessment=other,
        user=dave,
        answers=answer_inputs(bank, {n: "no" for n in range(1, 21)}, {1: "nota de Dave"}),
    )
    page = client
    page.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    account = page.get(reverse("account_security")).content.decode()
    assert reverse("account_data") in account
    response = page.get(reverse("account_data"))  # just signed in: no need to confirm
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["username"] == "alice"
    assert len(data["answers"]) == 20 and {a["organisation"] for a in data["answers"]} == {"Acme"}
    assert data["sessions"] and data["memberships"] == [{"organisation": "Acme", "role": "manager"}]
    text = response.content.decode()
    assert "nota de Dave" not in text and "bob" not in text and "Bravo" not in text
