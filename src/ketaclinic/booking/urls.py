from django.urls import path

from ketaclinic.booking import views

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/done/", views.done, name="done"),
    path("book/manage/", views.manage, name="manage"),
]
