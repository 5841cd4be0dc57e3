from django.urls import path

from ketaclinic.qschedule import views

app_name = "qschedule"
urlpatterns = [
    path(
        "patients/<uuid:code>/questionnaires/<uuid:row_code>/<slug:instrument>/",
        views.staff_followup_part,
        name="staff_part",
    ),
]
