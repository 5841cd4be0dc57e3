from django.urls import path

from ketaclinic.public import views

app_name = "public"

urlpatterns = [
    path("learn/<slug:slug>/", views.topic_page, name="topic"),
    path("contact/", views.contact, name="contact"),
    path("clinic/public-site/", views.profile_edit, name="profile"),
]
