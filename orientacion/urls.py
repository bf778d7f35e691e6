from allauth.account import views as account_views
from allauth.account.decorators import reauthentication_required, secure_admin_login
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from assessments.forms import QueuedPasswordResetForm
from orientacion.auth import AddressChangeView, answered_no_sooner_than

# The admin signs in through the site's own sign-in, second factor included: its own form
# would be a way around it.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    # Visitors who have not signed in choose their language too (on the sign-in page).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # A forgotten password keeps its own pages, ahead of allauth's at the same addresses:
    # the mail goes through the task queue, and the page answers the same, in the same
    # time, whether or not the address has an account.
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Changing the account's address: the new one is confirmed from a link mailed to it,
    # the old one is told, and the change confirms who asks like a password change does.
    path(
        "accounts/email/",
        reauthentication_required(AddressChangeView.as_view()),
        name="account_email",
    ),
    # A password change confirms who asks (the second factor if they have one) when they
    # signed in more than ten minutes ago, like changes to the second factor do.
    path(
        "accounts/password/change/",
        reauthentication_required(account_views.password_change),
        name="account_change_password",
    ),
    # Sign-up answers an address with an account and a new one at the same moment.
    path(
        "accounts/signup/",
        answered_no_sooner_than("SIGNUP_ANSWER_SECONDS")(account_views.signup),
        name="account_signup",
    ),
    # Signing in and out, the password and the second factor: django-allauth.
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
    path("", include("assessments.urls")),
    # The JSON API, its OpenAPI schema and its documentation page.
    path("api/", include("assessments.api.urls")),
]

handler404 = "assessments.views.page_not_found"
handler500 = "assessments.views.server_error"
