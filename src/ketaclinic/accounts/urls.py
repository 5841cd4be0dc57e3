from django.urls import path

from ketaclinic.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("password/", views.change_password, name="password"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:code>/revoke/", views.revoke_token, name="token_revoke"),
]
