"""Keeping only what is needed: an untouched draft and an unconfirmed sign-up are warned a
week ahead, then deleted by the daily task; touching or confirming keeps them."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from django_q.models import Schedule

from assessments import services
from assessments.models import (
    Answer,
    Assessment,
    Erasure,
    Membership,
    Organisation,
    OutgoingMail,
)
from tests.conftest import answer_inputs, make_user, work_the_queue

SITE = "http://testserver/"
DAY = timedelta(days=1)


def untouched_for(assessment, days, now):
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now - days * DAY)


def warnings():
    return OutgoingMail.objects.filter(kind=OutgoingMail.Kind.RETENTION_WARNING)


def test_the_daily_task_is_scheduled(db):
    task = Schedule.objects.get(name="retention")
    assert task.func == "assessments.tasks.apply_retention"
    assert task.schedule_type == Schedule.DAILY and task.repeats == -1


def test_an_untouched_draft_is_warned_a_week_ahead_then_deleted(
    settings, bank, acme, alice, draft, submitted
):
    settings.DRAFT_RETENTION_DAYS = 365
    alice.email = "alice@acme.test"
    alice.save()
    services.answers_save(
        assessment=draft, user=alice, answers=answer_inputs(bank, {1: "yes"}, {1: "a medias"})
    )
    now = timezone.now()
    untouched_for(draft, 357, now)  # not yet within a week of its limit
    untouched_for(submitted, 900, now)  # a submitted one is never a draft to delete
    assert services.retention_apply(site_url=SITE, now=now).drafts_warned == 0

    untouched_for(draft, 360, now)
    result = services.retention_apply(site_url=SITE, now=now)
    assert (result.drafts_warned, result.drafts_deleted) == (1, 0)
    warning = warnings().get()
    assert (warning.recipient, warning.assessment_id) == ("alice@acme.test", draft.pk)
    work_the_queue()
    (sent,) = mail.outbox
    assert "Acme" in sent.body and f"/assessments/{draft.pk}/" in sent.body
    # Once a day, one warning: the next day's run sends no second one.
    assert services.retention_apply(site_url=SITE, now=now + DAY).drafts_warned == 0
    # Past the limit but warned less than a week ago: it stays.
    assert services.retention_apply(site_url=SITE, now=now + 6 * DAY).drafts_deleted == 0
    assert Assessment.objects.filter(pk=draft.pk).exists()

    result = services.retention_apply(site_url=SITE, now=now + 8 * DAY)
    assert result.drafts_deleted == 1
    assert not Assessment.objects.filter(pk=draft.pk).exists()
    assert not Answer.objects.filter(response__assessment_id=draft.pk).exists()
    assert Assessment.objects.filter(pk=submitted.pk).exists()


def test_a_draft_touched_after_its_warning_is_kept_and_the_warning_is_not_sent(
    settings, bank, acme, alice, draft
):
    settings.DRAFT_RETENTION_DAYS = 365
    alice.email = "alice@acme.test"
    alice.save()
    now = timezone.now()
    untouched_for(draft, 360, now)
    services.retention_apply(site_url=SITE, now=now)
    # alice opens it and saves an answer before the worker sends the warning.
    services.answers_save(assessment=draft, user=alice, answers=answer_inputs(bank, {2: "no"}))
    work_the_queue()
    assert mail.outbox == []
    assert warnings().get().status == OutgoingMail.Status.NOT_NEEDED
    assert services.retention_apply(site_url=SITE, now=now + 8 * DAY).drafts_deleted == 0
    assert Assessment.objects.filter(pk=draft.pk).exists()


def signed_up(email, organisation_name, days_ago, now, verified=False):
    person = make_user(email, email=email)
    EmailAddress.objects.create(user=person, email=email, primary=True, verified=verified)
    get_user = type(person).objects.filter(pk=person.pk)
    get_user.update(date_joined=now - days_ago * DAY)
    organisation = Organisation.objects.create(
        name=organisation_name, sector="Retail", size_band="micro", country="España"
    )
    Membership.objects.create(user=person, organisation=organisation, role="manager")
    return person, organisation


def test_an_unconfirmed_sign_up_is_warned_then_erased_with_its_organisation(settings, db, bob):
    settings.SIGN_UP_RETENTION_DAYS = 30
    now = timezone.now()
    stale, stale_org = signed_up("olvido@example.org", "Tienda Olvidada", 25, now)
    confirmed, confirmed_org = signed_up("activa@example.org", "Tienda Activa", 90, now, True)
    fresh, _fresh_org = signed_up("nueva@example.org", "Tienda Nueva", 3, now)
    # Someone else joined this one: it stays when its unconfirmed founder goes.
    joined, joined_org = signed_up("socia@example.org", "Tienda Compartida", 25, now)
    Membership.objects.create(user=bob, organisation=joined_org, role="manager")

    result = services.retention_apply(site_url=SITE, now=now)
    assert (result.sign_ups_warned, result.sign_ups_deleted) == (2, 0)
    assert set(warnings().values_list("recipient", flat=True)) == {
        "olvido@example.org",
        "socia@example.org",
    }
    work_the_queue()
    assert {m.to[0] for m in mail.outbox} == {"olvido@example.org", "socia@example.org"}
    assert "/accounts/login/" in mail.outbox[0].body

    result = services.retention_apply(site_url=SITE, now=now + 8 * DAY)
    assert result.sign_ups_deleted == 2
    remaining = set(type(bob).objects.values_list("username", flat=True))
    assert {"olvido@example.org", "socia@example.org"}.isdisjoint(remaining)
    assert {"activa@example.org", "nueva@example.org", "bob"} <= remaining
    assert not Organisation.objects.filter(pk=stale_org.pk).exists()
    assert Organisation.objects.filter(pk__in=[joined_org.pk, confirmed_org.pk]).count() == 2
    assert Erasure.objects.filter(requested_by=Erasure.By.RETENTION).count() == 2


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_warning_is_written_in_the_language_it_was_queued_in(
    settings, language, bank, acme, alice, draft
):
    from django.utils import translation

    alice.email = "alice@acme.test"
    alice.save()
    now = timezone.now()
    untouched_for(draft, 360, now)
    with translation.override(language):
        services.retention_apply(site_url=SITE, now=now)
    work_the_queue()
    (sent,) = mail.outbox
    expected = {"es": "borrador", "en": "draft"}[language]
    assert expected in sent.body.casefold()
