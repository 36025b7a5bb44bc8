"""Bench-only settings: no apps, no middleware, no database, one view that returns a
fixed body. Its request rate under gunicorn is the ceiling any Çınar page could reach
on this machine with the same server options."""

SECRET_KEY = "bench-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.emptyapp.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_I18N = False
USE_TZ = True
WSGI_APPLICATION = "bench.emptyapp.wsgi.application"
LOGGING_CONFIG = None
