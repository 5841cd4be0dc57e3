from django.urls import include, path

from ketaclinic.lib import views
from ketaclinic.worklists import views as worklist_views

urlpatterns = [
    path("", worklist_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("references/", views.references, name="references"),
    path("accounts/", include("ketaclinic.accounts.urls")),
    # Before the chart's routes: "patients/<code>/<kind>/new/" would take "plans/new/".
    path("", include("ketaclinic.plans.urls")),
    path("", include("ketaclinic.infusions.urls")),
    path("", include("ketaclinic.outcomes.urls")),
    path("", include("ketaclinic.visits.urls")),
    path("", include("ketaclinic.qschedule.urls")),
    path("", include("ketaclinic.scheduling.urls")),
    path("patients/", include("ketaclinic.patients.urls")),
    path("", include("ketaclinic.invitations.urls")),
    path("", include("ketaclinic.screening.urls")),
    path("alerts/", include("ketaclinic.alerts.urls")),
    path("audit/", include("ketaclinic.audit.urls")),
    path("policies/", include("ketaclinic.policies.urls")),
    path("portal/", include("ketaclinic.portal.urls")),
    path("", include("ketaclinic.public.urls")),
    path("", include("ketaclinic.booking.urls")),
    path("api/", views.ApiRoot.as_view(), name="api-root"),
    path("api/docs/", views.ApiDocs.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("ketaclinic.api_urls")),
    path("api/schema/", views.SchemaView.as_view(), name="api-schema"),
]

handler404 = "ketaclinic.lib.views.not_found"
