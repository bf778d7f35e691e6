from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "organisations/<int:organisation_id>/assessments/new/",
        views.assessment_start,
        name="assessment_start",
    ),
    path("assessments/<int:assessment_id>/", views.assessment_answer, name="assessment_answer"),
    path(
        "assessments/<int:assessment_id>/report/",
        views.assessment_report,
        name="assessment_report",
    ),
    path(
        "assessments/<int:assessment_id>/report.csv",
        views.assessment_csv,
        name="assessment_csv",
    ),
    path(
        "assessments/<int:assessment_id>/charts/<slug:kind>/<slug:key>.svg",
        views.assessment_chart,
        name="assessment_chart",
    ),
]
