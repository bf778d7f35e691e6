"""A consultant's book: what a consultant chooses to share with a client's managers."""

from assessments.models import (
    Membership,
)


def sector_percentile_share(*, membership: Membership, shared: bool) -> None:
    """A consultant's choice to show an organisation's managers its sector percentile."""
    membership.shares_sector_percentile = shared
    membership.save(update_fields=["shares_sector_percentile"])
