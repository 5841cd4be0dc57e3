from django.urls import path

from ketaclinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("calendar/", views.day, name="day"),
    path("calendar/week/", views.week, name="week"),
    path("calendar/utilisation/", views.utilisation, name="utilisation"),
    path("calendar/<uuid:code>/", views.appointment, name="appointment"),
    path("patients/<uuid:code>/book/", views.book, name="book"),
    path("patients/<uuid:code>/book-series/", views.series, name="series"),
]
