"""Settings shared by every environment; everything deployment-specific comes from the
environment (see docs/operations.md for the full list)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CINAR_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cinar.core",
    "cinar.audit",
    "cinar.identity",
    "cinar.organization",
    "cinar.integrations",
    "cinar.notifications",
    "cinar.catalog",
    "cinar.workflow",
    "cinar.documents",
    "cinar.cases",
    "cinar.backoffice",
    "cinar.portal",
    "cinar.open311",
    "cinar.api",
    "cinar.insights",
    "cinar.demo",
]

MIDDLEWARE = [
    # First: answers a citizen's reload of an unchanged status page itself (ADR 0040).
    "cinar.portal.fastpath.StatusPageFastPath",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cinar.identity.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cinar.identity.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cinar.audit.middleware.AuditRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "cinar.core.context_processors.site",
            ],
        },
    },
]

# --- database: embedded SQLite unless DATABASE_URL says otherwise -------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cinar.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
# PostgreSQL binds the parameters, and prepares a statement run five times on a
# connection (ADR 0042); a few hot, many-joined queries run through
# cinar.core.db.prepared_row, prepared at once. Off for PgBouncer in transaction mode
# before 1.21 (docs/operations.md).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the worker share the embedded file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASE_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- identity ------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cinar.identity.backends.CinarModelBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "home"
CINAR_STAFF_HOME_URL = "backoffice:home"  # where staff land after signing in
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle timeout: the age counts from the last save, which cinar.identity's
# SessionIdleRefreshMiddleware makes at most CINAR_SESSION_REFRESH_SECONDS old (not a
# database write on every request).
SESSION_SAVE_EVERY_REQUEST = False
CINAR_SESSION_REFRESH_SECONDS = env_int("CINAR_SESSION_REFRESH_SECONDS", 60)
# A citizen's reload of an unchanged status page is answered before the middleware stack
# (cinar.portal.fastpath, ADR 0040); needs database-backed sessions.
CINAR_PORTAL_FAST_PATH = env_bool("CINAR_PORTAL_FAST_PATH", True)
# On PostgreSQL, each web worker listens for the changes triggers report, and answers a
# reload it has checked without asking again until one comes (cinar.core.changefeed,
# ADR 0044). Needs a direct connection to PostgreSQL (LISTEN), not a pooler's
# transaction mode; without one it is never trusted and changes nothing.
CINAR_PORTAL_CHANGE_FEED = env_bool("CINAR_PORTAL_CHANGE_FEED", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# django-axes: lock an account (username + IP) after repeated failures, for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
# One counter per account whatever name is typed (TCKN, e-mail, username); a page that
# says until when (cinar/identity/lockout.py).
AXES_USERNAME_CALLABLE = "cinar.identity.lockout.axes_username"
AXES_LOCKOUT_CALLABLE = "cinar.identity.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "token"]
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Çınar")
# Absolute address for links in e-mails sent outside a request (e.g. "choose your password").
CINAR_SITE_URL = env_str("CINAR_SITE_URL", "http://localhost:8000")

# --- i18n ------------------------------------------------------------------------------
LANGUAGE_CODE = "tr"
LANGUAGES = [("tr", _("Turkish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Istanbul"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- e-mail ------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Çınar <noreply@cinar.local>")

# --- background work: Celery -------------------------------------------------------------
# Production: redis://… or amqp://…. Quickstart: a broker on the local file system, so
# `make run` needs no server but Python (docs/decisions/0005-worker-and-broker.md).
# "localhost" only keeps kombu from warning about a missing host on every connection.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange bindings; kombu's default is "control" in the current directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Several deployments (or test runs) can share one broker by using different queues.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection before and after each task
# unless this is set: each task that touches the database would pay a new connection.
# With it, the worker keeps connections as the web does, by CONN_MAX_AGE (config/celery.py
# closes old or broken ones around each task, as Django does around each request). ADR 0038.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = env_str(
    "CELERY_BEAT_SCHEDULER", "django_celery_beat.schedulers:DatabaseScheduler"
)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "worker-heartbeat": {"task": "cinar.core.tasks.heartbeat", "schedule": 60.0},
    "workflow-sla-sweep": {"task": "cinar.workflow.tasks.sla_sweep", "schedule": 60.0},
    "notifications-drain": {"task": "cinar.notifications.tasks.drain", "schedule": 30.0},
    "documents-kep-poll": {"task": "cinar.documents.tasks.kep_poll", "schedule": 60.0},
    "orphan-sweep": {"task": "cinar.core.tasks.orphan_sweep", "schedule": 3600.0},
    "cases-sync": {"task": "cinar.cases.tasks.sync", "schedule": 60.0},
    # Every 5 s (runs never overlap: the cursors are locked): dashboards stay < 10 s behind.
    "insights-rollups": {"task": "cinar.insights.tasks.rollups_update", "schedule": 5.0},
    # Last week's report to each director, Mondays 07:30 (cinar/insights/weekly.py).
    "insights-weekly-report": {
        "task": "cinar.insights.weekly.send_reports",
        "schedule": crontab(minute=30, hour=7, day_of_week="mon"),
    },
}
# Task modules other than the apps' tasks.py (which autodiscovery finds by itself).
CELERY_IMPORTS = ("cinar.insights.weekly",)

# --- caches -------------------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Çınar ------------------------------------------------------------------------------------
CINAR_MUNICIPALITY_NAME = env_str("CINAR_MUNICIPALITY_NAME", "Çınar Belediyesi")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- REST API v1 and Open311 (cinar/api/README.md, cinar/open311/README.md) --------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cinar.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_read": env_str("API_THROTTLE_READ", "600/min"),
        "api_write": env_str("API_THROTTLE_WRITE", "60/min"),
        "api_token": env_str("API_THROTTLE_TOKEN", "20/min"),
        "open311_read": env_str("OPEN311_THROTTLE_READ", "600/min"),
        "open311_write": env_str("OPEN311_THROTTLE_WRITE", "120/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Çınar API",
    "DESCRIPTION": "REST API v1 of Çınar and its Open311 GeoReport v2 endpoints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "DEFAULT_GENERATOR_CLASS": "cinar.api.schema.CinarSchemaGenerator",
}

# --- external services: protocol + sandbox backends (cinar/integrations/README.md) -------------
# Each entry is {"BACKEND": dotted path, "OPTIONS": {...}}; apps add their services here.
CINAR_INTEGRATIONS: dict[str, dict[str, object]] = {}
CINAR_INTEGRATIONS["sms"] = {
    "BACKEND": env_str("CINAR_SMS_BACKEND", "cinar.integrations.sms.sandbox.SandboxSMS"),
    "OPTIONS": {
        "store": "cinar.notifications.sandbox.DatabaseSandboxStore",
        "latency_ms": env_int("CINAR_SMS_SANDBOX_LATENCY_MS", 0),
    },
}
CINAR_INTEGRATIONS["kep"] = {
    "BACKEND": env_str("CINAR_KEP_BACKEND", "cinar.integrations.kep.sandbox.SandboxKEP"),
    "OPTIONS": {"latency_ms": env_int("CINAR_KEP_SANDBOX_LATENCY_MS", 0)},
}

# --- notifications: one provider per channel (cinar/notifications/README.md) -------------------
CINAR_NOTIFICATION_PROVIDERS = {
    "email": "cinar.notifications.providers.email.EmailProvider",
    "sms": "cinar.notifications.providers.sms.SMSProvider",
    "kep": "cinar.notifications.providers.kep.KEPProvider",
    "portal": "cinar.notifications.providers.portal.PortalProvider",
}

# --- e-signature (cinar/documents/signing/README.md) -----------------------------------------
# Quickstart default: a software key from the development CA in var/signing, created on first
# use. Production sets CINAR_SIGNING_DEV_CA=0 and configures a card, an HSM or a real key
# (docs/operations.md, "e-signature"); TRUST_ROOTS are PEM files /dogrula/ trusts.
CINAR_SIGNING: dict[str, object] = {
    "BACKEND": env_str(
        "CINAR_SIGNING_BACKEND", "cinar.documents.signing.software.SoftwareKeySigner"
    ),
    "OPTIONS": {
        "directory": str(VAR_DIR / "signing"),
        "create_dev_ca": env_bool("CINAR_SIGNING_DEV_CA", True),
    },
    "TRUST_ROOTS": env_list("CINAR_SIGNING_TRUST_ROOTS"),
}
CINAR_INTEGRATIONS["mobile_signature"] = {
    "BACKEND": env_str(
        "CINAR_MOBILE_SIGNATURE_BACKEND",
        "cinar.integrations.mobile_signature.sandbox.SandboxMobileSignature",
    ),
    "OPTIONS": {"directory": str(VAR_DIR / "mobile_signature"), "approve_after_seconds": 3.0},
}

# --- time-stamping and CAdES profiles (cinar/integrations/tsa/README.md, ADR 0037) ------------
# e-Yazışma signatures are written CAdES-X Long and seals CAdES-A (Kamu SM's P4 profiles),
# which need a time-stamping authority. Default: the sandbox TSA, whose certificate the
# development CA in var/signing issues. Production: CINAR_TSA_BACKEND=
# cinar.integrations.tsa.http.HTTPTimestamper with CINAR_TSA_URL (Kamu SM:
# http://zd.kamusm.gov.tr), CINAR_TSA_CUSTOMER_NUMBER / CINAR_TSA_CUSTOMER_PASSWORD (Kamu SM)
# or CINAR_TSA_USERNAME / CINAR_TSA_PASSWORD (HTTP basic), CINAR_TSA_POLICY,
# CINAR_TSA_TRUST_ROOTS (PEM files). CINAR_CADES_SIGNATURE_PROFILE / _SEAL_PROFILE = BES|T|XL|A;
# BES is the explicit fallback for installations without a TSA (not the guide's profile).
_TSA_SANDBOX = "cinar.integrations.tsa.sandbox.SandboxTSA"
_tsa_backend = env_str("CINAR_TSA_BACKEND", _TSA_SANDBOX)
CINAR_INTEGRATIONS["tsa"] = {
    "BACKEND": _tsa_backend,
    "OPTIONS": (
        {
            "directory": str(VAR_DIR / "signing"),
            "latency_ms": env_int("CINAR_TSA_SANDBOX_LATENCY_MS", 0),
        }
        if _tsa_backend == _TSA_SANDBOX
        else {
            "url": env_str("CINAR_TSA_URL"),
            "customer_number": env_str("CINAR_TSA_CUSTOMER_NUMBER"),
            "customer_password": env_str("CINAR_TSA_CUSTOMER_PASSWORD"),
            "username": env_str("CINAR_TSA_USERNAME"),
            "password": env_str("CINAR_TSA_PASSWORD"),
            "policy": env_str("CINAR_TSA_POLICY"),
            "trust_roots": env_list("CINAR_TSA_TRUST_ROOTS"),
        }
    ),
}
CINAR_CADES: dict[str, object] = {
    "SIGNATURE_PROFILE": env_str("CINAR_CADES_SIGNATURE_PROFILE", "XL"),
    "SEAL_PROFILE": env_str("CINAR_CADES_SEAL_PROFILE", "A"),
    # CRLs for X-Long revocation values: *.crl here first (the development CA's ca.crl),
    # then the certificates' CRL distribution points over HTTP when FETCH_CRLS.
    "CRL_DIRECTORIES": env_list("CINAR_CADES_CRL_DIRECTORIES") or [str(VAR_DIR / "signing")],
    "FETCH_CRLS": env_bool("CINAR_CADES_FETCH_CRLS", True),
}
# PAdES-B-T: the software-key signer time-stamps signed PDFs through the same TSA.
_signing_options = CINAR_SIGNING["OPTIONS"]
if CINAR_SIGNING["BACKEND"] == "cinar.documents.signing.software.SoftwareKeySigner" and isinstance(
    _signing_options, dict
):
    _signing_options["timestamp_integration"] = env_bool("CINAR_SIGNING_PADES_TIMESTAMP", True)


# Registry adapters (cinar/integrations/README.md, docs/decisions/0017-registry-sandboxes.md):
# deterministic sandboxes by default. CINAR_<NAME>_BACKEND switches to the real service, which
# reads CINAR_<NAME>_USERNAME / _PASSWORD (and _ENDPOINT where the service has no fixed one).
def _registry_backend(name: str, sandbox: str) -> dict[str, object]:
    prefix = f"CINAR_{name.upper()}"
    backend = env_str(f"{prefix}_BACKEND", sandbox)
    options: dict[str, object]
    if backend == sandbox:
        options = {
            "latency_ms": env_int(f"{prefix}_SANDBOX_LATENCY_MS", 0),
            "failure_rate": env_int(f"{prefix}_SANDBOX_FAILURE_PERCENT", 0) / 100,
        }
    else:
        options = {
            "username": env_str(f"{prefix}_USERNAME"),
            "password": env_str(f"{prefix}_PASSWORD"),
        }
        if env_str(f"{prefix}_ENDPOINT"):
            options["endpoint"] = env_str(f"{prefix}_ENDPOINT")
    return {"BACKEND": backend, "OPTIONS": options}


CINAR_INTEGRATIONS["kps"] = _registry_backend("kps", "cinar.integrations.kps.sandbox.SandboxKPS")
CINAR_INTEGRATIONS["uavt"] = _registry_backend(
    "uavt", "cinar.integrations.uavt.sandbox.SandboxUAVT"
)
CINAR_INTEGRATIONS["mersis"] = _registry_backend(
    "mersis", "cinar.integrations.mersis.sandbox.SandboxMERSIS"
)
CINAR_INTEGRATIONS["detsis"] = _registry_backend(
    "detsis", "cinar.integrations.detsis.sandbox.SandboxDETSIS"
)

# External conformance material (standard test suites) kept beside the repository, read in
# place by tests and by `manage.py bpmn_conformance_report`.
CINAR_SHARED_EXT_DIR = Path(
    env_str("CINAR_SHARED_EXT_DIR", str(BASE_DIR.parent / "shared" / "ext"))
)
