from django.urls import path

from ketaclinic.outcomes import progress_views
from ketaclinic.outcomes import views as outcomes_views
from ketaclinic.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("intake/", views.portal_intake, name="intake"),
    path("intake/<slug:section>/", views.portal_intake_section, name="intake_section"),
    path("diary/", outcomes_views.portal_diary, name="diary"),
    path("progress/", outcomes_views.portal_progress, name="progress"),
    path("progress.pdf", progress_views.portal_progress_pdf, name="progress_pdf"),
]
