from django.urls import path

from ketaclinic.invitations import views

app_name = "invitations"
urlpatterns = [
    path("welcome/", views.welcome, name="welcome"),
    path("patients/<uuid:code>/portal/", views.portal_access, name="portal_access"),
    path(
        "patients/<uuid:code>/portal/<uuid:invitation>/resend/",
        views.resend_invitation,
        name="resend",
    ),
    path(
        "patients/<uuid:code>/portal/<uuid:invitation>/revoke/",
        views.revoke_invitation,
        name="revoke",
    ),
]
