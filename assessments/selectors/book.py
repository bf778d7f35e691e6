"""A consultant's book: the portfolio, its search and percentiles, comparisons, progress and
exports. Every figure is computed by the database, so a page's query count is the same
for 5 organisations or 5,000; the counts of each sector and score stay in the shared
cache until a result, membership or organisation changes."""

import contextlib
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.http import Http404

from assessments import comparison
from assessments.models import (
    Answer,
    Area,
    AreaResult,
    Assessment,
    Firm,
    FirmMember,
    Membership,
    Organisation,
    search_key,
)
from assessments.selectors.bank import current_bank

# Consultants' portfolio. Every figure below is computed by the database, so a page's
# query count is the same for 5 organisations or 500.


@dataclass(frozen=True)
class Book:
    """The organisations a consultant's pages are about: the clients assigned to them
    ("mis clientes", `firm_id` None), or their firm's whole book ("toda la firma")."""

    user_id: int
    firm_id: int | None = None

    @property
    def key(self) -> str:
        return f"firm-{self.firm_id}" if self.firm_id is not None else f"user-{self.user_id}"

    @property
    def is_whole_firm(self) -> bool:
        return self.firm_id is not None


def _as_book(user_or_book) -> Book:
    """A user stands for their own clients."""
    if isinstance(user_or_book, Book):
        return user_or_book
    return Book(user_id=user_or_book.pk)


@dataclass(frozen=True)
class ConsultantAccess:
    """What a person may do as a consultant: follow clients of their own (`follows`),
    and, as an active member of a firm, read its whole book or run it as a partner."""

    follows: bool
    firm_id: int | None
    is_partner: bool
    reads_whole_book: bool

    @property
    def is_consultant(self) -> bool:
        return self.follows or self.firm_id is not None


def consultant_access(user) -> ConsultantAccess:
    """In one query, as every page of the consultants' workspace asks it."""
    member = FirmMember.objects.filter(user=OuterRef("pk"), is_active=True)
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            follows=Exists(
                Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.CONSULTANT)
            ),
            firm=Subquery(member.values("firm_id")[:1]),
            firm_role=Subquery(member.values("role")[:1]),
            firm_readers=Subquery(member.values("firm__whole_book_readers")[:1]),
        )
        .values("follows", "firm", "firm_role", "firm_readers")
        .first()
    ) or {"follows": False, "firm": None, "firm_role": None, "firm_readers": None}
    is_partner = row["firm_role"] == FirmMember.Role.PARTNER
    return ConsultantAccess(
        follows=row["follows"],
        firm_id=row["firm"],
        is_partner=is_partner,
        reads_whole_book=row["firm"] is not None
        and (is_partner or row["firm_readers"] == Firm.BookReaders.EVERYONE),
    )


def book_for(user, access: ConsultantAccess, whole_firm: bool) -> Book:
    """The book a consultant's pages show: their firm's whole book when they ask for it
    and the firm lets them read it, else their own clients."""
    if whole_firm and access.reads_whole_book:
        return Book(user_id=user.pk, firm_id=access.firm_id)
    return Book(user_id=user.pk)


def followed_organisations(book) -> QuerySet[Organisation]:
    """The organisations of `book` (a Book, or a user for their own clients)."""
    book = _as_book(book)
    if book.is_whole_firm:
        return Organisation.objects.filter(firm_id=book.firm_id)
    return Organisation.objects.filter(
        memberships__user_id=book.user_id, memberships__role=Membership.Role.CONSULTANT
    )


def followed_organisation_ids(book):
    """The ids of the organisations of `book`, as a subquery for `organisation__in`: the
    own book's come from the memberships alone, with no join to the organisations."""
    book = _as_book(book)
    if book.is_whole_firm:
        return Organisation.objects.filter(firm_id=book.firm_id).values("pk")
    return Membership.objects.filter(user_id=book.user_id, role=Membership.Role.CONSULTANT).values(
        "organisation_id"
    )


def submitted_of(organisation_ref) -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        organisation=organisation_ref, status=Assessment.Status.SUBMITTED
    ).order_by("-submitted_at", "-pk")


def portfolio(user) -> QuerySet[Organisation]:
    """Followed organisations with their current result, which each organisation's row
    holds (see refresh_current_results): sorting, filtering and paging read no other
    table, whatever the size of the book. The plan's counts and the percentiles are read
    for a page's rows alone (`plan_summaries`, `book_score_counts`). `is_assigned` says
    whether the viewer follows the organisation themselves (its report, progress and
    plan open only to its own consultants), always so in their own book."""
    book = _as_book(user)
    assigned = (
        Exists(
            Membership.objects.filter(
                organisation=OuterRef("pk"),
                user_id=book.user_id,
                role=Membership.Role.CONSULTANT,
            )
        )
        if book.is_whole_firm
        else Value(True)
    )
    return (
        followed_organisations(book)
        .select_related("current_result__bank", "top_area")
        .annotate(change=F("current_score") - F("previous_score"), is_assigned=assigned)
    )


