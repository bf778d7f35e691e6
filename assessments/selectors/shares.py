"""Reads of shared links: the live link a secret names, and an organisation's links."""

from django.utils import timezone

from assessments.models import ShareLink


def share_link_for(secret: str) -> ShareLink | None:
    """The live link whose secret this is, with what its page shows, in one query; None
    for a revoked, expired or unknown one (or one whose maker left the team)."""
    if not secret or len(secret) > 100:
        return None
    return (
        ShareLink.objects.live(timezone.now())
        .filter(key_hash=ShareLink.hash_of(secret))
        .select_related("organisation", "assessment__bank", "assessment__submitted_by")
        .first()
    )


def share_links_of(organisation_id: int) -> list[ShareLink]:
    """Every link of the organisation, newest first, with its maker and its report."""
    return list(
        ShareLink.objects.filter(organisation_id=organisation_id)
        .select_related("created_by", "revoked_by", "assessment")
        .order_by("-created_at", "-pk")
    )


def share_link_of_team(organisation_id: int, link_id: int) -> ShareLink | None:
    return ShareLink.objects.filter(organisation_id=organisation_id, pk=link_id).first()
