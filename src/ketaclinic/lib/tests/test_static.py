"""The stylesheet is found (by collectstatic and in development) and served."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client


def test_the_stylesheet_is_found_and_served() -> None:
    assert finders.find("ketaclinic/app.css") is not None  # what collectstatic copies
    response = Client().get(static("ketaclinic/app.css"))
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
