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


def new_password_field(label: str, help_text: str = "") -> forms.CharField:
    """A password being chosen (kept as typed; the rules are checked by the service)."""
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def typed_twice(form: forms.Form, first: str, again: str, message: str) -> str:
    """The field ``again``'s value, refused with ``message`` unless it equals ``first``."""
    value = str(form.cleaned_data[again])
    if value != form.cleaned_data.get(first):
        raise forms.ValidationError(message)
    return value


#: The password rules in words (Django's validators, as configured in settings).
PASSWORD_RULES = "At least 12 characters; not a common password, not only digits"  # noqa: S105 (help text)


class PasswordChangeForm(forms.Form):
    """Current password, and the new one twice. The rules are checked by the service."""

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = new_password_field("New password", f"{PASSWORD_RULES}, not like your name.")
    new_password_again = new_password_field("New password again")

    def clean_new_password_again(self) -> str:
        return typed_twice(
            self,
            "new_password",
            "new_password_again",
            "The two new passwords differ. Type the same one twice.",
        )
