from django.urls import path

from ketaclinic.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:code>/", views.patient_chart, name="chart"),
    path("<uuid:code>/edit/", views.patient_edit, name="edit"),
    path("<uuid:code>/<str:kind>/new/", views.entry_create, name="entry_create"),
    path(
        "<uuid:code>/<str:kind>/<uuid:entry_code>/retire/", views.entry_retire, name="entry_retire"
    ),
]
