"""Settings for ketaclinic, read from environment variables.

Every variable is listed in ``.env.example``. Bad values raise
``ImproperlyConfigured`` instead of being guessed (healthchecks' env helpers).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from ketaclinic.env import env_bool, env_int, env_secret, env_str
from ketaclinic.paths import PACKAGE_DIR, var_dir

# Lets `forms.ModelForm[Patient]` and friends be written at runtime as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = PACKAGE_DIR
VAR_DIR = var_dir()


DEBUG = env_bool("DEBUG", False)
# Development defaults are only used when DEBUG is on or when running the tests.
_DEV = DEBUG or env_bool("KETACLINIC_DEV", False)
SECRET_KEY = env_secret("SECRET_KEY", "dev-only-not-secret-change-me" if _DEV else None)
# The audit chain's HMAC key is separate from SECRET_KEY so that rotating one
# does not invalidate the other (docs/security.md).
AUDIT_HMAC_KEY = env_secret("AUDIT_HMAC_KEY", "dev-only-audit-key" if _DEV else None)
# Append-only file outside the database that witnesses each audit record, so removing
# the newest records is evident (audit/witness.py). One file per app server.
AUDIT_WITNESS_PATH = Path(env_str("AUDIT_WITNESS_PATH", "") or VAR_DIR / "audit-witness.log")
ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_NAME = env_str("SITE_NAME", "ketaclinic")
# The URL prefix ketaclinic is served under ("" = the root). Fixed here, so a
# SCRIPT_NAME sent by a client or a proxy never moves the application (issue 8).
FORCE_SCRIPT_NAME = env_str("URL_PREFIX", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "ketaclinic.accounts",
    "ketaclinic.alerts",
    "ketaclinic.plans",
    "ketaclinic.infusions",
    "ketaclinic.audit",
    "ketaclinic.idempotency",
    "ketaclinic.invitations",
    "ketaclinic.outbox",
    "ketaclinic.patients",
    "ketaclinic.policies",
    "ketaclinic.questionnaires",
    "ketaclinic.portal",
    "ketaclinic.outcomes",
    "ketaclinic.visits",
    "ketaclinic.qschedule",
    "ketaclinic.scheduling",
    "ketaclinic.booking",
    "ketaclinic.public",
    "ketaclinic.screening",
    "ketaclinic.worklists",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ketaclinic.accounts.middleware.SessionIdleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketaclinic.accounts.middleware.RouteAccessMiddleware",
    "ketaclinic.lib.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketaclinic.urls"
WSGI_APPLICATION = "ketaclinic.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketaclinic.lib.context.site",
            ],
            # {{ source|cite }} links each [Key] to the references page.
            "builtins": ["ketaclinic.lib.citations"],
        },
    },
]

# ------------------------------------------------------------------ database
# SQLite (WAL) under var/ by default; PostgreSQL when DATABASE_URL is set.
_default_sqlite = f"sqlite:///{VAR_DIR / 'ketaclinic.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "") or _default_sqlite, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue on
        # busy_timeout instead of failing with "database is locked" half-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # A connection is kept per worker for DB_CONN_MAX_AGE seconds, as on PostgreSQL: opening
    # one (connect, the PRAGMAs above) and closing it (the last close checkpoints the WAL)
    # cost about 5 ms of CPU on every request (docs/performance.md). A commit is durable
    # either way (WAL, synchronous=NORMAL: a killed process loses nothing committed);
    # the WAL is still checkpointed as it grows, and ketaclinic.wsgi closes any
    # connection before gunicorn forks, so no worker inherits one.
    # Tests get a file too, not Django's in-memory shared-cache database: there, threads
    # that write at once fail with "database table is locked" instead of waiting on
    # busy_timeout as they do on the real file (audit/tests/test_concurrency.py).
    # pytest-django appends the xdist worker's name, so workers do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-ketaclinic.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------ auth
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: lock an account+address pair after repeated failures (ASVS 4.0 V2.2.1).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A page for people, JSON for the API (accounts/lockout.py).
AXES_LOCKOUT_CALLABLE = "ketaclinic.accounts.lockout.lockout_response"
# Behind a load balancer, set how many proxies to trust, or everyone shares one
# address (jazzband/django-axes #1099, see docs/deploy.md).
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
OTP_TOTP_ISSUER = SITE_NAME

# ------------------------------------------------------------------ sessions & headers
# Idle expiry: 30 min of inactivity (ASVS 4.0 V3.3.2), refreshed by use (at most once a minute).
# API tokens lapse after the same idle time (accounts.models.ApiToken).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# An API token's absolute lifetime: about one working shift (docs/security.md).
API_TOKEN_MAX_HOURS = env_int("API_TOKEN_MAX_HOURS", 8)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be at least 1")
if not 1 <= API_TOKEN_MAX_HOURS <= 24:
    raise ImproperlyConfigured("API_TOKEN_MAX_HOURS must be between 1 and 24 (hours)")
# Not on every request: SessionIdleMiddleware saves a used session at most once a minute,
# which moves its expiry on (a session lapses up to a minute early, never late).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
_HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# ------------------------------------------------------------------ email
# Portal invitations go out by email. Development and the demo print mail on the
# console; production sends through SMTP (docs/deploy.md); tests use Django's locmem.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if _DEV
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
#: Where the file-based backend (django.core.mail.backends.filebased) writes each email.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both")
# ------------------------------------------------------------------ background work
# Django's Tasks API (the django-tasks backport), docs/deploy.md "Background work":
# "database" keeps the jobs in this database and `ketaclinic run` starts a worker beside
# gunicorn; "redis" keeps them in Redis (REDIS_URL) for RQ workers on other machines
# (`ketaclinic worker` on each).
TASK_QUEUE = env_str("TASK_QUEUE", "database")
TASK_QUEUE_NAME = env_str("TASK_QUEUE_NAME", "ketaclinic")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
}
if TASK_QUEUE not in _TASK_BACKENDS:
    raise ImproperlyConfigured("TASK_QUEUE must be 'database' or 'redis'")
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[TASK_QUEUE],
        # Empty: any queue name is accepted; the tasks are queued on TASK_QUEUE_NAME
        # (ketaclinic.outbox.tasks), the one queue `ketaclinic worker` takes jobs from.
        "QUEUES": [],
    }
}
RQ_QUEUES = {TASK_QUEUE_NAME: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
#: How long a worker holds an email it is sending before another may take it over;
#: well above EMAIL_TIMEOUT, so a slow but living worker keeps its claim.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 120)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
if OUTBOX_LEASE_SECONDS < 2 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured("OUTBOX_LEASE_SECONDS must be at least twice EMAIL_TIMEOUT")
#: The clinic the public site presents (a clinic's code), when the database holds several
#: clinics with a published profile; empty: the one published clinic (docs/public-site.md).
PUBLIC_CLINIC = env_str("PUBLIC_CLINIC", "")
#: Reminder emails go this many hours before each appointment (docs/booking.md).
APPOINTMENT_REMINDER_HOURS = [
    int(h) for h in env_str("APPOINTMENT_REMINDER_HOURS", "48,3").split(",") if h.strip()
]
if any(not 1 <= h <= 24 * 14 for h in APPOINTMENT_REMINDER_HOURS):
    raise ImproperlyConfigured("APPOINTMENT_REMINDER_HOURS: hours between 1 and 336, e.g. 48,3")
#: How far ahead visitors may book a free consultation online (days).
BOOKING_DAYS_AHEAD = env_int("BOOKING_DAYS_AHEAD", 21)
#: A manage link works until its appointment ends, and never longer than this.
MANAGE_LINK_DAYS = env_int("MANAGE_LINK_DAYS", 120)
#: The address patients reach the site at, for links in emails ("https://clinic.example.org").
#: Empty: the address of the request that sent the email (checked against ALLOWED_HOSTS).
SITE_URL = env_str("SITE_URL", "").rstrip("/")
#: How long a portal invitation link works (hours), from when it was last sent.
PORTAL_INVITATION_HOURS = env_int("PORTAL_INVITATION_HOURS", 72)
if not 1 <= PORTAL_INVITATION_HOURS <= 24 * 14:
    raise ImproperlyConfigured("PORTAL_INVITATION_HOURS must be between 1 and 336 (14 days)")

# ------------------------------------------------------------------ phone numbers
#: Where a phone number written without a country code is ("US", "GB", "DE"…: ISO 3166).
PHONE_REGION = env_str("PHONE_REGION", "US").upper()

# ------------------------------------------------------------------ scheduling
#: Defaults until a clinic sets its own (docs/scheduling.md). Minutes in the chair after an
#: infusion ends (a clinic decision, not a cited threshold: a physician confirms it).
SCHEDULE_RECOVERY_MINUTES = env_int("SCHEDULE_RECOVERY_MINUTES", 60)
SCHEDULE_CONSULTATION_MINUTES = env_int("SCHEDULE_CONSULTATION_MINUTES", 30)
SCHEDULE_FOLLOW_UP_MINUTES = env_int("SCHEDULE_FOLLOW_UP_MINUTES", 30)
#: Free slots start every this many minutes from the opening time.
SCHEDULE_SLOT_STEP_MINUTES = env_int("SCHEDULE_SLOT_STEP_MINUTES", 15)
if not 0 <= SCHEDULE_RECOVERY_MINUTES <= 480 or not 5 <= SCHEDULE_SLOT_STEP_MINUTES <= 120:
    raise ImproperlyConfigured(
        "SCHEDULE_RECOVERY_MINUTES must be 0-480 and SCHEDULE_SLOT_STEP_MINUTES 5-120"
    )

# ------------------------------------------------------------------ i18n & time
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CLINIC_TIME_ZONE", "America/Phoenix")
USE_I18N = True
USE_TZ = True

# ------------------------------------------------------------------ static files
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The project's own assets (the package is not an app, so the app finder misses them).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not _DEV
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = _DEV  # serve from the source tree without collectstatic
WHITENOISE_AUTOREFRESH = _DEV  # no collectstatic needed in development and tests

# ------------------------------------------------------------------ API
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes DRF answer 401 (not 403) when
    # credentials are missing or refused (ketaclinic.lib.authentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ketaclinic.lib.authentication.ApiTokenAuthentication",
        "ketaclinic.lib.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON first (what a client gets for */*); a browser asking for HTML gets DRF's
    # browsable page of the same endpoint, with the same permissions.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON taken strictly: a key twice, invalid UTF-8, deep nesting, huge numbers -> 400.
    "DEFAULT_PARSER_CLASSES": [
        "ketaclinic.lib.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "ketaclinic.lib.schema.AutoSchema",  # adds the error responses
    # Limit/offset pages: 50 rows unless the client asks, 100 at most.
    "DEFAULT_PAGINATION_CLASS": "ketaclinic.lib.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "ketaclinic.lib.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ketaclinic API",
    "DESCRIPTION": "Patients, screening, plans, infusions and outcomes of a ketamine clinic.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several "status" fields with different choices: each enum named by what it is.
    "ENUM_NAME_OVERRIDES": {
        "ChartEntryStatusEnum": "ketaclinic.patients.models.EntryStatus",
        "PolicyVersionStatusEnum": "ketaclinic.policies.services.Status",
        "PolicyKindEnum": "ketaclinic.policies.models.PolicyKind",
        "InfusionStateEnum": "ketacore.infusion.InfusionState",
        "AppointmentKindEnum": "ketaclinic.scheduling.models.AppointmentKind",
        "VisitDecisionEnum": "ketaclinic.visits.models.DECISION_CHOICES",
        "DiaryEnteredViaEnum": "ketaclinic.outcomes.models.DiaryVia",
        "EnteredViaEnum": "ketaclinic.questionnaires.models.EnteredVia",
    },
}

# ------------------------------------------------------------------ logging
# No PHI in logs: request logging records method, route name and status only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs each step of every PDF it makes at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
