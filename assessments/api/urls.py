from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from assessments.api import views

# The schema and its page describe the API to anyone (nothing in them is anyone's data);
# every endpoint asks for a token or a session.
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema",
            permission_classes=[AllowAny],
            # Swagger UI's page with its few styles in a file, within the CSP.
            template_name="assessments/api_docs.html",
        ),
        name="api_docs",
    ),
    path("v1/organisations/", views.OrganisationList.as_view(), name="api_organisations"),
    path(
        "v1/organisations/<id:organisation_id>/",
        views.OrganisationDetail.as_view(),
        name="api_organisation",
    ),
    path(
        "v1/organisations/<id:organisation_id>/assessments/",
        views.AssessmentList.as_view(),
        name="api_assessments",
    ),
    path(
        "v1/organisations/<id:organisation_id>/actions/",
        views.ActionList.as_view(),
        name="api_actions",
    ),
    path(
        "v1/assessments/<id:assessment_id>/",
        views.AssessmentDetail.as_view(),
        name="api_assessment",
    ),
    path(
        "v1/assessments/<id:assessment_id>/answers/",
        views.AnswerList.as_view(),
        name="api_answers",
    ),
    path(
        "v1/organisations/<id:organisation_id>/outcomes/",
        views.OutcomeList.as_view(),
        name="api_outcomes",
    ),
    path("v1/actions/<id:action_id>/", views.ActionDetail.as_view(), name="api_action"),
    path("v1/answers/", views.BookAnswers.as_view(), name="api_book_answers"),
    path("v1/clients/", views.ClientCreate.as_view(), name="api_clients"),
    path("v1/firm/consultants/", views.FirmConsultants.as_view(), name="api_firm_consultants"),
]
