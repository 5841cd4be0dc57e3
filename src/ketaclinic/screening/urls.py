from django.urls import path

from ketaclinic.screening import intake_views, views

app_name = "screening"
urlpatterns = [
    path("patients/<uuid:code>/screening/", views.summary, name="summary"),
    path("patients/<uuid:code>/screening/facts/", views.clinician_facts, name="facts"),
    path(
        "patients/<uuid:code>/screening/intake/<slug:section>/",
        intake_views.desk_intake_section,
        name="intake_section",
    ),
    path(
        "patients/<uuid:code>/screening/submit/",
        intake_views.desk_intake_submit,
        name="intake_submit",
    ),
    path("patients/<uuid:code>/screening/sign/", views.sign, name="sign"),
    path(
        "patients/<uuid:code>/screening/decisions/<uuid:decision_code>/revise/",
        views.revise,
        name="revise",
    ),
    path("screening/rules/", views.rule_sets, name="rules"),
]
