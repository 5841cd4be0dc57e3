from django.urls import include, path

from bare.apps import ROUTE
from bare.views import record_vitals

urlpatterns = [
    path("bench/bare/vitals/", record_vitals, name=ROUTE),
    path("", include("ketaclinic.urls")),
]

handler404 = "ketaclinic.lib.views.not_found"
