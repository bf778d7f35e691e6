"""Every admin list, our own and the third-party apps' (audit log, sign-in lockouts,
sessions), fed odd values in every filter, date drill-down, search, sort and page
parameter: a page, a 4xx, or Django admin's own "?e=1" redirect for a bad lookup, never
a server error."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

# Values that broke parsers before: letters where an id is read, digits int() refuses,
# NUL (PostgreSQL refuses it), lists, the empty string and numbers past any integer type.
ODD = ["abc", "²", "①", "\x00", "2,3", "", "9" * 40, "-1", "1e3", " 1", "2026-13-45"]


def changelists():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_module_permission
    ]


def parameters(client, url, model_admin) -> set[str]:
    """What the list reads from its query string: each filter's own parameters, the date
    drill-down, the search, the sort and the page."""
    response = client.get(url)
    assert response.status_code == 200, url
    names = {"q", "o", "p", "all"}
    for spec in response.context["cl"].filter_specs:
        names.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        names.update({f"{field}__year", f"{field}__month", f"{field}__day"})
    return names


@pytest.mark.parametrize(
    "model", [model for model, _admin in changelists()], ids=lambda m: m._meta.label
)
def test_no_odd_value_in_any_admin_list_makes_a_server_error(bank, staff, model):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    failures = []
    for name in sorted(parameters(client, url, model_admin)):
        for value in ODD:
            response = client.get(url, {name: value})
            if response.status_code >= 500:
                failures.append((name, value, response.status_code))
            elif response.status_code == 302:
                assert response.url.endswith("?e=1"), (name, value, response.url)
    assert failures == []
