"""Reads, one function per page-shaped query, so each page's query count is fixed."""

import contextlib
import time

from django.core import serializers
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from assessments import bank_io
from assessments.models import (
    Action,
    AgreedAnswer,
    Answer,
    Area,
    AreaResult,
    Assessment,
    Invitation,
    Membership,
    Organisation,
    Question,
    QuestionBank,
    Response,
    search_key,
)


def current_bank() -> QuestionBank | None:
    return (
        QuestionBank.objects.filter(status=QuestionBank.Status.PUBLISHED)
        .order_by("-published_at", "-version")
        .first()
    )


def bank_question_ids(bank_id: int) -> list[int]:
    return list(Question.objects.filter(area__bank_id=bank_id).values_list("id", flat=True))


def memberships_for_home(user) -> QuerySet[Membership]:
    """The user's organisations with their assessments; `invited` and `my_submitted_at`
    tell, for each, whether the user answers it and whether they submitted."""
    own = Response.objects.filter(assessment=OuterRef("pk"), respondent=user)
    assessments = (
        Assessment.objects.select_related("started_by", "bank")
        .annotate(invited=Exists(own), my_submitted_at=Subquery(own.values("submitted_at")[:1]))
        .order_by("-created_at")
    )
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .prefetch_related(Prefetch("organisation__assessments", queryset=assessments))
        .order_by("organisation__name")
    )


def membership_for_user(user, organisation_id: int, roles=None) -> Membership:
    """The user's membership of an organisation, or 404: the one way into an organisation."""
    memberships = Membership.objects.select_related("organisation").filter(
        user=user, organisation_id=organisation_id
    )
    if roles:
        memberships = memberships.filter(role__in=roles)
    membership = memberships.first()
    if membership is None:
        raise Http404
    return membership


def assessment_for_user(
    user, assessment_id: int, roles=None, related=(), annotations=None
) -> Assessment:
    """An assessment of one of the user's organisations, or 404: the one way into one.
    A respondent reaches only the rounds they are invited to. `related` names further
    relations the page shows (fetched in the same query); `viewer_role`, `viewer_invited`
    and `viewer_submitted_at` say how the user takes part."""
    membership = Membership.objects.filter(user=user, organisation=OuterRef("organisation_id"))
    if roles:
        membership = membership.filter(role__in=roles)
    invited = Response.objects.filter(assessment=OuterRef("pk"), respondent=user)
    assessment = (
        Assessment.objects.select_related("organisation", "bank", *related)
        .annotate(
            # One membership per user and organisation (a unique constraint).
            viewer_role=Subquery(membership.values("role")[:1]),
            viewer_invited=Exists(invited),
            viewer_submitted_at=Subquery(invited.values("submitted_at")[:1]),
            **(annotations or {}),
        )
        .filter(pk=assessment_id)
        .exclude(viewer_role=None)
        .exclude(Q(viewer_role=Membership.Role.RESPONDENT) & Q(viewer_invited=False))
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def invitable_member_ids(organisation, lead) -> list[int]:
    """Who a lead may invite to a round from the organisation: its managers and
    respondents, the lead aside."""
    return list(
        Membership.objects.filter(
            organisation=organisation,
            role__in=[Membership.Role.MANAGER, Membership.Role.RESPONDENT],
        )
        .exclude(user=lead)
        .values_list("user_id", flat=True)
    )


def round_responses(assessment_id: int) -> list[Response]:
    """A round's responses, the lead's first, each with its respondent and how many
    questions it has answered."""
    return list(
        Response.objects.filter(assessment_id=assessment_id)
        .select_related("respondent")
        .annotate(answered=Count("answers", filter=~Q(answers__choice="")))
        .order_by("pk")
    )


def submitted_answers(assessment_id: int) -> dict[int, dict[int, Answer]]:
    """Response id → question id → answer, for the submitted responses: in a closed
    anonymous round in pseudonym order (drawn at random), otherwise in invitation order."""
    answers = (
        Answer.objects.filter(
            response__assessment_id=assessment_id, response__submitted_at__isnull=False
        )
        .select_related("response")
        .order_by(F("response__pseudonym_number").asc(nulls_first=True), "response_id")
    )
    by_response: dict[int, dict[int, Answer]] = {}
    for answer in answers:
        by_response.setdefault(answer.response_id, {})[answer.question_id] = answer
    return by_response


def agreed_answers(assessment_id: int) -> dict[int, AgreedAnswer]:
    """Question id → the answer the lead agreed for it."""
    return {
        agreed.question_id: agreed
        for agreed in AgreedAnswer.objects.filter(assessment_id=assessment_id)
    }


def questions_by_area(bank_id: int) -> list[Area]:
    """The bank's areas in report order, each with its questions prefetched in order."""
    return list(
        Area.objects.filter(bank_id=bank_id)
        .order_by("order")
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("number")))
    )


