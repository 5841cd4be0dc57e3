from django.urls import path

from ketaclinic.booking import feed_views, views

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/done/", views.done, name="done"),
    path("book/manage/", views.manage, name="manage"),
    path("calendar/feed/", feed_views.my_feed, name="my_feed"),
    path("calendar/feed/<str:token>.ics", feed_views.feed, name="feed"),
]
