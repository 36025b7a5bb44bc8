"""Settings for the test suite: fast hashing, eager-free celery, in-memory e-mail."""

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://localhost/"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# Tests read English by default (source strings); Turkish is checked explicitly by
# tests/test_translations.py and by the browser journeys, which send Accept-Language.
LANGUAGE_CODE = "en"

# Unit tests sign with throwaway CAs that publish no CRL, for which CAdES-X Long cannot be
# written honestly; the suite defaults to BES and the profile tests opt in to X-L/A
# (cinar/documents/tests/test_cades_*.py, docs/decisions/0037-cades-profiles-and-tsa.md).
CINAR_CADES = {**CINAR_CADES, "SIGNATURE_PROFILE": "BES", "SEAL_PROFILE": "BES"}  # noqa: F405
# Likewise signed PDFs stay PAdES-B-B unless a test asks for B-T (test_cades_pades.py).
CINAR_SIGNING = {
    **CINAR_SIGNING,  # noqa: F405
    "OPTIONS": {**CINAR_SIGNING["OPTIONS"], "timestamp_integration": False},  # type: ignore[dict-item]  # noqa: F405
}

# The status page's change feed listens on a connection of its own, which would keep the
# test database from being dropped; the tests that exercise it turn it on and stop it.
CINAR_PORTAL_CHANGE_FEED = False