class PublishedBankMemo:
    """What is derived from a published bank (its structure, the answer page's markup),
    computed once per worker and kept as plain objects.

    A published bank never changes (edits go into a new version), so nothing here goes
    stale. A cache backend would pickle and unpickle the values on every read, which cost
    the answer page more than its queries; a draft is never kept.
    """

    # More than a running worker meets (a few entries per version and language); past it,
    # starting again is cheaper than tracking which version is oldest.
    MAX_ENTRIES = 256

    def __init__(self):
        self._values = {}

    def get(self, bank: QuestionBank, name: str, build):
        if bank.status != QuestionBank.Status.PUBLISHED:
            return build()
        key = (bank.pk, bank.published_at, name)
        try:
            return self._values[key]
        except KeyError:
            if len(self._values) >= self.MAX_ENTRIES:
                self._values.clear()
            return self._values.setdefault(key, build())

    def clear(self):
        self._values.clear()


published_banks = PublishedBankMemo()


def bank_structure(bank: QuestionBank) -> list[Area]:
    """`questions_by_area`, built once per worker for a published bank."""
    return published_banks.get(bank, "structure", lambda: questions_by_area(bank.pk))


def answers_of(assessment_id: int, respondent) -> dict[int, Answer]:
    """Question id → this respondent's saved answer."""
    answers = Answer.objects.filter(
        response__assessment_id=assessment_id, response__respondent=respondent
    ).only("question_id", "choice", "note", "response_id")
    return {a.question_id: a for a in answers}


def saved_answer_values(assessment_id: int, respondent) -> dict[str, str]:
    """This respondent's saved answers as the answer form's field names and values."""
    rows = Answer.objects.filter(
        response__assessment_id=assessment_id, response__respondent=respondent
    ).values_list("question_id", "choice", "note")
    values = {}
    for question_id, choice, note in rows:
        values[f"q{question_id}-choice"] = choice
        values[f"q{question_id}-note"] = note
    return values


def report_inputs(
    assessment: Assessment,
) -> tuple[list[Area], list[dict[int, Answer]], dict[int, AgreedAnswer]]:
    """What the report is computed from: the bank's areas and questions, the submitted
    responses' answers (one response unless it was a round) and the agreed answers. The
    same four queries however many people answered."""
    return (
        questions_by_area(assessment.bank_id),
        list(submitted_answers(assessment.pk).values()),
        agreed_answers(assessment.pk),
    )


def scored_values(assessment: Assessment) -> tuple[list[Area], dict[int, float], frozenset]:
    """A submitted assessment's areas and the values its result was scored with. Both
    never change once submitted, so each worker's page cache keeps the values."""
    from django.core.cache import caches

    from assessments.assessment_scoring import submitted_values

    areas = bank_structure(assessment.bank)
    stored = caches["pages"].get(_values_key(assessment))
    if stored is None:
        responses = list(submitted_answers(assessment.pk).values())
        agreed = {qid: a.choice for qid, a in agreed_answers(assessment.pk).items()}
        stored = remember_values(assessment, submitted_values(assessment, areas, responses, agreed))
    return areas, *stored


def _values_key(assessment: Assessment) -> str:
    return f"values:{assessment.pk}:{assessment.submitted_at.isoformat()}"


