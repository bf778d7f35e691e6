"""A consultant's growing book, written in bulk, and the pages that must stay the same size
whatever its size: shared by scripts/benchmark.py, which times them at 500, 5,000 and
20,000 organisations, and tests/test_pages_stay_small.py, which pins their queries."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assessments import scoring, selectors, services
from assessments.assessment_scoring import scoring_rows
from assessments.models import (
    Answer,
    AreaResult,
    Assessment,
    Firm,
    FirmMember,
    Invitation,
    Membership,
    Organisation,
    OutcomeValue,
    QuestionBank,
    Response,
    refresh_current_results,
    search_key,
)
from assessments.views.portfolio import WHOLE_FIRM


def bulk_portfolio(
    consultant, organisations: int, per_organisation: int, prefix: str = "", firm=None
):
    """`organisations` × `per_organisation` submitted assessments, scored by scoring.py and
    written in bulk (the services would take minutes for 2,000 assessments)."""
    bank = QuestionBank.objects.get(version=1)
    areas = selectors.questions_by_area(bank.pk)
    area_rows, question_rows = scoring_rows(areas)
    questions = [q for area in areas for q in area.questions.all()]
    area_ids = {area.code: area.pk for area in areas}
    manager = get_user_model().objects.create_user(f"bench-portfolio-manager{prefix}")
    sectors = ["Hostelería", "Industria", "Comercio", "Logística", "Salud"]
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"{prefix}Cliente {i:05d}",
            # bulk_create does not call save()
            search_name=search_key(f"{prefix}Cliente {i:05d}"),
            sector=sectors[i % len(sectors)],
            size_band=["micro", "small", "medium", "large"][i % 4],
            country="España",
            firm=firm,
        )
        for i in range(organisations)
    )
    Membership.objects.bulk_create(
        Membership(user=consultant, organisation=o, role="consultant") for o in orgs
    )
    now = timezone.now()
    assessments, plans = [], []
    for i, organisation in enumerate(orgs):
        for round_ in range(per_organisation):
            choices = [
                ("yes", "partly", "no")[(i * 7 + round_ * 3 + q.number * 5) % 3] for q in questions
            ]
            values = {
                q.number: scoring.ANSWER_VALUES[c] for q, c in zip(questions, choices, strict=True)
            }
            result = scoring.score(area_rows, question_rows, values, bank.thresholds)
            when = now - timedelta(days=365 * (per_organisation - round_))
            assessments.append(
                Assessment(
                    organisation=organisation,
                    bank=bank,
                    started_by=manager,
                    status="submitted",
                    submitted_at=when,
                    submitted_by=manager,
                    overall_score=round(result.overall, 2),
                    maturity_level=result.level.value,
                    respondent_count=1,
                    invited_count=1,
                )
            )
            plans.append((choices, result))
    assessments = Assessment.objects.bulk_create(assessments, batch_size=500)
    responses = Response.objects.bulk_create(
        (
            Response(assessment=a, respondent=manager, submitted_at=a.submitted_at)
            for a in assessments
        ),
        batch_size=500,
    )
    Answer.objects.bulk_create(
        (
            Answer(response=r, question=q, choice=c, note="nota" if c == "no" else "")
            for r, (choices, _result) in zip(responses, plans, strict=True)
            for q, c in zip(questions, choices, strict=True)
        ),
        batch_size=2000,
    )
    AreaResult.objects.bulk_create(
        (
            AreaResult(
                assessment=a,
                area_id=area_ids[p.code],
                area_code=p.code,
                score=round(p.score, 2),
                priority=round(p.priority, 2),
                rank=p.rank,
            )
            for a, (_choices, result) in zip(assessments, plans, strict=True)
            for p in result.priorities
        ),
        batch_size=2000,
    )
    refresh_current_results(Organisation.objects.filter(memberships__user=consultant))
    outcomes_of(orgs, plans[per_organisation - 1 :: per_organisation], now)
    return orgs


OUTCOME_MONTHS = 6


def outcomes_of(organisations, latest_results, now) -> None:
    """Six months of NPS and complaints for each organisation, the complaints falling as
    its Medición score rises, so the book's correlations have something to find."""
    month = timezone.localdate(now).replace(day=1)
    months = []
    for _ in range(OUTCOME_MONTHS):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    OutcomeValue.objects.bulk_create(
        (
            OutcomeValue(organisation=organisation, measure=measure, period=period, value=value)
            for organisation, (_choices, result) in zip(organisations, latest_results, strict=True)
            for index, period in enumerate(months)
            for measure, value in (
                ("nps", round(result.overall - 40 + index, 1)),
                ("complaints", round(max(0.0, 30 - result.area_scores["MED"] / 4 + index), 1)),
            )
        ),
        batch_size=2000,
    )


