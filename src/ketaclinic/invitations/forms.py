from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.idempotency.http import FormToken


class InviteForm(forms.Form):
    """Send a portal invitation: a create, so it carries a one-time form token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)


class WelcomeForm(forms.Form):
    """The patient chooses a username and a password (checked by Django's validators)."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="You sign in with this. Your email address is fine; letters, digits and "
        "@ . + - _ only.",
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 12 characters; not a common password, not only digits, "
        "not like your name or email.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password_again(self) -> str:
        again = str(self.cleaned_data["password_again"])
        if again != self.cleaned_data.get("password"):
            raise forms.ValidationError("The two passwords differ. Type the same one twice.")
        return again