# How many of a consultant's latest results the home page shows.
HOME_LATEST = 5


def book_glance(user) -> dict | None:
    """What a consultant's home page says of their book: how many organisations it holds,
    how many have a result, and the latest results; None for someone who follows none.
    At most two queries, whatever the size of the book."""
    book = followed_organisations(user)
    # The book's counts by sector and score, which the portfolio keeps in the shared cache:
    # no count of a large book on every visit home.
    by_score = book_score_counts(user)
    counts = {
        "organisations": sum(by_score.values()),
        "assessed": sum(n for (_sector, score), n in by_score.items() if score is not None),
    }
    if not counts["organisations"]:
        return None
    latest = (
        book.exclude(current_result=None)
        .only("pk", "name", "sector", "current_score", "current_level", "current_date")
        .order_by("-current_date", "-pk")[:HOME_LATEST]
    )
    return {**counts, "latest": list(latest)}


def name_matches(organisations: QuerySet[Organisation], text: str) -> QuerySet[Organisation]:
    """The organisations whose name holds every word of `text`, whatever the case and
    the accents ("lonja" finds "La Lonja", "rural olivo" "Casa Rural El Olivo")."""
    for word in search_key(text).split():
        organisations = organisations.filter(search_name__contains=word)
    return organisations


def search_followed(user, text: str, exclude=(), limit: int = 20) -> list[Organisation]:
    """Followed organisations matching `text` (name_matches), by name, `exclude` left out."""
    organisations = name_matches(followed_organisations(user).exclude(pk__in=exclude), text)
    return list(organisations.order_by("name", "pk")[:limit])


def portfolio_results(user) -> dict[int, tuple[str, object]]:
    """Organisation id → (sector, overall score) of the current result of every followed
    organisation that has one: the groups its percentiles are taken in, in one query."""
    rows = (
        followed_organisations(user)
        .exclude(current_result=None)
        .values_list("pk", "sector", "current_score")
    )
    return {pk: (sector, score) for pk, sector, score in rows}


def book_area_scores(user) -> dict[int, dict[str, object]]:
    """Organisation id → area code → score of the current result of every followed
    organisation that has one, in one query."""
    rows = AreaResult.objects.filter(assessment__in=current_results(user)).values_list(
        "assessment__organisation_id", "area_code", "score"
    )
    scores: dict[int, dict[str, object]] = {}
    for organisation_id, code, score in rows:
        scores.setdefault(organisation_id, {})[code] = score
    return scores


def sector_sharer(organisation_id: int):
    """A consultant who lets this organisation's managers see its sector percentile
    within their book (the first to have switched it on), or None."""
    membership = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            role=Membership.Role.CONSULTANT,
            shares_sector_percentile=True,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def current_results(user) -> QuerySet[Assessment]:
    """The current (latest submitted) assessment of every followed organisation."""
    return Assessment.objects.filter(
        pk__in=followed_organisations(user).exclude(current_result=None).values("current_result")
    )


def benchmark(user) -> dict[str, float]:
    """Area code → mean area score of the current results of every followed organisation."""
    rows = (
        AreaResult.objects.filter(assessment__in=current_results(user))
        .values("area_code")
        .annotate(mean=Avg("score"))
    )
    return {row["area_code"]: float(row["mean"]) for row in rows}


def current_area_scores(organisation_ids) -> dict[int, dict[str, float]]:
    """Organisation id → area code → score of its current result."""
    latest = submitted_of(OuterRef("assessment__organisation")).values("pk")[:1]
    rows = AreaResult.objects.filter(
        assessment__organisation_id__in=organisation_ids, assessment=Subquery(latest)
    ).values_list("assessment__organisation_id", "area_code", "score")
    scores: dict[int, dict[str, float]] = {}
    for organisation_id, code, score in rows:
        scores.setdefault(organisation_id, {})[code] = float(score)
    return scores


def area_columns() -> list[Area]:
    """The areas of the current bank: the columns of every comparison, matched by code."""
    bank = current_bank()
    return list(Area.objects.filter(bank=bank).order_by("order")) if bank else []


def progress(organisation_id: int) -> list[Assessment]:
    """The organisation's submitted assessments, oldest first, with their area scores
    (and each score's area)."""
    return list(
        submitted_of(organisation_id)
        .select_related("bank")
        .prefetch_related(
            Prefetch("area_results", queryset=AreaResult.objects.select_related("area"))
        )
        .order_by("submitted_at", "pk")
    )


