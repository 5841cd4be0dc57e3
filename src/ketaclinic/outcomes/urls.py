from django.urls import path

from ketaclinic.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("patients/<uuid:code>/diary/", views.patient_diary, name="patient_diary"),
]
