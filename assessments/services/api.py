"""Personal API tokens: made on the account page and shown once, revoked there."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from assessments.models import ApiToken

# How long a token may live, as the account page offers it.
TOKEN_LIFETIMES = {30: timedelta(days=30), 90: timedelta(days=90), 365: timedelta(days=365)}


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown once, never stored


@transaction.atomic
def api_token_create(*, user, name: str, access: str, days: int) -> NewToken:
    secret = secrets.token_urlsafe(32)
    key = f"{ApiToken.PREFIX}{secret}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        access=access,
        hint=secret[:8],
        key_hash=ApiToken.hash_of(key),
        expires_at=timezone.now() + TOKEN_LIFETIMES[days],
    )
    return NewToken(token=token, key=key)


def api_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if they have no such usable token."""
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


@transaction.atomic
def api_token_request(token: ApiToken, now, limit: int, period: int) -> float | None:
    """Count one request of `token` in the current window of `period` seconds, and record
    its use. None if it is within `limit`, else the seconds until the next window.

    One UPDATE counts it: the database takes the token's row for this transaction, so
    requests arriving at once on several workers or servers are counted one after the
    other, and none is lost (a count kept in a cache by read-then-write let 126 of 150
    requests through a limit of 120)."""
    start = datetime.fromtimestamp(now.timestamp() // period * period, tz=UTC)
    ApiToken.objects.filter(pk=token.pk).update(
        rate_count=Case(When(rate_window=start, then=F("rate_count") + 1), default=Value(1)),
        rate_window=start,
        last_used_at=now,
    )
    count = ApiToken.objects.filter(pk=token.pk).values_list("rate_count", flat=True).get()
    token.last_used_at = now
    if count <= limit:
        return None
    return (start + timedelta(seconds=period) - now).total_seconds()
