"""Who calls the API: a personal token in `Authorization: Bearer …`, or the signed-in
session of the pages (with its CSRF token for any write, as REST framework checks). A
token opens the API alone, never a page."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions, permissions, throttling

from assessments.models import ApiToken
from assessments.services import api_token_request


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        now = timezone.now()
        # Revoked, expired, another's or of a deactivated person: the same answer.
        token = (
            ApiToken.objects.usable(now)
            .select_related("user")
            .filter(key_hash=ApiToken.hash_of(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        return token.user, token

    def authenticate_header(self, request):
        # A 401 with the scheme to use, rather than a 403, for a call without a token.
        return f'{self.keyword} realm="api"'


class TokenAccess(permissions.BasePermission):
    """A read-only token reads; writing takes a read-write token or the session."""

    message = _("This token reads only: make a read-write one to change anything.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return token.can_write
        return True


PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_of(text: str) -> tuple[int, int]:
    """A rate as REST framework writes it ("120/minute") → (120, 60)."""
    count, period = text.split("/")
    return int(count), PERIODS[period.strip()[0]]


class TokenRateThrottle(throttling.BaseThrottle):
    """API_RATE_LIMIT requests per token and period, counted on the token's row (see
    services.api_token_request); past it, 429 with Retry-After. Each request also records
    the token's last use. A session's calls are the pages' own, and not counted here."""

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        # Read on each request, so that a setting changed by a test or a deployment holds.
        limit, period = rate_of(settings.API_RATE_LIMIT)
        self.wait_seconds = api_token_request(token, timezone.now(), limit, period)
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds


class TokenScheme(OpenApiAuthenticationExtension):
    """The token as the schema's security scheme: `Authorization: Bearer ori_…`."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=TokenAuthentication.keyword
        )


# The errors every endpoint may answer, each a JSON object ({"detail": …}, or each field's
# messages), added to every operation of the schema.
ERRORS = {
    "400": "The request is not valid: each field's messages, or a detail.",
    "401": "No token, or one that is not valid (revoked, expired, or its owner deactivated).",
    "403": "The token reads only, or a session's write came without its CSRF token.",
    "404": "Nothing the caller may read has this address.",
    "429": "Too many requests for this token: try again after Retry-After seconds.",
}


def error_responses(result, generator, request, public):
    """drf-spectacular's post-processing hook: the shared error responses, documented."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
    }
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            for code, description in ERRORS.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": body}
                )
            if method == "patch":
                operation["responses"].setdefault(
                    "409",
                    {
                        "description": "Changed since the version sent: `current` holds it now.",
                        "content": body,
                    },
                )
    return result
