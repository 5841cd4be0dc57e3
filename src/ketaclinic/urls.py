from django.urls import include, path

from ketaclinic.lib import views
from ketaclinic.worklists import views as worklist_views

urlpatterns = [
    path("", worklist_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("ketaclinic.accounts.urls")),
    path("patients/", include("ketaclinic.patients.urls")),
    path("", include("ketaclinic.invitations.urls")),
    path("", include("ketaclinic.screening.urls")),
    path("alerts/", include("ketaclinic.alerts.urls")),
    path("audit/", include("ketaclinic.audit.urls")),
    path("policies/", include("ketaclinic.policies.urls")),
    path("portal/", include("ketaclinic.portal.urls")),
    path("api/", include("ketaclinic.api_urls")),
    path("api/schema/", views.SchemaView.as_view(), name="api-schema"),
]

handler404 = "ketaclinic.lib.views.not_found"
