"""The `?page=` and `?per_page=` of the app's long lists (a book of thousands of clients,
their invitations)."""

from django.core.paginator import Paginator
from django.http import Http404

from assessments.paging import KeyedPaginator, rows_between

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 50


def page_of(request, queryset, count: int | None = None):
    """The page `?page=` names, of `?per_page=` rows (one of PAGE_SIZES, else the default),
    and that page size. A page past the end is the last one (the filters may have just
    shrunk the list); anything that is not a page number at all is a 404. `count`, when
    given, is the list's length."""
    size = request.GET.get("per_page", "")
    per_page = int(size) if size in {str(s) for s in PAGE_SIZES} else DEFAULT_PAGE_SIZE
    paginator = KeyedPaginator(queryset, per_page, count=count)
    number = request.GET.get("page", "1")
    if not number.isascii() or not number.isdigit() or int(number) < 1:
        raise Http404
    if int(number) == 1 and count is None:
        # Reading one row more than a page says whether there is a second: a list that
        # fits (most searches) needs no count of its matches.
        first = rows_between(queryset, 0, per_page + 1)
        if len(first) <= per_page:
            return Paginator(first, per_page).page(1), per_page
        return paginator._get_page(first[:per_page], 1, paginator), per_page
    return paginator.page(min(int(number), paginator.num_pages)), per_page
