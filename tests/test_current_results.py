"""Each organisation's row holds a copy of its current result, which the portfolio sorts,
filters and pages on; the database ranks a book for a page's percentiles. The copy must
follow every submission and deletion, and the ranking must give the rule's figures."""

import random
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import comparison, selectors, services
from assessments.models import Assessment, Membership, Organisation
from tests.conftest import all_choices, answer_inputs, client_for, make_user


def submit(bank, organisation, manager, choices):
    assessment = services.assessment_start(organisation=organisation, user=manager)
    return services.answers_submit(
        assessment=assessment, user=manager, answers=answer_inputs(bank, choices)
    )


def test_each_submission_becomes_its_organisation_s_current_result(bank, acme, alice):
    first = submit(bank, acme, alice, all_choices("no"))
    acme.refresh_from_db()
    assert (acme.current_result, acme.current_score, acme.current_level) == (
        first,
        Decimal("0"),
        first.maturity_level,
    )
    assert acme.previous_score is None
    # Everything "parcialmente" but question 4 (Medición) "no": Medición ranks first.
    second = submit(bank, acme, alice, all_choices("partly", q4="no"))
    acme.refresh_from_db()
    assert acme.current_result == second
    assert acme.current_score == second.overall_score
    assert acme.current_date == second.submitted_at
    assert acme.previous_score == Decimal("0")
    assert acme.top_area.code == second.area_results.get(rank=1).area_code == "MED"
    assert acme.top_area_order == acme.top_area.order


def test_an_organisation_read_before_a_submission_does_not_put_the_old_result_back(
    bank, acme, alice
):
    read_before = Organisation.objects.get(pk=acme.pk)
    submitted = submit(bank, acme, alice, all_choices("yes"))
    read_before.name = "Acme Renombrada"
    read_before.save()  # as the admin's form saves it
    acme.refresh_from_db()
    assert acme.name == "Acme Renombrada"
    assert acme.search_name == "acme renombrada"
    assert (acme.current_result, acme.current_score) == (submitted, Decimal("100"))


def test_deleting_the_current_result_in_the_admin_brings_back_the_one_before(
    client, bank, acme, alice
):
    older = submit(bank, acme, alice, all_choices("partly"))
    newer = submit(bank, acme, alice, all_choices("yes"))
    admin = client_for(client, make_user("root", is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:assessments_assessment_delete", args=[newer.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Assessment.objects.filter(pk=newer.pk).exists()
    acme.refresh_from_db()
    assert (acme.current_result, acme.current_score, acme.previous_score) == (
        older,
        Decimal("50"),
        None,
    )


def test_deleting_every_result_in_the_admin_list_leaves_none(client, bank, acme, alice):
    for choice in ("no", "yes"):
        submit(bank, acme, alice, all_choices(choice))
    admin = client_for(client, make_user("root", is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:assessments_assessment_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(Assessment.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.current_result, acme.current_score, acme.current_level, acme.top_area) == (
        None,
        None,
        "",
        None,
    )


def book_of(consultant, scores_by_sector):
    """Organisations followed by `consultant`, with the given current scores (written
    directly: the ranking reads the copy, whatever made it)."""
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"{sector} {i}", sector=sector, size_band="small", country="España")
        for sector, scores in scores_by_sector.items()
        for i in range(len(scores))
    )
    Membership.objects.bulk_create(
        Membership(user=consultant, organisation=o, role="consultant") for o in organisations
    )
    scores = [score for group in scores_by_sector.values() for score in group]
    for organisation, score in zip(organisations, scores, strict=True):
        organisation.current_score = score
    Organisation.objects.bulk_update(organisations, ["current_score"])
    return {o.pk: (o.sector, o.current_score) for o in organisations}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_database_ranks_a_book_as_the_rule_does(db, seed):
    """Scores on a coarse grid so that ties are many; sectors of 3, 5 and 30 so that one
    is too small to rank; another consultant's book and an organisation without a result
    must not count."""
    pick = random.Random(seed)

    def scores(n):
        return [Decimal(pick.randrange(0, 21) * 5) for _ in range(n)]

    consultant = make_user("ranker")
    results = book_of(consultant, {"Hostelería": scores(30), "Salud": scores(5), "Moda": scores(3)})
    book_of(make_user("other-consultant"), {"Hostelería": scores(10)})
    unscored = Organisation.objects.create(
        name="Sin resultado", sector="Hostelería", size_band="small", country="España"
    )
    Membership.objects.create(user=consultant, organisation=unscored, role="consultant")

    def standings_of(page):
        return comparison.standings_among(selectors.book_score_counts(consultant), page)

    ranked = standings_of(results)
    assert ranked == comparison.standings(results)
    assert {standing.sector for pk, standing in ranked.items() if results[pk][0] == "Moda"} == {
        None
    }
    # A page asks for its own rows; they are ranked among the whole book all the same.
    page = {pk: results[pk] for pk in pick.sample(sorted(results), 7)}
    assert standings_of(page) == {pk: ranked[pk] for pk in page}


def percentile_cells(page) -> list[str]:
    cells = re.findall(r"<td[^>]*data-percentile>(.*?)</td>", page, re.S)
    return [re.sub(r"<[^>]+>", " ", cell).split()[0] for cell in cells]


def test_the_portfolio_s_counts_follow_a_new_result_and_a_new_client(
    client, bank, django_capture_on_commit_callbacks
):
    """The book's counts are kept in the shared cache: a submission, or a client added,
    must show on the consultant's next view."""
    consultant = make_user("follows-five")
    managers = []
    for i, choice in enumerate(["no", "partly", "partly", "yes", "yes"]):
        organisation = Organisation.objects.create(
            name=f"Org {i}", sector="Salud", size_band="small", country="España"
        )
        Membership.objects.create(user=consultant, organisation=organisation, role="consultant")
        manager = make_user(f"manager-{i}")
        Membership.objects.create(user=manager, organisation=organisation, role="manager")
        managers.append((organisation, manager))
        with django_capture_on_commit_callbacks(execute=True):
            submit(bank, organisation, manager, all_choices(choice))
    signed_in = client_for(client, consultant)
    url = reverse("portfolio") + "?sort=score"
    # 0, 50, 50, 100, 100: 0; 1 lower + half of 1 tie of 4 → 37.5 → 38; 3 + ½ → 88.
    assert percentile_cells(signed_in.get(url).content.decode()) == ["0", "38", "38", "88", "88"]
    organisation, manager = managers[0]
    with django_capture_on_commit_callbacks(execute=True):
        submit(bank, organisation, manager, all_choices("yes"))
    # 50, 50, 100, 100, 100: the first two ½ of 1 → 13; the three 2 + ½ of 2 → 75.
    page = signed_in.get(url).content.decode()
    assert percentile_cells(page) == ["13", "13", "75", "75", "75"]
    with django_capture_on_commit_callbacks(execute=True):
        other = Organisation.objects.create(
            name="Nueva", sector="Logística", size_band="small", country="España"
        )
        Membership.objects.create(user=consultant, organisation=other, role="consultant")
    assert '<option value="Logística">' in signed_in.get(url).content.decode()
