from django.urls import path

from ketaclinic.outcomes import progress_views, views

app_name = "outcomes"
urlpatterns = [
    path("patients/<uuid:code>/diary/", views.patient_diary, name="patient_diary"),
    path(
        "patients/<uuid:code>/progress/",
        progress_views.patient_progress,
        name="patient_progress",
    ),
    path(
        "patients/<uuid:code>/progress/booster/",
        progress_views.mark_booster,
        name="mark_booster",
    ),
    path(
        "patients/<uuid:code>/progress.pdf",
        progress_views.progress_report_pdf,
        name="progress_pdf",
    ),
]
