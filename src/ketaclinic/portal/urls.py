from django.urls import path

from ketaclinic.portal import views
from ketaclinic.screening import views as screening_views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("intake/", screening_views.portal_intake, name="intake"),
    path("intake/<slug:section>/", screening_views.portal_intake_section, name="intake_section"),
]
