"""/healthz: is the database answering, is the broker reachable, is the worker alive."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from cinar.core.models import Heartbeat

WORKER_STALE_AFTER = timedelta(minutes=3)


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict[str, Any]:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    try:
        with Connection(
            url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport}


def _check_worker() -> dict[str, Any]:
    try:
        beat = Heartbeat.objects.filter(name="worker").first()
    except Exception:
        return {"ok": False, "last_seen": None}
    if beat is None:
        return {"ok": False, "last_seen": None}
    return {
        "ok": timezone.now() - beat.seen_at < WORKER_STALE_AFTER,
        "last_seen": beat.seen_at.isoformat(),
    }


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _check_database()
    broker = _check_broker()
    worker = _check_worker() if database["ok"] else {"ok": False, "last_seen": None}
    # The worker's state is reported but does not fail the probe: a web node stays
    # useful while workers restart, and monitoring alerts on the field itself.
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker,
         "worker": worker},
        status=200 if healthy else 503,
    )
