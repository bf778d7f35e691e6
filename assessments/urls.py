from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "organisations/<int:organisation_id>/assessments/new/",
        views.assessment_start,
        name="assessment_start",
    ),
    path("assessments/<int:assessment_id>/", views.assessment_answer, name="assessment_answer"),
]
