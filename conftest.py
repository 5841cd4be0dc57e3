"""Environment for the test run, set before Django reads its settings."""

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
os.environ.setdefault("KETACLINIC_DEV", "1")  # development secrets only
os.environ.setdefault("HTTPS", "False")
os.environ.setdefault("KETACLINIC_VAR_DIR", tempfile.mkdtemp(prefix="ketaclinic-test-"))
# Playwright's sync API runs an event loop; Django refuses ORM calls from it otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

import django

# Set Django up now, before the app conftests import models (pytest-django would
# otherwise do it only after every initial conftest has been imported).
django.setup()
