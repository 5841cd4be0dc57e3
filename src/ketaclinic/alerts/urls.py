from django.urls import path

from ketaclinic.alerts import views

app_name = "alerts"
urlpatterns = [
    path("<uuid:code>/", views.acknowledge, name="acknowledge"),
]