def remember_values(assessment: Assessment, values):
    """Keep what `scored_values` returns when the report has just read it anyway."""
    from django.core.cache import caches

    caches["pages"].set(_values_key(assessment), values)
    return values


# Consultants' portfolio. Every figure below is computed by the database, so a page's
# query count is the same for 5 organisations or 500.


def followed_organisations(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.CONSULTANT
    )


def _submitted_of(organisation_ref) -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        organisation=organisation_ref, status=Assessment.Status.SUBMITTED
    ).order_by("-submitted_at", "-pk")


def portfolio(user) -> QuerySet[Organisation]:
    """Followed organisations with their current result, which each organisation's row
    holds (see refresh_current_results): sorting, filtering and paging read no other
    table, whatever the size of the book. The plan's counts and the percentiles are read
    for a page's rows alone (`plan_summaries`, `book_score_counts`)."""
    return (
        followed_organisations(user)
        .select_related("current_result__bank", "top_area")
        .annotate(change=F("current_score") - F("previous_score"))
    )


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
    latest = _submitted_of(OuterRef("assessment__organisation")).values("pk")[:1]
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
    """The organisation's submitted assessments, oldest first, with their area scores."""
    return list(
        _submitted_of(organisation_id)
        .select_related("bank")
        .prefetch_related("area_results")
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


def invitations_sent_by_consultants_of(user) -> QuerySet:
    """Invitations to manage the organisations the user follows as a consultant, newest
    first (a round's invitations to answer are its lead's business)."""
    return (
        Invitation.objects.filter(
            organisation__in=followed_organisations(user), role=Membership.Role.MANAGER
        )
        .select_related("organisation", "invited_by", "user")
        .order_by("-sent_at", "-pk")
    )


def invitation_for_consultant(user, invitation_id: int):
    """An invitation to an organisation the user follows as a consultant, or 404."""
    invitation = invitations_sent_by_consultants_of(user).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_for_invitee(user, secret: str):
    """The pending invitation whose link holds `secret`, if it was sent to `user`; 404
    otherwise, saying nothing about whether the link exists."""
    invitation = (
        Invitation.objects.filter(
            token_hash=Invitation.hash_of(secret), user=user, accepted_at=None
        )
        .select_related("organisation", "invited_by")
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


# The action plan.


def plan_owners(organisation_id: int) -> QuerySet:
    """Who can own an action: the organisation's people (managers and respondents)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role__in=[Membership.Role.MANAGER, Membership.Role.RESPONDENT],
        )
        .order_by("first_name", "last_name", "username")
    )


def plan_free_text_owners(organisation_id: int) -> list[str]:
    return list(
        Action.objects.live()
        .filter(organisation_id=organisation_id, owner=None)
        .exclude(owner_name="")
        .order_by("owner_name")
        .values_list("owner_name", flat=True)
        .distinct()
    )


def plan_actions(organisation_id: int) -> QuerySet[Action]:
    """The organisation's live actions with what the plan page shows of each."""
    return (
        Action.objects.live()
        .filter(organisation_id=organisation_id)
        .select_related("question__area", "owner")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )


def recently_deleted_actions(organisation_id: int, window) -> list[Action]:
    from django.utils import timezone

    return list(
        Action.objects.filter(
            organisation_id=organisation_id, deleted_at__gte=timezone.now() - window
        )
        .select_related("question")
        .order_by("-deleted_at")
    )


def latest_submitted(organisation_id: int) -> Assessment | None:
    return _submitted_of(organisation_id).select_related("bank").first()


def action_for_manager(user, action_id: int) -> Action:
    """An action of an organisation the user manages, or 404."""
    action = (
        Action.objects.filter(
            pk=action_id,
            organisation__memberships__user=user,
            organisation__memberships__role=Membership.Role.MANAGER,
        )
        .select_related("organisation", "assessment", "question__area", "owner")
        .first()
    )
    if action is None:
        raise Http404
    return action


def _previous_submitted(assessment_ref, organisation_ref, submitted_at_ref) -> QuerySet:
    return (
        Assessment.objects.filter(
            organisation=organisation_ref,
            status=Assessment.Status.SUBMITTED,
            submitted_at__lt=submitted_at_ref,
        )
        .exclude(pk=assessment_ref)
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )


# For `assessment_for_user(annotations=...)`: whether the organisation's assessment before
# this one has a plan, so a report without one spends no query on it.
HAS_PREVIOUS_PLAN = {
    "has_previous_plan": Exists(
        Action.objects.live().filter(
            assessment=Subquery(
                _previous_submitted(
                    OuterRef(OuterRef("pk")),
                    OuterRef(OuterRef("organisation")),
                    OuterRef(OuterRef("submitted_at")),
                )
            )
        )
    )
}


def previous_plan(assessment: Assessment) -> list[Action]:
    """The live actions of the organisation's assessment submitted before this one."""
    previous = _previous_submitted(
        assessment.pk, assessment.organisation_id, assessment.submitted_at
    )
    return list(
        Action.objects.live()
        .filter(assessment=Subquery(previous))
        .select_related("question__area", "owner", "assessment__bank")
        .order_by("question__area__order", "question__number", "pk")
    )


def plan_summaries(organisation_ids) -> dict[int, dict]:
    """Organisation id → its plan's open and overdue actions, in one query (an
    organisation without open actions is absent)."""
    from django.utils import timezone

    open_ = Q(status__in=["pending", "in_progress"])
    rows = (
        Action.objects.live()
        .filter(organisation_id__in=organisation_ids)
        .order_by()
        .values("organisation_id")
        .annotate(
            open_actions=Count("pk", filter=open_),
            overdue_actions=Count("pk", filter=open_ & Q(due_date__lt=timezone.localdate())),
        )
    )
    return {row.pop("organisation_id"): row for row in rows}


def plan_summary(organisation_id: int) -> dict:
    """The organisation's open and overdue actions, in one query."""
    return plan_summaries([organisation_id]).get(
        organisation_id, {"open_actions": 0, "overdue_actions": 0}
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
    key = f"book-counts:{user.pk}:{book_generation()}"
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


def bank_content(bank: QuestionBank) -> bank_io.BankContent:
    """What a bank version says, as plain data, in two queries."""
    areas = list(bank.areas.order_by("order").prefetch_related("questions"))
    return bank_io.BankContent(
        bank.title_es,
        bank.title_en,
        bank.threshold_developing,
        bank.threshold_oriented,
        bank.threshold_centred,
        areas=tuple(
            bank_io.AreaContent(**{c: getattr(a, c) for c in bank_io.AREA_COLUMNS}) for a in areas
        ),
        questions=tuple(
            sorted(
                (
                    bank_io.QuestionContent(
                        area=a.code, **{c: getattr(q, c) for c in bank_io.QUESTION_COLUMNS[1:]}
                    )
                    for a in areas
                    for q in a.questions.all()
                ),
                key=lambda q: q.number,
            )
        ),
    )


def bank_fixture(bank: QuestionBank) -> str:
    """The version as `dumpdata --natural-foreign --natural-primary` writes it: a file
    `loaddata` reads, and the import takes."""
    areas = list(bank.areas.select_related("bank").order_by("order"))
    questions = list(
        Question.objects.filter(area__bank=bank)
        .select_related("area__bank")
        .order_by("area__order", "number")
    )
    return serializers.serialize(
        "json",
        [bank, *areas, *questions],
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
        indent=2,
    )


# For a report: whether it is its organisation's current result (no later submitted one),
# and whether a consultant shares the sector percentile with its managers.
STANDING_ANNOTATIONS = {
    "is_current_result": ~Exists(
        Assessment.objects.filter(
            organisation=OuterRef("organisation"), status=Assessment.Status.SUBMITTED
        ).filter(
            Q(submitted_at__gt=OuterRef("submitted_at"))
            | Q(submitted_at=OuterRef("submitted_at"), pk__gt=OuterRef("pk"))
        )
    ),
    "sector_percentile_shared": Exists(
        Membership.objects.filter(
            organisation=OuterRef("organisation"),
            role=Membership.Role.CONSULTANT,
            shares_sector_percentile=True,
        )
    ),
}