def portfolio_answers(user):
    """Every answer the portfolio's submitted assessments were scored with, as rows: in a
    round, each submitted response's, named as its report names them at closing (no name
    in an anonymous round)."""
    return (
        Answer.objects.filter(
            response__assessment__organisation__in=followed_organisations(user),
            response__assessment__status=Assessment.Status.SUBMITTED,
            response__submitted_at__isnull=False,
        )
        .order_by(
            "response__assessment__organisation__name",
            "response__assessment_id",
            F("response__pseudonym_number").asc(nulls_first=True),
            "response_id",
            "question__area__order",
            "question__number",
        )
        .values_list(
            "response__assessment__organisation__name",
            "response__assessment__submitted_at",
            "response__assessment__bank__version",
            "question__area__code",
            "question__number",
            "question__text_es",
            "choice",
            "note",
            "response__label",
        )
    )


# Whatever changes a book's sectors or scores (a result, a membership, an organisation)
# moves this generation on, in the shared cache, so every worker's cached counts lapse.
BOOK_GENERATION_KEY = "book-generation"
# Counts cached while the shared cache was unreachable could miss a change: none lives
# longer than this.
BOOK_COUNTS_TIMEOUT = 300


def book_generation() -> int:
    generation = cache.get(BOOK_GENERATION_KEY)
    if generation is None:
        # A lost counter starts again from a value no earlier entry was keyed by.
        cache.add(BOOK_GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(BOOK_GENERATION_KEY, 0)
    return generation


def book_changed() -> None:
    """Called when results, memberships or organisations change: the cached counts of
    every book lapse once the change is committed, so none is counted from before it."""

    def move_on():
        with contextlib.suppress(ValueError):  # no counter yet: the next read starts one
            cache.incr(BOOK_GENERATION_KEY)

    transaction.on_commit(move_on)


def book_score_counts(user) -> dict[tuple[str, object], int]:
    """(sector, current score or None) → how many followed organisations have it: the
    book's sectors and what its percentiles are taken from (comparison.standings_among),
    in one row per distinct pair however many organisations share it. Kept in the
    shared cache until the books change, so a page does not count a book of thousands."""
    key = f"book-counts:{_as_book(user).key}:{book_generation()}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            followed_organisations(user)
            .order_by()
            .values_list("sector", "current_score")
            .annotate(count=Count("pk"))
        )
        counts = {(sector, score): count for sector, score, count in rows}
        cache.set(key, counts, timeout=BOOK_COUNTS_TIMEOUT)
    return counts


def result_standing(user, assessment, whole_firm: bool = False) -> dict | None:
    """Where the organisation's current result stands: for its consultant, in the book
    they look at (their clients, or their firm's where `whole_firm` and the firm lets
    them) and its sector, overall and by area; for its managers, its sector percentile
    alone, if a consultant shares it. None on an older result, and for anyone else."""
    if not assessment.is_current_result:
        return None
    organisation_id = assessment.organisation_id
    in_firm_book = False
    if assessment.viewer_role == Membership.Role.CONSULTANT:
        book = user
        if whole_firm:
            book = book_for(user, consultant_access(user), True)
            in_firm_book = book.is_whole_firm
    elif assessment.viewer_role == Membership.Role.MANAGER and (
        assessment.sector_percentile_shared
    ):
        book = sector_sharer(organisation_id)
    else:
        return None
    results = portfolio_results(book)
    if organisation_id not in results:
        return None
    overall = comparison.standings(results)[organisation_id]
    if assessment.viewer_role == Membership.Role.MANAGER:
        return {"sector_only": True, "overall": overall}
    sectors = {pk: sector for pk, (sector, _score) in results.items()}
    by_area = comparison.area_standings(sectors, book_area_scores(book))
    areas = area_columns()
    return {
        "sector_only": False,
        "whole_firm": in_firm_book,
        "overall": overall,
        "areas": [
            (area, by_area[organisation_id][area.code])
            for area in areas
            if area.code in by_area.get(organisation_id, {})
        ],
    }


def organisation_row(user, organisation_id: int) -> Organisation:
    """One organisation the user manages or follows, with a portfolio row's columns
    (`change`, `is_assigned`); 404 for any other."""
    membership = Membership.objects.filter(organisation=OuterRef("pk"), user=user)
    row = (
        Organisation.objects.filter(pk=organisation_id)
        .filter(
            Exists(
                membership.filter(role__in=[Membership.Role.MANAGER, Membership.Role.CONSULTANT])
            )
        )
        .select_related("top_area")
        .annotate(
            change=F("current_score") - F("previous_score"),
            is_assigned=Exists(membership.filter(role=Membership.Role.CONSULTANT)),
        )
        .first()
    )
    if row is None:
        raise Http404
    return row


def with_area_results(assessments):
    """`assessments` with each one's area results (and their areas) read in one query."""
    prefetch_related_objects(
        list(assessments),
        Prefetch("area_results", queryset=AreaResult.objects.select_related("area")),
    )
    return assessments
