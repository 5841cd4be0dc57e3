from __future__ import annotations

from django import forms


class ProfileForm(forms.Form):
    """What the public site says about the clinic; the service checks every value."""

    street = forms.CharField(label="Street address", required=False, max_length=200)
    city = forms.CharField(label="City", required=False, max_length=100)
    region = forms.CharField(label="State or region", required=False, max_length=100)
    postal_code = forms.CharField(label="Postal code", required=False, max_length=20)
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        help_text="The number visitors call to book, e.g. (602) 555-0123",
    )
    email = forms.CharField(label="Email", required=False, max_length=254)
    welcome = forms.CharField(
        label="Welcome text",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two for the top of the home page, in the clinic's words",
    )
    published = forms.BooleanField(
        label="Show the public site to visitors who are not signed in", required=False
    )
