"""ketaclinic's settings plus the bare benchmark app and its one route (bench only).

``DJANGO_SETTINGS_MODULE=bare.settings`` with ``benchmarks/`` on ``PYTHONPATH``; everything
else (middleware, database, sessions, secrets, gunicorn's command line) is the product's.
"""

from ketaclinic.settings import *  # noqa: F403 (the product's settings, unchanged)
from ketaclinic.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bare.apps.BareConfig"]
ROOT_URLCONF = "bare.urls"
