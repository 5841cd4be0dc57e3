from django.urls import path

from ketaclinic.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<slug:kind>/", views.policy_detail, name="detail"),
    path("<slug:kind>/edit/", views.policy_edit, name="edit"),
    path("<slug:kind>/import/", views.policy_import, name="import"),
    path("<slug:kind>/<uuid:code>/", views.version_detail, name="version"),
    path("<slug:kind>/<uuid:code>/approve/", views.version_approve, name="approve"),
    path("<slug:kind>/<uuid:code>/export/", views.version_export, name="export"),
]
