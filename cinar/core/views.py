"""/healthz: is the database answering, is the broker reachable, is the worker alive."""

from __future__ import annotations

import os
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


BROKER_TIMEOUT = 2  # seconds; a probe must answer even when the broker hangs


def _broker_transport_options(transport: str) -> dict[str, Any]:
    options: dict[str, Any] = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if transport in {"redis", "rediss", "sentinel"}:
        # Without a read timeout, a server that accepts the connection but never answers
        # (overloaded, half-open) blocks the probe forever.
        options.update(socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=BROKER_TIMEOUT)
    return options


def _check_filesystem_broker(options: dict[str, Any]) -> None:
    # kombu "connects" to any folder, existing or not; the probe checks what the
    # transport will actually need: folders it can write to.
    for key in ("data_folder_in", "data_folder_out"):
        folder = options.get(key)
        if folder and not os.path.isdir(folder):
            raise FileNotFoundError(folder)
        if folder and not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(folder)


def _check_broker() -> dict[str, Any]:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0].split("+", 1)[0]
    try:
        options = _broker_transport_options(transport)
        if transport == "filesystem":
            _check_filesystem_broker(options)
        with Connection(url, transport_options=options, connect_timeout=BROKER_TIMEOUT) as conn:
            # One attempt, no retry: a retry would sleep before trying again.
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # any failure means "down"; the probe itself never raises
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
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "broker": broker,
            "worker": worker,
        },
        status=200 if healthy else 503,
    )
