from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.accounts.forms import PASSWORD_RULES, new_password_field, typed_twice
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
    password = new_password_field(
        "Choose a password", f"{PASSWORD_RULES}, not like your name or email."
    )
    password_again = new_password_field("The same password again")

    def clean_password_again(self) -> str:
        return typed_twice(
            self, "password", "password_again", "The two passwords differ. Type the same one twice."
        )
