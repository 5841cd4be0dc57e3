from django.urls import path

from ketaclinic.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("intake/", views.portal_intake, name="intake"),
    path("intake/<slug:section>/", views.portal_intake_section, name="intake_section"),
]
