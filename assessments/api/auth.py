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
from assessments.services import api_token_used


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
        api_token_used(token, now)
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


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Requests per token (or per signed-in person), counted in the shared cache so that
    every server counts the same; over the rate, 429 with Retry-After."""

    scope = "api"

    def get_rate(self):
        # Read on each request, not once at import, so that a setting changed in a test
        # or by a deployment's environment is the one in force.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken):
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


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
