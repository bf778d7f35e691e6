"""Read-only links to a report or an organisation's progress: made by its team with a
label and an expiry, shown once, revoked at will; their views counted, never whose."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import ShareLink
from assessments.services.errors import AssessmentError

DEFAULT_DAYS = 30
MAX_DAYS = 365
# 24 random bytes: 192 bits, beyond any guessing; only their SHA-256 is stored.
SECRET_BYTES = 24


@dataclass(frozen=True)
class NewShare:
    link: ShareLink
    secret: str  # shown once, in the link


def share_link_create(
    *, organisation, user, label: str, days: int, assessment=None, shows_names=False
) -> NewShare:
    """A link to `assessment`'s report, or without one to the organisation's progress."""
    if not 1 <= days <= MAX_DAYS:
        raise AssessmentError(_("A link lasts from 1 day to a year."))
    if assessment is not None:
        if assessment.organisation_id != organisation.pk or not assessment.is_submitted:
            raise AssessmentError(_("Only a submitted report of this organisation is shared."))
        # An anonymous round never names anyone; a single person's report has no names to
        # show.
        shows_names = shows_names and assessment.is_round and not assessment.anonymous
    secret = secrets.token_urlsafe(SECRET_BYTES)
    link = ShareLink(
        organisation=organisation,
        kind=ShareLink.Kind.REPORT if assessment else ShareLink.Kind.PROGRESS,
        assessment=assessment,
        label=label,
        shows_names=bool(shows_names),
        key_hash=ShareLink.hash_of(secret),
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    link.full_clean(exclude=["created_by", "revoked_by", "assessment", "organisation"])
    link.save()
    return NewShare(link=link, secret=secret)


@transaction.atomic
def share_link_revoke(*, link: ShareLink, user) -> bool:
    """End the link now; False if it had already been revoked."""
    current = ShareLink.objects.select_for_update().get(pk=link.pk)
    if current.revoked_at is not None:
        return False
    current.revoked_at, current.revoked_by = timezone.now(), user
    current.save(update_fields=["revoked_at", "revoked_by"])
    return True


def share_link_viewed(link: ShareLink) -> None:
    """One more view, counted in the database (no reader's address, no cookie)."""
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1, last_viewed_at=timezone.now())


# Guesses: a client that asked for this many unknown links in the window is answered 429
# for every link (known or not) until the window ends, so guessing tells nothing.
GUESS_WINDOW_SECONDS = 600


def _guess_key(address: str | None) -> str:
    # The address only as a keyed hash, and only for the window.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"share-guesses:{digest}"


def share_guesses_exceeded(address: str | None) -> bool:
    return cache.get(_guess_key(address), 0) >= settings.SHARE_GUESS_LIMIT


def share_guess_missed(address: str | None) -> None:
    key = _guess_key(address)
    if not cache.add(key, 1, timeout=GUESS_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=GUESS_WINDOW_SECONDS)
