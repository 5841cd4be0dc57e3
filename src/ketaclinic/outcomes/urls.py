from django.urls import path

from ketaclinic.outcomes import analytics_views, progress_views, views

app_name = "outcomes"
urlpatterns = [
    path("patients/<uuid:code>/diary/", views.patient_diary, name="patient_diary"),
    path(
        "patients/<uuid:code>/progress/",
        progress_views.patient_progress,
        name="patient_progress",
    ),
    path(
        "patients/<uuid:code>/progress/pain.svg",
        progress_views.progress_chart,
        {"chart": "pain"},
        name="progress_pain_chart",
    ),
    path(
        "patients/<uuid:code>/progress/scores.svg",
        progress_views.progress_chart,
        {"chart": "scores"},
        name="progress_scores_chart",
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
    path("analytics/", analytics_views.clinic_analytics, name="analytics"),
    path("analytics/export.csv", analytics_views.analytics_export, name="analytics_export"),
]
