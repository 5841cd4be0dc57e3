from django.urls import path

from ketaclinic.visits import views

app_name = "visits"
urlpatterns = [
    path("patients/<uuid:code>/visits/new/", views.visit_new, name="new"),
    path("patients/<uuid:code>/visits/<uuid:visit_code>/", views.visit_detail, name="detail"),
    path(
        "patients/<uuid:code>/visits/<uuid:visit_code>/correct/",
        views.visit_correct,
        name="correct",
    ),
]
