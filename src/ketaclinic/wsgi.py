import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

from ketacore import icd10

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
application = get_wsgi_application()

# `ketaclinic run` preloads this module before gunicorn forks its workers, so
# the complete ICD-10-CM code set is loaded once, shared by every worker, and
# no request waits for it (docs/performance.md, "ICD-10-CM code set").
icd10.preload()

# Nothing above should have opened a database connection, but none may cross the fork:
# with persistent connections (CONN_MAX_AGE) a worker would reuse its parent's.
connections.close_all()
