from django.urls import path

from ketaclinic.plans import views

app_name = "plans"
urlpatterns = [
    path("patients/<uuid:code>/plans/new/", views.plan_new, name="new"),
    path("patients/<uuid:code>/plans/<uuid:plan_code>/", views.plan_detail, name="detail"),
    path("patients/<uuid:code>/plans/<uuid:plan_code>/revise/", views.plan_revise, name="revise"),
]
