"""Reads of a firm: its people with how many clients each follows, and one client's
consultants. Each page is a fixed number of queries, whatever the size of the book."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from assessments.models import (
    Firm,
    FirmInvitation,
    FirmMember,
    Membership,
    Organisation,
    WebhookDelivery,
    WebhookEndpoint,
)
from assessments.selectors.book import (
    BOOK_COUNTS_TIMEOUT,
    Book,
    book_generation,
    book_score_counts,
)
from assessments.selectors.invitations import newest_mail_first, pending_for_invitee


def firm_glance(user, firm_id: int) -> dict:
    """What a partner's home page says of their firm: its clients, how many have a
    result and how many no consultant follows, its active consultants and the
    invitations still waiting for an answer. The client counts are the whole book's
    cached ones (the unfollowed count is cached beside them, by the same generation), so
    the page does not count thousands of clients on each visit: one small query when
    they are cached."""
    by_score = book_score_counts(Book(user_id=user.pk, firm_id=firm_id))
    key = f"firm-unfollowed:{firm_id}:{book_generation()}"
    unfollowed = cache.get(key)
    if unfollowed is None:
        followed = Membership.objects.filter(
            organisation=OuterRef("pk"), role=Membership.Role.CONSULTANT
        )
        unfollowed = Organisation.objects.filter(firm_id=firm_id).exclude(Exists(followed)).count()
        cache.set(key, unfollowed, timeout=BOOK_COUNTS_TIMEOUT)
    # An invitation waits until accepted, unless a new account chose its password: its
    # first sign-in accepts it (FirmInvitation.is_pending).
    waiting = Q(invitations__accepted_at=None) & (
        Q(invitations__new_account=False)
        | Q(invitations__user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )
    people = Firm.objects.filter(pk=firm_id).aggregate(
        consultants=Count("members", filter=Q(members__is_active=True), distinct=True),
        waiting=Count("invitations", filter=waiting, distinct=True),
    )
    return {
        "clients": sum(by_score.values()),
        "assessed": sum(n for (_sector, score), n in by_score.items() if score is not None),
        "unfollowed": unfollowed,
        **people,
    }


def firm_members(firm_id: int) -> list[FirmMember]:
    """The firm's people, partners first, each with the number of its clients they follow
    (`clients`) and lead (`leads`). Those counts are kept in the shared cache until the
    books change, as the book's own are: counting a book of thousands on each visit grew
    with it."""
    members = list(
        FirmMember.objects.filter(firm_id=firm_id)
        .select_related("user", "firm")
        .order_by("-is_active", "role", "user__first_name", "user__username")
    )
    key = f"firm-follows:{firm_id}:{book_generation()}"
    follows = cache.get(key)
    if follows is None:
        rows = (
            Membership.objects.filter(
                role=Membership.Role.CONSULTANT,
                organisation__firm_id=firm_id,
            )
            .order_by()
            .values("user_id")
            .annotate(clients=Count("pk"), leads=Count("pk", filter=Q(is_lead=True)))
        )
        follows = {row["user_id"]: (row["clients"], row["leads"]) for row in rows}
        cache.set(key, follows, timeout=BOOK_COUNTS_TIMEOUT)
    for member in members:
        member.clients, member.leads = follows.get(member.user_id, (0, 0))
    return members


def firm_client_counts() -> dict[int, int]:
    """Firm id → how many clients are in its book, kept in the shared cache like the
    books' counts: the admin's list of firms shows them without counting every client."""
    key = f"firm-clients:{book_generation()}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            Organisation.objects.exclude(firm=None)
            .order_by()
            .values_list("firm_id")
            .annotate(count=Count("pk"))
        )
        counts = dict(rows)
        cache.set(key, counts, timeout=BOOK_COUNTS_TIMEOUT)
    return counts


def firm_client(firm_id: int, organisation_id: int) -> Organisation:
    """A client of the firm's book, or 404."""
    organisation = Organisation.objects.filter(pk=organisation_id, firm_id=firm_id).first()
    if organisation is None:
        raise Http404
    return organisation


def client_consultants(organisation_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation_id=organisation_id, role=Membership.Role.CONSULTANT)
        .select_related("user")
        .order_by("-is_lead", "user__first_name", "user__username")
    )


def firm_invitations(firm_id: int) -> QuerySet[FirmInvitation]:
    """The firm's invitations, newest first, each with its latest mail; a page at a time."""
    return (
        FirmInvitation.objects.filter(firm_id=firm_id)
        .select_related("user", "invited_by")
        .prefetch_related(newest_mail_first())
        .order_by("-sent_at", "-pk")
    )


def firm_invitation_for_invitee(user, secret: str) -> FirmInvitation:
    """The pending firm invitation whose link holds `secret`, if sent to `user`, or 404."""
    return pending_for_invitee(
        FirmInvitation.objects.select_related("firm", "invited_by"), user, secret
    )


def firm_invitations_of_partner(user) -> QuerySet[FirmInvitation]:
    partner_firms = FirmMember.objects.filter(
        user=user, role=FirmMember.Role.PARTNER, is_active=True
    ).values("firm")
    return FirmInvitation.objects.filter(firm__in=partner_firms)


def firm_webhooks(firm_id: int) -> QuerySet[WebhookEndpoint]:
    """The firm's webhooks, each with its latest delivery's status and time."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        WebhookEndpoint.objects.filter(firm_id=firm_id)
        .annotate(
            latest_status=Subquery(latest.values("status")[:1]),
            latest_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("created_at", "pk")
    )


def firm_webhook(firm_id: int, endpoint_id: int) -> WebhookEndpoint:
    """One of the firm's webhooks, or 404."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, firm_id=firm_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def webhook_deliveries(endpoint_id: int) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id).order_by("-created_at", "-pk")
