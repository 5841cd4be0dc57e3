from django.urls import path

from ketaclinic.scheduling import setup_views, views

app_name = "scheduling"
urlpatterns = [
    path("calendar/", views.day, name="day"),
    path("calendar/week/", views.week, name="week"),
    path("calendar/setup/", setup_views.setup, name="setup"),
    path("calendar/setup/staff/<uuid:code>/", setup_views.setup_hours, name="setup_hours"),
    path("calendar/utilisation/", views.utilisation, name="utilisation"),
    path("calendar/<uuid:code>/", views.appointment, name="appointment"),
    path("patients/<uuid:code>/book/", views.book, name="book"),
    path("patients/<uuid:code>/book-series/", views.series, name="series"),
]
