"""What the public site says about the clinic: its address, phone and email."""

from __future__ import annotations

from django.db import models

from ketaclinic.accounts.models import Clinic


class ClinicProfile(models.Model):
    """The clinic as visitors see it; edited by the clinic admin (``public:profile``).

    The name is the clinic's own (``Clinic.name``); nothing on the public site comes from
    the address the server is reached at.
    """

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="profile")
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    #: E.164 (``+16025550123``), checked with ``phonenumbers``.
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    #: A sentence or two in the clinic's words for the home page.
    welcome = models.TextField(blank=True, max_length=1000)
    #: Shown on the public site; off hides it (the home page then only offers sign-in).
    published = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Public profile of {self.clinic}"

    @property
    def address_lines(self) -> list[str]:
        last = " ".join(p for p in (self.region, self.postal_code) if p)
        city = ", ".join(p for p in (self.city, last) if p)
        return [line for line in (self.street, city) if line]
