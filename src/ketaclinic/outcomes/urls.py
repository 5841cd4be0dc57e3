from django.urls import path

from ketaclinic.outcomes import analytics_views, views

app_name = "outcomes"
urlpatterns = [
    path("patients/<uuid:code>/diary/", views.patient_diary, name="patient_diary"),
    path("analytics/", analytics_views.clinic_analytics, name="analytics"),
    path("analytics/export.csv", analytics_views.analytics_export, name="analytics_export"),
]