def invitations_of(consultant, organisations) -> None:
    """An accepted invitation to manage each organisation, from its consultant."""
    invitee, _created = get_user_model().objects.get_or_create(username="bench-invitee")
    now = timezone.now()
    Invitation.objects.bulk_create(
        (
            Invitation(
                organisation=organisation,
                user=invitee,
                email=f"manager{organisation.pk}@example.com",
                invited_by=consultant,
                role=Membership.Role.MANAGER,
                new_account=False,
                sent_at=now,
                accepted_at=now,
            )
            for organisation in organisations
        ),
        batch_size=1000,
    )


def growing_book(size: int, per_organisation: int = 4, tag: str = "") -> dict:
    """A firm whose one consultant follows `size` organisations of `per_organisation`
    submitted assessments each, each with an accepted invitation, plus one with 50
    assessments; the firm's partner reads the whole book. Tables are analysed afterwards,
    as PostgreSQL's autovacuum does after such a load, so that plans are those of a
    settled database."""
    users = get_user_model().objects
    tag = tag or str(size)
    consultant = users.create_user(f"book-consultant-{tag}")
    partner = users.create_user(f"book-partner-{tag}")
    firm = Firm.objects.create(name=f"Firma {tag}")
    FirmMember.objects.bulk_create(
        [
            FirmMember(firm=firm, user=partner, role=FirmMember.Role.PARTNER),
            FirmMember(firm=firm, user=consultant, role=FirmMember.Role.CONSULTANT),
        ]
    )
    organisations = bulk_portfolio(consultant, size, per_organisation, f"B{tag} ", firm)
    invitations_of(consultant, organisations)
    (long_history,) = bulk_portfolio(consultant, 1, 50, f"L{tag} ", firm)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"consultant": consultant, "partner": partner, "long_history": long_history}


def admin_changelists() -> dict[str, str]:
    """Every changelist of the site's admin, the third-party apps' too, by its title."""
    with translation.override("en"):
        return {
            f"admin: {model._meta.verbose_name_plural}": reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
            )
            for model in admin.site._registry
        }


def api_token_for(user) -> str:
    return services.api_token_create(user=user, name="bench", access="read", days=30).key


def pages_of(book: dict, size: int, staff) -> dict[str, tuple[Client, str]]:
    """Label → (signed-in client, address) of every page that must not grow with `book`."""
    consultant, partner, admin_client = Client(), Client(), Client()
    consultant.force_login(book["consultant"])
    partner.force_login(book["partner"])
    admin_client.force_login(staff)
    api_consultant, api_partner = (
        Client(HTTP_AUTHORIZATION=f"Bearer {api_token_for(book[who])}")
        for who in ("consultant", "partner")
    )
    session = partner.session
    session[WHOLE_FIRM] = True  # the partner reads "toda la firma"
    session.save()
    portfolio = reverse("portfolio")
    middle = max(1, size // 50 // 2)
    return {
        "first page": (consultant, portfolio),
        "middle page": (consultant, f"{portfolio}?page={middle}"),
        "search by name": (consultant, f"{portfolio}?q=cliente+{size // 3:05d}"),
        "filtered by sector, page 2": (
            consultant,
            f"{portfolio}?sector=Industria&per_page=10&page=2",
        ),
        "whole firm, first page": (partner, portfolio),
        "whole firm, sorted by score": (partner, f"{portfolio}?sort=-score"),
        "consultant's home page": (consultant, reverse("home")),
        "partner's home page": (partner, reverse("home")),
        "firm's consultants page": (partner, reverse("firm")),
        "progress, 50 assessments": (
            consultant,
            reverse("progress", args=[book["long_history"].pk]),
        ),
        "invitations": (consultant, reverse("invitations")),
        "outcomes: my clients": (consultant, reverse("book_outcomes")),
        "outcomes: whole firm, a sector": (partner, f"{reverse('book_outcomes')}?sector=Salud"),
        "api: organisations, 100 a page": (
            api_consultant,
            f"{reverse('api_organisations')}?page_size=100",
        ),
        "api: whole firm, by score": (
            api_partner,
            f"{reverse('api_organisations')}?book=firm&sort=-score&page_size=100",
        ),
        "api: 50 assessments of one organisation": (
            api_consultant,
            reverse("api_assessments", args=[book["long_history"].pk]),
        ),
        **{label: (admin_client, url) for label, url in admin_changelists().items()},
    }
