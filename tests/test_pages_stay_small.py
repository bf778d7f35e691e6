"""Every page that lists a consultant's book, their firm's or the admin's tables reads the
same number of queries and writes about the same HTML for a book of 120 organisations
as for one of 300 (each more than a page long): what scripts/benchmark.py times at 500,
5,000 and 20,000."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scripts.book_data import growing_book, pages_of

# The queries of each page, pinned: a change that adds one to a page, or a page to the
# admin, shows here.
QUERIES = {
    "first page": 5,
    "middle page": 5,
    "search by name": 5,
    "filtered by sector, page 2": 6,
    "whole firm, first page": 5,
    "whole firm, sorted by score": 5,
    "consultant's home page": 5,
    "partner's home page": 5,
    "firm's consultants page": 6,  # its people, invitations and webhooks
    "progress, 50 assessments": 9,  # and the organisation's customer outcomes
    "invitations": 6,
    # the session, the user, what they may do as a consultant, the current bank and its
    # areas: the book's sectors, correlations and scatter are in the shared cache
    "outcomes: my clients": 5,
    "outcomes: whole firm, a sector": 5,
    # the token; its request counted (an UPDATE and its count read back, in a savepoint
    # here); what its owner may do as a consultant; the page and its top areas (the
    # book's counts are cached), or the assessments and their areas
    "api: organisations, 100 a page": 8,
    "api: whole firm, by score": 8,
    "api: 50 assessments of one organisation": 8,
    "admin: groups": 4,
    "admin: users": 5,
    "admin: sessions": 4,
    "admin: email addresses": 4,
    "admin: log entries": 7,
    "admin: question banks": 5,
    "admin: questions": 6,
    "admin: firms": 4,
    "admin: organisations": 7,
    "admin: assessments": 5,
    "admin: invitations": 4,
    "admin: e-mails": 4,
    "admin: Scheduled tasks": 5,
    "admin: Queued tasks": 5,
    "admin: Successful tasks": 6,
    "admin: Failed tasks": 6,
    "admin: access failures": 7,
    "admin: access logs": 7,
    "admin: access attempts": 7,
    "admin: authenticators": 4,
    "admin: erasures": 4,
    "admin: deleted organisations": 4,
}


@pytest.mark.django_db
def test_pages_read_the_same_queries_for_a_small_and_a_large_book(bank):
    staff = get_user_model().objects.create_user("pages-admin", is_staff=True, is_superuser=True)
    measured = {}
    for size in (120, 300):
        book = growing_book(size, per_organisation=1)
        for label, (client, url) in pages_of(book, size, staff).items():
            assert client.get(url).status_code == 200, label  # the cached counts are made
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, label
            measured.setdefault(label, []).append((len(queries), len(response.content)))
    for label, ((small_queries, small_html), (large_queries, large_html)) in measured.items():
        assert small_queries == large_queries, (label, small_queries, large_queries)
        # The same rows on a page: only the numbers and names in them differ.
        assert abs(large_html - small_html) < 0.1 * small_html + 2048, label
    # Every page is pinned, a new admin changelist too.
    assert {label: queries for label, ((queries, _html), _large) in measured.items()} == QUERIES
