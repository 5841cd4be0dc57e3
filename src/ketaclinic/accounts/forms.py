from __future__ import annotations

from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = str(self.cleaned_data["token"]).strip()
        if not token.isdigit():
            raise forms.ValidationError("The code is 6 digits.")
        return token


class PasswordChangeForm(forms.Form):
    """Current password, and the new one twice. The rules are checked by the service."""

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters; not a common password, not only digits, "
        "not like your name.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_new_password_again(self) -> str:
        again = str(self.cleaned_data["new_password_again"])
        if again != self.cleaned_data.get("new_password"):
            raise forms.ValidationError("The two new passwords differ. Type the same one twice.")
        return again
