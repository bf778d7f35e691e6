"""Personal API tokens: made on the account page and shown once, revoked there."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments.models import ApiToken

# How long a token may live, as the account page offers it.
TOKEN_LIFETIMES = {30: timedelta(days=30), 90: timedelta(days=90), 365: timedelta(days=365)}
# A token's "last used" is written at most this often: not one write per request.
LAST_USED_EVERY = timedelta(minutes=1)


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


def api_token_used(token: ApiToken, now) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
